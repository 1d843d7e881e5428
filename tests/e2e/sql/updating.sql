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

-- A GROUP BY of an updating subquery is an aggregate of its changelog (docs/sql.md,
-- "Updating results"): each id's row, replaced by its next, is taken back from its
-- region's average and count (c's null maximum counts for COUNT(*), not for AVG). The
-- subquery's rows keep its GROUP BY columns, the changelog's row key, though its
-- SELECT leaves id out.
CREATE TABLE per_region_hi (region STRING, mean_hi DOUBLE, ids BIGINT) WITH (
  'connector' = 'filesystem', 'path' = 'per_region_hi.csv', 'format' = 'csv');

INSERT INTO per_region_hi
SELECT region, AVG(hi), COUNT(*)
FROM (SELECT region, MAX(v) AS hi FROM orders GROUP BY id, region) AS t
GROUP BY region;

-- A GROUP BY of a join groups a view of the join, whose columns are those the grouping
-- reads: o.id and l.id both, as o_id and l_id.
CREATE TABLE limits (
  ts TIMESTAMP(3), id STRING NOT NULL, cap INT NOT NULL,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'limits.csv', 'format' = 'csv');

CREATE TABLE over_cap (id STRING, lid STRING, excess INT, n BIGINT) WITH (
  'connector' = 'filesystem', 'path' = 'over_cap.csv', 'format' = 'csv');

INSERT INTO over_cap
SELECT o.id, l.id, MAX(o.v - l.cap), COUNT(*)
FROM orders AS o JOIN limits AS l ON o.id = l.id
WHERE o.v > l.cap
GROUP BY o.id, l.id;
