-- Updating results into sinks with a PRIMARY KEY (docs/sql.md, "Updating
-- results"): upsert-kafka writes a message per row keyed by the key column,
-- jdbc upserts on it; neither gets the row kind. The twin is
-- updating_services.flow (compared by its C).
CREATE TABLE clicks (user_id STRING NOT NULL, url STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'properties.bootstrap.servers' = 'k:9092',
  'format' = 'json');

CREATE TABLE views (user_id STRING, views BIGINT, PRIMARY KEY (user_id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'views', 'properties.bootstrap.servers' = 'k:9092',
  'key.format' = 'raw', 'value.format' = 'json');

CREATE TABLE last_url (user_id STRING, url STRING, PRIMARY KEY (user_id) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = 'jdbc:postgresql://db/report', 'table-name' = 'last_url');

INSERT INTO views SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id;

INSERT INTO last_url SELECT user_id, LAST_VALUE(url) FROM clicks GROUP BY user_id;
