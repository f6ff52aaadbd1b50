-- 008: the generation token of the store's contents, which the vector index beside the store
-- (<store>.index/<generation>/, pipeline/index.py) is built for. Each load writes a new one in
-- its transaction, after writing the index generation for it: a run that dies before the commit
-- leaves the old store with its old index, and a store whose index is missing or does not match
-- is detected (and the index rebuilt from the store).

CREATE TABLE vector_index_state (
    generation VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT current_timestamp
);
