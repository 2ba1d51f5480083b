package google

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/telemetry"
)

// Defaults for the Options a server leaves zero.
const (
	// BaseURLDefault is the Android Publisher API's host; requests go to BaseURL + /androidpublisher/v3/....
	BaseURLDefault = "https://androidpublisher.googleapis.com"
	// TimeoutDefault bounds one API call, and one access-token request, when the caller's context has no
	// earlier deadline.
	TimeoutDefault = 15 * time.Second
)

// Options configure a Client. CredentialsJSON and PackageName are required; the rest have defaults.
type Options struct {
	// CredentialsJSON is the service-account key (the JSON file Google Cloud downloads, "type":
	// "service_account") of an account the Play Console's API access page lets view financial data and
	// manage orders. The operator sets GOOGLE_PLAY_CREDENTIALS_FILE to its path; the server reads it into
	// these bytes. It is a secret: New's errors name the field, never what is in it. Its token_uri is where
	// access tokens are fetched (tests point it at their own server).
	CredentialsJSON []byte
	// PackageName is the Android app's application id ("app.homekeep"), env GOOGLE_PLAY_PACKAGE_NAME.
	// Notifications about other apps are the caller's to refuse.
	PackageName string
	// BaseURL replaces BaseURLDefault, for tests only: the scheme and host of the API.
	BaseURL string
	// HTTPClient calls the API and fetches access tokens. Nil means a client with Timeout as its timeout;
	// tests pass their TLS server's client.
	HTTPClient *http.Client
	// Timeout bounds one API call. Zero means TimeoutDefault.
	Timeout time.Duration
}

// withDefaults returns a copy of o with the zero optional fields filled in.
func (o Options) withDefaults() Options {
	if o.BaseURL == "" {
		o.BaseURL = BaseURLDefault
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if o.Timeout == 0 {
		o.Timeout = TimeoutDefault
	}
	if o.HTTPClient == nil {
		o.HTTPClient = telemetry.WrapClient(&http.Client{Timeout: o.Timeout})
	}
	return o
}

// serviceAccount is the part of a service-account key New checks before handing it to x/oauth2.
type serviceAccount struct {
	Type        string `json:"type"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
}

// credentialsField names the field in New's errors with the variable an operator sets it through.
const credentialsField = "CredentialsJSON (GOOGLE_PLAY_CREDENTIALS_FILE)"

// packageNamePattern is an Android application id: two or more dot-separated Java identifiers.
var packageNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$`)

// validate checks o after withDefaults. Its errors name the field and its environment variable and never
// repeat the credentials' content.
func (o Options) validate() error {
	if len(o.CredentialsJSON) == 0 {
		return fmt.Errorf("google play: %s is required", credentialsField)
	}
	var sa serviceAccount
	if err := json.Unmarshal(o.CredentialsJSON, &sa); err != nil {
		// The decoder's message may quote a piece of the key; only its kind is said.
		return fmt.Errorf("google play: %s is not a JSON service-account key", credentialsField)
	}
	switch {
	case sa.Type != "service_account":
		return fmt.Errorf("google play: %s has type %.40q, want \"service_account\" (a key Google Cloud downloads under Service accounts)", credentialsField, sa.Type)
	case sa.ClientEmail == "":
		return fmt.Errorf("google play: %s has no client_email", credentialsField)
	case !validKey(sa.PrivateKey):
		return fmt.Errorf("google play: %s has no readable RSA private_key (PEM, PKCS#8 or PKCS#1)", credentialsField)
	}
	if sa.TokenURI != "" {
		if u, err := url.Parse(sa.TokenURI); err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("google play: %s has a token_uri that is not an https URL", credentialsField)
		}
	}
	if !packageNamePattern.MatchString(o.PackageName) {
		return fmt.Errorf("google play: PackageName (GOOGLE_PLAY_PACKAGE_NAME) %.100q is not an Android application id such as \"app.homekeep\"", o.PackageName)
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("google play: BaseURL is not an http(s) URL")
	}
	if o.Timeout < 0 {
		return fmt.Errorf("google play: Timeout is %s, want a positive duration", o.Timeout)
	}
	return nil
}

// validKey reports whether key is an RSA private key as x/oauth2 reads it, so a broken key fails New
// rather than every call.
func validKey(key string) bool {
	der := []byte(key)
	if block, _ := pem.Decode(der); block != nil {
		der = block.Bytes
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		_, isRSA := k.(*rsa.PrivateKey)
		return isRSA
	}
	_, err := x509.ParsePKCS1PrivateKey(der)
	return err == nil
}
