-- expect: 17:33: error: TUMBLE_END must repeat the GROUP BY's TUMBLE(...), its time and intervals
-- expect: 20:49: error: a GROUP BY has one group window
-- expect: 22:16: error: 'a group window over a subquery or a join' is not supported by this version of flowc (group a view, or write the window TVF: FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL ...)))
-- expect: 23:62: error: HOP takes the time column, the slide and the size: HOP(ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)
-- expect: 24:5: error: table.exec.emit.early-fire.enabled needs table.exec.emit.early-fire.delay: SET it to the interval of the early results
-- expect: 27:70: error: 'early-fire results in a view or subquery' is not supported by this version of flowc (they are a changelog: write them to 'print' or 'filesystem', which show the row kind)
-- expect: 29:48: warning: the early-fire settings apply to legacy group windows (GROUP BY TUMBLE(...)), as in Flink: this window TVF emits its results once
-- Legacy group windows: the auxiliary functions repeat the GROUP BY's window
-- (its time and intervals); one group window per GROUP BY, over a table or
-- view; HOP takes a slide and a size. Early firing needs its delay, and its
-- changelog goes to a sink that shows the row kind, not into a view; a window
-- TVF is not a legacy window: a warning that it emits once.
CREATE TABLE bids (bidtime TIMESTAMP(3), item STRING NOT NULL,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv');
CREATE TABLE o (item STRING, n BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT item, CAST(TUMBLE_END(bidtime, INTERVAL '5' MINUTE) AS BIGINT) FROM bids
GROUP BY item, TUMBLE(bidtime, INTERVAL '10' MINUTE);
INSERT INTO o SELECT item, COUNT(*) FROM bids
GROUP BY TUMBLE(bidtime, INTERVAL '10' MINUTE), TUMBLE(bidtime, INTERVAL '5' MINUTE), item;
INSERT INTO o SELECT item, COUNT(*) FROM (SELECT * FROM bids)
GROUP BY item, TUMBLE(bidtime, INTERVAL '10' MINUTE);
INSERT INTO o SELECT item, COUNT(*) FROM bids GROUP BY item, HOP(bidtime, INTERVAL '10' MINUTE);
SET 'table.exec.emit.early-fire.enabled' = 'true';
INSERT INTO o SELECT item, COUNT(*) FROM bids GROUP BY item, TUMBLE(bidtime, INTERVAL '10' MINUTE);
SET 'table.exec.emit.early-fire.delay' = '1 min';
CREATE VIEW v AS SELECT item, COUNT(*) AS n FROM bids GROUP BY item, TUMBLE(bidtime, INTERVAL '10' MINUTE);
INSERT INTO o SELECT item, n FROM v;
INSERT INTO o SELECT item, COUNT(*) FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(bidtime), INTERVAL '10' MINUTE))
GROUP BY item, window_start, window_end;
