/* sink_kafka.c: the kafka(...) sink (flowrt_kafka_sink_ops): a librdkafka
 * producer that sends each record the encoder wrote (CSV without a header,
 * or a JSON object) as one message, keyed by key=FIELD when given. A full
 * producer queue blocks the write, serving deliveries until there is room,
 * so the read loop and the sources wait: nothing buffers without bound.
 * flush waits until the brokers have every message; a failed delivery fails
 * the run. Without checkpoints the producer is idempotent and the output
 * at-least-once; in a checkpointed run two transactional producers take
 * turns, one transaction per checkpoint, committed with a marker record
 * when the checkpoint is complete: exactly-once (docs/checkpoints.md,
 * "Kafka sinks"). Every kafka sink of such a run writes through the same
 * two producers (KafkaTxn), so that all their topics commit at once. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors.h"
#include "kafka.h"
#include "rt.h"

/* How long one wait for deliveries lasts before it looks again. */
#define KAFKA_POLL_MS 100
/* How many messages at the end of the commit topic a restore reads first
 * for its marker; a window without one is widened (by 16) to the start. */
#define MARKER_WINDOW 64

/* The first failed delivery of a producer, and the topic of its message. */
typedef struct Delivery {
    rd_kafka_resp_err_t failed;
    char why[512];
    char topic[256];
} Delivery;

typedef struct KafkaTxn KafkaTxn;

typedef struct KafkaOutput {
    Output base;
    const FlowConnector *conn;
    const char *brokers, *properties;
    rd_kafka_t *rk;              /* the idempotent producer, until the run checkpoints */
    const char *topic;
    const char *where;
    int key_field;               /* -1: no key */
    int64_t sent;                /* messages the producers took */
    Delivery own;                /* rk's deliveries */
    Delivery *delivery;          /* &own, or the transaction's */
    KafkaTxn *txn;               /* a checkpointed run's, shared; NULL before begin */
    const char *txn_id;          /* transactional_id=, or flowc-PROGRAM-SINK */
    const char *commit_topic;    /* commit_topic=, or TOPIC.flowc-commits */
    char txn_id_buf[256], commit_topic_buf[256];
} KafkaOutput;

/* The transaction of a checkpointed run, shared by all its kafka sinks,
 * which must name the same brokers: the first kafka sink of the program
 * (its owner) names it, and one commit decides every topic's records of a
 * checkpoint (two transactions would commit apart, and a crash between the
 * commits could not be undone). producer[cur] takes the records of the
 * checkpoint interval under way; from the fork of a checkpoint until it is
 * complete, producer[!cur] holds the records up to that fork, so that its
 * transaction has exactly the checkpoint's records. */
struct KafkaTxn {
    rd_kafka_t *producer[2];
    int cur;
    KafkaOutput *owner;          /* its txn_id and commit_topic name the transaction */
    int64_t prepared, decided;   /* the last checkpoint set aside, and committed or failed */
    int users;                   /* the outputs that share it; the last one frees it */
    Delivery delivery;
};

/* The producer a sink's records go to now. */
static rd_kafka_t *producer(const KafkaOutput *ko)
{
    return ko->txn ? ko->txn->producer[ko->txn->cur] : ko->rk;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    Delivery *d = opaque;
    if (m->err && !d->failed) {
        d->failed = m->err;
        snprintf(d->why, sizeof d->why, "%s", rd_kafka_err2str(m->err));
        snprintf(d->topic, sizeof d->topic, "%s", m->rkt ? rd_kafka_topic_name(m->rkt) : "");
    }
}

/* A failed delivery is reported once, with librdkafka's reason and the
 * topic of the message that failed; the run then fails with the Output's
 * errno. */
static int delivery_error(KafkaOutput *ko)
{
    Delivery *d = ko->delivery;
    if (!d->failed)
        return 0;
    /* After a fatal error the messages fail with "Local: Fatal error" or
     * "Purged in queue": the reason is the client's. */
    char why[400];
    rd_kafka_t *rk = producer(ko);
    if (d->why[0] && rk && rd_kafka_fatal_error(rk, why, sizeof why) != RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(d->why, sizeof d->why, "fatal producer error: %s", why);
    if (d->why[0])
        fprintf(stderr, "%s: sink to kafka topic '%s': %s\n", ko->where,
                d->topic[0] ? d->topic : ko->topic, d->why);
    d->why[0] = '\0';
    return EIO;
}

/* A transaction call failed: reported (a fenced producer says another
 * instance took over its transactional id) and the run fails. */
static int txn_error(KafkaOutput *ko, const char *what, rd_kafka_error_t *e)
{
    fprintf(stderr, "%s: sink to kafka topic '%s': %s (transactional id '%s'): %s\n", ko->where,
            ko->topic, what, ko->txn->owner->txn_id, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
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
    rd_kafka_resp_err_t e;
    rd_kafka_t *rk = producer(ko);
    while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(ko->topic),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE((void *)msg, n),
                                  RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_END)) != 0) {
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            snprintf(ko->delivery->why, sizeof ko->delivery->why, "%s", rd_kafka_err2str(e));
            ko->delivery->topic[0] = '\0';
            ko->delivery->failed = e;
            return delivery_error(ko);
        }
        rd_kafka_poll(rk, KAFKA_POLL_MS);
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
    rd_kafka_poll(producer(ko), 0);
    return delivery_error(ko);
}

/* Until the brokers have acknowledged every message (or it timed out:
 * message.timeout.ms, then a delivery error). */
static int kafka_flush(Output *out)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    rd_kafka_t *rk = producer(ko);
    while (rd_kafka_outq_len(rk) > 0 && !ko->delivery->failed)
        rd_kafka_flush(rk, KAFKA_POLL_MS);
    return delivery_error(ko);
}

/* The position is the number of messages sent. It runs in the writer
 * child, where librdkafka's threads are not: the run flushed before the
 * fork, so there is nothing to wait for, and it must not be waited for. */
static int kafka_commit(Output *out, Position *pos)
{
    flowrt_position_put_int64(pos, ((KafkaOutput *)out)->sent);
    return 0;
}

/* Nothing to cut back: without transactions the messages since the
 * checkpoint come out again (at-least-once, as stdout); with them, they
 * were in a transaction that the restart aborted (kafka_committed_id). */
static int kafka_restore(Output *out, const Position *pos)
{
    (void)out;
    (void)pos;
    return 0;
}

/* ---- Transactions (docs/checkpoints.md, "Kafka sinks") ---------------------------------- */

/* A producer: idempotent, and transactional when id is given. */
static rd_kafka_t *new_producer(KafkaOutput *ko, Delivery *d, const char *id,
                                int64_t txn_timeout_ms, char **err)
{
    char timeout[24];
    snprintf(timeout, sizeof timeout, "%" PRId64, txn_timeout_ms);
    const char *const ours[] = { "enable.idempotence", "true", id ? "transactional.id" : NULL,
                                 id, "transaction.timeout.ms", timeout, NULL };
    rd_kafka_conf_t *conf = flowrt_kafka_conf(ko->conn, ko->brokers, ours, ko->properties, err);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, d);
    char why[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        *err = flowrt_connargs_message(ko->conn, "cannot make a Kafka producer: %s", why);
    }
    return rk;
}

/* The two transactional producers of ko's transactional id, each
 * initialised: that fences any earlier producer with its id (a dead or
 * duplicate instance), aborting its open transaction or finishing the
 * commit it had begun. */
static bool fence(KafkaOutput *ko, rd_kafka_t *pair[2], Delivery *d, int64_t txn_timeout_ms,
                  char **err)
{
    for (int i = 0; i < 2; i++) {
        char id[300];
        snprintf(id, sizeof id, "%s.%d", ko->txn_id, i);
        pair[i] = new_producer(ko, d, id, txn_timeout_ms, err);
        if (!pair[i])
            return false;
        rd_kafka_error_t *e = rd_kafka_init_transactions(pair[i], KAFKA_OPEN_TIMEOUT_MS);
        if (e) {
            *err = flowrt_connargs_message(ko->conn, "transactional id '%s': %s", id,
                                           rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            return false;
        }
    }
    return true;
}

/* The commit topic exists: made (one partition, compacted: only the last
 * marker of each key matters) when it does not. One that is there is not
 * made again: that needs no right to create topics. */
static bool make_commit_topic(KafkaOutput *ko, rd_kafka_t *rk, char **err)
{
    char why[512];
    int nparts = 0;
    char *missing = NULL;
    int32_t *ids = flowrt_kafka_partitions(ko->conn, rk, ko->brokers, ko->commit_topic,
                                           &nparts, KAFKA_OPEN_TIMEOUT_MS, &missing);
    free(missing);
    bool there = ids != NULL;
    free(ids);
    if (there)
        return true;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(ko->commit_topic, 1, -1, why, sizeof why);
    if (!nt) {
        *err = flowrt_connargs_message(ko->conn, "commit topic '%s': %s", ko->commit_topic, why);
        return false;
    }
    rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, KAFKA_OPEN_TIMEOUT_MS);
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    rd_kafka_resp_err_t e = !ev ? RD_KAFKA_RESP_ERR__TIMED_OUT
                            : rd_kafka_event_error(ev) ? rd_kafka_event_error(ev)
                            : n == 1 ? rd_kafka_topic_result_error(tr[0])
                                     : RD_KAFKA_RESP_ERR__FAIL;
    bool ok = e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    if (!ok)
        *err = flowrt_connargs_message(ko->conn, "cannot make the commit topic '%s': %s",
                                       ko->commit_topic, rd_kafka_err2str(e));
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return ok;
}

/* Reads [from, end) of the commit topic's partition 0 with read_committed
 * and returns the newest checkpoint a marker of this sink names there (0:
 * none), -1 on a failure. */
static int64_t read_markers(KafkaOutput *ko, rd_kafka_t *rk, int64_t from, char **err)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, ko->commit_topic, 0)->offset = from;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    int64_t newest = 0;
    size_t key_len = strlen(ko->txn_id);
    double deadline = flowrt_runtime_seconds() + KAFKA_OPEN_TIMEOUT_MS / 1000.0;
    while (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, KAFKA_POLL_MS);
        if (!m) {
            if (flowrt_runtime_seconds() > deadline)
                e = RD_KAFKA_RESP_ERR__TIMED_OUT;
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            break;
        }
        e = m->err;
        long long id;
        char text[48];
        snprintf(text, sizeof text, "%.*s", (int)(m->len < 47 ? m->len : 47),
                 m->payload ? (const char *)m->payload : "");
        if (!m->err && m->key_len == key_len && memcmp(m->key, ko->txn_id, key_len) == 0 &&
            sscanf(text, "checkpoint %lld", &id) == 1 && id > newest)
            newest = id;
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(rk, NULL);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        return newest;
    *err = flowrt_connargs_message(ko->conn, "cannot read the commit topic '%s': %s",
                                   ko->commit_topic, rd_kafka_err2str(e));
    return -1;
}

/* The newest checkpoint whose transaction committed: the highest
 * "checkpoint N" marker of this sink in the commit topic, read under
 * read_committed from the end backwards, a window at a time. */
static int64_t last_marker(KafkaOutput *ko, char **err)
{
    static const char *const ours[] = { "group.id", "flowc-commit-reader",
                                        "isolation.level", "read_committed",
                                        "enable.partition.eof", "true",
                                        "enable.auto.commit", "false", NULL };
    rd_kafka_conf_t *conf = flowrt_kafka_conf(ko->conn, ko->brokers, ours, ko->properties, err);
    char why[512];
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why) : NULL;
    if (conf && !rk) {
        rd_kafka_conf_destroy(conf);
        *err = flowrt_connargs_message(ko->conn, "cannot make a Kafka consumer: %s", why);
    }
    if (!rk)
        return -1;
    rd_kafka_poll_set_consumer(rk);
    int64_t lo = 0, hi = 0, newest = 0;
    /* A commit topic made a moment ago (make_commit_topic) may not have its
     * partition's leader known yet: asked again until the open timeout. */
    int64_t until = flowrt_runtime_ns() + (int64_t)KAFKA_OPEN_TIMEOUT_MS * 1000000;
    rd_kafka_resp_err_t e;
    for (;;) {
        e = rd_kafka_query_watermark_offsets(rk, ko->commit_topic, 0, &lo, &hi,
                                             KAFKA_OPEN_TIMEOUT_MS);
        bool unknown = e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                       e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                       e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                       e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
        if (!unknown || flowrt_runtime_ns() >= until)
            break;
        nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        *err = flowrt_connargs_message(ko->conn, "commit topic '%s': %s", ko->commit_topic,
                                       rd_kafka_err2str(e));
        newest = -1;
    }
    for (int64_t window = MARKER_WINDOW, from = hi; newest == 0 && from > lo; window *= 16) {
        from = hi - window > lo ? hi - window : lo;
        newest = read_markers(ko, rk, from, err);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return newest;
}

/* The arguments the sink's parts share: kafka_open's and the restore
 * decision's, which comes before any sink opens. */
static void read_args(KafkaOutput *ko, const FlowSinkDef *def, ConnArgs *args)
{
    ko->conn = &def->conn;
    ko->where = def->conn.where;
    ko->brokers = flowrt_connargs_text(args, "brokers", NULL);
    ko->topic = flowrt_connargs_text(args, "topic", NULL);
    ko->properties = flowrt_connargs_text(args, "properties", NULL);
    ko->txn_id = flowrt_connargs_text(args, "transactional_id", NULL);
    ko->commit_topic = flowrt_connargs_text(args, "commit_topic", NULL);
    if ((!ko->brokers || !ko->topic) && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "needs brokers and a topic");
}

/* Stable across restarts, so that a restart fences the run before it:
 * flowc-PROGRAM-SINK and TOPIC.flowc-commits unless the arguments say. */
static void name_transactions(KafkaOutput *ko, const FlowRuntime *rt, const FlowSinkDef *def)
{
    snprintf(ko->txn_id_buf, sizeof ko->txn_id_buf, "flowc-%s-%s", rt->prog->name, def->stream);
    snprintf(ko->commit_topic_buf, sizeof ko->commit_topic_buf, "%s.flowc-commits", ko->topic);
    if (!ko->txn_id)
        ko->txn_id = ko->txn_id_buf;
    if (!ko->commit_topic)
        ko->commit_topic = ko->commit_topic_buf;
}

static void close_pair(rd_kafka_t *pair[2])
{
    for (int i = 0; i < 2; i++)
        if (pair[i])
            rd_kafka_destroy(pair[i]);
    pair[0] = pair[1] = NULL;
}

/* The first kafka sink of the program, which names the transaction that
 * all of them share. */
static const FlowSinkDef *first_kafka_sink(const FlowProgram *prog)
{
    for (int i = 0; i < prog->nsinks; i++)
        if (flowrt_connector_sink(&prog->sinks[i].conn) == &flowrt_kafka_sink_ops)
            return &prog->sinks[i];
    return NULL;
}

/* Before any sink opens: fences the transactional ids (so no commit of an
 * earlier instance can still land), then reads back the newest checkpoint
 * whose transaction committed. Only the first kafka sink answers: the
 * others' records were in its transactions. */
static int64_t kafka_committed_id(const FlowRuntime *rt, const FlowSinkDef *def, char **err)
{
    if (def != first_kafka_sink(rt->prog))
        return INT64_MAX;
    KafkaOutput ko = { .key_field = -1 };
    ConnArgs args;
    flowrt_connargs_init(&args, &def->conn, &rt->params);
    read_args(&ko, def, &args);
    /* The other arguments are kafka_open's to check. */
    free(args.used);
    *err = args.err;
    if (!*err)
        name_transactions(&ko, rt, def);
    rd_kafka_t *pair[2] = { NULL, NULL };
    int64_t id = !*err && fence(&ko, pair, &ko.own, 60000, err) &&
                         make_commit_topic(&ko, pair[0], err)
                     ? last_marker(&ko, err)
                     : -1;
    close_pair(pair);
    return id;
}

/* The output of the program's first kafka sink, in rt. */
static KafkaOutput *owner_output(const FlowRuntime *rt)
{
    const FlowSinkDef *first = first_kafka_sink(rt->prog);
    for (int i = 0; i < rt->noutputs; i++)
        if (rt->outputs[i]->ops == &flowrt_kafka_sink_ops && rt->outputs[i]->sinks[0]->def == first)
            return (KafkaOutput *)rt->outputs[i];
    return NULL;
}

/* The owner's transaction, made and fenced when it is the first sink to
 * begin. A transaction lasts an interval and a checkpoint's writing, which
 * the timeout leaves room for (the broker's limit is 15 minutes). */
static KafkaTxn *shared_txn(KafkaOutput *owner, const FlowRuntime *rt)
{
    if (owner->txn)
        return owner->txn;
    KafkaTxn *t = calloc(1, sizeof *t);
    if (!t) {
        fprintf(stderr, "flow: out of memory (kafka transaction)\n");
        abort();
    }
    t->owner = owner;
    t->prepared = t->decided = -1;
    name_transactions(owner, rt, owner->base.sinks[0]->def);
    int64_t timeout = 2 * rt->ckpt.every_ms + 60000;
    char *err = NULL;
    if (!fence(owner, t->producer, &t->delivery, timeout < 900000 ? timeout : 900000, &err)) {
        fprintf(stderr, "%s\n", err);
        free(err);
        close_pair(t->producer);
        free(t);
        return NULL;
    }
    rd_kafka_error_t *e = rd_kafka_begin_transaction(t->producer[0]);
    owner->txn = t;
    t->users = 1;
    owner->delivery = &t->delivery;
    if (e) {
        txn_error(owner, "cannot begin a transaction", e);
        return NULL;
    }
    return t;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* A second kafka sink joins the owner's transaction; it cannot when it
 * names other brokers, properties or transaction names. */
static int join_txn(KafkaOutput *ko, KafkaOutput *owner)
{
    const char *differs = !same_text(ko->brokers, owner->brokers)         ? "brokers"
                          : !same_text(ko->properties, owner->properties) ? "properties"
                          : ko->txn_id && strcmp(ko->txn_id, owner->txn_id) != 0
                              ? "transactional_id"
                          : ko->commit_topic && strcmp(ko->commit_topic, owner->commit_topic) != 0
                              ? "commit_topic"
                              : NULL;
    if (differs) {
        fprintf(stderr, "%s: sink to kafka topic '%s': the kafka sinks of a checkpointed program "
                        "share one transaction, so its %s must be those of the first kafka sink "
                        "(%s)\n",
                ko->where, ko->topic, differs, owner->where);
        return EINVAL;
    }
    ko->txn = owner->txn;
    ko->txn->users++;
    ko->delivery = &ko->txn->delivery;
    return 0;
}

/* The run checkpoints: the records go in the shared transaction from now
 * on, and the idempotent producer of the open goes. */
static int kafka_begin(Output *out, const FlowRuntime *rt)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    KafkaOutput *owner = owner_output(rt);
    if (!shared_txn(owner, rt))
        return EIO;
    int error = ko == owner ? 0 : join_txn(ko, owner);
    if (!error) {
        rd_kafka_destroy(ko->rk);
        ko->rk = NULL;
    }
    return error;
}

/* At checkpoint id's fork (every record of the interval is with the
 * current producer): that transaction is set aside for id, the next begins
 * on the other producer. The first of the sharing sinks does it. */
static int kafka_prepare(Output *out, int64_t id)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    KafkaTxn *t = ko->txn;
    if (t->prepared == id)
        return 0;
    t->prepared = id;
    t->cur = !t->cur;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(t->producer[t->cur]);
    return e ? txn_error(ko, "cannot begin a transaction", e) : 0;
}

/* Checkpoint id is complete: its transaction gets the marker "checkpoint
 * id" and commits, which is the decision a restore reads back. A failed
 * checkpoint leaves a transaction that can be neither committed (its
 * checkpoint does not exist) nor dropped (the run is past its records):
 * the run fails, and the next start restores the one before. The first of
 * the sharing sinks does it. */
static int kafka_checkpointed(Output *out, int64_t id, bool complete)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    KafkaTxn *t = ko->txn;
    if (t->decided == id)
        return 0;
    t->decided = id;
    const KafkaOutput *owner = t->owner;
    if (!complete) {
        fprintf(stderr, "%s: sink to kafka topic '%s': checkpoint %" PRId64 " failed, so its "
                        "transaction cannot be committed\n",
                owner->where, owner->topic, id);
        return EIO;
    }
    rd_kafka_t *rk = t->producer[!t->cur];
    char marker[48];
    int len = snprintf(marker, sizeof marker, "checkpoint %" PRId64, id);
    rd_kafka_resp_err_t pe = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(owner->commit_topic), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(marker, (size_t)len),
        RD_KAFKA_V_KEY(owner->txn_id, strlen(owner->txn_id)), RD_KAFKA_V_END);
    if (pe) {
        fprintf(stderr, "%s: sink to kafka topic '%s': the marker of checkpoint %" PRId64 ": %s\n",
                owner->where, owner->topic, id, rd_kafka_err2str(pe));
        return EIO;
    }
    rd_kafka_error_t *e;
    while ((e = rd_kafka_commit_transaction(rk, -1)) && rd_kafka_error_is_retriable(e))
        rd_kafka_error_destroy(e);
    return e ? txn_error(ko, "cannot commit", e) : delivery_error(ko);
}

/* The last sink that shares the transaction aborts what no checkpoint
 * covers (a restart writes it again) and frees it. */
static void leave_txn(KafkaTxn *t)
{
    if (--t->users > 0)
        return;
    for (int i = 0; i < 2; i++) {
        rd_kafka_error_t *e = rd_kafka_abort_transaction(t->producer[i], KAFKA_OPEN_TIMEOUT_MS);
        if (e)
            rd_kafka_error_destroy(e);
    }
    close_pair(t->producer);
    free(t);
}

static int kafka_close(Output *out)
{
    KafkaOutput *ko = (KafkaOutput *)out;
    int error = 0;
    if (ko->txn) {
        leave_txn(ko->txn);
    } else if (ko->rk) {
        error = kafka_flush(out);
        rd_kafka_destroy(ko->rk);
    }
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
    KafkaOutput *ko = calloc(1, sizeof *ko);
    if (!ko) {
        fprintf(stderr, "flow: out of memory (kafka sink)\n");
        abort();
    }
    read_args(ko, def, args);
    const char *key = flowrt_connargs_text(args, "key", NULL);
    if (key && field_index(def, key) < 0 && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "key: '%s' is not a field", key);
    if (!flowrt_connargs_finish(args, err)) {
        free(ko);
        return NULL;
    }
    flowrt_output_init(&ko->base, &flowrt_kafka_sink_ops, ko->topic);
    ko->key_field = field_index(def, key);
    /* Idempotent: a retried send is never written twice. */
    ko->delivery = &ko->own;
    ko->rk = new_producer(ko, ko->delivery, NULL, 60000, err);
    int nparts = 0;
    int32_t *ids = ko->rk ? flowrt_kafka_partitions(&def->conn, ko->rk, ko->brokers, ko->topic,
                                                    &nparts, KAFKA_OPEN_TIMEOUT_MS, err)
                          : NULL;
    if (!ids) {
        kafka_close(&ko->base);
        return NULL;
    }
    free(ids);
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
    .committed_id = kafka_committed_id,
    .begin = kafka_begin,
    .prepare = kafka_prepare,
    .checkpointed = kafka_checkpointed,
};
