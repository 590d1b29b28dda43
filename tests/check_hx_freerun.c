/* check_hx_freerun.c -- the free-running concurrency mode
 * (harness/freerun.c, docs/threads.md): the discipline check names what a
 * program breaks with its line and column, the projection and the
 * generator give programs that keep it, and such programs run clean on
 * our runtime whatever the interleaving (seeds from GCF_SEED).  That the
 * checks catch a broken runtime is tests/freerun_plants.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "freerun.h"
#include "gen.h"
#include "text.h"

static void parse(const char *text, hx_program *p)
{
    hx_diag d;
    if (!hx_parse(text, strlen(text), "t.gcp", p, &d)) {
        char buf[400];
        hx_diag_format(&d, buf, sizeof buf);
        ck_abort_msg("parse: %s", buf);
    }
}

/* The discipline check fails at line:col with a message containing what. */
static void expect_reject(const char *text, unsigned line, const char *what)
{
    hx_program p;
    parse(text, &p);
    hx_diag d;
    ck_assert_msg(!hx_freerun_check(&p, &d), "accepted:\n%s", text);
    ck_assert_msg(d.pos.line == line, "line %u, want %u: %s", d.pos.line, line, d.msg);
    ck_assert_msg(strstr(d.msg, what) != NULL, "message '%s' lacks '%s'", d.msg, what);
    /* the executor refuses it too: a bad program */
    hx_exec_outcome r;
    ck_assert_int_eq(hx_freerun_run(&p, "t.gcp", NULL, &r, NULL), HX_EXEC_BAD_PROGRAM);
    ck_assert_uint_eq(r.fail.pos.line, line);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}

START_TEST(discipline_rejects)
{
    expect_reject("type N size=32 refs=1\n"
                  "a = new N\n"
                  "thread 1\n"
                  "b = new N\n"
                  "b.0 = a\n",
                  5, "local 'a' is used by thread 1 here and by thread 0 at line 2");
    expect_reject("type N size=32 refs=1\n"
                  "a = new N\n"
                  "h = handle strong a\n"
                  "thread 1\n"
                  "b = target h\n",
                  5, "handle 'h' is used by thread 1");
    expect_reject("type N size=32 refs=1\n"
                  "thread 1\n"
                  "a = static s1\n"
                  "b = new N\n"
                  "b.0 = a\n",
                  5, "read from a static");
    expect_reject("type N size=32 refs=1\n"
                  "a = static s1\n"
                  "c = a\n"
                  "d = c.0\n",
                  4, "read from a static");
    expect_reject("type N size=32 refs=1\n"
                  "a = new N\n"
                  "expect gen a 0\n",
                  3, "expectations");
    expect_reject("type N size=32 refs=1\n"
                  "a = new N\n"
                  "drop a\n"
                  "b = a.0\n",
                  4, "dropped");
    expect_reject("type N size=32 refs=1\n"
                  "a = new N\n"
                  "h = handle weak a\n"
                  "free h\n"
                  "free h\n",
                  5, "freed");
}
END_TEST

/* Three threads that publish lists through statics, read each other's,
   pin, use weak handles, collect every generation and finalize. */
static const char shared_prog[] =
    "heap gen0_budget=4k gen1_budget=16k\n"
    "type Node size=40 refs=2\n"
    "type Fin size=32 finalizer=count\n"
    "type Res size=32 refs=1 finalizer=resurrect:s5\n"
    "type Arr array elem=ref\n"
    "type Bytes array elem=1\n"
    "thread 0\n"
    "a = new Node\n"
    "b = new Node\n"
    "a.0 = b\n"
    "b.1 = a\n"
    "static s0 = a\n"
    "p = handle pinned b\n"
    "f = new Fin\n"
    "drop f\n"
    "arr = new Arr[300]\n"
    "arr.299 = a\n"
    "arr.7 = b\n"
    "collect 0\n"
    "x = static s1\n"
    "c = new Node\n"
    "c.0 = arr\n"
    "collect 1\n"
    "finalize\n"
    "y = static s2\n"
    "static s3 = y\n"
    "thread 1\n"
    "m = new Node\n"
    "n = new Res\n"
    "m.0 = n\n"
    "w = handle weak n\n"
    "static s1 = m\n"
    "drop n\n"
    "collect 2\n"
    "q = target w\n"
    "k = new Bytes[500]\n"
    "k2 = new Bytes[90000]\n"
    "z = static s0\n"
    "finalize\n"
    "g = new Fin\n"
    "suppress g\n"
    "drop g\n"
    "thread 2\n"
    "r = new Node\n"
    "r.0 = r\n"
    "s = new Node\n"
    "s.1 = r\n"
    "static s2 = s\n"
    "t = new Fin\n"
    "reregister t\n"
    "drop t\n"
    "collect 2 compact_loh\n"
    "u = static s1\n"
    "drop r\n"
    "finalize\n"
    "v = new Node\n"
    "v.0 = s\n";

START_TEST(shared_program_passes)
{
    uint64_t seed = gcf_test_seed("hx_freerun_shared");
    hx_program p;
    parse(shared_prog, &p);
    hx_diag d;
    ck_assert_msg(hx_freerun_check(&p, &d), "%s", d.msg);
    for (uint64_t i = 0; i < 40; i++) {
        hx_freerun_options o = { seed + i, false };
        hx_exec_outcome r;
        hx_freerun_stats st;
        hx_exec_status s = hx_freerun_run(&p, "shared.gcp", &o, &r, &st);
        if (s != HX_EXEC_PASS)
            hx_report_print(stdout, "shared.gcp", &r);
        ck_assert_int_eq(s, HX_EXEC_PASS);
        ck_assert_uint_eq(st.threads, 3);
        ck_assert_uint_ge(r.gcs, 6);          /* 6 induced, more from the budget */
        ck_assert_uint_ge(r.fin_calls, 3);    /* f, t and n at least */
        ck_assert_uint_gt(st.checks, 0);
        hx_exec_outcome_free(&r);
    }
    hx_program_free(&p);
}
END_TEST

/* The end-of-run accounting (C6 no lost finalization) passes on a correct
   runtime: a suppressed object needs no call, a registered or reregistered
   one gets one, one that reregisters itself from its finalizer is called
   at least once although a static keeps it until the end. */
START_TEST(finalization_accounting)
{
    hx_program p;
    parse("type Fin size=32 finalizer=count\n"
          "type Again size=32 finalizer=reregister\n"
          "a = new Fin\n"
          "b = new Fin\n"
          "suppress b\n"
          "c = new Again\n"
          "static s9 = c\n"
          "thread 1\n"
          "d = new Fin\n"
          "suppress d\n"
          "reregister d\n",
          &p);
    hx_exec_outcome r;
    ck_assert_int_eq(hx_freerun_run(&p, "fin.gcp", NULL, &r, NULL), HX_EXEC_PASS);
    /* a, d once; c at least once (it reregisters itself every time) */
    ck_assert_uint_ge(r.fin_calls, 3);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}
END_TEST

START_TEST(generated_programs_pass)
{
    uint64_t seed = gcf_test_seed("hx_freerun_gen");
    for (uint64_t i = 0; i < 60; i++) {
        hx_program p, q;
        ck_assert(hx_gen_free(seed + i, 120, 0, &p));
        ck_assert(hx_gen_free(seed + i, 120, 0, &q));
        ck_assert_msg(hx_program_equal(&p, &q), "seed %llu: not deterministic",
                      (unsigned long long)(seed + i));
        hx_diag d;
        ck_assert_msg(hx_program_check(&p, &d), "seed %llu: invalid: %s",
                      (unsigned long long)(seed + i), d.msg);
        ck_assert_msg(hx_freerun_check(&p, &d), "seed %llu: %u:%u: %s",
                      (unsigned long long)(seed + i), d.pos.line, d.pos.col, d.msg);
        ck_assert_uint_ge(hx_program_threads(&p), 2);
        /* the text round-trips, so `gcfuzz gen --free-running` is runnable */
        char *text = hx_print_string(&p, NULL);
        hx_program back;
        ck_assert_msg(hx_parse(text, strlen(text), "g.gcp", &back, &d), "seed %llu: %s",
                      (unsigned long long)(seed + i), d.msg);
        ck_assert(hx_program_equal(&p, &back));
        hx_freerun_options o = { seed + i, false };
        hx_exec_outcome r;
        hx_exec_status s = hx_freerun_run(&p, "gen.gcp", &o, &r, NULL);
        if (s != HX_EXEC_PASS) {
            printf("seed %llu:\n%s\n", (unsigned long long)(seed + i), text);
            hx_report_print(stdout, "gen.gcp", &r);
        }
        ck_assert_int_eq(s, HX_EXEC_PASS);
        hx_exec_outcome_free(&r);
        free(text);
        hx_program_free(&back);
        hx_program_free(&q);
        hx_program_free(&p);
    }
}
END_TEST

/* The projection keeps a program that already keeps the discipline. */
START_TEST(projection_keeps_disciplined)
{
    hx_program p, q;
    parse(shared_prog, &p);
    ck_assert(hx_freerun_project(&p, 3, &q));
    hx_diag d;
    ck_assert_msg(hx_freerun_check(&q, &d), "%s", d.msg);
    size_t np = 0, nq = 0;
    for (size_t i = 0; i < p.nstmts; i++)
        np += p.stmts[i].kind != HX_ST_THREAD;
    for (size_t i = 0; i < q.nstmts; i++)
        nq += q.stmts[i].kind != HX_ST_THREAD;
    ck_assert_uint_eq(np, nq);
    hx_program_free(&q);
    hx_program_free(&p);
}
END_TEST

/* The projection runs no blocks: a block's body is kept once, unwrapped
   (slot i+K becomes K), so the projected program parses back (a body
   statement that named slot `i` outside its block did not). */
START_TEST(projection_unwraps_blocks)
{
    static const char text[] =
        "type N size=40 refs=3\n"
        "a = new N\n"
        "repeat 2 {\n"
        "  b = new N\n"
        "  a.i+1 = b\n"
        "}\n"
        "collect\n";
    hx_program p, q;
    parse(text, &p);
    ck_assert(hx_freerun_project(&p, 2, &q));
    size_t stores = 0;
    for (size_t i = 0; i < q.nstmts; i++) {
        ck_assert(q.stmts[i].kind != HX_ST_REPEAT && q.stmts[i].kind != HX_ST_END);
        ck_assert(!q.stmts[i].islot);
        if (q.stmts[i].kind == HX_ST_STORE) {
            ck_assert_uint_eq(q.stmts[i].slot, 1);
            stores++;
        }
    }
    ck_assert_uint_eq(stores, 1);
    hx_diag d;
    ck_assert_msg(hx_freerun_check(&q, &d), "%s", d.msg);
    char *out = hx_print_string(&q, NULL);
    hx_program back;
    ck_assert_msg(hx_parse(out, strlen(out), "q.gcp", &back, &d), "%s\n%s", d.msg, out);
    hx_program_free(&back);
    free(out);
    hx_program_free(&q);
    hx_program_free(&p);
    /* generated programs with blocks (seeds that had one in the TSan sweep) */
    static const uint64_t seeds[] = { 18, 24, 90, 95 };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        ck_assert(hx_gen_free(seeds[k], 150, 0, &q));
        char *t = hx_print_string(&q, NULL);
        ck_assert_msg(hx_parse(t, strlen(t), "g.gcp", &back, &d), "seed %llu: %s",
                      (unsigned long long)seeds[k], d.msg);
        hx_program_free(&back);
        free(t);
        hx_program_free(&q);
    }
}
END_TEST

Suite *make_hx_freerun_suite(void)
{
    Suite *s = suite_create("hx_freerun");
    TCase *tc = tcase_create("freerun");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, discipline_rejects);
    tcase_add_test(tc, shared_program_passes);
    tcase_add_test(tc, finalization_accounting);
    tcase_add_test(tc, generated_programs_pass);
    tcase_add_test(tc, projection_keeps_disciplined);
    tcase_add_test(tc, projection_unwraps_blocks);
    suite_add_tcase(s, tc);
    return s;
}
