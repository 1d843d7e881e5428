/* kafka_latency.c: the two ends of run_kafka_bench.sh's latency runs, on
 * librdkafka alone.
 *
 *   kafka_latency produce BROKERS TOPIC RATE COUNT
 *       COUNT messages "ID,uID%100,AMOUNT" at RATE messages/s (paced every
 *       millisecond), each stamped by librdkafka with its CreateTime.
 *   kafka_latency consume BROKERS TOPIC COUNT
 *       reads TOPIC from its start with isolation.level=read_committed until
 *       COUNT messages, each "ISO-TIMESTAMP,...": its latency is the time it
 *       was received less that timestamp (the input's CreateTime, which the
 *       program carried over: kafka's timestamp = FIELD). Prints
 *       "n N p50 MS p99 MS p99.9 MS max MS". */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *brokers, const char *const *kv)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, why, sizeof why) != 0)
        goto bad;
    for (int i = 0; kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], why, sizeof why) != 0)
            goto bad;
    rd_kafka_t *rk = rd_kafka_new(type, conf, why, sizeof why);
    if (rk)
        return rk;
bad:
    fprintf(stderr, "kafka_latency: %s\n", why);
    exit(1);
}

static int produce(const char *brokers, const char *topic, long rate, long count)
{
    const char *const kv[] = { "linger.ms", "1", "enable.idempotence", "true", NULL };
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, brokers, kv);
    int64_t start = now_ms();
    char buf[64];
    for (long i = 0; i < count;) {
        /* The messages due by now go out, then a millisecond's sleep. */
        long due = (long)((now_ms() - start) * rate / 1000) + 1;
        for (; i < count && i < due; i++) {
            int n = snprintf(buf, sizeof buf, "%ld,u%ld,%ld.5", i, i % 100, i % 1000);
            while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(buf, n),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                     RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(rk, 1);
        }
        rd_kafka_poll(rk, 0);
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    rd_kafka_flush(rk, 60000);
    double s = (double)(now_ms() - start) / 1000;
    fprintf(stderr, "produced %ld messages in %.2f s (%.0f/s)\n", count, s, (double)count / s);
    rd_kafka_destroy(rk);
    return 0;
}

/* "2024-03-01T10:00:00.123Z..." in ms since the epoch, or -1. */
static int64_t parse_iso(const char *p, size_t len)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char text[32];
    if (len < 20 || len > 200)
        return -1;
    memcpy(text, p, 19);
    text[19] = '\0';
    if (!strptime(text, "%Y-%m-%dT%H:%M:%S", &tm))
        return -1;
    int64_t ms = (int64_t)timegm(&tm) * 1000;
    if (p[19] == '.' && len >= 23)
        ms += (p[20] - '0') * 100 + (p[21] - '0') * 10 + (p[22] - '0');
    return ms;
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int consume(const char *brokers, const char *topic, long count)
{
    const char *const kv[] = { "group.id", "kafka-latency", "isolation.level",
                               "read_committed", "auto.offset.reset", "earliest",
                               "enable.auto.commit", "false", NULL };
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, brokers, kv);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    int64_t *lat = malloc(sizeof *lat * (size_t)count);
    long n = 0;
    int64_t last = now_ms();
    while (n < count && now_ms() - last < 60000) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        int64_t ts = m->err ? -1 : parse_iso(m->payload, m->len);
        if (ts >= 0) {
            last = now_ms();
            lat[n++] = last - ts;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    if (n == 0) {
        fprintf(stderr, "kafka_latency: nothing read from %s\n", topic);
        return 1;
    }
    qsort(lat, (size_t)n, sizeof *lat, by_value);
    printf("n %ld p50 %lld p99 %lld p99.9 %lld max %lld\n", n, (long long)lat[n / 2],
           (long long)lat[(long)(n * 0.99)], (long long)lat[(long)(n * 0.999)],
           (long long)lat[n - 1]);
    free(lat);
    return n == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "produce") == 0)
        return produce(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
    if (argc == 5 && strcmp(argv[1], "consume") == 0)
        return consume(argv[2], argv[3], atol(argv[4]));
    fprintf(stderr, "usage: kafka_latency produce BROKERS TOPIC RATE COUNT\n"
                    "       kafka_latency consume BROKERS TOPIC COUNT\n");
    return 2;
}
