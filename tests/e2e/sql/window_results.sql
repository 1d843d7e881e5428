-- Window results grouped and joined again (docs/sql.md, "Window results"):
-- each item's count per 10-minute TUMBLE (a view), each window's highest count
-- (a GROUP BY of the view by its window's bounds: a window aggregate again),
-- and the two joined on the bounds (a window join of 10 minutes), so that the
-- busiest items of each window come out, ties included (as Nexmark q5). Then
-- the items counted per HOP joined with those counted per the same HOP's
-- other grouping (as Nexmark q8: a window join of two grouped windows). The
-- twin is window_results.flow.
CREATE TABLE bids (
  bidtime  TIMESTAMP(3),
  price    DOUBLE NOT NULL,
  item     STRING NOT NULL,
  supplier STRING NOT NULL,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv');

CREATE TABLE busiest (item STRING, n BIGINT, starttime TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'busiest.csv', 'format' = 'csv');

CREATE TABLE pairs (item STRING, supplier STRING, starttime TIMESTAMP(3), endtime TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'pairs.csv', 'format' = 'csv');

CREATE VIEW item_counts AS
SELECT item, COUNT(*) AS n, window_start AS starttime, window_end AS endtime
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
GROUP BY item, window_start, window_end;

INSERT INTO busiest
SELECT c.item, c.n, c.starttime
FROM item_counts c
JOIN (SELECT MAX(n) AS top, starttime, endtime FROM item_counts GROUP BY starttime, endtime) m
ON c.starttime = m.starttime AND c.endtime = m.endtime AND c.n >= m.top;

INSERT INTO pairs
SELECT i.item, s.supplier, i.starttime, i.endtime
FROM (
  SELECT item, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
  GROUP BY item, window_start, window_end
) i
JOIN (
  SELECT item, supplier, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
  WHERE price > 2
  GROUP BY item, supplier, window_start, window_end
) s
ON i.item = s.item AND i.starttime = s.starttime AND i.endtime = s.endtime;
