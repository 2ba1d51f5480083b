package fcm

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/telemetry"
)

// Defaults for the Options a server leaves zero.
const (
	// BaseURLDefault is FCM's API host; the send endpoint is BaseURL + /v1/projects/{project}/messages:send.
	BaseURLDefault = "https://fcm.googleapis.com"
	// TimeoutDefault bounds one send, and one access-token request, when the caller's context has no
	// earlier deadline.
	TimeoutDefault = 15 * time.Second
	// ConcurrencyDefault is how many pushes one Send has in flight at once.
	ConcurrencyDefault = 8
)

// Options configure the FCM channel. CredentialsJSON is required; the rest have defaults.
type Options struct {
	// CredentialsJSON is the Firebase project's service-account key, the JSON file the Firebase console
	// downloads ("type": "service_account"). The operator sets FCM_CREDENTIALS_FILE to its path or
	// FCM_CREDENTIALS to its content; the server reads it into these bytes. It is a secret: it is never
	// logged, and New's errors name the field, not what is in it. Its token_uri is where access tokens are
	// fetched (tests point it at their own server).
	CredentialsJSON []byte
	// ProjectID is the Firebase project pushes are sent through (env FCM_PROJECT_ID). Empty means the
	// credentials' project_id, which is right unless the service account belongs to another project.
	ProjectID string
	// BaseURL replaces BaseURLDefault, for tests only: the scheme and host of the send endpoint.
	BaseURL string
	// HTTPClient sends to FCM and fetches access tokens. Nil means a client with TimeoutDefault as its
	// timeout; tests pass their TLS server's client.
	HTTPClient *http.Client
	// Timeout bounds one send (env FCM_TIMEOUT). Zero means TimeoutDefault.
	Timeout time.Duration
	// Logger gets one debug line per push (device id, message id, outcome); never a token, key or
	// payload. Nil discards.
	Logger *slog.Logger
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
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// serviceAccount is the part of a service-account key New checks before handing it to x/oauth2.
type serviceAccount struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
}

// credentialsField names the field in New's errors with the variables an operator sets it through.
const credentialsField = "CredentialsJSON (FCM_CREDENTIALS or FCM_CREDENTIALS_FILE)"

// validate checks o after withDefaults and returns the project pushes go to. Its errors name the field and
// its environment variable and never repeat the credentials' content.
func (o Options) validate() (project string, err error) {
	if len(o.CredentialsJSON) == 0 {
		return "", fmt.Errorf("fcm: %s is required", credentialsField)
	}
	var sa serviceAccount
	if err := json.Unmarshal(o.CredentialsJSON, &sa); err != nil {
		// The decoder's message may quote a piece of the key; only its kind is said.
		return "", fmt.Errorf("fcm: %s is not a JSON service-account key", credentialsField)
	}
	switch {
	case sa.Type != "service_account":
		return "", fmt.Errorf("fcm: %s has type %.40q, want \"service_account\" (a key the Firebase console downloads under Service accounts)", credentialsField, sa.Type)
	case sa.ClientEmail == "":
		return "", fmt.Errorf("fcm: %s has no client_email", credentialsField)
	case !validKey(sa.PrivateKey):
		return "", fmt.Errorf("fcm: %s has no readable RSA private_key (PEM, PKCS#8 or PKCS#1)", credentialsField)
	}
	if sa.TokenURI != "" {
		if u, err := url.Parse(sa.TokenURI); err != nil || u.Scheme != "https" || u.Host == "" {
			return "", fmt.Errorf("fcm: %s has a token_uri that is not an https URL", credentialsField)
		}
	}
	project = o.ProjectID
	if project == "" {
		project = sa.ProjectID
	}
	if project == "" {
		return "", fmt.Errorf("fcm: ProjectID (FCM_PROJECT_ID) is required when %s has no project_id", credentialsField)
	}
	if url.PathEscape(project) != project {
		return "", fmt.Errorf("fcm: ProjectID (FCM_PROJECT_ID) %.64q is not a project id", project)
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("fcm: BaseURL is not an http(s) URL")
	}
	if o.Timeout < 0 {
		return "", fmt.Errorf("fcm: Timeout (FCM_TIMEOUT) is %s, want a positive duration", o.Timeout)
	}
	return project, nil
}

// validKey reports whether key is an RSA private key as x/oauth2 reads it, so a broken key fails New
// rather than every send.
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
