/* check_hx_gen.c -- the random program generator (harness/gen.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "gen.h"
#include "testutil.h"

START_TEST(test_gen_deterministic)
{
    uint64_t seed = gcf_test_seed("gen determinism");
    for (int i = 0; i < 20; i++) {
        hx_program a, b;
        ck_assert(hx_gen(seed + (uint64_t)i, 120, &a));
        ck_assert(hx_gen(seed + (uint64_t)i, 120, &b));
        char *ta = hx_print_string(&a, NULL), *tb = hx_print_string(&b, NULL);
        ck_assert_str_eq(ta, tb);
        ck_assert(hx_program_equal(&a, &b));
        free(ta);
        free(tb);
        hx_program_free(&a);
        hx_program_free(&b);
    }
}
END_TEST

START_TEST(test_gen_seeds_differ)
{
    uint64_t seed = gcf_test_seed("gen seeds differ");
    hx_program a, b;
    ck_assert(hx_gen(seed, 50, &a));
    ck_assert(hx_gen(seed + 1, 50, &b));
    ck_assert(!hx_program_equal(&a, &b));
    hx_program_free(&a);
    hx_program_free(&b);
}
END_TEST

START_TEST(test_gen_exact_count_and_valid)
{
    uint64_t seed = gcf_test_seed("gen count");
    static const size_t counts[] = { 0, 1, 2, 17, 200, 1000, 5000 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        hx_program p;
        ck_assert(hx_gen(seed, counts[i], &p));
        ck_assert_uint_eq(p.nstmts, counts[i]);
        ck_assert(hx_program_check(&p, NULL));
        /* a longer program of the same seed starts with the shorter one */
        if (counts[i] >= 17) {
            hx_program q;
            ck_assert(hx_gen(seed, 17, &q));
            char a[512], b[512];
            for (size_t k = 0; k < 17; k++) {
                hx_stmt_format(&p, &p.stmts[k], a, sizeof a);
                hx_stmt_format(&q, &q.stmts[k], b, sizeof b);
                ck_assert_str_eq(a, b);
            }
            hx_program_free(&q);
        }
        hx_program_free(&p);
    }
}
END_TEST

START_TEST(test_gen_covers_kinds)
{
    uint64_t seed = gcf_test_seed("gen coverage");
    size_t kinds[HX_ST_KIND_COUNT] = {0};
    bool clr = false, large = false;
    for (int i = 0; i < 60; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + (uint64_t)i, 150, &p));
        for (size_t k = 0; k < p.nstmts; k++) {
            const hx_stmt *s = &p.stmts[k];
            kinds[s->kind]++;
            if (s->kind == HX_ST_NEW &&
                hx_type_instance_size(&p.types[s->type], s->length) >= p.heap.value[HX_KEY_LOH_THRESHOLD])
                large = true;
        }
        clr |= p.heap.profile == HX_PROFILE_CLR;
        hx_program_free(&p);
    }
    for (int k = 0; k < HX_ST_FIRST_EXPECT; k++)
        ck_assert_msg(kinds[k] > 0, "no %s generated", hx_stmt_kind_name(k));
    for (int k = HX_ST_FIRST_EXPECT; k < HX_ST_KIND_COUNT; k++)
        ck_assert_uint_eq(kinds[k], 0);        /* no expectations: they would be guesses */
    ck_assert(large);
    ck_assert(clr);
}
END_TEST

Suite *make_hx_gen_suite(void)
{
    Suite *s = suite_create("hx_gen");
    TCase *tc = tcase_create("gen");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_gen_deterministic);
    tcase_add_test(tc, test_gen_seeds_differ);
    tcase_add_test(tc, test_gen_exact_count_and_valid);
    tcase_add_test(tc, test_gen_covers_kinds);
    suite_add_tcase(s, tc);
    return s;
}
