-- The "due soon" threshold is a setting of each user: the boards and every task card place a task in
-- due_soon when it is due within this many days, so a single card and the board it sits on always agree.
-- A board request's days_threshold overrides it for that request only. A constant default makes this an
-- instant change however many users there are.

-- +goose Up
ALTER TABLE users ADD COLUMN days_threshold integer NOT NULL DEFAULT 30
    CONSTRAINT users_days_threshold_range CHECK (days_threshold BETWEEN 1 AND 365);

-- +goose Down
ALTER TABLE users DROP COLUMN days_threshold;
