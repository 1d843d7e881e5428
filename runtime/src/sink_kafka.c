/* sink_kafka.c: the kafka(...) sink (flowrt_kafka_sink_ops): an idempotent
 * librdkafka producer that sends each record the encoder wrote (CSV without
 * a header, or a JSON object) as one message, keyed by key=FIELD when given.
 * A full producer queue blocks the write, serving deliveries until there is
 * room, so the read loop and the sources wait: nothing buffers without
 * bound. flush waits until the brokers have every message; a failed
 * delivery fails the run. Its output is at-least-once: what a restore would
 * cut back is already in the topic (docs/kafka.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "kafka.h"

/* How long one wait for deliveries lasts before it looks again. */
#define KAFKA_POLL_MS 100

typedef struct KafkaOutput {
    Output base;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    const char *topic;
    const char *where;
    int key_field;               /* -1: no key */
    int64_t sent;                /* messages the producer took */
    rd_kafka_resp_err_t failed;  /* the first failed delivery */
    char failed_why[512];
} KafkaOutput;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    KafkaOutput *ko = opaque;
    if (m->err && !ko->failed) {
        ko->failed = m->err;
        snprintf(ko->failed_why, sizeof ko->failed_why, "%s", rd_kafka_err2str(m->err));
    }
}

/* A failed delivery is reported once, with librdkafka's reason; the run
 * then fails with the Output's errno. */
static int delivery_error(KafkaOutput *ko)
{
    if (!ko->failed)
        return 0;
    fprintf(stderr, "%s: sink to kafka topic '%s': %s\n", ko->where, ko->topic, ko->failed_why);
    ko->failed_why[0] = '\0';
    return EIO;
}

/* The end of the record at p: its line break, outside CSV quotes (a JSON
 * record has no raw line break). */
static const char *record_end(const char *p, const char *end, bool csv)
{
    bool quoted = false;
    for (; p < end; p++) {
        if (csv && *p == '"')
            quoted = !quoted;
        else if (*p == '\n' && !quoted)
            return p;
    }
    return end;
}

static const char *find(const char *p, const char *end, const char *s, size_t n)
{
    for (; p + n <= end; p++)
        if (memcmp(p, s, n) == 0)
            return p;
    return NULL;
}

/* The text of field k in a record the encoder wrote, quotes taken off: in
 * CSV the k-th column (doubled quotes stay doubled), in JSON what follows
 * the field's `,"name":` up to the next field's (a `"` inside a string is
 * always escaped, so that text cannot occur in a value). NULL for null. */
static const char *key_of(const FlowSink *sink, int k, const char *p, const char *end,
                          size_t *len)
{
    if (sink->format == SINK_CSV) {
        for (int col = 0; col < k && p < end; p++) {
            bool quoted = false;
            for (; p < end && (quoted || *p != ','); p++)
                quoted ^= *p == '"';
            col++;
        }
        const char *q = p;
        for (bool quoted = false; q < end && (quoted || *q != ','); q++)
            quoted ^= *q == '"';
        if (q - p >= 2 && *p == '"') {
            *len = (size_t)(q - p) - 2;
            return p + 1;
        }
        *len = (size_t)(q - p);
        return *len ? p : NULL;
    }
    const char *stop = end - 1; /* the closing brace */
    const char *v = find(p, stop, sink->json_keys[k], sink->json_key_lens[k]);
    if (!v)
        return NULL;
    v += sink->json_key_lens[k];
    if (k + 1 < sink->def->nfields) {
        const char *next = find(v, stop, sink->json_keys[k + 1], sink->json_key_lens[k + 1]);
        stop = next ? next : stop;
    }
    if (stop - v == 4 && memcmp(v, "null", 4) == 0)
        return NULL;
    if (stop - v >= 2 && *v == '"') {
        *len = (size_t)(stop - v) - 2;
        return v + 1;
    }
    *len = (size_t)(stop - v);
    return v;
}

/* One message; a full queue is waited out (backpressure). */
static int produce(KafkaOutput *ko, const char *msg, size_t n, const char *key, size_t key_len)
{
    while (rd_kafka_produce(ko->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)msg, n,
                            key, key_len, NULL) != 0) {
        rd_kafka_resp_err_t e = rd_kafka_last_error();
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            snprintf(ko->failed_why, sizeof ko->failed_why, "%s", rd_kafka_err2str(e));
            ko->failed = e;
            return delivery_error(ko);
        }
        rd_kafka_poll(ko->rk, KAFKA_POLL_MS);
    }
    ko->sent++;
    return 0;
}

static int kafka_write(Output *out, const char *bytes, size_t n)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    const FlowSink *sink = out->sinks[0];
    const char *end = bytes + n;
    for (const char *p = bytes; p < end;) {
        const char *e = record_end(p, end, sink->format == SINK_CSV);
        size_t key_len = 0;
        const char *key = ko->key_field >= 0 ? key_of(sink, ko->key_field, p, e, &key_len) : NULL;
        int error = produce(ko, p, (size_t)(e - p), key, key_len);
        if (error)
            return error;
        p = e + 1;
    }
    rd_kafka_poll(ko->rk, 0);
    return delivery_error(ko);
}

/* Until the brokers have acknowledged every message (or it timed out:
 * message.timeout.ms, then a delivery error). */
static int kafka_flush(Output *out)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    while (rd_kafka_outq_len(ko->rk) > 0 && !ko->failed)
        rd_kafka_flush(ko->rk, KAFKA_POLL_MS);
    return delivery_error(ko);
}

/* Delivered; the position is the number of messages sent. */
static int kafka_commit(Output *out, Position *pos)
{
    int error = kafka_flush(out);
    if (!error)
        flowrt_position_put_int64(pos, ((KafkaOutput *)out)->sent);
    return error;
}

/* Messages in a topic cannot be taken back: those since the checkpoint
 * come out again (at-least-once, as stdout). */
static int kafka_restore(Output *out, const Position *pos)
{
    (void)out;
    (void)pos;
    return 0;
}

static int kafka_close(Output *out)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    int error = ko->rk ? kafka_flush(out) : 0;
    if (ko->rkt)
        rd_kafka_topic_destroy(ko->rkt);
    if (ko->rk)
        rd_kafka_destroy(ko->rk);
    flowrt_output_free(out);
    free(ko);
    return error;
}

static int field_index(const FlowSinkDef *def, const char *name)
{
    for (int i = 0; name && i < def->nfields; i++)
        if (strcmp(def->field_names[i], name) == 0)
            return i;
    return -1;
}

static Output *kafka_open(const FlowSinkDef *def, ConnArgs *args, bool keep, char **err)
{
    (void)keep;
    const char *brokers = flowrt_connargs_text(args, "brokers", NULL);
    const char *topic = flowrt_connargs_text(args, "topic", NULL);
    const char *key = flowrt_connargs_text(args, "key", NULL);
    const char *properties = flowrt_connargs_text(args, "properties", NULL);
    if ((!brokers || !topic) && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "needs brokers and a topic");
    if (key && field_index(def, key) < 0 && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "key: '%s' is not a field", key);
    if (!flowrt_connargs_finish(args, err))
        return NULL;
    KafkaOutput *ko = calloc(1, sizeof *ko);
    if (!ko) {
        fprintf(stderr, "flow: out of memory (kafka sink)\n");
        abort();
    }
    flowrt_output_init(&ko->base, &flowrt_kafka_sink_ops, topic);
    ko->topic = topic;
    ko->where = def->conn.where;
    ko->key_field = field_index(def, key);
    /* Idempotent: a retried send is never written twice. */
    static const char *const ours[] = { "enable.idempotence", "true", NULL };
    rd_kafka_conf_t *conf = flowrt_kafka_conf(&def->conn, brokers, ours, properties, err);
    char why[512];
    if (conf) {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, ko);
        ko->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
        if (!ko->rk) {
            rd_kafka_conf_destroy(conf);
            *err = flowrt_connargs_message(&def->conn, "cannot make a Kafka producer: %s", why);
        }
    }
    int nparts = 0;
    int32_t *ids = ko->rk ? flowrt_kafka_partitions(&def->conn, ko->rk, brokers, topic, &nparts,
                                                    err)
                          : NULL;
    if (!ids) {
        kafka_close(&ko->base);
        return NULL;
    }
    free(ids);
    ko->rkt = rd_kafka_topic_new(ko->rk, topic, NULL);
    return &ko->base;
}

const SinkOps flowrt_kafka_sink_ops = {
    .open = kafka_open,
    .write = kafka_write,
    .flush = kafka_flush,
    .commit = kafka_commit,
    .restore = kafka_restore,
    .close = kafka_close,
    .one_per_runtime = false,
    .no_header = true,
};
