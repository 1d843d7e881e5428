-- expect: 9:26: error: 'max' of a changelog: it cannot take back the value of a row that an update replaces (count, sum and avg can)
-- expect: 10:75: error: an aggregate of a changelog is keyed by its row key fields only, not by 'n': a row could move between keys
-- A GROUP BY of an updating subquery aggregates its changelog (docs/sql.md, "Updating
-- results"): it takes back each replaced row, which a MAX cannot, and groups by the
-- subquery's GROUP BY columns only (n, a SUM, would move an id's row between groups).
CREATE TABLE orders (id STRING NOT NULL, v BIGINT NOT NULL, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'o.csv', 'format' = 'csv');
CREATE TABLE p2 (a BIGINT, b BIGINT) WITH ('connector' = 'print');
INSERT INTO p2 SELECT n, MAX(c)
FROM (SELECT id, COUNT(*) AS c, SUM(v) AS n FROM orders GROUP BY id) AS t GROUP BY n;
CREATE TABLE p3 (id STRING, b BIGINT) WITH ('connector' = 'print');
INSERT INTO p3 SELECT id, SUM(c) FROM (SELECT id, COUNT(*) AS c FROM orders GROUP BY id) AS t
GROUP BY id;
