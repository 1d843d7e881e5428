-- q13.sql: Nexmark q13 in Flink SQL, as the benchmark writes it (docs/sql.md, "Nexmark");
-- the twin of ../q13.flow: each bid joined to a side input, a table read from a file, by
-- its auction modulo 10000. The benchmark's bid view has a processing-time column for the
-- lookup, here `p_time AS PROCTIME()`; the side input's key is its PRIMARY KEY.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR, p_time AS PROCTIME(),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE side_input (`key` BIGINT, `value` VARCHAR, PRIMARY KEY (`key`) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'side_input.csv', 'format' = 'csv');

CREATE TABLE discard_sink (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3),
  `value` VARCHAR) WITH ('connector' = 'print');

INSERT INTO discard_sink
SELECT B.auction, B.bidder, B.price, B.dateTime, S.`value`
FROM bid AS B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON MOD(B.auction, 10000) = S.`key`;
