-- expect: 23:106: error: 'NULLS FIRST/LAST' is not supported by this version of flowc (the order of Top-N cannot be null)
-- expect: 18:133: error: 'this filter of ROW_NUMBER' is not supported by this version of flowc (Top-N is SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM ...) WHERE rn <= N (or < N, = 1), with nothing else in the WHERE)
-- expect: 19:138: error: 'this filter of ROW_NUMBER' is not supported by this version of flowc (Top-N is SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM ...) WHERE rn <= N (or < N, = 1), with nothing else in the WHERE)
-- expect: 20:35: error: 'ROW_NUMBER() OVER (...) here' is not supported by this version of flowc (it is compiled as Top-N: SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) AS rn FROM t) WHERE rn <= N)
-- expect: 21:54: error: an updating Top-N upserts into table 'k' on its PRIMARY KEY: declare PRIMARY KEY (...) NOT ENFORCED of the PARTITION BY columns and rn, or write to 'print' or 'filesystem'
-- expect: 22:100: error: 'ORDER BY a processing time DESC (the last row)' is not supported by this version of flowc (order by the event-time column DESC)
-- expect: 24:86: error: 'PARTITION BY an expression' is not supported by this version of flowc (partition by columns; compute others in a view)
-- expect: 25:86: error: 'a Top-N of a window aggregate not partitioned by its window' is not supported by this version of flowc (PARTITION BY window_start, window_end (and columns): the window Top-N)
-- expect: 26:133: error: 'this filter of ROW_NUMBER' is not supported by this version of flowc (Top-N is SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM ...) WHERE rn <= N (or < N, = 1), with nothing else in the WHERE)
-- expect: 27:53: error: ROW_NUMBER() needs a name: write ... AS rownum
-- Top-N through ROW_NUMBER (docs/sql.md, "Top-N and deduplication"): the filters,
-- places, sinks, orders and partitions flowc does not compile, each named.
CREATE TABLE bids (item STRING NOT NULL, price BIGINT NOT NULL, ts TIMESTAMP(3), pt AS PROCTIME(),
  WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'b.csv', 'format' = 'csv');
CREATE TABLE p (item STRING, price BIGINT, rn BIGINT) WITH ('connector' = 'print');
CREATE TABLE k (item STRING, price BIGINT, rn BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
  'properties.bootstrap.servers' = 'b:9092', 'format' = 'json');
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) AS rn FROM bids) WHERE rn > 3;
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) AS rn FROM bids) WHERE rn <= 3 AND price > 1;
INSERT INTO p SELECT item, price, ROW_NUMBER() OVER (ORDER BY price) AS rn FROM bids;
INSERT INTO k SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) AS rn FROM bids) WHERE rn <= 3;
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY pt DESC) AS rn FROM bids) WHERE rn = 1;
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price NULLS FIRST) AS rn FROM bids) WHERE rn = 1;
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY UPPER(item) ORDER BY price) AS rn FROM bids) WHERE rn = 1;
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY price) AS rn FROM (SELECT window_start, window_end, item, SUM(price) AS price FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, item)) WHERE rn = 1;
INSERT INTO p SELECT item, price, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) AS rn FROM bids) WHERE rn <= 0;
INSERT INTO p SELECT item, price, r FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) FROM bids) WHERE rn <= 2;
