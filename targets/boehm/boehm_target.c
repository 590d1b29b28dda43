/* boehm_target.c -- the Boehm-Demers-Weiser collector (libgc) as a gcfuzz
 * target, built as a plug-in library (docs/targets.md "The Boehm
 * collector").  Uses only the public interface <gcfuzz/target.h> and
 * <gc.h>; loaded with `gcfuzz run --target-lib libgcfuzz_boehm.so`.
 *
 * What libgc is, in the terms of the interface (.tgt.caps): one heap, no
 * generations (every collection is a full one, reported as gen 2), never
 * moves, no large object heap, collects on its own schedule (not the
 * program's budgets), and finds roots conservatively on the C stack, so
 * an unreachable object may survive.  Caps: none of HX_CAP_GENERATIONS,
 * HX_CAP_COMPLETE, HX_CAP_LOH, HX_CAP_BUDGETS; HX_CAP_PINNED_COUNT (this
 * adapter counts the pinned handles that hold an object).
 *
 * Mapping:
 *  - objects: [type][length][finalization state][reference slots][payload], typed
 *    allocation (GC_malloc_explicitly_typed) so only the reference slots
 *    are scanned; byte arrays are atomic.  An hx_addr is the object's
 *    hidden pointer (GC_HIDE_POINTER), so the harness's own variables never
 *    look like pointers to the collector.
 *  - locals, statics, strong and pinned handles: memory registered with
 *    GC_add_roots (exact roots);
 *  - weak handles: a hidden pointer with GC_general_register_disappearing_link
 *    (short: cleared when the object is first unreachable, before its
 *    finalizer is queued) or GC_register_long_link (long: cleared when the
 *    object is freed);
 *  - finalization: GC_register_finalizer_no_order (no ordering among
 *    finalizable objects, as in the CLR), finalize-on-demand, so
 *    finalizers run only in run_finalizers (GC_invoke_finalizers);
 *    critical finalizers after the normal ones of a drain.  libgc keeps
 *    one registration per object; the CLR's queue entries and
 *    finalizer-run bit (docs/semantics.md .fin.reregister-dup, .fin.scan-bit,
 *    .fin.skip) are kept in the object's finalization word: libgc's one
 *    finalizer call for an object stands for the scan of all its entries;
 *  - the object list for walk: one long link per object, cleared when
 *    libgc frees it;
 *  - collections: GC_set_on_collection_event counts them; the adapter
 *    reports them to the executor when the libgc call that collected
 *    returns (the callback runs with libgc's lock held).
 *
 * libgc is one heap per process: the adapter allows one instance at a time
 * and, on destroy, unregisters every finalizer and link it made, so a later
 * run sees nothing of an earlier one.
 */
#include <gcfuzz/target.h>

#include <gc/gc.h>
#include <gc/gc_typed.h>

#include <stdlib.h>
#include <string.h>

#define BT_STATICS 64                 /* static slots s0..s63 */
#define BT_CHUNK 1024                 /* entries per object-list / handle chunk */
#define BT_MAGIC 0x42u                /* top byte of the type word */
#define BT_TYPE_MASK 0xffffffu
#define BT_HDR 3                      /* header words: type, length, finalization */

typedef struct bt_type {
    hx_target_type d;
    GC_descr descr;                   /* FIXED with references: typed allocation */
    bool typed;
} bt_type;

/* A handle: the object for strong and pinned (a root), its hidden pointer
   for weak kinds (cleared by libgc through the registered link). */
typedef struct bt_handle {
    void *strong;
    GC_hidden_pointer weak;
    int kind;                         /* -1: free */
} bt_handle;

struct hx_target {
    hx_target_config cfg;
    hx_event_fn ev;
    void *ev_ctx;
    void **locals;                    /* roots */
    void **statics;                   /* roots */
    bt_type *types;
    uint32_t ntypes, types_cap;
    /* every object allocated, by chunk: a long link each */
    GC_hidden_pointer **objs;
    size_t nobjs, objs_chunks;
    bt_handle **handles;              /* chunks of BT_CHUNK, roots */
    size_t nhandles, handles_chunks;
    void **deferred;                  /* critical finalizer calls of a drain (roots) */
    size_t ndeferred, deferred_cap;
    uint64_t gcs;                     /* full collections since create */
    unsigned fin_tid;
    uint64_t fin_calls, fin_limit;
    hx_reason alloc_reason;           /* reason of a collection inside an allocation */
    bool compact_pending;
    hx_addr *scratch;
    size_t scratch_cap;
};

static hx_target *bt_current;         /* the one instance (libgc is per process) */
static unsigned bt_started, bt_ended; /* collection events not yet reported */

static void bt_on_gc_event(GC_EventType e)
{
    if (e == GC_EVENT_START)
        bt_started++;
    else if (e == GC_EVENT_END)
        bt_ended++;
}

static void *bt_ptr(hx_addr a) { return a ? GC_REVEAL_POINTER((GC_hidden_pointer)a) : NULL; }
static hx_addr bt_addr(const void *p) { return p ? (hx_addr)GC_HIDE_POINTER(p) : 0; }

static uint32_t bt_type_of(const void *obj) { return (uint32_t)(((const uint64_t *)obj)[0] & BT_TYPE_MASK); }
static uint64_t bt_length(const void *obj) { return ((const uint64_t *)obj)[1]; }
static void **bt_slots(void *obj) { return (void **)((uint64_t *)obj + BT_HDR); }

/* The finalization word (.fin.bit, .fin.reregister-dup): entries in the
   finalization queue, entries moved to the f-reachable queue and not yet
   taken, and the finalizer-run bit. */
#define BT_FIN_BIT (1ull << 63)
static uint64_t *bt_finw(void *obj) { return (uint64_t *)obj + 2; }
static uint32_t bt_entries(const uint64_t *w) { return (uint32_t)(*w & 0xffffffu); }
static uint32_t bt_pending(const uint64_t *w) { return (uint32_t)((*w >> 24) & 0xffffffu); }
static void bt_set_fin(uint64_t *w, uint32_t entries, uint32_t pending, bool bit)
{
    *w = (uint64_t)(entries & 0xffffffu) | ((uint64_t)(pending & 0xffffffu) << 24) |
         (bit ? BT_FIN_BIT : 0);
}

/* The payload bytes of a fixed type: its declared size less the header
   and method-table words and the reference slots. */
static size_t bt_fixed_payload(const hx_target_type *d)
{
    return d->size > 16 + 8 * (uint64_t)d->nrefs ? (size_t)(d->size - 16 - 8 * d->nrefs) : 0;
}

/* The reference slots and payload of an object, as mgc lays them out
   (docs/semantics.md .obj.size): fixed types have their declared size
   (header and method-table words included), arrays 24 + n * element. */
static void bt_shape(const hx_target *t, const void *obj, uint64_t *size, size_t *nslots,
                     size_t *payload_len)
{
    const hx_target_type *d = &t->types[bt_type_of(obj)].d;
    uint64_t n = bt_length(obj);
    switch (d->kind) {
    case HX_TT_FIXED:
        *size = d->size;
        *nslots = d->nrefs;
        *payload_len = bt_fixed_payload(d);
        break;
    case HX_TT_BYTES:
        *size = 24 + n;
        *nslots = 0;
        *payload_len = n;
        break;
    default:
        *size = 24 + 8 * n;
        *nslots = n;
        *payload_len = 0;
        break;
    }
}

/* .handle.pin-count: pinned handles holding an object (every collection
   condemns the whole heap, so all of them count). */
static size_t bt_pinned(const hx_target *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nhandles; i++) {
        const bt_handle *h = &t->handles[i / BT_CHUNK][i % BT_CHUNK];
        n += h->kind == 1 && h->strong;
    }
    return n;
}

/* Report the collections libgc made since the last report. */
static void bt_flush(hx_target *t, hx_reason reason)
{
    while (bt_ended > 0) {
        bt_started--;
        bt_ended--;
        t->gcs++;
        hx_event ev = {0};
        ev.kind = HX_EV_GC_START;
        ev.gen = 2;
        ev.reason = reason;
        ev.compact_loh = reason == HX_REASON_INDUCED && t->compact_pending;
        t->ev(t->ev_ctx, &ev);
        ev.kind = HX_EV_GC_END;
        ev.pinned = bt_pinned(t);
        t->ev(t->ev_ctx, &ev);
    }
}

/* Zero the stack below the caller's frame: stale copies of object
   pointers left there by earlier calls would otherwise be found by libgc's
   conservative stack scan when a later call's frames cover them. */
__attribute__((noinline)) static void bt_clear_stack(size_t bytes)
{
    char *buf = __builtin_alloca(bytes);
    memset(buf, 0, bytes);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

/* ---- roots -------------------------------------------------------------- */
static void **bt_root_array(size_t n)
{
    void **a = calloc(n ? n : 1, sizeof *a);
    if (a)
        GC_add_roots(a, a + (n ? n : 1));
    return a;
}

static void bt_root_free(void **a, size_t n)
{
    if (!a)
        return;
    GC_remove_roots(a, a + (n ? n : 1));
    free(a);
}

/* ---- finalization --------------------------------------------------------- */
static void bt_finalizer(void *obj, void *cd);

static void bt_register_fin(void *obj, bool on)
{
    GC_finalization_proc ofn;
    void *ocd;
    GC_disable();                         /* registering never collects */
    GC_register_finalizer_no_order(obj, on ? bt_finalizer : NULL, NULL, &ofn, &ocd);
    GC_enable();
}

static void bt_emit(hx_target *t, hx_event_kind k, hx_addr obj)
{
    hx_event ev = {0};
    ev.kind = k;
    ev.obj = obj;
    t->ev(t->ev_ctx, &ev);
}

static void *bt_new(hx_target *t, uint32_t type, uint64_t length);

/* .fin.reregister: a set bit is cleared and no entry added; else one more
   entry.  libgc holds a registration whenever there are entries and the
   bit would not drop them all. */
static void bt_rereg(hx_target *t, void *obj)
{
    if (t->types[bt_type_of(obj)].d.fin == HX_TF_NONE)
        return;
    uint64_t *w = bt_finw(obj);
    if (*w & BT_FIN_BIT)
        bt_set_fin(w, bt_entries(w), bt_pending(w), false);
    else
        bt_set_fin(w, bt_entries(w) + 1, bt_pending(w), false);
    bt_register_fin(obj, bt_entries(w) > 0);
}

static void bt_behaviour(hx_target *t, void *obj)
{
    const hx_target_type *d = &t->types[bt_type_of(obj)].d;
    if (++t->fin_calls > t->fin_limit && t->fin_limit != 0)
        return;                           /* .tgt.drain-limit */
    bt_emit(t, HX_EV_FINALIZER_CALL, bt_addr(obj));
    switch (d->fin) {
    case HX_TF_RESURRECT:
        t->statics[d->fin_static] = obj;
        break;
    case HX_TF_REREGISTER:
        bt_rereg(t, obj);
        break;
    case HX_TF_RESURRECT_REREGISTER:
        t->statics[d->fin_static] = obj;
        bt_rereg(t, obj);
        break;
    case HX_TF_ALLOC: {
        t->alloc_reason = HX_REASON_ALLOC_SMALL;
        void *fresh = d->fin_alloc < t->ntypes ? bt_new(t, d->fin_alloc, 0) : NULL;
        bt_flush(t, HX_REASON_ALLOC_SMALL);
        bt_emit(t, HX_EV_FIN_ALLOC, bt_addr(fresh));
        break;
    }
    default:
        break;
    }
}

/* The calls pending for obj (.fin.skip: a set bit consumes one and runs
   nothing). */
static void bt_run_pending(hx_target *t, void *obj)
{
    uint64_t *w = bt_finw(obj);
    while (bt_pending(w) > 0) {
        bool bit = (*w & BT_FIN_BIT) != 0;
        bt_set_fin(w, bt_entries(w), bt_pending(w) - 1, false);
        if (!bit)
            bt_behaviour(t, obj);
    }
}

/* libgc's finalizer: obj was found unreachable with its registration.
   .fin.scan for each of its entries: with the bit set the entry is dropped
   and the bit cleared, else it moves to the f-reachable queue.  Normal
   calls run now; a critical object waits for the end of the drain's
   normal finalizers (.fin.order). */
static void bt_finalizer(void *obj, void *cd)
{
    (void)cd;
    hx_target *t = bt_current;
    if (!t)
        return;                           /* an earlier instance's object */
    uint64_t *w = bt_finw(obj);
    uint32_t n = bt_entries(w), pending = bt_pending(w);
    bool bit = (*w & BT_FIN_BIT) != 0;
    if (n > 0 && bit) {
        n--;
        bit = false;
    }
    bt_set_fin(w, 0, pending + n, bit);
    if (bt_pending(w) == 0)
        return;
    if (t->types[bt_type_of(obj)].d.critical) {
        if (t->ndeferred == t->deferred_cap) {
            size_t cap = t->deferred_cap ? 2 * t->deferred_cap : 16;
            void **nd = bt_root_array(cap);
            if (!nd)
                return;
            if (t->ndeferred)
                memcpy(nd, t->deferred, t->ndeferred * sizeof *nd);
            bt_root_free(t->deferred, t->deferred_cap);
            t->deferred = nd;
            t->deferred_cap = cap;
        }
        t->deferred[t->ndeferred++] = obj;
        return;
    }
    bt_run_pending(t, obj);
}

/* ---- objects ---------------------------------------------------------------- */
static bool bt_list(hx_target *t, void *obj)
{
    size_t c = t->nobjs / BT_CHUNK;
    if (c == t->objs_chunks) {
        GC_hidden_pointer **n = realloc(t->objs, (c + 1) * sizeof *n);
        if (!n)
            return false;
        t->objs = n;
        t->objs[c] = calloc(BT_CHUNK, sizeof **t->objs);
        if (!t->objs[c])
            return false;
        t->objs_chunks++;
    }
    GC_hidden_pointer *link = &t->objs[c][t->nobjs % BT_CHUNK];
    *link = GC_HIDE_POINTER(obj);
    GC_disable();
    int r = GC_register_long_link((void **)link, obj);
    GC_enable();
    if (r != GC_SUCCESS)
        return false;
    t->nobjs++;
    return true;
}

static void *bt_new(hx_target *t, uint32_t type, uint64_t length)
{
    const bt_type *ty = &t->types[type];
    const hx_target_type *d = &ty->d;
    size_t bytes;
    void *obj;
    if (d->kind == HX_TT_FIXED) {
        bytes = 8 * BT_HDR + 8 * (size_t)d->nrefs + bt_fixed_payload(d);
        obj = ty->typed ? GC_malloc_explicitly_typed(bytes, ty->descr)
                        : GC_malloc_atomic(bytes);
    } else if (d->kind == HX_TT_BYTES) {
        if (length > ((uint64_t)1 << 40))
            return NULL;
        bytes = 8 * BT_HDR + (size_t)length;
        obj = GC_malloc_atomic(bytes);
    } else {
        if (length > ((uint64_t)1 << 37))
            return NULL;
        bytes = 8 * BT_HDR + 8 * (size_t)length;
        obj = GC_malloc(bytes);               /* the header words hold no pointers */
    }
    if (!obj)
        return NULL;
    memset(obj, 0, bytes);                    /* atomic memory is not cleared */
    uint64_t *w = obj;
    w[0] = ((uint64_t)BT_MAGIC << 56) | type;
    w[1] = length;
    if (!bt_list(t, obj))
        return NULL;
    if (d->fin != HX_TF_NONE) {
        bt_set_fin(bt_finw(obj), 1, 0, false);    /* .fin.register */
        bt_register_fin(obj, true);
    }
    return obj;
}

/* ---- lifecycle -------------------------------------------------------------- */
static void bt_destroy(hx_target *t);

static hx_target *bt_create(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    if (bt_current)
        return NULL;                          /* one heap per process */
    static bool inited;
    if (!inited) {
        GC_INIT();
        GC_set_finalize_on_demand(1);
        GC_set_java_finalization(1);          /* f-reachable objects keep what they reference */
        GC_set_on_collection_event(bt_on_gc_event);
        inited = true;
    }
    hx_target *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->ev = ev;
    t->ev_ctx = ev_ctx;
    t->fin_limit = cfg->fin_drain_limit;
    t->locals = bt_root_array(cfg->nlocals);
    t->statics = bt_root_array(BT_STATICS);
    if (!t->locals || !t->statics) {
        bt_destroy(t);
        return NULL;
    }
    bt_started = bt_ended = 0;
    bt_current = t;
    return t;
}

static void bt_destroy(hx_target *t)
{
    if (!t)
        return;
    /* unregister every finalizer and link of this instance's objects */
    for (size_t i = 0; i < t->nobjs; i++) {
        GC_hidden_pointer *link = &t->objs[i / BT_CHUNK][i % BT_CHUNK];
        void *obj = *link ? GC_REVEAL_POINTER(*link) : NULL;
        if (obj && t->types[bt_type_of(obj)].d.fin != HX_TF_NONE)
            bt_register_fin(obj, false);
        GC_unregister_long_link((void **)link);
    }
    for (size_t i = 0; i < t->nhandles; i++) {
        bt_handle *h = &t->handles[i / BT_CHUNK][i % BT_CHUNK];
        if (h->kind == 2)
            GC_unregister_disappearing_link((void **)&h->weak);
        else if (h->kind == 3)
            GC_unregister_long_link((void **)&h->weak);
    }
    bt_current = NULL;                        /* queued finalizers now do nothing */
    while (GC_should_invoke_finalizers())
        GC_invoke_finalizers();
    for (size_t c = 0; c < t->objs_chunks; c++)
        free(t->objs[c]);
    free(t->objs);
    for (size_t c = 0; c < t->handles_chunks; c++) {
        GC_remove_roots(t->handles[c], t->handles[c] + BT_CHUNK);
        free(t->handles[c]);
    }
    free(t->handles);
    bt_root_free(t->locals, t->cfg.nlocals);
    bt_root_free(t->statics, BT_STATICS);
    bt_root_free(t->deferred, t->deferred_cap);
    free(t->types);
    free(t->scratch);
    free(t);
}

static hx_tstatus bt_register_type(hx_target *t, const hx_target_type *ty)
{
    if (t->ntypes == t->types_cap) {
        uint32_t cap = t->types_cap ? 2 * t->types_cap : 8;
        bt_type *n = realloc(t->types, cap * sizeof *n);
        if (!n)
            return HX_T_ERROR;
        t->types = n;
        t->types_cap = cap;
    }
    if (t->ntypes > BT_TYPE_MASK)
        return HX_T_ERROR;
    bt_type *b = &t->types[t->ntypes];
    memset(b, 0, sizeof *b);
    b->d = *ty;
    if (ty->kind == HX_TT_FIXED && ty->nrefs > 0) {
        size_t words = BT_HDR + ty->nrefs;
        size_t nbm = (words + GC_WORDSZ - 1) / GC_WORDSZ;
        GC_word *bm = calloc(nbm, sizeof *bm);
        if (!bm)
            return HX_T_ERROR;
        for (size_t i = BT_HDR; i < words; i++)
            GC_set_bit(bm, i);
        b->descr = GC_make_descriptor(bm, words);
        b->typed = true;
        free(bm);
    }
    t->ntypes++;
    return HX_T_OK;
}

/* ---- mutator ------------------------------------------------------------------ */
static void *bt_src(hx_target *t, uint32_t src)
{
    return src == HX_NO_LOCAL || src >= t->cfg.nlocals ? NULL : t->locals[src];
}

static hx_tstatus bt_alloc(hx_target *t, unsigned tid, uint32_t type, uint64_t length,
                           uint32_t dst)
{
    (void)tid;
    if (type >= t->ntypes || dst >= t->cfg.nlocals)
        return HX_T_ERROR;
    const hx_target_type *d = &t->types[type].d;
    uint64_t size = d->kind == HX_TT_FIXED ? d->size
                  : 24 + length * (d->kind == HX_TT_BYTES ? 1 : 8);
    uint64_t thr = t->cfg.loh_threshold ? t->cfg.loh_threshold : 85000;
    hx_reason why = size >= thr ? HX_REASON_ALLOC_LARGE : HX_REASON_ALLOC_SMALL;
    bt_clear_stack(16 * 1024);
    void *obj = bt_new(t, type, length);
    t->locals[dst] = obj;
    bt_flush(t, why);
    return obj ? HX_T_OK : HX_T_OOM;
}

static void bt_set_local(hx_target *t, uint32_t dst, uint32_t src) { t->locals[dst] = bt_src(t, src); }
static hx_addr bt_get_local(hx_target *t, uint32_t l) { return bt_addr(bt_src(t, l)); }

static void bt_store(hx_target *t, uint32_t obj, uint64_t slot, uint32_t src)
{
    bt_slots(t->locals[obj])[slot] = bt_src(t, src);
}

static void bt_load(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot)
{
    t->locals[dst] = bt_slots(t->locals[obj])[slot];
}

static bt_handle *bt_handle_at(hx_target *t, uint32_t h)
{
    if (h == 0 || h > t->nhandles)
        return NULL;
    bt_handle *b = &t->handles[(h - 1) / BT_CHUNK][(h - 1) % BT_CHUNK];
    return b->kind < 0 ? NULL : b;
}

static hx_tstatus bt_handle_alloc(hx_target *t, int kind, uint32_t src, uint32_t *out)
{
    size_t c = t->nhandles / BT_CHUNK;
    if (c == t->handles_chunks) {
        bt_handle **n = realloc(t->handles, (c + 1) * sizeof *n);
        if (!n)
            return HX_T_ERROR;
        t->handles = n;
        t->handles[c] = calloc(BT_CHUNK, sizeof **t->handles);
        if (!t->handles[c])
            return HX_T_ERROR;
        GC_add_roots(t->handles[c], t->handles[c] + BT_CHUNK);
        t->handles_chunks++;
    }
    bt_handle *h = &t->handles[c][t->nhandles % BT_CHUNK];
    void *obj = bt_src(t, src);
    h->kind = kind;
    h->strong = NULL;
    h->weak = 0;
    GC_disable();                             /* registering a link never collects */
    if (kind == 0 || kind == 1) {
        h->strong = obj;
    } else if (obj) {
        h->weak = GC_HIDE_POINTER(obj);
        int r = kind == 2 ? GC_general_register_disappearing_link((void **)&h->weak, obj)
                          : GC_register_long_link((void **)&h->weak, obj);
        if (r != GC_SUCCESS)
            h->weak = 0;
    }
    GC_enable();
    t->nhandles++;
    *out = (uint32_t)t->nhandles;
    return HX_T_OK;
}

static hx_tstatus bt_handle_free(hx_target *t, uint32_t hi)
{
    bt_handle *h = bt_handle_at(t, hi);
    if (!h)
        return HX_T_BAD_HANDLE;
    if (h->kind == 2 && h->weak)
        GC_unregister_disappearing_link((void **)&h->weak);
    else if (h->kind == 3 && h->weak)
        GC_unregister_long_link((void **)&h->weak);
    h->kind = -1;
    h->strong = NULL;
    h->weak = 0;
    return HX_T_OK;
}

static void *bt_handle_target(const bt_handle *h)
{
    return h->kind <= 1 ? h->strong : h->weak ? GC_REVEAL_POINTER(h->weak) : NULL;
}

static hx_tstatus bt_handle_get(hx_target *t, uint32_t hi, uint32_t dst)
{
    bt_handle *h = bt_handle_at(t, hi);
    t->locals[dst] = h ? bt_handle_target(h) : NULL;
    return h ? HX_T_OK : HX_T_BAD_HANDLE;
}

static hx_addr bt_handle_peek(hx_target *t, uint32_t hi)
{
    bt_handle *h = bt_handle_at(t, hi);
    return h ? bt_addr(bt_handle_target(h)) : 0;
}

static void bt_static_set(hx_target *t, uint32_t i, uint32_t src) { t->statics[i] = bt_src(t, src); }
static void bt_static_get(hx_target *t, uint32_t i, uint32_t dst) { t->locals[dst] = t->statics[i]; }
static hx_addr bt_static_peek(hx_target *t, uint32_t i) { return bt_addr(t->statics[i]); }

/* .fin.suppress: the bit.  With one entry and no call pending the scan
   would just drop it, so libgc's registration goes now (the object is then
   freed by the collection that finds it unreachable, as in the model). */
static void bt_suppress(hx_target *t, uint32_t obj)
{
    void *o = t->locals[obj];
    if (t->types[bt_type_of(o)].d.fin == HX_TF_NONE)
        return;
    uint64_t *w = bt_finw(o);
    bt_set_fin(w, bt_entries(w), bt_pending(w), true);
    if (bt_entries(w) <= 1)
        bt_register_fin(o, false);
}

static void bt_reregister(hx_target *t, uint32_t obj)
{
    bt_rereg(t, t->locals[obj]);
}

static hx_tstatus bt_collect(hx_target *t, int gen, bool compact_loh)
{
    (void)gen;                                /* every libgc collection is full */
    t->compact_pending = compact_loh;
    bt_clear_stack(64 * 1024);
    GC_gcollect();
    bt_flush(t, HX_REASON_INDUCED);
    t->compact_pending = false;
    return HX_T_OK;
}

static hx_tstatus bt_run_finalizers(hx_target *t, unsigned tid)
{
    t->fin_tid = tid;
    t->fin_calls = 0;
    bt_clear_stack(16 * 1024);
    for (;;) {
        while (GC_should_invoke_finalizers())
            GC_invoke_finalizers();
        if (t->ndeferred == 0)
            break;
        /* the critical finalizers, in the order libgc queued them */
        while (t->ndeferred > 0) {
            void *obj = t->deferred[0];
            memmove(t->deferred, t->deferred + 1, (t->ndeferred - 1) * sizeof *t->deferred);
            t->deferred[--t->ndeferred] = NULL;
            bt_run_pending(t, obj);
        }
    }
    return t->fin_limit != 0 && t->fin_calls > t->fin_limit ? HX_T_LIMIT : HX_T_OK;
}

/* ---- queries -------------------------------------------------------------------- */
static int bt_generation(hx_target *t, hx_addr obj) { (void)t; (void)obj; return 2; }
static bool bt_is_large(hx_target *t, hx_addr obj) { (void)t; (void)obj; return false; }

static uint64_t bt_collection_count(hx_target *t, int gen)
{
    (void)gen;                                /* a full collection counts for every gen */
    return t->gcs;
}

static bool bt_object(hx_target *t, hx_addr addr, hx_tobject *o)
{
    void *obj = bt_ptr(addr);
    memset(o, 0, sizeof *o);
    if (!obj)
        return false;
    o->addr = addr;
    o->type = bt_type_of(obj);
    o->length = bt_length(obj);
    o->gen = 2;
    bt_shape(t, obj, &o->size, &o->nslots, &o->payload_len);
    if (o->nslots > t->scratch_cap) {
        size_t cap = o->nslots * 2;
        hx_addr *n = realloc(t->scratch, cap * sizeof *n);
        if (!n)
            return false;
        t->scratch = n;
        t->scratch_cap = cap;
    }
    void **s = bt_slots(obj);
    for (size_t i = 0; i < o->nslots; i++)
        t->scratch[i] = bt_addr(s[i]);
    o->slots = t->scratch;
    o->payload = o->payload_len ? (uint8_t *)(s + o->nslots) : NULL;
    return true;
}

static void bt_walk(hx_target *t, hx_walk_fn fn, void *ctx)
{
    for (size_t i = 0; i < t->nobjs; i++) {
        GC_hidden_pointer h = t->objs[i / BT_CHUNK][i % BT_CHUNK];
        hx_tobject o;
        if (h && bt_object(t, (hx_addr)h, &o))
            fn(ctx, &o);
    }
}

static uint8_t *bt_payload(hx_target *t, uint32_t local, size_t *len)
{
    hx_tobject o;
    *len = 0;
    if (!bt_object(t, bt_get_local(t, local), &o))
        return NULL;
    *len = o.payload_len;
    return o.payload;
}

static hx_tstatus bt_dump(hx_target *t, hx_view view, FILE *out)
{
    (void)view;
    size_t live = 0;
    for (size_t i = 0; i < t->nobjs; i++)
        live += t->objs[i / BT_CHUNK][i % BT_CHUNK] != 0;
    fprintf(out, "libgc %u.%u.%u: heap %zu bytes, %zu free; %llu collections; "
                 "%zu of %zu objects allocated in this run not yet freed\n",
            GC_VERSION_MAJOR, GC_VERSION_MINOR, GC_VERSION_MICRO, (size_t)GC_get_heap_size(),
            (size_t)GC_get_free_bytes(), (unsigned long long)t->gcs, live, t->nobjs);
    return HX_T_OK;
}

static const hx_target_ops bt_ops = {
    .api_version = HX_TARGET_API_VERSION,
    .caps = HX_CAP_PINNED_COUNT,
    .name = "boehm",
    .create = bt_create,
    .destroy = bt_destroy,
    .register_type = bt_register_type,
    .alloc = bt_alloc,
    .set_local = bt_set_local,
    .get_local = bt_get_local,
    .store = bt_store,
    .load = bt_load,
    .handle_alloc = bt_handle_alloc,
    .handle_free = bt_handle_free,
    .handle_get = bt_handle_get,
    .handle_peek = bt_handle_peek,
    .static_set = bt_static_set,
    .static_get = bt_static_get,
    .static_peek = bt_static_peek,
    .suppress = bt_suppress,
    .reregister = bt_reregister,
    .collect = bt_collect,
    .run_finalizers = bt_run_finalizers,
    .generation = bt_generation,
    .is_large = bt_is_large,
    .collection_count = bt_collection_count,
    .walk = bt_walk,
    .dump = bt_dump,
    .payload = bt_payload,
    .object = bt_object,
};

HX_TARGET_DEFINE_ENTRY(bt_ops)
