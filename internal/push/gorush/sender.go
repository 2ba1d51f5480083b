package gorush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/homekeep/homekeep/internal/push"
)

// maxReplyBytes bounds how much of Gorush's reply is read: a reply carries a log line per failed push at most.
const maxReplyBytes = 4 << 20

// Sender pushes to iOS and Android devices through Gorush. It is safe for concurrent use.
type Sender struct {
	endpoint string
	o        Options
}

// New returns a Sender for o, or an error naming the option that is missing or unusable.
func New(o Options) (*Sender, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	return &Sender{endpoint: strings.TrimRight(o.URL, "/") + "/api/push", o: o}, nil
}

// Handles reports whether platform is ios or android, the two Gorush pushes to for Homekeep.
func (s *Sender) Handles(platform string) bool {
	return platform == push.PlatformIOS || platform == push.PlatformAndroid
}

// Send pushes each message through Gorush, up to Options.BatchSize messages of one platform to a request and
// Options.Concurrency requests at once, and returns one Result per message, in order. It neither retries nor
// waits.
func (s *Sender) Send(ctx context.Context, msgs []push.Message) []push.Result {
	results := make([]push.Result, len(msgs))
	byPlatform := map[string][]int{}
	for i := range msgs {
		if s.Handles(msgs[i].Platform) {
			byPlatform[msgs[i].Platform] = append(byPlatform[msgs[i].Platform], i)
			continue
		}
		results[i] = push.Result{Err: fmt.Errorf("gorush pushes to ios and android devices only, not %q",
			msgs[i].Platform), Permanent: true}
	}
	// One platform to a request: when Gorush counts fewer than it was sent, the missing ones are that
	// platform's, which Gorush has disabled.
	var batches [][]int
	sent := 0
	for _, p := range []string{push.PlatformIOS, push.PlatformAndroid} {
		batches = slices.AppendSeq(batches, slices.Chunk(byPlatform[p], s.o.BatchSize))
		sent += len(byPlatform[p])
	}
	dropped := make([]int, len(batches))
	sem := make(chan struct{}, s.o.Concurrency)
	var wg sync.WaitGroup
	for b, batch := range batches {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			dropped[b] = s.sendBatch(ctx, msgs, batch, results)
		})
	}
	wg.Wait()
	if n := sumOf(dropped); n > 0 {
		s.o.Logger.WarnContext(ctx, "gorush dropped pushes without sending them: is a platform disabled in its "+
			"config (ios.enabled, android.enabled)?", "dropped", n, "sent", sent)
	}
	return results
}

// sendBatch posts the messages msgs[idx], all of one platform, in one request and writes their results. It
// returns how many of them Gorush dropped.
func (s *Sender) sendBatch(ctx context.Context, msgs []push.Message, idx []int, results []push.Result) int {
	batch := make([]*push.Message, len(idx))
	for j, i := range idx {
		batch[j] = &msgs[i]
	}
	ids := notifIDs(batch)
	req := pushRequest{Notifications: make([]notification, len(batch))}
	now := time.Now()
	for j, m := range batch {
		req.Notifications[j] = s.element(m, ids[j], now)
	}
	reply, unanswered := s.post(ctx, &req)
	if unanswered != nil {
		for _, i := range idx {
			results[i] = *unanswered
		}
		return 0
	}
	out, dropped := outcome(batch, ids, reply)
	for j, i := range idx {
		results[i] = out[j]
	}
	return dropped
}

// post sends req and returns Gorush's reply, or the Result every message of the request gets when there is
// no usable reply.
func (s *Sender) post(ctx context.Context, req *pushRequest) (*pushReply, *push.Result) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &push.Result{Err: fmt.Errorf("encoding the gorush request: %w", err), Permanent: true}
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &push.Result{Err: fmt.Errorf("building the gorush request: %w", err), Permanent: true}
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := s.o.HTTPClient.Do(hreq)
	if err != nil {
		// The client's error names the URL without its password, and no device token is in it.
		return nil, &push.Result{Err: fmt.Errorf("posting to gorush: %w", err)}
	}
	// The body has been read to its end or to the limit by then; closing it cannot fail in a way that
	// changes what Gorush answered.
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return nil, &push.Result{Err: fmt.Errorf("reading gorush's reply: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusResult(resp, raw, time.Now())
	}
	var reply pushReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		return nil, &push.Result{Err: fmt.Errorf("reading gorush's reply: %w", err)}
	}
	if reply.Counts == nil {
		return nil, &push.Result{Err: errors.New("gorush's reply has no counts: is /api/push Gorush's push API?")}
	}
	return &reply, nil
}

// statusResult maps a reply other than 200: 429 and 5xx are worth another attempt (after Retry-After), any
// other status is permanent, with the message Gorush gave.
func statusResult(resp *http.Response, raw []byte, now time.Time) *push.Result {
	var e errorReply
	_ = json.Unmarshal(raw, &e)
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	err := fmt.Errorf("gorush answered %d: %s", resp.StatusCode, msg)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= http.StatusInternalServerError {
		return &push.Result{Err: err, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
	}
	return &push.Result{Err: err, Permanent: true}
}

func sumOf(ns []int) int {
	total := 0
	for _, n := range ns {
		total += n
	}
	return total
}
