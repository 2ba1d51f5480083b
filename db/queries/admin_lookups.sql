-- The admin API's lookup queries: one statement per kind where the tables' columns differ (create, update,
-- delete, reorder), and one statement for every kind where a uniform row or a guarded branch does (list, get,
-- usage, replace). @kind is the table's name, as api/admin.yaml's LookupKind spells it.

-- name: AdminLookupCounts :one
-- How many rows each reference table holds, for the seed's answer.
SELECT (SELECT count(*) FROM residence_types)        AS residence_types,
       (SELECT count(*) FROM task_categories)        AS task_categories,
       (SELECT count(*) FROM task_priorities)        AS task_priorities,
       (SELECT count(*) FROM task_frequencies)       AS task_frequencies,
       (SELECT count(*) FROM contractor_specialties) AS contractor_specialties,
       (SELECT count(*) FROM task_templates)         AS task_templates;

-- name: AdminLookupList :many
-- One kind's rows, in the apps' order; columns a kind lacks are empty (see StaticDataList).
SELECT id, name, icon, color, level, interval_days, display_order
FROM (
    SELECT 'residence_types'::text AS kind, id, name, ''::text AS icon, ''::text AS color, 0::integer AS level,
           NULL::integer AS interval_days, display_order
    FROM residence_types
    UNION ALL
    SELECT 'task_categories', id, name, icon, color, 0, NULL, display_order FROM task_categories
    UNION ALL
    SELECT 'task_priorities', id, name, '', color, level, NULL, display_order FROM task_priorities
    UNION ALL
    SELECT 'task_frequencies', id, name, '', '', 0, interval_days, display_order FROM task_frequencies
    UNION ALL
    SELECT 'contractor_specialties', id, name, '', '', 0, NULL, display_order FROM contractor_specialties
) l
WHERE l.kind = @kind::text
ORDER BY display_order, id;

-- name: AdminLookupLock :exec
-- Locks lookup @id of @kind until the transaction ends, before its uses are counted and moved: a task,
-- residence, template or contractor link that would start using it waits (its foreign key check takes a
-- share lock on the row), and fails once the row is gone, instead of being set to NULL by ON DELETE SET
-- NULL behind the count.
SELECT (SELECT r.id FROM residence_types r WHERE @kind::text = 'residence_types' AND r.id = @id::bigint FOR UPDATE),
       (SELECT c.id FROM task_categories c WHERE @kind::text = 'task_categories' AND c.id = @id::bigint FOR UPDATE),
       (SELECT p.id FROM task_priorities p WHERE @kind::text = 'task_priorities' AND p.id = @id::bigint FOR UPDATE),
       (SELECT f.id FROM task_frequencies f WHERE @kind::text = 'task_frequencies' AND f.id = @id::bigint FOR UPDATE),
       (SELECT s.id FROM contractor_specialties s WHERE @kind::text = 'contractor_specialties' AND s.id = @id::bigint FOR UPDATE);

-- name: AdminLookupNextOrder :one
-- The display order after the kind's last row, for a create that names none.
SELECT (COALESCE(max(display_order), 0) + 1)::integer AS next_order
FROM (
    SELECT 'residence_types'::text AS kind, display_order FROM residence_types
    UNION ALL SELECT 'task_categories', display_order FROM task_categories
    UNION ALL SELECT 'task_priorities', display_order FROM task_priorities
    UNION ALL SELECT 'task_frequencies', display_order FROM task_frequencies
    UNION ALL SELECT 'contractor_specialties', display_order FROM contractor_specialties
) l
WHERE l.kind = @kind::text;

-- name: AdminLookupReplace :one
-- Moves every use of lookup @from_id of @kind to @to_id, in every table that refers to that kind. Each
-- branch runs only for its kind. A contractor that has both specialties keeps one link (the old one goes
-- with the deleted specialty, ON DELETE CASCADE).
WITH residences_moved AS (
    UPDATE residences SET residence_type_id = @to_id::bigint
    WHERE @kind::text = 'residence_types' AND residence_type_id = @from_id::bigint
    RETURNING 1
), task_categories_moved AS (
    UPDATE tasks SET category_id = @to_id::bigint
    WHERE @kind::text = 'task_categories' AND category_id = @from_id::bigint
    RETURNING 1
), template_categories_moved AS (
    UPDATE task_templates SET category_id = @to_id::bigint
    WHERE @kind::text = 'task_categories' AND category_id = @from_id::bigint
    RETURNING 1
), task_priorities_moved AS (
    UPDATE tasks SET priority_id = @to_id::bigint
    WHERE @kind::text = 'task_priorities' AND priority_id = @from_id::bigint
    RETURNING 1
), task_frequencies_moved AS (
    UPDATE tasks SET frequency_id = @to_id::bigint
    WHERE @kind::text = 'task_frequencies' AND frequency_id = @from_id::bigint
    RETURNING 1
), template_frequencies_moved AS (
    UPDATE task_templates SET frequency_id = @to_id::bigint
    WHERE @kind::text = 'task_frequencies' AND frequency_id = @from_id::bigint
    RETURNING 1
), specialties_moved AS (
    INSERT INTO contractor_specialty_links (contractor_id, specialty_id)
    SELECT contractor_id, @to_id::bigint FROM contractor_specialty_links
    WHERE @kind::text = 'contractor_specialties' AND specialty_id = @from_id::bigint
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT ((SELECT count(*) FROM residences_moved) + (SELECT count(*) FROM task_categories_moved)
     + (SELECT count(*) FROM template_categories_moved) + (SELECT count(*) FROM task_priorities_moved)
     + (SELECT count(*) FROM task_frequencies_moved) + (SELECT count(*) FROM template_frequencies_moved)
     + (SELECT count(*) FROM specialties_moved))::bigint AS moved;

-- name: AdminLookupUsage :one
-- How many rows of each table use lookup @id of @kind (zero for tables that do not refer to the kind).
SELECT
    CASE @kind::text
        WHEN 'task_categories' THEN (SELECT count(*) FROM tasks t WHERE t.category_id = @id::bigint)
        WHEN 'task_priorities' THEN (SELECT count(*) FROM tasks t WHERE t.priority_id = @id::bigint)
        WHEN 'task_frequencies' THEN (SELECT count(*) FROM tasks t WHERE t.frequency_id = @id::bigint)
        ELSE 0
    END::bigint AS tasks,
    CASE @kind::text
        WHEN 'task_categories' THEN (SELECT count(*) FROM task_templates tt WHERE tt.category_id = @id::bigint)
        WHEN 'task_frequencies' THEN (SELECT count(*) FROM task_templates tt WHERE tt.frequency_id = @id::bigint)
        ELSE 0
    END::bigint AS templates,
    CASE @kind::text
        WHEN 'residence_types' THEN (SELECT count(*) FROM residences r WHERE r.residence_type_id = @id::bigint)
        ELSE 0
    END::bigint AS residences,
    CASE @kind::text
        WHEN 'contractor_specialties' THEN (SELECT count(*) FROM contractor_specialty_links l WHERE l.specialty_id = @id::bigint)
        ELSE 0
    END::bigint AS contractors;

-- name: ContractorSpecialtyCreate :one
INSERT INTO contractor_specialties (name, display_order) VALUES (@name, @display_order) RETURNING id;

-- name: ContractorSpecialtyDelete :execrows
DELETE FROM contractor_specialties WHERE id = @id;

-- name: ContractorSpecialtyReorder :exec
UPDATE contractor_specialties t SET display_order = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE t.id = o.id;

-- name: ContractorSpecialtyUpdate :execrows
UPDATE contractor_specialties
SET name = COALESCE(sqlc.narg(name), name), display_order = COALESCE(sqlc.narg(display_order), display_order)
WHERE id = @id;

-- name: ResidenceTypeCreate :one
INSERT INTO residence_types (name, display_order) VALUES (@name, @display_order) RETURNING id;

-- name: ResidenceTypeDelete :execrows
DELETE FROM residence_types WHERE id = @id;

-- name: ResidenceTypeReorder :exec
UPDATE residence_types t SET display_order = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE t.id = o.id;

-- name: ResidenceTypeUpdate :execrows
UPDATE residence_types
SET name = COALESCE(sqlc.narg(name), name), display_order = COALESCE(sqlc.narg(display_order), display_order)
WHERE id = @id;

-- name: TaskCategoryCreate :one
INSERT INTO task_categories (name, icon, color, display_order)
VALUES (@name, @icon, @color, @display_order) RETURNING id;

-- name: TaskCategoryDelete :execrows
DELETE FROM task_categories WHERE id = @id;

-- name: TaskCategoryReorder :exec
UPDATE task_categories t SET display_order = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE t.id = o.id;

-- name: TaskCategoryUpdate :execrows
UPDATE task_categories
SET name = COALESCE(sqlc.narg(name), name), icon = COALESCE(sqlc.narg(icon), icon),
    color = COALESCE(sqlc.narg(color), color), display_order = COALESCE(sqlc.narg(display_order), display_order)
WHERE id = @id;

-- name: TaskFrequencyCreate :one
INSERT INTO task_frequencies (name, interval_days, display_order)
VALUES (@name, sqlc.narg(interval_days), @display_order) RETURNING id;

-- name: TaskFrequencyDelete :execrows
DELETE FROM task_frequencies WHERE id = @id;

-- name: TaskFrequencyReorder :exec
UPDATE task_frequencies t SET display_order = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE t.id = o.id;

-- name: TaskFrequencyUpdate :execrows
-- @set_interval_days distinguishes "make it one-time" (true with a NULL interval) from "leave it".
UPDATE task_frequencies
SET name = COALESCE(sqlc.narg(name), name), display_order = COALESCE(sqlc.narg(display_order), display_order),
    interval_days = CASE WHEN @set_interval_days::boolean THEN sqlc.narg(interval_days)::integer ELSE interval_days END
WHERE id = @id;

-- name: TaskPriorityCreate :one
INSERT INTO task_priorities (name, level, color, display_order)
VALUES (@name, @level, @color, @display_order) RETURNING id;

-- name: TaskPriorityDelete :execrows
DELETE FROM task_priorities WHERE id = @id;

-- name: TaskPriorityReorder :exec
UPDATE task_priorities t SET display_order = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE t.id = o.id;

-- name: TaskPriorityUpdate :execrows
UPDATE task_priorities
SET name = COALESCE(sqlc.narg(name), name), level = COALESCE(sqlc.narg(level), level),
    color = COALESCE(sqlc.narg(color), color), display_order = COALESCE(sqlc.narg(display_order), display_order)
WHERE id = @id;
