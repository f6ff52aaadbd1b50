-- 014: the per-document tables without primary keys, as 013 did for the large ones. DuckDB rewrites
-- the whole row group a row is appended to at the next checkpoint when the table has a key (its
-- column data, not only the index): every edit of a 10,000-article store wrote doc_source's and
-- doc_clean's only row group again (every raw and clean text, 180 MB) to add a few documents;
-- without the key it writes the new rows. The load keeps doc_id unique (it deletes a document's
-- rows before it inserts them). Each table is created under its own name (not created and renamed:
-- see store.py on DuckDB 1.5 and renamed tables), its rows copied from the old one.
ALTER TABLE doc_source RENAME TO doc_source_013;
CREATE TABLE doc_source (
    doc_id        VARCHAR NOT NULL,
    source_path   VARCHAR NOT NULL,   -- relative to the corpus root; "file.jsonl#L3" for JSONL lines
    content_hash  VARCHAR NOT NULL,   -- sha256 of the source file
    source_format VARCHAR NOT NULL,   -- text | markdown | html | jsonl
    encoding      VARCHAR,
    raw_text      VARCHAR NOT NULL,   -- every offset in the store points into this text
    source_html   VARCHAR,            -- the markup of HTML sources (raw_text is their main text)
    title         VARCHAR,
    author        VARCHAR,
    published     VARCHAR,
    category      VARCHAR,
    url           VARCHAR
);
INSERT INTO doc_source SELECT * FROM doc_source_013;
DROP TABLE doc_source_013;

ALTER TABLE doc_language RENAME TO doc_language_013;
CREATE TABLE doc_language (
    doc_id     VARCHAR NOT NULL,
    lang       VARCHAR NOT NULL,      -- id | pl | nl
    lang_score FLOAT
);
INSERT INTO doc_language SELECT * FROM doc_language_013;
DROP TABLE doc_language_013;

ALTER TABLE doc_clean RENAME TO doc_clean_013;
CREATE TABLE doc_clean (
    doc_id     VARCHAR NOT NULL,
    clean_text VARCHAR NOT NULL,
    author_bio VARCHAR
);
INSERT INTO doc_clean SELECT * FROM doc_clean_013;
DROP TABLE doc_clean_013;

ALTER TABLE store_doc RENAME TO store_doc_013;
CREATE TABLE store_doc (
    doc_id   VARCHAR NOT NULL,
    load_key VARCHAR NOT NULL
);
INSERT INTO store_doc SELECT * FROM store_doc_013;
DROP TABLE store_doc_013;
