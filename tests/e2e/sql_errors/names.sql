-- expect: 20:36: error: expected a table or view name, found 'order'
-- expect: 13:17: error: unknown column 'tss' (did you mean 'ts'?)
-- expect: 21:29: error: unknown function 'UPPPER' (did you mean 'UPPER'?)
-- expect: 23:60: error: GROUP BY column 'url' may be null: declare it STRING NOT NULL in table 'clicks' (flowc's keys cannot be null; a null then makes its record bad)
-- expect: 22:25: error: column 'id' is neither in GROUP BY nor inside an aggregate
-- expect: 24:91: error: the time column of a window is the WATERMARK column 'ts'
-- expect: 25:25: error: GROUP BY of a window TVF needs both window_start and window_end
-- expect: 26:25: error: unknown table or alias 'x' (did you mean 'c'?)
-- expect: 27:13: error: unknown table 'ou1' (did you mean 'out1'?)
-- expect: 28:36: error: unknown table 'orderz' (did you mean 'orders'?)
CREATE TABLE orders (
  id BIGINT NOT NULL, customer STRING, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR tss AS tss - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders.csv', 'format' = 'csv');
CREATE TABLE clicks (
  id BIGINT NOT NULL, url STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'clicks.csv', 'format' = 'csv');
CREATE TABLE out1 (id BIGINT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO out1 SELECT id, 1 FROM order;
INSERT INTO out1 SELECT id, UPPPER(url) FROM clicks;
INSERT INTO out1 SELECT id, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts),
  INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, url;
INSERT INTO out1 SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(url),
  INTERVAL '1' MINUTE)) GROUP BY window_start;
INSERT INTO out1 SELECT x.id, 2 FROM clicks AS c;
INSERT INTO ou1 SELECT id, 2 FROM clicks;
INSERT INTO out1 SELECT id, 2 FROM orderz;
