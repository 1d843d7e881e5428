-- An interval join (Flink's interval join page: orders and their shipments
-- within a bound of each other) and a lookup join of a file table by its
-- key, LEFT so that orders without a customer are kept. The twin is
-- joins.flow.
CREATE TABLE orders (
  id BIGINT NOT NULL, customer_id BIGINT NOT NULL, amount DOUBLE, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');

CREATE TABLE shipments (
  order_id BIGINT NOT NULL, carrier STRING, ship_time TIMESTAMP(3),
  WATERMARK FOR ship_time AS ship_time - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'shipments.csv', 'format' = 'csv');

CREATE TABLE customers (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 'customers.csv', 'format' = 'csv');

CREATE TABLE shipped (id BIGINT, carrier STRING, hours INT)
WITH ('connector' = 'filesystem', 'path' = 'shipped.csv', 'format' = 'csv');

CREATE TABLE named (id BIGINT, name STRING, amount DOUBLE) WITH ('connector' = 'print');

INSERT INTO shipped
SELECT o.id, s.carrier, TIMESTAMPDIFF(HOUR, o.order_time, s.ship_time)
FROM orders o, shipments s
WHERE o.id = s.order_id
  AND s.ship_time BETWEEN o.order_time - INTERVAL '4' HOUR AND o.order_time + INTERVAL '4' HOUR
  AND s.carrier <> 'none';

INSERT INTO named
SELECT o.id, COALESCE(c.name, '?'), o.amount
FROM orders AS o
  LEFT JOIN customers FOR SYSTEM_TIME AS OF o.order_time AS c
  ON o.customer_id = c.id;
