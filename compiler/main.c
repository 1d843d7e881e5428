/* main.c: the flowc command (TOOLS.md §2): build, emit, check, explain.
 * Reads the .flow file, runs parse -> check -> plan -> emit, and for `build`
 * runs the C compiler on the result with the headers and libflowrt.a found
 * relative to flowc's own executable (<prefix>/bin/flowc next to
 * <prefix>/include and <prefix>/lib, in an install and in the build tree),
 * linking the libraries of the connectors the program uses and no others.
 *
 * Exit status: 0 ok, 1 errors in the input, 2 usage, 3 the C compiler failed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "connectors.h"
#include "cwriter.h"
#include "diag.h"
#include "emit.h"
#include "explain.h"
#include "parse.h"
#include "plan.h"
#include "sql.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_CC = 3 };

static const char usage_text[] =
    "usage: flowc build FILE.flow [-o PROG] [-O0|-O2|-O3] [-g] [--keep-c DIR]\n"
    "       flowc emit FILE.flow [-o FILE.c] [--line-directives] [--embed]\n"
    "       flowc check FILE.flow\n"
    "       flowc explain FILE.flow [--dot]\n"
    "       flowc --version | --help | COMMAND --help\n"
    "FILE.flow may also be a Flink SQL job, FILE.sql (docs/sql.md).\n";

static const char help_text[] =
    "flowc compiles a stream-processing program (.flow) to one C11 file and,\n"
    "with the runtime library libflowrt, to a native executable.\n"
    "\n"
    "commands:\n"
    "  build    compile FILE.flow to an executable (the C compiler is $CC, default cc)\n"
    "  emit     write the generated C program\n"
    "  check    report errors and warnings only\n"
    "  explain  print the plan: operators, fused stages, record types, state, watermarks\n"
    "\n"
    "exit status: 0 ok, 1 errors in the input, 2 usage, 3 the C compiler failed\n";

static const char build_help[] =
    "usage: flowc build FILE.flow [-o PROG] [-O0|-O2|-O3] [-g] [--keep-c DIR]\n"
    "\n"
    "Compile FILE.flow to an executable.\n"
    "  -o PROG         the executable (default: FILE without .flow, in the current directory)\n"
    "  -O0, -O2, -O3   optimisation level for the C compiler (default -O2)\n"
    "  -g              debug information\n"
    "  --keep-c DIR    keep the generated C as DIR/FILE.c\n"
    "The C compiler is $CC (default cc); $CFLAGS and $LDFLAGS are passed on.\n";

static const char emit_help[] =
    "usage: flowc emit FILE.flow [-o FILE.c] [--line-directives] [--embed]\n"
    "\n"
    "Write the generated C program (to standard output without -o).\n"
    "  -o FILE.c           the output file\n"
    "  --line-directives   #line directives that map the C back to the .flow lines\n"
    "  --embed             no main: export flow_NAME_run, flow_NAME_stop,\n"
    "                      flow_NAME_summary and flow_NAME_program for a host\n"
    "                      application (NAME: FILE without .flow; see flow/host.h)\n";

static const char check_help[] =
    "usage: flowc check FILE.flow\n"
    "\n"
    "Report the errors and warnings of FILE.flow, and nothing else.\n";

static const char explain_help[] =
    "usage: flowc explain FILE.flow [--dot]\n"
    "\n"
    "Print the plan: for each stream its operators, which of them are fused into\n"
    "one stage, the record type on every edge, the state of stateful operators and\n"
    "its key, and where the watermark comes from.\n"
    "  --dot   the same graph in Graphviz's DOT language\n";

typedef struct Options {
    const char *command;
    const char *file;
    const char *output;      /* -o */
    const char *opt_level;   /* -O0 / -O2 / -O3 */
    bool debug;              /* -g */
    const char *keep_c;      /* --keep-c DIR */
    bool line_directives;
    bool embed;              /* emit --embed */
    bool dot;
} Options;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "flowc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%sTry 'flowc --help'.\n", usage_text);
    return EXIT_USAGE;
}

/* Parses argv into `o`; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, Options *o)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        printf("flowc %s\n", FLOWC_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        printf("%s\n%s", usage_text, help_text);
        return EXIT_OK;
    }
    const char *help = strcmp(cmd, "build") == 0     ? build_help
                       : strcmp(cmd, "emit") == 0    ? emit_help
                       : strcmp(cmd, "check") == 0   ? check_help
                       : strcmp(cmd, "explain") == 0 ? explain_help
                                                     : NULL;
    if (!help)
        return usage_error("unknown command '%s'", cmd);
    o->command = cmd;
    bool build = strcmp(cmd, "build") == 0, emit = strcmp(cmd, "emit") == 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("%s", help);
            return EXIT_OK;
        }
        if ((build || emit) && strcmp(a, "-o") == 0) {
            if (++i == argc)
                return usage_error("%s", "-o needs a file name");
            o->output = argv[i];
        } else if (build && (strcmp(a, "-O0") == 0 || strcmp(a, "-O1") == 0 ||
                             strcmp(a, "-O2") == 0 || strcmp(a, "-O3") == 0)) {
            o->opt_level = a;
        } else if (build && strcmp(a, "-g") == 0) {
            o->debug = true;
        } else if (build && strcmp(a, "--keep-c") == 0) {
            if (++i == argc)
                return usage_error("%s", "--keep-c needs a directory");
            o->keep_c = argv[i];
        } else if (emit && strcmp(a, "--line-directives") == 0) {
            o->line_directives = true;
        } else if (emit && strcmp(a, "--embed") == 0) {
            o->embed = true;
        } else if (strcmp(cmd, "explain") == 0 && strcmp(a, "--dot") == 0) {
            o->dot = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "flowc %s: unknown option '%s'\n%s", cmd, a, help);
            return EXIT_USAGE;
        } else if (o->file) {
            fprintf(stderr, "flowc %s: one .flow file at a time ('%s' and '%s')\n%s", cmd,
                    o->file, a, help);
            return EXIT_USAGE;
        } else {
            o->file = a;
        }
    }
    if (!o->file) {
        fprintf(stderr, "flowc %s: no .flow file given\n%s", cmd, help);
        return EXIT_USAGE;
    }
    return -1;
}

/* The whole file, NUL-terminated, or NULL after a message. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "flowc: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "flowc: out of memory reading %s\n", path);
            fclose(f);
            return NULL;
        }
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        char *bigger = realloc(buf, cap);
        if (!bigger)
            free(buf);
        buf = bigger;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "flowc: cannot read %s: %s\n", path, strerror(errno));
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "flowc: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok &= fclose(f) == 0;
    if (!ok)
        fprintf(stderr, "flowc: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

/* The .flow's base name without its extension: `clicks` for dir/clicks.flow. */
static char *program_name(const char *path)
{
    const char *base = plan_base_name(path);
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *name = malloc(n + 1);
    if (!name)
        abort();
    memcpy(name, base, n);
    name[n] = '\0';
    return name;
}

/* ---- Running the C compiler ------------------------------------------------------------- */

typedef struct Argv {
    char **items;
    int n, cap;
} Argv;

static void argv_add(Argv *v, const char *s)
{
    if (v->n + 2 > v->cap) {
        v->cap = v->cap ? v->cap * 2 : 32;
        v->items = realloc(v->items, sizeof *v->items * (size_t)v->cap);
        if (!v->items)
            abort();
    }
    v->items[v->n++] = strdup(s);
    v->items[v->n] = NULL;
}

/* Words of an environment variable split on spaces (no shell quoting). */
static void argv_add_words(Argv *v, const char *text)
{
    if (!text)
        return;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        if (p > start) {
            char *word = strndup(start, (size_t)(p - start));
            argv_add(v, word);
            free(word);
        }
    }
}

static void argv_free(Argv *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->items[i]);
    free(v->items);
}

/* <prefix> of an install or build tree: the directory above the one holding
 * this executable. */
static char *find_prefix(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    size_t len = strlen(exe) + 4;
    char *prefix = malloc(len);
    if (!prefix)
        abort();
    snprintf(prefix, len, "%s/..", exe);
    return prefix;
}

/* Runs argv; returns its exit status, or -1 after a message when it could
 * not be started (a close-on-exec pipe tells the parent that exec failed). */
static int run(Argv *cmd)
{
    fflush(stdout);
    fflush(stderr);
    int fds[2];
    if (pipe(fds) != 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
        fprintf(stderr, "flowc: cannot start %s: %s\n", cmd->items[0], strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "flowc: cannot start %s: %s\n", cmd->items[0], strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        execvp(cmd->items[0], cmd->items);
        int e = errno;
        ssize_t ignored = write(fds[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    close(fds[1]);
    int exec_errno = 0;
    ssize_t n;
    while ((n = read(fds[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (n == (ssize_t)sizeof exec_errno) {
        fprintf(stderr, "flowc: cannot run the C compiler '%s': %s (set $CC to a C compiler)\n",
                cmd->items[0], strerror(exec_errno));
        return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* `libs`: the link flags of the connectors and state backend the program
 * uses (compiler/connectors.c), NULL-terminated. */
static int build(const Options *o, const char *c_text, const char *name, const char **libs)
{
    char *prefix = find_prefix();
    if (!prefix) {
        fprintf(stderr, "flowc: cannot find where flowc is installed (/proc/self/exe)\n");
        return EXIT_CC;
    }
    size_t plen = strlen(prefix) + 64;
    char *include = malloc(plen), *lib = malloc(plen), *header = malloc(plen);
    snprintf(include, plen, "-I%s/include", prefix);
    snprintf(lib, plen, "%s/lib/libflowrt.a", prefix);
    snprintf(header, plen, "%s/include/flow/flow.h", prefix);
    int status = EXIT_OK;
    char *tmpdir = NULL, *c_path = NULL;
    if (access(header, R_OK) != 0 || access(lib, R_OK) != 0) {
        fprintf(stderr, "flowc: the runtime is missing: %s and %s must exist next to flowc\n",
                header, lib);
        status = EXIT_CC;
        goto done;
    }

    if (o->keep_c) {
        if (mkdir(o->keep_c, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "flowc: cannot create %s: %s\n", o->keep_c, strerror(errno));
            status = EXIT_INPUT;
            goto done;
        }
        size_t n = strlen(o->keep_c) + strlen(name) + 4;
        c_path = malloc(n);
        snprintf(c_path, n, "%s/%s.c", o->keep_c, name);
    } else {
        const char *tmp = getenv("TMPDIR");
        size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
        tmpdir = malloc(n);
        snprintf(tmpdir, n, "%s/flowc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(tmpdir)) {
            fprintf(stderr, "flowc: cannot create a temporary directory %s: %s\n", tmpdir,
                    strerror(errno));
            free(tmpdir);
            tmpdir = NULL;
            status = EXIT_CC;
            goto done;
        }
        n = strlen(tmpdir) + strlen(name) + 4;
        c_path = malloc(n);
        snprintf(c_path, n, "%s/%s.c", tmpdir, name);
    }
    if (!write_file(c_path, c_text)) {
        status = EXIT_INPUT;
        goto done;
    }

    Argv cmd = { 0 };
    const char *cc = getenv("CC");
    argv_add_words(&cmd, cc && *cc ? cc : "cc");
    if (cmd.n == 0)
        argv_add(&cmd, "cc");
    argv_add(&cmd, "-std=c11");
    argv_add(&cmd, o->opt_level ? o->opt_level : "-O2");
    if (o->debug)
        argv_add(&cmd, "-g");
    argv_add(&cmd, include);
    argv_add_words(&cmd, getenv("CFLAGS"));
    argv_add(&cmd, c_path);
    argv_add(&cmd, "-o");
    argv_add(&cmd, o->output ? o->output : name);
    argv_add(&cmd, lib);
    for (int i = 0; libs[i]; i++)
        argv_add(&cmd, libs[i]);
    argv_add(&cmd, "-lm");
    argv_add_words(&cmd, getenv("LDFLAGS"));
    int rc = run(&cmd);
    if (rc < 0) {
        status = EXIT_CC;
    } else if (rc != 0) {
        fprintf(stderr,
                "flowc: the C compiler failed on the generated program (%s exited with %d).\n"
                "flowc: this is a bug in flowc, not in %s: please report it with that file.\n",
                cmd.items[0], rc, o->file);
        if (tmpdir) {
            fprintf(stderr, "flowc: the generated C is kept in %s\n", c_path);
            free(tmpdir);
            tmpdir = NULL;
        }
        status = EXIT_CC;
    }
    argv_free(&cmd);

done:
    if (tmpdir) {
        unlink(c_path);
        rmdir(tmpdir);
        free(tmpdir);
    }
    free(c_path);
    free(include);
    free(lib);
    free(header);
    free(prefix);
    return status;
}

/* ---- Commands ---------------------------------------------------------------------- */

static int compile(const Options *o)
{
    size_t len;
    char *src = read_file(o->file, &len);
    if (!src)
        return EXIT_INPUT;
    Arena *arena = arena_new();
    bool explain = strcmp(o->command, "explain") == 0;
    Diag d;
    diag_init(&d, o->file, src, len, stderr);
    /* A Flink SQL job is lowered onto the same tree (docs/sql.md); one whose
     * front end failed is not checked, so that its errors do not cascade. */
    SqlProgram *sql = NULL;
    Program *prog = sql_is_sql_path(o->file) ? sql_parse_program(arena, &d, src, len, &sql)
                                             : parse_program(arena, &d, src, len);
    if (prog && !prog->filename)
        prog->filename = o->file;
    int status = EXIT_OK;
    bool sql_failed = sql && d.errors > 0;
    bool ok = prog && !sql_failed && check_program(arena, &d, prog) && d.errors == 0;
    if (ok && sql)
        ok = sql_check_inserts(&d, sql);
    /* A program whose only errors are features this version cannot generate
     * is valid Flow: its plan can still be explained (exit status 1 all the
     * same, since it cannot be built). */
    bool plan_only = explain && prog && !sql_failed && d.errors > 0 && d.errors == d.unsupported;
    if (plan_only)
        ok = true;
    if (!ok || strcmp(o->command, "check") == 0) {
        status = ok ? EXIT_OK : EXIT_INPUT;
        goto done;
    }

    Plan *plan = plan_build(arena, prog);
    CWriter w;
    cw_init(&w);
    if (explain) {
        if (o->dot)
            explain_dot(&w, plan);
        else
            explain_text(&w, plan);
        fputs(cw_text(&w), stdout);
        cw_free(&w);
        status = plan_only ? EXIT_INPUT : EXIT_OK;
        goto done;
    }

    char *name = program_name(o->file);
    char *c_name = malloc(strlen(name) + 3);
    sprintf(c_name, "%s.c", name);
    EmitOptions eo = { o->line_directives,
                       o->output && strcmp(o->command, "emit") == 0 ? plan_base_name(o->output)
                                                                    : c_name,
                       o->embed };
    if (!emit_program(&w, plan, &d, &eo)) {
        status = EXIT_INPUT;
    } else {
        char *text = cw_finish(&w, eo.c_file);
        if (strcmp(o->command, "emit") == 0) {
            if (o->output)
                status = write_file(o->output, text) ? EXIT_OK : EXIT_INPUT;
            else if (fputs(text, stdout) == EOF || fflush(stdout) != 0)
                status = EXIT_INPUT;
        } else {
            status = build(o, text, name, connectors_link_flags(arena, prog));
        }
        free(text);
    }
    free(c_name);
    free(name);
    cw_free(&w);

done:
    arena_free(arena);
    free(src);
    return status;
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    int status = parse_args(argc, argv, &o);
    if (status >= 0)
        return status;
    return compile(&o);
}
