-- A purchase remembers the store transaction its state came from (Apple's transactionId of the period it
-- was last renewed or bought in), so a refund or revocation of an earlier period's transaction does not end
-- the access a later period paid for. Empty for Google Play purchases and for rows written before.

-- +goose Up
ALTER TABLE store_purchases ADD COLUMN transaction_id text NOT NULL DEFAULT '' CHECK (length(transaction_id) <= 200);

-- +goose Down
ALTER TABLE store_purchases DROP COLUMN transaction_id;
