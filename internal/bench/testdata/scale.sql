-- The database the bench explains the hot statements on: 200,000 users, 100,000 residences (each with its
-- owner and an editor), 1,000,000 tasks (ten per residence), 200,000 contractors, 400,000 documents and a
-- token per user ('scale-user-<n>'). User 1, the typical user, also edits residences 2 and 3, and those
-- three residences have 20 tasks each: the realistic account's 60 tasks over 3 residences. Foreign-key
-- triggers are off while loading (session_replication_role), which is safe because every id is generated
-- here to match.

SET session_replication_role = replica;

INSERT INTO users (id, email, password_hash, first_name, last_name)
OVERRIDING SYSTEM VALUE
SELECT g, 'scale-user-' || g || '@example.com', 'none', 'Scale', 'User ' || g
FROM generate_series(1, 200000) AS g;

INSERT INTO auth_tokens (token_hash, user_id)
SELECT sha256(convert_to('scale-user-' || g, 'UTF8')), g FROM generate_series(1, 200000) AS g;

INSERT INTO residences (id, owner_id, name)
OVERRIDING SYSTEM VALUE
SELECT g, g, 'Home ' || g FROM generate_series(1, 100000) AS g;

INSERT INTO residence_members (residence_id, user_id, role)
SELECT g, g, 'owner' FROM generate_series(1, 100000) AS g
UNION ALL
SELECT g, 100000 + g, 'editor' FROM generate_series(1, 100000) AS g
UNION ALL
SELECT g, 1, 'editor' FROM generate_series(2, 3) AS g;

INSERT INTO tasks (residence_id, created_by, title, due_date, interval_days, in_progress, is_archived, is_cancelled)
SELECT 1 + g % 100000, 1 + g % 100000, 'Task ' || g, current_date + g % 400 - 200,
       CASE WHEN g % 3 = 0 THEN 90 END, g % 11 = 0, g % 13 = 0, g % 17 = 0
FROM generate_series(0, 999999) AS g;

INSERT INTO tasks (residence_id, created_by, title, due_date, interval_days, in_progress, is_archived, is_cancelled)
SELECT 1 + g % 3, 1, 'Task of the typical user ' || g, current_date + g * 7 % 120 - 30,
       CASE WHEN g % 2 = 0 THEN 30 END, g % 6 = 2, g % 6 = 4, g % 6 = 5
FROM generate_series(0, 29) AS g;

INSERT INTO contractors (residence_id, created_by, name)
SELECT 1 + g % 100000, 1 + g % 100000, 'Contractor ' || g FROM generate_series(0, 199999) AS g;

INSERT INTO documents (residence_id, created_by, title)
SELECT 1 + g % 100000, 1 + g % 100000, 'Document ' || g FROM generate_series(0, 399999) AS g;

SELECT setval(pg_get_serial_sequence('users', 'id'), 200000);
SELECT setval(pg_get_serial_sequence('residences', 'id'), 100000);

SET session_replication_role = DEFAULT;

ANALYZE;
