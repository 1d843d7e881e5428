-- q2.sql: Nexmark q2 in Flink SQL, as the benchmark writes it (docs/sql.md, "Nexmark");
-- the twin of ../q2.flow. The tables are flowc's nexmark connector, one per kind.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE discard_sink (auction BIGINT, price BIGINT) WITH ('connector' = 'print');

INSERT INTO discard_sink
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;

