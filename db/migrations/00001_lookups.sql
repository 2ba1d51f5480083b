-- Reference data the app renders forms from. Rows are owned by `homekeep seed` (and later the admin panel);
-- names are unique so seeding can upsert by name and stay idempotent.

-- +goose Up
CREATE TABLE residence_types (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text    NOT NULL UNIQUE CHECK (name <> ''),
    display_order integer NOT NULL DEFAULT 0
);

CREATE TABLE task_categories (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text    NOT NULL UNIQUE CHECK (name <> ''),
    icon          text    NOT NULL DEFAULT '',
    color         text    NOT NULL DEFAULT '#64748b' CHECK (color ~ '^#[0-9a-f]{6}$'),
    display_order integer NOT NULL DEFAULT 0
);

CREATE TABLE task_priorities (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text    NOT NULL UNIQUE CHECK (name <> ''),
    level         integer NOT NULL,
    color         text    NOT NULL DEFAULT '#64748b' CHECK (color ~ '^#[0-9a-f]{6}$'),
    display_order integer NOT NULL DEFAULT 0
);

CREATE TABLE task_frequencies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text    NOT NULL UNIQUE CHECK (name <> ''),
    interval_days integer CHECK (interval_days > 0), -- NULL: one-time
    display_order integer NOT NULL DEFAULT 0
);

CREATE TABLE contractor_specialties (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text    NOT NULL UNIQUE CHECK (name <> ''),
    display_order integer NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE contractor_specialties;
DROP TABLE task_frequencies;
DROP TABLE task_priorities;
DROP TABLE task_categories;
DROP TABLE residence_types;
