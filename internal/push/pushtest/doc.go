// Package pushtest runs push providers' servers for tests: APNs, FCM, Gorush, a Web Push service and a
// UnifiedPush server, each started for the life of one test and speaking its provider's protocol, with a
// push.Channel of the real channel package pointed at it. A test registers the Device a constructor hands
// out (a token, or an endpoint with a browser's keys), programs how the server answers it (Accept, Dead,
// Transient, Permanent) and reads back what the server received, decoded (for Web Push: decrypted).
//
// The servers check what the providers check (APNs' and VAPID's JWT signatures, FCM's OAuth assertion and
// bearer token, the headers each protocol requires) and fail the test at its end for anything wrong, so a
// broken channel fails the tests that use it here too. Only tests import this package, like testsmtp.
package pushtest
