-- 011: the text tier of search. Besides items and passages, search ranks every heading
-- (its context: the section it opens) and every sentence of a body block (its context:
-- the paragraph, shown as detail), so an answer no extractor kept is still found.
-- Key ids: "<doc_id>:h<block_idx>" for headings, "<doc_id>:s<sent_idx>" for sentences.

CREATE OR REPLACE VIEW search_units AS
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
