/* check_rt_finalize.c -- finalization: registration, the scan, weak handles
 * around it, resurrection, suppress / re-register, the drain and its order,
 * finalizers that allocate and collect, partitions and verification.
 * Every expected value is worked out by hand from docs/semantics.md and
 * docs/runtime-finalization.md. */
#include "check_rt_finutil.h"

/* .fin.register: one entry per object of a finalizable type, none else. */
START_TEST(test_register_one_entry)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref a = gcf_new(e, e->node, 0, 1);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[1]), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, a), 1);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, e->loc[1]), 0);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 1);
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 0);
    gcf_fin_env_free(e);
}
END_TEST

/* .weak.short / .weak.long / .weak.long-after-fin, step by step. */
START_TEST(test_weak_short_long)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref f = gcf_new(e, e->node, 0, 7);
    mgc_handle hs, hl;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK, f, &hs), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, f, &hl), MGC_OK);
    e->loc[0] = NULL;                                  /* unreachable now */
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_ref rs = (mgc_ref)1, rl = NULL;
    ck_assert_int_eq(mgc_handle_get(e->heap, hs, &rs), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hl, &rl), MGC_OK);
    ck_assert_ptr_null(rs);                            /* cleared before the scan */
    ck_assert_ptr_nonnull(rl);                         /* resurrected for this GC */
    ck_assert_uint_eq(gcf_get_id(rl), 7);
    ck_assert_int_eq(mgc_generation(e->heap, rl), 1);  /* promoted like a survivor */
    ck_assert_uint_eq(gcf_freachable(e->heap, rl), 1);
    ck_assert_uint_eq(e->ncalls, 0);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    ck_assert_uint_eq(e->ids[0], 7);
    /* gen0 GC: the object is gen1 now, not condemned: the handle stays. */
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hl, &rl), MGC_OK);
    ck_assert_ptr_nonnull(rl);
    ck_assert_uint_eq(gcf_get_id(rl), 7);
    /* gen1 GC condemns it: finalized without resurrection -> cleared. */
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hl, &rl), MGC_OK);
    ck_assert_ptr_null(rl);
    ck_assert_uint_eq(e->ncalls, 1);
    ck_assert_int_eq(mgc_handle_free(e->heap, hs), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(e->heap, hl), MGC_OK);
    gcf_fin_env_free(e);
}
END_TEST

typedef struct walk_count { const mgc_type *t; size_t n; int gen_min, gen_max; } walk_count;

static bool walk_count_fn(const mgc_object_info *info, void *ctx)
{
    walk_count *w = ctx;
    if (info->type == w->t) {
        w->n++;
        if (info->gen < w->gen_min) w->gen_min = info->gen;
        if (info->gen > w->gen_max) w->gen_max = info->gen;
    }
    return true;
}

/* .fin.resurrect-keep / .gc.resurrect-promote: f -> a -> b, all garbage;
   f resurrects itself into s3.  Fields survive, everything is gen1. */
START_TEST(test_resurrection_keeps_fields)
{
    gcf_fin_env *e = gcf_fin_env_new();
    e->mode = GCF_FIN_RESURRECT;
    e->static_idx = 3;
    for (int i = 5; i < 9; i++)                        /* garbage in front: they move */
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[i]), MGC_OK);
    for (int i = 5; i < 9; i++)
        e->loc[i] = NULL;
    gcf_new(e, e->node, 0, 10);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[1]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[2]), MGC_OK);
    uint8_t *pay; size_t plen;
    pay = mgc_payload(e->loc[2], &plen);
    ck_assert_uint_eq(plen, 8);
    memset(pay, 0xab, plen);
    mgc_store(e->heap, e->loc[0], 0, e->loc[1]);
    mgc_store(e->heap, e->loc[1], 0, e->loc[2]);
    mgc_handle hl;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, e->loc[2], &hl), MGC_OK);
    for (int i = 0; i < 3; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    walk_count w = {e->plain, 0, 9, -1};
    mgc_walk(e->heap, 0, walk_count_fn, &w);
    ck_assert_uint_eq(w.n, 2);
    ck_assert_int_eq(w.gen_min, 1);
    ck_assert_int_eq(w.gen_max, 1);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    mgc_ref f = mgc_static_get(e->heap, 3);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(gcf_get_id(f), 10);
    ck_assert_int_eq(mgc_generation(e->heap, f), 1);
    mgc_ref a = mgc_load(e->heap, f, 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_eq(mgc_type_of(a), e->plain);
    mgc_ref b = mgc_load(e->heap, a, 0);
    ck_assert_ptr_nonnull(b);
    mgc_ref hb = NULL;
    ck_assert_int_eq(mgc_handle_get(e->heap, hl, &hb), MGC_OK);
    ck_assert_ptr_eq(hb, b);
    pay = mgc_payload(b, &plen);
    for (size_t i = 0; i < plen; i++)
        ck_assert_uint_eq(pay[i], 0xab);
    /* kept alive by the static; finalized again only if re-registered */
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    ck_assert_int_eq(mgc_static_set(e->heap, 3, NULL), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    w = (walk_count){e->plain, 0, 9, -1};
    mgc_walk(e->heap, 0, walk_count_fn, &w);
    ck_assert_uint_eq(w.n, 0);
    ck_assert_int_eq(mgc_handle_get(e->heap, hl, &hb), MGC_OK);
    ck_assert_ptr_null(hb);
    gcf_fin_env_free(e);
}
END_TEST

/* Runs "make garbage, full GC, drain" and returns the calls for id 1. */
static size_t drain_after_gc(gcf_fin_env *e)
{
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    gcf_verify_ok(e);
    return gcf_calls_of(e, 1);
}

/* .fin.reregister-dup examples. */
START_TEST(test_suppress_then_reregister_one_call)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref x = gcf_new(e, e->node, 0, 1);
    ck_assert_int_eq(mgc_suppress_finalize(e->heap, x), MGC_OK);
    ck_assert(*mgc_obj_header(x) & MGC_HDR_FINALIZER_RUN);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    ck_assert(!(*mgc_obj_header(x) & MGC_HDR_FINALIZER_RUN));
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, x), 1);
    ck_assert_uint_eq(drain_after_gc(e), 1);
    gcf_fin_env_free(e);
}
END_TEST

START_TEST(test_two_reregisters_three_calls)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref x = gcf_new(e, e->node, 0, 1);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 3);
    ck_assert_uint_eq(drain_after_gc(e), 3);
    ck_assert_uint_eq(e->ncalls, 3);
    gcf_fin_env_free(e);
}
END_TEST

START_TEST(test_two_reregisters_three_suppresses_two_calls)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref x = gcf_new(e, e->node, 0, 1);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(mgc_suppress_finalize(e->heap, x), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 3);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    /* the scan dropped the first entry and cleared the bit; two moved */
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 2);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 0);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(gcf_calls_of(e, 1), 2);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.suppress: the entry stays; a fully suppressed object is never
   called and its entry is dropped by the scan. */
START_TEST(test_suppress_drops_entry)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref x = gcf_new(e, e->node, 0, 1);
    ck_assert_int_eq(mgc_suppress_finalize(e->heap, x), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 1);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 0);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 0);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 0);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.skip: suppress of an object already in the f-reachable queue. */
START_TEST(test_skip_in_freachable)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 1);
    mgc_handle hl;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, e->loc[0], &hl), MGC_OK);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_ref x = NULL;
    ck_assert_int_eq(mgc_handle_get(e->heap, hl, &x), MGC_OK);
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(mgc_suppress_finalize(e->heap, x), MGC_OK);
    uint64_t before = e->fin_events;
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 0);
    ck_assert_uint_eq(e->fin_events, before);
    ck_assert(!(*mgc_obj_header(x) & MGC_HDR_FINALIZER_RUN));   /* cleared */
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 0);
    mgc_handle_free(e->heap, hl);
    gcf_fin_env_free(e);
}
END_TEST

/* .dec.suppress-nofin */
START_TEST(test_suppress_nofin_does_nothing)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);
    ck_assert_int_eq(mgc_suppress_finalize(e->heap, e->loc[0]), MGC_OK);
    ck_assert(!(*mgc_obj_header(e->loc[0]) & MGC_HDR_FINALIZER_RUN));
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, e->loc[0]), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 0);
    ck_assert_int_eq(mgc_suppress_finalize(e->heap, NULL), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, NULL), MGC_E_BAD_ARG);
    int local = 0;
    ck_assert_int_eq(mgc_suppress_finalize(e->heap, &local), MGC_E_BAD_ARG);
    gcf_fin_env_free(e);
}
END_TEST

/* SEMANTICS 3 last rule: a gen0 GC never finalizes a gen1 object. */
START_TEST(test_gen0_gc_never_finalizes_gen1)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 1);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(e->heap, e->loc[0]), 1);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 1, e->loc[0]), 1);  /* .fin.follow */
    e->loc[0] = NULL;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
        ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 0);
        ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
        ck_assert_uint_eq(e->ncalls, 0);
    }
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 1);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.follow: entries follow their object's generation; .fin.register */
START_TEST(test_partitions_follow_generation)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref x = gcf_new(e, e->node, 0, 1);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 1);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    x = e->loc[0];
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 0);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 1, x), 1);
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 1, x), 1);   /* .fin.register: gen0 */
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 1);
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    x = e->loc[0];
    ck_assert_int_eq(mgc_generation(e->heap, x), 2);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 2, x), 2);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 1, NULL), 0);
    /* a gen2 re-registration goes to the gen0 segment too, and follows
       the object to gen2's at the next collection */
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 2, x), 2);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, x), 1);
    gcf_verify_ok(e);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    x = e->loc[0];
    ck_assert_uint_eq(gcf_part_entries(e->heap, 2, x), 3);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, NULL), 0);
    gcf_verify_ok(e);
    ck_assert_uint_eq(drain_after_gc(e), 3);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.order, .fin.take: normal before critical; the backward scan and the
   swaps across the critical segment decide the order (C100 N1 C101 N2 N3). */
START_TEST(test_critical_after_normal)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->crit, 0, 100);
    gcf_new(e, e->node, 1, 1);
    gcf_new(e, e->crit, 2, 101);
    gcf_new(e, e->node, 3, 2);
    gcf_new(e, e->node, 4, 3);
    for (int i = 0; i < 5; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 5);
    const uint64_t want[5] = {3, 2, 1, 101, 100};
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(e->ids[i], want[i]);
    ck_assert_uint_eq(e->fin_events, 5);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.finalizers_run, 5);
    gcf_fin_env_free(e);
}
END_TEST

/* The documented example (docs/runtime-finalization.md): a promoted to gen1
   earlier, b, c and the critical d in gen0; collect 1 scans the gen1
   segment before gen0's, a's move swaps d to the front of gen0's. */
START_TEST(test_scan_order_partitions)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 1);                  /* a */
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    gcf_new(e, e->node, 1, 2);                  /* b */
    gcf_new(e, e->node, 2, 3);                  /* c */
    gcf_new(e, e->crit, 3, 4);                  /* d */
    for (int i = 0; i < 4; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 4);
    const uint64_t want[4] = {1, 3, 2, 4};
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(e->ids[i], want[i]);
    gcf_fin_env_free(e);
}
END_TEST

/* .root.freachable: an entry waiting in the f-reachable queue keeps its
   object alive through further collections and is not scanned again. */
START_TEST(test_freachable_is_root)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 5);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 1);
    walk_count w = {e->node, 0, 9, -1};
    mgc_walk(e->heap, 0, walk_count_fn, &w);
    ck_assert_uint_eq(w.n, 1);
    ck_assert_int_eq(w.gen_min, 2);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    ck_assert_uint_eq(e->ids[0], 5);
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    w = (walk_count){e->node, 0, 9, -1};
    mgc_walk(e->heap, 0, walk_count_fn, &w);
    ck_assert_uint_eq(w.n, 0);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.rereg-round: a finalizer that re-registers itself runs once per
   round of collect + drain. */
START_TEST(test_reregister_self_rounds)
{
    gcf_fin_env *e = gcf_fin_env_new();
    e->mode = GCF_FIN_REREGISTER;
    gcf_new(e, e->node, 0, 9);
    e->loc[0] = NULL;
    for (int round = 1; round <= 3; round++) {
        ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
        ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
        ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
        ck_assert_uint_eq(e->ncalls, (size_t)round);
        ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 1);
    }
    e->mode = GCF_FIN_COUNT;
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 4);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 0);
    gcf_fin_env_free(e);
}
END_TEST

/* A finalizer that allocates enough to trigger collections; each first-
   round finalizer also leaves a finalizable garbage node, which the
   collections inside the drain find and the same drain finalizes. */
START_TEST(test_finalizer_allocates_and_collects)
{
    gcf_fin_env *e = gcf_fin_env_new_cfg(64 * 1024, MGC_COMPACT);
    const unsigned n = 10;
    e->mode = GCF_FIN_ALLOC;
    e->alloc_count = 20;
    e->alloc_len = 4000;                 /* 20 x 4 KiB > 64 KiB budget per call */
    e->alloc_child_below = 100;
    for (unsigned i = 0; i < n; i++)
        gcf_new(e, e->node, i, i + 1);
    for (unsigned i = 0; i < n; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    uint64_t gcs = mgc_collection_count(e->heap, 0);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 1), MGC_OK);
    ck_assert(!e->id_mismatch);
    ck_assert_uint_gt(mgc_collection_count(e->heap, 0), gcs);
    /* the last children may still wait for a collection */
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 1), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 2 * n);
    for (unsigned i = 0; i < n; i++) {
        ck_assert_uint_eq(gcf_calls_of(e, i + 1), 1);
        ck_assert_uint_eq(gcf_calls_of(e, 1000000 + i), 1);
    }
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 0);
    ck_assert_uint_eq(gcf_part_entries(e->heap, -1, NULL), 0);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.reentry */
START_TEST(test_nested_drain_refused)
{
    gcf_fin_env *e = gcf_fin_env_new();
    e->mode = GCF_FIN_NESTED;
    e->nested_run = e->nested_wait = MGC_OK;
    gcf_new(e, e->node, 0, 1);
    gcf_new(e, e->node, 1, 2);
    e->loc[0] = e->loc[1] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_int_eq(e->nested_run, MGC_E_STATE);
    ck_assert_int_eq(e->nested_wait, MGC_E_STATE);
    ck_assert_uint_eq(e->ncalls, 2);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 64), MGC_E_BAD_ARG);
    gcf_fin_env_free(e);
}
END_TEST

/* mgc_wait_for_pending_finalizers without a thread drains synchronously. */
START_TEST(test_wait_without_thread_drains)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 1);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 1);
    gcf_fin_env_free(e);
}
END_TEST

/* CoreCLR's orders (docs/runtime-finalization.md .fin.take), as measured on
   .NET 10; each batch is drained before the next. */
static void expect_calls(gcf_fin_env *e, const uint64_t *want, unsigned n)
{
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_uint_eq(e->ncalls, n);
    for (unsigned i = 0; i < n; i++)
        ck_assert_msg(e->ids[i] == want[i], "call %u: id %llu, want %llu", i,
                      (unsigned long long)e->ids[i], (unsigned long long)want[i]);
    e->ncalls = 0;
    gcf_verify_ok(e);
}

START_TEST(test_clr_orders)
{
    gcf_fin_env *e = gcf_fin_env_new();
    /* five normal objects allocated 1..5 */
    for (unsigned i = 0; i < 5; i++)
        gcf_new(e, e->node, i, i + 1);
    for (unsigned i = 0; i < 5; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    expect_calls(e, (const uint64_t[]){5, 4, 3, 2, 1}, 5);
    /* N1 C2 N3 C4 N5 C6 N7 C8 */
    for (unsigned i = 0; i < 8; i++)
        gcf_new(e, i % 2 ? e->crit : e->node, i, i + 1);
    for (unsigned i = 0; i < 8; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    expect_calls(e, (const uint64_t[]){7, 5, 3, 1, 4, 6, 2, 8}, 8);
    /* gen1 101, 102 and gen0 201, 202 in one gen1 collection */
    gcf_new(e, e->node, 0, 101);
    gcf_new(e, e->node, 1, 102);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(e->heap, e->loc[1]), 1);
    gcf_new(e, e->node, 2, 201);
    gcf_new(e, e->node, 3, 202);
    for (unsigned i = 0; i < 4; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    expect_calls(e, (const uint64_t[]){102, 101, 202, 201}, 4);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.register: a registration while entries wait moves the first entry of
   the normal segment to its end. */
START_TEST(test_register_rotates_pending)
{
    gcf_fin_env *e = gcf_fin_env_new();
    for (unsigned i = 0; i < 3; i++)
        gcf_new(e, e->node, i, i + 1);
    for (unsigned i = 0; i < 3; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);   /* normal [1, 2, 3] */
    gcf_new(e, e->node, 5, 4);                              /* -> [2, 3, 1] */
    expect_calls(e, (const uint64_t[]){1, 3, 2}, 3);
    /* finalizers that allocate a finalizable object each: every call's
       registration turns the entries still waiting */
    e->loc[5] = NULL;
    for (unsigned i = 0; i < 4; i++)
        gcf_new(e, e->node, i, 11 + i);
    for (unsigned i = 0; i < 4; i++)
        e->loc[i] = NULL;
    e->mode = GCF_FIN_ALLOC;
    e->alloc_count = 0;
    e->alloc_child_below = 100;
    e->next_child_id = 50;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);   /* 4 and 11..14 */
    /* normal [4, 11, 12, 13, 14]: 14 (rotates [4, 11, 12, 13] to [11, 12, 13, 4]),
       4, 11 ([12, 13] -> [13, 12]), 12, 13; children 50..54 */
    expect_calls(e, (const uint64_t[]){14, 4, 11, 12, 13}, 5);
    e->mode = GCF_FIN_COUNT;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    expect_calls(e, (const uint64_t[]){54, 53, 52, 51, 50}, 5);
    ck_assert(!e->id_mismatch);
    gcf_fin_env_free(e);
}
END_TEST

/* .fin.register, .fin.follow: a gen2 object's re-registration waits in the
   gen0 segment; the next collection moves it to gen2's, and on the way the
   first entry of gen1's segment moves to its end. */
START_TEST(test_reregister_old_crosses_gen1)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 1);                               /* X */
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(e->heap, e->loc[0]), 2);
    gcf_new(e, e->node, 1, 2);                               /* A */
    gcf_new(e, e->node, 2, 3);                               /* B */
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);   /* gen1 [A, B] */
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, e->loc[0]), MGC_OK);
    ck_assert_uint_eq(gcf_part_entries(e->heap, 0, e->loc[0]), 1);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);   /* gen1 [B, A] */
    ck_assert_uint_eq(gcf_part_entries(e->heap, 2, e->loc[0]), 2);
    ck_assert_ptr_eq(mgc_finq_seg_get(e->heap, MGC_FSEG_GEN1, 0), e->loc[2]);
    e->loc[1] = e->loc[2] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    expect_calls(e, (const uint64_t[]){2, 3}, 2);            /* FIFO would be 3, 2 */
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    expect_calls(e, (const uint64_t[]){1, 1}, 2);
    gcf_fin_env_free(e);
}
END_TEST

/* mgc_finalize_verify catches corrupted entries. */
START_TEST(test_verify_catches_corruption)
{
    gcf_fin_env *e = gcf_fin_env_new();
    mgc_ref x = gcf_new(e, e->node, 0, 1);
    gcf_new(e, e->node, 1, 2);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);   /* both gen1 */
    gcf_new(e, e->node, 2, 3);                              /* gen0 */
    x = e->loc[0];
    char err[256];
    struct mgc_finq *q = e->heap->finq;
#define SEG_SLOT(k, i) q->slots[MGC_FSEG_LO(q, (k)) + (i)]
    ck_assert_uint_eq(mgc_finq_seg_count(e->heap, MGC_FSEG_GEN1), 2);
    /* an interior pointer */
    void *saved = SEG_SLOT(MGC_FSEG_GEN1, 0);
    ck_assert_ptr_eq(saved, x);
    SEG_SLOT(MGC_FSEG_GEN1, 0) = (uint8_t *)saved + 8;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "gen1 segment") != NULL, "%s", err);
    ck_assert_int_eq(mgc_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    SEG_SLOT(MGC_FSEG_GEN1, 0) = saved;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_OK);
    /* a gen0 object in the gen1 segment: younger than its segment */
    void *young = SEG_SLOT(MGC_FSEG_GEN0, 0);
    void *old1 = SEG_SLOT(MGC_FSEG_GEN1, 1);
    SEG_SLOT(MGC_FSEG_GEN1, 1) = young;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "younger") != NULL, "%s", err);
    SEG_SLOT(MGC_FSEG_GEN1, 1) = old1;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_OK);
    /* an object without a finalizer */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[3]), MGC_OK);
    SEG_SLOT(MGC_FSEG_GEN0, 0) = e->loc[3];
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "without a finalizer") != NULL, "%s", err);
    SEG_SLOT(MGC_FSEG_GEN0, 0) = young;
    /* a normal-segment entry that is critical */
    gcf_new(e, e->crit, 4, 50);
    e->loc[4] = NULL;
    e->loc[2] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_uint_eq(mgc_finq_seg_count(e->heap, MGC_FSEG_NORMAL), 1);
    ck_assert_uint_eq(mgc_finq_seg_count(e->heap, MGC_FSEG_CRITICAL), 1);
    void *n0 = SEG_SLOT(MGC_FSEG_NORMAL, 0);
    SEG_SLOT(MGC_FSEG_NORMAL, 0) = SEG_SLOT(MGC_FSEG_CRITICAL, 0);
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "wrong f-reachable segment") != NULL, "%s", err);
    SEG_SLOT(MGC_FSEG_NORMAL, 0) = n0;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_OK);
    /* a stale pointer left in a free slot */
    ck_assert_uint_lt(q->fill[MGC_FSEG_NORMAL], q->cap);
    q->slots[q->fill[MGC_FSEG_NORMAL]] = n0;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "free slot") != NULL, "%s", err);
    q->slots[q->fill[MGC_FSEG_NORMAL]] = NULL;
    ck_assert_int_eq(mgc_finalize_verify(e->heap, err, sizeof err), MGC_OK);
#undef SEG_SLOT
    gcf_fin_env_free(e);
}
END_TEST

/* Randomized: per object a random sequence of suppress / reregister, then
   a full GC finds it dead.  Expected calls = entries - (bit set ? 1 : 0),
   with entries = 1 + re-registrations made while the bit was clear. */
START_TEST(test_random_suppress_reregister)
{
    uint64_t seed = gcf_test_seed("test_random_suppress_reregister");
    gcf_rng rng = {seed};
    gcf_fin_env *e = gcf_fin_env_new();
    enum { N = 24 };
    size_t want[N];
    for (unsigned i = 0; i < N; i++) {
        mgc_ref x = gcf_new(e, e->node, i, i + 1);
        size_t entries = 1;
        bool bit = false;
        unsigned ops = (unsigned)gcf_rng_below(&rng, 7);
        for (unsigned k = 0; k < ops; k++) {
            if (gcf_rng_below(&rng, 2)) {
                ck_assert_int_eq(mgc_suppress_finalize(e->heap, x), MGC_OK);
                bit = true;
            } else {
                ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, x), MGC_OK);
                if (bit)
                    bit = false;
                else
                    entries++;
            }
        }
        ck_assert_uint_eq(gcf_part_entries(e->heap, -1, x), entries);
        want[i] = entries - (bit ? 1u : 0u);
    }
    for (unsigned i = 0; i < N; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, (int)gcf_rng_below(&rng, 3), 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    for (unsigned i = 0; i < N; i++)
        ck_assert_msg(gcf_calls_of(e, i + 1) == want[i], "object %u: %zu calls, want %zu (seed %llu)",
                      i, gcf_calls_of(e, i + 1), want[i], (unsigned long long)seed);
    gcf_fin_env_free(e);
}
END_TEST

/* Counters: Finalization Survivors = entries the last scan moved;
   Promoted Finalization-Memory = bytes marked only from f-reachable
   entries (three 40-byte nodes and a 40-byte child of one of them). */
START_TEST(test_finalization_counters)
{
    gcf_fin_env *e = gcf_fin_env_new();
    for (unsigned i = 0; i < 3; i++)
        gcf_new(e, e->node, i, i + 1);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[3]), MGC_OK);
    mgc_store(e->heap, e->loc[1], 0, e->loc[3]);
    gcf_new(e, e->node, 4, 9);                          /* stays rooted */
    for (unsigned i = 0; i < 4; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.finalization_survivors, 3);
    ck_assert_uint_eq(st.promoted_finalization, 160);
    ck_assert_uint_eq(st.finalizers_run, 0);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.finalization_survivors, 0);
    ck_assert_uint_eq(st.promoted_finalization, 0);
    ck_assert_uint_eq(st.finalizers_run, 3);
    gcf_fin_env_free(e);
}
END_TEST

Suite *make_finalize_suite(void)
{
    Suite *s = suite_create("finalize");
    TCase *tc = tcase_create("finalize");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_register_one_entry);
    tcase_add_test(tc, test_weak_short_long);
    tcase_add_test(tc, test_resurrection_keeps_fields);
    tcase_add_test(tc, test_suppress_then_reregister_one_call);
    tcase_add_test(tc, test_two_reregisters_three_calls);
    tcase_add_test(tc, test_two_reregisters_three_suppresses_two_calls);
    tcase_add_test(tc, test_suppress_drops_entry);
    tcase_add_test(tc, test_skip_in_freachable);
    tcase_add_test(tc, test_suppress_nofin_does_nothing);
    tcase_add_test(tc, test_gen0_gc_never_finalizes_gen1);
    tcase_add_test(tc, test_partitions_follow_generation);
    tcase_add_test(tc, test_critical_after_normal);
    tcase_add_test(tc, test_scan_order_partitions);
    tcase_add_test(tc, test_freachable_is_root);
    tcase_add_test(tc, test_reregister_self_rounds);
    tcase_add_test(tc, test_finalizer_allocates_and_collects);
    tcase_add_test(tc, test_nested_drain_refused);
    tcase_add_test(tc, test_wait_without_thread_drains);
    tcase_add_test(tc, test_verify_catches_corruption);
    tcase_add_test(tc, test_clr_orders);
    tcase_add_test(tc, test_register_rotates_pending);
    tcase_add_test(tc, test_reregister_old_crosses_gen1);
    tcase_add_test(tc, test_random_suppress_reregister);
    tcase_add_test(tc, test_finalization_counters);
    suite_add_tcase(s, tc);
    return s;
}
