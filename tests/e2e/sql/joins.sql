-- An interval join (Flink's interval join page: orders and their shipments
-- within a bound of each other), one with bounds that are not symmetric
-- (the shipments up to 5 hours after their order), a join of the orders
-- with a subquery's window results (as Nexmark q7: each hour's highest
-- customer id, the orders up to the hour's window_end included, so that an
-- order exactly at 11:00 pairs with [10:00, 11:00)) and a lookup join of a
-- file table by its key, LEFT so that orders without a customer are kept.
-- The twin is joins.flow.
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

CREATE TABLE soon (id BIGINT, carrier STRING)
WITH ('connector' = 'filesystem', 'path' = 'soon.csv', 'format' = 'csv');

CREATE TABLE top_customers (id BIGINT, customer BIGINT, hour_end TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'top_customers.csv', 'format' = 'csv');

CREATE TABLE named (id BIGINT, name STRING, amount DOUBLE) WITH ('connector' = 'print');

INSERT INTO shipped
SELECT o.id, s.carrier, TIMESTAMPDIFF(HOUR, o.order_time, s.ship_time)
FROM orders o, shipments s
WHERE o.id = s.order_id
  AND s.ship_time BETWEEN o.order_time - INTERVAL '4' HOUR AND o.order_time + INTERVAL '4' HOUR
  AND s.carrier <> 'none';

INSERT INTO soon
SELECT o.id, s.carrier
FROM orders o JOIN shipments s ON o.id = s.order_id
WHERE s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '5' HOUR;

INSERT INTO top_customers
SELECT o.id, t.top, t.hour_end
FROM orders o
JOIN (
  SELECT MAX(customer_id) AS top, window_end AS hour_end
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '1' HOUR))
  GROUP BY window_start, window_end
) t
ON o.customer_id = t.top
WHERE o.order_time BETWEEN t.hour_end - INTERVAL '1' HOUR AND t.hour_end;

INSERT INTO named
SELECT o.id, COALESCE(c.name, '?'), o.amount
FROM orders AS o
  LEFT JOIN customers FOR SYSTEM_TIME AS OF o.order_time AS c
  ON o.customer_id = c.id;
