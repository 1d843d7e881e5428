/* source_kafka.c: the kafka(...) source (flowrt_kafka_source_ops): a
 * librdkafka consumer that assigns itself every partition of its topic, each
 * from an offset it decides (start=, or a checkpoint's position), and decodes
 * each message as one CSV or JSON record. Its position is the next offset of
 * every partition, so a restore (seek) goes on exactly where the checkpoint
 * was, whatever the group has committed. In event time each partition has
 * its watermark and the source reports their minimum, leaving out a
 * partition quiet for `idle` until it delivers again. Bad messages are
 * reported with their topic, partition and offset. A table's source reads a
 * changelog: from the earliest offsets to the ends the partitions had when
 * it opened (or a checkpoint's offsets), then on while the program runs, a
 * null message (a tombstone) deleting its key's row (table.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "csv.h"
#include "errors.h"
#include "json.h"
#include "kafka.h"
#include "readbuf.h"
#include "rt.h"
#include "table.h"

typedef struct KafkaSource {
    Source base;
    rd_kafka_t *rk;
    const char *topic;
    bool jsonl;
    int nparts;
    int32_t *ids;         /* partition ids, ascending */
    int64_t *next;        /* per partition: the offset of the next message to read */
    int64_t *max_ts;      /* per partition: the newest event time, in the position too */
    int64_t *last_ms;     /* per partition: rt->now_ms of its last message (idleness) */
    bool assigned;        /* the consumer reads from `next` */
    bool loading;         /* a table before the streams start: reads up to `end` */
    int64_t *end;         /* per partition, loading: where loading stops */
    bool *reached;        /* per partition, loading: at its end */
    rd_kafka_resp_err_t last_err; /* the last client error reported, not to repeat it */
    CsvParser csv;
    int *colmap;          /* CSV columns in schema order (without the timestamp field) */
    int ts_field;         /* timestamp=: the field the message's timestamp fills, or -1 */
    char ts_text[24];     /* its value, epoch ms */
    int64_t refresh_ms;   /* how often the topic's partitions are looked up again */
    int64_t refreshed_ms; /* rt->now_ms when they last were */
    JsonParser json;
    FlowField *fields;
} KafkaSource;

static void *alloc_or_die(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "flow: out of memory (kafka source)\n");
        abort();
    }
    return p;
}

static void *grow(void *p, size_t size, size_t n)
{
    p = realloc(p, size * n);
    if (!p) {
        fprintf(stderr, "flow: out of memory (kafka source)\n");
        abort();
    }
    return p;
}

/* The consumer reads each partition from its `next` offset. */
static bool assign(KafkaSource *ks, FlowRuntime *rt)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(ks->nparts);
    for (int i = 0; i < ks->nparts; i++)
        rd_kafka_topic_partition_list_add(list, ks->topic, ks->ids[i])->offset = ks->next[i];
    rd_kafka_resp_err_t e = rd_kafka_assign(ks->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        flowrt_runtime_fail(rt, "%s: source '%s': cannot read topic '%s': %s",
                            ks->base.def->conn.where, ks->base.def->name, ks->topic,
                            rd_kafka_err2str(e));
        return false;
    }
    ks->assigned = true;
    return true;
}

static int partition_index(const KafkaSource *ks, int32_t id)
{
    for (int i = 0; i < ks->nparts; i++)
        if (ks->ids[i] == id)
            return i;
    return -1;
}

/* timestamp=: the message's timestamp in its field, as epoch ms (a JSON
 * member of that name is replaced). False, and the record bad, when the
 * message has none. */
static bool put_timestamp(KafkaSource *ks, FlowRuntime *rt)
{
    if (ks->ts_field < 0)
        return true;
    if (ks->ts_text[0] == '\0') {
        flowrt_source_bad_record(rt, &ks->base, NULL, "the message has no timestamp");
        return false;
    }
    ks->fields[ks->ts_field] = (FlowField){ ks->ts_text, strlen(ks->ts_text), FLOW_FIELD_NUMBER };
    return true;
}

/* One message is one record: a second record in it, or none, is bad. */
static void decode(KafkaSource *ks, FlowRuntime *rt, const char *p, size_t len)
{
    Source *src = &ks->base;
    if (ks->jsonl) {
        const char *reason;
        JsonStatus st = flowrt_json_parse_line(&ks->json, p, len, ks->fields, &reason);
        if (st == JSON_RECORD && put_timestamp(ks, rt))
            src->def->decode(rt, ks->fields);
        else if (st == JSON_RECORD)
            return;
        else
            flowrt_source_bad_record(rt, src, NULL, st == JSON_BLANK ? "an empty message" : reason);
        return;
    }
    CsvRecord rec;
    CsvStatus st = flowrt_csv_parse(&ks->csv, p, len, true, &rec);
    bool rest = false;
    for (size_t i = rec.used; i < len && !rest; i++)
        rest = p[i] != '\n' && p[i] != '\r';
    if (st != CSV_RECORD) {
        flowrt_source_bad_record(rt, src, NULL, "an empty message");
    } else if (rec.error) {
        flowrt_source_bad_record(rt, src, NULL, rec.error);
    } else if (rest) {
        flowrt_source_bad_record(rt, src, NULL, "more than one CSV record in the message");
    } else if (rec.ncols != ks->csv.map_len) {
        char why[96];
        snprintf(why, sizeof why, "expected %d fields, found %d", ks->csv.map_len, rec.ncols);
        flowrt_source_bad_record(rt, src, NULL, why);
    } else if (put_timestamp(ks, rt)) {
        src->def->decode(rt, ks->fields);
    }
}

/* A client error (a broker down, a timeout) is reported once, and the
 * client goes on retrying; a fatal one stops the run. */
static bool client_error(KafkaSource *ks, FlowRuntime *rt, const rd_kafka_message_t *m)
{
    char why[512];
    if (rd_kafka_fatal_error(ks->rk, why, sizeof why) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        flowrt_runtime_fail(rt, "%s: source '%s': kafka: %s", ks->base.def->conn.where,
                            ks->base.def->name, why);
        return false;
    }
    if (m->err != ks->last_err)
        fprintf(stderr, "%s: source '%s': kafka: %s (retrying)\n", rt->prog->name,
                ks->base.def->name, rd_kafka_message_errstr(m));
    ks->last_err = m->err;
    return true;
}

/* Loading a table: a message at or past its partition's end is not applied
 * (it is read again once the table follows, from `next`), nor is anything
 * after an end-of-partition event at or past it. */
static bool past_end(KafkaSource *ks, int at, int64_t offset)
{
    if (!ks->loading || offset < ks->end[at])
        return false;
    ks->reached[at] = true;
    if (ks->next[at] < ks->end[at])
        ks->next[at] = ks->end[at];
    return true;
}

/* Loading, the end of a partition is its end, even short of `end` (a
 * checkpoint's offsets in a topic that lost messages since); what lies
 * between `next` and it are control records (transaction markers). */
static void at_eof(KafkaSource *ks, int at, int64_t offset)
{
    if (!ks->loading)
        return;
    ks->reached[at] = true;
    int64_t to = offset < ks->end[at] ? offset : ks->end[at];
    if (ks->next[at] < to)
        ks->next[at] = to;
}

static bool all_reached(const KafkaSource *ks)
{
    for (int i = 0; i < ks->nparts; i++)
        if (!ks->reached[i])
            return false;
    return true;
}

/* A table's message: a row (a later one of its key replaces it) or, with
 * no value, a tombstone that deletes its key's row. */
static void apply_change(KafkaSource *ks, FlowRuntime *rt, const rd_kafka_message_t *m)
{
    Source *src = &ks->base;
    if (m->payload) {
        decode(ks, rt, src->raw, m->len);
        if (m->key)
            flowrt_table_keyed(rt, src->index, m->key, m->key_len);
    } else if (m->key) {
        flowrt_table_tombstone(rt, src->index, m->key, m->key_len);
    } else {
        flowrt_source_bad_record(rt, src, NULL, "a tombstone (no value) without a key");
    }
}

static void take(KafkaSource *ks, FlowRuntime *rt, int at, const rd_kafka_message_t *m)
{
    Source *src = &ks->base;
    ks->last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    ks->next[at] = m->offset + 1;
    src->part = m->partition;
    src->where = m->offset;
    src->raw = m->payload ? m->payload : "";
    src->raw_len = m->len;
    if (ks->ts_field >= 0) {
        rd_kafka_timestamp_type_t type;
        int64_t ms = rd_kafka_message_timestamp(m, &type);
        if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ms < 0)
            ks->ts_text[0] = '\0';
        else
            snprintf(ks->ts_text, sizeof ks->ts_text, "%lld", (long long)ms);
    }
    flowrt_runtime_begin_record(rt, src);
    if (src->follows) {
        apply_change(ks, rt, m);
        return;
    }
    WatermarkInput *in = &rt->watermarks.inputs[src->index];
    in->last_ts = FLOW_TIME_MIN;
    rt->head.quiet_to = FLOW_TIME_MIN; /* the record's time goes to its partition's */
    decode(ks, rt, src->raw, m->len);
    if (in->last_ts > ks->max_ts[at])
        ks->max_ts[at] = in->last_ts;
    ks->last_ms[at] = rt->now_ms;
}

/* A table that is loading waits for its messages (SOURCE_MORE until every
 * partition is at its end, then SOURCE_DONE); one that follows never
 * waits, as it is polled between the rounds of the streams. */
static SourceStatus read_messages(Source *src, FlowRuntime *rt, int max)
{
    KafkaSource *ks = (KafkaSource *)src;
    if (ks->loading && all_reached(ks)) {
        ks->loading = false;
        ks->assigned = false; /* on from `next`, dropping what was fetched past the ends */
        return SOURCE_DONE;
    }
    if (!ks->assigned && !assign(ks, rt))
        return SOURCE_FAILED;
    bool waited = src->follows && !ks->loading;
    for (int n = 0; n < max && !rt->failed;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(ks->rk, 0);
        if (!m && (n > 0 || waited))
            return n > 0 || ks->loading ? SOURCE_MORE : SOURCE_IDLE;
        if (!m) {
            /* Nothing yet: what the sinks hold goes out before the wait. */
            flowrt_runtime_quiet(rt);
            m = rd_kafka_consumer_poll(ks->rk, READ_WAIT_MS);
            waited = true;
            if (!m)
                return ks->loading ? SOURCE_MORE : SOURCE_IDLE;
        }
        int at = m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF
                     ? -1
                     : partition_index(ks, m->partition);
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !client_error(ks, rt, m)) {
            rd_kafka_message_destroy(m);
            return SOURCE_FAILED;
        }
        if (at >= 0 && m->err)
            at_eof(ks, at, m->offset);
        else if (at >= 0 && !past_end(ks, at, m->offset)) {
            take(ks, rt, at, m);
            n++;
        }
        rd_kafka_message_destroy(m);
        if (ks->loading && all_reached(ks))
            return SOURCE_MORE;
    }
    return rt->failed ? SOURCE_FAILED : SOURCE_MORE;
}

/* The minimum of the partitions' watermarks, leaving out those quiet for
 * `idle`; with every partition quiet it stays where it was. */
static void report_watermark(KafkaSource *ks, FlowRuntime *rt)
{
    const FlowSourceDef *def = ks->base.def;
    if (def->event_time_field < 0)
        return;
    /* The delay and idle time of this run (a param's value, or the literal). */
    const WatermarkInput *in = &rt->watermarks.inputs[ks->base.index];
    int64_t min = FLOW_TIME_MAX;
    for (int i = 0; i < ks->nparts; i++)
        if (in->idle_ms <= 0 || rt->now_ms - ks->last_ms[i] < in->idle_ms) {
            int64_t wm = flowrt_watermark_after(ks->max_ts[i], in->delay_ms);
            min = wm < min ? wm : min;
        }
    if (min < FLOW_TIME_MAX)
        flowrt_watermarks_report(&rt->watermarks, ks->base.index, min);
}

/* Every refresh_ms (topic.metadata.refresh.interval.ms) the topic's
 * partitions are looked up again, briefly (no answer: next time); a new one
 * is read from its start, and holds the watermark back until it delivers
 * or goes idle, as a partition that was there from the start would. */
static void refresh_partitions(KafkaSource *ks, FlowRuntime *rt)
{
    if (ks->loading || rt->now_ms - ks->refreshed_ms < ks->refresh_ms)
        return;
    ks->refreshed_ms = rt->now_ms;
    int n = 0;
    char *err = NULL;
    int32_t *ids = flowrt_kafka_partitions(&ks->base.def->conn, ks->rk, "", ks->topic, &n,
                                           KAFKA_REFRESH_TIMEOUT_MS, &err);
    free(err);
    int added = 0;
    for (int k = 0; ids && k < n; k++)
        added += partition_index(ks, ids[k]) < 0;
    if (added == 0) {
        free(ids);
        return;
    }
    size_t total = (size_t)(ks->nparts + added);
    ks->ids = grow(ks->ids, sizeof *ks->ids, total);
    ks->next = grow(ks->next, sizeof *ks->next, total);
    ks->max_ts = grow(ks->max_ts, sizeof *ks->max_ts, total);
    ks->last_ms = grow(ks->last_ms, sizeof *ks->last_ms, total);
    ks->end = grow(ks->end, sizeof *ks->end, total);
    ks->reached = grow(ks->reached, sizeof *ks->reached, total);
    for (int k = 0; k < n; k++) {
        int64_t lo, hi;
        if (partition_index(ks, ids[k]) >= 0 ||
            rd_kafka_query_watermark_offsets(ks->rk, ks->topic, ids[k], &lo, &hi,
                                             KAFKA_REFRESH_TIMEOUT_MS))
            continue;
        int i = ks->nparts++;
        ks->ids[i] = ids[k];
        ks->next[i] = lo;
        ks->max_ts[i] = FLOW_TIME_MIN;
        ks->last_ms[i] = rt->now_ms;
        ks->end[i] = hi;
        ks->reached[i] = true;
        fprintf(stderr, "%s: %s '%s': topic '%s' has partition %d now, read from offset %lld\n",
                rt->prog->name, ks->base.table ? "table" : "source", ks->base.def->name,
                ks->topic, (int)ids[k], (long long)lo);
        ks->assigned = false;
    }
    free(ids);
}

/* The watermark is reported before the batch too: each record's decode
 * moves the program's watermark by the input's, which, until a first
 * report, is the newest time of any partition (a first batch from one
 * partition would fire windows that the others' records then reach late). */
static SourceStatus kafka_poll(Source *src, FlowRuntime *rt, int max)
{
    refresh_partitions((KafkaSource *)src, rt);
    report_watermark((KafkaSource *)src, rt);
    SourceStatus st = read_messages(src, rt, max);
    report_watermark((KafkaSource *)src, rt);
    return st;
}

/* Partition count, then (partition, next offset, newest event time)
 * triples. */
static void kafka_position(const Source *src, Position *pos)
{
    const KafkaSource *ks = (const KafkaSource *)src;
    flowrt_position_clear(pos);
    flowrt_position_put_int64(pos, ks->nparts);
    for (int i = 0; i < ks->nparts; i++) {
        flowrt_position_put_int64(pos, ks->ids[i]);
        flowrt_position_put_int64(pos, ks->next[i]);
        flowrt_position_put_int64(pos, ks->max_ts[i]);
    }
}

/* A partition the position does not name (added since) keeps the offset
 * start= gave it; a named one the topic no longer has refuses the seek. A
 * table that is loading is read from its start to the position instead: the
 * table as it was at the checkpoint. */
static bool kafka_seek(Source *src, const Position *pos)
{
    KafkaSource *ks = (KafkaSource *)src;
    size_t at = 0;
    int64_t n;
    if (!flowrt_position_get_int64(pos, &at, &n) || n < 0 || n > INT32_MAX)
        return false;
    size_t size = sizeof(int64_t) * (size_t)ks->nparts;
    int64_t *next = alloc_or_die(size), *max_ts = alloc_or_die(size);
    memcpy(next, ks->next, size);
    memcpy(max_ts, ks->max_ts, size);
    bool ok = true;
    for (int64_t k = 0; k < n && ok; k++) {
        int64_t id, offset, ts;
        ok = flowrt_position_get_int64(pos, &at, &id) &&
             flowrt_position_get_int64(pos, &at, &offset) &&
             flowrt_position_get_int64(pos, &at, &ts) && offset >= 0 && id >= 0 &&
             id <= INT32_MAX;
        int i = ok ? partition_index(ks, (int32_t)id) : -1;
        ok = ok && i >= 0;
        if (ok) {
            next[i] = offset;
            max_ts[i] = ts;
        }
    }
    ok = ok && at == pos->len;
    if (ok && ks->loading) {
        for (int i = 0; i < ks->nparts; i++) {
            ks->end[i] = next[i];
            ks->reached[i] = ks->next[i] >= next[i];
        }
    } else if (ok) {
        memcpy(ks->next, next, size);
        memcpy(ks->max_ts, max_ts, size);
        ks->assigned = false;
    }
    free(next);
    free(max_ts);
    return ok;
}

static void kafka_close(Source *src)
{
    KafkaSource *ks = (KafkaSource *)src;
    if (ks->rk) {
        rd_kafka_consumer_close(ks->rk);
        rd_kafka_destroy(ks->rk);
    }
    flowrt_csv_free(&ks->csv);
    flowrt_json_free(&ks->json);
    free(ks->colmap);
    free(ks->fields);
    free(ks->ids);
    free(ks->next);
    free(ks->max_ts);
    free(ks->last_ms);
    free(ks->end);
    free(ks->reached);
    free(ks);
}

/* The consumer, the topic's partitions and where each starts. */
static bool open_client(KafkaSource *ks, const FlowRuntime *rt, const char *brokers,
                    const char *group, bool earliest, const char *properties, char **err)
{
    const FlowConnector *conn = &ks->base.def->conn;
    /* The source decides every offset itself; the group only names it. */
    char dflt_group[256];
    snprintf(dflt_group, sizeof dflt_group, "flowc-%s", rt ? rt->prog->name : "test");
    const char *const ours[] = { "group.id", group ? group : dflt_group, "enable.auto.commit",
                                 "false", "enable.partition.eof", ks->loading ? "true" : "false",
                                 "topic.metadata.refresh.interval.ms",
                                 KAFKA_TEXT_OF(KAFKA_REFRESH_MS), NULL };
    rd_kafka_conf_t *conf = flowrt_kafka_conf(conn, brokers, ours, properties, err);
    if (!conf)
        return false;
    char why[512];
    size_t size = sizeof why;
    ks->refresh_ms = rd_kafka_conf_get(conf, "topic.metadata.refresh.interval.ms", why, &size) ==
                             RD_KAFKA_CONF_OK
                         ? atoll(why)
                         : KAFKA_REFRESH_MS;
    if (ks->refresh_ms <= 0)
        ks->refresh_ms = INT64_MAX;
    ks->refreshed_ms = rt ? rt->now_ms : 0;
    ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!ks->rk) {
        rd_kafka_conf_destroy(conf);
        *err = flowrt_connargs_message(conn, "cannot make a Kafka consumer: %s", why);
        return false;
    }
    ks->ids = flowrt_kafka_partitions(conn, ks->rk, brokers, ks->topic, &ks->nparts,
                                      KAFKA_OPEN_TIMEOUT_MS, err);
    if (!ks->ids)
        return false;
    rd_kafka_poll_set_consumer(ks->rk);
    ks->next = alloc_or_die(sizeof *ks->next * (size_t)ks->nparts);
    ks->max_ts = alloc_or_die(sizeof *ks->max_ts * (size_t)ks->nparts);
    ks->last_ms = alloc_or_die(sizeof *ks->last_ms * (size_t)ks->nparts);
    ks->end = alloc_or_die(sizeof *ks->end * (size_t)ks->nparts);
    ks->reached = alloc_or_die(sizeof *ks->reached * (size_t)ks->nparts);
    for (int i = 0; i < ks->nparts; i++) {
        /* Idle clocks start with the run, as the input's do. */
        ks->max_ts[i] = FLOW_TIME_MIN;
        ks->last_ms[i] = rt ? rt->now_ms : 0;
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(ks->rk, ks->topic, ks->ids[i],
                                                                 &lo, &hi, KAFKA_OPEN_TIMEOUT_MS);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            *err = flowrt_connargs_message(conn, "topic '%s' partition %d: no offsets: %s",
                                           ks->topic, (int)ks->ids[i], rd_kafka_err2str(e));
            return false;
        }
        ks->next[i] = earliest || ks->loading ? lo : hi;
        ks->end[i] = hi;
        ks->reached[i] = lo >= hi;
    }
    return true;
}

static Source *kafka_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                          const ParamValues *params, char **err)
{
    static const char *const formats[] = { "csv", "jsonl", "json", NULL };
    static const char *const starts[] = { "earliest", "latest", NULL };
    KafkaSource *ks = alloc_or_die(sizeof *ks);
    /* A table's definition is one of the program's tables: it reads a
     * changelog, from the start. */
    for (int i = 0; rt && i < rt->prog->ntables; i++)
        ks->loading |= def == &rt->prog->tables[i];
    ConnArgs args;
    flowrt_connargs_init(&args, &def->conn, params);
    const char *brokers = flowrt_connargs_text(&args, "brokers", NULL);
    ks->topic = flowrt_connargs_text(&args, "topic", NULL);
    const char *group = flowrt_connargs_text(&args, "group", NULL);
    ks->jsonl = flowrt_connargs_choice(&args, "format", formats, 0) != 0;
    bool earliest = flowrt_connargs_choice(&args, "start", starts, 1) == 0;
    const char *properties = flowrt_connargs_text(&args, "properties", NULL);
    if ((!brokers || !ks->topic) && !args.err)
        args.err = flowrt_connargs_message(&def->conn, "needs brokers and a topic");
    flowrt_source_init(&ks->base, &flowrt_kafka_source_ops, def, index, ks->topic);
    ks->base.follows = ks->loading;
    flowrt_source_common_args(&ks->base, &args, true);
    flowrt_csv_init(&ks->csv);
    flowrt_json_init(&ks->json, def->field_names, def->nfields);
    const char *ts = flowrt_connargs_text(&args, "timestamp", NULL);
    ks->ts_field = -1;
    for (int i = 0; ts && i < def->nfields; i++)
        if (strcmp(def->field_names[i], ts) == 0)
            ks->ts_field = i;
    if (ts && ks->ts_field < 0 && !args.err)
        args.err = flowrt_connargs_message(&def->conn, "timestamp: '%s' is not a field", ts);
    ks->fields = alloc_or_die((size_t)def->nfields * sizeof *ks->fields);
    ks->colmap = alloc_or_die((size_t)def->nfields * sizeof *ks->colmap);
    /* The timestamp field is not in a CSV value: its columns are the others. */
    int ncols = 0;
    for (int i = 0; i < def->nfields; i++)
        if (i != ks->ts_field)
            ks->colmap[ncols++] = i;
    ks->csv.map = ks->colmap;
    ks->csv.map_len = ncols;
    ks->csv.slots = ks->fields;
    if (!flowrt_connargs_finish(&args, err) ||
        !open_client(ks, rt, brokers, group, earliest, properties, err)) {
        flowrt_source_close(&ks->base);
        return NULL;
    }
    return &ks->base;
}

/* Checkpoint complete: its offsets go to the consumer group, for tools that
 * watch a group's lag (kafka-consumer-groups); the source never reads them
 * back, as the checkpoint is the source of truth (docs/kafka.md). The commit
 * is asynchronous: a failure is the group's view lagging, not the output's. */
static void kafka_checkpointed(Source *src, const Position *pos)
{
    KafkaSource *ks = (KafkaSource *)src;
    size_t at = 0;
    int64_t n;
    if (ks->base.table || !flowrt_position_get_int64(pos, &at, &n) || n <= 0 || n > INT32_MAX)
        return;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)n);
    for (int64_t k = 0; k < n; k++) {
        int64_t id, offset, ts;
        if (!flowrt_position_get_int64(pos, &at, &id) ||
            !flowrt_position_get_int64(pos, &at, &offset) ||
            !flowrt_position_get_int64(pos, &at, &ts))
            break;
        /* A partition not read yet has no offset to commit. */
        if (offset >= 0)
            rd_kafka_topic_partition_list_add(list, ks->topic, (int32_t)id)->offset = offset;
    }
    if (list->cnt > 0)
        rd_kafka_commit(ks->rk, list, 1);
    rd_kafka_topic_partition_list_destroy(list);
}

/* "topic 'orders' partition 2 offset 17" */
static void kafka_describe(const Source *src, int32_t part, int64_t where, char *buf,
                           size_t size)
{
    snprintf(buf, size, "topic '%s' partition %d offset %lld", src->label, (int)part,
             (long long)where);
}

const SourceOps flowrt_kafka_source_ops = { kafka_open,  kafka_poll,         kafka_position,
                                            kafka_seek,  kafka_close,        kafka_checkpointed,
                                            kafka_describe };
