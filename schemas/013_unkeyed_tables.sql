-- 013: the large tables without primary keys. DuckDB writes a table's whole ART index again at
-- every checkpoint that follows a change to the table, so with keys on sentence, block, item,
-- search_text, hubness and cluster_member an edit of 20 articles in a 10,000-article store spent
-- seconds of its load re-serialising indexes of up to 1.2 million keys (search_text's checkpoint
-- alone: 1.0 CPU s with its key, 0.04 without). The load keeps the keys unique (it deletes a
-- document's rows before it inserts them; the corpus tables are replaced whole), and lookups by
-- key read these columns fast enough without an index. The per-document tables (doc_source,
-- doc_language, doc_clean, store_doc: one row per document) keep theirs.
CREATE TABLE sentence_013 AS SELECT * FROM sentence;
DROP TABLE sentence;
ALTER TABLE sentence_013 RENAME TO sentence;
CREATE TABLE block_013 AS SELECT * FROM block;
DROP TABLE block;
ALTER TABLE block_013 RENAME TO block;
CREATE TABLE item_013 AS SELECT * FROM item;
DROP TABLE item;
ALTER TABLE item_013 RENAME TO item;
CREATE TABLE search_text_013 AS SELECT * FROM search_text;
DROP TABLE search_text;
ALTER TABLE search_text_013 RENAME TO search_text;
CREATE TABLE hubness_013 AS SELECT * FROM hubness;
DROP TABLE hubness;
ALTER TABLE hubness_013 RENAME TO hubness;
CREATE TABLE cluster_member_013 AS SELECT * FROM cluster_member;
DROP TABLE cluster_member;
ALTER TABLE cluster_member_013 RENAME TO cluster_member;
