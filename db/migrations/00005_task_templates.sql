-- Task templates: ready-made maintenance tasks people pick from ("Replace HVAC filter", every 90 days).
-- Seeded by `homekeep seed`, upserted by title.

-- +goose Up
CREATE TABLE task_templates (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text    NOT NULL UNIQUE CHECK (title <> ''),
    description   text    NOT NULL DEFAULT '',
    category_id   bigint  REFERENCES task_categories (id) ON DELETE SET NULL,
    frequency_id  bigint  REFERENCES task_frequencies (id) ON DELETE SET NULL,
    icon          text    NOT NULL DEFAULT '',
    tags          text[]  NOT NULL DEFAULT '{}',
    is_active     boolean NOT NULL DEFAULT true,
    display_order integer NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE task_templates;
