-- 004: item vectors of the auxiliary model (multilingual USE, {aux_dim} dims), a second ranking
-- that search fuses with the main model's by reciprocal rank.

CREATE TABLE embedding_aux (
    key_id    VARCHAR NOT NULL,
    key_kind  VARCHAR NOT NULL,
    doc_id    VARCHAR NOT NULL,
    model_id  VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    dim       INTEGER NOT NULL,
    vector    FLOAT[{aux_dim}] NOT NULL
);
