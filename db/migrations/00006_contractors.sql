-- Contractors: tied to a residence (every member sees them) or personal (only their creator sees them).
-- Tasks and completions may name the contractor who does the work; deleting a contractor keeps those.

-- +goose Up
CREATE TABLE contractors (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    residence_id bigint      REFERENCES residences (id) ON DELETE CASCADE,
    created_by   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (name <> '' AND length(name) <= 200),
    company      text        NOT NULL DEFAULT '',
    phone        text        NOT NULL DEFAULT '',
    email        text        NOT NULL DEFAULT '',
    website      text        NOT NULL DEFAULT '',
    address      text        NOT NULL DEFAULT '',
    notes        text        NOT NULL DEFAULT '',
    rating       integer     CHECK (rating BETWEEN 1 AND 5),
    is_favorite  boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contractors_residence_id_idx ON contractors (residence_id) WHERE residence_id IS NOT NULL;
CREATE INDEX contractors_personal_idx ON contractors (created_by) WHERE residence_id IS NULL;

CREATE TABLE contractor_specialty_links (
    contractor_id bigint NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    specialty_id  bigint NOT NULL REFERENCES contractor_specialties (id) ON DELETE CASCADE,
    PRIMARY KEY (contractor_id, specialty_id)
);
CREATE INDEX contractor_specialty_links_specialty_idx ON contractor_specialty_links (specialty_id);

ALTER TABLE tasks ADD COLUMN contractor_id bigint REFERENCES contractors (id) ON DELETE SET NULL;
CREATE INDEX tasks_contractor_id_idx ON tasks (contractor_id) WHERE contractor_id IS NOT NULL;
ALTER TABLE task_completions ADD COLUMN contractor_id bigint REFERENCES contractors (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE task_completions DROP COLUMN contractor_id;
ALTER TABLE tasks DROP COLUMN contractor_id;
DROP TABLE contractor_specialty_links;
DROP TABLE contractors;
