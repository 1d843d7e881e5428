-- q4.sql: Nexmark q4 in Flink SQL, as the benchmark writes it (docs/sql.md, "Nexmark");
-- the twin of ../q4.flow. The tables are flowc's nexmark connector, one per kind. The
-- inner query is an updating MAX per auction of a regular join (its BETWEEN bounds a bid
-- by its auction's own expires), the outer an updating AVG per category of those maxima:
-- an aggregate of a changelog, which takes back an auction's last maximum when a higher
-- one replaces it (docs/language.md, "Aggregates of a changelog"). q4.flow waits for each
-- auction's final maximum instead; once applied, the two changelogs end with the same
-- average per category. The sink's `final` is a DOUBLE, as flowc's AVG of a BIGINT is
-- (Flink's truncates to a BIGINT: docs/sql.md, "GROUP BY"), as in q17.sql.
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

CREATE TABLE nexmark_q4 (id BIGINT, final DOUBLE) WITH ('connector' = 'print');

INSERT INTO nexmark_q4
SELECT
    Q.category,
    AVG(Q.final)
FROM (
    SELECT MAX(B.price) AS final, A.category
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
