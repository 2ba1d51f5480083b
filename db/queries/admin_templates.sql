-- The admin API's task template queries. Unlike TaskTemplateGet/TaskTemplateList (the apps'), they see
-- inactive templates too. q is an ILIKE pattern (likePattern in internal/app/admin: a substring, its
-- wildcards escaped), matched against the title, the description and each tag.

-- name: AdminTemplateCount :one
-- How many templates match the list's filters, over every page.
SELECT count(*)
FROM task_templates tt
WHERE (sqlc.narg(category_id)::bigint IS NULL OR tt.category_id = sqlc.narg(category_id))
  AND (sqlc.narg(q)::text IS NULL
       OR tt.title ILIKE sqlc.narg(q)::text
       OR tt.description ILIKE sqlc.narg(q)::text
       OR EXISTS (SELECT 1 FROM unnest(tt.tags) tag WHERE tag ILIKE sqlc.narg(q)::text));

-- name: AdminTemplateCreate :one
INSERT INTO task_templates (title, description, category_id, frequency_id, icon, tags, is_active, display_order)
VALUES (@title, @description, sqlc.narg(category_id), sqlc.narg(frequency_id), @icon, @tags, @is_active,
        COALESCE(sqlc.narg(display_order)::integer,
                 (SELECT COALESCE(max(o.display_order), 0) + 1 FROM task_templates o
                  WHERE o.category_id IS NOT DISTINCT FROM sqlc.narg(category_id)::bigint)))
RETURNING *;

-- name: AdminTemplateDelete :one
DELETE FROM task_templates WHERE id = @id RETURNING *;

-- name: AdminTemplateGet :one
SELECT * FROM task_templates WHERE id = @id;

-- name: AdminTemplateGetForUpdate :one
SELECT * FROM task_templates WHERE id = @id FOR UPDATE;

-- name: AdminTemplateInCategory :many
-- The templates of one category (NULL: those without one), in the apps' order.
SELECT * FROM task_templates
WHERE category_id IS NOT DISTINCT FROM sqlc.narg(category_id)::bigint
ORDER BY display_order, title;

-- name: AdminTemplateList :many
-- One page of the templates matching the filters, by id after the cursor @after_id.
SELECT tt.*
FROM task_templates tt
WHERE tt.id > @after_id
  AND (sqlc.narg(category_id)::bigint IS NULL OR tt.category_id = sqlc.narg(category_id))
  AND (sqlc.narg(q)::text IS NULL
       OR tt.title ILIKE sqlc.narg(q)::text
       OR tt.description ILIKE sqlc.narg(q)::text
       OR EXISTS (SELECT 1 FROM unnest(tt.tags) tag WHERE tag ILIKE sqlc.narg(q)::text))
ORDER BY tt.id
LIMIT @max_rows;

-- name: AdminTemplateReorder :exec
UPDATE task_templates t SET display_order = o.ord::integer
FROM unnest(@ids::bigint[]) WITH ORDINALITY AS o(id, ord)
WHERE t.id = o.id;

-- name: AdminTemplateSetActive :one
UPDATE task_templates SET is_active = @is_active WHERE id = @id RETURNING *;

-- name: AdminTemplateUpdate :one
-- Writes every column; the handler merges the fields sent into the row it read FOR UPDATE.
UPDATE task_templates
SET title = @title, description = @description, category_id = sqlc.narg(category_id),
    frequency_id = sqlc.narg(frequency_id), icon = @icon, tags = @tags, display_order = @display_order
WHERE id = @id
RETURNING *;
