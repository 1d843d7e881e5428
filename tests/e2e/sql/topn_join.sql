-- A Top-N over a join (Nexmark q9's pattern): each order's first shipment
-- within 4 hours of it, ranked over the interval join's rows, whose select
-- list takes every column of the orders with `o.*`; the ORDER BY names the
-- shipment's time by its place in the join (s.ship_time, selected AS
-- shipped). The twin is topn_join.flow.
CREATE TABLE orders (
  id BIGINT NOT NULL, customer_id BIGINT NOT NULL, amount DOUBLE, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');

CREATE TABLE shipments (
  order_id BIGINT NOT NULL, carrier STRING, ship_time TIMESTAMP(3),
  WATERMARK FOR ship_time AS ship_time - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'shipments.csv', 'format' = 'csv');

CREATE TABLE first_shipment (id BIGINT, carrier STRING, shipped TIMESTAMP(3))
WITH ('connector' = 'print');

INSERT INTO first_shipment
SELECT id, carrier, shipped
FROM (
  SELECT o.*, s.carrier, s.ship_time AS shipped,
    ROW_NUMBER() OVER (PARTITION BY o.id ORDER BY s.ship_time ASC) AS rn
  FROM orders o, shipments s
  WHERE o.id = s.order_id
    AND s.ship_time BETWEEN o.order_time - INTERVAL '4' HOUR AND o.order_time + INTERVAL '4' HOUR
)
WHERE rn = 1;
