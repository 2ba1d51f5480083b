-- The exclusion constraint that keeps one live share code per residence gets PostgreSQL's conventional name
-- (<table>_<column>_excl), so internal/app/dberr can name it with a constant its schema test checks like the
-- others; a concurrent new code that trips it is then drawn again instead of answering 500.

-- +goose Up
ALTER TABLE share_codes RENAME CONSTRAINT share_codes_one_active TO share_codes_residence_id_excl;

-- +goose Down
ALTER TABLE share_codes RENAME CONSTRAINT share_codes_residence_id_excl TO share_codes_one_active;
