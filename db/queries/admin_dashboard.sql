-- The admin dashboard (GET /api/admin/dashboard): numbers about the whole installation in one statement.

-- name: AdminDashboard :one
-- Active users signed in (users.last_login_at) or used a token (auth_tokens.last_used_at, recorded at most
-- every 5 minutes) in the period. Tasks are placed by the board's own rules (task_card_column) at the
-- default due-soon threshold of 30 days (users.days_threshold's default), since each user's own may differ.
-- daily is the last 30 UTC days, oldest first, each [date, completions, sign-ups], zeros included.
SELECT
    (SELECT count(*) FROM users) AS users_total,
    (SELECT count(*) FROM users u
     WHERE u.last_login_at >= now() - interval '7 days'
        OR EXISTS (SELECT 1 FROM auth_tokens a WHERE a.user_id = u.id AND a.last_used_at >= now() - interval '7 days'))
        AS users_active_7d,
    (SELECT count(*) FROM users u
     WHERE u.last_login_at >= now() - interval '30 days'
        OR EXISTS (SELECT 1 FROM auth_tokens a WHERE a.user_id = u.id AND a.last_used_at >= now() - interval '30 days'))
        AS users_active_30d,
    (SELECT count(*) FROM residences) AS residences,
    (SELECT coalesce(jsonb_object_agg(c.col, c.n), '{}')
     FROM (SELECT task_card_column(x, 30) AS col, count(*) AS n FROM task_cards x GROUP BY 1) c)::jsonb AS tasks_by_column,
    (SELECT count(*) FROM task_completions tc WHERE tc.completed_at >= now() - interval '30 days') AS completions_30d,
    (SELECT count(*) FROM documents) AS documents,
    (SELECT coalesce(sum(d.size_bytes), 0) FROM documents d)::bigint AS document_bytes,
    (SELECT coalesce(jsonb_object_agg(p.platform, p.n), '{}')
     FROM (SELECT nd.platform, count(*) AS n FROM notification_devices nd WHERE nd.is_active GROUP BY 1) p)::jsonb
        AS devices_by_platform,
    (SELECT coalesce(jsonb_object_agg(j.state, j.n), '{}')
     FROM (SELECT rj.state::text AS state, count(*) AS n FROM river_job rj GROUP BY 1) j)::jsonb AS jobs_by_state,
    (SELECT jsonb_agg(jsonb_build_array(to_char(d.day AT TIME ZONE 'UTC', 'YYYY-MM-DD'), coalesce(c.n, 0), coalesce(s.n, 0))
                      ORDER BY d.day)
     FROM generate_series(date_trunc('day', now(), 'UTC') - interval '29 days', date_trunc('day', now(), 'UTC'),
                          interval '1 day') AS d(day)
     LEFT JOIN (SELECT date_trunc('day', tc.completed_at, 'UTC') AS day, count(*) AS n FROM task_completions tc
                WHERE tc.completed_at >= date_trunc('day', now(), 'UTC') - interval '29 days' GROUP BY 1) c
         ON c.day = d.day
     LEFT JOIN (SELECT date_trunc('day', u.created_at, 'UTC') AS day, count(*) AS n FROM users u
                WHERE u.created_at >= date_trunc('day', now(), 'UTC') - interval '29 days' GROUP BY 1) s
         ON s.day = d.day)::jsonb AS daily;
