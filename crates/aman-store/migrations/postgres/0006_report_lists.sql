-- Report lists (issue 2): one narrow index in id order holding every column the list
-- filters compare, so a newest-first page reads index entries (tens of bytes) until it
-- has its rows, whatever the mix of date, type, area and box. It replaces the
-- (latitude, longitude) index, which the planner preferred for a box and then sorted
-- most of the table. Appending is cheap: new ids go at the index's right edge.
-- Paired with ../sqlite/0006_report_lists.sql. (Numbered 0006: 0005 may be taken by
-- another change.)
DROP INDEX reports_lat_lon;
CREATE INDEX reports_list ON reports(
    id, event_end, event_start, event_mask, latitude, longitude,
    admin1_code, admin2_code, source_id, place_status
);
