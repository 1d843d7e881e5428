/* metrics.h: the --metrics-port endpoint (docs/metrics.md): an HTTP server
 * from libmicrohttpd, loaded with dlopen only when the option is given, that
 * serves the Prometheus text format from a copy of the run's numbers which
 * the read loop publishes once per round. The server's thread reads only
 * that copy, under its mutex, never the runtime. */
#ifndef FLOWRT_METRICS_H
#define FLOWRT_METRICS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct FlowRuntime FlowRuntime;
typedef struct Metrics Metrics;

/* Splits "PORT" or "ADDR:PORT" ("[ADDR]:PORT" for IPv6) into the address
 * (empty: every IPv4 address) and a port from 1 to 65535; false when `text`
 * is not of that form or the address does not fit in `size`. */
bool flowrt_metrics_parse_addr(const char *text, char *host, size_t size, int *port);
/* Loads libmicrohttpd and starts serving on `addr` (--metrics-port, already
 * checked by flowrt_metrics_parse_addr) into rt->metrics; true at once when
 * `addr` is NULL. False (rt failed with the reason) when the library is
 * missing, the address does not resolve or the port cannot be bound. */
bool flowrt_metrics_start(FlowRuntime *rt, const char *addr, double started);
/* Copies the run's numbers for the server: from the read loop only. */
void flowrt_metrics_publish(FlowRuntime *rt);
/* Stops the server (waiting for its thread) and frees rt->metrics. */
void flowrt_metrics_stop(FlowRuntime *rt);

#endif
