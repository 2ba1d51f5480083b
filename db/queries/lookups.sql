-- name: ContractorSpecialtyUpsert :batchexec
INSERT INTO contractor_specialties (name, display_order)
VALUES (@name, @display_order)
ON CONFLICT (name) DO UPDATE SET display_order = EXCLUDED.display_order;

-- name: LookupsEmpty :one
-- Whether the database has no reference data at all, i.e. it is new: migrating seeds it then. Once any
-- lookup exists the data is the operator's, and this stays one cheap check at start-up.
SELECT (NOT EXISTS (SELECT 1 FROM residence_types) AND NOT EXISTS (SELECT 1 FROM task_categories)
    AND NOT EXISTS (SELECT 1 FROM task_priorities) AND NOT EXISTS (SELECT 1 FROM task_frequencies)
    AND NOT EXISTS (SELECT 1 FROM contractor_specialties))::boolean AS empty;

-- name: ResidenceTypeUpsert :batchexec
INSERT INTO residence_types (name, display_order)
VALUES (@name, @display_order)
ON CONFLICT (name) DO UPDATE SET display_order = EXCLUDED.display_order;

-- StaticDataList returns every lookup row in one result (one round trip), tagged by kind; columns a kind
-- lacks are empty. The upserts are batch queries so `homekeep seed` sends each table's rows in one pipeline.
-- name: StaticDataList :many
SELECT 'residence_type'::text AS kind, id, name, ''::text AS icon, ''::text AS color,
       0::integer AS level, NULL::integer AS interval_days, display_order
FROM residence_types
UNION ALL
SELECT 'task_category', id, name, icon, color, 0, NULL, display_order
FROM task_categories
UNION ALL
SELECT 'task_priority', id, name, '', color, level, NULL, display_order
FROM task_priorities
UNION ALL
SELECT 'task_frequency', id, name, '', '', 0, interval_days, display_order
FROM task_frequencies
UNION ALL
SELECT 'contractor_specialty', id, name, '', '', 0, NULL, display_order
FROM contractor_specialties
ORDER BY kind, display_order, id;

-- name: TaskCategoryUpsert :batchexec
INSERT INTO task_categories (name, icon, color, display_order)
VALUES (@name, @icon, @color, @display_order)
ON CONFLICT (name) DO UPDATE
SET icon = EXCLUDED.icon, color = EXCLUDED.color, display_order = EXCLUDED.display_order;

-- name: TaskFrequencyUpsert :batchexec
INSERT INTO task_frequencies (name, interval_days, display_order)
VALUES (@name, sqlc.narg(interval_days), @display_order)
ON CONFLICT (name) DO UPDATE
SET interval_days = EXCLUDED.interval_days, display_order = EXCLUDED.display_order;

-- name: TaskPriorityUpsert :batchexec
INSERT INTO task_priorities (name, level, color, display_order)
VALUES (@name, @level, @color, @display_order)
ON CONFLICT (name) DO UPDATE
SET level = EXCLUDED.level, color = EXCLUDED.color, display_order = EXCLUDED.display_order;
