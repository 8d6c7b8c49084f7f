-- Reports (issue 2): a report's JSON named `received_at` twice, once from the stored
-- input (null when the source gave none) and once from the row's own column, which is
-- the one that counts. The store now keeps it only in the column; this removes it from
-- the inputs stored before. Paired with ../sqlite/0011_received_at_once.sql.
UPDATE reports SET input_json = (input_json::jsonb - 'received_at')::text
WHERE input_json LIKE '%"received_at":%';
