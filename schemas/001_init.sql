-- 001: documents, their language, de-noising, structure and rejections.
-- Base tables are singular; the public views (plural) are the contract, documented in README.md.

CREATE TABLE doc_source (
    doc_id        VARCHAR PRIMARY KEY,
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
    url           VARCHAR,
    lang_hint     VARCHAR
);

CREATE TABLE doc_language (
    doc_id     VARCHAR PRIMARY KEY,
    lang       VARCHAR NOT NULL,      -- id | pl | nl
    lang_score FLOAT
);

CREATE TABLE doc_clean (
    doc_id     VARCHAR PRIMARY KEY,
    clean_text VARCHAR NOT NULL,
    author_bio VARCHAR
);

CREATE TABLE removed_span (
    doc_id     VARCHAR NOT NULL,
    start_char INTEGER NOT NULL,
    end_char   INTEGER NOT NULL,
    text       VARCHAR NOT NULL,      -- = raw_text[start_char:end_char]
    rule       VARCHAR NOT NULL
);

CREATE TABLE block (
    doc_id     VARCHAR NOT NULL,
    block_idx  INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,      -- heading | paragraph | list_item | quote
    level      INTEGER,
    parent_idx INTEGER,
    marker     VARCHAR,
    number     INTEGER,
    start_char INTEGER NOT NULL,
    end_char   INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, block_idx)
);

CREATE TABLE sentence (
    doc_id     VARCHAR NOT NULL,
    sent_idx   INTEGER NOT NULL,
    block_idx  INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char   INTEGER NOT NULL,
    text       VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, sent_idx)
);

CREATE TABLE rejection (
    doc_id        VARCHAR,
    source_path   VARCHAR NOT NULL,
    stage         VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    detected_lang VARCHAR
);

CREATE TABLE stage_run (
    stage     VARCHAR NOT NULL,
    processed INTEGER,
    skipped   INTEGER,
    removed   INTEGER,
    rows      BIGINT,
    seconds   DOUBLE
);

CREATE VIEW documents AS
SELECT s.doc_id, s.source_path, l.lang, s.title, c.clean_text, s.raw_text,
       s.author, s.published, s.category, s.url, c.author_bio,
       s.source_format, s.encoding, s.content_hash, l.lang_score, s.source_html
FROM doc_source s
JOIN doc_language l USING (doc_id)
JOIN doc_clean c USING (doc_id);

CREATE VIEW removed_spans AS SELECT doc_id, start_char, end_char, text, rule FROM removed_span;
CREATE VIEW blocks AS SELECT * FROM block;
CREATE VIEW sentences AS SELECT * FROM sentence;
CREATE VIEW rejected AS SELECT source_path, reason, stage, detected_lang, doc_id FROM rejection;
