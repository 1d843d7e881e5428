-- expect: 11:13: error: the query gives 1 column, table 'out1' has 2
-- expect: 12:35: error: column 'avg_amount' of table 'out2' is BIGINT, the query gives DOUBLE (write CAST(... AS the column's type))
-- expect: 12:48: error: column 'n' of table 'out2' is INT, the query gives BIGINT (write CAST(... AS the column's type))
CREATE TABLE orders (
  id BIGINT NOT NULL, customer STRING NOT NULL, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
CREATE TABLE out1 (id BIGINT, n BIGINT) WITH ('connector' = 'print');
CREATE TABLE out2 (customer STRING, avg_amount BIGINT, n INT)
WITH ('connector' = 'filesystem', 'path' = 'out2.csv', 'format' = 'csv');
INSERT INTO out1 SELECT id FROM orders;
INSERT INTO out2 SELECT customer, AVG(amount), COUNT(*)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, customer;
