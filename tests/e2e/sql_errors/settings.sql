-- expect: 12:5: error: expected the setting's name as a string, 'table.exec.state.ttl', found 'table'
-- expect: 13:30: error: expected the setting's value as a string, found '3600000'
-- expect: 9:5: warning: setting 'table.exec.mini-batch.enabled' is not read by flowc: it changes nothing
-- expect: 10:5: error: 'table.exec.emit.late-fire.enabled' is not supported by this version of flowc (flowc reads table.exec.emit.early-fire.enabled and .delay (docs/sql.md, "Legacy group windows"); a late firing is .flow's `lateness L`)
-- expect: 11:30: error: 'table.exec.state.ttl' must be a duration such as '100ms', '5 s' or '1 min', not 'an hour'
-- SET (docs/sql.md, "SET"): a setting flowc does not read is warned about;
-- the late-fire settings are refused (a lateness is .flow's); a ttl
-- must be a duration; the name and the value are strings.
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.emit.late-fire.enabled' = 'true';
SET 'table.exec.state.ttl' = 'an hour';
SET table.exec.state.ttl = '1 h';
SET 'table.exec.state.ttl' = 3600000;
CREATE TABLE t (id BIGINT NOT NULL, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
CREATE TABLE s (id BIGINT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO s SELECT id, COUNT(*) FROM t GROUP BY id;
