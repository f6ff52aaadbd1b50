-- 009: what the store holds, so a run updates it in place: each document's load key (the
-- skip keys of the stage rows loaded for it) and the keys of the corpus-wide tables.

CREATE TABLE store_doc (
    doc_id   VARCHAR PRIMARY KEY,
    load_key VARCHAR NOT NULL
);

CREATE TABLE store_state (
    name  VARCHAR PRIMARY KEY,   -- hubness | rejected | embed
    value VARCHAR
);
