-- Window TVFs as Flink's documentation writes them (windowing TVFs, window
-- aggregation): a keyed TUMBLE with every aggregate and HAVING, a global HOP,
-- a global CUMULATE (the documentation's example, whose rows the twin's
-- expected cumulative.csv copies) and a SESSION partitioned by its key. The
-- twin is windows.flow.
CREATE TABLE bids (
  bidtime  TIMESTAMP(3),
  price    DOUBLE NOT NULL,
  item     STRING NOT NULL,
  supplier STRING,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv');

CREATE TABLE per_item (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), item STRING,
  bids BIGINT, total DOUBLE, lowest DOUBLE, highest DOUBLE, mean DOUBLE, suppliers BIGINT,
  doubled BIGINT
) WITH ('connector' = 'filesystem', 'path' = 'per_item.csv', 'format' = 'csv');

CREATE TABLE hopping (window_start TIMESTAMP(3), window_end TIMESTAMP(3), total DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'hopping.json', 'format' = 'json');

CREATE TABLE cumulative (window_start TIMESTAMP(3), window_end TIMESTAMP(3), price DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'cumulative.csv', 'format' = 'csv');

CREATE TABLE sessions (item STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'sessions.csv', 'format' = 'csv');

INSERT INTO per_item
SELECT window_start, window_end, item, COUNT(*), SUM(price), MIN(price), MAX(price),
       AVG(price), COUNT(DISTINCT supplier), COUNT(*) * 2
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
GROUP BY window_start, window_end, item
HAVING SUM(price) > 2;

INSERT INTO hopping
SELECT window_start, window_end, SUM(price)
FROM TABLE(HOP(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
GROUP BY window_start, window_end;

INSERT INTO cumulative
SELECT window_start, window_end, SUM(price)
FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))
GROUP BY window_start, window_end;

INSERT INTO sessions
SELECT item, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE bids PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
GROUP BY item, window_start, window_end;
