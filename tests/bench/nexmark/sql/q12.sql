-- q12.sql: Nexmark q12 in Flink SQL, as the benchmark writes it (docs/sql.md, "Nexmark");
-- the twin of ../q12.flow: the bids of each bidder per 10 s of processing time. The
-- benchmark's bid table has a processing-time column, here `p_time AS PROCTIME()`.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR, p_time AS PROCTIME()
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE discard_sink (bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3))
  WITH ('connector' = 'print');

INSERT INTO discard_sink
SELECT bidder, count(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;
