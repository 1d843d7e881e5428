/* cli.h: the command line of a generated program (LANGUAGE.md §9) and its
 * params. flowrt_cli_parse reads the options; flowrt_params_apply parses every param's
 * default, then its --set value, with the codec of its type, into the
 * run's params block. Usage errors print a message and the usage line on
 * stderr and give exit status 2. */
#ifndef FLOWRT_CLI_H
#define FLOWRT_CLI_H

#include <stdbool.h>

#include "flow/program.h"

typedef struct CliOptions {
    int nsets;
    const char **set_names;  /* --set NAME=VALUE, in order; later ones win */
    const char **set_values;
    double stats_seconds;    /* --stats[=SECONDS]; 0: no periodic stats */
    bool quiet;
    const char *metrics_addr;     /* --metrics-port [ADDR:]PORT; NULL: no endpoint */
    int parallelism;              /* --parallelism N; 0: the control's or program's */
    /* Checkpointed programs only (docs/checkpoints.md). */
    const char *checkpoint_dir;   /* --checkpoint-dir DIR; NULL: the program's */
    int64_t checkpoint_every_ms;  /* --checkpoint-every D; 0: the program's */
    int checkpoint_keep;          /* --checkpoint-keep K; 0: the default */
    bool no_restore;              /* --no-restore */
    /* `state rocksdb` programs only (docs/checkpoints.md, "RocksDB state"). */
    const char *state_dir;        /* --state-dir DIR; NULL: the program's */
    int64_t state_cache_bytes;    /* --state-cache BYTES; 0: the default */
} CliOptions;

/* Returns -1 to go on, or an exit status (0 after --help or --version, 2 on a
 * usage error). */
int flowrt_cli_parse(const FlowProgram *prog, int argc, char **argv, CliOptions *opts);
void flowrt_cli_free(CliOptions *opts);
/* Fills texts[i] with the current text of param i and stores its value in
 * `block` (prog->params_size bytes, the run's params). Returns -1 when all is
 * well, else the exit status. */
int flowrt_params_apply(const FlowProgram *prog, const CliOptions *opts, const char **texts,
                        void *block);

#endif
