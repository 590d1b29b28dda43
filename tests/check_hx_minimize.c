/* check_hx_minimize.c -- the generic minimizer (harness/minimize.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "gen.h"
#include "minimize.h"
#include "testutil.h"

/* Planted failure: a large "Planted" array is allocated into local L, a
   collection of generation >= 1 follows, then L is dropped, with no
   rebinding of L in between. */
static bool planted_fails(const hx_program *p, void *ctx)
{
    size_t *calls = ctx;
    (*calls)++;
    for (size_t i = 0; i < p->nstmts; i++) {
        const hx_stmt *a = &p->stmts[i];
        if (a->kind != HX_ST_NEW || strcmp(p->types[a->type].name, "Planted") != 0 ||
            hx_type_instance_size(&p->types[a->type], a->length) < 85000)
            continue;
        bool collected = false;
        for (size_t j = i + 1; j < p->nstmts; j++) {
            const hx_stmt *s = &p->stmts[j];
            if (s->kind == HX_ST_COLLECT && s->gen >= 1)
                collected = true;
            if (s->kind == HX_ST_DROP && s->obj == a->dst && collected)
                return true;
            if (hx_stmt_binds_local(s) == a->dst || (s->kind == HX_ST_DROP && s->obj == a->dst))
                break;
        }
    }
    return false;
}

static hx_stmt *insert_at(hx_program *p, size_t at, hx_stmt_kind k)
{
    ck_assert_ptr_nonnull(hx_program_append(p, k));
    memmove(&p->stmts[at + 1], &p->stmts[at], (p->nstmts - 1 - at) * sizeof(hx_stmt));
    memset(&p->stmts[at], 0, sizeof(hx_stmt));
    p->stmts[at].kind = k;
    p->stmts[at].src = HX_NULL;
    return &p->stmts[at];
}

static void plant(hx_program *p, gcf_rng *r)
{
    hx_type t = { .name = "Planted", .kind = HX_TYPE_BYTE_ARRAY };
    uint32_t ty = hx_program_add_type(p, &t);
    uint32_t loc = hx_program_local(p, "planted");
    ck_assert_uint_ne(ty, HX_NONE);
    size_t n = p->nstmts;
    size_t i = (size_t)gcf_rng_below(r, n / 3), j = n / 3 + (size_t)gcf_rng_below(r, n / 3);
    size_t k = 2 * n / 3 + (size_t)gcf_rng_below(r, n / 3);
    hx_stmt *s = insert_at(p, k, HX_ST_DROP);
    s->obj = loc;
    s = insert_at(p, j, HX_ST_COLLECT);
    s->gen = 1;
    s = insert_at(p, i, HX_ST_NEW);
    s->dst = loc;
    s->type = ty;
    s->length = 90000;
    hx_program_renumber(p);
}

START_TEST(test_planted_failure_cut)
{
    uint64_t seed = gcf_test_seed("minimize planted");
    gcf_rng r = { seed };
    hx_program p;
    ck_assert(hx_gen(seed, 197, &p));
    plant(&p, &r);
    ck_assert_uint_eq(p.nstmts, 200);
    hx_diag d;
    ck_assert(hx_program_check(&p, &d));
    size_t calls = 0;
    ck_assert(planted_fails(&p, &calls));
    hx_program out;
    hx_min_stats st;
    hx_min_status rc = hx_minimize(&p, planted_fails, &calls, NULL, &out, &st);
    ck_assert_int_eq(rc, HX_MIN_OK);
    ck_assert(planted_fails(&out, &calls));
    ck_assert(hx_program_check(&out, NULL));
    ck_assert_uint_le(out.nstmts, 5);
    ck_assert_uint_eq(st.stmts_before, 200);
    ck_assert_uint_eq(st.stmts_after, out.nstmts);
    ck_assert_uint_gt(st.tests, 0);
    ck_assert_uint_le(st.tests, calls);
    /* operand simplification: the smallest failing length (the LOH
       threshold), collect 1 -> collect, unused types and locals gone */
    const hx_stmt *a = &out.stmts[0];
    ck_assert_int_eq(a->kind, HX_ST_NEW);
    ck_assert_uint_eq(a->length, 84976);
    ck_assert_int_eq(out.stmts[1].kind, HX_ST_COLLECT);
    ck_assert_int_eq(out.stmts[1].gen, 2);
    ck_assert_uint_eq(out.ntypes, 1);
    ck_assert_uint_eq(out.nlocals, 1);
    char *t = hx_print_string(&out, NULL);
    ck_assert_str_eq(t, "type Planted array elem=1\nplanted = new Planted[84976]\ncollect\ndrop planted\n");
    free(t);
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_heap_keys_reset)
{
    hx_program p;
    hx_t_parse_ok("heap gen0_budget=8k segment_size=64k\n"
                  "type Planted array elem=1\n"
                  "type Other size=64 refs=1 finalizer=resurrect:s3 critical\n"
                  "o = new Other\n"
                  "planted = new Planted[100000]\n"
                  "thread 7\n"
                  "collect 2 compact_loh\n"
                  "drop planted\n", &p);
    size_t calls = 0;
    hx_program out;
    ck_assert_int_eq(hx_minimize(&p, planted_fails, &calls, NULL, &out, NULL), HX_MIN_OK);
    char *t = hx_print_string(&out, NULL);
    ck_assert_str_eq(t, "type Planted array elem=1\nplanted = new Planted[84976]\ncollect\ndrop planted\n");
    free(t);
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

static bool never_fails(const hx_program *p, void *ctx)
{
    (void)p;
    (void)ctx;
    return false;
}

START_TEST(test_not_failing)
{
    hx_program p, out;
    ck_assert(hx_gen(3, 20, &p));
    ck_assert_int_eq(hx_minimize(&p, never_fails, NULL, NULL, &out, NULL), HX_MIN_NOT_FAILING);
    ck_assert(hx_program_equal(&p, &out));
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

/* Fails while statements remain, but only for the first `budget` calls:
   the final re-checks see it pass, so the result must be rejected. */
static bool flaky(const hx_program *p, void *ctx)
{
    int *budget = ctx;
    return p->nstmts > 0 && (*budget)-- > 0;
}

START_TEST(test_flaky_rejected)
{
    hx_program p, out;
    ck_assert(hx_gen(5, 40, &p));
    int budget = 25;
    hx_min_opts o = { .rechecks = 5, .max_tests = 200 };
    ck_assert_int_eq(hx_minimize(&p, flaky, &budget, &o, &out, NULL), HX_MIN_FLAKY);
    ck_assert(hx_program_equal(&p, &out));          /* the input comes back */
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

static int progress_calls;
static void on_progress(const char *phase, const hx_min_stats *st, void *ctx)
{
    (void)phase;
    (void)ctx;
    ck_assert_uint_le(st->stmts_after, st->stmts_before);
    progress_calls++;
}

START_TEST(test_budget_and_progress)
{
    hx_program p, out;
    gcf_rng r = { 11 };
    ck_assert(hx_gen(9, 97, &p));
    plant(&p, &r);
    size_t calls = 0;
    hx_min_opts o = { .max_tests = 10, .progress = on_progress };
    hx_min_stats st;
    progress_calls = 0;
    ck_assert_int_eq(hx_minimize(&p, planted_fails, &calls, &o, &out, &st), HX_MIN_OK);
    ck_assert_uint_le(st.tests, 10 + 1 + 3);        /* budget, first check, re-checks */
    ck_assert_int_gt(progress_calls, 0);
    ck_assert(planted_fails(&out, &calls));
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

Suite *make_hx_minimize_suite(void)
{
    Suite *s = suite_create("hx_minimize");
    TCase *tc = tcase_create("minimize");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_planted_failure_cut);
    tcase_add_test(tc, test_heap_keys_reset);
    tcase_add_test(tc, test_not_failing);
    tcase_add_test(tc, test_flaky_rejected);
    tcase_add_test(tc, test_budget_and_progress);
    suite_add_tcase(s, tc);
    return s;
}
