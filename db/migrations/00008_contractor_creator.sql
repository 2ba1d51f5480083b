-- A residence's contractors outlive the member who added them: deleting that member's account used to
-- cascade and delete the contractor for the whole household (and clear it from every task). Now the
-- creator link is cleared instead; personal contractors, which only their creator can see, are deleted
-- with the account (UserDelete) and so always keep a creator.

-- +goose Up
ALTER TABLE contractors ALTER COLUMN created_by DROP NOT NULL;
ALTER TABLE contractors DROP CONSTRAINT contractors_created_by_fkey;
ALTER TABLE contractors ADD CONSTRAINT contractors_created_by_fkey
    FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE contractors ADD CONSTRAINT contractors_personal_has_creator
    CHECK (residence_id IS NOT NULL OR created_by IS NOT NULL);

-- +goose Down
DELETE FROM contractors WHERE created_by IS NULL;
ALTER TABLE contractors DROP CONSTRAINT contractors_personal_has_creator;
ALTER TABLE contractors DROP CONSTRAINT contractors_created_by_fkey;
ALTER TABLE contractors ADD CONSTRAINT contractors_created_by_fkey
    FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE contractors ALTER COLUMN created_by SET NOT NULL;
