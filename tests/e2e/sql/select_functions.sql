-- A where + select over CSV orders: Flink's functions under their own names,
-- mapped onto Flow's (the twin is select_functions.flow).
CREATE TABLE orders (
  id       BIGINT NOT NULL,
  customer VARCHAR(20),
  amount   DECIMAL(10, 2),
  qty      INT,
  note     STRING,
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'orders.csv',
  'format' = 'csv',
  'csv.ignore-parse-errors' = 'true'
);

CREATE TABLE report (
  id BIGINT, who STRING, initial STRING, size STRING, qty INT, total DOUBLE, day STRING,
  secs INT, code STRING, flag STRING, noted BOOLEAN, len BIGINT, tag STRING
) WITH ('connector' = 'print');

INSERT INTO report
SELECT
  id,
  UPPER(TRIM(customer)) AS who,
  SUBSTRING(customer FROM 1 FOR 1),
  CASE WHEN amount >= 100 THEN 'large' WHEN amount >= 10 THEN 'medium' ELSE 'small' END,
  COALESCE(qty, 0),
  CAST(amount AS DOUBLE) * 2,
  DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm'),
  TIMESTAMPDIFF(SECOND, TIMESTAMP '2024-03-01 12:00:00', ts),
  REGEXP_EXTRACT(note, '([0-9]+)', 1),
  IF(customer LIKE 'a%', 'a-customer', LOWER(customer)),
  note IS NOT NULL,
  CHAR_LENGTH(customer),
  CONCAT('#', CAST(id AS STRING)) || '!'
FROM orders
WHERE id NOT IN (99, 98) AND amount BETWEEN 1 AND 1000 AND MOD(id, 10) <> 7;
