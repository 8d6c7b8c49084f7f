-- Report lists (issue 2): a box filter that matches few reports must not walk the whole
-- id-ordered list index to find that out. Each located report falls in one grid cell of
-- 0.1° × 0.1° (row-major, 3601 cells per row of latitude); this index finds the reports
-- of a box's cells without reading any other. Inserts land at the right edge of their
-- cell's run (ids grow), so an import touches few pages. The expression must stay
-- identical to `Dialect::grid_cell` (src/postgres.rs). Paired with
-- ../sqlite/0007_report_cells.sql.
CREATE INDEX reports_cell ON reports(
    (floor((latitude + 90) * 10)::bigint * 3601 + floor((longitude + 180) * 10)::bigint), id
);
-- The planner weighs a box's cells against a newest-first walk from this index's
-- statistics; gather them now rather than at the next automatic analyse.
ANALYZE reports;
