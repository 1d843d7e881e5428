-- A TUMBLE over a PROCTIME() column: a table without WATERMARK is read in
-- processing time. The twin is proctime.flow, whose comments give the clock.
-- EXPLAIN compiles the INSERT it explains; `flowc explain` prints the plan.
CREATE TABLE events (u STRING NOT NULL, v INT NOT NULL, pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'in.csv', 'format' = 'csv');

CREATE TABLE per_second (u STRING, window_start TIMESTAMP_LTZ(3), n BIGINT, total BIGINT)
WITH ('connector' = 'print');

EXPLAIN INSERT INTO per_second
SELECT u, window_start, COUNT(*), SUM(v)
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(pt), INTERVAL '1' SECOND))
GROUP BY window_start, window_end, u;
