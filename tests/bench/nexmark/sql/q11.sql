-- q11.sql: Nexmark q11 in Flink SQL, as the benchmark writes it (docs/sql.md, "Nexmark");
-- the twin of ../q11.flow. The tables are flowc's nexmark connector, one per kind.
-- GROUP BY ... SESSION(...) is Flink's legacy group window, the SESSION window TVF
-- partitioned by the other GROUP BY columns (docs/sql.md, "Legacy group windows").
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE discard_sink (bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3))
  WITH ('connector' = 'print');

INSERT INTO discard_sink
SELECT
    B.bidder,
    count(*) as bid_count,
    SESSION_START(B.dateTime, INTERVAL '10' SECOND) as starttime,
    SESSION_END(B.dateTime, INTERVAL '10' SECOND) as endtime
FROM bid B
GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND);
