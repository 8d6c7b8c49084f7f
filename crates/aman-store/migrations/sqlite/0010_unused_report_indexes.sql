-- Imports (issue 2): no SQLite query reads reports through these three indexes any more.
-- Lists filter dates and areas through the narrow list index (0006), which
-- `list_reports` names with INDEXED BY; incidents keep their own date and area indexes.
-- Each of them still cost a B-tree insert per imported report, the one on event_start
-- in random order. Paired with ../postgres/0010_unused_report_indexes.sql.
DROP INDEX reports_start;
DROP INDEX reports_admin1;
DROP INDEX reports_admin2;
