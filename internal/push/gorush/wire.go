package gorush

// Gorush's request and reply, as its README and notify/notification.go (appleboy/gorush) define them; the
// Gorush module is not in the Go module proxy, and Homekeep needs only these fields.

// Gorush's platform numbers.
const (
	platformIOS     = 1
	platformAndroid = 2
)

// pushRequest is the body of POST /api/push.
type pushRequest struct {
	Notifications []notification `json:"notifications"`
}

// notification is one element of a pushRequest: here always one message to one device.
type notification struct {
	// ID is echoed in each of the element's failure logs, so a failure names its message.
	ID       string            `json:"notif_id"`
	Tokens   []string          `json:"tokens"`
	Platform int               `json:"platform"`
	Title    string            `json:"title,omitempty"`
	Message  string            `json:"message,omitempty"`
	Sound    string            `json:"sound,omitempty"`
	Priority string            `json:"priority,omitempty"`
	Data     map[string]string `json:"data,omitempty"`

	// iOS.
	Topic      string `json:"topic,omitempty"`
	Badge      *int   `json:"badge,omitempty"`
	CollapseID string `json:"collapse_id,omitempty"`
	ThreadID   string `json:"thread-id,omitempty"`
	PushType   string `json:"push_type,omitempty"`
	Expiration *int64 `json:"expiration,omitempty"`

	// Android. Gorush with FCM's HTTP v1 API reads the collapse key and tag from android (FCM's
	// AndroidConfig); releases on FCM's legacy API read collapse_key beside the other fields.
	CollapseKey string         `json:"collapse_key,omitempty"`
	Android     *androidConfig `json:"android,omitempty"`
}

// androidConfig is the part of FCM's AndroidConfig Homekeep sets.
type androidConfig struct {
	CollapseKey  string               `json:"collapse_key,omitempty"`
	Priority     string               `json:"priority,omitempty"`
	Notification *androidNotification `json:"notification,omitempty"`
}

// androidNotification is the part of FCM's AndroidNotification Homekeep sets.
type androidNotification struct {
	// Tag makes a later notification with the same tag replace an earlier one in the tray.
	Tag   string `json:"tag,omitempty"`
	Sound string `json:"sound,omitempty"`
}

// pushReply is Gorush's answer to a pushRequest.
type pushReply struct {
	// Counts is how many tokens Gorush took on: fewer than sent when it dropped a disabled platform's
	// elements.
	Counts *int `json:"counts"`
	// Logs are the failed pushes, in sync mode only.
	Logs []logEntry `json:"logs"`
}

// logEntry is one failed push in a pushReply.
type logEntry struct {
	ID       string `json:"notif_id"`
	Type     string `json:"type"`
	Platform string `json:"platform"`
	// Token is masked unless Gorush's log.hide_token is false.
	Token string `json:"token"`
	Error string `json:"error"`
}

// errorReply is Gorush's body with a 4xx.
type errorReply struct {
	Message string `json:"message"`
}
