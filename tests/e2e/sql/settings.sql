-- SET (docs/sql.md, "SET"): 'table.exec.state.ttl' gives the updating
-- aggregates and regular joins of the INSERTs after it a `ttl` (Flink's
-- state TTL: a key whose latest record is older goes, without a row, and
-- starts again with +I). The twin is settings.flow.

CREATE TABLE orders (
  ts TIMESTAMP(3),
  id STRING NOT NULL,
  v INT NOT NULL,
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'filesystem', 'path' = 'in.csv', 'format' = 'csv');

CREATE TABLE kept (id STRING, total BIGINT, n BIGINT) WITH ('connector' = 'print');

CREATE TABLE expiring (id STRING, total BIGINT, n BIGINT) WITH (
  'connector' = 'filesystem', 'path' = 'expiring.csv', 'format' = 'csv');

INSERT INTO kept SELECT id, SUM(v), COUNT(*) FROM orders GROUP BY id;

SET 'table.exec.state.ttl' = '10 s';

INSERT INTO expiring SELECT id, SUM(v), COUNT(*) FROM orders GROUP BY id;
