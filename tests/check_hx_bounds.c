/* check_hx_bounds.c -- the binary format's bounds hold what they promise
 * (.codec.limits): the worst case of each bound, decoded from bytes, runs
 * in a child process under a CPU-time limit (RLIMIT_CPU: the kernel stops
 * the child, no wall clock involved) and grows the child's resident set by
 * less than 256 MiB (VmHWM after the run against VmRSS before it, so ASan
 * shadow and the runtime's reservations count).
 *
 * The CPU limit is 2 s in optimized builds with the runtime's assertion
 * level 1 (the default preset, like the campaign build), 40 s in sanitizer
 * or assertion-level-3 builds.  Under Valgrind the programs are decoded and
 * checked against the bounds only (a run would take minutes).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_hx_util.h"
#include "codec.h"
#include "exec.h"
#include "testutil.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define BOUNDS_SLOW_BUILD 1
#endif
#endif
#if defined(MGC_ASAN) || MGC_ASSERT_LEVEL >= 3 || defined(__OPTIMIZE__) == 0
#undef BOUNDS_SLOW_BUILD
#define BOUNDS_SLOW_BUILD 1
#endif
#ifdef BOUNDS_SLOW_BUILD
#define CPU_LIMIT_S 40
#else
#define CPU_LIMIT_S 2
#endif
#define RSS_LIMIT_KB (256L * 1024)

/* kB value of a /proc/self/status field, -1 if absent */
static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Encode text, check it is within the bounds, decode it back, and run it in
   a child under the limits.  The child exits 0 when the run passed and the
   resident set grew by less than RSS_LIMIT_KB, 3 when it grew more, 4 on a
   divergence or program error. */
static void run_bounded(const char *what, const char *text)
{
    hx_program src;
    hx_t_parse_ok(text, &src);
    const char *why = hx_codec_beyond_limits(&src);
    ck_assert_msg(why == NULL, "%s: %s", what, why);
    uint8_t *b;
    size_t n;
    ck_assert(hx_encode(&src, &b, &n));
    hx_program p;
    ck_assert(hx_decode(b, n, &p));
    ck_assert_msg(hx_program_equal(&src, &p), "%s: not exact", what);
    free(b);
    hx_program_free(&src);
    if (gcf_under_valgrind()) {
        hx_program_free(&p);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit cpu = { CPU_LIMIT_S, CPU_LIMIT_S + 1 };
        setrlimit(RLIMIT_CPU, &cpu);
        long before = status_kb("VmRSS");
        hx_exec_options o;
        hx_exec_options_default(&o);
        o.fuzz = true;
        o.no_views = true;
        hx_exec_outcome r;
        hx_exec_status s = hx_exec_run(&p, what, &o, &r);
        long peak = status_kb("VmHWM");
        if (s != HX_EXEC_PASS) {
            hx_report_print(stderr, what, &r);
            _exit(4);
        }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        fprintf(stderr, "%s: %ld ms CPU, resident set +%ld kB\n", what,
                ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 +
                ru.ru_stime.tv_sec * 1000L + ru.ru_stime.tv_usec / 1000, peak - before);
        if (before < 0 || peak < 0 || peak - before >= RSS_LIMIT_KB) {
            fprintf(stderr, "%s: resident set %ld kB -> peak %ld kB\n", what, before, peak);
            _exit(3);
        }
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    hx_program_free(&p);
    ck_assert_msg(!WIFSIGNALED(st), "%s: killed by signal %d (%s; CPU limit %d s)", what,
                  WTERMSIG(st), WTERMSIG(st) == SIGXCPU || WTERMSIG(st) == SIGKILL ?
                  "over the CPU-time limit" : "crash", CPU_LIMIT_S);
    ck_assert_msg(WEXITSTATUS(st) == 0, "%s: child exit %d (3: resident set over 256 MiB, "
                  "4: the run failed)", what, WEXITSTATUS(st));
}

/* A program text: header, body, then `count` copies of `line` with %d
   replaced by the copy's number (modulo mod when mod is not 0). */
static char *program_mod(const char *header, const char *body, const char *line, int count,
                         int mod)
{
    size_t cap = strlen(header) + strlen(body) + (size_t)count * (strlen(line) + 16) + 1;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    size_t n = (size_t)snprintf(t, cap, "%s%s", header, body);
    for (int i = 0; i < count; i++)
        n += (size_t)snprintf(t + n, cap - n, line, mod ? i % mod : i);
    return t;
}

static char *program(const char *header, const char *body, const char *line, int count)
{
    return program_mod(header, body, line, count, 0);
}

#define NO_BUDGETS "heap gen0_budget=0 gen1_budget=0 gen2_budget=0 loh_budget=0 segment_size=8m\n"

/* The byte total: 16 MiB of live byte arrays (two of the largest objects),
   no budget to collect them early, then every remaining statement a full
   collection (each compares every payload). */
START_TEST(test_worst_bytes)
{
    char *t = program(NO_BUDGETS "type B array elem=1\n",
                      "a = new B[8388584]\nb = new B[8388584]\n", "collect\n",
                      (int)HX_CODEC_MAX_STMTS - 2);
    run_bounded("worst bytes", t);
    free(t);
}
END_TEST

/* The slot total: 65536 reference slots in four reference arrays, filled
   with references to each other, then collections. */
START_TEST(test_worst_slots)
{
    char *t = program_mod(NO_BUDGETS "type R array elem=ref\n",
                          "a = new R[16384]\nb = new R[16384]\nc = new R[16384]\n"
                          "d = new R[16384]\na.0 = b\nb.16383 = c\nc.5 = d\nd.9 = a\n",
                          "collect %d\n", (int)HX_CODEC_MAX_STMTS - 8, 3);
    run_bounded("worst slots", t);
    free(t);
}
END_TEST

/* The statement bound with many small objects: a linked list of 1024
   nodes, each statement allocating or storing, small gen0 budget. */
START_TEST(test_worst_objects)
{
    char *t = program("heap gen0_budget=8k segment_size=16k\ntype N size=32 refs=2\n",
                      "n = new N\n", "m = new N\nm.0 = n\nn = m\n",
                      (int)(HX_CODEC_MAX_STMTS - 1) / 3);
    run_bounded("worst objects", t);
    free(t);
}
END_TEST

/* Allocating finalizers at the total: the largest fixed type allocated by a
   finalizer, re-registered, with finalize after every collection. */
START_TEST(test_worst_finalizers)
{
    char *t = program(NO_BUDGETS "type F size=4m refs=2\ntype M size=24 finalizer=alloc:F\n"
                      "type C size=24 finalizer=reregister\n",
                      "m = new M\nf = new F\nreregister m\nc = new C\ndrop m\n",
                      "collect\nfinalize\n", (int)(HX_CODEC_MAX_STMTS - 5) / 2);
    run_bounded("worst finalizers", t);
    free(t);
}
END_TEST

/* Small segments at the byte total: every 16 KiB array takes a segment of
   its own; then collections compact them. */
START_TEST(test_worst_segments)
{
    char *t = program("heap segment_size=4k gen0_budget=0 loh_threshold=1m\n"
                      "type B array elem=1\n", "", "b%d = new B[16000]\n", 1000);
    char *u = program(t, "", "collect\n", (int)HX_CODEC_MAX_STMTS - 1000);
    run_bounded("worst segments", u);
    free(u);
    free(t);
}
END_TEST

/* SOH objects as large as the LOH threshold allows, dropped and
   reallocated so every collection compacts megabytes. */
START_TEST(test_worst_compaction)
{
    char *t = program("heap loh_threshold=1m segment_size=8m gen0_budget=0\n"
                      "type B array elem=1\n",
                      "", "a = new B[1000000]\nb = new B[1000000]\ndrop a\ncollect\n", 8);
    char *u = program_mod(t, "", "collect %d\n", (int)HX_CODEC_MAX_STMTS - 32, 3);
    run_bounded("worst compaction", u);
    free(u);
    free(t);
}
END_TEST

/* Loops (.codec.loop): the statements executed in blocks at their bound,
   building a chain as long as that allows (16320 nodes, 4 executions per
   iteration), then the heavy bound's collections in a block, then
   collections for every statement left. */
START_TEST(test_worst_loop_chain)
{
    uint64_t heavy = HX_CODEC_MAX_HEAVY / 2 - 1;
    uint64_t iters = (HX_CODEC_MAX_EXEC - 2 * heavy) / 4;
    char head[256];
    snprintf(head, sizeof head,
             "heap gen0_budget=8k segment_size=16k\ntype N size=32 refs=2\nn = new N\n"
             "repeat %llu {\n  m = new N\n  m.0 = n\n  n = m\n}\nrepeat %llu {\n  collect\n}\n",
             (unsigned long long)iters, (unsigned long long)heavy);
    char *t = program(head, "", "collect 0\n", (int)HX_CODEC_MAX_STMTS - 10);
    hx_program p;
    hx_t_parse_ok(t, &p);
    ck_assert_uint_le(hx_program_exec_count(&p), HX_CODEC_MAX_STMTS + HX_CODEC_MAX_EXEC);
    hx_program_free(&p);
    run_bounded("worst loop chain", t);
    free(t);
}
END_TEST

/* Nested blocks at the execution bound: a wide reference array filled
   through `i`, every iteration allocating. */
START_TEST(test_worst_loop_nested)
{
    char *t = program(NO_BUDGETS "type R array elem=ref\ntype L size=24\n",
                      "r = new R[100]\nrepeat 6 {\n  repeat 100 {\n    x = new L\n"
                      "    r.i = x\n  }\n  collect 0\n}\n",
                      "collect\n", (int)HX_CODEC_MAX_STMTS - 20);
    run_bounded("worst loop nested", t);
    free(t);
}
END_TEST

/* .codec.heavy-new: under a gen0 budget of one byte every allocation
   collects, and each collection is followed by the complete comparison of
   a heap that grows with every allocation (re-registered finalizable
   objects: the f-reachable queue keeps them all).  In blocks such a `new`
   counts towards the heavy bound, so one more iteration does not fit. */
START_TEST(test_worst_small_gen0)
{
    const char *head = "heap gen0_budget=1 gen1_budget=16k segment_size=2m\n"
                       "type X size=48 refs=4 finalizer=reregister\n";
    char body[128];
    snprintf(body, sizeof body, "repeat %llu {\n  l = new X\n}\n",
             (unsigned long long)HX_CODEC_MAX_HEAVY + 1);
    char *over = program(head, body, "", 0);
    hx_program p;
    hx_t_parse_ok(over, &p);
    ck_assert_ptr_nonnull(hx_codec_beyond_limits(&p));
    hx_program_free(&p);
    free(over);
    snprintf(body, sizeof body, "repeat %llu {\n  l = new X\n}\n",
             (unsigned long long)HX_CODEC_MAX_HEAVY);
    char *t = program(head, body, "l = new X\n", (int)HX_CODEC_MAX_STMTS - 3);
    run_bounded("worst small gen0", t);
    free(t);
}
END_TEST

/* The f-reachable queue at the execution bound: every iteration of a block
   queues a re-registered object that never runs, then a collection for
   every statement left; each comparison pairs the whole queue
   (.cmp.fr-pair: a scan per entry made this quadratic). */
START_TEST(test_worst_queue)
{
    char body[128];
    snprintf(body, sizeof body, "repeat %llu {\n  l = new X\n}\n",
             (unsigned long long)HX_CODEC_MAX_EXEC / 2);
    char *t = program(NO_BUDGETS "type X size=48 refs=4 finalizer=reregister\n", body,
                      "collect 0\n", (int)HX_CODEC_MAX_STMTS - 3);
    run_bounded("worst queue", t);
    free(t);
}
END_TEST

/* Payload reads after collections (.exec.stamp-gc) against the heavy
   allocations (.codec.heavy-new): objects just under a sixteenth of the
   gen0 budget, as many as the execution bound allows, each kept by the
   queue (a collection every 16 allocations), then a collection for every
   statement left, each reading a window of every middle.  One more byte
   per object and the block no longer fits. */
START_TEST(test_worst_payload)
{
    const char *head = "heap gen0_budget=8k gen1_budget=0 gen2_budget=0 loh_budget=0 segment_size=8m\n"
                       "type B size=%u refs=1 finalizer=reregister\n";
    char hdr[256], body[128];
    snprintf(body, sizeof body, "repeat %llu {\n  l = new B\n}\n",
             (unsigned long long)HX_CODEC_MAX_EXEC / 2);
    unsigned size = 8192 / HX_CODEC_HEAVY_NEW_DIV;
    hx_program p;
    hx_type b = {0};
    do {   /* the largest B whose instance is under a sixteenth of 8k */
        size -= 8;
        b.kind = HX_TYPE_FIXED;
        b.size = size;
        b.nrefs = 1;
    } while (hx_type_instance_size(&b, 0) * HX_CODEC_HEAVY_NEW_DIV >= 8192);
    snprintf(hdr, sizeof hdr, head, size + 8);
    char *over = program(hdr, body, "", 0);
    hx_t_parse_ok(over, &p);
    ck_assert_ptr_nonnull(hx_codec_beyond_limits(&p));
    hx_program_free(&p);
    free(over);
    snprintf(hdr, sizeof hdr, head, size);
    char *t = program(hdr, body, "collect 0\n", (int)HX_CODEC_MAX_STMTS - 3);
    run_bounded("worst payload", t);
    free(t);
}
END_TEST

/* Any bytes: what a decoded input executes stays within the bounds. */
START_TEST(test_loop_exec_bound)
{
    uint64_t seed = gcf_test_seed("loop exec bound");
    gcf_rng r = { seed };
    int loops = 0;
    for (int it = 0; it < 3000; it++) {
        uint8_t b[512];
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (uint8_t)gcf_rng_below(&r, 256);
        b[0] = HX_CODEC_VERSION;
        if (it % 2)
            b[1] = (uint8_t)(HX_CODEC_EXACT_TAG | (b[1] & 0x0f));
        /* many extension opcodes: blocks everywhere */
        for (size_t i = 20; i < sizeof b; i += 1 + gcf_rng_below(&r, 8))
            b[i] = HX_CODEC_OP_EXT;
        hx_program p;
        ck_assert(hx_decode(b, sizeof b, &p));
        hx_diag d;
        if (!hx_program_check(&p, &d) && getenv("LOOP_DEBUG")) {
            FILE *f = fopen("/tmp/loopdbg.bin", "wb");
            fwrite(b, 1, sizeof b, f);
            fclose(f);
        }
        ck_assert_msg(hx_program_check(&p, &d), "seed %llu iteration %d: %u:%u: %s",
                      (unsigned long long)seed, it, d.pos.line, d.pos.col, d.msg);
        loops += hx_program_has_loops(&p);
        ck_assert_msg(hx_codec_within_limits(&p), "seed %llu iteration %d: %s",
                      (unsigned long long)seed, it, hx_codec_beyond_limits(&p));
        ck_assert_uint_le(hx_program_exec_count(&p), HX_CODEC_MAX_STMTS + HX_CODEC_MAX_EXEC);
        hx_program_free(&p);
    }
    ck_assert_int_gt(loops, 1000);
}
END_TEST

Suite *make_hx_bounds_suite(void)
{
    Suite *s = suite_create("hx_bounds");
    TCase *tc = tcase_create("bounds");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_worst_bytes);
    tcase_add_test(tc, test_worst_slots);
    tcase_add_test(tc, test_worst_objects);
    tcase_add_test(tc, test_worst_finalizers);
    tcase_add_test(tc, test_worst_small_gen0);
    tcase_add_test(tc, test_worst_queue);
    tcase_add_test(tc, test_worst_payload);
    tcase_add_test(tc, test_worst_segments);
    tcase_add_test(tc, test_worst_compaction);
    tcase_add_test(tc, test_worst_loop_chain);
    tcase_add_test(tc, test_worst_loop_nested);
    tcase_add_test(tc, test_loop_exec_bound);
    suite_add_tcase(s, tc);
    return s;
}
