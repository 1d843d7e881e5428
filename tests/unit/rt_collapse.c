/* rt_collapse.c: the thread that collapses split huge pages between
 * checkpoints (runtime/src/collapse.c): it puts a region split by a fork's
 * copy-on-write back into huge pages, stops between two regions when a fork
 * comes, and stops cleanly. Also run under ThreadSanitizer. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collapse.h"

#define REGION (64UL << 20)

/* AnonHugePages of the process, in kB. */
static long huge_kb(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    long kb = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Whether the kernel gives huge pages to a region advised for them (and
 * the build starts the thread at all: not under AddressSanitizer). */
static bool thp_available(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return false;
#endif
#endif
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char line[128] = "";
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        fclose(f);
    }
    return strstr(line, "[always]") || strstr(line, "[madvise]");
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A region with huge pages, then a child alive while every 4 KiB page is
 * written: the kernel splits the huge pages to copy them. */
static unsigned char *split_region(void)
{
    unsigned char *p = aligned_alloc(2UL << 20, REGION);
    assert_non_null(p);
    madvise(p, REGION, MADV_HUGEPAGE);
    memset(p, 1, REGION);
    pid_t child = fork();
    if (child == 0) {
        sleep_ms(300);
        _exit(0);
    }
    for (size_t i = 0; i < REGION; i += 4096)
        p[i]++;
    waitpid(child, NULL, 0);
    return p;
}

static void test_collapses_after_kick(void **state)
{
    (void)state;
    if (!thp_available())
        skip();
    long before = huge_kb();
    unsigned char *p = split_region();
    long split = huge_kb();
    Collapser *c = flowrt_collapser_start();
    assert_non_null(c);
    flowrt_collapser_kick(c);
    long after = split;
    for (int i = 0; i < 500 && after - before < (long)(REGION >> 10) / 2; i++) {
        sleep_ms(20);
        after = huge_kb();
    }
    flowrt_collapser_stop(c);
    assert_true(split - before < (long)(REGION >> 10) / 2); /* the fork split them */
    assert_true(after - before >= (long)(REGION >> 10) / 2);
    for (size_t i = 0; i < REGION; i += 4096)
        assert_int_equal(p[i], 2); /* the contents survive */
    free(p);
}

/* While held, a kick collapses nothing; once released, it does. */
static void test_hold_and_release(void **state)
{
    (void)state;
    if (!thp_available())
        skip();
    long before = huge_kb();
    unsigned char *p = split_region();
    Collapser *c = flowrt_collapser_start();
    assert_non_null(c);
    flowrt_collapser_hold(c);
    long held = huge_kb();
    flowrt_collapser_kick(c);
    sleep_ms(200);
    /* Nothing collapsed the region: the kernel's own khugepaged may put a
     * page or two back meanwhile, so "not half of it", not "not a page". */
    assert_true(huge_kb() - before < (long)(REGION >> 10) / 2);
    flowrt_collapser_release(c);
    flowrt_collapser_kick(c);
    long after = held;
    for (int i = 0; i < 500 && after - before < (long)(REGION >> 10) / 2; i++) {
        sleep_ms(20);
        after = huge_kb();
    }
    flowrt_collapser_stop(c);
    assert_true(after - before >= (long)(REGION >> 10) / 2);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collapses_after_kick),
        cmocka_unit_test(test_hold_and_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
