/* kafka.c: the kafka(...) connector's shared part (kafka.h) and its ops,
 * flow_kafka_connector, which the generated program points its
 * FlowConnector.ops at: referring to it is what pulls the Kafka objects,
 * and librdkafka, into a program (docs/architecture.md, "Connectors that
 * link a library"). */
#include "kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"

const FlowConnectorOps flow_kafka_connector = { .source = &flowrt_kafka_source_ops,
                                                .sink = &flowrt_kafka_sink_ops };

static bool set(const FlowConnector *conn, rd_kafka_conf_t *conf, const char *key,
                      const char *value, char **err)
{
    char why[512];
    if (rd_kafka_conf_set(conf, key, value, why, sizeof why) == RD_KAFKA_CONF_OK)
        return true;
    *err = flowrt_connargs_message(conn, "librdkafka refuses %s=%s: %s", key, value, why);
    return false;
}

/* The last client error librdkafka reported on this thread (error_cb runs in
 * the thread that polls: the run's), for the message of an open that failed;
 * and the last one printed, not to print it again while the client retries. */
static _Thread_local struct {
    rd_kafka_resp_err_t err, printed;
    char reason[512];
} last_error;

/* Client errors (a broker down, refused credentials) that are not about one
 * message: librdkafka retries, and we say so once per kind; a fatal one is
 * said as it is, and the connector fails on it. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    last_error.err = (rd_kafka_resp_err_t)err;
    snprintf(last_error.reason, sizeof last_error.reason, "%s", reason);
    if (last_error.printed == last_error.err)
        return;
    last_error.printed = last_error.err;
    fprintf(stderr, "kafka (%s): %s%s\n", rd_kafka_name(rk), reason,
            err == RD_KAFKA_RESP_ERR__FATAL ? "" : " (retrying)");
}

static bool refused(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
           e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED || e == RD_KAFKA_RESP_ERR__SSL;
}

rd_kafka_conf_t *flowrt_kafka_conf(const FlowConnector *conn, const char *brokers,
                                   const char *const *ours, const char *properties, char **err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_error_cb(conf, on_error);
    bool ok = set(conn, conf, "bootstrap.servers", brokers, err);
    for (int i = 0; ok && ours[i]; i += 2)
        ok = set(conn, conf, ours[i], ours[i + 1], err);
    char *list = strdup(properties ? properties : "");
    for (char *save = NULL, *item = strtok_r(list, ";", &save); ok && item;
         item = strtok_r(NULL, ";", &save)) {
        while (*item == ' ')
            item++;
        char *eq = strchr(item, '=');
        if (!*item)
            continue;
        if (!eq) {
            *err = flowrt_connargs_message(conn, "properties: '%s' is not KEY=VALUE", item);
            ok = false;
            break;
        }
        *eq = '\0';
        ok = set(conn, conf, item, eq + 1, err);
    }
    free(list);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

static int by_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int32_t *flowrt_kafka_partitions(const FlowConnector *conn, rd_kafka_t *rk, const char *brokers,
                                 const char *topic, int *n, int timeout_ms, char **err)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    /* Short tries, serving the client's errors between them: refused
     * credentials end the wait at once, and a broker that stays down is
     * named with the reason. A single try (timeout_ms <= 500: a running
     * consumer's, whose queue rd_kafka_poll must not serve) polls nothing. */
    last_error.err = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    for (int waited = 0; waited < timeout_ms && !refused(last_error.err);) {
        int step = timeout_ms - waited < 500 ? timeout_ms - waited : 500;
        e = rd_kafka_metadata(rk, 0, rkt, &md, step);
        waited += step;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || waited >= timeout_ms)
            break;
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_topic_destroy(rkt);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && refused(last_error.err)) {
        *err = flowrt_connargs_message(conn, "the brokers '%s' refuse the client: %s", brokers,
                                       last_error.reason);
        return NULL;
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        *err = flowrt_connargs_message(conn, "no answer from the brokers '%s' within %d s: %s%s%s",
                                       brokers, timeout_ms / 1000, rd_kafka_err2str(e),
                                       last_error.err ? "; last error: " : "",
                                       last_error.err ? last_error.reason : "");
        return NULL;
    }
    const struct rd_kafka_metadata_topic *t = md->topic_cnt == 1 ? &md->topics[0] : NULL;
    if (!t || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt == 0) {
        *err = t && t->err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                   ? flowrt_connargs_message(conn, "topic '%s': %s", topic, rd_kafka_err2str(t->err))
                   : flowrt_connargs_message(conn, "topic '%s' does not exist on '%s'", topic,
                                             brokers);
        rd_kafka_metadata_destroy(md);
        return NULL;
    }
    int32_t *ids = malloc(sizeof *ids * (size_t)t->partition_cnt);
    if (!ids)
        abort();
    for (int i = 0; i < t->partition_cnt; i++)
        ids[i] = t->partitions[i].id;
    *n = t->partition_cnt;
    qsort(ids, (size_t)*n, sizeof *ids, by_id);
    rd_kafka_metadata_destroy(md);
    return ids;
}
