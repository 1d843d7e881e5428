/* kafka.h: what the Kafka source (source_kafka.c) and sink (sink_kafka.c)
 * share, in kafka.c: the librdkafka configuration made from a connector's
 * arguments, the partitions of a topic, and the connector's ops, which a
 * program using kafka(...) hands the runtime (flow_kafka_connector). */
#ifndef FLOWRT_KAFKA_H
#define FLOWRT_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "sink.h"
#include "source.h"

/* How long opening a connector waits for the brokers to answer. */
#define KAFKA_OPEN_TIMEOUT_MS 10000
/* How often a source looks for partitions added to its topic
 * (topic.metadata.refresh.interval.ms, which properties may change), and
 * how long a look may hold the run up. */
#define KAFKA_REFRESH_MS 10000
#define KAFKA_REFRESH_TIMEOUT_MS 500
#define KAFKA_TEXT(x) #x
#define KAFKA_TEXT_OF(x) KAFKA_TEXT(x)

/* bootstrap.servers = brokers, then the connector's own settings (`ours`:
 * key, value, ..., NULL), then each `k=v` of properties ("k=v;k2=v2", any
 * librdkafka setting, last so that they may override ours). NULL and a
 * message in *err on a setting librdkafka refuses. */
rd_kafka_conf_t *flowrt_kafka_conf(const FlowConnector *conn, const char *brokers,
                                   const char *const *ours, const char *properties, char **err);
/* The partition ids of `topic`, ascending, in a malloc'd array (*n of them);
 * NULL and a message in *err when the brokers do not answer within
 * timeout_ms, refuse the client (authentication) or the topic does not
 * exist. A consumer's queue must not be forwarded yet (poll_set_consumer)
 * when timeout_ms is above KAFKA_REFRESH_TIMEOUT_MS. */
int32_t *flowrt_kafka_partitions(const FlowConnector *conn, rd_kafka_t *rk, const char *brokers,
                                 const char *topic, int *n, int timeout_ms, char **err);

extern const SourceOps flowrt_kafka_source_ops;
extern const SinkOps flowrt_kafka_sink_ops;

#endif
