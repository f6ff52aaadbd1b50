-- 012: search_units is a table, kept by the load. As a view (011) every search paid for its
-- joins and key concatenations (about 8 ms a lookup and 5 ms a filter on the sample store, more
-- as the store grows); the load now replaces the rows of the documents it changes, in its
-- transaction. search_unit_source is 011's definition, which the load reads from.
CREATE OR REPLACE VIEW search_unit_source AS
SELECT item_id AS key_id, kind, lang, text, detail, doc_id, source_path, title, start_char, end_char, block_idx
FROM items
UNION ALL
SELECT b.doc_id || ':h' || b.block_idx AS key_id, 'heading' AS kind, l.lang, b.text, NULL AS detail, b.doc_id,
       s.source_path, s.title, b.start_char, b.end_char, b.block_idx
FROM block b JOIN doc_language l USING (doc_id) JOIN doc_source s USING (doc_id)
WHERE b.kind = 'heading'
UNION ALL
SELECT t.doc_id || ':s' || t.sent_idx AS key_id, 'sentence' AS kind, l.lang, t.text, b.text AS detail, t.doc_id,
       s.source_path, s.title, t.start_char, t.end_char, t.block_idx
FROM sentence t JOIN block b USING (doc_id, block_idx) JOIN doc_language l USING (doc_id)
JOIN doc_source s USING (doc_id)
WHERE b.kind IN ('paragraph', 'list_item', 'quote')
UNION ALL
SELECT passage_id AS key_id, 'passage' AS kind, lang, text, NULL AS detail, doc_id, source_path, title,
       start_char, end_char, block_idx
FROM passages;

DROP VIEW search_units;
CREATE TABLE search_units AS SELECT * FROM search_unit_source;
