-- 006: hubness of every embedded row per model (pipeline/stages/hubness.py): the mean
-- similarity to its nearest items in the other languages. Search subtracts half of it
-- from the query similarity (CSLS), so texts that sit close to everything stop
-- crowding the top of every ranking.

CREATE TABLE hubness (
    key_id   VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    hubness  FLOAT NOT NULL,
    PRIMARY KEY (key_id, model_id)
);
