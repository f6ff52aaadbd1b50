-- 010: advice clusters (pipeline/stages/cluster.py): items of one kind, from different
-- documents and often in different languages, that say the same thing. One row per
-- clustered item; items in no cluster have no row. Replaced as a whole (a corpus-wide table)
-- when the cluster stage's key changes: its items, vectors, hubness or code.

CREATE TABLE cluster_member (
    cluster_id VARCHAR NOT NULL,     -- "c" + hash of the sorted member item_ids
    item_id    VARCHAR PRIMARY KEY,
    similarity FLOAT NOT NULL        -- the item's mean CSLS score to the other members
);

CREATE VIEW clusters AS SELECT cluster_id, item_id, similarity FROM cluster_member;

-- One row per cluster; the representative is the member closest to the others.
CREATE VIEW cluster_summary AS
SELECT c.cluster_id,
       count(*) AS size,
       count(DISTINCT i.lang) AS n_languages,
       list(DISTINCT i.lang ORDER BY i.lang) AS languages,
       list(DISTINCT i.kind ORDER BY i.kind) AS kinds,
       count(DISTINCT i.doc_id) AS documents,
       arg_max(i.text, c.similarity) AS representative_text,
       arg_max(i.item_id, c.similarity) AS representative_item_id
FROM cluster_member c JOIN item i USING (item_id)
GROUP BY c.cluster_id;
