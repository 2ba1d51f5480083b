package fcm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/homekeep/homekeep/internal/push"
)

// scope is the OAuth scope that lets a service account send through FCM.
const scope = "https://www.googleapis.com/auth/firebase.messaging"

// maxAnswer bounds how much of an answer is read: FCM's error documents are a few hundred bytes.
const maxAnswer = 64 << 10

// Sender sends pushes to Android devices through FCM's HTTP v1 API. It is safe for concurrent use.
type Sender struct {
	client  *http.Client
	tokens  *tokenSource
	sendURL string
	timeout time.Duration
	log     *slog.Logger
	now     func() time.Time
}

// New returns a Sender for o, or an error naming the option that is wrong (never its secret content).
func New(o Options) (*Sender, error) {
	o = o.withDefaults()
	project, err := o.validate()
	if err != nil {
		return nil, err
	}
	conf, err := google.JWTConfigFromJSON(o.CredentialsJSON, scope)
	if err != nil {
		return nil, fmt.Errorf("fcm: %s is not a service-account key x/oauth2 can use", credentialsField)
	}
	// x/oauth2 fetches tokens with the client this context carries; the context lives as long as the
	// token source, which caches the token and fetches a new one shortly before it expires.
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, o.HTTPClient)
	return &Sender{
		client:  o.HTTPClient,
		tokens:  newTokenSource(func() oauth2.TokenSource { return conf.TokenSource(tokenCtx) }),
		sendURL: o.BaseURL + "/v1/projects/" + project + "/messages:send",
		timeout: o.Timeout,
		log:     o.Logger,
		now:     time.Now,
	}, nil
}

// Handles reports whether platform is Android, the only one this channel sends to (iOS goes through APNs).
func (s *Sender) Handles(platform string) bool {
	return platform == push.PlatformAndroid
}

// Send sends each message through FCM, ConcurrencyDefault at once, and returns one Result per message in
// order. It never retries or waits: a failure worth retrying is a Result that is neither Dead nor
// Permanent, with FCM's Retry-After when it gave one.
func (s *Sender) Send(ctx context.Context, msgs []push.Message) []push.Result {
	results := make([]push.Result, len(msgs))
	sem := make(chan struct{}, ConcurrencyDefault)
	var wg sync.WaitGroup
	for i := range msgs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = s.sendOne(ctx, msgs[i])
			s.log.DebugContext(ctx, "fcm push", "device_id", msgs[i].DeviceID, "message_id", msgs[i].ID,
				"sent", results[i].Err == nil, "dead", results[i].Dead, "permanent", results[i].Permanent)
		})
	}
	wg.Wait()
	return results
}

// sendOne sends m and says what became of it. Errors name the device, never its token.
func (s *Sender) sendOne(ctx context.Context, m push.Message) push.Result {
	if m.Platform != push.PlatformAndroid {
		return push.Result{
			Err:       fmt.Errorf("fcm: device %d: platform %q is not android", m.DeviceID, m.Platform),
			Permanent: true,
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	token, generation, err := s.tokens.token()
	if err != nil {
		return tokenResult(m, err)
	}
	body, err := json.Marshal(newSendRequest(m))
	if err != nil {
		return push.Result{Err: fmt.Errorf("fcm: device %d: encoding the message: %w", m.DeviceID, err), Permanent: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sendURL, bytes.NewReader(body))
	if err != nil {
		return push.Result{Err: fmt.Errorf("fcm: device %d: building the request: %w", m.DeviceID, err), Permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	token.SetAuthHeader(req)

	resp, err := s.client.Do(req)
	if err != nil {
		return push.Result{Err: fmt.Errorf("fcm: device %d: posting the message: %w", m.DeviceID, err)}
	}
	defer func() { _ = resp.Body.Close() }()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return push.Result{}
	}
	if err != nil {
		return push.Result{Err: fmt.Errorf("fcm: device %d: reading FCM's %d answer: %w", m.DeviceID, resp.StatusCode, err)}
	}
	res := answerResult(m, resp, answer, s.now())
	if res.Err != nil && errors.Is(res.Err, errAccessTokenRefused) {
		s.tokens.forget(generation)
	}
	return res
}

// tokenResult maps a failure to get an access token: the token endpoint refusing the service account
// (a 4xx: a revoked key, a deleted account) is permanent, since every attempt would be refused until the
// operator changes the credentials; a network failure or a 5xx is worth retrying. The token endpoint's
// answer is not repeated beyond its OAuth error code.
func tokenResult(m push.Message, err error) push.Result {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok && re.Response != nil {
		code := re.Response.StatusCode
		var answer struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(re.Body, &answer)
		what := fmt.Errorf("fcm: device %d: the token endpoint answered %d %.40q to the service account", m.DeviceID, code, answer.Error)
		if code >= 400 && code < 500 && code != http.StatusTooManyRequests {
			return push.Result{Err: what, Permanent: true}
		}
		return push.Result{Err: what, RetryAfter: retryAfter(re.Response.Header, time.Now())}
	}
	return push.Result{Err: fmt.Errorf("fcm: device %d: fetching an access token: %w", m.DeviceID, err)}
}
