-- subscriptions.tier references subscription_tiers: an index lets a tier's row be changed or removed without
-- scanning every subscription (db/foreign_key_indexes_test.go).

-- +goose Up
CREATE INDEX subscriptions_tier_idx ON subscriptions (tier);

-- +goose Down
DROP INDEX subscriptions_tier_idx;
