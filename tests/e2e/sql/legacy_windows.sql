-- Flink's legacy group windows (docs/sql.md, "Legacy group windows"): GROUP BY
-- TUMBLE(...), HOP(...) and SESSION(...) with their _START, _END and _ROWTIME
-- functions, as the window TVFs they stand for; then early firing, SET before
-- the INSERT it applies to: the 10-minute window's count so far every 5
-- minutes of event time, a changelog into a print sink. The twin is
-- legacy_windows.flow.
CREATE TABLE bids (
  bidtime  TIMESTAMP(3),
  price    DOUBLE NOT NULL,
  item     STRING NOT NULL,
  supplier STRING,
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv');

CREATE TABLE per_item (item STRING, wstart TIMESTAMP(3), wend TIMESTAMP(3),
  wtime TIMESTAMP(3), n BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'per_item.csv', 'format' = 'csv');

CREATE TABLE hopping (wstart TIMESTAMP(3), wend TIMESTAMP(3), total DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'hopping.csv', 'format' = 'csv');

CREATE TABLE sessions (item STRING, wstart TIMESTAMP(3), wend TIMESTAMP(3), n BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'sessions.csv', 'format' = 'csv');

CREATE TABLE so_far (wstart TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');

INSERT INTO per_item
SELECT item, TUMBLE_START(bidtime, INTERVAL '10' MINUTE), TUMBLE_END(bidtime, INTERVAL '10' MINUTE),
       TUMBLE_ROWTIME(bidtime, INTERVAL '10' MINUTE), COUNT(*)
FROM bids
GROUP BY item, TUMBLE(bidtime, INTERVAL '10' MINUTE);

INSERT INTO hopping
SELECT HOP_START(bidtime, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE),
       HOP_END(bidtime, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE), SUM(price)
FROM bids
GROUP BY HOP(bidtime, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE);

INSERT INTO sessions
SELECT b.item, SESSION_START(b.bidtime, INTERVAL '5' MINUTE),
       SESSION_END(b.bidtime, INTERVAL '5' MINUTE), COUNT(*)
FROM bids b
GROUP BY SESSION(b.bidtime, INTERVAL '5' MINUTE), b.item;

SET 'table.exec.emit.early-fire.enabled' = 'true';
SET 'table.exec.emit.early-fire.delay' = '5 min';

INSERT INTO so_far
SELECT TUMBLE_START(bidtime, INTERVAL '10' MINUTE), COUNT(*)
FROM bids
GROUP BY TUMBLE(bidtime, INTERVAL '10' MINUTE);
