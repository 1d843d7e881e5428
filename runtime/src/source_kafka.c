/* source_kafka.c: the kafka(...) source (flowrt_kafka_source_ops): a
 * librdkafka consumer that assigns itself every partition of its topic, each
 * from an offset it decides (start=, or a checkpoint's position), and decodes
 * each message as one CSV or JSON record. Its position is the next offset of
 * every partition, so a restore (seek) goes on exactly where the checkpoint
 * was, whatever the group has committed. In event time each partition has
 * its watermark and the source reports their minimum, leaving out a
 * partition quiet for `idle` until it delivers again. Bad messages are
 * reported with their topic, partition and offset. */
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
    rd_kafka_resp_err_t last_err; /* the last client error reported, not to repeat it */
    CsvParser csv;
    int *colmap;          /* CSV columns in schema order */
    JsonParser json;
    FlowField *fields;
    char where[512];      /* "topic 'orders' partition 2 offset 17" */
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

/* One message is one record: a second record in it, or none, is bad. */
static void decode(KafkaSource *ks, FlowRuntime *rt, const char *p, size_t len)
{
    Source *src = &ks->base;
    if (ks->jsonl) {
        const char *reason;
        JsonStatus st = flowrt_json_parse_line(&ks->json, p, len, ks->fields, &reason);
        if (st == JSON_RECORD)
            src->def->decode(rt, ks->fields);
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
    } else if (rec.ncols != src->def->nfields) {
        char why[96];
        snprintf(why, sizeof why, "expected %d fields, found %d", src->def->nfields, rec.ncols);
        flowrt_source_bad_record(rt, src, NULL, why);
    } else {
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

static SourceStatus read_messages(Source *src, FlowRuntime *rt, int max)
{
    KafkaSource *ks = (KafkaSource *)src;
    if (!ks->assigned && !assign(ks, rt))
        return SOURCE_FAILED;
    bool waited = false;
    for (int n = 0; n < max && !rt->failed;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(ks->rk, 0);
        if (!m && (n > 0 || waited))
            return n > 0 ? SOURCE_MORE : SOURCE_IDLE;
        if (!m) {
            /* Nothing yet: what the sinks hold goes out before the wait. */
            flowrt_sinks_flush(rt);
            m = rd_kafka_consumer_poll(ks->rk, READ_WAIT_MS);
            waited = true;
            if (!m)
                return SOURCE_IDLE;
        }
        int at = m->err ? -1 : partition_index(ks, m->partition);
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !client_error(ks, rt, m)) {
            rd_kafka_message_destroy(m);
            return SOURCE_FAILED;
        }
        if (at >= 0) {
            ks->last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
            ks->next[at] = m->offset + 1;
            snprintf(ks->where, sizeof ks->where, "topic '%s' partition %d offset %lld",
                     ks->topic, (int)m->partition, (long long)m->offset);
            src->where = m->offset;
            src->raw = m->payload ? m->payload : "";
            src->raw_len = m->len;
            flowrt_runtime_begin_record(rt, src);
            WatermarkInput *in = &rt->watermarks.inputs[src->index];
            in->last_ts = FLOW_TIME_MIN;
            decode(ks, rt, src->raw, m->len);
            if (in->last_ts > ks->max_ts[at])
                ks->max_ts[at] = in->last_ts;
            ks->last_ms[at] = rt->now_ms;
            n++;
        }
        rd_kafka_message_destroy(m);
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

static SourceStatus kafka_poll(Source *src, FlowRuntime *rt, int max)
{
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
 * start= gave it; a named one the topic no longer has refuses the seek. */
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
    if (ok) {
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
                                 "false", NULL };
    rd_kafka_conf_t *conf = flowrt_kafka_conf(conn, brokers, ours, properties, err);
    if (!conf)
        return false;
    char why[512];
    ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!ks->rk) {
        rd_kafka_conf_destroy(conf);
        *err = flowrt_connargs_message(conn, "cannot make a Kafka consumer: %s", why);
        return false;
    }
    rd_kafka_poll_set_consumer(ks->rk);
    ks->ids = flowrt_kafka_partitions(conn, ks->rk, brokers, ks->topic, &ks->nparts, err);
    if (!ks->ids)
        return false;
    ks->next = alloc_or_die(sizeof *ks->next * (size_t)ks->nparts);
    ks->max_ts = alloc_or_die(sizeof *ks->max_ts * (size_t)ks->nparts);
    ks->last_ms = alloc_or_die(sizeof *ks->last_ms * (size_t)ks->nparts);
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
        ks->next[i] = earliest ? lo : hi;
    }
    return true;
}

static Source *kafka_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                          const ParamValues *params, char **err)
{
    static const char *const formats[] = { "csv", "jsonl", "json", NULL };
    static const char *const starts[] = { "earliest", "latest", NULL };
    KafkaSource *ks = alloc_or_die(sizeof *ks);
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
    ks->base.where_text = ks->where;
    flowrt_source_common_args(&ks->base, &args, true);
    flowrt_csv_init(&ks->csv);
    flowrt_json_init(&ks->json, def->field_names, def->nfields);
    ks->fields = alloc_or_die((size_t)def->nfields * sizeof *ks->fields);
    ks->colmap = alloc_or_die((size_t)def->nfields * sizeof *ks->colmap);
    for (int i = 0; i < def->nfields; i++)
        ks->colmap[i] = i;
    ks->csv.map = ks->colmap;
    ks->csv.map_len = def->nfields;
    ks->csv.slots = ks->fields;
    if (!flowrt_connargs_finish(&args, err) ||
        !open_client(ks, rt, brokers, group, earliest, properties, err)) {
        flowrt_source_close(&ks->base);
        return NULL;
    }
    return &ks->base;
}

const SourceOps flowrt_kafka_source_ops = { kafka_open, kafka_poll, kafka_position, kafka_seek,
                                            kafka_close };
