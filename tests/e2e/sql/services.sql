-- Kafka in, a processing-time window, PostgreSQL (jdbc) out with upserts on
-- the primary key, and a lookup of a PostgreSQL table: the options of
-- Flink's Kafka and JDBC connector pages onto flowc's kafka(...) and
-- postgres(...). The twin is services.flow (compared by its C).
CREATE TABLE clicks (
  user_id BIGINT NOT NULL,
  url STRING,
  pt AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = 'clicks',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'dash',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

CREATE TABLE users (id BIGINT, tier STRING, PRIMARY KEY (id) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = 'jdbc:postgresql://db:5432/shop', 'table-name' = 'users',
  'username' = 'flowc', 'password' = 'secret'
);

CREATE TABLE per_user (user_id BIGINT NOT NULL, window_start TIMESTAMP(3),
  window_end TIMESTAMP(3), views BIGINT, PRIMARY KEY (user_id, window_start) NOT ENFORCED)
WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://dwh/report', 'table-name' = 'per_user',
  'sink.buffer-flush.interval' = '100ms');

CREATE TABLE tiers (user_id BIGINT, tier STRING) WITH (
  'connector' = 'kafka', 'topic' = 'tiers', 'properties.bootstrap.servers' = 'localhost:9092',
  'format' = 'csv', 'properties.linger.ms' = '5', 'sink.delivery-guarantee' = 'at-least-once');

INSERT INTO per_user
SELECT user_id, window_start, window_end, COUNT(*)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(pt), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, user_id;

INSERT INTO tiers
SELECT c.user_id, COALESCE(u.tier, 'none')
FROM clicks AS c JOIN users FOR SYSTEM_TIME AS OF c.pt AS u ON c.user_id = u.id;
