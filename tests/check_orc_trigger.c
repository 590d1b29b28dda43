/* check_orc_trigger.c -- budget-triggered collections (docs/semantics.md
 * section 6 with docs/decisions.md .dec.*) and the checks of reported
 * collections (strict, clr, out of memory). */
#include <check.h>
#include <string.h>
#include "oracle.h"
#include "check_orc_util.h"

enum { A = 0, B = 1, C = 2 };

static orc_model *budget_model(orc_profile profile, uint64_t g0, uint64_t g1, uint64_t g2,
                               uint64_t loh)
{
    orc_config c;
    orc_config_default(&c);
    c.gen0_budget = g0;
    c.gen1_budget = g1;
    c.gen2_budget = g2;
    c.loh_budget = loh;
    c.profile = profile;
    orc_model *m = orc_create(&c);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* .trig.small .trig.event .dec.budget-compare .dec.gen0-reset .trig.charge: with a
   96-byte budget four 24-byte objects fit exactly; the fifth triggers. */
START_TEST(gen0_exact_boundary)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 96, 0, 0, 0);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_prediction p;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(orc_alloc_predict(m, node, 0, &p), ORC_OK);
        ck_assert(!p.collect);
        orc_t_new(m, A, node, 0);
    }
    orc_budget_state b;
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.gen0_allocated, 96);
    ck_assert_int_eq(orc_alloc_predict(m, node, 0, &p), ORC_OK);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 0);
    ck_assert_int_eq(p.reason, ORC_REASON_ALLOC_SMALL);
    orc_t_new(m, A, node, 0);
    ck_assert_uint_eq(orc_collection_count(m, 0), 1);
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.gen0_allocated, 24);
    /* an induced collection resets it too */
    ORC_T_OK(orc_collect(m, 0, false));
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.gen0_allocated, 0);
    orc_destroy(m);
}
END_TEST

/* .dec.alloc-size: budgets count aligned sizes (25 -> 32) */
START_TEST(aligned_accounting)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 64, 0, 0, 0);
    orc_type_id odd = orc_t_fixed(m, "Odd", 25, 0, ORC_FIN_NONE, 0, false);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_t_new(m, A, odd, 0);
    orc_t_new(m, A, odd, 0);                       /* 64: exactly full */
    orc_budget_state b;
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.gen0_allocated, 64);
    orc_prediction p;
    orc_alloc_predict(m, blob, 1, &p);             /* 25 -> 32 */
    ck_assert_uint_eq(p.aligned, 32);
    ck_assert(p.collect);
    orc_alloc_predict(m, blob, 0, &p);             /* 24 */
    ck_assert(p.collect);
    orc_destroy(m);
}
END_TEST

/* .trig.escalate .dec.promo-acc: bytes promoted into gen1 escalate the next
   budget GC to gen1, bytes promoted into gen2 to gen2.  Budgets: gen0 48,
   gen1 40, gen2 60; 24-byte nodes rooted by statics. */
START_TEST(escalation)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 48, 40, 60, 0);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_prediction p;
    orc_budget_state b;
    orc_gc_record r;
    orc_t_new(m, A, node, 0);
    ORC_T_OK(orc_static_set(m, 0, A));
    orc_t_new(m, A, node, 0);                      /* gen0_allocated 48 */
    ORC_T_OK(orc_static_set(m, 1, A));
    ORC_T_OK(orc_drop(m, A));
    orc_alloc_predict(m, node, 0, &p);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 0);                    /* promoted1 0 */
    orc_t_new(m, B, node, 0);                      /* gen0 GC: s0, s1 -> gen1 */
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.promoted1, 48);
    ck_assert_uint_eq(b.gen0_allocated, 24);
    orc_t_new(m, B, node, 0);                      /* 48: fits exactly */
    ORC_T_OK(orc_drop(m, B));
    orc_alloc_predict(m, node, 0, &p);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 1);                    /* 48 > 40 */
    orc_t_new(m, C, node, 0);
    ck_assert(orc_last_gc(m, &r));
    ck_assert_int_eq(r.gen, 1);
    ck_assert_int_eq(r.reason, ORC_REASON_ALLOC_SMALL);
    ck_assert_uint_eq(r.promoted2_bytes, 48);      /* s0, s1: gen1 -> gen2 */
    ck_assert_uint_eq(r.reclaimed, 2);             /* both B objects */
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.promoted1, 0);             /* reset by gen >= 1 */
    ck_assert_uint_eq(b.promoted2, 48);            /* 48 < 60: not yet */
    orc_t_new(m, A, node, 0);                      /* 48 */
    ORC_T_OK(orc_static_set(m, 2, A));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, C));
    orc_alloc_predict(m, node, 0, &p);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 0);                    /* promoted1 0, promoted2 48 */
    orc_t_new(m, C, node, 0);                      /* gen0 GC: s2 -> gen1 */
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.promoted1, 24);
    ck_assert_uint_eq(b.promoted2, 48);            /* a gen0 GC adds nothing to it */
    ORC_T_OK(orc_collect(m, 1, false));            /* s2 -> gen2: 72 */
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.promoted1, 0);
    ck_assert_uint_eq(b.promoted2, 72);
    ck_assert_uint_eq(b.gen0_allocated, 0);
    orc_t_new(m, C, node, 0);
    orc_t_new(m, C, node, 0);                      /* 48 */
    orc_alloc_predict(m, node, 0, &p);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 2);                    /* 72 > 60 */
    orc_t_new(m, C, node, 0);
    ck_assert(orc_last_gc(m, &r));
    ck_assert_int_eq(r.gen, 2);
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.promoted1, 0);
    ck_assert_uint_eq(b.promoted2, 0);
    ck_assert_uint_eq(orc_collection_count(m, 0), 5);
    ck_assert_uint_eq(orc_collection_count(m, 1), 3);
    ck_assert_uint_eq(orc_collection_count(m, 2), 1);
    orc_destroy(m);
}
END_TEST

/* .trig.large .dec.loh-reset: the LOH budget, independent of gen0's */
START_TEST(loh_budget)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 100, 0, 0, 200000);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_prediction p;
    orc_t_new(m, A, blob, 84976);                  /* 85000 */
    orc_t_new(m, B, blob, 84976);                  /* 170000 */
    ck_assert_uint_eq(orc_gc_total(m), 0);         /* gen0 budget not involved */
    orc_alloc_predict(m, blob, 84976, &p);
    ck_assert(p.large);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 2);
    ck_assert_int_eq(p.reason, ORC_REASON_ALLOC_LARGE);
    orc_alloc_predict(m, blob, 30000 - 24, &p);    /* small: gen0 budget 100 */
    ck_assert(!p.large);
    ck_assert(p.collect);
    ck_assert_int_eq(p.gen, 0);
    orc_t_new(m, C, blob, 84976);
    orc_budget_state b;
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.loh_allocated, 85000);
    ck_assert_uint_eq(orc_collection_count(m, 2), 1);
    /* a gen0 GC does not reset loh_allocated */
    ORC_T_OK(orc_collect(m, 0, false));
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.loh_allocated, 85000);
    orc_destroy(m);
}
END_TEST

/* .dec.budget-zero: no limit never triggers */
START_TEST(budget_zero)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 0, 0, 0, 0);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    for (int i = 0; i < 50; i++)
        orc_t_new(m, A, blob, i % 2 ? 1000000 : 60000);
    ck_assert_uint_eq(orc_gc_total(m), 0);
    orc_destroy(m);
}
END_TEST

/* C8 in strict: unpredicted, wrong-generation and missing collections */
START_TEST(strict_reported_events)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 48, 0, 0, 0);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_prediction p;
    ORC_T_OK(orc_alloc_begin(m, A, node, 0, &p));
    ck_assert(!p.collect);
    orc_gc_request rq = { .gen = 0, .reason = ORC_REASON_ALLOC_SMALL };
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ILLEGAL);      /* unpredicted */
    ck_assert_ptr_nonnull(strstr(orc_last_error(m), "unpredicted"));
    ck_assert_uint_eq(orc_gc_total(m), 1);                 /* followed */
    ck_assert_int_eq(orc_alloc_end(m, false, NULL), ORC_OK);
    orc_t_new(m, B, node, 0);                              /* 48 */
    ORC_T_OK(orc_alloc_begin(m, C, node, 0, &p));
    ck_assert(p.collect);
    rq.gen = 1;
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ILLEGAL);      /* wrong generation */
    ck_assert_int_eq(orc_alloc_end(m, false, NULL), ORC_OK);
    orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_alloc_begin(m, C, node, 0, &p));
    ck_assert(p.collect);
    ck_assert_int_eq(orc_alloc_end(m, false, NULL), ORC_E_ILLEGAL);   /* missing */
    ck_assert_uint_ne(orc_t_local(m, C), ORC_NULL);                    /* still made */
    rq.gen = 0;
    rq.reason = ORC_REASON_INDUCED;                        /* outside a step: fine */
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    rq.reason = ORC_REASON_ALLOC_SMALL;                    /* outside a step: not */
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ILLEGAL);
    orc_destroy(m);
}
END_TEST

/* .dec.oom: one gen2 out_of_memory GC, then the local becomes null */
START_TEST(out_of_memory)
{
    orc_model *m = budget_model(ORC_PROFILE_STRICT, 48, 0, 0, 0);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_t_new(m, A, node, 0);
    orc_t_new(m, B, node, 0);                      /* 48: next predicts a GC */
    orc_prediction p;
    ORC_T_OK(orc_alloc_begin(m, A, node, 0, &p));
    ck_assert(p.collect);
    orc_gc_request oom = { .gen = 2, .reason = ORC_REASON_OOM };
    ck_assert_int_eq(orc_gc(m, &oom), ORC_E_ILLEGAL);     /* before the budget GC */
    ck_assert_int_eq(orc_alloc_end(m, true, NULL), ORC_E_ILLEGAL);   /* budget GC missing */
    ck_assert_uint_eq(orc_t_local(m, A), ORC_NULL);

    orc_destroy(m);
    m = budget_model(ORC_PROFILE_STRICT, 0, 0, 0, 0);
    node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id x = orc_t_new(m, A, node, 0);
    ORC_T_OK(orc_alloc_begin(m, A, node, 0, &p));
    ck_assert_int_eq(orc_alloc_end(m, true, NULL), ORC_E_ILLEGAL);   /* no OOM GC */
    ORC_T_OK(orc_copy(m, A, A));
    ORC_T_OK(orc_alloc_begin(m, B, node, 0, &p));
    oom.gen = 1;
    ck_assert_int_eq(orc_gc(m, &oom), ORC_E_ILLEGAL);     /* must be gen 2 */
    ORC_T_OK(orc_alloc_end(m, false, NULL));
    ORC_T_OK(orc_alloc_begin(m, B, node, 0, &p));
    oom.gen = 2;
    ck_assert_int_eq(orc_gc(m, &oom), ORC_OK);
    ck_assert_int_eq(orc_gc(m, &oom), ORC_E_ILLEGAL);     /* only one */
    orc_id got = 7;
    ck_assert_int_eq(orc_alloc_end(m, true, &got), ORC_OK);
    ck_assert_uint_eq(got, ORC_NULL);
    ck_assert_uint_eq(orc_t_local(m, B), ORC_NULL);
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert_int_eq(r.reason, ORC_REASON_OOM);
    ck_assert(!orc_t_info(m, x).alive);                    /* A was null: x unrooted */
    orc_destroy(m);
}
END_TEST

/* .clr.budgets: nothing predicted, any generation at any allocation, the
   reason must fit the heap. */
START_TEST(clr_any_generation)
{
    orc_model *m = budget_model(ORC_PROFILE_CLR, 48, 0, 0, 0);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    for (int i = 0; i < 5; i++)
        orc_t_new(m, A, node, 0);
    ck_assert_uint_eq(orc_gc_total(m), 0);
    orc_prediction p;
    ORC_T_OK(orc_alloc_begin(m, A, node, 0, &p));
    ck_assert(!p.collect);
    orc_gc_request rq = { .gen = 2, .reason = ORC_REASON_ALLOC_SMALL };
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    rq.gen = 1;
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    rq.reason = ORC_REASON_ALLOC_LARGE;
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ILLEGAL);
    ORC_T_OK(orc_alloc_end(m, false, NULL));
    ORC_T_OK(orc_alloc_begin(m, B, blob, 90000, &p));
    ck_assert(p.large);
    rq.gen = 0;
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    ORC_T_OK(orc_alloc_end(m, false, NULL));
    ck_assert_uint_eq(orc_collection_count(m, 0), 4);     /* the illegal one is followed */
    ck_assert_uint_eq(orc_collection_count(m, 1), 3);
    ck_assert_uint_eq(orc_collection_count(m, 2), 1);
    orc_destroy(m);
}
END_TEST

Suite *make_orc_trigger_suite(void)
{
    Suite *s = suite_create("orc_trigger");
    TCase *tc = tcase_create("orc_trigger");
    tcase_add_test(tc, gen0_exact_boundary);
    tcase_add_test(tc, aligned_accounting);
    tcase_add_test(tc, escalation);
    tcase_add_test(tc, loh_budget);
    tcase_add_test(tc, budget_zero);
    tcase_add_test(tc, strict_reported_events);
    tcase_add_test(tc, out_of_memory);
    tcase_add_test(tc, clr_any_generation);
    suite_add_tcase(s, tc);
    return s;
}
