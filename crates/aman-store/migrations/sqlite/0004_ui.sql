-- Web UI (issue 7): indexes for the dashboard's and the map's aggregates, so counting
-- incidents by type, area and location reads a narrow index instead of every row.
-- Paired with ../postgres/0004_ui.sql. (0003 is reserved for another change.)
CREATE INDEX incidents_ui_mask ON incidents(event_mask);
CREATE INDEX incidents_ui_admin1 ON incidents(admin1_code, admin1_name);
CREATE INDEX incidents_ui_admin2 ON incidents(admin2_code, admin2_name);
CREATE INDEX incidents_ui_point ON incidents(latitude, longitude);
