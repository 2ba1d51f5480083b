package webpush

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/homekeep/homekeep/internal/push"
)

// maxPayloadLen is the longest plaintext that fits one 4096-byte aes128gcm record as webpush-go writes it
// (RFC 8291, section 4: push services need accept no more than 4096 bytes of body): the record size less the
// 16-byte AEAD tag, the 86-byte header (16-byte salt, 4-byte record size, 1-byte key id length, 65-byte
// sender key) and the 1-byte padding delimiter. webpush-go pads every body to exactly 4096 bytes, so the
// length of a notification is not visible on the wire.
const maxPayloadLen = int(webpushgo.MaxRecordSize) - 16 - 86 - 1

// ellipsis ends a body that was cut to fit.
const ellipsis = "…"

// payload is what the service worker receives (PushEvent.data.json()): what to show, where a tap leads, and
// which feed row it is about.
type payload struct {
	Title          string            `json:"title"`
	Body           string            `json:"body"`
	Path           string            `json:"path"`
	NotificationID string            `json:"notification_id"`
	Kind           string            `json:"kind"`
	Data           map[string]string `json:"data,omitempty"`
}

// encodePayload writes msg's payload as compact JSON of at most maxPayloadLen bytes, cutting the body (at a
// character boundary, ending it with an ellipsis) to the longest start that fits when the whole does not.
// It fails only when the payload is too long even with an empty body (a huge title or Data), which another
// attempt would repeat.
func encodePayload(msg push.Message) ([]byte, error) {
	p := payload{
		Title:          msg.Title,
		Body:           msg.Body,
		Path:           msg.Path,
		NotificationID: strconv.FormatInt(msg.NotificationID, 10),
		Kind:           msg.Kind,
		Data:           msg.Data,
	}
	whole, err := marshalCompact(p)
	if err != nil {
		return nil, err
	}
	if len(whole) <= maxPayloadLen {
		return whole, nil
	}
	// The encoding grows with the body's prefix, by one to six bytes a byte (JSON escapes), so the longest
	// prefix that fits is found by bisection over the character boundaries: about 12 encodings. No prefix
	// longer than maxPayloadLen bytes can fit.
	body := msg.Body[:runeStart(msg.Body, maxPayloadLen)]
	var cuts []int // where the body can be cut: after its first character, its second, ...
	for i := range body {
		if i > 0 {
			cuts = append(cuts, i)
		}
	}
	var encErr error
	withPrefix := func(n int) []byte {
		p.Body = ""
		if n > 0 {
			p.Body = body[:n] + ellipsis
		}
		b, err := marshalCompact(p)
		if err != nil {
			encErr = err
		}
		return b
	}
	tooLong := sort.Search(len(cuts), func(i int) bool { return len(withPrefix(cuts[i])) > maxPayloadLen })
	cut := 0
	if tooLong > 0 {
		cut = cuts[tooLong-1]
	}
	b := withPrefix(cut)
	if encErr != nil {
		return nil, encErr
	}
	if len(b) > maxPayloadLen {
		return nil, fmt.Errorf("payload is %d bytes without its body, more than the %d bytes a push carries", len(b), maxPayloadLen)
	}
	return b, nil
}

// runeStart returns the largest character boundary of s at or before n.
func runeStart(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// marshalCompact encodes v as JSON without HTML escaping (which would spend six bytes on each <, > and & of
// a title) and without the encoder's trailing newline.
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding the payload: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
