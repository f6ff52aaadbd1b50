-- 016: search_units (015) joined a sentence's paragraph with the unit's kind in the join condition
-- (ON u.kind = 'sentence' AND ...): DuckDB cannot hash a LEFT JOIN on a condition of the left side alone,
-- and joined every unit with every block (BLOCKWISE_NL_JOIN): 242 s to read the view of a 10,000-article
-- store. The block's key is the join's only condition now, NULL for a unit that is not a sentence, which
-- so matches no block (a hash join: 0.1 s). Same columns, same rows.
CREATE OR REPLACE VIEW search_units AS
SELECT u.key_id, u.kind, u.lang, u.text, CASE WHEN u.kind = 'sentence' THEN b.text ELSE u.detail END AS detail,
       u.doc_id, u.source_path, u.title, u.start_char, u.end_char, u.block_idx
FROM search_unit u
LEFT JOIN block b ON b.doc_id = u.doc_id AND b.block_idx = CASE WHEN u.kind = 'sentence' THEN u.block_idx END;
