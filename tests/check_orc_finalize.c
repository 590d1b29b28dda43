/* check_orc_finalize.c -- finalization rules and the drain events
 * (docs/semantics.md sections 4 and 9). */
#include <check.h>
#include <string.h>
#include "oracle.h"
#include "check_orc_util.h"

enum { A = 0, B = 1, C = 2, D = 3 };

/* Drops local a (naming x), collects gen 2, finalizes; returns x's calls. */
static uint32_t collect_and_finalize(orc_model *m, orc_id x)
{
    ck_assert_int_eq(orc_collect(m, 2, false), ORC_OK);
    ck_assert_int_eq(orc_finalize(m, 0), ORC_OK);
    ORC_T_CHECK(m);
    return orc_t_info(m, x).fin_calls;
}

/* .fin.register .fin.reregister-dup .fin.scan .fin.freachable .fin.drain
   .fin.call: two re-registers = three calls */
START_TEST(two_reregisters_three_calls)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 1);
    ORC_T_OK(orc_reregister(m, A));
    ORC_T_OK(orc_reregister(m, A));
    ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 3);
    ck_assert_uint_eq(orc_finq_count(m), 3);
    ORC_T_OK(orc_drop(m, A));
    ck_assert_uint_eq(collect_and_finalize(m, x), 3);
    ck_assert_uint_eq(orc_finalizer_calls(m), 3);
    orc_destroy(m);
}
END_TEST

/* .fin.bit .fin.suppress .fin.reregister: suppress + re-register = one call */
START_TEST(suppress_reregister_one_call)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_suppress(m, A));
    ck_assert(orc_t_info(m, x).finalizer_run);
    ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 1);   /* entry stays */
    ORC_T_OK(orc_reregister(m, A));
    ck_assert(!orc_t_info(m, x).finalizer_run);
    ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 1);   /* nothing added */
    ORC_T_OK(orc_drop(m, A));
    ck_assert_uint_eq(collect_and_finalize(m, x), 1);
    orc_destroy(m);
}
END_TEST

/* .fin.scan-bit: two re-registers + three suppresses = two calls */
START_TEST(two_reregisters_three_suppresses)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_reregister(m, A));
    ORC_T_OK(orc_reregister(m, A));
    ORC_T_OK(orc_suppress(m, A));
    ORC_T_OK(orc_suppress(m, A));
    ORC_T_OK(orc_suppress(m, A));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 2, false));
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert_uint_eq(r.entries_dropped, 1);
    ck_assert_uint_eq(r.new_freachable, 2);
    ck_assert(!orc_t_info(m, x).finalizer_run);
    ORC_T_OK(orc_finalize(m, 0));
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 2);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(!orc_t_info(m, x).alive);
    orc_destroy(m);
}
END_TEST

/* .fin.scan-bit alone: a suppressed object is never finalized and its
   entry is gone; .dec.suppress-nofin: no finalizer, no bit. */
START_TEST(suppressed_never_called)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    orc_id n = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_suppress(m, A));
    ORC_T_OK(orc_suppress(m, B));
    ORC_T_OK(orc_reregister(m, B));
    ck_assert(!orc_t_info(m, n).finalizer_run);
    ck_assert_uint_eq(orc_t_info(m, n).fin_entries, 0);
    ORC_T_OK(orc_drop(m, A));
    ck_assert_uint_eq(collect_and_finalize(m, x), 0);
    ck_assert(!orc_t_info(m, x).alive);
    ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 0);
    orc_destroy(m);
}
END_TEST

/* .fin.rereg-self .fin.rereg-round: a finalizer that re-registers itself is
   finalized exactly once per collect-and-finalize round. */
START_TEST(reregister_self_once_per_round)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id again = orc_t_fixed(m, "Again", 24, 0, ORC_FIN_REREGISTER, 0, false);
    orc_id x = orc_t_new(m, A, again, 0);
    ORC_T_OK(orc_drop(m, A));
    for (uint32_t round = 1; round <= 4; round++) {
        ck_assert_uint_eq(collect_and_finalize(m, x), round);
        ck_assert(orc_t_info(m, x).alive);
        ck_assert_uint_eq(orc_t_info(m, x).fin_entries, 1);
        ck_assert_uint_eq(orc_t_info(m, x).freachable_entries, 0);
    }
    /* a collection without finalize in between does not call it twice */
    ORC_T_OK(orc_collect(m, 2, false));
    ORC_T_OK(orc_collect(m, 2, false));
    ORC_T_OK(orc_finalize(m, 0));
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 5);
    orc_destroy(m);
}
END_TEST

/* .fin.resurrect + .fin.rereg-self: resurrect_reregister keeps the object
   and finalizes it again only after the static lets go. */
START_TEST(resurrect_reregister)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id both = orc_t_fixed(m, "Both", 24, 0, ORC_FIN_RESURRECT_REREGISTER, 1, false);
    orc_id x = orc_t_new(m, A, both, 0);
    ORC_T_OK(orc_drop(m, A));
    ck_assert_uint_eq(collect_and_finalize(m, x), 1);
    ck_assert_uint_eq(orc_static_value(m, 1), x);
    ck_assert_uint_eq(collect_and_finalize(m, x), 1);   /* rooted by s1 */
    ORC_T_OK(orc_static_set(m, 1, ORC_LOCAL_NONE));
    ck_assert_uint_eq(collect_and_finalize(m, x), 2);
    ck_assert_uint_eq(orc_static_value(m, 1), x);
    orc_destroy(m);
}
END_TEST

/* .fin.order .clr.fin-order: normal before critical; reporting a critical call first is
   illegal; orc_finalize_next follows the model's order. */
START_TEST(normal_before_critical)
{
    orc_model *m = orc_t_model(ORC_PROFILE_CLR);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_type_id crit = orc_t_fixed(m, "Crit", 24, 0, ORC_FIN_COUNT, 0, true);
    orc_id c = orc_t_new(m, A, crit, 0);
    orc_id x = orc_t_new(m, B, fin, 0);
    orc_id y = orc_t_new(m, C, fin, 0);
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert_uint_eq(orc_freachable_count(m, ORC_FQ_CRITICAL), 1);
    ck_assert_uint_eq(orc_freachable_count(m, ORC_FQ_NORMAL), 2);
    ck_assert_uint_eq(orc_freachable_get(m, ORC_FQ_CRITICAL, 0), c);
    ORC_T_OK(orc_finalize_begin(m, 0));
    ck_assert(orc_in_finalize(m));
    ck_assert_uint_eq(orc_finalize_next(m), y);         /* .fin.take: from the end */
    orc_fin_call call;
    ck_assert_int_eq(orc_finalize_call_begin(m, c, &call), ORC_E_ILLEGAL);
    ck_assert_uint_eq(orc_t_info(m, c).fin_calls, 0);
    ORC_T_OK(orc_finalize_call_begin(m, x, &call));     /* clr: any normal one */
    ck_assert_uint_eq(call.obj, x);
    ck_assert_uint_eq(call.calls, 1);
    ck_assert_uint_eq(orc_finalizing(m), x);
    ck_assert_int_eq(orc_finalize_call_begin(m, y, &call), ORC_E_STATE);
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_int_eq(orc_finalize_call_begin(m, x, &call), ORC_E_ILLEGAL);   /* no entry left */
    ORC_T_OK(orc_finalize_call_begin(m, y, &call));
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_uint_eq(orc_finalize_next(m), c);
    ORC_T_OK(orc_finalize_call_begin(m, c, &call));
    ck_assert(call.critical);
    ORC_T_OK(orc_finalize_call_end(m));
    ORC_T_OK(orc_finalize_end(m));
    ck_assert(!orc_in_finalize(m));
    ck_assert_uint_eq(orc_finalizer_calls(m), 3);
    orc_destroy(m);
}
END_TEST

/* .fin.take: the second collection puts y at the front of the normal list,
   so strict takes x (older batch, at the end) first */
START_TEST(strict_fifo_batches)
{
    for (int profile = 0; profile < 2; profile++) {
        orc_model *m = orc_t_model(profile ? ORC_PROFILE_CLR : ORC_PROFILE_STRICT);
        orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
        orc_id x = orc_t_new(m, A, fin, 0);
        ORC_T_OK(orc_drop(m, A));
        ORC_T_OK(orc_collect(m, 0, false));                 /* batch 1: x */
        orc_id y = orc_t_new(m, B, fin, 0);
        ORC_T_OK(orc_drop(m, B));
        ORC_T_OK(orc_collect(m, 0, false));                 /* batch 2: y */
        ORC_T_OK(orc_finalize_begin(m, 0));
        orc_status s = orc_finalize_call_begin(m, y, NULL);
        ck_assert_int_eq(s, profile ? ORC_OK : ORC_E_ILLEGAL);
        ck_assert_uint_eq(orc_t_info(m, y).fin_calls, 1);  /* followed in both */
        ORC_T_OK(orc_finalize_call_end(m));
        ORC_T_OK(orc_finalize_call_begin(m, x, NULL));
        ORC_T_OK(orc_finalize_call_end(m));
        ORC_T_OK(orc_finalize_end(m));
        orc_destroy(m);
    }
}
END_TEST

/* C6: a drain that ends with a call missing is illegal */
START_TEST(missing_call_detected)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    orc_id y = orc_t_new(m, B, fin, 0);
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_collect(m, 0, false));
    ORC_T_OK(orc_finalize_begin(m, 0));
    ORC_T_OK(orc_finalize_call_begin(m, y, NULL));      /* scanned first, taken first */
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_int_eq(orc_finalize_end(m), ORC_E_ILLEGAL);
    ck_assert_ptr_nonnull(strstr(orc_last_error(m), "missing"));
    ck_assert_uint_eq(orc_freachable_count(m, ORC_FQ_NORMAL), 0);
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 0);
    ORC_T_CHECK(m);
    /* a call on an object that is not pending at all */
    orc_id z = orc_t_new(m, C, fin, 0);
    ORC_T_OK(orc_finalize_begin(m, 0));
    ck_assert_int_eq(orc_finalize_call_begin(m, z, NULL), ORC_E_ILLEGAL);
    ck_assert_int_eq(orc_finalize_call_begin(m, 999, NULL), ORC_E_ILLEGAL);
    ORC_T_OK(orc_finalize_end(m));
    orc_destroy(m);
}
END_TEST

/* .fin.skip: an object suppressed while f-reachable (reached through a long
   weak handle) is skipped silently, and its bit is cleared. */
START_TEST(skip_when_suppressed_late)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_WEAK_LONG, A));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 0, false));
    ORC_T_OK(orc_handle_target(m, B, 0));
    ORC_T_OK(orc_suppress(m, B));
    ORC_T_OK(orc_drop(m, B));
    ck_assert_uint_eq(orc_finalize_next(m), ORC_NULL);
    ORC_T_OK(orc_finalize_begin(m, 0));
    ck_assert_int_eq(orc_finalize_call_begin(m, x, NULL), ORC_E_ILLEGAL);
    ORC_T_OK(orc_finalize_end(m));
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 0);
    ck_assert(!orc_t_info(m, x).finalizer_run);
    ck_assert_uint_eq(orc_freachable_count(m, ORC_FQ_NORMAL), 0);
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert(!orc_t_info(m, x).alive);
    orc_destroy(m);
}
END_TEST

/* .fin.skip with several entries: the first entry is the skip, the second
   runs; reported in order. */
START_TEST(skip_then_run)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_reregister(m, A));
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_WEAK_LONG, A));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_uint_eq(orc_t_info(m, x).freachable_entries, 2);
    ORC_T_OK(orc_handle_target(m, B, 0));
    ORC_T_OK(orc_suppress(m, B));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_finalize_begin(m, 0));
    ck_assert_uint_eq(orc_finalize_next(m), x);
    ORC_T_OK(orc_finalize_call_begin(m, x, NULL));
    ck_assert_uint_eq(orc_t_info(m, x).freachable_entries, 0);
    ck_assert(!orc_t_info(m, x).finalizer_run);
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_int_eq(orc_finalize_call_begin(m, x, NULL), ORC_E_ILLEGAL);
    ORC_T_OK(orc_finalize_end(m));
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 1);
    orc_destroy(m);
}
END_TEST

/* .orc.lockstep .dec.alloc-finalizer .root.finalizing: an alloc:T finalizer's allocation
   triggers a budget collection inside the drain; `this` survives it (its
   entry already left the queue), and the nested GC's new f-reachable
   entries are drained in the same `finalize`. */
START_TEST(alloc_finalizer_nested_gc)
{
    orc_config c;
    orc_config_default(&c);
    c.gen0_budget = 100;
    c.gen1_budget = c.gen2_budget = c.loh_budget = 0;
    orc_model *m = orc_create(&c);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "Maker";
    d.kind = ORC_TYPE_FIXED;
    d.size = 48;
    d.fin = ORC_FIN_ALLOC;
    d.fin_alloc = node;
    orc_type_id maker;
    ck_assert_int_eq(orc_type_add(m, &d, &maker), ORC_OK);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, maker, 0);          /* gen0_allocated 48 */
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 0, false));            /* x f-reachable, gen1; allocated 0 */
    orc_id y = orc_t_new(m, B, node, 0);           /* 24 */
    orc_id z = orc_t_new(m, C, fin, 0);            /* 48 (Fin is 24 bytes) */
    orc_t_new(m, D, node, 0);                      /* 72 */
    orc_t_new(m, D, node, 0);                      /* 96 */
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    /* event-driven drain, as the executor runs it */
    ORC_T_OK(orc_finalize_begin(m, 7));
    orc_fin_call call;
    ORC_T_OK(orc_finalize_call_begin(m, x, &call));
    ck_assert_int_eq(call.behaviour, ORC_FIN_ALLOC);
    ck_assert_uint_eq(call.alloc_type, node);
    ck_assert_int_eq(orc_finalize_call_end(m), ORC_E_STATE);   /* allocation missing */
    ck_assert_int_eq(orc_alloc_begin(m, A, node, 0, NULL), ORC_E_STATE);  /* no local */
    orc_prediction p;
    ORC_T_OK(orc_alloc_begin(m, ORC_LOCAL_NONE, node, 0, &p));
    ck_assert(p.collect);                          /* 96 + 24 > 100 */
    ck_assert_int_eq(p.gen, 0);
    orc_gc_request rq = { .gen = 0, .reason = ORC_REASON_ALLOC_SMALL };
    ck_assert_int_eq(orc_gc(m, &rq), ORC_OK);
    orc_gc_record r;
    orc_last_gc(m, &r);
    ck_assert(r.in_finalizer);
    ck_assert(orc_t_info(m, x).alive);             /* `this`, in gen1 anyway */
    ck_assert(!orc_t_info(m, y).alive);
    ck_assert(orc_t_info(m, z).alive);             /* queued by the nested GC */
    orc_id made = ORC_NULL;
    ORC_T_OK(orc_alloc_end(m, false, &made));
    ck_assert_uint_eq(orc_t_info(m, made).birth_thread, 7);
    ck_assert_uint_eq(orc_t_info(m, made).type, node);
    ck_assert_int_eq(orc_alloc_begin(m, ORC_LOCAL_NONE, node, 0, NULL), ORC_E_STATE);
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_uint_eq(orc_finalize_next(m), z);
    ck_assert_int_eq(orc_finalize_end(m), ORC_E_ILLEGAL);   /* z not called */
    orc_destroy(m);
}
END_TEST

/* .root.finalizing: a gen1 collection inside x's own finalizer condemns x,
   whose entry already left the queue: only the `this` root keeps it. */
START_TEST(this_is_a_root)
{
    orc_config c;
    orc_config_default(&c);
    c.gen0_budget = 48;
    c.gen1_budget = 1;                             /* any promotion escalates */
    c.gen2_budget = c.loh_budget = 0;
    orc_model *m = orc_create(&c);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "Maker";
    d.kind = ORC_TYPE_FIXED;
    d.size = 24;
    d.fin = ORC_FIN_ALLOC;
    d.fin_alloc = node;
    orc_type_id maker;
    ck_assert_int_eq(orc_type_add(m, &d, &maker), ORC_OK);
    orc_id x = orc_t_new(m, A, maker, 0);
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 0, false));            /* x: gen1, f-reachable; promoted1 24 */
    orc_budget_state b;
    orc_budget_get(m, &b);
    ck_assert_uint_eq(b.promoted1, 24);
    ck_assert_uint_eq(b.gen0_allocated, 0);
    orc_t_new(m, D, node, 0);
    orc_t_new(m, D, node, 0);                      /* gen0_allocated 48 */
    ORC_T_OK(orc_finalize(m, 0));                  /* nested: 48 + 24 > 48, gen 1 */
    orc_gc_record r;
    ck_assert(orc_last_gc(m, &r));
    ck_assert(r.in_finalizer);
    ck_assert_int_eq(r.gen, 1);
    ck_assert_int_eq(r.reason, ORC_REASON_ALLOC_SMALL);
    ck_assert(orc_t_info(m, x).alive);
    ck_assert_int_eq(orc_t_info(m, x).gen, 2);
    ck_assert_uint_eq(orc_t_info(m, x).fin_calls, 1);
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(!orc_t_info(m, x).alive);
    orc_destroy(m);
}
END_TEST

/* .fin.scan .fin.take (docs/semantics.md section 9): the scan visits the
   gen1 sequence before gen0's, each backward; a was promoted to gen1 first,
   its move swaps d to gen0's front, so `collect 1` leaves normal [b, c, a]
   and critical [d]: the calls are a, c, b, d. */
START_TEST(scan_order_partitions)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_type_id crit = orc_t_fixed(m, "Crit", 24, 0, ORC_FIN_COUNT, 0, true);
    orc_id a = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_collect(m, 0, false));
    orc_id b = orc_t_new(m, B, fin, 0);
    orc_id c = orc_t_new(m, C, fin, 0);
    orc_id d = orc_t_new(m, D, crit, 0);
    ck_assert_uint_eq(orc_finq_partition_count(m, 1), 1);
    ck_assert_uint_eq(orc_finq_partition_count(m, 0), 3);
    ck_assert_uint_eq(orc_finq_partition_get(m, 0, 1), c);
    for (uint32_t l = A; l <= D; l++)
        ORC_T_OK(orc_drop(m, l));
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_uint_eq(orc_freachable_get(m, ORC_FQ_NORMAL, 0), b);
    ck_assert_uint_eq(orc_freachable_get(m, ORC_FQ_NORMAL, 1), c);
    ck_assert_uint_eq(orc_freachable_get(m, ORC_FQ_NORMAL, 2), a);
    ck_assert_uint_eq(orc_freachable_get(m, ORC_FQ_CRITICAL, 0), d);
    /* take order a, c, b, d (.fin.take) */
    ORC_T_OK(orc_finalize_begin(m, 0));
    ck_assert_uint_eq(orc_finalize_next(m), a);
    ck_assert_int_eq(orc_finalize_call_begin(m, c, NULL), ORC_E_ILLEGAL);   /* a first */
    ck_assert_uint_eq(orc_t_info(m, c).fin_calls, 1);   /* reported, so followed */
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_uint_eq(orc_finalize_next(m), a);
    ORC_T_OK(orc_finalize_call_begin(m, a, NULL));
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_uint_eq(orc_finalize_next(m), b);
    ORC_T_OK(orc_finalize_call_begin(m, b, NULL));
    ORC_T_OK(orc_finalize_call_end(m));
    ck_assert_uint_eq(orc_finalize_next(m), d);
    ORC_T_OK(orc_finalize_call_begin(m, d, NULL));
    ORC_T_OK(orc_finalize_call_end(m));
    ORC_T_OK(orc_finalize_end(m));
    orc_destroy(m);
}
END_TEST

/* .fin.follow: after a collection the entries of promoted objects are
   appended to their new generation sequence, after the entries already
   there; .fin.chain-register: re-registration appends to gen0's. */
START_TEST(partitions_follow_generation)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id y = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_collect(m, 0, false));                /* y: gen1 */
    orc_id x = orc_t_new(m, B, fin, 0);
    ORC_T_OK(orc_reregister(m, A));                    /* y again: gen0 sequence */
    ck_assert_uint_eq(orc_finq_partition_count(m, 1), 1);
    ck_assert_uint_eq(orc_finq_partition_count(m, 0), 2);
    ck_assert_uint_eq(orc_finq_partition_get(m, 0, 1), y);
    ORC_T_OK(orc_collect(m, 0, false));                /* x, then y's entry: to gen1 */
    ck_assert_uint_eq(orc_finq_partition_count(m, 0), 0);
    ck_assert_uint_eq(orc_finq_partition_count(m, 1), 3);
    ck_assert_uint_eq(orc_finq_partition_get(m, 1, 0), y);
    ck_assert_uint_eq(orc_finq_partition_get(m, 1, 1), x);
    ck_assert_uint_eq(orc_finq_partition_get(m, 1, 2), y);
    ck_assert_uint_eq(orc_finq_partition_get(m, 1, 3), ORC_NULL);
    ORC_T_OK(orc_collect(m, 1, false));                /* all to gen2, same order */
    ck_assert_uint_eq(orc_finq_partition_count(m, 2), 3);
    ck_assert_uint_eq(orc_finq_partition_get(m, 2, 1), x);
    ck_assert_uint_eq(orc_finq_partition_get(m, 2, 2), y);
    orc_destroy(m);
}
END_TEST

/* Drains in the model's order (strict), recording the objects called;
   alloc:T behaviours allocate as the executor does. */
static uint32_t drain_order(orc_model *m, orc_id *out, uint32_t max)
{
    uint32_t n = 0;
    ORC_T_OK(orc_finalize_begin(m, 0));
    orc_id x;
    while ((x = orc_finalize_next(m)) != ORC_NULL) {
        orc_fin_call call;
        ORC_T_OK(orc_finalize_call_begin(m, x, &call));
        if (n < max)
            out[n] = x;
        n++;
        if (call.alloc_type != ORC_NO_TYPE)
            ORC_T_OK(orc_alloc(m, ORC_LOCAL_NONE, call.alloc_type, 0, NULL));
        ORC_T_OK(orc_finalize_call_end(m));
    }
    ORC_T_OK(orc_finalize_end(m));
    return n;
}

static void expect_order(orc_model *m, const orc_id *want, uint32_t n)
{
    orc_id got[32];
    ck_assert_uint_eq(drain_order(m, got, 32), n);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "call %u: #%u, want #%u", i, got[i], want[i]);
}

/* .fin.take, .fin.scan, .fin.chain-move: the orders measured on .NET 10. */
START_TEST(clr_orders)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_type_id crit = orc_t_fixed(m, "Crit", 24, 0, ORC_FIN_COUNT, 0, true);
    orc_id o[8];
    for (uint32_t i = 0; i < 5; i++)
        o[i] = orc_t_new(m, 10 + i, fin, 0);
    for (uint32_t i = 0; i < 5; i++)
        ORC_T_OK(orc_drop(m, 10 + i));
    ORC_T_OK(orc_collect(m, 0, false));
    expect_order(m, (const orc_id[]){o[4], o[3], o[2], o[1], o[0]}, 5);
    for (uint32_t i = 0; i < 8; i++)                   /* N1 C2 N3 C4 N5 C6 N7 C8 */
        o[i] = orc_t_new(m, 10 + i, i % 2 ? crit : fin, 0);
    for (uint32_t i = 0; i < 8; i++)
        ORC_T_OK(orc_drop(m, 10 + i));
    ORC_T_OK(orc_collect(m, 0, false));
    expect_order(m, (const orc_id[]){o[6], o[4], o[2], o[0], o[3], o[5], o[1], o[7]}, 8);
    o[0] = orc_t_new(m, 10, fin, 0);                   /* 101, 102: gen1 */
    o[1] = orc_t_new(m, 11, fin, 0);
    ORC_T_OK(orc_collect(m, 0, false));
    o[2] = orc_t_new(m, 12, fin, 0);                   /* 201, 202: gen0 */
    o[3] = orc_t_new(m, 13, fin, 0);
    for (uint32_t i = 0; i < 4; i++)
        ORC_T_OK(orc_drop(m, 10 + i));
    ORC_T_OK(orc_collect(m, 1, false));
    expect_order(m, (const orc_id[]){o[1], o[0], o[3], o[2]}, 4);
    orc_destroy(m);
}
END_TEST

/* .fin.chain-register: registrations while entries wait turn the
   f-reachable lists; finalizers that allocate finalizable objects too. */
START_TEST(register_rotates_pending)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "Spawn";
    d.kind = ORC_TYPE_FIXED;
    d.size = 24;
    d.fin = ORC_FIN_ALLOC;
    d.fin_alloc = 1;                                   /* Fin, added next */
    orc_type_id spawn = ORC_NO_TYPE;
    ck_assert_int_eq(orc_type_add(m, &d, &spawn), ORC_OK);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    ck_assert_uint_eq(fin, 1);
    orc_id o[5];
    for (uint32_t i = 0; i < 3; i++)
        o[i] = orc_t_new(m, 10 + i, fin, 0);
    for (uint32_t i = 0; i < 3; i++)
        ORC_T_OK(orc_drop(m, 10 + i));
    ORC_T_OK(orc_collect(m, 0, false));                /* normal [1, 2, 3] */
    orc_id late = orc_t_new(m, 15, fin, 0);            /* -> [2, 3, 1] */
    ck_assert_uint_eq(orc_freachable_get(m, ORC_FQ_NORMAL, 2), o[0]);
    expect_order(m, (const orc_id[]){o[0], o[2], o[1]}, 3);
    ORC_T_OK(orc_drop(m, 15));
    for (uint32_t i = 0; i < 4; i++)
        o[i] = orc_t_new(m, 10 + i, spawn, 0);
    for (uint32_t i = 0; i < 4; i++)
        ORC_T_OK(orc_drop(m, 10 + i));
    ORC_T_OK(orc_collect(m, 0, false));                /* normal [late, o0..o3] */
    /* o3's allocation turns [late, o0, o1, o2] into [o0, o1, o2, late];
       late (count) allocates nothing, so o2 is next; o2's allocation turns
       [o0, o1] into [o1, o0] */
    expect_order(m, (const orc_id[]){o[3], late, o[2], o[0], o[1]}, 5);
    /* the four children, allocated in call order, wait in gen0 */
    ck_assert_uint_eq(orc_finq_partition_count(m, 0), 4);
    orc_id kids[4];
    for (uint32_t i = 0; i < 4; i++)
        kids[i] = orc_finq_partition_get(m, 0, i);
    ORC_T_OK(orc_collect(m, 0, false));
    expect_order(m, (const orc_id[]){kids[3], kids[2], kids[1], kids[0]}, 4);
    orc_destroy(m);
}
END_TEST

/* .fin.chain-register, .fin.follow: a gen2 object's re-registration waits
   in the gen0 sequence; the next collection moves it to gen2's, turning
   gen1's on the way ([A, B] -> [B, A]). */
START_TEST(reregister_old_crosses_gen1)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id fin = orc_t_fixed(m, "Fin", 24, 0, ORC_FIN_COUNT, 0, false);
    orc_id x = orc_t_new(m, A, fin, 0);
    ORC_T_OK(orc_collect(m, 0, false));
    ORC_T_OK(orc_collect(m, 1, false));
    ck_assert_int_eq(orc_t_info(m, x).gen, 2);
    orc_id a = orc_t_new(m, B, fin, 0);
    orc_id b = orc_t_new(m, C, fin, 0);
    ORC_T_OK(orc_collect(m, 0, false));
    ORC_T_OK(orc_reregister(m, A));
    ck_assert_uint_eq(orc_finq_partition_get(m, 0, 0), x);
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert_uint_eq(orc_finq_partition_count(m, 2), 2);
    ck_assert_uint_eq(orc_finq_partition_get(m, 1, 0), b);
    ck_assert_uint_eq(orc_finq_partition_get(m, 1, 1), a);
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    ORC_T_OK(orc_collect(m, 1, false));
    expect_order(m, (const orc_id[]){a, b}, 2);
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_collect(m, 2, false));
    expect_order(m, (const orc_id[]){x, x}, 2);
    orc_destroy(m);
}
END_TEST

Suite *make_orc_finalize_suite(void)
{
    Suite *s = suite_create("orc_finalize");
    TCase *tc = tcase_create("orc_finalize");
    tcase_add_test(tc, two_reregisters_three_calls);
    tcase_add_test(tc, suppress_reregister_one_call);
    tcase_add_test(tc, two_reregisters_three_suppresses);
    tcase_add_test(tc, suppressed_never_called);
    tcase_add_test(tc, reregister_self_once_per_round);
    tcase_add_test(tc, resurrect_reregister);
    tcase_add_test(tc, normal_before_critical);
    tcase_add_test(tc, strict_fifo_batches);
    tcase_add_test(tc, missing_call_detected);
    tcase_add_test(tc, clr_orders);
    tcase_add_test(tc, register_rotates_pending);
    tcase_add_test(tc, reregister_old_crosses_gen1);
    tcase_add_test(tc, skip_when_suppressed_late);
    tcase_add_test(tc, skip_then_run);
    tcase_add_test(tc, alloc_finalizer_nested_gc);
    tcase_add_test(tc, this_is_a_root);
    tcase_add_test(tc, scan_order_partitions);
    tcase_add_test(tc, partitions_follow_generation);
    suite_add_tcase(s, tc);
    return s;
}
