-- River's job table as river's migrations leave it at version 8 (river v0.51.2), for sqlc only: sqlc reads
-- this file to check and type the statements in db/queries that insert jobs in the statement of the change
-- they follow, and the operator's read of the queue. It is never applied: internal/migrate applies river's
-- own migrations. TestRiverJobSchemaMatchesRiver (internal/jobs) compares it with the table those create,
-- so a river upgrade that changes the table fails the tests until this copy follows it.

CREATE TYPE river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);

CREATE TABLE river_job (
    id bigserial PRIMARY KEY,
    state river_job_state NOT NULL DEFAULT 'available',
    attempt smallint NOT NULL DEFAULT 0,
    max_attempts smallint NOT NULL DEFAULT 25,
    attempted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    finalized_at timestamptz,
    scheduled_at timestamptz NOT NULL DEFAULT now(),
    priority smallint NOT NULL DEFAULT 1,
    args jsonb NOT NULL,
    attempted_by text[],
    errors jsonb[],
    kind text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    queue text NOT NULL DEFAULT 'default',
    tags varchar(255)[] NOT NULL DEFAULT '{}',
    unique_key bytea,
    unique_states bit(8)
);
