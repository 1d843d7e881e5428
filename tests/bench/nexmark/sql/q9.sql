-- q9.sql: Nexmark q9 in Flink SQL, as the benchmark writes it (docs/sql.md, "Nexmark");
-- the twin of ../q9.flow. The tables are flowc's nexmark connector, one per kind, whose
-- time column is dateTime (the benchmark's newer text calls it customTime). The BETWEEN
-- bounds a bid by its auction's own expires, not by a constant: the join is a regular
-- join, filtered, as in Flink (flowc warns that it keeps every row), where q9.flow
-- bounds it by the longest auction life; the rows are the same.
CREATE TABLE auction (
  id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT,
  dateTime TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'auction', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  dateTime TIMESTAMP(3), extra VARCHAR,
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'kind' = 'bid', 'events.num' = '10000000',
        'first-event.rate' = '100000', 'seed' = '0');

CREATE TABLE nexmark_q9 (
  id  BIGINT, itemName  VARCHAR, description  VARCHAR, initialBid  BIGINT, reserve  BIGINT,
  dateTime  TIMESTAMP(3), expires  TIMESTAMP(3), seller  BIGINT, category  BIGINT, extra  VARCHAR,
  auction  BIGINT, bidder  BIGINT, price  BIGINT, bid_dateTime  TIMESTAMP(3), bid_extra  VARCHAR
) WITH ('connector' = 'print');

INSERT INTO nexmark_q9
SELECT
    id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra,
    auction, bidder, price, bid_dateTime, bid_extra
FROM (
   SELECT A.*, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
     ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) AS rownum
   FROM auction A, bid B
   WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
)
WHERE rownum <= 1;
