// Package google is the Google Play side of Homekeep's subscriptions (issue 15), as a library the
// subscription service calls; it holds no state of its own and reads no environment.
//
// Client asks Google Play's Android Publisher API what a purchase token stands for
// (purchases.subscriptionsv2.get) and acknowledges a purchase (purchases.subscriptions.acknowledge), which
// Play requires within three days or it refunds the purchase. It is authorised by the publisher's service
// account: a JWT signed with the account's key is exchanged for an OAuth access token through
// golang.org/x/oauth2/google. Entitlement turns a purchase into what Homekeep grants: access until a time,
// and whether it renews.
//
// Play tells the server about changes through Real-time Developer Notifications, which Cloud Pub/Sub
// pushes to an HTTPS endpoint. ParsePush decodes a push; PushVerifier checks the OIDC token Pub/Sub signs
// for an authenticated push subscription, and SecretPath is the simpler check of a secret path segment for
// an operator who has not set up push authentication.
//
// A purchase token is a credential (with the package name it lets anyone holding the publisher's key read
// and acknowledge the purchase, and it is what a client presents to claim one): no error, log line or
// answer of this package carries one in full, nor any part of the service-account key.
package google
