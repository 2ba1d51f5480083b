-- A user's timezone (issue 13: reminders come at the reminder hour in it) defaults to the first residence's:
-- users.timezone_set tells a timezone the user chose (at registration, with PATCH /auth/me) from the default
-- 'UTC', which the first residence the user creates or joins replaces (ResidenceCreate, ShareCodeJoin).

-- +goose Up
-- Existing accounts keep the timezone they have unless it is the old default.
ALTER TABLE users ADD COLUMN timezone_set boolean NOT NULL DEFAULT false;
UPDATE users SET timezone_set = true WHERE timezone <> 'UTC';

-- +goose Down
ALTER TABLE users DROP COLUMN timezone_set;
