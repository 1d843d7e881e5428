/* fc_sql.c: the Flink SQL front end (compiler/sql_parse.c, sql_lower.c) on
 * jobs written after the examples of Flink's documentation (CREATE TABLE
 * with a WATERMARK and WITH options, the windowing TVF queries over its Bid
 * table, the connector pages): the Flow declarations each becomes, shown in
 * Flow's own text (explain.c), and the errors, each at its place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "explain.h"
#include "sql.h"
#include "sql_impl.h"

typedef struct Lowered {
    Arena *arena;
    Diag diag;
    char *out;
    size_t out_len;
    Program *program;
    SqlProgram *sql;
} Lowered;

static Lowered *lower(const char *src)
{
    Lowered *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->arena = arena_new();
    FILE *out = open_memstream(&l->out, &l->out_len);
    assert_non_null(out);
    diag_init(&l->diag, "job.sql", src, strlen(src), out);
    l->program = sql_parse_program(l->arena, &l->diag, src, strlen(src), &l->sql);
    fflush(out);
    return l;
}

static const char *messages(Lowered *l)
{
    fflush(l->diag.out);
    return l->out ? l->out : "";
}

static Lowered *lower_ok(const char *src)
{
    Lowered *l = lower(src);
    if (l->diag.errors != 0)
        fail_msg("unexpected errors:\n%s", messages(l));
    return l;
}

static void lowered_free(Lowered *l)
{
    fclose(l->diag.out);
    free(l->out);
    arena_free(l->arena);
    free(l);
}

static Decl *decl(Lowered *l, DeclKind kind, int nth)
{
    for (Decl *d = l->program->decls; d; d = d->next)
        if (d->kind == kind && nth-- == 0)
            return d;
    fail_msg("no declaration %d of kind %d", nth, kind);
    return NULL;
}

/* The operators of a stream in Flow's text, one per line. */
static char *ops_text(Lowered *l, const Decl *stream)
{
    char *text = "";
    for (const Op *op = stream->stream.ops; op; op = op->next)
        text = arena_printf(l->arena, "%s%s\n", text, op_text(l->arena, op));
    return text;
}

static void assert_has(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected\n  %s\nin\n  %s", needle, haystack);
}

/* The Bid table of Flink's windowing TVF page. */
#define BID                                                                           \
    "CREATE TABLE Bid (\n"                                                            \
    "  bidtime TIMESTAMP(3),\n"                                                       \
    "  price DECIMAL(10, 2),\n"                                                       \
    "  item STRING NOT NULL,\n"                                                       \
    "  supplier_id STRING,\n"                                                         \
    "  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND\n"                      \
    ") WITH ('connector' = 'filesystem', 'path' = 'bid.csv', 'format' = 'csv');\n"   \
    "CREATE TABLE out1 (window_start TIMESTAMP(3), window_end TIMESTAMP(3),\n"        \
    "  total_price DOUBLE) WITH ('connector' = 'print');\n"

/* Flink's variances and deviations are the aggregates of the same names
 * (docs/language.md, "Aggregates"). */
static void test_statistics_aggregates(void **state)
{
    (void)state;
    Lowered *l = lower_ok(BID "CREATE TABLE out3 (window_start TIMESTAMP(3), a DOUBLE, b DOUBLE,\n"
                              "  c DOUBLE) WITH ('connector' = 'print');\n"
                              "INSERT INTO out3 SELECT window_start, STDDEV_POP(price),\n"
                              "  VAR_SAMP(price), VARIANCE(price)\n"
                              "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), "
                              "INTERVAL '10' MINUTES))\n"
                              "GROUP BY window_start, window_end;\n");
    const char *ops = ops_text(l, decl(l, DECL_STREAM, 0));
    assert_non_null(strstr(ops, "a = stddev_pop(price)"));
    assert_non_null(strstr(ops, "b = var_samp(price)"));
    assert_non_null(strstr(ops, "c = variance(price)"));
    lowered_free(l);
}

/* An aggregate's FILTER (WHERE c) is the aggregate of CASE WHEN c THEN x
 * END, COUNT(*)'s x a 1 (docs/sql.md, "Aggregates"). */
static void test_aggregate_filter(void **state)
{
    (void)state;
    Lowered *l = lower_ok(BID "CREATE TABLE out3 (window_start TIMESTAMP(3), a BIGINT, b BIGINT,\n"
                              "  c DOUBLE) WITH ('connector' = 'print');\n"
                              "INSERT INTO out3 SELECT window_start,\n"
                              "  COUNT(*) FILTER (WHERE price < 10),\n"
                              "  COUNT(DISTINCT item) FILTER (WHERE price >= 10), SUM(price)\n"
                              "  FILTER (WHERE item <> 'x')\n"
                              "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), "
                              "INTERVAL '10' MINUTES))\n"
                              "GROUP BY window_start, window_end;\n");
    const char *ops = ops_text(l, decl(l, DECL_STREAM, 0));
    assert_has(ops, "agg_1 = count(case when price < 10 then 1 end)");
    assert_has(ops, "agg_2 = count_distinct(case when price >= 10 then item end)");
    assert_has(ops, "agg_3 = sum(case when item != \"x\" then price end)");
    lowered_free(l);
}

/* Flink's documented Top-N (the best 5 products per category) and
 * deduplication (the first order of each id by processing time) patterns
 * (docs/sql.md, "Top-N and deduplication"). */
static void test_topn_and_dedupe(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        "CREATE TABLE ShopSales (product_id STRING, category STRING NOT NULL,\n"
        "  product_name STRING, sales BIGINT NOT NULL)\n"
        "  WITH ('connector' = 'filesystem', 'path' = 's.csv', 'format' = 'csv');\n"
        "CREATE TABLE best (product_id STRING, category STRING, product_name STRING,\n"
        "  sales BIGINT, row_num BIGINT) WITH ('connector' = 'print');\n"
        "INSERT INTO best\n"
        "SELECT product_id, category, product_name, sales, row_num FROM (\n"
        "  SELECT *, ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num\n"
        "  FROM ShopSales)\n"
        "WHERE row_num <= 5;\n"
        "CREATE TABLE Orders (order_id STRING NOT NULL, `user` STRING, num BIGINT,\n"
        "  proctime AS PROCTIME())\n"
        "  WITH ('connector' = 'filesystem', 'path' = 'o.csv', 'format' = 'csv');\n"
        "CREATE TABLE firsts (order_id STRING, num BIGINT) WITH ('connector' = 'print');\n"
        "INSERT INTO firsts SELECT order_id, num FROM (\n"
        "  SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY proctime ASC) AS row_num\n"
        "  FROM Orders)\n"
        "WHERE row_num = 1;\n");
    assert_string_equal(ops_text(l, decl(l, DECL_STREAM, 0)),
                        "key by category\ntop 5 by sales desc rank as row_num\n"
                        "select op, product_id, category, product_name, sales, row_num\n");
    /* Every row ties on a processing time: the first of each id ranks first. */
    assert_string_equal(ops_text(l, decl(l, DECL_STREAM, 1)),
                        "key by order_id\ntop 1 by 0 rank as row_num\nselect op, order_id, num\n");
    lowered_free(l);
}

/* The first operator of kind `kind` in a stream, or NULL. */
static const Op *op_of(const Decl *stream, OpKind kind)
{
    for (const Op *op = stream->stream.ops; op; op = op->next)
        if (op->kind == kind)
            return op;
    return NULL;
}

/* SET 'table.exec.state.ttl' gives the updating aggregates and regular
 * joins of the INSERTs after it a ttl (docs/sql.md, "SET"). */
static void test_set_state_ttl(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        "CREATE TABLE a (k BIGINT NOT NULL, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)\n"
        "  WITH ('connector' = 'filesystem', 'path' = 'a.csv', 'format' = 'csv');\n"
        "CREATE TABLE b (k BIGINT NOT NULL, w INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)\n"
        "  WITH ('connector' = 'filesystem', 'path' = 'b.csv', 'format' = 'csv');\n"
        "CREATE TABLE o (k BIGINT, n BIGINT) WITH ('connector' = 'print');\n"
        "CREATE TABLE p (k BIGINT, v INT, w INT) WITH ('connector' = 'print');\n"
        "INSERT INTO o SELECT k, COUNT(*) FROM a GROUP BY k;\n"
        "SET 'table.exec.state.ttl' = '1 h';\n"
        "INSERT INTO o SELECT k, COUNT(*) FROM a GROUP BY k;\n"
        "INSERT INTO p SELECT a.k, v, w FROM a JOIN b ON a.k = b.k;\n"
        "SET 'table.exec.state.ttl' = '0';\n"
        "INSERT INTO p SELECT a.k, v, w FROM a JOIN b ON a.k = b.k;\n");
    assert_false(op_of(decl(l, DECL_STREAM, 0), OP_AGGREGATE)->update.has_ttl);
    const Op *agg = op_of(decl(l, DECL_STREAM, 1), OP_AGGREGATE);
    assert_true(agg->update.has_ttl);
    assert_int_equal(agg->update.ttl.ms, 3600000);
    const Op *join = op_of(decl(l, DECL_STREAM, 2), OP_JOIN);
    assert_true(join->join.regular && join->join.has_ttl);
    assert_int_equal(join->join.ttl.ms, 3600000);
    assert_false(op_of(decl(l, DECL_STREAM, 3), OP_JOIN)->join.has_ttl);
    lowered_free(l);
}

static void test_ddl_types_and_watermark(void **state)
{
    (void)state;
    Lowered *l = lower_ok(BID "INSERT INTO out1 SELECT window_start, window_end, SUM(price)\n"
                              "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), "
                              "INTERVAL '10' MINUTES))\n"
                              "GROUP BY window_start, window_end;\n");
    Decl *schema = decl(l, DECL_SCHEMA, 0);
    assert_string_equal(schema->name, "Bid_row");
    const FieldDecl *f = schema->schema_fields;
    /* The time column cannot be null; nullable columns are optional. */
    assert_string_equal(f->name, "bidtime");
    assert_string_equal(f->type_name, "timestamp");
    assert_false(f->optional);
    f = f->next;
    assert_string_equal(f->type_name, "float64");
    assert_true(f->optional);
    f = f->next;
    assert_string_equal(f->type_name, "string");
    assert_false(f->optional);
    assert_true(f->next->optional);
    Decl *src = decl(l, DECL_SOURCE, 0);
    assert_string_equal(src->name, "Bid");
    assert_string_equal(src->source.event_time, "bidtime");
    assert_int_equal(src->source.watermark.ms, 1000);
    assert_string_equal(connector_text(l->arena, &src->source.conn),
                        "file(\"bid.csv\", format = csv, header = false, on_error = fail)");
    /* A window that gives what the sink wants in that order needs no select. */
    Decl *stream = decl(l, DECL_STREAM, 0);
    assert_string_equal(ops_text(l, stream),
                        "window tumbling 10m\naggregate total_price = sum(price)\n");
    assert_string_equal(connector_text(l->arena, &decl(l, DECL_SINK, 0)->sink.conn),
                        "stdout(format = csv, header = false)");
    lowered_free(l);
}

static void test_hop_session_and_keys(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        BID
        "CREATE TABLE out2 (item STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3),\n"
        "  n BIGINT) WITH ('connector' = 'blackhole');\n"
        "INSERT INTO out1 SELECT window_start, window_end, SUM(price)\n"
        "  FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES,\n"
        "    INTERVAL '10' MINUTES))\n"
        "  GROUP BY window_start, window_end;\n"
        "INSERT INTO out2 SELECT item, window_start, window_end, COUNT(*)\n"
        "  FROM TABLE(SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime),\n"
        "    INTERVAL '5' MINUTES))\n"
        "  GROUP BY item, window_start, window_end;\n");
    /* HOP's slide comes first, then its size. */
    assert_string_equal(ops_text(l, decl(l, DECL_STREAM, 0)),
                        "window sliding 10m every 5m\naggregate total_price = sum(price)\n");
    assert_string_equal(ops_text(l, decl(l, DECL_STREAM, 1)),
                        "key by item\nwindow session gap 5m\naggregate n = count()\n");
    assert_string_equal(connector_text(l->arena, &decl(l, DECL_SINK, 1)->sink.conn),
                        "file(\"/dev/null\", format = csv, header = false)");
    lowered_free(l);
}

/* CUMULATE's step comes first, then its size: Flow's cumulating window. */
static void test_cumulate(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        BID
        "INSERT INTO out1 SELECT window_start, window_end, SUM(price)\n"
        "  FROM TABLE(CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES,\n"
        "    INTERVAL '10' MINUTES))\n"
        "  GROUP BY window_start, window_end;\n");
    assert_string_equal(ops_text(l, decl(l, DECL_STREAM, 0)),
                        "window cumulate 10m every 2m\naggregate total_price = sum(price)\n");
    lowered_free(l);
}

static void test_select_order_and_having(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        BID
        "CREATE TABLE out2 (window_start TIMESTAMP(3), item STRING, n BIGINT, avg_price DOUBLE)\n"
        "  WITH ('connector' = 'print');\n"
        "INSERT INTO out2 SELECT window_start, item, COUNT(*), AVG(price)\n"
        "  FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '1' HOUR))\n"
        "  WHERE price > 1\n"
        "  GROUP BY window_start, window_end, item HAVING COUNT(*) > 1 AND MAX(price) < 9;\n");
    char *ops = ops_text(l, decl(l, DECL_STREAM, 0));
    assert_string_equal(ops, "where price > 1\n"
                             "key by item\n"
                             "window tumbling 1h\n"
                             "aggregate n = count(), avg_price = avg(price), agg_3 = max(price)\n"
                             "where n > 1 and agg_3 < 9\n"
                             "select window_start, item, n, avg_price\n");
    lowered_free(l);
}

static void test_functions(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        "CREATE TABLE t (s STRING, n INT, ts TIMESTAMP_LTZ(3)) WITH ('connector' = 'datagen',\n"
        "  'number-of-rows' = '10', 'rows-per-second' = '5');\n"
        "CREATE TABLE o (a STRING) WITH ('connector' = 'print');\n"
        "INSERT INTO o SELECT SUBSTRING(s FROM 2 FOR 3) || TRIM(LEADING FROM s) FROM t\n"
        "WHERE CAST(s AS BIGINT) > 2 AND EXTRACT(YEAR FROM ts) = 2024 AND DAYOFWEEK(ts) = 1\n"
        "  AND s NOT LIKE 'x%' AND n IS NOT NULL AND n NOT BETWEEN 1 AND 2 AND MOD(n, 3) <> 0\n"
        "  AND POSITION('a' IN s) > 0 AND CHAR_LENGTH(s) < 9 AND FLOOR(ts TO HOUR) < ts\n"
        "  AND DATE_FORMAT(ts, 'yyyy-MM-dd''T''HH') <> '' AND TIMESTAMPDIFF(MINUTE, ts, ts) = 0\n"
        "  AND ts > TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '90' SECOND\n"
        "  AND CASE n WHEN 1 THEN 'a' ELSE NULL END IS NULL;\n");
    Decl *src = decl(l, DECL_SOURCE, 0);
    assert_string_equal(connector_text(l->arena, &src->source.conn),
                        "generator(count = 10, rate = 5)");
    char *ops = ops_text(l, decl(l, DECL_STREAM, 0));
    assert_has(ops, "select a = concat(substring(s, 2, 3), ltrim(s))");
    assert_has(ops, "int64(s) > 2");
    assert_has(ops, "year(ts) == 2024");
    assert_has(ops, "day_of_week(ts) % 7 + 1 == 1");
    assert_has(ops, "s not like \"x%\"");
    assert_has(ops, "n is not null");
    assert_has(ops, "n not between 1 and 2");
    assert_has(ops, "n % 3 != 0");
    assert_has(ops, "position(\"a\", s) > 0");
    assert_has(ops, "length(s) < 9");
    assert_has(ops, "date_trunc(\"hour\", ts) < ts");
    assert_has(ops, "format_timestamp(ts, \"%Y-%m-%dT%H\") != \"\"");
    assert_has(ops, "int32((ts - ts) / 60000) == 0");
    assert_has(ops, "ts > timestamp(\"2024-01-01 00:00:00\") + 90s");
    assert_has(ops, "case n when 1 then \"a\" end is null");
    lowered_free(l);
}

/* CREATE FUNCTION of Nexmark's CountChar class: count_char(s, 'c') is the
 * count of the character, null s counting 0 (docs/sql.md, "Functions of Java
 * classes"). */
static void test_create_function(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        "CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS count_char\n"
        "  AS 'com.github.nexmark.flink.udf.CountChar' LANGUAGE JAVA;\n"
        "CREATE TABLE t (s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\n"
        "CREATE TABLE o (n BIGINT) WITH ('connector' = 'print');\n"
        "INSERT INTO o SELECT Count_Char(s, 'c') FROM t;\n");
    assert_has(ops_text(l, decl(l, DECL_STREAM, 0)),
               "select n = coalesce(length(s) - length(replace(s, \"c\", \"\")), 0)");
    lowered_free(l);
}

static void test_kafka_and_jdbc_options(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        "CREATE TABLE orders (id BIGINT NOT NULL, ts TIMESTAMP(3),\n"
        "  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (\n"
        "  'connector' = 'kafka', 'topic' = 'orders',\n"
        "  'properties.bootstrap.servers' = 'localhost:9092',\n"
        "  'properties.group.id' = 'g1', 'scan.startup.mode' = 'earliest-offset',\n"
        "  'format' = 'json', 'json.ignore-parse-errors' = 'true',\n"
        "  'properties.fetch.min.bytes' = '1');\n"
        "CREATE TABLE copy (id BIGINT NOT NULL, ts TIMESTAMP(3), PRIMARY KEY (id) NOT ENFORCED)\n"
        "WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://db:5433/shop',\n"
        "  'table-name' = 'copy', 'username' = 'u', 'sink.buffer-flush.interval' = '2 s');\n"
        "INSERT INTO copy SELECT * FROM orders;\n");
    assert_string_equal(connector_text(l->arena, &decl(l, DECL_SOURCE, 0)->source.conn),
                        "kafka(brokers = \"localhost:9092\", topic = \"orders\", group = \"g1\", "
                        "start = earliest, format = jsonl, on_error = skip, "
                        "properties = \"fetch.min.bytes=1\")");
    assert_string_equal(connector_text(l->arena, &decl(l, DECL_SINK, 0)->sink.conn),
                        "postgres(conninfo = \"host=db port=5433 dbname=shop user=u\", "
                        "table = \"copy\", mode = upsert, key = \"id\", linger = 2s)");
    /* SELECT * of the table, as it is: no select. */
    assert_null(decl(l, DECL_STREAM, 0)->stream.ops);
    lowered_free(l);
}

static void test_view_and_union(void **state)
{
    (void)state;
    Lowered *l = lower_ok(
        "CREATE TABLE a (k BIGINT NOT NULL, v STRING) WITH ('connector' = 'filesystem',\n"
        "  'path' = 'a.csv', 'format' = 'csv');\n"
        "CREATE VIEW va AS SELECT k, UPPER(v) AS v FROM a WHERE k > 0;\n"
        "CREATE TABLE o (k BIGINT, v STRING) WITH ('connector' = 'print');\n"
        "EXPLAIN INSERT INTO o SELECT k, v FROM va UNION ALL SELECT k, v FROM a;\n");
    assert_true(l->sql->explain);
    /* The UNION ALL branch, then the view the main SELECT reads, then it. */
    assert_string_equal(decl(l, DECL_STREAM, 0)->name, "o_union");
    assert_string_equal(decl(l, DECL_STREAM, 1)->name, "va");
    Decl *o = decl(l, DECL_STREAM, 2);
    assert_string_equal(o->name, "o");
    assert_string_equal(o->stream.input->name, "va");
    assert_has(ops_text(l, o), "union o_union");
    lowered_free(l);
}

static void test_syntax_errors_each_statement(void **state)
{
    (void)state;
    Lowered *l = lower("CREATE TABLE a (k BIGINT NOT NULL) WITH ('connector' = 'print');\n"
                       "INSERT INTO a SELECT k FROM a WHERE (k > 1;\n"
                       "INSERT INTO a SELECT k k2 k3 FROM a;\n"
                       "CREATE TABLE b (k BIGINT, WATERMARK FOR k AS k + 1) WITH ();\n");
    assert_int_equal(l->diag.errors, 3);
    const char *m = messages(l);
    assert_has(m, "job.sql:2:43: error: expected ')', found ';'");
    assert_has(m, "job.sql:3:27: error: expected 'FROM', found 'k3'");
    assert_has(m, "job.sql:4:48: error: this WATERMARK expression is not supported by this "
                  "version of flowc (write k - INTERVAL 'n' SECOND)");
    lowered_free(l);
}

static void test_unsupported_named(void **state)
{
    (void)state;
    static const struct { const char *sql, *message; } cases[] = {
        { "SELECT 1 FROM t;", "'a SELECT without INSERT INTO' is not supported" },
        { "INSERT INTO o SELECT k FROM t LIMIT 3;", "'LIMIT' is not supported" },
        { "INSERT INTO o SELECT k FROM t, u, v;", "'a join of more than two tables' is not" },
        { "INSERT INTO o SELECT k FROM t FOR SYSTEM_TIME AS OF t.ts JOIN u ON t.k = u.k;",
          "'FOR SYSTEM_TIME AS OF on the left of a join' is not supported" },
        { "INSERT INTO o SELECT k FROM t UNION SELECT k FROM t;",
          "'UNION without ALL' is not supported" },
        { "CREATE TABLE t (ts TIMESTAMP(6)) WITH ('connector' = 'print');",
          "'TIMESTAMP(6)' is not supported" },
        { "CREATE TABLE t (ts INTERVAL) WITH ('connector' = 'print');",
          "'type INTERVAL' is not supported" },
        { "CREATE TABLE t (a INT, b AS a + 1) WITH ('connector' = 'print');",
          "'computed column' is not supported" },
        { "RESET 'a';", "'RESET' is not supported" },
        { "SET 'table.exec.emit.late-fire.enabled' = 'true';",
          "'table.exec.emit.late-fire.enabled' is not supported" },
        { "INSERT INTO o SELECT k FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
          "INTERVAL '1' MONTH));", "INTERVAL ... MONTH' is not supported" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Lowered *l = lower(cases[i].sql);
        assert_true(l->diag.errors > 0);
        assert_has(messages(l), cases[i].message);
        lowered_free(l);
    }
}

static void test_unknown_names(void **state)
{
    (void)state;
    Lowered *l = lower(BID "INSERT INTO out1 SELECT window_start, window_end, SUMM(price)\n"
                           "FROM TABLE(TUMBLE(TABLE Bidd, DESCRIPTOR(bidtime), "
                           "INTERVAL '10' MINUTES)) GROUP BY window_start, window_end;\n"
                           "INSERT INTO out1 SELECT window_start, window_end, SUMM(price)\n"
                           "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), "
                           "INTERVAL '10' MINUTES)) GROUP BY window_start, window_end;\n");
    const char *m = messages(l);
    assert_has(m, "job.sql:11:25: error: unknown table 'Bidd' (did you mean 'Bid'?)");
    assert_has(m, "job.sql:12:51: error: unknown function 'SUMM' (did you mean 'SUM'?)");
    lowered_free(l);
}

/* Every prefix of a job, cut anywhere, gives errors or a program, never a
 * crash (under the sanitizers, never a bad read). */
static void test_every_prefix(void **state)
{
    (void)state;
    const char *job = BID "CREATE VIEW v AS SELECT item, price * 2 AS p FROM Bid\n"
                          "  WHERE item <> 'x';\n"
                          "INSERT INTO out1 SELECT window_start, window_end, SUM(p)\n"
                          "FROM TABLE(HOP(TABLE v, DESCRIPTOR(bidtime), INTERVAL '5' MINUTE,\n"
                          "  INTERVAL '10' MINUTE)) GROUP BY window_start, window_end\n"
                          "HAVING COUNT(DISTINCT item) > 1 /* done */;";
    size_t n = strlen(job);
    for (size_t i = 0; i <= n; i++) {
        char *cut = strndup(job, i);
        assert_non_null(cut);
        Lowered *l = lower(cut);
        assert_non_null(l->program);
        lowered_free(l);
        free(cut);
    }
}

static void test_sql_paths(void **state)
{
    (void)state;
    assert_true(sql_is_sql_path("jobs/a.sql"));
    assert_true(sql_is_sql_path("A.SQL"));
    assert_false(sql_is_sql_path("a.flow"));
    assert_false(sql_is_sql_path(".sql"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddl_types_and_watermark),
        cmocka_unit_test(test_statistics_aggregates),
        cmocka_unit_test(test_aggregate_filter),
        cmocka_unit_test(test_hop_session_and_keys),
        cmocka_unit_test(test_cumulate),
        cmocka_unit_test(test_create_function),
        cmocka_unit_test(test_topn_and_dedupe),
        cmocka_unit_test(test_set_state_ttl),
        cmocka_unit_test(test_select_order_and_having),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_kafka_and_jdbc_options),
        cmocka_unit_test(test_view_and_union),
        cmocka_unit_test(test_syntax_errors_each_statement),
        cmocka_unit_test(test_unsupported_named),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_sql_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
