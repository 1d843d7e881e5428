-- q16.sql: Nexmark q16 in Flink SQL (docs/sql.md, "Nexmark"), the twin of ../q16.flow: per
-- channel and day, the latest minute with a bid, and the bids, bidders and auctions in all
-- and in three price bands (FILTER). The benchmark groups by channel and
-- DATE_FORMAT(dateTime, 'yyyy-MM-dd'), an updating aggregate; here, as in the twin, a row
-- comes once, from a TUMBLE of one day, when the day closes.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE discard_sink (
  channel VARCHAR, `day` VARCHAR, `minute` VARCHAR,
  total_bids BIGINT, rank1_bids BIGINT, rank2_bids BIGINT, rank3_bids BIGINT,
  total_bidders BIGINT, rank1_bidders BIGINT, rank2_bidders BIGINT, rank3_bidders BIGINT,
  total_auctions BIGINT, rank1_auctions BIGINT, rank2_auctions BIGINT, rank3_auctions BIGINT
) WITH ('connector' = 'print');

INSERT INTO discard_sink
SELECT
  channel,
  DATE_FORMAT(window_start, 'yyyy-MM-dd') AS `day`,
  max(DATE_FORMAT(dateTime, 'HH:mm')) AS `minute`,
  count(*) AS total_bids,
  count(*) FILTER (WHERE price < 10000) AS rank1_bids,
  count(*) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bids,
  count(*) FILTER (WHERE price >= 1000000) AS rank3_bids,
  count(DISTINCT bidder) AS total_bidders,
  count(DISTINCT bidder) FILTER (WHERE price < 10000) AS rank1_bidders,
  count(DISTINCT bidder) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bidders,
  count(DISTINCT bidder) FILTER (WHERE price >= 1000000) AS rank3_bidders,
  count(DISTINCT auction) AS total_auctions,
  count(DISTINCT auction) FILTER (WHERE price < 10000) AS rank1_auctions,
  count(DISTINCT auction) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_auctions,
  count(DISTINCT auction) FILTER (WHERE price >= 1000000) AS rank3_auctions
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' DAY))
GROUP BY channel, window_start, window_end;
