-- Imports (issue 2): lists no longer read reports through these three indexes. Their
-- date and area filters go through the narrow list index (0006), which `list_reports`
-- names with INDEXED BY; a list that also filters by incident or incident status starts
-- from `reports_incident` (EXPLAIN QUERY PLAN); incidents keep their own date and area
-- indexes. Each of the three still cost a B-tree insert per imported report, the
-- one on event_start in random order. Paired with ../postgres/0010_unused_report_indexes.sql.
DROP INDEX reports_start;
DROP INDEX reports_admin1;
DROP INDEX reports_admin2;
