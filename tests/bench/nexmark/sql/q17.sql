-- q17.sql: Nexmark q17 in Flink SQL (docs/sql.md, "Nexmark"), the twin of ../q17.flow: per
-- auction and day, the bids in all and in three price bands (FILTER), and the lowest,
-- highest, average and total price. The benchmark groups by auction and
-- DATE_FORMAT(dateTime, 'yyyy-MM-dd'), an updating aggregate; here, as in the twin, a row
-- comes once, from a TUMBLE of one day, when the day closes.
CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE discard_sink (
  auction BIGINT, `day` VARCHAR, total_bids BIGINT, rank1_bids BIGINT, rank2_bids BIGINT,
  rank3_bids BIGINT, min_price BIGINT, max_price BIGINT, avg_price DOUBLE, sum_price BIGINT
) WITH ('connector' = 'print');

INSERT INTO discard_sink
SELECT
  auction,
  DATE_FORMAT(window_start, 'yyyy-MM-dd') AS `day`,
  count(*) AS total_bids,
  count(*) FILTER (WHERE price < 10000) AS rank1_bids,
  count(*) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bids,
  count(*) FILTER (WHERE price >= 1000000) AS rank3_bids,
  min(price) AS min_price,
  max(price) AS max_price,
  avg(price) AS avg_price,
  sum(price) AS sum_price
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' DAY))
GROUP BY auction, window_start, window_end;
