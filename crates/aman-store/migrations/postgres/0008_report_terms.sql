-- Report lists (issue 2): full text in id order. A page with search words is newest
-- first and stops after `limit` matches, but a GIN index yields its matches in no
-- order, so PostgreSQL walked the reports backwards and tested every row's words: about
-- 2,300 rows for one page of the main list query. `report_terms` holds one row per word
-- of a report, the lexemes of its `search` column (the tokenisation that `@@` matches
-- against), so the postings of one search word can be walked newest first and each
-- report's row read only when it holds that word. The list query still tests `search`
-- against the whole query, so its results do not depend on this table beyond the word
-- that drives the walk. It replaces the GIN index, which lists no longer use.
-- Paired with ../sqlite/0008_report_terms.sql.
DROP INDEX reports_search;
CREATE TABLE report_terms (
    term      TEXT NOT NULL,
    report_id BIGINT NOT NULL,
    PRIMARY KEY (term, report_id)
);
-- A page reads a few hundred postings; the planner, not knowing which word drives the
-- walk, chose a parallel scan whose worker start-up alone took about 20 ms.
ALTER TABLE report_terms SET (parallel_workers = 0);
-- Filled in the transaction that inserts the reports, whatever the statement (a
-- multi-row INSERT from an import, COPY from a restore): once per statement, from its
-- new rows. Reports' words are never updated.
CREATE FUNCTION report_terms_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_terms (term, report_id)
    SELECT t.term, n.id FROM new_reports n, unnest(tsvector_to_array(n.search)) AS t(term);
    RETURN NULL;
END
$$;
CREATE TRIGGER reports_terms AFTER INSERT ON reports
    REFERENCING NEW TABLE AS new_reports
    FOR EACH STATEMENT EXECUTE FUNCTION report_terms_add();
INSERT INTO report_terms (term, report_id)
SELECT t.term, r.id FROM reports r, unnest(tsvector_to_array(r.search)) AS t(term);
ANALYZE report_terms;
