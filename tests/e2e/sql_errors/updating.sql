-- expect: 12:59: error: an updating result into connector 'kafka' is not supported by this version of flowc (write it to 'upsert-kafka' or 'jdbc' with a PRIMARY KEY, or to 'print' or 'filesystem')
-- expect: 13:58: error: an updating result upserts into table 'pg' on its PRIMARY KEY: declare PRIMARY KEY (...) NOT ENFORCED of the GROUP BY columns
-- expect: 14:58: error: 'an updating result (GROUP BY without a window) in a view or in a subquery other than FROM's of a GROUP BY' is not supported by this version of flowc (flowc writes an updating result to a sink, ranks it with ROW_NUMBER (Top-N), or aggregates it: INSERT INTO t SELECT ... GROUP BY ...)
-- expect: 16:35: error: 'SELECT DISTINCT of an expression, an alias or *' is not supported by this version of flowc (name the columns; compute others in a view)
CREATE TABLE orders (id STRING NOT NULL, v BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'o.csv', 'format' = 'csv');
CREATE TABLE k (id STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
  'properties.bootstrap.servers' = 'b:9092', 'format' = 'json');
CREATE TABLE pg (id STRING, n BIGINT, PRIMARY KEY (n) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = 'jdbc:postgresql://db/x', 'table-name' = 'pg');
CREATE TABLE p (id STRING, n BIGINT) WITH ('connector' = 'print');
INSERT INTO k SELECT id, COUNT(*) FROM orders WHERE v > 0 GROUP BY id;
INSERT INTO pg SELECT id, SUM(v) FROM orders WHERE v > 0 GROUP BY id;
CREATE VIEW per_id AS SELECT id, SUM(v) AS n FROM orders GROUP BY id;
INSERT INTO p SELECT id, n FROM per_id;
INSERT INTO p SELECT DISTINCT id, v + 1 FROM orders;
