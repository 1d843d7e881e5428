-- expect: 16:74: error: 'this condition in ON of a LEFT JOIN' is not supported by this version of flowc (an outer join's ON holds the key equalities and the time bound; filter in a view before the join)
-- expect: 18:39: error: 'RIGHT JOIN of a lookup' is not supported by this version of flowc (a lookup join is JOIN or LEFT JOIN)
-- expect: 20:6: error: 'a join of this subquery' is not supported by this version of flowc (a window join joins two SELECT * FROM TABLE(TUMBLE(...)); join tables and views otherwise)
-- expect: 24:27: error: 'a window join of windows other than TUMBLE' is not supported by this version of flowc (flowc's window join is tumbling)
-- expect: 29:1: error: a window join's ON needs l.window_start = r.window_start AND l.window_end = r.window_end
-- expect: 33:68: error: the two windows of a window join must be of one size
-- expect: 35:33: error: 'window_start' of a window join is each side's: write it qualified, COALESCE(l.window_start, r.window_start) for a FULL JOIN
-- expect: 39:44: error: a subquery in a join needs an alias: (SELECT ...) AS x
CREATE TABLE a (id BIGINT NOT NULL, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = 'a.csv', 'format' = 'csv');
CREATE TABLE b (id BIGINT NOT NULL, w INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = 'b.csv', 'format' = 'csv');
CREATE TABLE t (id BIGINT, x STRING, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
CREATE TABLE o (id BIGINT, n INT) WITH ('connector' = 'print');
INSERT INTO o SELECT a.id, b.w FROM a LEFT JOIN b ON a.id = b.id AND b.w > 0
  AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts + INTERVAL '1' MINUTE;
INSERT INTO o SELECT a.id, a.v FROM a RIGHT JOIN t FOR SYSTEM_TIME AS OF a.ts ON a.id = t.id;
INSERT INTO o SELECT l.id, r.w
FROM (SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) WHERE v > 0) l
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) r
ON l.id = r.id AND l.window_start = r.window_start AND l.window_end = r.window_end;
INSERT INTO o SELECT l.id, r.w
FROM (SELECT * FROM TABLE(HOP(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '2' MINUTE))) l
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) r
ON l.id = r.id AND l.window_start = r.window_start AND l.window_end = r.window_end;
INSERT INTO o SELECT l.id, r.w
FROM (SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) l
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) r
ON l.id = r.id AND l.window_start = r.window_start;
INSERT INTO o SELECT l.id, r.w
FROM (SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) l
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '2' MINUTE))) r
ON l.id = r.id AND l.window_start = r.window_start AND l.window_end = r.window_end;
INSERT INTO o SELECT l.id, CAST(window_start AS INT)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) l
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) r
ON l.id = r.id AND l.window_start = r.window_start AND l.window_end = r.window_end;
INSERT INTO o SELECT a.id, b.w FROM a JOIN (SELECT * FROM b) ON a.id = b.id;
