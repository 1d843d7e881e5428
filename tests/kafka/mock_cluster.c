/* mock_cluster.c: librdkafka's mock cluster (rdkafka_mock.h) as a process of
 * its own, for the Kafka fault tests (tests/e2e/kafka_mock.py): a flowc
 * program connects to it over TCP like to a broker, and the test injects
 * errors into its answers. Faults only: the mock ignores read_committed and
 * does not fence, so exactly-once is proved against the real broker.
 *
 *   mock_cluster TOPIC[:PARTITIONS]...
 *
 * Prints its bootstrap servers, then reads commands from stdin, one a line:
 *   errors API_KEY ERROR COUNT   the next COUNT requests of that API key
 *                                (0 Produce, 26 EndTxn, ...) fail with ERROR
 *   quit                         (or end of input) stops it */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* Its own client only holds the cluster: no brokers to warn about. */
    rd_kafka_conf_set(conf, "log_level", "3", why, sizeof why);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (!rk) {
        fprintf(stderr, "mock_cluster: %s\n", why);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
    if (!mc) {
        fprintf(stderr, "mock_cluster: cannot make the mock cluster\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        int parts = colon ? atoi(colon + 1) : 1;
        if (colon)
            *colon = '\0';
        rd_kafka_mock_topic_create(mc, argv[i], parts, 1);
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char line[256];
    while (fgets(line, sizeof line, stdin) && strncmp(line, "quit", 4) != 0) {
        int key, err, count;
        if (sscanf(line, "errors %d %d %d", &key, &err, &count) != 3 || count < 1 ||
            count > 64) {
            fprintf(stderr, "mock_cluster: not a command: %s", line);
            continue;
        }
        rd_kafka_resp_err_t errs[64];
        for (int i = 0; i < count; i++)
            errs[i] = (rd_kafka_resp_err_t)err;
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)key, (size_t)count, errs);
        printf("ok\n");
        fflush(stdout);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
