package gorush

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/push"
)

// deadErrors are the failures that mean the device is gone for good: APNs' reasons for a token that is
// uninstalled, expired, malformed or another app's, and FCM's for a token that is no longer registered.
var deadErrors = []string{
	"Unregistered",
	"BadDeviceToken",
	"ExpiredToken",
	"DeviceTokenNotForTopic",
	"Requested entity was not found.",
	"UNREGISTERED",
	"NotRegistered",
}

// errDropped is the failure of a message Gorush took no account of.
var errDropped = errors.New("gorush dropped it: platform disabled?")

// outcome maps Gorush's reply to a batch of one platform onto one Result per message, and returns how many
// messages Gorush dropped. A message with no failure log was delivered, unless the reply's counts show
// Gorush dropped it.
func outcome(batch []*push.Message, ids []string, reply *pushReply) ([]push.Result, int) {
	results := make([]push.Result, len(batch))
	byID := make(map[string]int, len(batch))
	byToken := make(map[string]int, len(batch))
	for j, m := range batch {
		byID[ids[j]] = j
		if _, dup := byToken[m.Token]; dup {
			byToken[m.Token] = -1
		} else if m.Token != "" {
			byToken[m.Token] = j
		}
	}
	logged := make([]bool, len(batch))
	unnamed := false
	for _, l := range reply.Logs {
		j, ok := byID[l.ID]
		if !ok || l.ID == "" {
			j, ok = byToken[l.Token]
			ok = ok && j >= 0 && l.Token != ""
		}
		if !ok {
			unnamed = true
			continue
		}
		r := failure(batch[j], l.Error)
		if !logged[j] || r.Dead {
			results[j] = r
		}
		logged[j] = true
	}
	for j, m := range batch {
		if !logged[j] && unnamed {
			results[j] = push.Result{Err: fmt.Errorf("gorush reported a failed %s push without naming its "+
				"device (set log.hide_token: false in Gorush's config)", m.Platform)}
		}
	}
	// Gorush counts the tokens it took on. When it counts fewer and wrote no log, it dropped the batch's
	// platform (the batch is of one platform); with a log, the platform was on and the count says nothing
	// about which push is missing.
	dropped := 0
	if *reply.Counts < len(batch) && len(reply.Logs) == 0 {
		for j := range batch {
			results[j] = push.Result{Err: errDropped, Permanent: true}
			dropped++
		}
	}
	return results, dropped
}

// failure maps a failure log's error text for m. The text may quote the device token (an APNs URL, say),
// which is the device's credential: it is replaced by the device id.
func failure(m *push.Message, text string) push.Result {
	if m.Token != "" {
		text = strings.ReplaceAll(text, m.Token, "<token of device "+strconv.FormatInt(m.DeviceID, 10)+">")
	}
	err := fmt.Errorf("gorush failed to push: %s", text)
	for _, d := range deadErrors {
		if strings.Contains(text, d) {
			return push.Result{Err: err, Dead: true}
		}
	}
	return push.Result{Err: err}
}

// parseRetryAfter reads a Retry-After header, in seconds or as an HTTP date; zero when absent, unreadable or
// already past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
