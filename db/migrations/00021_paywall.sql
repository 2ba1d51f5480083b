-- The paywall's content (issue 15): what the app shows when a limit is hit (an upgrade trigger per limited
-- resource) and the rows of the free-versus-pro comparison table. An operator edits them (the admin API
-- later); GET /subscription reads them with the caller's limits and usage in one statement.

-- +goose Up
CREATE TABLE upgrade_triggers (
    key        text        PRIMARY KEY CHECK (key IN ('residences', 'tasks', 'contractors', 'documents', 'file_bytes')),
    title      text        NOT NULL CHECK (title <> '' AND length(title) <= 200),
    body       text        NOT NULL CHECK (length(body) <= 2000),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO upgrade_triggers (key, title, body) VALUES
    ('residences', 'More than one home?', 'Homekeep Pro keeps any number of homes, each with its own tasks, documents and members.'),
    ('tasks', 'Keep every task', 'The free plan keeps 10 tasks per home. Homekeep Pro keeps as many as your home needs.'),
    ('contractors', 'Your whole address book', 'The free plan keeps 5 contractors per home. Homekeep Pro keeps all of them.'),
    ('documents', 'Every manual and warranty', 'The free plan keeps 5 documents per home. Homekeep Pro keeps every manual, receipt and warranty.'),
    ('file_bytes', 'More room for files', 'Homekeep Pro stores more files for each home.');

CREATE TABLE feature_benefits (
    position   integer     PRIMARY KEY,
    title      text        NOT NULL CHECK (title <> '' AND length(title) <= 200),
    free_text  text        NOT NULL CHECK (length(free_text) <= 200),
    pro_text   text        NOT NULL CHECK (length(pro_text) <= 200),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO feature_benefits (position, title, free_text, pro_text) VALUES
    (1, 'Homes', '1', 'Unlimited'),
    (2, 'Tasks per home', '10', 'Unlimited'),
    (3, 'Contractors per home', '5', 'Unlimited'),
    (4, 'Documents per home', '5', 'Unlimited'),
    (5, 'Shared with your household', 'Yes', 'Yes'),
    (6, 'Reminders, push and email', 'Yes', 'Yes');

-- +goose Down
DROP TABLE feature_benefits;
DROP TABLE upgrade_triggers;
