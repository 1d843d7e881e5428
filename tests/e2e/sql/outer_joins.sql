-- Outer interval joins and window joins (docs/sql.md, "Joins"): LEFT, RIGHT
-- and FULL JOIN with a time bound in ON are Flow's `join ... within D left`
-- (right, full); two TUMBLE TVFs joined on window_start, window_end and keys
-- are `join ... window tumbling D`, whose window columns are computed from
-- each side's time. A WHERE after an outer join filters its result.
CREATE TABLE orders (id BIGINT NOT NULL, amount INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
CREATE TABLE ships (order_id BIGINT NOT NULL, carrier STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'ships.csv', 'format' = 'csv');

CREATE TABLE unshipped (id BIGINT, amount INT) WITH (
  'connector' = 'filesystem', 'path' = 'unshipped.csv', 'format' = 'csv');
INSERT INTO unshipped
SELECT o.id, o.amount
FROM orders o LEFT JOIN ships s
  ON o.id = s.order_id AND s.ts BETWEEN o.ts - INTERVAL '1' HOUR AND o.ts + INTERVAL '1' HOUR
WHERE s.order_id IS NULL;

CREATE TABLE both_sides (id BIGINT, carrier STRING) WITH (
  'connector' = 'filesystem', 'path' = 'both.csv', 'format' = 'csv');
INSERT INTO both_sides
SELECT COALESCE(o.id, s.order_id), COALESCE(s.carrier, '-')
FROM orders AS o FULL OUTER JOIN ships AS s
  ON o.id = s.order_id AND s.ts BETWEEN o.ts - INTERVAL '1' HOUR AND o.ts + INTERVAL '1' HOUR;

CREATE TABLE same_day (id BIGINT, carrier STRING, window_start TIMESTAMP(3),
  window_end TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO same_day
SELECT l.id, r.carrier, l.window_start, l.window_end
FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' DAY))) l
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE ships, DESCRIPTOR(ts), INTERVAL '1' DAY))) r
  ON l.id = r.order_id AND l.window_start = r.window_start AND l.window_end = r.window_end;

CREATE TABLE day_full (id BIGINT, carrier STRING, window_start TIMESTAMP(3)) WITH (
  'connector' = 'filesystem', 'path' = 'day_full.csv', 'format' = 'csv');
INSERT INTO day_full
SELECT COALESCE(l.id, r.order_id), r.carrier, COALESCE(l.window_start, r.window_start)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' DAY))) l
FULL JOIN (SELECT * FROM TABLE(TUMBLE(TABLE ships, DESCRIPTOR(ts), INTERVAL '1' DAY))) r
  ON l.id = r.order_id AND l.window_start = r.window_start AND l.window_end = r.window_end;
