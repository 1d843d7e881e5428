-- expect: 26:41: error: 'OVER' is not supported by this version of flowc (aggregates over a range of rows; ROW_NUMBER() OVER in the Top-N pattern is compiled (docs/sql.md))
-- expect: 27:43: error: 'ORDER BY' is not supported by this version of flowc (a stream has no order to sort by but its time)
-- expect: 33:44: error: 'type DATE' is not supported by this version of flowc (docs/sql.md lists the types flowc maps)
-- expect: 20:9: error: option 'source.monitor-interval' of connector 'filesystem' as a source is not supported by this version of flowc (docs/sql.md lists the options flowc honours)
-- expect: 24:70: error: option 'print-identifier' of connector 'print' as a sink is not supported by this version of flowc (docs/sql.md lists the options flowc honours)
-- expect: 28:62: error: 'HAVING of a GROUP BY without a window' is not supported by this version of flowc (a row that stops passing HAVING needs a retraction (-D), which flowc's upsert changelog has none of)
-- expect: 31:38: error: 'GROUP BY window_time' is not supported by this version of flowc (window_start, window_end)
-- expect: 23:14: error: format 'avro' is not supported by this version of flowc (formats 'csv' and 'json')
-- expect: 34:54: error: 'function NOW' is not supported by this version of flowc (docs/sql.md lists the functions flowc has)
-- expect: 39:28: error: an interval join whose bounds leave out the other side's time is not supported by this version of flowc (flowc's interval join pairs a record with those from D1 before it to D2 after it: BETWEEN b.ts - INTERVAL 'D1' AND b.ts + INTERVAL 'D2')
-- expect: 41:55: error: table 'ship' is both looked up (FOR SYSTEM_TIME AS OF) and read as a stream: declare two tables
-- expect: 43:13: error: leaving column 'id' out of INSERT INTO out2 (...) is not supported by this version of flowc (flowc has no NULL to write into it: list every column)
-- expect: 44:22: error: unknown column 'idd' (did you mean 'id'?)
-- expect: 45:63: error: 'a regular LEFT JOIN in a view or subquery' is not supported by this version of flowc (its result retracts rows (-D, -U): write it to 'print' or 'filesystem', which show the row kind, or bound the times with BETWEEN)
-- expect: 21:30: error: connector 'nexmark' needs the option 'kind'
CREATE TABLE orders (
  id BIGINT NOT NULL, customer STRING NOT NULL, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv',
        'source.monitor-interval' = '10 s');
CREATE TABLE gen (id BIGINT) WITH ('connector' = 'nexmark');
CREATE TABLE out1 (id BIGINT, n BIGINT) WITH ('connector' = 'filesystem', 'path' = 'o.avro',
  'format' = 'avro');
CREATE TABLE out2 (id BIGINT, n BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'x');
INSERT INTO out2 SELECT o.id, c.id FROM orders o JOIN orders c ON o.id = c.id;
INSERT INTO out2 SELECT id, SUM(amount) OVER (PARTITION BY id ORDER BY ts) FROM orders;
INSERT INTO out2 SELECT id, 1 FROM orders ORDER BY ts;
INSERT INTO out2 SELECT id, COUNT(*) FROM orders GROUP BY id HAVING COUNT(*) > 1;
INSERT INTO out2 SELECT COUNT(*), COUNT(*) FROM TABLE(
  CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))
  GROUP BY window_start, window_end, window_time;
INSERT INTO out1 SELECT id, 1 FROM orders;
INSERT INTO out2 SELECT id, CAST(amount AS DATE) FROM orders;
INSERT INTO out2 SELECT id, 2 FROM orders WHERE ts > NOW();
CREATE TABLE ship (id BIGINT NOT NULL, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'ship.csv', 'format' = 'csv');
INSERT INTO out2 SELECT o.id, s.id FROM orders o, ship s
WHERE o.id = s.id AND s.ts BETWEEN o.ts + INTERVAL '1' MINUTE AND o.ts + INTERVAL '1' HOUR;
INSERT INTO out2 SELECT o.id, s.id FROM orders o LEFT JOIN ship s ON o.id = s.id;
INSERT INTO out2 SELECT o.id, s.id FROM orders o JOIN ship FOR SYSTEM_TIME AS OF o.ts AS s
ON o.id = s.id;
INSERT INTO out2 (n) SELECT 1 FROM orders;
INSERT INTO out2 (n, idd) SELECT 1, 2 FROM orders;
CREATE VIEW shipped AS SELECT o.id, s.id AS sid FROM orders o LEFT JOIN orders s ON o.id = s.id;
INSERT INTO out2 SELECT id, sid FROM shipped;
