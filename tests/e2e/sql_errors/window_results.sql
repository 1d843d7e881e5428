-- expect: 13:50: error: 'GROUP BY window_start of HOP or CUMULATE results' is not supported by this version of flowc (rename it where the window is grouped: window_start AS starttime)
-- A GROUP BY of a HOP's results by its window_start under that name: the
-- tumbling window of the slide that groups them has another window_start,
-- so the column must be renamed where the HOP is grouped.
CREATE TABLE bids (bidtime TIMESTAMP(3), item STRING NOT NULL,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv');
CREATE TABLE o (n BIGINT) WITH ('connector' = 'print');
CREATE VIEW counts AS
SELECT item, COUNT(*) AS n, window_start, window_end
FROM TABLE(HOP(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
GROUP BY item, window_start, window_end;
INSERT INTO o SELECT MAX(n) FROM counts GROUP BY window_start, window_end;
