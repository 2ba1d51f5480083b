-- Each numeric column accepts exactly what api/openapi.yaml promises, no less and no more: the range of its
-- minimum and maximum, at the decimal places of its multipleOf. A purchase price at the spec's own maximum
-- (1e12) overflowed numeric(14,2), which holds at most 999999999999.99, and answered 500; the columns now hold
-- it, and the upper bounds that only the API checked are checks of the columns too, so a value past them
-- fails at the column whoever writes it.
-- Raising a numeric's precision at the same scale rewrites no rows.

-- +goose Up
ALTER TABLE residences
    ALTER COLUMN purchase_price TYPE numeric(15, 2),
    DROP CONSTRAINT residences_purchase_price_check,
    ADD CONSTRAINT residences_purchase_price_check CHECK (purchase_price BETWEEN 0 AND 1000000000000),
    DROP CONSTRAINT residences_lot_size_check,
    ADD CONSTRAINT residences_lot_size_check CHECK (lot_size BETWEEN 0 AND 1000000000);

ALTER TABLE documents
    ALTER COLUMN purchase_price TYPE numeric(15, 2),
    DROP CONSTRAINT documents_purchase_price_check,
    ADD CONSTRAINT documents_purchase_price_check CHECK (purchase_price BETWEEN 0 AND 1000000000000);

ALTER TABLE tasks
    DROP CONSTRAINT tasks_estimated_cost_check,
    ADD CONSTRAINT tasks_estimated_cost_check CHECK (estimated_cost BETWEEN 0 AND 1000000000);

ALTER TABLE task_completions
    DROP CONSTRAINT task_completions_actual_cost_check,
    ADD CONSTRAINT task_completions_actual_cost_check CHECK (actual_cost BETWEEN 0 AND 1000000000);

-- +goose Down
ALTER TABLE task_completions
    DROP CONSTRAINT task_completions_actual_cost_check,
    ADD CONSTRAINT task_completions_actual_cost_check CHECK (actual_cost >= 0);

ALTER TABLE tasks
    DROP CONSTRAINT tasks_estimated_cost_check,
    ADD CONSTRAINT tasks_estimated_cost_check CHECK (estimated_cost >= 0);

-- Going back fails (numeric field overflow) while a price of 1e12 is stored: lower it first.
ALTER TABLE documents
    DROP CONSTRAINT documents_purchase_price_check,
    ALTER COLUMN purchase_price TYPE numeric(14, 2),
    ADD CONSTRAINT documents_purchase_price_check CHECK (purchase_price >= 0);

ALTER TABLE residences
    DROP CONSTRAINT residences_lot_size_check,
    ADD CONSTRAINT residences_lot_size_check CHECK (lot_size >= 0),
    DROP CONSTRAINT residences_purchase_price_check,
    ALTER COLUMN purchase_price TYPE numeric(14, 2),
    ADD CONSTRAINT residences_purchase_price_check CHECK (purchase_price >= 0);
