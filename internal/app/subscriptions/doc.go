// Package subscriptions holds the subscription tiers of issue 15: the tiers and their limits, each user's
// tier (user_tier in SQL: a subscription past its entitled_until counts as free on the next request), and
// the usage the limits are checked against, which triggers keep in user_usage (residences owned, personal
// contractors) and residence_usage (tasks, residence contractors, documents, stored file bytes), so a create
// statement can check and lock it without a round trip of its own. The API, the enforcement in the create
// statements and the store purchases build on it.
package subscriptions
