/* check_orc_collect.c -- one collection by the rules (docs/semantics.md
 * sections 2, 3, 5 and 7): roots, condemned generations, weak handles,
 * promotion, counts, pinned count, clr choices.  Every expected value is
 * worked out by hand from the rules in the comment next to it. */
#include <check.h>
#include <string.h>
#include "oracle.h"
#include "check_orc_util.h"

enum { A = 0, B = 1, C = 2, D = 3, E = 4 };

/* .root.locals .gc.mark .gc.reclaim: unreachable objects go, identities are not reused */
START_TEST(reclaim_unreachable)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 32, 2, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_id b = orc_t_new(m, B, node, 0);
    orc_id c = orc_t_new(m, C, node, 0);
    ORC_T_OK(orc_store(m, A, 0, B));       /* a -> b; c alone */
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert(orc_t_info(m, a).alive);
    ck_assert(orc_t_info(m, b).alive);
    ck_assert(!orc_t_info(m, c).alive);
    orc_gc_record r;
    ck_assert(orc_last_gc(m, &r));
    ck_assert_uint_eq(r.reclaimed, 1);
    ck_assert_uint_eq(r.survivors, 2);
    ck_assert_int_eq(r.reason, ORC_REASON_INDUCED);
    orc_id d = orc_t_new(m, D, node, 0);
    ck_assert_uint_gt(d, c);
    ck_assert_uint_eq(orc_live_count(m), 3);
    orc_destroy(m);
}
END_TEST

/* .gc.promote: 0 -> 1 -> 2 -> 2; a gen0 GC leaves older objects alone */
START_TEST(promotion_steps)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 1, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 1);
    ORC_T_OK(orc_collect(m, 0, false));    /* a not condemned: stays 1 */
    ck_assert_int_eq(orc_t_info(m, a).gen, 1);
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 2);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 2);
    orc_id b = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_collect(m, 2, false));    /* gen0 survivor of a gen2 GC: 1 */
    ck_assert_int_eq(orc_t_info(m, b).gen, 1);
    orc_destroy(m);
}
END_TEST

/* .gc.count: collect 2, 1, 0 give counts 3, 2, 1 */
START_TEST(collection_counts)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    ORC_T_OK(orc_collect(m, 2, false));
    ORC_T_OK(orc_collect(m, 1, false));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_uint_eq(orc_collection_count(m, 0), 3);
    ck_assert_uint_eq(orc_collection_count(m, 1), 2);
    ck_assert_uint_eq(orc_collection_count(m, 2), 1);
    ck_assert_uint_eq(orc_gc_total(m), 3);
    orc_gc_record r;
    ck_assert_int_eq(orc_gc_log_get(m, 1, &r), ORC_OK);
    ck_assert_int_eq(r.gen, 2);
    ck_assert_uint_eq(r.index, 1);
    ck_assert_int_eq(orc_gc_log_get(m, 4, &r), ORC_E_ARG);
    orc_destroy(m);
}
END_TEST

/* .root.older .gc.old-keeps-young: a dead gen2 object keeps a young one
   alive through a gen0 collection (and it is promoted); gen2 frees both. */
START_TEST(dead_old_keeps_young)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 1, ORC_FIN_NONE, 0, false);
    orc_id old = orc_t_new(m, A, node, 0);
    ORC_T_OK(orc_collect(m, 1, false));
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_int_eq(orc_t_info(m, old).gen, 2);
    orc_id young = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_store(m, A, 0, B));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert(orc_t_info(m, old).alive);
    ck_assert(orc_t_info(m, young).alive);
    ck_assert_int_eq(orc_t_info(m, young).gen, 1);
    ORC_T_OK(orc_collect(m, 1, false));    /* young in gen1, old gen2: still kept */
    ck_assert(orc_t_info(m, young).alive);
    ck_assert_int_eq(orc_t_info(m, young).gen, 2);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(!orc_t_info(m, old).alive);
    ck_assert(!orc_t_info(m, young).alive);
    orc_destroy(m);
}
END_TEST

/* .gc.condemned: unreachable older objects survive younger GCs; large
   objects only die in gen2 GCs. */
START_TEST(condemned_generations)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_id big = orc_t_new(m, B, blob, 100000);
    ORC_T_OK(orc_collect(m, 0, false));    /* a -> gen1 */
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert(orc_t_info(m, a).alive);
    ck_assert(orc_t_info(m, big).alive);
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert(!orc_t_info(m, a).alive);
    ck_assert(orc_t_info(m, big).alive);
    ck_assert_int_eq(orc_t_info(m, big).gen, 2);
    ORC_T_OK(orc_collect(m, 2, true));
    ck_assert(!orc_t_info(m, big).alive);
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert(r.compact_loh);
    orc_destroy(m);
}
END_TEST

/* .gc.order .weak.short .weak.long .fin.resurrect-mark .weak.long-after-fin
   .weak.read */
START_TEST(weak_around_finalization)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_WEAK, A));
    ORC_T_OK(orc_handle_alloc(m, 1, ORC_HANDLE_WEAK_LONG, A));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 0, false));
    orc_handle_info hs, hl;
    orc_handle_get(m, 0, &hs);
    orc_handle_get(m, 1, &hl);
    ck_assert_uint_eq(hs.target, ORC_NULL);   /* cleared before the scan */
    ck_assert_uint_eq(hl.target, x);          /* x is f-reachable: in M' */
    ck_assert(orc_t_info(m, x).alive);
    ck_assert_int_eq(orc_t_info(m, x).gen, 1);
    ck_assert_uint_eq(orc_freachable_count(m, ORC_FQ_NORMAL), 1);
    ORC_T_OK(orc_handle_target(m, B, 1));     /* reading gives x */
    ck_assert_uint_eq(orc_t_local(m, B), x);
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_finalize(m, 0));
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 1);
    ORC_T_OK(orc_collect(m, 0, false));       /* x in gen1: not condemned */
    orc_handle_get(m, 1, &hl);
    ck_assert_uint_eq(hl.target, x);
    ORC_T_OK(orc_collect(m, 1, false));
    orc_handle_get(m, 1, &hl);
    ck_assert_uint_eq(hl.target, ORC_NULL);
    ck_assert(!orc_t_info(m, x).alive);
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 1);
    ORC_T_OK(orc_handle_target(m, C, 1));
    ck_assert_uint_eq(orc_t_local(m, C), ORC_NULL);
    orc_destroy(m);
}
END_TEST

/* .fin.resurrect .fin.resurrect-keep with weak handles: the short one is
   cleared, the long one keeps the resurrected object. */
START_TEST(weak_and_resurrection)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id phoenix = orc_t_fixed(m, "Phoenix", 32, 1, ORC_FIN_RESURRECT, 4, false);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id x = orc_t_new(m, A, phoenix, 0);
    orc_id y = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_store(m, A, 0, B));
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_WEAK, A));
    ORC_T_OK(orc_handle_alloc(m, 1, ORC_HANDLE_WEAK_LONG, A));
    ORC_T_OK(orc_handle_alloc(m, 2, ORC_HANDLE_WEAK, B));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_collect(m, 2, false));
    orc_handle_info h0, h1, h2;
    orc_handle_get(m, 0, &h0);
    orc_handle_get(m, 1, &h1);
    orc_handle_get(m, 2, &h2);
    ck_assert_uint_eq(h0.target, ORC_NULL);
    ck_assert_uint_eq(h1.target, x);
    ck_assert_uint_eq(h2.target, ORC_NULL);   /* y only reached through x */
    ck_assert(orc_t_info(m, y).alive);
    ORC_T_OK(orc_finalize(m, 0));
    ck_assert_uint_eq(orc_static_value(m, 4), x);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(orc_t_info(m, x).alive);
    ck_assert(orc_t_info(m, y).alive);
    ck_assert_uint_eq(orc_obj_slot(m, x, 0), y);   /* fields kept */
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 1);   /* not re-registered */
    ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 0);
    ORC_T_OK(orc_static_set(m, 4, ORC_LOCAL_NONE));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(!orc_t_info(m, x).alive);
    ck_assert(!orc_t_info(m, y).alive);
    orc_handle_get(m, 1, &h1);
    ck_assert_uint_eq(h1.target, ORC_NULL);
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 1);
    orc_destroy(m);
}
END_TEST

/* .gc.resurrect-promote: the resurrected object and what it references are
   promoted one generation by the GC that queued it. */
START_TEST(resurrected_promoted)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 32, 1, ORC_FIN_COUNT, 0, false);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 1, ORC_FIN_NONE, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    orc_id y = orc_t_new(m, B, node, 0);
    orc_id z = orc_t_new(m, C, node, 0);
    ORC_T_OK(orc_store(m, A, 0, B));
    ORC_T_OK(orc_store(m, B, 0, C));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_int_eq(orc_t_info(m, x).gen, 1);
    ck_assert_int_eq(orc_t_info(m, y).gen, 1);
    ck_assert_int_eq(orc_t_info(m, z).gen, 1);
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert_uint_eq(r.new_freachable, 1);
    ck_assert_uint_eq(r.promoted1_bytes, 32 + 24 + 24);
    /* .root.freachable: a second GC before finalize keeps and promotes it */
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert(orc_t_info(m, z).alive);
    ck_assert_int_eq(orc_t_info(m, z).gen, 2);
    ck_assert_uint_eq(orc_t_info(m, x).freachable_entries, 1);
    ORC_T_OK(orc_finalize(m, 0));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(!orc_t_info(m, x).alive);
    ck_assert(!orc_t_info(m, z).alive);
    orc_destroy(m);
}
END_TEST

/* .root.statics .root.handles .handle.kinds .handle.pin: statics and
   strong/pinned handles root;
   a freed handle does not. */
START_TEST(static_and_handle_roots)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_id b = orc_t_new(m, B, node, 0);
    orc_id c = orc_t_new(m, C, node, 0);
    ORC_T_OK(orc_static_set(m, 63, A));
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_STRONG, B));
    ORC_T_OK(orc_handle_alloc(m, 1, ORC_HANDLE_PINNED, C));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(orc_t_info(m, a).alive && orc_t_info(m, b).alive && orc_t_info(m, c).alive);
    ck_assert(orc_t_info(m, c).pinned);
    ORC_T_OK(orc_handle_free(m, 0));
    ORC_T_OK(orc_handle_free(m, 1));
    ck_assert(!orc_t_info(m, c).pinned);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(orc_t_info(m, a).alive);
    ck_assert(!orc_t_info(m, b).alive);
    ck_assert(!orc_t_info(m, c).alive);
    orc_destroy(m);
}
END_TEST

/* .handle.pin-count: pinned handles whose target is condemned; two handles
   to one object count 2; the large object only in gen2 collections */
START_TEST(pinned_count)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_t_new(m, A, node, 0);
    ORC_T_OK(orc_collect(m, 0, false));      /* a: gen1 */
    orc_t_new(m, B, node, 0);                /* b: gen0 */
    orc_t_new(m, C, blob, 90000);            /* c: large */
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_PINNED, A));
    ORC_T_OK(orc_handle_alloc(m, 1, ORC_HANDLE_PINNED, B));
    ORC_T_OK(orc_handle_alloc(m, 2, ORC_HANDLE_PINNED, B));   /* same object */
    ORC_T_OK(orc_handle_alloc(m, 3, ORC_HANDLE_PINNED, C));
    ORC_T_OK(orc_handle_alloc(m, 4, ORC_HANDLE_STRONG, A));   /* not pinned */
    ck_assert_uint_eq(orc_pinned_count(m), 0);               /* last GC saw none */
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_uint_eq(orc_pinned_count(m), 2);               /* b, twice */
    orc_t_new(m, D, node, 0);
    ORC_T_OK(orc_handle_alloc(m, 5, ORC_HANDLE_PINNED, D));
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_uint_eq(orc_pinned_count(m), 4);               /* a, b, b, d; not c */
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert_uint_eq(orc_pinned_count(m), 5);               /* and c */
    ORC_T_OK(orc_handle_free(m, 3));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert_uint_eq(orc_pinned_count(m), 4);
    ORC_T_OK(orc_handle_free(m, 2));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert_uint_eq(orc_pinned_count(m), 3);
    orc_destroy(m);
}
END_TEST

/* .gc.pin-keep-gen: pinned survivors keep their generation through gen0,
   gen1 and gen2 collections; promoted bytes count only promoted survivors;
   unpinned, they promote one generation per collection. */
START_TEST(pinned_keep_generation)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id b = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_collect(m, 0, false));                /* b: gen1 */
    orc_id a = orc_t_new(m, A, node, 0);
    orc_id c = orc_t_new(m, C, node, 0);
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_PINNED, A));
    ORC_T_OK(orc_handle_alloc(m, 1, ORC_HANDLE_PINNED, B));
    ORC_T_OK(orc_collect(m, 0, false));
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert_uint_eq(r.promoted1_bytes, 24);          /* c only */
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);
    ck_assert_int_eq(orc_t_info(m, c).gen, 1);
    ORC_T_OK(orc_collect(m, 1, false));
    orc_last_gc(m, &r);
    ck_assert_uint_eq(r.promoted1_bytes, 0);
    ck_assert_uint_eq(r.promoted2_bytes, 24);          /* c only, b is pinned */
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);
    ck_assert_int_eq(orc_t_info(m, b).gen, 1);
    ck_assert_int_eq(orc_t_info(m, c).gen, 2);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);
    ck_assert_int_eq(orc_t_info(m, b).gen, 1);
    ck_assert_uint_eq(orc_pinned_count(m), 2);
    ORC_T_OK(orc_handle_free(m, 0));
    ORC_T_OK(orc_handle_free(m, 1));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 1);
    ck_assert_int_eq(orc_t_info(m, b).gen, 1);         /* not condemned */
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 2);
    ck_assert_int_eq(orc_t_info(m, b).gen, 2);
    orc_destroy(m);
}
END_TEST

/* .root.assign-after: while an allocation's collection runs, the
   destination local still holds (and roots) its previous object. */
START_TEST(assign_after_collection)
{
    orc_config c;
    orc_config_default(&c);
    c.gen0_budget = 48;
    c.gen1_budget = c.gen2_budget = c.loh_budget = 0;
    orc_model *m = orc_create(&c);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_t_new(m, B, node, 0);
    orc_prediction p;
    ORC_T_OK(orc_alloc_begin(m, A, node, 0, &p));
    ck_assert(p.collect);
    orc_gc_request rq = { .gen = p.gen, .reason = p.reason };
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    ck_assert(orc_t_info(m, a).alive);
    ck_assert_int_eq(orc_t_info(m, a).gen, 1);
    orc_id n = ORC_NULL;
    ORC_T_OK(orc_alloc_end(m, false, &n));
    ck_assert_uint_eq(orc_t_local(m, A), n);
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert(!orc_t_info(m, a).alive);
    orc_destroy(m);
}
END_TEST

/* .clr.no-promotion .clr.demote: legal only in the clr profile */
START_TEST(clr_choices)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_gc_request rq = { .gen = 0, .reason = ORC_REASON_INDUCED, .no_promotion = true };
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ILLEGAL);   /* followed anyway */
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);
    ck_assert_int_eq(orc_obj_demote(m, a, 0), ORC_E_ILLEGAL);
    orc_destroy(m);

    m = orc_t_model(ORC_PROFILE_CLR);
    node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    a = orc_t_new(m, A, node, 0);
    orc_id b = orc_t_new(m, B, node, 0);
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert(!r.promoted);
    ck_assert_uint_eq(r.promoted1_bytes, 0);
    rq.gen = 2;
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ILLEGAL);   /* gen2 always promotes */
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);          /* ...but it is followed */
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_PINNED, A));
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_int_eq(orc_t_info(m, a).gen, 0);         /* .gc.pin-keep-gen */
    ck_assert_int_eq(orc_t_info(m, b).gen, 1);
    ck_assert_int_eq(orc_obj_demote(m, a, 0), ORC_E_ILLEGAL);   /* not younger */
    /* .clr.demote plug-mates: b may keep gen0 next to the pinned a */
    ck_assert_int_eq(orc_obj_demote_mate(m, b, 0, b), ORC_E_ILLEGAL);  /* b was not pinned */
    ORC_T_OK(orc_obj_demote_mate(m, b, 0, a));
    ck_assert_int_eq(orc_t_info(m, b).gen, 0);
    ORC_T_OK(orc_handle_free(m, 0));
    ORC_T_OK(orc_collect(m, 1, false));                         /* a and b: gen1 */
    ck_assert_int_eq(orc_obj_demote_mate(m, b, 0, a), ORC_E_ILLEGAL);  /* a not pinned */
    /* a plug-mate goes with its pinned neighbour's demotion, not below it */
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_PINNED, A));
    ORC_T_OK(orc_collect(m, 1, false));                         /* a: gen1, b: gen2 */
    ck_assert_int_eq(orc_t_info(m, b).gen, 2);
    ck_assert_int_eq(orc_obj_demote_mate(m, b, 0, a), ORC_E_ILLEGAL);  /* a is in gen1 */
    ORC_T_OK(orc_obj_demote(m, a, 0));
    ORC_T_OK(orc_obj_demote_mate(m, b, 0, a));
    ck_assert_int_eq(orc_t_info(m, b).gen, 0);
    orc_destroy(m);
}
END_TEST

Suite *make_orc_collect_suite(void)
{
    Suite *s = suite_create("orc_collect");
    TCase *tc = tcase_create("orc_collect");
    tcase_add_test(tc, reclaim_unreachable);
    tcase_add_test(tc, promotion_steps);
    tcase_add_test(tc, collection_counts);
    tcase_add_test(tc, dead_old_keeps_young);
    tcase_add_test(tc, condemned_generations);
    tcase_add_test(tc, weak_around_finalization);
    tcase_add_test(tc, weak_and_resurrection);
    tcase_add_test(tc, resurrected_promoted);
    tcase_add_test(tc, static_and_handle_roots);
    tcase_add_test(tc, pinned_count);
    tcase_add_test(tc, pinned_keep_generation);
    tcase_add_test(tc, assign_after_collection);
    tcase_add_test(tc, clr_choices);
    suite_add_tcase(s, tc);
    return s;
}
