/* host.c: an application that embeds the pipeline of alerts.flow, compiled
 * with `flowc emit --embed`, and drives it through the calls flowc exports
 * for it (flow/host.h, docs/build-integration.md): a bounded run with an argv of
 * its own, then a run with no end in sight that this thread stops once the
 * counters show enough readings went through. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <flow/host.h>

FLOW_EMBEDDED_PROGRAM(alerts);

/* How many readings the second run must have read before the host stops it. */
#define ENOUGH 100000

typedef struct Run {
    int argc;
    char **argv;
    int status;
} Run;

static void *run_alerts(void *arg)
{
    Run *run = arg;
    run->status = flow_alerts_run(run->argc, run->argv);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int main(void)
{
    /* The program writes its alerts to stdout itself: whatever the host
     * printed must be out first. */
    char *bounded[] = { "alerts", "--quiet", "--set", "records=2000", NULL };
    fflush(stdout);
    int status = flow_alerts_run(4, bounded);
    FlowSummary s;
    flow_alerts_summary(&s);
    printf("bounded run: exit status %d, %lld read, %lld written, %lld bad\n", status,
           (long long)s.records_read, (long long)s.records_written, (long long)s.records_bad);
    fflush(stdout);

    /* No reading reaches a threshold of 2, and a trillion readings take
     * hours: this run ends when the host says so. */
    char *endless[] = { "alerts", "--quiet", "--set", "threshold=2",
                        "--set", "records=1000000000000", NULL };
    Run run = { 6, endless, -1 };
    pthread_t thread;
    if (pthread_create(&thread, NULL, run_alerts, &run) != 0) {
        fprintf(stderr, "host: cannot start a thread\n");
        return 1;
    }
    for (int waited = 0; waited < 10000; waited++) {
        flow_alerts_summary(&s);
        if (s.running && s.records_read >= ENOUGH)
            break;
        sleep_ms(1);
    }
    flow_alerts_stop();
    pthread_join(thread, NULL);
    flow_alerts_summary(&s);
    printf("stopped run: exit status %d, running %s, at least %d read: %s, %lld written\n",
           run.status, s.running ? "yes" : "no", ENOUGH, s.records_read >= ENOUGH ? "yes" : "no",
           (long long)s.records_written);
    return status == 0 && run.status == 0 && s.records_read >= ENOUGH ? 0 : 1;
}
