// Package push is the one interface notifications are pushed through. Its channels (Gorush, APNs, FCM, Web
// Push, UnifiedPush) each implement Sender for the platforms they serve; a server configured with none has
// push off, and the feed and email work without it.
package push

import (
	"context"
	"time"
)

// Platforms a device registers with (notification_devices.platform).
const (
	PlatformIOS         = "ios"
	PlatformAndroid     = "android"
	PlatformWeb         = "web"
	PlatformUnifiedPush = "unifiedpush"
)

// Message is one push to one device.
type Message struct {
	// ID identifies this attempt of this push (unique per notification, device and attempt): Gorush's
	// notif_id, and what a channel's log lines name.
	ID string
	// DeviceID is the device's id in notification_devices; a Result is matched to its message by position.
	DeviceID int64
	// Platform is one of the Platform constants.
	Platform string
	// Token is the device's push token (ios, android) or endpoint URL (web, unifiedpush).
	Token string
	// P256dh and Auth are a Web Push subscription's keys (base64url); empty for the other platforms.
	P256dh, Auth string
	// Title and Body are what the device shows, already in the device's language.
	Title, Body string
	// Path is the deep link the app opens when the push is tapped, e.g. "/tasks/12" or "/notifications/31".
	Path string
	// NotificationID is the feed row's id; 0 for a test push.
	NotificationID int64
	// Kind is the notification's kind (task_assigned, ...), or "test".
	Kind string
	// CollapseKey is the same for every push about one item (a task's reminders, say), so a later one
	// replaces an earlier one on the device instead of stacking: apns-collapse-id (at most 64 bytes), FCM's
	// collapse_key and Android notification tag, Web Push's Topic header (at most 32 URL-safe characters).
	CollapseKey string
	// Badge is the recipient's unread count, which iOS shows on the app icon; negative leaves the badge.
	Badge int
	// Data travels with the push for the app to act on; every channel sends it as string pairs.
	Data map[string]string
}

// Result is what became of one Message.
type Result struct {
	// Err is nil when the push service accepted the message.
	Err error
	// Dead says the push service reported the device gone for good (uninstalled, token expired or not this
	// app's): the device is deactivated and the message is not retried. Err says what the service answered.
	Dead bool
	// Permanent says the service refused the message in a way another attempt would only repeat (a payload
	// it rejects, say); the attempt is logged and not retried. A failure that is neither Dead nor Permanent is
	// retried on the delivery job's schedule.
	Permanent bool
	// RetryAfter is how long the service asked to be left alone (Retry-After, 429); zero when it did not say.
	RetryAfter time.Duration
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
