-- expect: 9:3: error: the step of a cumulating window must be positive and divide its size
-- CUMULATE's step must divide its size, as in Flink; the error is the Flow
-- checker's, at the window function.
CREATE TABLE orders (id BIGINT NOT NULL, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
CREATE TABLE out1 (id BIGINT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO out1 SELECT id, COUNT(*) FROM TABLE(
  CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '7' MINUTE, INTERVAL '1' HOUR))
  GROUP BY window_start, window_end, id;
