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

-- What search ranks: items and passages, one row each.
CREATE VIEW search_units AS
SELECT item_id AS key_id, kind, lang, text, detail, doc_id, source_path, title FROM items
UNION ALL
SELECT passage_id AS key_id, 'passage' AS kind, lang, text, NULL AS detail, doc_id, source_path, title FROM passages;

-- The text BM25 indexes (fts needs a table); filled at load.
CREATE TABLE search_text (
    key_id VARCHAR PRIMARY KEY,
    text   VARCHAR NOT NULL
);
