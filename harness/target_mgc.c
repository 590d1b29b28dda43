/* target_mgc.c -- our runtime (include/mgc.h) as an executor target.
 *
 * Locals (.tgt.slots) are one array of mgc_ref registered as thread 0's
 * local slots with mgc_thread_set_locals, so the collector marks them and
 * rewrites them when objects move (.dec.locals-global: every local is a
 * root whichever thread bound it).  Handles are the runtime's handles;
 * static slots are the runtime's static slots.
 *
 * Finalizer behaviours (.tgt.finalizers) are mgc_finalizer_fn callbacks
 * registered with each type; each reports HX_EV_FINALIZER_CALL before it
 * acts.  The finalization-queue introspection (fin_walk, fin_bit) reads the
 * runtime's queues through its internal enumeration (runtime/internal.h):
 * an adapter for our own runtime may, the executor itself never does.
 */
#include "target.h"
#include "mgc.h"
#include "../runtime/internal.h"
#include "enum_map.h"
#include "program.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The runtime's side of the enum maps (.hx.enum-map; the oracle's side is
   in orc_map.h): collection reasons reported, handle kinds asked for (the
   target interface passes the program's hx_handle_kind as an int). */
#define TMGC_MAP_REASON(X) \
    X(MGC_REASON_INDUCED, HX_REASON_INDUCED) X(MGC_REASON_ALLOC_SMALL, HX_REASON_ALLOC_SMALL) \
    X(MGC_REASON_ALLOC_LARGE, HX_REASON_ALLOC_LARGE) X(MGC_REASON_OOM, HX_REASON_OOM)
HX_ENUM_MAP(tmgc_reason, mgc_gc_reason, hx_reason, TMGC_MAP_REASON, MGC_REASON_OOM + 1)
#define TMGC_MAP_HANDLE(X) \
    X(HX_HANDLE_STRONG, MGC_HANDLE_STRONG) X(HX_HANDLE_PINNED, MGC_HANDLE_PINNED) \
    X(HX_HANDLE_WEAK, MGC_HANDLE_WEAK) X(HX_HANDLE_WEAK_LONG, MGC_HANDLE_WEAK_LONG)
HX_ENUM_MAP(tmgc_handle_kind, hx_handle_kind, mgc_handle_kind, TMGC_MAP_HANDLE,
            HX_HANDLE_KIND_COUNT)

#define HX_TMGC_SIG 0x544d4743u   /* 'TMGC' */

typedef struct tmgc_type {
    hx_target_type desc;
    const mgc_type *mt;
    struct hx_target *t;
    uint32_t index;
} tmgc_type;

struct hx_target {
    uint32_t sig;
    mgc_heap *heap;
    mgc_ref *locals;             /* registered root slots (thread 0) */
    uint32_t nlocals;
    tmgc_type **types;
    uint32_t ntypes, types_cap;
    hx_event_fn ev;
    void *ev_ctx;
    unsigned fin_tid;            /* thread of the running run_finalizers */
    uint64_t fin_calls;          /* finalizer calls in the running drain */
    uint64_t fin_limit;          /* .tgt.drain-limit (0 = none) */
    bool pending_compact;        /* the collect in progress asked compact_loh */
    hx_addr *scratch;            /* slot values handed to walk callbacks */
    size_t scratch_cap;
    mgc_config mc;               /* the heap's configuration */
};

static bool tmgc_check(const hx_target *t) { return t && t->sig == HX_TMGC_SIG; }

/* ---- events ------------------------------------------------------------ */
static void tmgc_on_event(mgc_heap *heap, const mgc_event *mev, void *ctx)
{
    hx_target *t = ctx;
    hx_event ev = {0};
    (void)heap;
    switch (mev->kind) {
    case MGC_EV_GC_START:
        ev.kind = HX_EV_GC_START;
        break;
    case MGC_EV_GC_END:
        ev.kind = HX_EV_GC_END;
        break;
    default:
        return;                  /* finalizer calls: reported by tmgc_finalizer */
    }
    ev.gen = mev->gen;
    ev.reason = tmgc_reason(mev->reason);
    ev.pinned = mev->pinned;
    ev.promoted[0] = mev->promoted_gen0;
    ev.promoted[1] = mev->promoted_gen1;
    ev.compact_loh = t->pending_compact && mev->gen == 2 && mev->reason == MGC_REASON_INDUCED;
    if (t->ev)
        t->ev(t->ev_ctx, &ev);
}

static void tmgc_emit(hx_target *t, hx_event_kind k, hx_addr obj)
{
    hx_event ev = {0};
    ev.kind = k;
    ev.obj = obj;
    if (t->ev)
        t->ev(t->ev_ctx, &ev);
}

/* The finalizer of every type with a behaviour (.tgt.finalizers). */
static void tmgc_finalizer(mgc_heap *heap, mgc_ref *self, void *ctx)
{
    tmgc_type *ty = ctx;
    hx_target *t = ty->t;
    if (++t->fin_calls > t->fin_limit && t->fin_limit != 0)
        return;                       /* .tgt.drain-limit: let the drain end */
    tmgc_emit(t, HX_EV_FINALIZER_CALL, (hx_addr)*self);
    switch (ty->desc.fin) {
    case HX_TF_RESURRECT:
        mgc_static_set(heap, ty->desc.fin_static, *self);
        break;
    case HX_TF_REREGISTER:
        mgc_reregister_for_finalize(heap, *self);
        break;
    case HX_TF_RESURRECT_REREGISTER:
        mgc_static_set(heap, ty->desc.fin_static, *self);
        mgc_reregister_for_finalize(heap, *self);
        break;
    case HX_TF_ALLOC: {
        /* .dec.alloc-finalizer: one object of type T, length 0, no reference kept */
        mgc_ref fresh = NULL;
        if (ty->desc.fin_alloc < t->ntypes &&
            mgc_alloc(heap, t->fin_tid, t->types[ty->desc.fin_alloc]->mt, 0, &fresh) != MGC_OK)
            fresh = NULL;
        tmgc_emit(t, HX_EV_FIN_ALLOC, (hx_addr)fresh);
        break;
    }
    default:
        break;
    }
}

/* ---- lifecycle ----------------------------------------------------------- */
static void tmgc_destroy(hx_target *t);

/* A budget value as a fixed mgc budget: never MGC_BUDGET_DYNAMIC (a value
   that large never triggers either way). */
static size_t tmgc_fixed_budget(uint64_t v)
{
    return v >= (uint64_t)MGC_BUDGET_DYNAMIC ? MGC_BUDGET_DYNAMIC - 1u : (size_t)v;
}

static void tmgc_config(const hx_target_config *cfg, mgc_compact_mode mode, mgc_config *out)
{
    mgc_config mc;
    mgc_config_default(&mc);
    /* the program's budgets (or the contract's defaults) are fixed budgets:
       the runtime's dynamic ones are for embedders (.budget.dynamic) */
    mc.gen0_budget = tmgc_fixed_budget(cfg->gen0_budget);
    mc.gen1_budget = tmgc_fixed_budget(cfg->gen1_budget);
    mc.gen2_budget = tmgc_fixed_budget(cfg->gen2_budget);
    mc.loh_budget = tmgc_fixed_budget(cfg->loh_budget);
    if (cfg->loh_threshold)
        mc.loh_threshold = (size_t)cfg->loh_threshold;
    if (cfg->segment_size)
        mc.segment_size = (size_t)cfg->segment_size;
    mc.hard_limit = (size_t)cfg->hard_limit;
    mc.threads = cfg->threads ? cfg->threads : 1;
    if (mc.threads > MGC_MAX_THREADS)
        mc.threads = MGC_MAX_THREADS;
    mc.profile = cfg->clr_profile ? MGC_PROFILE_CLR : MGC_PROFILE_STRICT;
    mc.compact_mode = mode;
    /* .tgt.mark-stack: GCF_MGC_MARK_STACK=N (tests) caps the runtime's mark
       stack at N entries, so ordinary programs take its overflow path
       (.mark.overflow); without it, the runtime's policy size */
    const char *ms = getenv("GCF_MGC_MARK_STACK");
    if (ms && *ms)
        mc.mark_stack_entries = (size_t)strtoull(ms, NULL, 10);
    *out = mc;
}

/* Local slots and event callback of a fresh or reset heap. */
static bool tmgc_attach(hx_target *t, const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    t->ev = ev;
    t->ev_ctx = ev_ctx;
    t->fin_limit = cfg->fin_drain_limit;
    free(t->locals);
    t->nlocals = cfg->nlocals;
    t->locals = calloc(cfg->nlocals ? cfg->nlocals : 1, sizeof *t->locals);
    if (!t->locals || mgc_thread_set_locals(t->heap, 0, t->locals, cfg->nlocals) != MGC_OK)
        return false;
    mgc_set_event_callback(t->heap, tmgc_on_event, t);
    /* .heap.fault: counted from the created (or reset) heap on, so a
       program's fault is always a failure the running program meets */
    if (cfg->fail_reserve_nth || cfg->fail_commit_nth)
        mgc_fault_inject(t->heap, (unsigned)cfg->fail_reserve_nth, (unsigned)cfg->fail_commit_nth);
    return true;
}

static hx_target *tmgc_create_mode(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx,
                                   mgc_compact_mode mode)
{
    hx_target *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->sig = HX_TMGC_SIG;
    tmgc_config(cfg, mode, &t->mc);
    if (mgc_heap_create(&t->mc, &t->heap) != MGC_OK) {
        free(t);
        return NULL;
    }
    if (!tmgc_attach(t, cfg, ev, ev_ctx)) {
        tmgc_destroy(t);
        return NULL;
    }
    return t;
}

/* .tgt.reset: the heap is reset to the program's configuration
   (mgc_heap_reset_config: exactly a fresh heap's behaviour, keeping its
   mappings); a failed reset says no and the executor creates a new
   target. */
static bool tmgc_reset(hx_target *t, const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    HX_AVER(tmgc_check(t));
    mgc_config mc;
    tmgc_config(cfg, t->mc.compact_mode, &mc);
    if (mgc_heap_reset_config(t->heap, &mc) != MGC_OK)
        return false;
    t->mc = mc;
    for (uint32_t i = 0; i < t->ntypes; i++)
        free(t->types[i]);
    t->ntypes = 0;
    t->fin_tid = 0;
    t->fin_calls = 0;
    t->pending_compact = false;
    return tmgc_attach(t, cfg, ev, ev_ctx);
}

static hx_target *tmgc_create(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    return tmgc_create_mode(cfg, ev, ev_ctx, MGC_COMPACT);
}

/* The same runtime configured never to move objects (a non-moving
   mark-sweep collector: dead objects become free objects). */
static hx_target *tmgc_create_sweep(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    return tmgc_create_mode(cfg, ev, ev_ctx, MGC_SWEEP_ONLY);
}

static void tmgc_destroy(hx_target *t)
{
    if (!t)
        return;
    if (t->heap) {
        mgc_set_event_callback(t->heap, NULL, NULL);
        mgc_heap_destroy(t->heap);
    }
    for (uint32_t i = 0; i < t->ntypes; i++)
        free(t->types[i]);
    free(t->types);
    free(t->locals);
    free(t->scratch);
    t->sig = 0;
    free(t);
}

static hx_tstatus tmgc_register_type(hx_target *t, const hx_target_type *ty)
{
    HX_AVER(tmgc_check(t));
    if (t->ntypes == t->types_cap) {
        uint32_t cap = t->types_cap ? t->types_cap * 2 : 8;
        tmgc_type **n = realloc(t->types, cap * sizeof *n);
        if (!n)
            return HX_T_ERROR;
        t->types = n;
        t->types_cap = cap;
    }
    tmgc_type *tt = calloc(1, sizeof *tt);
    if (!tt)
        return HX_T_ERROR;
    tt->desc = *ty;
    tt->t = t;
    tt->index = t->ntypes;
    mgc_type_desc d = {0};
    d.name = ty->name;
    d.kind = ty->kind == HX_TT_FIXED ? MGC_KIND_FIXED
           : ty->kind == HX_TT_BYTES ? MGC_KIND_BYTE_ARRAY : MGC_KIND_REF_ARRAY;
    d.size = (size_t)ty->size;
    d.nrefs = ty->nrefs;
    d.finalizer = ty->fin != HX_TF_NONE ? tmgc_finalizer : NULL;
    d.finalizer_ctx = tt;
    d.critical = ty->critical;
    if (mgc_type_register(t->heap, &d, &tt->mt) != MGC_OK) {
        free(tt);
        return HX_T_ERROR;
    }
    t->types[t->ntypes++] = tt;
    return HX_T_OK;
}

static uint32_t tmgc_type_index(const hx_target *t, const mgc_type *mt)
{
    for (uint32_t i = 0; i < t->ntypes; i++)
        if (t->types[i]->mt == mt)
            return i;
    return UINT32_MAX;
}

/* ---- mutator operations ---------------------------------------------------- */
static mgc_ref tmgc_src(hx_target *t, uint32_t src)
{
    return src == HX_NO_LOCAL || src >= t->nlocals ? NULL : t->locals[src];
}

static hx_tstatus tmgc_alloc(hx_target *t, unsigned tid, uint32_t type, uint64_t length,
                             uint32_t dst)
{
    HX_AVER(tmgc_check(t) && type < t->ntypes && dst < t->nlocals);
    /* the result goes straight into the root slot (mgc.h: written after any GC) */
    mgc_status st = mgc_alloc(t->heap, tid, t->types[type]->mt, (size_t)length, &t->locals[dst]);
    if (st == MGC_E_OOM) {
        t->locals[dst] = NULL;
        return HX_T_OOM;
    }
    return st == MGC_OK ? HX_T_OK : HX_T_ERROR;
}

static void tmgc_set_local(hx_target *t, uint32_t dst, uint32_t src)
{
    t->locals[dst] = tmgc_src(t, src);
}

static hx_addr tmgc_get_local(hx_target *t, uint32_t local)
{
    return (hx_addr)tmgc_src(t, local);
}

static void tmgc_store(hx_target *t, uint32_t obj, uint64_t slot, uint32_t src)
{
    mgc_store(t->heap, t->locals[obj], (size_t)slot, tmgc_src(t, src));
}

static void tmgc_load(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot)
{
    t->locals[dst] = mgc_load(t->heap, t->locals[obj], (size_t)slot);
}

static hx_tstatus tmgc_handle_alloc(hx_target *t, int kind, uint32_t src, uint32_t *out)
{
    mgc_handle h = 0;
    mgc_status st = mgc_handle_alloc(t->heap, tmgc_handle_kind((hx_handle_kind)kind), tmgc_src(t, src), &h);
    *out = h;
    return st == MGC_OK ? HX_T_OK : HX_T_ERROR;
}

static hx_tstatus tmgc_handle_free(hx_target *t, uint32_t h)
{
    mgc_status st = mgc_handle_free(t->heap, h);
    return st == MGC_OK ? HX_T_OK : st == MGC_E_BAD_HANDLE ? HX_T_BAD_HANDLE : HX_T_ERROR;
}

static hx_tstatus tmgc_handle_get(hx_target *t, uint32_t h, uint32_t dst)
{
    mgc_ref r = NULL;
    mgc_status st = mgc_handle_get(t->heap, h, &r);
    t->locals[dst] = st == MGC_OK ? r : NULL;
    return st == MGC_OK ? HX_T_OK : st == MGC_E_BAD_HANDLE ? HX_T_BAD_HANDLE : HX_T_ERROR;
}

static hx_addr tmgc_handle_peek(hx_target *t, uint32_t h)
{
    mgc_ref r = NULL;
    if (mgc_handle_get(t->heap, h, &r) != MGC_OK)
        return 0;
    return (hx_addr)r;
}

static void tmgc_static_set(hx_target *t, uint32_t idx, uint32_t src)
{
    mgc_static_set(t->heap, idx, tmgc_src(t, src));
}

static void tmgc_static_get(hx_target *t, uint32_t idx, uint32_t dst)
{
    t->locals[dst] = mgc_static_get(t->heap, idx);
}

static hx_addr tmgc_static_peek(hx_target *t, uint32_t idx)
{
    return (hx_addr)mgc_static_get(t->heap, idx);
}

/* .tgt.statics-peek: the runtime's static slots under one take of the
   heap lock (mgc_static_get takes it per slot) */
static void tmgc_statics_peek(hx_target *t, hx_addr *out, uint32_t n)
{
    if (n > MGC_STATIC_SLOTS)
        n = MGC_STATIC_SLOTS;
    mgc_heap_lock(t->heap);
    for (uint32_t i = 0; i < n; i++)
        out[i] = (hx_addr)t->heap->handles->statics[i];
    mgc_heap_unlock(t->heap);
}

static void tmgc_suppress(hx_target *t, uint32_t obj)
{
    mgc_suppress_finalize(t->heap, t->locals[obj]);
}

static void tmgc_reregister(hx_target *t, uint32_t obj)
{
    mgc_reregister_for_finalize(t->heap, t->locals[obj]);
}

static hx_tstatus tmgc_collect(hx_target *t, int gen, bool compact_loh)
{
    t->pending_compact = compact_loh;
    mgc_status st = mgc_collect(t->heap, gen, compact_loh ? MGC_COLLECT_COMPACT_LOH : 0);
    t->pending_compact = false;
    return st == MGC_OK ? HX_T_OK : HX_T_ERROR;
}

static hx_tstatus tmgc_run_finalizers(hx_target *t, unsigned tid)
{
    t->fin_tid = tid;
    t->fin_calls = 0;
    mgc_status st = mgc_run_finalizers(t->heap, tid);
    if (st != MGC_OK)
        return HX_T_ERROR;
    return t->fin_limit != 0 && t->fin_calls > t->fin_limit ? HX_T_LIMIT : HX_T_OK;
}

/* ---- queries ------------------------------------------------------------- */
static int tmgc_generation(hx_target *t, hx_addr obj)
{
    return mgc_generation(t->heap, (mgc_ref)obj);
}

static bool tmgc_is_large(hx_target *t, hx_addr obj)
{
    return mgc_is_large(t->heap, (mgc_ref)obj);
}

static uint64_t tmgc_collection_count(hx_target *t, int gen)
{
    return mgc_collection_count(t->heap, gen);
}

typedef struct tmgc_walk_ctx {
    hx_target *t;
    hx_walk_fn fn;
    void *ctx;
    uint32_t last_type;     /* the previous object's type index */
} tmgc_walk_ctx;

static bool tmgc_walk_one(const mgc_object_info *info, void *vctx)
{
    tmgc_walk_ctx *w = vctx;
    hx_target *t = w->t;
    if (info->free)
        return true;
    hx_tobject o = {0};
    o.addr = (hx_addr)info->obj;
    /* the previous object's type index, when it is this object's type too
       (each registered type has its own mgc_type: the only match) */
    o.type = w->last_type;
    if (o.type >= t->ntypes || t->types[o.type]->mt != info->type)
        o.type = w->last_type = tmgc_type_index(t, info->type);
    o.size = info->size;
    o.length = info->length;
    o.gen = info->gen;
    o.large = info->large;
    o.nslots = info->nrefs;
    if (o.nslots > t->scratch_cap) {
        size_t cap = o.nslots * 2;
        hx_addr *n = realloc(t->scratch, cap * sizeof *n);
        if (!n)
            return false;
        t->scratch = n;
        t->scratch_cap = cap;
    }
    /* the slot array copied whole (the walk's slots, .walk.order; mgc_load
       per slot is the same read with a contract check each time) */
    hx_copy_words(t->scratch, (void **)info->slots, o.nslots);
    o.slots = t->scratch;
    o.payload = info->payload;
    o.payload_len = info->payload_len;
    w->fn(w->ctx, &o);
    return true;
}

static void tmgc_walk(hx_target *t, hx_walk_fn fn, void *ctx)
{
    tmgc_walk_ctx w = {t, fn, ctx, 0};
    mgc_walk(t->heap, 0, tmgc_walk_one, &w);
}

/* fin_walk: the queue's segments in array order (the three generation
   segments hold registered entries, the critical and normal segments
   f-reachable ones), then the object being finalized (f-reachable): the
   order mgc_finalize_enum_all reports them in, in time linear in the
   queue. */
static void tmgc_fin_one(hx_target *t, void *obj, bool fr, hx_fin_fn fn, void *ctx)
{
    uint32_t ti = tmgc_type_index(t, mgc_type_of(obj));
    bool crit = ti < t->ntypes && t->types[ti]->desc.critical;
    fn(ctx, (hx_addr)obj, fr, crit);
}

static void tmgc_fin_walk(hx_target *t, hx_fin_fn fn, void *ctx)
{
    for (int seg = MGC_FSEG_GEN2; seg <= MGC_FSEG_NORMAL; seg++) {
        size_t n = mgc_finq_seg_count(t->heap, seg);
        for (size_t i = 0; i < n; i++) {
            void *obj = mgc_finq_seg_get(t->heap, seg, i);
            if (obj)
                tmgc_fin_one(t, obj, seg >= MGC_FSEG_CRITICAL, fn, ctx);
        }
    }
    if (t->heap->finq->running)
        tmgc_fin_one(t, t->heap->finq->running, true, fn, ctx);
}

static int tmgc_fin_bit(hx_target *t, hx_addr obj)
{
    (void)t;
    if (!obj)
        return -1;
    return (*mgc_obj_header((void *)obj) & MGC_HDR_FINALIZER_RUN) != 0;
}

static hx_tstatus tmgc_verify(hx_target *t, char *err, size_t errlen)
{
    return mgc_verify(t->heap, err, errlen) == MGC_OK ? HX_T_OK : HX_T_ERROR;
}

static hx_tstatus tmgc_dump(hx_target *t, hx_view view, FILE *out)
{
    return mgc_dump(t->heap, (mgc_view)view, NULL, out) == MGC_OK ? HX_T_OK : HX_T_ERROR;
}

/* What tmgc_walk_one reports for this object, with the n slots from
   `first` on only (all: every slot) */
static bool tmgc_describe(hx_target *t, hx_addr addr, bool all, uint64_t first, size_t n,
                          hx_tobject *o)
{
    mgc_ref r = (mgc_ref)addr;
    memset(o, 0, sizeof *o);
    if (!r)
        return false;
    o->addr = addr;
    o->type = tmgc_type_index(t, mgc_type_of(r));
    o->size = mgc_object_size(r);
    o->length = mgc_array_length(r);
    o->gen = mgc_generation(t->heap, r);
    o->large = mgc_is_large(t->heap, r);
    o->nslots = mgc_ref_count(r);
    if (all) {
        first = 0;
        n = o->nslots;
    }
    if (first > o->nslots || n > o->nslots - first)
        return false;
    if (n > t->scratch_cap) {
        size_t cap = n * 2;
        hx_addr *s = realloc(t->scratch, cap * sizeof *s);
        if (!s)
            return false;
        t->scratch = s;
        t->scratch_cap = cap;
    }
    if (n)
        memcpy(t->scratch, mgc_obj_slots(r) + first, n * sizeof *t->scratch);
    o->slots = t->scratch;
    o->payload = mgc_payload(r, &o->payload_len);
    return true;
}

/* .tgt.object: what tmgc_walk_one reports for this object */
static bool tmgc_object(hx_target *t, hx_addr addr, hx_tobject *o)
{
    return tmgc_describe(t, addr, true, 0, 0, o);
}

/* .tgt.object-part: the same with n slots from `first` on, in time
   independent of the object's size */
static bool tmgc_object_part(hx_target *t, hx_addr addr, uint64_t first, uint32_t n,
                             hx_tobject *o)
{
    return tmgc_describe(t, addr, false, first, n, o);
}

/* .tgt.fin-counts: the entries fin_walk reports, by segment length (the
   queue array holds no null entry below its fill mark): the three
   generation segments are registered entries, the critical and normal
   segments and the object being finalized are f-reachable. */
static void tmgc_fin_counts(hx_target *t, uint64_t *registered, uint64_t *freachable)
{
    *registered = mgc_finq_seg_count(t->heap, MGC_FSEG_GEN2) +
                  mgc_finq_seg_count(t->heap, MGC_FSEG_GEN1) +
                  mgc_finq_seg_count(t->heap, MGC_FSEG_GEN0);
    *freachable = mgc_finq_seg_count(t->heap, MGC_FSEG_CRITICAL) +
                  mgc_finq_seg_count(t->heap, MGC_FSEG_NORMAL) + (t->heap->finq->running != NULL);
}

static uint8_t *tmgc_payload(hx_target *t, uint32_t local, size_t *len)
{
    mgc_ref r = tmgc_src(t, local);
    *len = 0;
    return r ? mgc_payload(r, len) : NULL;
}

void *hx_target_mgc_heap(hx_target *t) { return tmgc_check(t) ? t->heap : NULL; }
void **hx_target_mgc_locals(hx_target *t) { return tmgc_check(t) ? (void **)t->locals : NULL; }

bool hx_target_mgc_fin_restart(hx_target *t)
{
    HX_AVER(tmgc_check(t));
    bool over = t->fin_limit != 0 && t->fin_calls > t->fin_limit;
    t->fin_calls = 0;
    return over;
}

/* Every operation but create is shared by the two modes. */
#define TMGC_OPS_SHARED \
    .api_version = HX_TARGET_API_VERSION, \
    .caps = HX_CAPS_ALL, \
    .destroy = tmgc_destroy, \
    .reset = tmgc_reset, \
    .register_type = tmgc_register_type, \
    .alloc = tmgc_alloc, \
    .set_local = tmgc_set_local, \
    .get_local = tmgc_get_local, \
    .store = tmgc_store, \
    .load = tmgc_load, \
    .handle_alloc = tmgc_handle_alloc, \
    .handle_free = tmgc_handle_free, \
    .handle_get = tmgc_handle_get, \
    .handle_peek = tmgc_handle_peek, \
    .static_set = tmgc_static_set, \
    .static_get = tmgc_static_get, \
    .static_peek = tmgc_static_peek, \
    .statics_peek = tmgc_statics_peek, \
    .suppress = tmgc_suppress, \
    .reregister = tmgc_reregister, \
    .collect = tmgc_collect, \
    .run_finalizers = tmgc_run_finalizers, \
    .generation = tmgc_generation, \
    .is_large = tmgc_is_large, \
    .collection_count = tmgc_collection_count, \
    .walk = tmgc_walk, \
    .fin_walk = tmgc_fin_walk, \
    .fin_bit = tmgc_fin_bit, \
    .verify = tmgc_verify, \
    .dump = tmgc_dump, \
    .payload = tmgc_payload, \
    .object = tmgc_object, \
    .object_part = tmgc_object_part, \
    .fin_counts = tmgc_fin_counts,

const hx_target_ops hx_target_mgc = {
    .name = "mgc",
    .create = tmgc_create,
    TMGC_OPS_SHARED
};

const hx_target_ops hx_target_mgc_sweep = {
    .name = "mgc-sweep",
    .create = tmgc_create_sweep,
    TMGC_OPS_SHARED
};
