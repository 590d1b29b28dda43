/* check_rt_core.h -- helpers shared by the runtime-core unit tests
 * (check_rt_alloc.c, check_rt_collect.c, check_rt_loh.c, check_rt_segment.c).
 * No global state: every test builds its own heap. */
#ifndef CHECK_RT_CORE_H
#define CHECK_RT_CORE_H
#include <check.h>
#include <string.h>
#include "mgc.h"
#include "testutil.h"

/* A config with no budgets (no automatic collections) unless a test sets them. */
static inline mgc_config gcf_core_config(void)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.gen0_budget = 0;
    cfg.gen1_budget = 0;
    cfg.gen2_budget = 0;
    cfg.loh_budget = 0;
    return cfg;
}

static inline mgc_heap *gcf_core_heap(const mgc_config *cfg)
{
    mgc_heap *h = NULL;
    mgc_status st = mgc_heap_create(cfg, &h);
    ck_assert_msg(st == MGC_OK, "heap_create: %s", mgc_status_name(st));
    return h;
}

static inline void gcf_core_verify(mgc_heap *h)
{
    char err[512];
    mgc_status st = mgc_verify(h, err, sizeof err);
    ck_assert_msg(st == MGC_OK, "verify: %s: %s", mgc_status_name(st), err);
}

static inline const mgc_type *gcf_core_fixed(mgc_heap *h, const char *name, size_t size, unsigned nrefs)
{
    mgc_type_desc d = { .name = name, .kind = MGC_KIND_FIXED, .size = size, .nrefs = nrefs };
    const mgc_type *t = NULL;
    ck_assert_int_eq(mgc_type_register(h, &d, &t), MGC_OK);
    return t;
}

static inline const mgc_type *gcf_core_array(mgc_heap *h, const char *name, mgc_type_kind kind)
{
    mgc_type_desc d = { .name = name, .kind = kind };
    const mgc_type *t = NULL;
    ck_assert_int_eq(mgc_type_register(h, &d, &t), MGC_OK);
    return t;
}

/* Counting walk. */
typedef struct gcf_core_count {
    size_t objects, free_objects, large, gen[3];
    size_t bytes;
} gcf_core_count;

static inline bool gcf_core_count_fn(const mgc_object_info *info, void *ctx)
{
    gcf_core_count *c = ctx;
    if (info->free) {
        c->free_objects++;
        return true;
    }
    c->objects++;
    c->bytes += info->size;
    c->gen[info->gen]++;
    if (info->large)
        c->large++;
    return true;
}

static inline gcf_core_count gcf_core_walk(mgc_heap *h)
{
    gcf_core_count c;
    memset(&c, 0, sizeof c);
    mgc_walk(h, MGC_WALK_FREE, gcf_core_count_fn, &c);
    return c;
}

/* Look for one object in the walk. */
typedef struct gcf_core_find {
    mgc_ref obj;
    bool found;
    mgc_object_info info;
} gcf_core_find;

static inline bool gcf_core_find_fn(const mgc_object_info *info, void *ctx)
{
    gcf_core_find *f = ctx;
    if (info->obj == f->obj) {
        f->found = true;
        f->info = *info;
        return false;
    }
    return true;
}

static inline gcf_core_find gcf_core_lookup(mgc_heap *h, mgc_ref obj)
{
    gcf_core_find f;
    memset(&f, 0, sizeof f);
    f.obj = obj;
    mgc_walk(h, 0, gcf_core_find_fn, &f);
    return f;
}

/* Events recorded by the tests that follow collections. */
typedef struct gcf_core_events {
    size_t n;
    int gen[256];
    mgc_gc_reason reason[256];
    size_t pinned[256];
    uint64_t at_alloc[256];       /* value of *alloc_counter when GC_START came */
    const uint64_t *alloc_counter;
    bool verify_each;             /* verify the heap at every GC_END */
    size_t verify_failures;
    char last_err[256];
} gcf_core_events;

static inline void gcf_core_event_fn(mgc_heap *h, const mgc_event *ev, void *ctx)
{
    gcf_core_events *e = ctx;
    if (ev->kind == MGC_EV_GC_START && e->n < 256) {
        e->gen[e->n] = ev->gen;
        e->reason[e->n] = ev->reason;
        e->at_alloc[e->n] = e->alloc_counter ? *e->alloc_counter : 0;
        e->n++;
    } else if (ev->kind == MGC_EV_GC_END) {
        if (e->n > 0 && e->n <= 256)
            e->pinned[e->n - 1] = ev->pinned;
        if (e->verify_each && mgc_verify(h, e->last_err, sizeof e->last_err) != MGC_OK)
            e->verify_failures++;
    }
}
#endif
