-- An index under every foreign key. Deleting a user, residence, task, contractor or lookup row makes
-- PostgreSQL find the rows that reference it (to cascade or clear them); without an index on the referencing
-- columns that is a scan of the whole referencing table for every deleted row, so deleting one account read
-- every task, completion, document, share code and contractor. Nullable columns get partial indexes on
-- "IS NOT NULL": the lookup is an equality, which never matches NULL, so the rows without a reference need no
-- entry. db/foreign_key_indexes_test.go fails on any foreign key without a covering index.

-- +goose Up
CREATE INDEX contractors_created_by_idx ON contractors (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX documents_created_by_idx ON documents (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX documents_task_id_idx ON documents (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX residences_residence_type_id_idx ON residences (residence_type_id) WHERE residence_type_id IS NOT NULL;
-- share_codes_one_active only indexes the active code; a residence's deletion must also find the old ones.
CREATE INDEX share_codes_residence_id_idx ON share_codes (residence_id);
CREATE INDEX share_codes_created_by_idx ON share_codes (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX task_completions_completed_by_idx ON task_completions (completed_by) WHERE completed_by IS NOT NULL;
CREATE INDEX task_completions_contractor_id_idx ON task_completions (contractor_id) WHERE contractor_id IS NOT NULL;
CREATE INDEX task_templates_category_id_idx ON task_templates (category_id) WHERE category_id IS NOT NULL;
CREATE INDEX task_templates_frequency_id_idx ON task_templates (frequency_id) WHERE frequency_id IS NOT NULL;
CREATE INDEX tasks_category_id_idx ON tasks (category_id) WHERE category_id IS NOT NULL;
CREATE INDEX tasks_created_by_idx ON tasks (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX tasks_frequency_id_idx ON tasks (frequency_id) WHERE frequency_id IS NOT NULL;
CREATE INDEX tasks_priority_id_idx ON tasks (priority_id) WHERE priority_id IS NOT NULL;

-- +goose Down
DROP INDEX tasks_priority_id_idx;
DROP INDEX tasks_frequency_id_idx;
DROP INDEX tasks_created_by_idx;
DROP INDEX tasks_category_id_idx;
DROP INDEX task_templates_frequency_id_idx;
DROP INDEX task_templates_category_id_idx;
DROP INDEX task_completions_contractor_id_idx;
DROP INDEX task_completions_completed_by_idx;
DROP INDEX share_codes_created_by_idx;
DROP INDEX share_codes_residence_id_idx;
DROP INDEX residences_residence_type_id_idx;
DROP INDEX documents_task_id_idx;
DROP INDEX documents_created_by_idx;
DROP INDEX contractors_created_by_idx;
