// Package gorush pushes to iOS and Android devices through a Gorush server (github.com/appleboy/gorush),
// which holds the APNs and FCM credentials itself: Homekeep only needs its URL (GORUSH_URL).
//
// Each Send posts the messages to Gorush's /api/push, up to Options.BatchSize of one platform in one request,
// one element per message (its tokens hold the one device token, and its notif_id the message's ID), and
// reads Gorush's reply.
// Gorush reports which pushes failed only in sync mode, in the reply's logs; a failure log is matched to its
// message by notif_id, or by token when a log has no notif_id and Gorush shows tokens. APNs' Unregistered,
// BadDeviceToken, ExpiredToken and DeviceTokenNotForTopic and FCM's "Requested entity was not found." or
// UNREGISTERED mark the device dead; other failures are retried. Gorush silently drops the elements of a
// platform it has disabled and answers 200 with a lower count: those messages come back Permanent ("gorush
// dropped it: platform disabled?") and Send logs a warning once.
//
// The Gorush settings Homekeep needs (gorush's config.yml; the rest as the Gorush documentation says):
//
//	core:
//	  sync: true            # answer after APNs and FCM have, with a log entry per failed push (required)
//	  max_notification: 100 # at least Options.BatchSize (100 by default)
//	queue:
//	  engine: "local"       # sync mode works only with the local queue (required)
//	log:
//	  hide_token: false     # recommended: lets a failure log without notif_id still name its device
//	ios:
//	  enabled: true         # with key_path (or key_base64), key_type: "p8", key_id, team_id, production
//	  max_retry: 0          # Homekeep retries on its own schedule; a retry inside Gorush hides the outcome
//	android:
//	  enabled: true         # with credential or key_path (the FCM service account)
//	  max_retry: 0
//
// Without sync mode Gorush answers before it pushes, with no logs, and every push looks delivered. With a .p8
// key Gorush needs each iOS push to name the app's bundle id: set Options.IOSTopic (GORUSH_IOS_TOPIC).
package gorush
