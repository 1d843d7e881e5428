-- Regular joins (docs/sql.md, "Joins"): a JOIN ... ON without a time bound is Flow's
-- regular join. An inner join of two tables is an append result (Nexmark q3's
-- auctions with their seller); a LEFT JOIN a changelog, written with its row
-- kind: an auction alone (+I, null name), retracted (-D) when its seller comes.
-- The inner join's conditions on one side go before the join (each side's
-- state holds only what passes them); a condition on both stays after it.
CREATE TABLE auctions (id BIGINT NOT NULL, seller BIGINT NOT NULL, category INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'auctions.csv', 'format' = 'csv');
CREATE TABLE persons (id BIGINT NOT NULL, name STRING, city STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'persons.csv', 'format' = 'csv');
CREATE TABLE sellers (auction BIGINT, name STRING, city STRING) WITH ('connector' = 'print');
INSERT INTO sellers
SELECT a.id, p.name, p.city FROM auctions AS a JOIN persons AS p ON a.seller = p.id
WHERE a.category = 10 AND p.city <> 'z' AND a.id + p.id > 0;
CREATE TABLE all_auctions (auction BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'left.csv', 'format' = 'csv');
INSERT INTO all_auctions
SELECT a.id, p.name FROM auctions AS a LEFT JOIN persons AS p ON a.seller = p.id;
