-- 015: a sentence's detail (its paragraph) is read from block, not copied into the row of every
-- sentence of the paragraph. The copies stored a paragraph of S sentences and L characters S x L
-- times: an article of one 1,000,000-character paragraph made a 1 GB store file, and at 1,000 bench
-- articles they were 21 MB of text (stored uncompressed, see store.connect_new) beside 11 MB of
-- articles. The load keeps the table search_unit (what search ranks and filters, sentences' detail
-- NULL); search_units, the public view, joins the paragraph back. The table is created under its own
-- name, not renamed (see 014).
CREATE OR REPLACE VIEW search_unit_source AS
SELECT item_id AS key_id, kind, lang, text, detail, doc_id, source_path, title, start_char, end_char, block_idx
FROM items
UNION ALL
SELECT b.doc_id || ':h' || b.block_idx AS key_id, 'heading' AS kind, l.lang, b.text, NULL AS detail, b.doc_id,
       s.source_path, s.title, b.start_char, b.end_char, b.block_idx
FROM block b JOIN doc_language l USING (doc_id) JOIN doc_source s USING (doc_id)
WHERE b.kind = 'heading'
UNION ALL
SELECT t.doc_id || ':s' || t.sent_idx AS key_id, 'sentence' AS kind, l.lang, t.text, NULL AS detail, t.doc_id,
       s.source_path, s.title, t.start_char, t.end_char, t.block_idx
FROM sentence t JOIN block b USING (doc_id, block_idx) JOIN doc_language l USING (doc_id)
JOIN doc_source s USING (doc_id)
WHERE b.kind IN ('paragraph', 'list_item', 'quote')
UNION ALL
SELECT passage_id AS key_id, 'passage' AS kind, lang, text, NULL AS detail, doc_id, source_path, title,
       start_char, end_char, block_idx
FROM passages;

CREATE TABLE search_unit (
    key_id      VARCHAR,
    kind        VARCHAR,
    lang        VARCHAR,
    text        VARCHAR,
    detail      VARCHAR,   -- NULL for sentences: their paragraph is block.text
    doc_id      VARCHAR,
    source_path VARCHAR,
    title       VARCHAR,
    start_char  INTEGER,
    end_char    INTEGER,
    block_idx   INTEGER
);
INSERT INTO search_unit
SELECT key_id, kind, lang, text, CASE WHEN kind = 'sentence' THEN NULL ELSE detail END, doc_id, source_path, title,
       start_char, end_char, block_idx
FROM search_units;
DROP TABLE search_units;

CREATE VIEW search_units AS
SELECT u.key_id, u.kind, u.lang, u.text, CASE WHEN u.kind = 'sentence' THEN b.text ELSE u.detail END AS detail,
       u.doc_id, u.source_path, u.title, u.start_char, u.end_char, u.block_idx
FROM search_unit u LEFT JOIN block b ON u.kind = 'sentence' AND b.doc_id = u.doc_id AND b.block_idx = u.block_idx;
