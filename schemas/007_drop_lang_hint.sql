-- 007: doc_source.lang_hint goes: ingest kept a JSONL line's "lang" field there, but nothing
-- ever read it (the language is always detected), so the column only looked meaningful.

ALTER TABLE doc_source DROP COLUMN lang_hint;
