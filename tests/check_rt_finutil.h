/* check_rt_finutil.h -- helpers of the FIN runtime suites (handles,
 * finalize, finthread, dump): a heap with fixed budgets, a finalizable type
 * whose objects carry an id in their payload, and a finalizer that records
 * the ids it saw and acts as the test asks.  No global state: every test
 * owns its gcf_fin_env. */
#ifndef GCF_CHECK_RT_FINUTIL_H
#define GCF_CHECK_RT_FINUTIL_H

#include <check.h>
#include <string.h>
#include <stdlib.h>
#include "mgc.h"
#include "internal.h"
#include "testutil.h"

#define GCF_FIN_MAX_CALLS 4096
#define GCF_NLOCALS 32

typedef enum gcf_fin_mode {
    GCF_FIN_COUNT = 0,        /* record only */
    GCF_FIN_RESURRECT,        /* store this in static `static_idx` */
    GCF_FIN_REREGISTER,       /* re-register this */
    GCF_FIN_ALLOC,            /* allocate alloc_count objects of alloc_type */
    GCF_FIN_NESTED            /* call run_finalizers / wait from inside */
} gcf_fin_mode;

typedef struct gcf_fin_env {
    mgc_heap *heap;
    const mgc_type *node;     /* 40 bytes, 1 ref, finalizer, payload id */
    const mgc_type *crit;     /* same layout, critical finalizer */
    const mgc_type *plain;    /* 40 bytes, 2 refs, no finalizer */
    const mgc_type *bytes;    /* byte array */
    mgc_ref loc[GCF_NLOCALS]; /* thread 0 locals */
    /* finalizer record */
    uint64_t ids[GCF_FIN_MAX_CALLS];
    size_t ncalls;
    gcf_fin_mode mode;
    unsigned static_idx;
    unsigned alloc_count;     /* ALLOC: objects per call */
    size_t alloc_len;         /* ALLOC: byte array length */
    uint64_t alloc_child_below; /* ALLOC: calls on ids below this also allocate a garbage node */
    uint64_t next_child_id;
    bool id_mismatch;         /* ALLOC: *self changed identity across the allocations */
    mgc_status nested_run, nested_wait, nested_stop;
    uint64_t gc_events;       /* GC_END events seen */
    uint64_t fin_events;      /* FINALIZER_CALL events seen */
} gcf_fin_env;

static inline void gcf_set_id(mgc_ref obj, uint64_t id)
{
    size_t len = 0;
    uint8_t *p = mgc_payload(obj, &len);
    ck_assert_uint_ge(len, 8);
    memcpy(p, &id, 8);
}

static inline uint64_t gcf_get_id(mgc_ref obj)
{
    size_t len = 0;
    uint8_t *p = mgc_payload(obj, &len);
    uint64_t id = 0;
    if (len >= 8)
        memcpy(&id, p, 8);
    return id;
}

static void gcf_fin_finalizer(mgc_heap *heap, mgc_ref *self, void *ctx)
{
    gcf_fin_env *e = ctx;
    uint64_t id = gcf_get_id(*self);
    if (e->ncalls < GCF_FIN_MAX_CALLS)
        e->ids[e->ncalls] = id;
    e->ncalls++;
    switch (e->mode) {
    case GCF_FIN_COUNT:
        break;
    case GCF_FIN_RESURRECT:
        mgc_static_set(heap, e->static_idx, *self);
        break;
    case GCF_FIN_REREGISTER:
        mgc_reregister_for_finalize(heap, *self);
        break;
    case GCF_FIN_ALLOC: {
        unsigned tid = mgc_finalize_current_tid(heap);
        for (unsigned i = 0; i < e->alloc_count; i++) {
            mgc_ref junk = NULL;
            mgc_alloc(heap, tid, e->bytes, e->alloc_len, &junk);
        }
        if (id < e->alloc_child_below) {
            mgc_ref child = NULL;
            if (mgc_alloc(heap, tid, e->node, 0, &child) == MGC_OK)
                gcf_set_id(child, e->next_child_id++);
        }
        if (gcf_get_id(*self) != id || !mgc_is_object(heap, *self))
            e->id_mismatch = true;
        break;
    }
    case GCF_FIN_NESTED:
        e->nested_run = mgc_run_finalizers(heap, 0);
        e->nested_wait = mgc_wait_for_pending_finalizers(heap);
        e->nested_stop = mgc_finalizer_thread_stop(heap);
        break;
    }
}

static void gcf_fin_event(mgc_heap *heap, const mgc_event *ev, void *ctx)
{
    gcf_fin_env *e = ctx;
    (void)heap;
    if (ev->kind == MGC_EV_GC_END)
        e->gc_events++;
    else if (ev->kind == MGC_EV_FINALIZER_CALL)
        e->fin_events++;
}

/* budgets 0 = never (.dec.budget-zero): only induced collections, unless
   the test passes its own gen0 budget. */
static inline gcf_fin_env *gcf_fin_env_new_cfg(size_t gen0_budget, mgc_compact_mode mode)
{
    gcf_fin_env *e = calloc(1, sizeof *e);
    ck_assert_ptr_nonnull(e);
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.gen0_budget = gen0_budget;
    cfg.gen1_budget = 0;
    cfg.gen2_budget = 0;
    cfg.loh_budget = 0;
    cfg.threads = 2;
    cfg.segment_size = 1u << 20;
    cfg.compact_mode = mode;
    ck_assert_int_eq(mgc_heap_create(&cfg, &e->heap), MGC_OK);
    mgc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "Node";
    d.kind = MGC_KIND_FIXED;
    d.size = 40;
    d.nrefs = 1;
    d.finalizer = gcf_fin_finalizer;
    d.finalizer_ctx = e;
    ck_assert_int_eq(mgc_type_register(e->heap, &d, &e->node), MGC_OK);
    d.name = "CritNode";
    d.critical = true;
    ck_assert_int_eq(mgc_type_register(e->heap, &d, &e->crit), MGC_OK);
    memset(&d, 0, sizeof d);
    d.name = "Plain";
    d.kind = MGC_KIND_FIXED;
    d.size = 40;
    d.nrefs = 2;
    ck_assert_int_eq(mgc_type_register(e->heap, &d, &e->plain), MGC_OK);
    memset(&d, 0, sizeof d);
    d.name = "Bytes";
    d.kind = MGC_KIND_BYTE_ARRAY;
    ck_assert_int_eq(mgc_type_register(e->heap, &d, &e->bytes), MGC_OK);
    ck_assert_int_eq(mgc_thread_set_locals(e->heap, 0, e->loc, GCF_NLOCALS), MGC_OK);
    mgc_set_event_callback(e->heap, gcf_fin_event, e);
    e->next_child_id = 1000000;
    return e;
}

static inline gcf_fin_env *gcf_fin_env_new(void)
{
    return gcf_fin_env_new_cfg(0, MGC_COMPACT);
}

static inline void gcf_fin_env_free(gcf_fin_env *e)
{
    char err[512] = "";
    mgc_status st = mgc_verify(e->heap, err, sizeof err);
    ck_assert_msg(st == MGC_OK, "verify at teardown: %s", err);
    mgc_heap_destroy(e->heap);
    free(e);
}

/* Allocate a node of type t with id into loc[i]. */
static inline mgc_ref gcf_new(gcf_fin_env *e, const mgc_type *t, unsigned i, uint64_t id)
{
    ck_assert_uint_lt(i, GCF_NLOCALS);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, t, 0, &e->loc[i]), MGC_OK);
    gcf_set_id(e->loc[i], id);
    return e->loc[i];
}

static inline void gcf_verify_ok(gcf_fin_env *e)
{
    char err[512] = "";
    mgc_status st = mgc_verify(e->heap, err, sizeof err);
    ck_assert_msg(st == MGC_OK, "verify: %s", err);
}

/* Number of calls recorded for id. */
static inline size_t gcf_calls_of(const gcf_fin_env *e, uint64_t id)
{
    size_t n = 0;
    for (size_t i = 0; i < e->ncalls && i < GCF_FIN_MAX_CALLS; i++)
        n += e->ids[i] == id;
    return n;
}

/* Registered entries (partitions) of obj in partition g (g = -1: all). */
typedef struct gcf_count_ctx { void *obj; size_t n; } gcf_count_ctx;

static inline size_t gcf_part_entries(mgc_heap *heap, int g, void *obj)
{
    size_t n = 0;
    for (int p = 0; p < 3; p++) {
        if (g >= 0 && p != g)
            continue;
        for (size_t i = 0; i < mgc_finq_seg_count(heap, MGC_FSEG_OF_GEN(p)); i++)
            n += obj == NULL || mgc_finq_seg_get(heap, MGC_FSEG_OF_GEN(p), i) == obj;
    }
    return n;
}

static void gcf_count_slot(mgc_heap *heap, void **slot, void *ctx)
{
    gcf_count_ctx *c = ctx;
    (void)heap;
    if (*slot && (c->obj == NULL || *slot == c->obj))
        c->n++;
}

/* f-reachable entries of obj (NULL: all). */
static inline size_t gcf_freachable(mgc_heap *heap, void *obj)
{
    gcf_count_ctx c = {obj, 0};
    mgc_finalize_enum_freachable(heap, gcf_count_slot, &c);
    return c.n;
}

#endif
