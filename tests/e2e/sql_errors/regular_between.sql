-- expect: 13:33: warning: this BETWEEN does not bound one side's time by the other's plus constants: it filters a regular join, which keeps every row (SET 'table.exec.state.ttl' bounds them)
-- A BETWEEN of one side's time and bounds that are not the other side's
-- time plus constants (Nexmark q9's auction expires) is a filter of a
-- regular join, as in Flink: only a warning, since the join keeps every row.
CREATE TABLE auctions (id BIGINT NOT NULL, opened TIMESTAMP(3), expires TIMESTAMP(3),
  WATERMARK FOR opened AS opened - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'auctions.csv', 'format' = 'csv');
CREATE TABLE bids (auction BIGINT NOT NULL, price BIGINT, at TIMESTAMP(3),
  WATERMARK FOR at AS at - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv');
CREATE TABLE o (id BIGINT, price BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT a.id, b.price FROM auctions a, bids b
WHERE a.id = b.auction AND b.at BETWEEN a.opened AND a.expires;
