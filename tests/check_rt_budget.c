/* check_rt_budget.c -- dynamic budgets (.budget.dynamic), declined
 * promotion in the clr profile (.budget.promotion) and the generation-size
 * counters (.stats.sizes). */
#include "check_rt_core.h"

#define KIB ((size_t)1024)
#define MIB ((size_t)1024 * 1024)

static mgc_stats stats_of(mgc_heap *h)
{
    mgc_stats st;
    mgc_get_stats(h, &st);
    return st;
}

/* The generation sizes of the counters equal a walk's. */
static void check_sizes(mgc_heap *h)
{
    gcf_core_count c = gcf_core_walk(h);
    mgc_stats st = stats_of(h);
    ck_assert_uint_eq(st.gen_size[0] + st.gen_size[1] + st.gen_size[2] + st.loh_size, c.bytes);
    gcf_core_verify(h);
}

START_TEST(test_default_budgets_are_dynamic)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    ck_assert(cfg.gen0_budget == MGC_BUDGET_DYNAMIC && cfg.loh_budget == MGC_BUDGET_DYNAMIC);
    mgc_heap *h = gcf_core_heap(&cfg);
    mgc_stats st = stats_of(h);
    ck_assert_uint_eq(st.budget_dynamic, 0xfu);
    /* .budget.gen0-initial: from the cache size, within its bounds */
    ck_assert_uint_ge(st.budget[0], 256u * KIB);
    ck_assert_uint_le(st.budget[0], 4u * MIB);
    ck_assert_uint_eq(st.budget[0] % 8u, 0);
    ck_assert_uint_eq(st.budget[1], 2u * MIB);
    ck_assert_uint_eq(st.budget[2], 10u * MIB);
    ck_assert_uint_eq(st.budget[3], 16u * MIB);
    mgc_heap_destroy(h);

    /* explicit budgets stay fixed, whatever survives */
    cfg.gen0_budget = 64u * KIB;
    cfg.gen1_budget = 0;
    cfg.gen2_budget = 10u * MIB;
    cfg.loh_budget = 16u * MIB;
    h = gcf_core_heap(&cfg);
    st = stats_of(h);
    ck_assert_uint_eq(st.budget_dynamic, 0);
    ck_assert_uint_eq(st.budget[0], 64u * KIB);
    const mgc_type *node = gcf_core_fixed(h, "Node", 48, 1);
    mgc_ref keep[1] = { NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, keep, 1), MGC_OK);
    for (int i = 0; i < 20000; i++) {           /* a list that all survives */
        mgc_ref n = NULL;
        ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &n), MGC_OK);
        mgc_store(h, n, 0, keep[0]);
        keep[0] = n;
    }
    st = stats_of(h);
    ck_assert_uint_gt(st.collections[0], 5);
    ck_assert_uint_eq(st.budget[0], 64u * KIB);
    ck_assert_uint_eq(st.budget[1], 0);
    check_sizes(h);
    mgc_heap_destroy(h);
}
END_TEST

/* Allocate `bytes` of 64-byte nodes; every `keep_every`-th one (0: none)
   joins a list rooted in locals[0], the others die at once. */
static void churn(mgc_heap *h, const mgc_type *node, mgc_ref *locals, size_t bytes, unsigned keep_every)
{
    for (size_t done = 0, i = 0; done < bytes; done += 64u, i++) {
        ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &locals[1]), MGC_OK);
        if (keep_every != 0 && i % keep_every == 0) {
            mgc_store(h, locals[1], 0, locals[0]);
            locals[0] = locals[1];
        }
        locals[1] = NULL;
    }
}

START_TEST(test_gen0_budget_follows_survival)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 1;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 64, 1);
    mgc_ref locals[2] = { NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, locals, 2), MGC_OK);
    const uint64_t initial = stats_of(h).budget[0];

    /* nothing survives: gen0 stays at its minimum */
    churn(h, node, locals, 8u * initial, 0);
    mgc_stats st = stats_of(h);
    ck_assert_uint_ge(st.collections[0], 4);
    ck_assert_uint_le(st.survival_permille[0], 10);
    ck_assert_uint_eq(st.budget[0], initial);

    /* one object in five survives (r = 0.2): the budget grows (growth
       6.8 x survivors = 1.36 x the budget per collection), up to the pause
       cap of 768 KiB / 0.2 = 3.75 MiB (.budget.pause) */
    churn(h, node, locals, 16u * initial, 5);
    st = stats_of(h);
    ck_assert_uint_ge(st.survival_permille[0], 150);
    ck_assert_uint_le(st.survival_permille[0], 250);
    const uint64_t cap = 768u * KIB * 1000u / st.survival_permille[0];
    if (initial < cap - 64u * KIB)
        ck_assert_uint_gt(st.budget[0], initial);
    ck_assert_uint_le(st.budget[0], cap + 8u);
    const uint64_t grown = st.budget[0];

    /* survival falls to zero again: back to the minimum */
    locals[0] = NULL;
    churn(h, node, locals, 4u * grown, 0);
    st = stats_of(h);
    ck_assert_uint_le(st.survival_permille[0], 10);
    ck_assert_uint_eq(st.budget[0], initial);

    /* everything survives: the pause cap (.budget.pause) keeps a gen0
       collection at about 768 KiB of survivors */
    churn(h, node, locals, 4u * MIB, 1);
    st = stats_of(h);
    ck_assert_uint_ge(st.survival_permille[0], 950);
    ck_assert_uint_le(st.budget[0], 768u * KIB);
    ck_assert_uint_ge(st.budget[0], 256u * KIB);
    check_sizes(h);

    /* a heap reset forgets what the budgets learnt: the counters are those
       of a fresh heap, and the same work adapts the same way again */
    mgc_heap *fresh = gcf_core_heap(&cfg);
    mgc_stats s0 = stats_of(fresh);
    ck_assert_int_eq(mgc_heap_reset(h), MGC_OK);
    st = stats_of(h);
    ck_assert_int_eq(memcmp(&s0, &st, sizeof st), 0);
    const mgc_type *n1 = gcf_core_fixed(h, "Node", 64, 1), *n2 = gcf_core_fixed(fresh, "Node", 64, 1);
    mgc_ref l2[2] = { NULL, NULL };
    locals[0] = locals[1] = NULL;
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, locals, 2), MGC_OK);
    ck_assert_int_eq(mgc_thread_set_locals(fresh, 0, l2, 2), MGC_OK);
    churn(h, n1, locals, 8u * initial, 5);
    churn(fresh, n2, l2, 8u * initial, 5);
    st = stats_of(h);
    s0 = stats_of(fresh);
    ck_assert_uint_gt(st.collections[0], 2);
    ck_assert_uint_eq(st.collections[0], s0.collections[0]);
    ck_assert_int_eq(memcmp(st.budget, s0.budget, sizeof st.budget), 0);
    ck_assert_int_eq(memcmp(st.survival_permille, s0.survival_permille, sizeof st.survival_permille), 0);
    mgc_heap_destroy(fresh);
    mgc_heap_destroy(h);
}
END_TEST

START_TEST(test_older_budgets_follow_survival)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 1;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 64, 1);
    const mgc_type *bytes = gcf_core_array(h, "Bytes", MGC_KIND_BYTE_ARRAY);
    mgc_ref locals[4] = { NULL, NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, locals, 4), MGC_OK);

    /* 1 MiB promoted to gen1, all of it alive at the gen1 collection:
       r = 1, growth 7 -> 7 MiB (.budget.gen1) */
    churn(h, node, locals, MIB, 1);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    mgc_stats st = stats_of(h);
    ck_assert_uint_eq(st.survival_permille[1], 1000);
    ck_assert_uint_ge(st.budget[1], 7u * MIB - 64u * KIB);
    ck_assert_uint_le(st.budget[1], 7u * MIB + 64u * KIB);

    /* the same again, but dead at the gen1 collection: r = 0 -> the 2 MiB
       minimum */
    locals[0] = NULL;
    churn(h, node, locals, MIB, 1);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    locals[0] = NULL;
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    st = stats_of(h);
    ck_assert_uint_eq(st.survival_permille[1], 0);
    ck_assert_uint_eq(st.budget[1], 2u * MIB);

    /* 16 MiB in gen2 and 8 MiB of large objects, all alive at a gen2
       collection: (1.8 - 1) x 16 MiB for gen2, (4.5 - 1) x 8 MiB for the
       LOH (.budget.gen2, .budget.loh).  Small objects of 60000 bytes keep
       the object count (and the verification at every GC of the debug
       builds) low. */
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, 8, &locals[2]), MGC_OK);
    for (size_t i = 0; i < 8; i++) {
        ck_assert_int_eq(mgc_alloc(h, 0, bytes, MIB - 24u, &locals[1]), MGC_OK);
        ck_assert(mgc_is_large(h, locals[1]));
        mgc_store(h, locals[2], i, locals[1]);
        locals[1] = NULL;
    }
    const size_t nbig = 16u * MIB / 60000u + 1u;
    ck_assert_int_eq(mgc_alloc(h, 0, refs, nbig, &locals[3]), MGC_OK);
    for (size_t i = 0; i < nbig; i++) {
        ck_assert_int_eq(mgc_alloc(h, 0, bytes, 60000u - 24u, &locals[1]), MGC_OK);
        ck_assert(!mgc_is_large(h, locals[1]));
        mgc_store(h, locals[3], i, locals[1]);
        locals[1] = NULL;
    }
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    st = stats_of(h);
    ck_assert_uint_ge(st.survival_permille[2], 990);
    ck_assert_uint_eq(st.survival_permille[3], 1000);
    ck_assert_uint_ge(st.loh_size, 8u * MIB);
    ck_assert_uint_gt(st.budget[2], 10u * MIB);
    ck_assert_uint_le(st.budget[2], st.gen_size[2]);
    ck_assert_uint_ge(st.budget[3], 3u * st.loh_size);
    ck_assert_uint_le(st.budget[3], 4u * st.loh_size);
    check_sizes(h);
    mgc_heap_destroy(h);
}
END_TEST

typedef struct promo_events {
    size_t ends;
    bool last_promotion;
} promo_events;

static void promo_on_event(mgc_heap *h, const mgc_event *ev, void *ctx)
{
    (void)h;
    promo_events *pe = ctx;
    if (ev->kind == MGC_EV_GC_END) {
        pe->ends++;
        pe->last_promotion = ev->promotion;
    }
}

/* .budget.promotion: few survivors of a gen0 collection stay in gen0 in
   the clr profile with a dynamic gen0 budget; many are promoted; the
   strict profile and fixed budgets always promote. */
static void promotion_case(mgc_profile profile, bool dynamic, bool expect_decline)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 1;
    cfg.profile = profile;
    if (!dynamic)
        cfg.gen0_budget = cfg.gen1_budget = cfg.gen2_budget = cfg.loh_budget = 0;
    mgc_heap *h = gcf_core_heap(&cfg);
    promo_events pe = { 0, true };
    mgc_set_event_callback(h, promo_on_event, &pe);
    const mgc_type *node = gcf_core_fixed(h, "Node", 64, 1);
    mgc_ref locals[2] = { NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, locals, 2), MGC_OK);

    churn(h, node, locals, 64u * 16u, 1);       /* 16 survivors: 1 KiB */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_uint_eq(pe.ends, 1);
    ck_assert(pe.last_promotion == !expect_decline);
    ck_assert_int_eq(mgc_generation(h, locals[0]), expect_decline ? 0 : 1);
    mgc_stats st = stats_of(h);
    ck_assert_uint_eq(st.promoted_gen0, expect_decline ? 0 : 16u * 64u);
    check_sizes(h);

    /* the same in a gen1 collection: gen1 objects stay gen1 too */
    if (!expect_decline) {
        ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
        ck_assert_int_eq(mgc_generation(h, locals[0]), 2);
    } else {
        ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
        ck_assert(!pe.last_promotion);
        ck_assert_int_eq(mgc_generation(h, locals[0]), 0);
    }
    check_sizes(h);

    /* a survivor volume past a tenth of gen0's minimum budget is promoted:
       with nothing surviving, gen0's budget is back at its minimum, so a
       fifth of it is allocated without a budget collection */
    locals[0] = NULL;
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    st = stats_of(h);
    uint64_t gcs = st.collections[0];
    churn(h, node, locals, dynamic ? st.budget[0] / 5u : 256u * KIB, 1);
    ck_assert_uint_eq(stats_of(h).collections[0], gcs);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert(pe.last_promotion);
    ck_assert_int_eq(mgc_generation(h, locals[0]), 1);
    check_sizes(h);
    mgc_heap_destroy(h);
}

START_TEST(test_clr_declines_promotion)
{
    promotion_case(MGC_PROFILE_CLR, true, true);
    promotion_case(MGC_PROFILE_CLR, false, false);
    promotion_case(MGC_PROFILE_STRICT, true, false);
    promotion_case(MGC_PROFILE_STRICT, false, false);
}
END_TEST

/* Counters against walks through a random mix of allocations, drops and
   collections of every generation (seeded: GCF_SEED). */
START_TEST(test_size_counters_random)
{
    uint64_t seed = gcf_test_seed("test_size_counters_random");
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 2;
    cfg.profile = (seed & 1u) ? MGC_PROFILE_CLR : MGC_PROFILE_STRICT;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 40, 2);
    const mgc_type *bytes = gcf_core_array(h, "Bytes", MGC_KIND_BYTE_ARRAY);
    mgc_ref locals[32];
    memset(locals, 0, sizeof locals);
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, locals, 32), MGC_OK);
    uint64_t x = seed;
    for (int step = 0; step < 6000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(x >> 33);
        unsigned slot = r % 32u;
        switch ((r >> 8) % 8u) {
        case 0: case 1: case 2:
            ck_assert_int_eq(mgc_alloc(h, (r >> 12) & 1u, node, 0, &locals[slot]), MGC_OK);
            break;
        case 3:
            ck_assert_int_eq(mgc_alloc(h, 0, bytes, (r >> 12) % 3000u, &locals[slot]), MGC_OK);
            break;
        case 4:
            if ((r >> 12) % 64u == 0)
                ck_assert_int_eq(mgc_alloc(h, 0, bytes, 90000u + (r >> 12) % 50000u, &locals[slot]), MGC_OK);
            break;
        case 5:
            if (locals[slot] && mgc_ref_count(locals[slot]) == 2)
                mgc_store(h, locals[slot], (r >> 12) & 1u, locals[(r >> 13) % 32u]);
            break;
        case 6:
            locals[slot] = NULL;
            break;
        default:
            if ((r >> 12) % 50u == 0)
                ck_assert_int_eq(mgc_collect(h, (int)((r >> 18) % 3u), 0), MGC_OK);
            break;
        }
        if (step % 500 == 0)
            check_sizes(h);
    }
    check_sizes(h);
    mgc_heap_destroy(h);
}
END_TEST

Suite *make_budget_suite(void)
{
    Suite *s = suite_create("budget");
    TCase *tc = tcase_create("budget");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_default_budgets_are_dynamic);
    tcase_add_test(tc, test_gen0_budget_follows_survival);
    tcase_add_test(tc, test_older_budgets_follow_survival);
    tcase_add_test(tc, test_clr_declines_promotion);
    tcase_add_test(tc, test_size_counters_random);
    suite_add_tcase(s, tc);
    return s;
}
