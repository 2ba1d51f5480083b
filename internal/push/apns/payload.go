package apns

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strconv"

	"github.com/homekeep/homekeep/internal/push"
)

// maxCollapseID is the most bytes APNs accepts in apns-collapse-id; a longer one is refused as BadCollapseId.
const maxCollapseID = 64

// collapseID returns key as APNs' apns-collapse-id: unchanged when it fits, otherwise its SHA-256 in hex (64
// bytes), which is as stable as the key, so pushes about one item still replace each other.
func collapseID(key string) string {
	if len(key) <= maxCollapseID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// payload returns m's APNs payload: aps (alert title and body, the badge when m.Badge >= 0, the default
// sound, the kind as thread-id so the lock screen groups pushes of a kind) and, beside it, m.Data with the
// keys path, notification_id and kind, which the app reads when the push is tapped. Data cannot replace aps
// or those three keys.
func payload(m *push.Message) map[string]any {
	aps := map[string]any{
		"alert": map[string]string{"title": m.Title, "body": m.Body},
		"sound": "default",
	}
	if m.Badge >= 0 {
		aps["badge"] = m.Badge
	}
	if m.Kind != "" {
		aps["thread-id"] = m.Kind
	}
	p := make(map[string]any, len(m.Data)+4)
	for k, v := range maps.All(m.Data) {
		p[k] = v
	}
	p["aps"] = aps
	p["path"] = m.Path
	p["notification_id"] = strconv.FormatInt(m.NotificationID, 10)
	p["kind"] = m.Kind
	return p
}
