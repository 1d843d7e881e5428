-- expect: 8:45: error: FILTER (WHERE ...) follows an aggregate function's call
-- expect: 9:56: error: FILTER (WHERE ...) follows an aggregate function's call
CREATE TABLE orders (
  id BIGINT NOT NULL, customer STRING NOT NULL, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
CREATE TABLE out2 (id BIGINT, n STRING) WITH ('connector' = 'print');
INSERT INTO out2 SELECT id, UPPER(customer) FILTER (WHERE id > 1) FROM orders;
INSERT INTO out2 SELECT id, SUBSTRING(customer FROM 2) FILTER (WHERE id > 1) FROM orders;
