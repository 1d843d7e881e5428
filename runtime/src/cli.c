/* cli.c: argv of a generated program and its params. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/codec.h"
#include "metrics.h"

static const char *type_name(FlowType t)
{
    switch (t) {
    case FLOW_BOOL: return "bool";
    case FLOW_INT32: return "int32";
    case FLOW_INT64: return "int64";
    case FLOW_FLOAT64: return "float64";
    case FLOW_STRING: return "string";
    case FLOW_TIMESTAMP: break;
    case FLOW_DURATION: return "duration";
    }
    return "timestamp";
}

static void usage_line(const FlowProgram *prog, FILE *f)
{
    fprintf(f,
            "usage: %s [--set NAME=VALUE]... [--stats[=SECONDS]] [--metrics-port [ADDR:]PORT] "
            "[--parallelism N] [--quiet] [--help] [--version]%s%s\n",
            prog->name,
            prog->checkpoint_every_ms > 0
                ? " [--checkpoint-dir DIR] [--checkpoint-every D] [--checkpoint-keep K] "
                  "[--no-restore]"
                : "",
            prog->state_store ? " [--state-dir DIR] [--state-cache BYTES]" : "");
}

static void help(const FlowProgram *prog)
{
    usage_line(prog, stdout);
    printf("\nRuns the stream program compiled from %s by flowc %s.\n\n", prog->flow_file,
           prog->flowc_version);
    printf("options:\n"
           "  --set NAME=VALUE    set a param (may be repeated)\n"
           "  --stats[=SECONDS]   print one line of statistics to stderr every SECONDS (1)\n"
           "  --metrics-port [ADDR:]PORT\n"
           "                      serve Prometheus metrics at http://ADDR:PORT/metrics while\n"
           "                      running (ADDR: every IPv4 address; needs libmicrohttpd12)\n"
           "  --parallelism N     N worker threads for the keyed stages (default %d)\n"
           "  --quiet             no summary at exit\n"
           "  --help              this text\n"
           "  --version           program, .flow file and flowc version\n",
           prog->parallelism > 0 ? prog->parallelism : 1);
    if (prog->checkpoint_every_ms > 0)
        printf("  --checkpoint-dir DIR      where checkpoints go (default: %s)\n"
               "  --checkpoint-every D      the interval instead of the program's (500ms, 10s, 1m)\n"
               "  --checkpoint-keep K       how many complete checkpoints to keep (default 2)\n"
               "  --no-restore              start from the beginning, ignoring checkpoints\n",
               prog->checkpoint_dir ? prog->checkpoint_dir : "NAME.checkpoints");
    else
        printf("  --checkpoint-dir DIR, --checkpoint-every D, --checkpoint-keep K, --no-restore\n"
               "                      only for programs with `checkpoint every` (not this one)\n");
    if (prog->state_store)
        printf("  --state-dir DIR           the RocksDB state directory (default: %s)\n"
               "  --state-cache BYTES       the state cache's size, with k, M or G (default 64M)\n",
               prog->state_dir);
    if (prog->nparams) {
        printf("\nparams:\n");
        for (int i = 0; i < prog->nparams; i++)
            printf("  %-18s  %-9s  default %s\n", prog->params[i].name,
                   type_name(prog->params[i].type), prog->params[i].default_text);
    }
    printf("\nexit status: 0 when done (or stopped by SIGINT/SIGTERM), 1 on a run-time "
           "failure, 2 on a usage error\n");
}

static int usage_error(const FlowProgram *prog, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", prog->name);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    usage_line(prog, stderr);
    return 2;
}

/* Edit distance, for "did you mean". */
static int distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= m; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

static int find_param(const FlowProgram *prog, const char *name, size_t len)
{
    for (int i = 0; i < prog->nparams; i++)
        if (strlen(prog->params[i].name) == len && memcmp(prog->params[i].name, name, len) == 0)
            return i;
    return -1;
}

static int unknown_param(const FlowProgram *prog, const char *name)
{
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; i < prog->nparams; i++) {
        int d = distance(name, prog->params[i].name);
        if (d < best_d) {
            best_d = d;
            best = prog->params[i].name;
        }
    }
    if (best)
        return usage_error(prog, "--set: unknown param '%s' (did you mean '%s'?)", name, best);
    if (prog->nparams == 0)
        return usage_error(prog, "--set: unknown param '%s' (this program has no params)%s",
                           name, "");
    return usage_error(prog, "--set: unknown param '%s' (see --help for the params)%s", name, "");
}

static bool add_set(const FlowProgram *prog, CliOptions *o, const char *arg, int *status)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        *status = usage_error(prog, "--set needs NAME=VALUE, not '%s'%s", arg, "");
        return false;
    }
    size_t len = (size_t)(eq - arg);
    if (find_param(prog, arg, len) < 0) {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(len < 100 ? len : 100), arg);
        *status = unknown_param(prog, name);
        return false;
    }
    o->set_names[o->nsets] = arg;
    o->set_values[o->nsets] = eq + 1;
    o->nsets++;
    return true;
}

/* The options of checkpointed programs, alone or as OPTION=VALUE. */
static const char *const checkpoint_options[] = { "--checkpoint-dir", "--checkpoint-every",
                                                  "--checkpoint-keep", "--no-restore" };

static const char *option_name(const char *a, size_t *len)
{
    *len = 0;
    for (size_t k = 0; k < sizeof checkpoint_options / sizeof *checkpoint_options; k++) {
        size_t n = strlen(checkpoint_options[k]);
        if (strncmp(a, checkpoint_options[k], n) == 0 && (a[n] == 0 || a[n] == '=')) {
            *len = n;
            return checkpoint_options[k];
        }
    }
    return NULL;
}

static bool is_checkpoint_option(const char *a)
{
    size_t n;
    return option_name(a, &n) != NULL;
}

/* `500ms`, `10s`, `2m`, `1h` or a number of ms: the interval, > 0. */
static int64_t parse_interval(const char *t)
{
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (end == t || v <= 0 || errno)
        return 0;
    int64_t unit = strcmp(end, "ms") == 0 || !*end ? 1
                   : strcmp(end, "s") == 0         ? 1000
                   : strcmp(end, "m") == 0         ? 60000
                   : strcmp(end, "h") == 0         ? 3600000
                                                   : 0;
    return unit && v <= INT64_MAX / unit ? (int64_t)v * unit : 0;
}

static void checkpoint_option(const FlowProgram *prog, CliOptions *o, int argc, char **argv,
                              int *i, int *status)
{
    size_t n;
    const char *name = option_name(argv[*i], &n);
    if (strcmp(name, "--no-restore") == 0) {
        if (argv[*i][n])
            *status = usage_error(prog, "%s takes no value%s", name, "");
        o->no_restore = true;
        return;
    }
    const char *v = argv[*i][n] ? argv[*i] + n + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!v || !*v) {
        *status = usage_error(prog, "%s needs a value%s", name, "");
    } else if (strcmp(name, "--checkpoint-dir") == 0) {
        o->checkpoint_dir = v;
    } else if (strcmp(name, "--checkpoint-every") == 0) {
        o->checkpoint_every_ms = parse_interval(v);
        if (!o->checkpoint_every_ms)
            *status = usage_error(prog, "--checkpoint-every: '%s' is not an interval such as "
                                        "500ms, 10s or 1m%s", v, "");
    } else {
        char *end;
        long k = strtol(v, &end, 10);
        if (*end || k < 1 || k > 1000)
            *status = usage_error(prog, "--checkpoint-keep: '%s' is not a count from 1 to 1000%s",
                                  v, "");
        else
            o->checkpoint_keep = (int)k;
    }
}

/* `64M`, `512k`, `1G` (powers of 1024) or a number of bytes: the state cache's
 * size (1 keeps one state: every other lookup goes to RocksDB, which tests
 * use); 0 when it is not one. */
static int64_t parse_bytes(const char *t)
{
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (end == t || v <= 0 || errno)
        return 0;
    int64_t unit = !*end                ? 1
                   : strcmp(end, "k") == 0 ? 1 << 10
                   : strcmp(end, "M") == 0 ? 1 << 20
                   : strcmp(end, "G") == 0 ? 1 << 30
                                           : 0;
    if (!unit || v > INT64_MAX / unit)
        return 0;
    return (int64_t)v * unit;
}

/* --state-dir DIR and --state-cache BYTES, alone or as OPTION=VALUE. */
static void state_option(const FlowProgram *prog, CliOptions *o, int argc, char **argv, int *i,
                         int *status)
{
    const char *a = argv[*i];
    size_t n = strncmp(a, "--state-dir", 11) == 0 ? 11 : 13;
    const char *v = a[n] == '=' ? a + n + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    if (!prog->state_store)
        *status = usage_error(prog, "%.13s: this program keeps its state in memory (%s has no "
                                    "`state rocksdb` setting)", a, prog->flow_file);
    else if (!v || !*v)
        *status = usage_error(prog, "%.13s needs a value%s", a, "");
    else if (n == 11)
        o->state_dir = v;
    else if (!(o->state_cache_bytes = parse_bytes(v)))
        *status = usage_error(prog, "--state-cache: '%s' is not a size such as 64M, 512k or "
                                    "1G%s", v, "");
}

/* Only the form is checked here (a usage error); resolving the address and
 * binding the port happen when the run starts (metrics.c). */
static void metrics_option(const FlowProgram *prog, CliOptions *o, int argc, char **argv, int *i,
                           int *status)
{
    const char *a = argv[*i];
    const char *v = a[14] == '=' ? a + 15 : *i + 1 < argc ? argv[++*i] : NULL;
    char host[256];
    int port;
    if (!v || !*v)
        *status = usage_error(prog, "--metrics-port needs [ADDR:]PORT%s%s", "", "");
    else if (!flowrt_metrics_parse_addr(v, host, sizeof host, &port))
        *status = usage_error(prog, "--metrics-port: '%s' is not PORT (1 to 65535), ADDR:PORT "
                                    "or [IPv6]:PORT%s", v, "");
    else
        o->metrics_addr = v;
}
/* --parallelism N (or --parallelism=N): 1 to FLOW_MAX_PARALLELISM. */
static void parallelism_option(const FlowProgram *prog, CliOptions *o, int argc, char **argv,
                               int *i, int *status)
{
    const char *a = argv[*i];
    const char *v = strchr(a, '=') ? strchr(a, '=') + 1 : *i + 1 < argc ? argv[++*i] : NULL;
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || n < 1 || n > FLOW_MAX_PARALLELISM)
        *status = usage_error(prog, "--parallelism needs a number of workers from 1 to %s%s",
                              "128", "");
    else
        o->parallelism = (int)n;
}

int flowrt_cli_parse(const FlowProgram *prog, int argc, char **argv, CliOptions *o)
{
    memset(o, 0, sizeof *o);
    o->set_names = calloc((size_t)argc + 1, sizeof *o->set_names);
    o->set_values = calloc((size_t)argc + 1, sizeof *o->set_values);
    if (!o->set_names || !o->set_values) {
        fprintf(stderr, "%s: out of memory\n", prog->name);
        return 1;
    }
    int status = -1;
    for (int i = 1; i < argc && status < 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--set") == 0) {
            if (i + 1 == argc)
                status = usage_error(prog, "--set needs NAME=VALUE%s%s", "", "");
            else
                add_set(prog, o, argv[++i], &status);
        } else if (strncmp(a, "--set=", 6) == 0) {
            add_set(prog, o, a + 6, &status);
        } else if (strcmp(a, "--stats") == 0) {
            o->stats_seconds = 1;
        } else if (strncmp(a, "--stats=", 8) == 0) {
            char *end;
            double s = strtod(a + 8, &end);
            if (end == a + 8 || *end || !(s > 0) || s > 1e9)
                status = usage_error(prog, "--stats: '%s' is not a positive number of seconds%s",
                                     a + 8, "");
            else
                o->stats_seconds = s;
        } else if (strcmp(a, "--metrics-port") == 0 || strncmp(a, "--metrics-port=", 15) == 0) {
            metrics_option(prog, o, argc, argv, &i, &status);
        } else if (strcmp(a, "--parallelism") == 0 || strncmp(a, "--parallelism=", 14) == 0) {
            parallelism_option(prog, o, argc, argv, &i, &status);
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(prog);
            status = 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s (compiled from %s) flowc %s\n", prog->name, prog->flow_file,
                   prog->flowc_version);
            status = 0;
        } else if (strcmp(a, "--state-dir") == 0 || strncmp(a, "--state-dir=", 12) == 0 ||
                   strcmp(a, "--state-cache") == 0 || strncmp(a, "--state-cache=", 14) == 0) {
            state_option(prog, o, argc, argv, &i, &status);
        } else if (is_checkpoint_option(a)) {
            if (prog->checkpoint_every_ms <= 0)
                status = usage_error(prog,
                                     "%s: this program does no checkpointing (%s has no "
                                     "`checkpoint every` setting)",
                                     a, prog->flow_file);
            else
                checkpoint_option(prog, o, argc, argv, &i, &status);
        } else {
            status = usage_error(prog, a[0] == '-' ? "unknown option '%s'%s"
                                                   : "unexpected argument '%s'%s",
                                 a, "");
        }
    }
    if (status >= 0)
        flowrt_cli_free(o);
    return status;
}

void flowrt_cli_free(CliOptions *o)
{
    free(o->set_names);
    free(o->set_values);
    o->set_names = o->set_values = NULL;
}

/* Parses `text` as a value of `p`'s type into its member of `block`. */
static const char *store_param(const FlowParamDef *p, char *block, const char *text)
{
    size_t len = strlen(text);
    void *storage = block + p->offset;
    bool ok = false;
    switch (p->type) {
    case FLOW_BOOL: ok = flow_parse_bool(text, len, storage); break;
    case FLOW_INT32: ok = flow_parse_int32(text, len, storage); break;
    case FLOW_INT64: ok = flow_parse_int64(text, len, storage); break;
    case FLOW_FLOAT64: ok = flow_parse_float64(text, len, storage); break;
    case FLOW_TIMESTAMP: ok = flow_parse_timestamp(text, len, storage); break;
    case FLOW_DURATION: ok = flow_parse_duration(text, len, storage); break;
    case FLOW_STRING:
        *(FlowStr *)storage = (FlowStr){ text, (int64_t)len };
        ok = true;
        break;
    }
    if (ok)
        return NULL;
    switch (p->type) {
    case FLOW_BOOL: return "true or false";
    case FLOW_INT32: return "an int32";
    case FLOW_INT64: return "an int64";
    case FLOW_FLOAT64: return "a float64";
    case FLOW_DURATION: return "a duration such as 250ms, 10s or 5m";
    default: return "a timestamp (ISO 8601 or epoch milliseconds)";
    }
}

/* The duration params against the rules of their clauses (FlowProgram.params_check),
 * once all are set: a broken rule is a bad --set value, named with the --set
 * that gave it (the defaults were checked by flowc) and the other param of
 * the rule, if any, with its value. */
static int check_durations(const FlowProgram *prog, const char **texts, void *block)
{
    int which[2] = { -1, -1 };
    const char *broken = prog->params_check(block, which);
    if (!broken)
        return -1;
    int set = which[0] >= 0 && texts[which[0]] != prog->params[which[0]].default_text
                  ? which[0]
                  : which[1] >= 0 ? which[1] : which[0];
    int other = set == which[0] ? which[1] : which[0];
    if (set < 0) {
        fprintf(stderr, "%s: %s\n", prog->name, broken);
        return 1;
    }
    fprintf(stderr, "%s: --set %s=%s: %s", prog->name, prog->params[set].name, texts[set],
            broken);
    if (other >= 0)
        fprintf(stderr, "; param %s is %s", prog->params[other].name, texts[other]);
    fprintf(stderr, "\n");
    usage_line(prog, stderr);
    return 2;
}

int flowrt_params_apply(const FlowProgram *prog, const CliOptions *o, const char **texts,
                        void *block)
{
    for (int i = 0; i < prog->nparams; i++) {
        const FlowParamDef *p = &prog->params[i];
        texts[i] = p->default_text;
        for (int s = 0; s < o->nsets; s++) {
            size_t len = (size_t)(o->set_values[s] - 1 - o->set_names[s]);
            if (strlen(p->name) == len && memcmp(p->name, o->set_names[s], len) == 0)
                texts[i] = o->set_values[s];
        }
        const char *expected = store_param(p, block, texts[i]);
        if (!expected)
            continue;
        if (texts[i] == p->default_text) {
            fprintf(stderr, "%s: param '%s': its default \"%s\" is not %s\n", prog->name,
                    p->name, p->default_text, expected);
            return 1;
        }
        fprintf(stderr, "%s: --set %s=%s: the value must be %s\n", prog->name, p->name,
                texts[i], expected);
        usage_line(prog, stderr);
        return 2;
    }
    return prog->params_check ? check_durations(prog, texts, block) : -1;
}
