-- Imports (issue 2): FTS5 keeps the words of reports not yet written to its index in
-- memory and writes them out as a new segment whenever they pass 1 MB, so a million-row
-- import wrote about eighty small segments and spent a tenth of its time merging them.
-- 32 MB of pending words makes a few large segments; single reports are written at the
-- end of their statement as before. The setting is stored in `reports_fts_config`.
-- Paired with ../postgres/0009_fts_pending_terms.sql.
INSERT INTO reports_fts(reports_fts, rank) VALUES ('hashsize', 33554432);
