-- Outbox rows stay uncompressed in the table up to a page (issue 12 §2). A token exchange's
-- decision event is ~1.9 kB, which with its other columns crosses Postgres's 2 kB TOAST threshold,
-- so every such row was compressed with pglz on insert: a third of the group commit's Postgres
-- instructions (bench/README.md, "Events as two texts, rows kept inline"). Rows up to 8160 bytes
-- (the highest target Postgres allows, about one page) are now stored as written; larger ones are
-- compressed and moved out of line as before. Storage only: `event` keeps its type and its bytes.
-- The price is disk: an uncompressed row is larger (measured in the same section).
ALTER TABLE outbox SET (toast_tuple_target = 8160);
