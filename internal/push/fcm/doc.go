// Package fcm is the push channel for Android devices through Firebase Cloud Messaging's HTTP v1 API: one
// POST per message to projects/{project}/messages:send, authorised by an OAuth access token that a
// service account's key obtains (a signed JWT exchanged at the key's token_uri, through
// golang.org/x/oauth2/google, and reused until it expires). FCM's answers are mapped to push.Result: a
// token FCM no longer knows deactivates the device, a refused payload or credential is permanent, and a
// quota or server error is retried with FCM's Retry-After.
package fcm
