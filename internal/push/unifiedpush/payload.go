package unifiedpush

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/homekeep/homekeep/internal/push"
)

// MaxPayload is the largest body a UnifiedPush server must accept (SERV_1.2.0: 1 to 4096 bytes); a larger
// one may be refused with 413, so the body text is shortened to fit instead.
const MaxPayload = 4096

// ellipsis ends a shortened text, so the reader sees it goes on in the app.
const ellipsis = "…"

// payload is what the app's connector library receives, exactly as posted: the distributor hands the
// body over unchanged.
type payload struct {
	Title          string            `json:"title"`
	Body           string            `json:"body"`
	Path           string            `json:"path,omitempty"`
	NotificationID string            `json:"notification_id"`
	Kind           string            `json:"kind"`
	Data           map[string]string `json:"data,omitempty"`
}

// errTooLarge says a message does not fit in MaxPayload even with its body and data left out.
var errTooLarge = errors.New("the payload does not fit in 4096 bytes even without its body and data")

// encodePayload returns m's payload as compact JSON of at most MaxPayload bytes. When it is too long the
// body text is cut (at a character boundary, ending in an ellipsis); if that is not enough the data is
// left out and then the title cut too.
func encodePayload(m push.Message) ([]byte, error) {
	p := payload{
		Title:          m.Title,
		Body:           m.Body,
		Path:           m.Path,
		NotificationID: strconv.FormatInt(m.NotificationID, 10),
		Kind:           m.Kind,
		Data:           m.Data,
	}
	b, err := marshal(p)
	if err != nil || len(b) <= MaxPayload {
		return b, err
	}
	if b, ok := fitText(p, func(p *payload, s string) { p.Body = s }, m.Body); ok {
		return b, nil
	}
	p.Body, p.Data = "", nil
	if b, ok := fitText(p, func(p *payload, s string) { p.Title = s }, m.Title); ok {
		return b, nil
	}
	return nil, errTooLarge
}

// fitText sets the longest prefix of text (plus an ellipsis) that keeps p's JSON within MaxPayload,
// through set, and returns that JSON; ok is false when not even the ellipsis alone fits. The encoded length
// grows with the prefix, so a binary search over the prefix's length in characters finds it.
func fitText(p payload, set func(*payload, string), text string) (b []byte, ok bool) {
	runes := []rune(text)
	lo, hi := -1, len(runes) // fits(lo) is known true once lo >= 0; fits(hi) is known false
	var best []byte
	for lo+1 < hi {
		mid := (lo + hi) / 2
		set(&p, string(runes[:mid])+ellipsis)
		enc, err := marshal(p)
		if err == nil && len(enc) <= MaxPayload {
			lo, best = mid, enc
		} else {
			hi = mid
		}
	}
	return best, best != nil
}

// marshal encodes p without escaping <, > and & (JSON does not need it, and escapes cost bytes).
func marshal(p payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding the unifiedpush payload: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
