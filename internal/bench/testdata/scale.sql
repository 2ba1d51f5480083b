-- The database the bench explains the hot statements on, for R = bench.residences (100,000 in `make
-- bench`): R residences (each with its owner and an editor), 2R users, 10R tasks (ten per residence), 2R
-- contractors, 4R documents and a token per user ('scale-user-<n>'). User 1, the typical user, also edits
-- residences 2 and 3, and those three residences have 20 tasks each: the realistic account's 60 tasks over 3
-- residences. Users live in Europe/Berlin, America/New_York and UTC in turn, and every tenth has a
-- notification_preferences row with a reminder hour of 7, 9, 18 or 21 (the rest have the default, 9); every
-- fourth document is a warranty expiring on a day within a year before or two years after today: what the
-- reminder planner reads. The reference data must be seeded first. Foreign-key triggers are off while
-- loading (session_replication_role), which is safe because every id is generated here to match. It runs as
-- one simple-protocol batch after set_config().

SET session_replication_role = replica;

INSERT INTO users (id, email, password_hash, first_name, last_name, timezone)
OVERRIDING SYSTEM VALUE
SELECT g, 'scale-user-' || g || '@example.com', 'none', 'Scale', 'User ' || g,
       (ARRAY['Europe/Berlin', 'America/New_York', 'UTC'])[1 + g % 3]
FROM generate_series(1, 2 * current_setting('bench.residences')::int) AS g;

INSERT INTO notification_preferences (user_id, task_due_soon_push, task_due_soon_email, task_overdue_push,
                                      task_overdue_email, task_completed_push, task_completed_email,
                                      task_assigned_push, task_assigned_email, member_joined_push,
                                      member_joined_email, warranty_expiring_push, warranty_expiring_email,
                                      reminder_hour)
SELECT g, true, true, true, true, true, true, true, true, true, true, true, true, (ARRAY[7, 9, 18, 21])[1 + g / 10 % 4]
FROM generate_series(10, 2 * current_setting('bench.residences')::int, 10) AS g;

INSERT INTO auth_tokens (token_hash, user_id)
SELECT sha256(convert_to('scale-user-' || g, 'UTF8')), g
FROM generate_series(1, 2 * current_setting('bench.residences')::int) AS g;

INSERT INTO residences (id, owner_id, name)
OVERRIDING SYSTEM VALUE
SELECT g, g, 'Home ' || g FROM generate_series(1, current_setting('bench.residences')::int) AS g;

INSERT INTO residence_members (residence_id, user_id, role)
SELECT g, g, 'owner' FROM generate_series(1, current_setting('bench.residences')::int) AS g
UNION ALL
SELECT g, current_setting('bench.residences')::int + g, 'editor'
FROM generate_series(1, current_setting('bench.residences')::int) AS g
UNION ALL
SELECT g, 1, 'editor' FROM generate_series(2, 3) AS g;

-- Tasks name a category, priority and frequency from the reference data (seeded first) like real ones.
CREATE TEMP TABLE bench_lookups AS
SELECT (SELECT array_agg(id ORDER BY id) FROM task_categories) AS categories,
       (SELECT array_agg(id ORDER BY id) FROM task_priorities) AS priorities,
       (SELECT array_agg(id ORDER BY id) FROM task_frequencies) AS frequencies;

INSERT INTO tasks (residence_id, created_by, title, due_date, interval_days, in_progress, is_archived, is_cancelled,
                   category_id, priority_id, frequency_id)
SELECT 1 + g % current_setting('bench.residences')::int, 1 + g % current_setting('bench.residences')::int,
       'Task ' || g, current_date + g % 400 - 200, CASE WHEN g % 3 = 0 THEN 90 END, g % 11 = 0, g % 13 = 0,
       g % 17 = 0, l.categories[1 + g % nullif(cardinality(l.categories), 0)],
       l.priorities[1 + g % nullif(cardinality(l.priorities), 0)],
       CASE WHEN g % 3 = 0 THEN l.frequencies[1 + g % nullif(cardinality(l.frequencies), 0)] END
FROM generate_series(0, 10 * current_setting('bench.residences')::int - 1) AS g CROSS JOIN bench_lookups AS l;

INSERT INTO tasks (residence_id, created_by, title, due_date, interval_days, in_progress, is_archived, is_cancelled)
SELECT 1 + g % 3, 1, 'Task of the typical user ' || g, current_date + g * 7 % 120 - 30,
       CASE WHEN g % 2 = 0 THEN 30 END, g % 6 = 2, g % 6 = 4, g % 6 = 5
FROM generate_series(0, 29) AS g;

INSERT INTO contractors (residence_id, created_by, name)
SELECT 1 + g % current_setting('bench.residences')::int, 1 + g % current_setting('bench.residences')::int,
       'Contractor ' || g
FROM generate_series(0, 2 * current_setting('bench.residences')::int - 1) AS g;

INSERT INTO documents (residence_id, created_by, title, doc_type, expiry_date)
SELECT 1 + g % current_setting('bench.residences')::int, 1 + g % current_setting('bench.residences')::int,
       'Document ' || g, CASE WHEN g % 4 = 0 THEN 'warranty' ELSE 'general' END,
       CASE WHEN g % 4 = 0 THEN current_date + g % 1095 - 365 END
FROM generate_series(0, 4 * current_setting('bench.residences')::int - 1) AS g;

SELECT setval(pg_get_serial_sequence('users', 'id'), 2 * current_setting('bench.residences')::int);
SELECT setval(pg_get_serial_sequence('residences', 'id'), current_setting('bench.residences')::int);

DROP TABLE bench_lookups;

SET session_replication_role = DEFAULT;

ANALYZE;
