// Package apns pushes to iOS devices straight through Apple's Push Notification service (APNs), with token
// authentication: a .p8 signing key from the Apple developer account signs a short-lived JWT that every
// request carries, so there is no certificate to renew every year. It serves the ios platform only; a server
// that pushes to Android devices too runs Gorush (package gorush) or FCM next to it.
//
// One Send posts each message to APNs over one shared HTTP/2 connection, at most Options.Concurrency at a
// time, and maps APNs' answer to a push.Result: 410 (Unregistered, ExpiredToken) and 400 BadDeviceToken or
// DeviceTokenNotForTopic mark the device dead; 429 and 5xx are worth another attempt, after the Retry-After the
// reply gave if any; 403 (a key, key id or team id APNs does not accept) and any other 4xx are permanent.
package apns
