/* kafka.c: the kafka(...) connector's shared part (kafka.h) and its ops,
 * flow_kafka_connector, which the generated program points its
 * FlowConnector.ops at: referring to it is what pulls the Kafka objects,
 * and librdkafka, into a program (docs/architecture.md, "Connectors that
 * link a library"). */
#include "kafka.h"

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

rd_kafka_conf_t *flowrt_kafka_conf(const FlowConnector *conn, const char *brokers,
                                   const char *const *ours, const char *properties, char **err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
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
                                 const char *topic, int *n, char **err)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, KAFKA_OPEN_TIMEOUT_MS);
    rd_kafka_topic_destroy(rkt);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        *err = flowrt_connargs_message(conn, "no answer from the brokers '%s' within %d s: %s",
                                       brokers, KAFKA_OPEN_TIMEOUT_MS / 1000, rd_kafka_err2str(e));
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
