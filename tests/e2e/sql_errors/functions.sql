-- expect: 23:45: error: 'functions in PYTHON' is not supported by this version of flowc (flowc maps the Java classes it knows (docs/sql.md))
-- expect: 18:34: error: function 'COUNT_CHAR' is used before its CREATE FUNCTION
-- expect: 19:17: note: 'COUNT_CHAR' is declared here
-- expect: 21:17: error: function 'COUNT_CHAR' is already declared
-- expect: 19:17: note: 'COUNT_CHAR' is declared here
-- expect: 22:28: error: 'Java class com.example.MyHash' is not supported by this version of flowc (flowc runs no Java; docs/sql.md lists the classes it compiles)
-- expect: 24:52: error: COUNT_CHAR takes a string and a one-character string literal of ASCII, count_char(extra, 'c')
-- expect: 25:52: error: COUNT_CHAR takes a string and a one-character string literal of ASCII, count_char(extra, 'c')
-- CREATE FUNCTION of a Java class flowc compiles as its own (Nexmark's
-- CountChar) is a function of the statements after it (IF NOT EXISTS of
-- one already declared is nothing); any other class, another language, a
-- second function of one name, a call before the CREATE and count_char
-- without a one-character literal are errors.
CREATE TABLE bid (auction BIGINT NOT NULL, extra STRING, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'bid.csv', 'format' = 'csv');
CREATE TABLE out1 (auction BIGINT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO out1 SELECT auction, count_char(extra, 'c') FROM bid;
CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE TEMPORARY FUNCTION IF NOT EXISTS COUNT_CHAR AS 'com.github.nexmark.flink.udf.CountChar';
CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE FUNCTION my_hash AS 'com.example.MyHash';
CREATE FUNCTION py_fn AS 'udfs.fn' LANGUAGE PYTHON;
INSERT INTO out1 SELECT auction, count_char(extra, 'cd') FROM bid;
INSERT INTO out1 SELECT auction, count_char(extra, extra) FROM bid;
INSERT INTO out1 SELECT auction, count_char(extra, 'c') FROM bid;
