package fcm

import (
	"maps"
	"strconv"

	"github.com/homekeep/homekeep/internal/push"
)

// sendRequest is the body of projects.messages.send in the HTTP v1 API.
type sendRequest struct {
	Message message `json:"message"`
}

type message struct {
	Token        string            `json:"token"`
	Notification notification      `json:"notification"`
	Data         map[string]string `json:"data"`
	Android      android           `json:"android"`
}

type notification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

type android struct {
	// CollapseKey makes FCM keep only the latest of a group of pushes for a device that is offline.
	CollapseKey string `json:"collapse_key,omitempty"`
	// Priority "high" wakes the device to show the notification now rather than in its next
	// maintenance window.
	Priority     string               `json:"priority"`
	Notification *androidNotification `json:"notification,omitempty"`
}

type androidNotification struct {
	// Tag makes a notification replace the one with the same tag in the notification drawer.
	Tag string `json:"tag,omitempty"`
}

// newSendRequest builds the v1 request for m. The data carries the deep-link path, the notification's id
// (a string: FCM data values are strings) and kind, and m.Data; the three named keys win over m.Data's
// keys of the same names, since the app relies on them.
func newSendRequest(m push.Message) sendRequest {
	data := make(map[string]string, len(m.Data)+3)
	maps.Copy(data, m.Data)
	data["path"] = m.Path
	data["notification_id"] = strconv.FormatInt(m.NotificationID, 10)
	data["kind"] = m.Kind

	a := android{CollapseKey: m.CollapseKey, Priority: "high"}
	if m.CollapseKey != "" {
		a.Notification = &androidNotification{Tag: m.CollapseKey}
	}
	return sendRequest{Message: message{
		Token:        m.Token,
		Notification: notification{Title: m.Title, Body: m.Body},
		Data:         data,
		Android:      a,
	}}
}
