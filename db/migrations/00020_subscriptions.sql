-- Subscriptions (issue 15), first slice: the tiers and their limits, the global switch that turns limits on
-- (off by default: self-hosters get everything), each user's subscription and store app-account id, and the
-- usage the limits are checked against, kept by triggers so that a create statement can check and lock it in
-- the same statement (the enforcement itself comes with the API).
--
-- Limits are per owner for residences and personal contractors, and per residence for tasks, residence
-- contractors, documents and stored file bytes; what a member may create in a residence is decided by the
-- residence owner's tier. NULL is unlimited.

-- +goose Up
CREATE TABLE subscription_tiers (
    tier            text        PRIMARY KEY CHECK (tier IN ('free', 'pro')),
    max_residences  integer     CHECK (max_residences >= 0),
    max_tasks       integer     CHECK (max_tasks >= 0),
    max_contractors integer     CHECK (max_contractors >= 0),
    max_documents   integer     CHECK (max_documents >= 0),
    max_file_bytes  bigint      CHECK (max_file_bytes >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO subscription_tiers (tier, max_residences, max_tasks, max_contractors, max_documents, max_file_bytes)
VALUES ('free', 1, 10, 5, 5, NULL), ('pro', NULL, NULL, NULL, NULL, NULL);

-- One row: the settings an operator changes at run time.
CREATE TABLE app_settings (
    id                  boolean     PRIMARY KEY DEFAULT true CHECK (id),
    limitations_enabled boolean     NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO app_settings DEFAULT VALUES;

-- The id the app hands the stores (Apple's appAccountToken, Google's obfuscatedExternalAccountId), binding a
-- purchase to the account; stable for the account's life.
ALTER TABLE users ADD COLUMN app_account_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE users ADD CONSTRAINT users_app_account_id_key UNIQUE (app_account_id);

-- A user without a row is on the free tier. entitled_until NULL is no end (an operator's grant); past it,
-- the user counts as free on the next request, with no job needed.
CREATE TABLE subscriptions (
    user_id        bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tier           text        NOT NULL REFERENCES subscription_tiers (tier),
    source         text        NOT NULL CHECK (source IN ('store', 'admin', 'trial')),
    store          text        CHECK (store IN ('apple', 'google')),
    entitled_until timestamptz,
    auto_renew     boolean     NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The tier a user's limits come from now.
-- +goose StatementBegin
CREATE FUNCTION user_tier(p_user_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
SELECT coalesce((SELECT s.tier FROM subscriptions s
                 WHERE s.user_id = p_user_id AND (s.entitled_until IS NULL OR s.entitled_until > now())), 'free')
$$;
-- +goose StatementEnd

-- What each user owns (residences) and has made outside any residence (personal contractors).
CREATE TABLE user_usage (
    user_id     bigint  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    residences  integer NOT NULL DEFAULT 0 CHECK (residences >= 0),
    contractors integer NOT NULL DEFAULT 0 CHECK (contractors >= 0)
);

-- What each residence holds.
CREATE TABLE residence_usage (
    residence_id bigint  PRIMARY KEY REFERENCES residences (id) ON DELETE CASCADE,
    tasks        integer NOT NULL DEFAULT 0 CHECK (tasks >= 0),
    contractors  integer NOT NULL DEFAULT 0 CHECK (contractors >= 0),
    documents    integer NOT NULL DEFAULT 0 CHECK (documents >= 0),
    file_bytes   bigint  NOT NULL DEFAULT 0 CHECK (file_bytes >= 0)
);

INSERT INTO user_usage (user_id, residences, contractors)
SELECT u.id,
       (SELECT count(*) FROM residences r WHERE r.owner_id = u.id),
       (SELECT count(*) FROM contractors c WHERE c.residence_id IS NULL AND c.created_by = u.id)
FROM users u;
INSERT INTO residence_usage (residence_id, tasks, contractors, documents, file_bytes)
SELECT r.id,
       (SELECT count(*) FROM tasks t WHERE t.residence_id = r.id),
       (SELECT count(*) FROM contractors c WHERE c.residence_id = r.id),
       (SELECT count(*) FROM documents d WHERE d.residence_id = r.id),
       (SELECT coalesce(sum(d.size_bytes), 0) FROM documents d WHERE d.residence_id = r.id)
FROM residences r;

-- The triggers keep the usage rows. Each touches one row by its key, so a residence's rows never need its
-- owner looked up (a residence deleted with its children takes its usage row with it).
-- +goose StatementBegin
CREATE FUNCTION usage_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_usage (user_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_usage AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION usage_users();

-- +goose StatementBegin
CREATE FUNCTION usage_residences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE user_usage SET residences = residences + 1 WHERE user_id = NEW.owner_id;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE user_usage SET residences = residences - 1 WHERE user_id = OLD.owner_id;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO residence_usage (residence_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER residences_usage AFTER INSERT OR DELETE ON residences FOR EACH ROW EXECUTE FUNCTION usage_residences();
CREATE TRIGGER residences_usage_owner AFTER UPDATE OF owner_id ON residences
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id) EXECUTE FUNCTION usage_residences();

-- tasks, documents and contractors: +1 on insert, -1 on delete, and a move between residences (or, for a
-- contractor, between a residence and personal) counts in both.
-- +goose StatementBegin
CREATE FUNCTION usage_residence_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bytes_new bigint := 0;
    bytes_old bigint := 0;
BEGIN
    IF TG_TABLE_NAME = 'documents' THEN
        IF TG_OP <> 'DELETE' THEN bytes_new := coalesce(NEW.size_bytes, 0); END IF;
        IF TG_OP <> 'INSERT' THEN bytes_old := coalesce(OLD.size_bytes, 0); END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF OLD.residence_id IS NOT NULL THEN
            UPDATE residence_usage SET
                tasks       = tasks - (TG_TABLE_NAME = 'tasks')::int,
                contractors = contractors - (TG_TABLE_NAME = 'contractors')::int,
                documents   = documents - (TG_TABLE_NAME = 'documents')::int,
                file_bytes  = file_bytes - bytes_old
            WHERE residence_id = OLD.residence_id;
        ELSIF TG_TABLE_NAME = 'contractors' THEN
            UPDATE user_usage SET contractors = contractors - 1 WHERE user_id = OLD.created_by;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.residence_id IS NOT NULL THEN
            UPDATE residence_usage SET
                tasks       = tasks + (TG_TABLE_NAME = 'tasks')::int,
                contractors = contractors + (TG_TABLE_NAME = 'contractors')::int,
                documents   = documents + (TG_TABLE_NAME = 'documents')::int,
                file_bytes  = file_bytes + bytes_new
            WHERE residence_id = NEW.residence_id;
        ELSIF TG_TABLE_NAME = 'contractors' THEN
            UPDATE user_usage SET contractors = contractors + 1 WHERE user_id = NEW.created_by;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER tasks_usage AFTER INSERT OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION usage_residence_rows();
CREATE TRIGGER tasks_usage_move AFTER UPDATE OF residence_id ON tasks
    FOR EACH ROW WHEN (OLD.residence_id IS DISTINCT FROM NEW.residence_id) EXECUTE FUNCTION usage_residence_rows();
CREATE TRIGGER contractors_usage AFTER INSERT OR DELETE ON contractors FOR EACH ROW EXECUTE FUNCTION usage_residence_rows();
CREATE TRIGGER contractors_usage_move AFTER UPDATE OF residence_id, created_by ON contractors
    FOR EACH ROW WHEN (OLD.residence_id IS DISTINCT FROM NEW.residence_id OR OLD.created_by IS DISTINCT FROM NEW.created_by)
    EXECUTE FUNCTION usage_residence_rows();
CREATE TRIGGER documents_usage AFTER INSERT OR DELETE ON documents FOR EACH ROW EXECUTE FUNCTION usage_residence_rows();
CREATE TRIGGER documents_usage_move AFTER UPDATE OF residence_id, size_bytes ON documents
    FOR EACH ROW WHEN (OLD.residence_id IS DISTINCT FROM NEW.residence_id OR OLD.size_bytes IS DISTINCT FROM NEW.size_bytes)
    EXECUTE FUNCTION usage_residence_rows();

-- +goose Down
DROP TRIGGER documents_usage_move ON documents;
DROP TRIGGER documents_usage ON documents;
DROP TRIGGER contractors_usage_move ON contractors;
DROP TRIGGER contractors_usage ON contractors;
DROP TRIGGER tasks_usage_move ON tasks;
DROP TRIGGER tasks_usage ON tasks;
DROP FUNCTION usage_residence_rows();
DROP TRIGGER residences_usage_owner ON residences;
DROP TRIGGER residences_usage ON residences;
DROP FUNCTION usage_residences();
DROP TRIGGER users_usage ON users;
DROP FUNCTION usage_users();
DROP TABLE residence_usage;
DROP TABLE user_usage;
DROP FUNCTION user_tier(bigint);
DROP TABLE subscriptions;
ALTER TABLE users DROP COLUMN app_account_id;
DROP TABLE app_settings;
DROP TABLE subscription_tiers;
