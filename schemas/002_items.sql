-- 002: extracted items (myths, tips, statistics, cited examples) and one view per kind.

CREATE TABLE item (
    item_id       VARCHAR PRIMARY KEY,
    doc_id        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,   -- myth | tip | statistic | example
    lang          VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    detail        VARCHAR,
    start_char    INTEGER NOT NULL,   -- raw_text[start_char:end_char] holds text
    end_char      INTEGER NOT NULL,
    block_idx     INTEGER,
    extractor     VARCHAR NOT NULL,
    rebuttal      VARCHAR,
    value         DOUBLE,
    unit          VARCHAR,
    currency      VARCHAR,
    source        VARCHAR,
    year          INTEGER,
    quantity_text VARCHAR,
    entity        VARCHAR,
    entity_type   VARCHAR,
    role          VARCHAR
);

CREATE VIEW items AS
SELECT i.*, d.source_path, d.title
FROM item i JOIN doc_source d USING (doc_id);

CREATE VIEW myths AS
SELECT item_id, doc_id, lang, text, rebuttal, detail, start_char, end_char, extractor, source_path, title
FROM items WHERE kind = 'myth';

CREATE VIEW tips AS
SELECT item_id, doc_id, lang, text, detail, start_char, end_char, extractor, source_path, title
FROM items WHERE kind = 'tip';

CREATE VIEW statistics AS
SELECT item_id, doc_id, lang, text, value, unit, currency, source, year, quantity_text,
       start_char, end_char, extractor, source_path, title
FROM items WHERE kind = 'statistic';

CREATE VIEW examples AS
SELECT item_id, doc_id, lang, entity, entity_type, role, text, start_char, end_char, extractor,
       source_path, title
FROM items WHERE kind = 'example';
