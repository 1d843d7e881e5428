-- Top-N and deduplication through ROW_NUMBER (docs/sql.md, "Top-N and
-- deduplication"), as Flink's documentation writes them: Flow's `top`.
-- A window Top-N (PARTITION BY window_start, window_end) of a TUMBLE
-- aggregate: append rows when each window fires. An updating Top-N of the
-- rows of a table (the best two bids per item, ties by time): a changelog of
-- ranks. Deduplication, the first bid of each supplier by event time
-- (ORDER BY bidtime ASC, rownum = 1), without the row number in the output.
-- An updating Top-N of an updating aggregate (GROUP BY without a window).
CREATE TABLE Bid (
  bidtime TIMESTAMP(3),
  price BIGINT NOT NULL,
  item STRING NOT NULL,
  supplier_id STRING NOT NULL,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'bid.csv', 'format' = 'csv');

CREATE TABLE top_suppliers (window_start TIMESTAMP(3), window_end TIMESTAMP(3),
  supplier_id STRING, price BIGINT, cnt BIGINT, rownum BIGINT) WITH ('connector' = 'print');

INSERT INTO top_suppliers
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rownum
  FROM (
    SELECT window_start, window_end, supplier_id, SUM(price) AS price, COUNT(*) AS cnt
    FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end, supplier_id
  )
) WHERE rownum <= 2;

CREATE TABLE best_bids (item STRING, price BIGINT, supplier_id STRING, rn BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'best.csv', 'format' = 'csv');

INSERT INTO best_bids
SELECT item, price, supplier_id, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price DESC, bidtime, supplier_id DESC) AS rn FROM Bid
) WHERE rn < 3;

CREATE TABLE first_bids (supplier_id STRING, item STRING, price BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'first.csv', 'format' = 'csv');

INSERT INTO first_bids
SELECT supplier_id, item, price FROM (
  SELECT supplier_id, item, price, bidtime,
         ROW_NUMBER() OVER (PARTITION BY supplier_id ORDER BY bidtime ASC) AS rownum
  FROM Bid
) WHERE rownum = 1;

-- An updating Top-N of an updating aggregate: each supplier's two items of
-- the highest total so far, a changelog of ranks as the totals change.
CREATE TABLE best_items (supplier_id STRING, item STRING, total BIGINT, rn BIGINT)
  WITH ('connector' = 'filesystem', 'path' = 'items.csv', 'format' = 'csv');

INSERT INTO best_items
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY supplier_id ORDER BY total DESC) AS rn
  FROM (SELECT supplier_id, item, SUM(price) AS total FROM Bid GROUP BY supplier_id, item)
) WHERE rn <= 2;
