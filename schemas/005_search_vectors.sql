-- 005: search vectors. Dense search ranks by the inner product of the query with
-- search_vector, the mean of an item's own vector and its context's (the body of the
-- section a heading item opens, or the paragraph a sentence item sits in); for passages
-- it is the vector itself. The auxiliary model now embeds passages as well as items.

ALTER TABLE embedding ADD COLUMN search_vector FLOAT[{dim}];
ALTER TABLE embedding_aux ADD COLUMN search_vector FLOAT[{aux_dim}];

CREATE OR REPLACE VIEW embeddings AS
SELECT key_id, key_kind, doc_id, model_id, dim, vector, search_vector FROM embedding;
