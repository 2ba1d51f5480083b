package gorush

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strconv"
	"time"

	"github.com/homekeep/homekeep/internal/push"
)

// Fields every push carries.
const (
	// expiration is how long APNs keeps an iOS push for a device that is offline: a reminder a day old is
	// stale, and a later push about the same item replaces it anyway.
	expiration = 24 * time.Hour
	// maxCollapseID is the most bytes APNs accepts in a collapse id.
	maxCollapseID = 64
	priorityHigh  = "high"
	soundDefault  = "default"
)

// element returns Gorush's element for m, with notif_id id.
func (s *Sender) element(m *push.Message, id string, now time.Time) notification {
	n := notification{
		ID:       id,
		Tokens:   []string{m.Token},
		Title:    m.Title,
		Message:  m.Body,
		Sound:    soundDefault,
		Priority: priorityHigh,
		Data:     data(m),
	}
	if m.Platform == push.PlatformIOS {
		n.Platform = platformIOS
		n.Topic = s.o.IOSTopic
		if m.Badge >= 0 {
			n.Badge = &m.Badge
		}
		n.CollapseID = collapseID(m.CollapseKey)
		n.ThreadID = m.Kind
		n.PushType = "alert"
		exp := now.Add(expiration).Unix()
		n.Expiration = &exp
		return n
	}
	n.Platform = platformAndroid
	n.CollapseKey = m.CollapseKey
	n.Android = &androidConfig{CollapseKey: m.CollapseKey, Priority: priorityHigh,
		Notification: &androidNotification{Tag: m.CollapseKey, Sound: soundDefault}}
	return n
}

// data returns m.Data with the keys path, notification_id and kind, which the app reads when the push is
// tapped; Data cannot replace those three.
func data(m *push.Message) map[string]string {
	d := make(map[string]string, len(m.Data)+3)
	maps.Copy(d, m.Data)
	d["path"] = m.Path
	d["notification_id"] = strconv.FormatInt(m.NotificationID, 10)
	d["kind"] = m.Kind
	return d
}

// collapseID returns key as an APNs collapse id: unchanged when it fits in 64 bytes, otherwise its SHA-256 in
// hex, as stable as the key.
func collapseID(key string) string {
	if len(key) <= maxCollapseID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// notifIDs returns each message's notif_id: its ID, or "homekeep-<position>" when the ID is empty or another
// message of the batch has it too, so that a failure log always names one message.
func notifIDs(batch []*push.Message) []string {
	seen := make(map[string]int, len(batch))
	for _, m := range batch {
		seen[m.ID]++
	}
	ids := make([]string, len(batch))
	for j, m := range batch {
		ids[j] = m.ID
		if m.ID == "" || seen[m.ID] > 1 {
			ids[j] = "homekeep-" + strconv.Itoa(j)
		}
	}
	return ids
}
