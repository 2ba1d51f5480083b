-- Documents and warranties. The file itself lives in blob storage under a generated key; the row keeps its
-- metadata. A row without storage_key is a document without a file.

-- +goose Up
CREATE TABLE documents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    residence_id      bigint         NOT NULL REFERENCES residences (id) ON DELETE CASCADE,
    created_by        bigint         REFERENCES users (id) ON DELETE SET NULL,
    title             text           NOT NULL CHECK (title <> '' AND length(title) <= 200),
    description       text           NOT NULL DEFAULT '',
    doc_type          text           NOT NULL DEFAULT 'general' CHECK (doc_type IN ('general', 'warranty', 'manual',
                                         'receipt', 'insurance', 'inspection', 'permit', 'contract', 'photo', 'other')),
    vendor            text           NOT NULL DEFAULT '',
    model_number      text           NOT NULL DEFAULT '',
    serial_number     text           NOT NULL DEFAULT '',
    purchase_date     date,
    purchase_price    numeric(14, 2) CHECK (purchase_price >= 0),
    expiry_date       date,
    warranty_provider text           NOT NULL DEFAULT '',
    claim_phone       text           NOT NULL DEFAULT '',
    claim_url         text           NOT NULL DEFAULT '',
    task_id           bigint         REFERENCES tasks (id) ON DELETE SET NULL,
    storage_key       text UNIQUE,
    file_name         text,
    content_type      text,
    size_bytes        bigint         CHECK (size_bytes >= 0),
    sha256            text,
    created_at        timestamptz    NOT NULL DEFAULT now(),
    updated_at        timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX documents_residence_id_idx ON documents (residence_id, id);
CREATE INDEX documents_warranty_expiry_idx ON documents (expiry_date) WHERE doc_type = 'warranty';

-- +goose Down
DROP TABLE documents;
