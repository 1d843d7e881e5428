-- expect: 10:29: error: unknown field 'amunt' (did you mean 'amount'?)
-- expect: 11:55: error: cannot apply '==' to string and int32
CREATE TABLE orders (
  id BIGINT NOT NULL, customer STRING, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
CREATE TABLE out1 (id BIGINT, n BIGINT) WITH ('connector' = 'print');
CREATE TABLE out2 (id INT, who STRING, avg_amount BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'out2.csv', 'format' = 'csv');
INSERT INTO out1 SELECT id, amunt FROM orders;
INSERT INTO out1 SELECT id FROM orders WHERE customer = 3;
