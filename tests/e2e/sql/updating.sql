-- Group aggregates without a window (docs/sql.md, "Updating results"): an
-- updating aggregate of Flow, one changelog row per change of a key's
-- result. `print` and `filesystem` sinks show the row kind as a first
-- column (+I, +U); SELECT DISTINCT is a GROUP BY of its columns, one +I per
-- distinct row. A GROUP BY of more than one column, and a COUNT(DISTINCT).
CREATE TABLE orders (
  ts TIMESTAMP(3),
  id STRING NOT NULL,
  region STRING NOT NULL,
  v INT,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'in.csv', 'format' = 'csv');

CREATE TABLE totals (id STRING, total BIGINT, hi INT, n BIGINT) WITH ('connector' = 'print');

INSERT INTO totals SELECT id, SUM(v), MAX(v), COUNT(*) FROM orders GROUP BY id;

CREATE TABLE regions (region STRING, id STRING) WITH (
  'connector' = 'filesystem', 'path' = 'regions.csv', 'format' = 'csv');

INSERT INTO regions SELECT DISTINCT region, id FROM orders;

CREATE TABLE per_region (region STRING, ids BIGINT, total BIGINT) WITH (
  'connector' = 'filesystem', 'path' = 'per_region.csv', 'format' = 'csv');

INSERT INTO per_region
SELECT region, COUNT(DISTINCT id), SUM(v) * 2 FROM orders WHERE v >= 0 GROUP BY region;
