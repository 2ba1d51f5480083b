// Package push is the one interface notifications are pushed through. Its channels (Gorush, APNs, FCM, Web
// Push, UnifiedPush) each implement Sender for the platforms they serve; a server configured with none has
// push off, and the feed and email work without it.
package push

import "context"

// Platforms a device registers with (notification_devices.platform).
const (
	PlatformIOS         = "ios"
	PlatformAndroid     = "android"
	PlatformWeb         = "web"
	PlatformUnifiedPush = "unifiedpush"
)

// Message is one push to one device.
type Message struct {
	// DeviceID is the device's id in notification_devices; a Result is matched to its message by position.
	DeviceID int64
	// Platform is one of the Platform constants.
	Platform string
	// Token is the device's push token (ios, android) or endpoint URL (web, unifiedpush).
	Token string
	// P256dh and Auth are a Web Push subscription's keys (base64url); empty for the other platforms.
	P256dh, Auth string
	// Title and Body are what the device shows.
	Title, Body string
	// Data travels with the push for the app to act on (the notification's id and kind, say).
	Data map[string]string
}

// Result is what became of one Message.
type Result struct {
	// Err is nil when the push service accepted the message.
	Err error
	// Dead says the push service reported the device gone for good (uninstalled, token expired): the device
	// is deactivated and the message is not retried. Err says what the service answered.
	Dead bool
}

// Sender sends pushes through the channels a server is configured with.
type Sender interface {
	// Handles reports whether a channel is configured for the platform: a device of another platform gets no
	// push, and its delivery log says why.
	Handles(platform string) bool
	// Send sends each message (of a platform Handles) and returns one Result per message, in order. A
	// failure worth retrying (a timeout, a 5xx, a rate limit) is a Result with Err and not Dead; Send does
	// not retry by itself.
	Send(ctx context.Context, msgs []Message) []Result
}
