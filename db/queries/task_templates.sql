-- name: TaskTemplateGet :one
SELECT * FROM task_templates WHERE id = @id AND is_active;

-- name: TaskTemplateList :many
-- Active templates with their category, optionally filtered by a search over title and tags.
SELECT tt.id, tt.title, tt.description, tt.category_id, tt.frequency_id, tt.icon, tt.tags, tt.display_order,
       c.name AS category_name, c.display_order AS category_order, f.name AS frequency_name,
       f.interval_days
FROM task_templates tt
LEFT JOIN task_categories c ON c.id = tt.category_id
LEFT JOIN task_frequencies f ON f.id = tt.frequency_id
WHERE tt.is_active
  AND (sqlc.narg(q)::text IS NULL
       OR tt.title ILIKE '%' || sqlc.narg(q)::text || '%'
       OR EXISTS (SELECT 1 FROM unnest(tt.tags) tag WHERE tag ILIKE '%' || sqlc.narg(q)::text || '%'))
ORDER BY c.display_order NULLS LAST, c.name, tt.display_order, tt.title;

-- name: TaskTemplateUpsert :batchexec
INSERT INTO task_templates (title, description, category_id, frequency_id, icon, tags, display_order)
VALUES (@title, @description,
        (SELECT tc.id FROM task_categories tc WHERE tc.name = @category_name),
        (SELECT tf.id FROM task_frequencies tf WHERE tf.name = @frequency_name),
        @icon, @tags, @display_order)
ON CONFLICT (title) DO UPDATE
SET description = EXCLUDED.description, category_id = EXCLUDED.category_id, frequency_id = EXCLUDED.frequency_id,
    icon = EXCLUDED.icon, tags = EXCLUDED.tags, display_order = EXCLUDED.display_order;
