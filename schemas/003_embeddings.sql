-- 003: embeddings of items and passages ({dim} is the model's dimension, set at load).

CREATE TABLE embedding (
    key_id    VARCHAR NOT NULL,   -- item_id, or passage id "<doc_id>:<block_idx>"
    key_kind  VARCHAR NOT NULL,   -- item | passage
    doc_id    VARCHAR NOT NULL,
    model_id  VARCHAR NOT NULL,   -- part of the key: another model means other vectors
    text_hash VARCHAR NOT NULL,
    dim       INTEGER NOT NULL,
    vector    FLOAT[{dim}] NOT NULL
);

-- Paragraph-sized passages, searchable beside the items.
CREATE VIEW passages AS
SELECT b.doc_id || ':' || b.block_idx AS passage_id, b.doc_id, b.block_idx, b.kind AS block_kind,
       l.lang, b.text, b.start_char, b.end_char, s.source_path, s.title
FROM block b JOIN doc_language l USING (doc_id) JOIN doc_source s USING (doc_id)
WHERE b.kind IN ('paragraph', 'list_item', 'quote');

CREATE VIEW embeddings AS SELECT key_id, key_kind, doc_id, model_id, dim, vector FROM embedding;
