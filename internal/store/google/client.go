package google

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// scope is the OAuth scope that lets a service account read and acknowledge the app's purchases.
const scope = "https://www.googleapis.com/auth/androidpublisher"

// maxAnswer bounds how much of an answer is read: a SubscriptionPurchaseV2 is a few kilobytes.
const maxAnswer = 1 << 20

// Client calls the Android Publisher API for one app. It is safe for concurrent use.
type Client struct {
	pkg     string
	client  *http.Client
	tokens  *tokenSource
	appURL  string // BaseURL + /androidpublisher/v3/applications/{packageName}
	timeout time.Duration
	now     func() time.Time
}

// New returns a Client for o, or an error naming the option that is wrong (never its secret content).
func New(o Options) (*Client, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	conf, err := google.JWTConfigFromJSON(o.CredentialsJSON, scope)
	if err != nil {
		return nil, fmt.Errorf("google play: %s is not a service-account key x/oauth2 can use", credentialsField)
	}
	// x/oauth2 fetches tokens with the client this context carries; the context lives as long as the
	// token source, which caches the token and fetches a new one shortly before it expires.
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, o.HTTPClient)
	return &Client{
		pkg:     o.PackageName,
		client:  o.HTTPClient,
		tokens:  newTokenSource(func() oauth2.TokenSource { return conf.TokenSource(tokenCtx) }),
		appURL:  o.BaseURL + "/androidpublisher/v3/applications/" + url.PathEscape(o.PackageName),
		timeout: o.Timeout,
		now:     time.Now,
	}, nil
}

// PackageName returns the app the Client answers for; a notification naming another package is not this
// server's to act on.
func (c *Client) PackageName() string {
	return c.pkg
}

// FetchSubscription returns what Google Play knows of the subscription purchase with purchaseToken
// (purchases.subscriptionsv2.get). A token Google does not know, or no longer answers for, is
// ErrUnknownPurchase; a refused service account is ErrCredentials; IsRetryable tells a failure worth
// another attempt.
func (c *Client) FetchSubscription(ctx context.Context, purchaseToken string) (*SubscriptionV2, error) {
	if purchaseToken == "" {
		return nil, errors.New("google play: fetching a subscription: the purchase token is empty")
	}
	u := c.appURL + "/purchases/subscriptionsv2/tokens/" + url.PathEscape(purchaseToken)
	body, err := c.call(ctx, http.MethodGet, u, nil, purchaseToken)
	if err != nil {
		return nil, fmt.Errorf("google play: fetching subscription %s: %w", redact(purchaseToken), err)
	}
	p, err := decodeSubscription(body)
	if err != nil {
		return nil, fmt.Errorf("google play: fetching subscription %s: %w", redact(purchaseToken), err)
	}
	return p, nil
}

// Acknowledge acknowledges the subscription purchase with purchaseToken
// (purchases.subscriptions.acknowledge), which Play requires within three days of the purchase or it
// refunds it. subscriptionID is the purchased product's id, the ProductID of the purchase's line item.
// Errors are those of FetchSubscription.
func (c *Client) Acknowledge(ctx context.Context, subscriptionID, purchaseToken string) error {
	if purchaseToken == "" || subscriptionID == "" {
		return errors.New("google play: acknowledging a subscription: the product id and the purchase token are required")
	}
	u := c.appURL + "/purchases/subscriptions/" + url.PathEscape(subscriptionID) +
		"/tokens/" + url.PathEscape(purchaseToken) + ":acknowledge"
	if _, err := c.call(ctx, http.MethodPost, u, []byte(`{}`), purchaseToken); err != nil {
		return fmt.Errorf("google play: acknowledging subscription %s of %.100q: %w", redact(purchaseToken), subscriptionID, err)
	}
	return nil
}

// call sends one request with an access token and returns the body of a 2xx answer. A 401 is retried
// once with a new token, since a cached token may have been revoked before its expiry. Its errors never
// carry the URL, which holds the purchase token; purchaseToken is cut out of what Google says.
func (c *Client) call(ctx context.Context, method, u string, body []byte, purchaseToken string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		token, generation, err := c.tokens.token()
		if err != nil {
			return nil, tokenError(err, c.now())
		}
		answer, err := c.send(ctx, method, u, body, token)
		if err != nil {
			return nil, err
		}
		if answer.status >= 200 && answer.status < 300 {
			return answer.body, nil
		}
		if answer.status == http.StatusUnauthorized {
			c.tokens.forget(generation)
			if attempt == 0 {
				continue
			}
		}
		return nil, answerError(answer, purchaseToken, c.now())
	}
}

// answer is a response of the API, read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request. A failure to reach the API is retryable; its error is the cause without the
// URL that net/http puts in front of it.
func (c *Client) send(ctx context.Context, method, u string, body []byte, token *oauth2.Token) (*answer, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, reader)
	if err != nil {
		// NewRequest's error quotes the URL; the request is this package's to build, so say only that.
		return nil, errors.New("building the request")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	token.SetAuthHeader(req)

	resp, err := c.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, &retryableError{err: fmt.Errorf("calling the android publisher API: %w", err)}
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, &retryableError{err: fmt.Errorf("reading the android publisher API's %d answer: %w", resp.StatusCode, err)}
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// googleError is the error document of Google APIs.
type googleError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Errors  []struct {
			Reason string `json:"reason"`
		} `json:"errors"`
	} `json:"error"`
}

// answerError maps an answer other than 2xx: 404 and 410 are ErrUnknownPurchase, 401 and 403
// ErrCredentials, 429 and 5xx retryable, anything else (a malformed request) permanent.
func answerError(a *answer, purchaseToken string, now time.Time) error {
	apiErr := &APIError{Status: a.status}
	var doc googleError
	if json.Unmarshal(a.body, &doc) == nil {
		apiErr.Reason = doc.Error.Status
		if len(doc.Error.Errors) > 0 && doc.Error.Errors[0].Reason != "" {
			apiErr.Reason = doc.Error.Errors[0].Reason
		}
		msg := doc.Error.Message
		if purchaseToken != "" {
			msg = strings.ReplaceAll(msg, purchaseToken, redact(purchaseToken))
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		apiErr.Message = msg
	}
	if apiErr.Reason == "" {
		apiErr.Reason = http.StatusText(a.status)
	}
	switch {
	case a.status == http.StatusNotFound || a.status == http.StatusGone:
		return fmt.Errorf("%w: %w", ErrUnknownPurchase, apiErr)
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		return fmt.Errorf("%w: %w", ErrCredentials, apiErr)
	case a.status == http.StatusTooManyRequests || a.status >= 500:
		return &retryableError{err: apiErr, retryAfter: retryAfter(a.header, now)}
	default:
		return apiErr
	}
}

// tokenError maps a failure to get an access token: the token endpoint refusing the service account (a
// 4xx other than 429: a revoked key, a deleted account) is ErrCredentials; a network failure, a 429 or a
// 5xx is retryable. The token endpoint's answer is not repeated beyond its OAuth error code.
func tokenError(err error, now time.Time) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok && re.Response != nil {
		code := re.Response.StatusCode
		var doc struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(re.Body, &doc)
		what := fmt.Errorf("the token endpoint answered %d %.40q to the service account", code, doc.Error)
		if code >= 400 && code < 500 && code != http.StatusTooManyRequests {
			return fmt.Errorf("%w: %w", ErrCredentials, what)
		}
		return &retryableError{err: what, retryAfter: retryAfter(re.Response.Header, now)}
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	return &retryableError{err: fmt.Errorf("fetching an access token: %w", err)}
}
