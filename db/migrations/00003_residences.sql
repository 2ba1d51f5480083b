-- Residences (homes), who may access them, and the codes that let people join.
-- The owner is both residences.owner_id and a residence_members row with role 'owner', so every access
-- check is one lookup in residence_members.

-- +goose Up
CREATE TABLE residences (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id          bigint        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name              text          NOT NULL CHECK (name <> '' AND length(name) <= 200),
    residence_type_id bigint        REFERENCES residence_types (id) ON DELETE SET NULL,
    street            text          NOT NULL DEFAULT '',
    city              text          NOT NULL DEFAULT '',
    state_province    text          NOT NULL DEFAULT '',
    postal_code       text          NOT NULL DEFAULT '',
    country           text          NOT NULL DEFAULT '',
    bedrooms          integer       CHECK (bedrooms BETWEEN 0 AND 1000),
    bathrooms         numeric(5, 1) CHECK (bathrooms BETWEEN 0 AND 1000),
    square_footage    integer       CHECK (square_footage BETWEEN 0 AND 10000000),
    lot_size          numeric(14, 2) CHECK (lot_size >= 0),
    year_built        integer       CHECK (year_built BETWEEN 1000 AND 3000),
    description       text          NOT NULL DEFAULT '',
    purchase_date     date,
    purchase_price    numeric(14, 2) CHECK (purchase_price >= 0),
    is_primary        boolean       NOT NULL DEFAULT false,
    timezone          text          NOT NULL DEFAULT 'UTC',
    created_at        timestamptz   NOT NULL DEFAULT now(),
    updated_at        timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX residences_owner_id_idx ON residences (owner_id);

CREATE TABLE residence_members (
    residence_id bigint      NOT NULL REFERENCES residences (id) ON DELETE CASCADE,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text        NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    joined_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (residence_id, user_id)
);
-- "Which residences can this user access" is the hottest lookup: it sits inside every board query.
CREATE INDEX residence_members_user_id_idx ON residence_members (user_id, residence_id);
-- One owner per residence, checked at commit so a transfer can swap two roles in one statement.
ALTER TABLE residence_members ADD CONSTRAINT residence_members_one_owner
    EXCLUDE USING btree (residence_id WITH =) WHERE (role = 'owner') DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE share_codes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    residence_id bigint      NOT NULL REFERENCES residences (id) ON DELETE CASCADE,
    code         text        NOT NULL CHECK (code ~ '^[A-HJKMNP-Z2-9]{6}$'),
    role         text        NOT NULL DEFAULT 'editor' CHECK (role IN ('editor', 'viewer')),
    created_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    expires_at   timestamptz NOT NULL,
    active       boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX share_codes_active_code_key ON share_codes (code) WHERE active;
-- One live code per residence, checked at commit so a new code can replace the old one in one statement.
ALTER TABLE share_codes ADD CONSTRAINT share_codes_one_active
    EXCLUDE USING btree (residence_id WITH =) WHERE (active) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX share_codes_code_idx ON share_codes (code);

-- +goose Down
DROP TABLE share_codes;
DROP TABLE residence_members;
DROP TABLE residences;
