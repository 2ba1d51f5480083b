// Package store applies the app stores' purchases to subscriptions (issue 15): the Store operations of
// api/openapi.yaml (POST /subscription/apple, where the app posts a StoreKit 2 signed transaction, and POST
// /webhooks/apple, where the App Store posts its Server Notifications V2; POST /subscription/google, where
// the app posts a Play purchase token, and POST /webhooks/google/{secret}, where Pub/Sub pushes Play's
// Real-time Developer Notifications), the store_event job that applies a recorded notification and the
// google_acknowledge job. Google Play purchases are read from Google (package google) rather than verified
// offline, and stored under the hash of their token. Nothing the client says is trusted: every token is verified offline
// (package apple) before it is applied, and a notification is verified again when its job applies it.
//
// A purchase is stored under the store's key for it (Apple's originalTransactionId) and moves only forward
// in time: a state the store signed earlier than the one stored changes nothing, so notifications delivered
// twice or out of order are harmless. Each write recomputes the owner's subscription in the same statement
// (StorePurchaseApply in db/queries/store.sql).
package store
