-- CREATE VIEW, a subquery in FROM, UNION ALL and SELECT *, over a JSON source
-- read in processing time (no WATERMARK), and an INSERT with a column list;
-- the twin is views_union.flow.
CREATE TABLE clicks (
  user_id BIGINT NOT NULL,
  url     STRING NOT NULL,
  bytes   INT
) WITH ('connector' = 'filesystem', 'path' = 'clicks.jsonl', 'format' = 'json');

CREATE TABLE copy (user_id BIGINT, url STRING, bytes INT)
WITH ('connector' = 'filesystem', 'path' = 'copy.csv', 'format' = 'csv');

CREATE TABLE merged (user_id BIGINT, page STRING, kb DOUBLE)
WITH ('connector' = 'print');

CREATE VIEW pages AS
SELECT user_id, LOWER(url) AS page, CAST(bytes AS DOUBLE) / 1024 AS kb
FROM clicks
WHERE bytes IS NOT NULL;

INSERT INTO copy (bytes, url, user_id) SELECT bytes, url, user_id FROM clicks;

INSERT INTO merged
SELECT * FROM pages WHERE kb > 1
UNION ALL
SELECT t.user_id, 'small', t.kb FROM (SELECT user_id, kb FROM pages WHERE kb <= 1) AS t;
