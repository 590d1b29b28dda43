/* check_hx_sched.c -- the scheduled concurrency mode (target "mgc-sched",
 * harness/target_sched.c): each `thread N` section runs on its own OS
 * thread attached with context N, a baton keeps the program order, so a
 * run is exactly the run on "mgc" (same lockstep verdict, same steps,
 * collections, finalizer calls and trace) and replays bit for bit.
 * Programs come from the generator (GCF_SEED). */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "exec.h"
#include "gen.h"
#include "text.h"

typedef struct sched_run {
    hx_exec_status st;
    size_t steps;
    uint64_t gcs, fin_calls, objects;
    char sig[HX_SIG_MAX];
    char *trace;
} sched_run;

/* The trace without object addresses (heaps lie at different addresses). */
static void strip_addresses(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (strncmp(r, "obj=0x", 6) == 0) {
            memcpy(w, "obj=@", 5);
            w += 5;
            r += 6;
            while ((*r >= '0' && *r <= '9') || (*r >= 'a' && *r <= 'f'))
                r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static void run_on(const hx_program *p, const char *target, sched_run *out)
{
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.no_views = true;
    o.trace = true;
    o.target = hx_target_by_name(target);
    ck_assert_ptr_nonnull(o.target);
    size_t len = 0;
    FILE *f = open_memstream(&out->trace, &len);
    ck_assert_ptr_nonnull(f);
    o.trace_out = f;
    hx_exec_outcome r;
    out->st = hx_exec_run(p, "gen.gcp", &o, &r);
    fclose(f);
    strip_addresses(out->trace);
    out->steps = r.steps;
    out->gcs = r.gcs;
    out->fin_calls = r.fin_calls;
    out->objects = r.objects;
    snprintf(out->sig, sizeof out->sig, "%s", out->st == HX_EXEC_PASS ? "" : r.fail.signature);
    hx_exec_outcome_free(&r);
}

static void same(const sched_run *a, const sched_run *b, uint64_t seed)
{
    ck_assert_msg(a->st == b->st && strcmp(a->sig, b->sig) == 0, "seed %llu: %d %s vs %d %s",
                  (unsigned long long)seed, a->st, a->sig, b->st, b->sig);
    ck_assert_uint_eq(a->steps, b->steps);
    ck_assert_uint_eq(a->gcs, b->gcs);
    ck_assert_uint_eq(a->fin_calls, b->fin_calls);
    ck_assert_uint_eq(a->objects, b->objects);
    ck_assert_msg(strcmp(a->trace, b->trace) == 0, "seed %llu: traces differ", (unsigned long long)seed);
}

static size_t thread_statements(const hx_program *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nstmts; i++)
        n += p->stmts[i].kind == HX_ST_THREAD && p->stmts[i].thread != 0;
    return n;
}

START_TEST(test_sched_matches_mgc_and_replays)
{
    uint64_t seed = gcf_test_seed("sched matches mgc");
    size_t sections = 0, gcs = 0;
    for (uint64_t i = 0; i < 150; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + i, 120, &p));
        sections += thread_statements(&p);
        sched_run a, b, c;
        run_on(&p, "mgc", &a);
        run_on(&p, "mgc-sched", &b);
        run_on(&p, "mgc-sched", &c);
        ck_assert_msg(a.st == HX_EXEC_PASS, "seed %llu: mgc: %s", (unsigned long long)(seed + i), a.sig);
        same(&a, &b, seed + i);
        same(&b, &c, seed + i);
        gcs += b.gcs;
        free(a.trace);
        free(b.trace);
        free(c.trace);
        hx_program_free(&p);
    }
    ck_assert_uint_gt(sections, 50);     /* the programs do switch threads */
    ck_assert_uint_gt(gcs, 150);
}
END_TEST

/* Finalizer-thread mode (target "mgc-fin", docs/threads.md): the runtime's
   finalizer thread runs the finalizers, concurrently with the thread that
   collected, and the executor sees its calls at the end of the statement
   that queued them, so every program passes and replays identically
   (verdict, steps, collections, calls, trace without addresses). */
START_TEST(test_fin_thread_replays)
{
    uint64_t seed = gcf_test_seed("finalizer thread replays");
    uint64_t calls = 0;
    for (uint64_t i = 0; i < 100; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + i, 120, &p));
        sched_run a, b;
        run_on(&p, "mgc-fin", &a);
        run_on(&p, "mgc-fin", &b);
        ck_assert_msg(a.st == HX_EXEC_PASS, "seed %llu: mgc-fin: %s", (unsigned long long)(seed + i),
                      a.sig);
        same(&a, &b, seed + i);
        calls += a.fin_calls;
        free(a.trace);
        free(b.trace);
        hx_program_free(&p);
    }
    ck_assert_uint_gt(calls, 20);        /* the finalizer thread did run finalizers */
}
END_TEST

/* A collection on thread 2 while threads 0, 1 and 3 hold objects in their
   windows: every thread's context is retired and its objects promoted. */
START_TEST(test_sched_sections)
{
    static const char text[] =
        "heap gen0_budget=4k\n"
        "type Node size=32 refs=1\n"
        "thread 1\n"
        "a = new Node\n"
        "thread 0\n"
        "b = new Node\n"
        "thread 3\n"
        "c = new Node\n"
        "thread 2\n"
        "collect 0\n"
        "expect gen a 1\n"
        "expect gen b 1\n"
        "expect gen c 1\n"
        "thread 1\n"
        "d = new Node\n"
        "a.0 = d\n"
        "finalize\n"
        "collect 1\n"
        "expect gen a 2\n"
        "expect gen d 1\n";
    hx_program p;
    hx_diag d;
    ck_assert_msg(hx_parse(text, strlen(text), "t.gcp", &p, &d), "parse: %s", d.msg);
    sched_run a, b;
    run_on(&p, "mgc", &a);
    run_on(&p, "mgc-sched", &b);
    ck_assert_msg(b.st == HX_EXEC_PASS, "mgc-sched: %s", b.sig);
    same(&a, &b, 0);
    free(a.trace);
    free(b.trace);
    hx_program_free(&p);
}
END_TEST

Suite *make_hx_sched_suite(void)
{
    Suite *s = suite_create("hx_sched");
    TCase *tc = tcase_create("sched");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_sched_sections);
    tcase_add_test(tc, test_sched_matches_mgc_and_replays);
    tcase_add_test(tc, test_fin_thread_replays);
    suite_add_tcase(s, tc);
    return s;
}
