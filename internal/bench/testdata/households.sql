-- The bench's other households, beside the realistic account the bench creates through the API. User n
-- (bench.first <= n <= bench.last) gets id 1,000,000 + n (clear of the ids the API hands out), the email
-- bench-user-<n>@example.com and the token 'bench-user-<n>' (auth_tokens keeps its SHA-256). With
-- bench.households on, each also owns a residence with six tasks, one per board column, a contractor and
-- two documents. It runs as one simple-protocol batch after set_config() of the three settings.

INSERT INTO users (id, email, password_hash, first_name, last_name)
OVERRIDING SYSTEM VALUE
SELECT 1000000 + g, 'bench-user-' || g || '@example.com', 'none: signs in with its token', 'Bench', 'User ' || g
FROM generate_series(current_setting('bench.first')::int, current_setting('bench.last')::int) AS g;

INSERT INTO auth_tokens (token_hash, user_id)
SELECT sha256(convert_to('bench-user-' || g, 'UTF8')), 1000000 + g
FROM generate_series(current_setting('bench.first')::int, current_setting('bench.last')::int) AS g;

INSERT INTO residences (owner_id, name)
SELECT 1000000 + g, 'Home ' || g
FROM generate_series(current_setting('bench.first')::int, current_setting('bench.last')::int) AS g
WHERE current_setting('bench.households')::boolean;

CREATE TEMP TABLE bench_homes AS
SELECT r.id, r.owner_id FROM residences AS r
WHERE r.owner_id BETWEEN 1000000 + current_setting('bench.first')::int
                     AND 1000000 + current_setting('bench.last')::int;

INSERT INTO residence_members (residence_id, user_id, role)
SELECT id, owner_id, 'owner' FROM bench_homes;

-- One task per column: overdue, due soon, in progress, upcoming, completed (archived), cancelled. The
-- due-soon and upcoming ones recur every 90 days, so they can be completed again and again.
INSERT INTO tasks (residence_id, created_by, title, description, due_date, interval_days, in_progress,
                   is_archived, is_cancelled)
SELECT h.id, h.owner_id, 'Task ' || k, 'A task of another household', current_date + (ARRAY[-10, 5, 3, 90, -3, 20])[k + 1],
       CASE WHEN k IN (1, 3) THEN 90 END, k = 2, k = 4, k = 5
FROM bench_homes AS h CROSS JOIN generate_series(0, 5) AS k;

INSERT INTO contractors (residence_id, created_by, name)
SELECT id, owner_id, 'Contractor of home ' || id FROM bench_homes;

INSERT INTO documents (residence_id, created_by, title)
SELECT h.id, h.owner_id, 'Document ' || k FROM bench_homes AS h CROSS JOIN generate_series(1, 2) AS k;

DROP TABLE bench_homes;
ANALYZE;
