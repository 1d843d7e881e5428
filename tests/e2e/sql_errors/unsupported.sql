-- expect: 27:42: error: 'OVER' is not supported by this version of flowc (OVER windows; deduplication and Top-N are listed in docs/sql.md)
-- expect: 28:43: error: 'ORDER BY' is not supported by this version of flowc (a stream has no order to sort by but its time)
-- expect: 34:44: error: 'type DATE' is not supported by this version of flowc (docs/sql.md lists the types flowc maps)
-- expect: 21:9: error: option 'source.monitor-interval' of connector 'filesystem' as a source is not supported by this version of flowc (docs/sql.md lists the options flowc honours)
-- expect: 26:50: error: 'a regular join' is not supported by this version of flowc (its result updates; bound the times: AND b.ts BETWEEN a.ts - INTERVAL 'n' SECOND AND a.ts + INTERVAL 'n' SECOND)
-- expect: 29:62: error: 'HAVING of a GROUP BY without a window' is not supported by this version of flowc (a row that stops passing HAVING needs a retraction (-D), which flowc's upsert changelog has none of)
-- expect: 31:3: error: 'CUMULATE' is not supported by this version of flowc (flowc has no cumulating window; HOP with the same size gives each step's window whole)
-- expect: 24:14: error: format 'avro' is not supported by this version of flowc (formats 'csv' and 'json')
-- expect: 25:70: error: option 'print-identifier' of connector 'print' as a sink is not supported by this version of flowc (docs/sql.md lists the options flowc honours)
-- expect: 35:54: error: 'function NOW' is not supported by this version of flowc (docs/sql.md lists the functions flowc has)
-- expect: 40:28: error: an interval join with bounds that are not symmetric is not supported by this version of flowc (flowc's interval join pairs records at most D apart either way: BETWEEN b.ts - INTERVAL 'D' AND b.ts + INTERVAL 'D')
-- expect: 41:50: error: 'a regular join' is not supported by this version of flowc (its result updates; bound the times: AND b.ts BETWEEN a.ts - INTERVAL 'n' SECOND AND a.ts + INTERVAL 'n' SECOND)
-- expect: 42:55: error: table 'ship' is both looked up (FOR SYSTEM_TIME AS OF) and read as a stream: declare two tables
-- expect: 44:13: error: leaving column 'id' out of INSERT INTO out2 (...) is not supported by this version of flowc (flowc has no NULL to write into it: list every column)
-- expect: 45:22: error: unknown column 'idd' (did you mean 'id'?)
-- expect: 22:50: error: connector 'nexmark' is not supported by this version of flowc (flowc has no nexmark generator; read the events from files)
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
INSERT INTO out2 SELECT id, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts) FROM orders;
INSERT INTO out2 SELECT id, 1 FROM orders ORDER BY ts;
INSERT INTO out2 SELECT id, COUNT(*) FROM orders GROUP BY id HAVING COUNT(*) > 1;
INSERT INTO out2 SELECT id, COUNT(*) FROM TABLE(
  CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))
  GROUP BY window_start, window_end, id;
INSERT INTO out1 SELECT id, 1 FROM orders;
INSERT INTO out2 SELECT id, CAST(amount AS DATE) FROM orders;
INSERT INTO out2 SELECT id, 2 FROM orders WHERE ts > NOW();
CREATE TABLE ship (id BIGINT NOT NULL, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'ship.csv', 'format' = 'csv');
INSERT INTO out2 SELECT o.id, s.id FROM orders o, ship s
WHERE o.id = s.id AND s.ts BETWEEN o.ts AND o.ts + INTERVAL '1' HOUR;
INSERT INTO out2 SELECT o.id, s.id FROM orders o LEFT JOIN ship s ON o.id = s.id;
INSERT INTO out2 SELECT o.id, s.id FROM orders o JOIN ship FOR SYSTEM_TIME AS OF o.ts AS s
ON o.id = s.id;
INSERT INTO out2 (n) SELECT 1 FROM orders;
INSERT INTO out2 (n, idd) SELECT 1, 2 FROM orders;
