/* target_faulty.c -- deliberately wrong targets (.tgt.faulty).
 *
 * Each wraps our runtime's target (hx_target_mgc) and breaks exactly one
 * rule, so the executor's tests can show that every check C1-C9 fires with
 * the expected signature.  Never used outside tests and `gcfuzz run
 * --target faulty:<name>`.
 */
#include "target.h"
#include "mgc.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define HX_FAULTY_SIG 0x46415554u   /* 'FAUT' */

static const char *const hx_fault_names[HX_FAULT_KIND_COUNT] = {
    "none", "slot-swap", "payload", "drop-live", "keep-dead", "gen", "loh", "move-pinned",
    "fin-suppressed", "weak-keep", "count-gc", "skip-budget", "no-barrier", "verify",
    "scribble",
    "crash", "hang", "oom", "promoted", "slot-scribble", "slot-misstore",
    "payload-middle",
};

const char *hx_fault_name(hx_fault f)
{
    return f < HX_FAULT_KIND_COUNT ? hx_fault_names[f] : "?";
}

hx_fault hx_fault_from_name(const char *name)
{
    for (int i = 0; i < HX_FAULT_KIND_COUNT; i++)
        if (strcmp(name, hx_fault_names[i]) == 0)
            return (hx_fault)i;
    return HX_FAULT_KIND_COUNT;
}

typedef struct hx_weakmem { uint32_t h; hx_addr a; } hx_weakmem;

typedef struct hx_faulty {
    uint32_t sig;
    hx_fault fault;
    hx_target *in;
    hx_event_fn ev;
    void *ev_ctx;
    uint64_t epoch;             /* move-pinned: addresses change every GC */
    hx_weakmem *weak;           /* weak-keep: last non-null target per handle */
    size_t nweak, weak_cap;
    hx_addr *scratch;
    size_t scratch_cap;
    hx_walk_fn walk_fn;
    void *walk_ctx;
    hx_fin_fn fin_fn;
    void *fin_ctx;
    /* planted bugs (.tgt.planted) */
    bool pinned_made;           /* crash: a pinned handle was made */
    uintptr_t bad_addr;         /* crash: always 0, unknown to the compiler */
    volatile uint64_t spin;     /* hang */
    void **hoard;               /* oom: blocks never freed */
    size_t nhoard, hoard_cap;
    hx_ttype_kind *types;       /* oom: kind of each registered type */
    size_t ntypes, types_cap;
} hx_faulty;

#define IN (hx_target_mgc)
static hx_faulty *FZ(hx_target *t)
{
    hx_faulty *f = (hx_faulty *)t;
    HX_AVER(f && f->sig == HX_FAULTY_SIG);
    return f;
}

/* move-pinned: every address handed out changes with every collection */
static hx_addr fz_out(const hx_faulty *f, hx_addr a)
{
    return a && f->fault == HX_FAULT_MOVE_PINNED ? a ^ ((hx_addr)(f->epoch & 0xff) << 48) : a;
}
static hx_addr fz_in(const hx_faulty *f, hx_addr a) { return fz_out(f, a); }

static void fz_event(void *ctx, const hx_event *ev)
{
    hx_faulty *f = ctx;
    hx_event e = *ev;
    if (ev->kind == HX_EV_GC_END)
        f->epoch++;
    if (ev->kind == HX_EV_GC_END && f->fault == HX_FAULT_PROMOTED)
        e.promoted[0] += 8;
    e.obj = fz_out(f, ev->obj);
    if (f->ev)
        f->ev(f->ev_ctx, &e);
}

static hx_target *fz_create(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx,
                            hx_fault fault)
{
    hx_faulty *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->sig = HX_FAULTY_SIG;
    f->fault = fault;
    f->ev = ev;
    f->ev_ctx = ev_ctx;
    hx_target_config c = *cfg;
    if (fault == HX_FAULT_SKIP_BUDGET)
        c.gen0_budget = 0;           /* never triggers (.dec.budget-zero) */
    f->in = IN.create(&c, fz_event, f);
    if (!f->in) {
        free(f);
        return NULL;
    }
    return (hx_target *)f;
}

static void fz_destroy(hx_target *t)
{
    hx_faulty *f = FZ(t);
    IN.destroy(f->in);
    for (size_t i = 0; i < f->nhoard; i++)
        free(f->hoard[i]);
    free(f->hoard);
    free(f->types);
    free(f->weak);
    free(f->scratch);
    f->sig = 0;
    free(f);
}

static hx_tstatus fz_register_type(hx_target *t, const hx_target_type *ty)
{
    hx_faulty *f = FZ(t);
    hx_tstatus st = IN.register_type(f->in, ty);
    if (st == HX_T_OK && f->fault == HX_FAULT_OOM) {
        if (!HX_PUSH(f->types, f->ntypes, f->types_cap, ty->kind))
            return HX_T_ERROR;
    }
    return st;
}

/* .tgt.planted: the three planted bugs, each in its own function so that
   a crash signature names it. */
__attribute__((noinline)) static void fz_planted_crash(hx_faulty *f)
{
    *(volatile uint64_t *)f->bad_addr = f->epoch;     /* bad_addr is 0 */
}

__attribute__((noinline)) static void fz_planted_hang(hx_faulty *f)
{
    for (;;)
        f->spin++;
}

__attribute__((noinline)) static void fz_planted_oom(hx_faulty *f)
{
    for (;;) {
        if (!HX_RESERVE(f->hoard, f->hoard_cap, f->nhoard + 1, 64))
            abort();
        void *b = malloc((size_t)1 << 20);
        if (!b)
            abort();
        memset(b, 0x5a, (size_t)1 << 20);
        f->hoard[f->nhoard++] = b;
    }
}

static hx_tstatus fz_alloc(hx_target *t, unsigned tid, uint32_t type, uint64_t length, uint32_t dst)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_OOM && length >= 100 && f->types && type < f->ntypes &&
        f->types[type] == HX_TT_REFS)
        fz_planted_oom(f);
    return IN.alloc(f->in, tid, type, length, dst);
}

static void fz_set_local(hx_target *t, uint32_t dst, uint32_t src)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_KEEP_DEAD && src == HX_NO_LOCAL) {
        /* a hidden strong handle keeps what the local held alive */
        mgc_ref old = hx_target_mgc_locals(f->in)[dst];
        mgc_handle h;
        if (old)
            mgc_handle_alloc(hx_target_mgc_heap(f->in), MGC_HANDLE_STRONG, old, &h);
    }
    IN.set_local(f->in, dst, src);
}

static hx_addr fz_get_local(hx_target *t, uint32_t local)
{
    hx_faulty *f = FZ(t);
    return fz_out(f, IN.get_local(f->in, local));
}

/* scribble: the first object of the walk with a stamped payload that is
   neither of two given objects */
typedef struct fz_other { hx_addr a, b; uint8_t *p; size_t len; } fz_other;
static void fz_other_payload(void *ctx, const hx_tobject *o)
{
    fz_other *fo = ctx;
    if (!fo->p && o->payload_len >= 8 && o->addr != fo->a && o->addr != fo->b) {
        fo->p = o->payload;
        fo->len = o->payload_len;
    }
}

static void fz_store(hx_target *t, uint32_t obj, uint64_t slot, uint32_t src)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_SCRIBBLE) {
        IN.store(f->in, obj, slot, src);
        fz_other fo = {IN.get_local(f->in, obj),
                       src == HX_NO_LOCAL ? 0 : IN.get_local(f->in, src), NULL, 0};
        IN.walk(f->in, fz_other_payload, &fo);
        if (fo.p)
            fo.p[fo.len - 1] ^= 0x5a;
        return;
    }
    if (f->fault == HX_FAULT_SLOT_SCRIBBLE || f->fault == HX_FAULT_SLOT_MISSTORE) {
        /* the next slot (cyclically), through the runtime's own store with
           its write barrier: the heap stays consistent, only the slots
           disagree with the model */
        mgc_ref o = hx_target_mgc_locals(f->in)[obj];
        size_t n = o ? mgc_ref_count(o) : 0;
        if (n >= 2 && slot < n) {
            uint64_t next = (slot + 1) % n;
            if (f->fault == HX_FAULT_SLOT_SCRIBBLE)
                IN.store(f->in, obj, slot, src);
            IN.store(f->in, obj, next, src);
            return;
        }
    }
    if (f->fault == HX_FAULT_NO_BARRIER) {
        mgc_ref *locals = (mgc_ref *)hx_target_mgc_locals(f->in);
        mgc_ref o = locals[obj];
        mgc_ref v = src == HX_NO_LOCAL ? NULL : locals[src];
        size_t base = mgc_array_length(o) > 0 ? 2 : 1;   /* after type (and length) */
        ((mgc_ref *)o)[base + slot] = v;                 /* no write barrier */
        return;
    }
    IN.store(f->in, obj, slot, src);
}

static void fz_load(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_SLOT_SWAP) {
        mgc_ref o = hx_target_mgc_locals(f->in)[obj];
        if (mgc_ref_count(o) >= 2)
            slot ^= 1;
    }
    IN.load(f->in, dst, obj, slot);
}

static hx_tstatus fz_handle_alloc(hx_target *t, int kind, uint32_t src, uint32_t *out)
{
    hx_faulty *f = FZ(t);
    if (kind == 1 /* pinned */)
        f->pinned_made = true;
    return IN.handle_alloc(f->in, kind, src, out);
}
static hx_tstatus fz_handle_free(hx_target *t, uint32_t h) { return IN.handle_free(FZ(t)->in, h); }
static hx_tstatus fz_handle_get(hx_target *t, uint32_t h, uint32_t dst)
{
    return IN.handle_get(FZ(t)->in, h, dst);
}

static hx_addr fz_handle_peek(hx_target *t, uint32_t h)
{
    hx_faulty *f = FZ(t);
    hx_addr a = IN.handle_peek(f->in, h);
    if (f->fault == HX_FAULT_WEAK_KEEP) {
        for (size_t i = 0; i < f->nweak; i++)
            if (f->weak[i].h == h) {
                if (a)
                    f->weak[i].a = a;
                return f->weak[i].a;   /* loses the clear */
            }
        if (a && f->nweak < 4096) {
            if (!HX_PUSH(f->weak, f->nweak, f->weak_cap, ((hx_weakmem){h, a})))
                return a;
        }
    }
    return fz_out(f, a);
}

static void fz_static_set(hx_target *t, uint32_t idx, uint32_t src) { IN.static_set(FZ(t)->in, idx, src); }
static void fz_static_get(hx_target *t, uint32_t idx, uint32_t dst) { IN.static_get(FZ(t)->in, idx, dst); }
static hx_addr fz_static_peek(hx_target *t, uint32_t idx)
{
    hx_faulty *f = FZ(t);
    return fz_out(f, IN.static_peek(f->in, idx));
}

static void fz_statics_peek(hx_target *t, hx_addr *out, uint32_t n)
{
    hx_faulty *f = FZ(t);
    IN.statics_peek(f->in, out, n);
    for (uint32_t i = 0; i < n; i++)
        out[i] = fz_out(f, out[i]);
}

static void fz_suppress(hx_target *t, uint32_t obj)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_FIN_SUPPRESSED)
        return;   /* the bit is never set: the object will be finalized */
    IN.suppress(f->in, obj);
}

static void fz_reregister(hx_target *t, uint32_t obj) { IN.reregister(FZ(t)->in, obj); }

typedef struct fz_first { uint8_t *p; size_t len; } fz_first;
static void fz_first_payload(void *ctx, const hx_tobject *o)
{
    fz_first *ff = ctx;
    if (!ff->p && o->payload_len >= 8) {
        ff->p = o->payload;
        ff->len = o->payload_len;
    }
}

/* the first payload of at least ff->len bytes (ff->len: its length then) */
static void fz_big_payload(void *ctx, const hx_tobject *o)
{
    fz_first *ff = ctx;
    if (!ff->p && o->payload_len >= ff->len) {
        ff->p = o->payload;
        ff->len = o->payload_len;
    }
}

static hx_tstatus fz_collect(hx_target *t, int gen, bool compact_loh)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_CRASH && gen == 2 && f->pinned_made)
        fz_planted_crash(f);
    if (f->fault == HX_FAULT_DROP_LIVE) {
        /* the collector "forgets" the last non-null local */
        mgc_ref *locals = (mgc_ref *)hx_target_mgc_locals(f->in);
        for (size_t i = 64; i-- > 0;)
            if (locals && i < 64 && IN.get_local(f->in, (uint32_t)i)) {
                locals[i] = NULL;
                break;
            }
    }
    hx_tstatus st = IN.collect(f->in, gen, compact_loh);
    if (f->fault == HX_FAULT_PAYLOAD) {
        fz_first ff = {NULL, 0};
        IN.walk(f->in, fz_first_payload, &ff);
        if (ff.p)
            ff.p[ff.len - 1] ^= 0x5a;
    }
    if (f->fault == HX_FAULT_PAYLOAD_MIDDLE) {
        fz_first ff = {NULL, 8192};
        IN.walk(f->in, fz_big_payload, &ff);
        if (ff.p)
            ff.p[ff.len / 2] ^= 0x5a;
    }
    return st;
}

static hx_tstatus fz_run_finalizers(hx_target *t, unsigned tid)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_HANG && IN.collection_count(f->in, 1) > 0)
        fz_planted_hang(f);
    return IN.run_finalizers(f->in, tid);
}

static int fz_generation(hx_target *t, hx_addr obj)
{
    hx_faulty *f = FZ(t);
    int g = IN.generation(f->in, fz_in(f, obj));
    return f->fault == HX_FAULT_GEN && g == 1 ? 2 : g;
}

static bool fz_is_large(hx_target *t, hx_addr obj)
{
    hx_faulty *f = FZ(t);
    return f->fault == HX_FAULT_LOH ? false : IN.is_large(f->in, fz_in(f, obj));
}

static uint64_t fz_collection_count(hx_target *t, int gen)
{
    hx_faulty *f = FZ(t);
    uint64_t n = IN.collection_count(f->in, gen);
    if (f->fault == HX_FAULT_COUNT_GC && gen == 1 && IN.collection_count(f->in, 0) > 0)
        n++;
    return n;
}

/* What the faulty target reports for one object (walk, object and
   object_part agree); o->slots holds n slots. */
static bool fz_describe(hx_faulty *f, const hx_tobject *o, size_t n, hx_tobject *c)
{
    *c = *o;
    c->addr = fz_out(f, o->addr);
    if (f->fault == HX_FAULT_MOVE_PINNED && n) {
        if (!HX_RESERVE(f->scratch, f->scratch_cap, n, 16))
            return false;
        for (size_t i = 0; i < n; i++)
            f->scratch[i] = fz_out(f, o->slots[i]);
        c->slots = f->scratch;
    }
    if (f->fault == HX_FAULT_GEN && c->gen == 1)
        c->gen = 2;
    if (f->fault == HX_FAULT_LOH)
        c->large = false;
    return true;
}

static void fz_walk_one(void *ctx, const hx_tobject *o)
{
    hx_faulty *f = ctx;
    hx_tobject c;
    if (fz_describe(f, o, o->nslots, &c))
        f->walk_fn(f->walk_ctx, &c);
}

static bool fz_object(hx_target *t, hx_addr addr, hx_tobject *out)
{
    hx_faulty *f = FZ(t);
    hx_tobject o;
    if (!IN.object(f->in, fz_in(f, addr), &o))
        return false;
    return fz_describe(f, &o, o.nslots, out);
}

static bool fz_object_part(hx_target *t, hx_addr addr, uint64_t first, uint32_t n,
                           hx_tobject *out)
{
    hx_faulty *f = FZ(t);
    hx_tobject o;
    if (!IN.object_part(f->in, fz_in(f, addr), first, n, &o))
        return false;
    return fz_describe(f, &o, n, out);
}

static void fz_fin_counts(hx_target *t, uint64_t *registered, uint64_t *freachable)
{
    IN.fin_counts(FZ(t)->in, registered, freachable);
}

static void fz_walk(hx_target *t, hx_walk_fn fn, void *ctx)
{
    hx_faulty *f = FZ(t);
    f->walk_fn = fn;
    f->walk_ctx = ctx;
    IN.walk(f->in, fz_walk_one, f);
}

static void fz_fin_one(void *ctx, hx_addr obj, bool fr, bool crit)
{
    hx_faulty *f = ctx;
    f->fin_fn(f->fin_ctx, fz_out(f, obj), fr, crit);
}

static void fz_fin_walk(hx_target *t, hx_fin_fn fn, void *ctx)
{
    hx_faulty *f = FZ(t);
    f->fin_fn = fn;
    f->fin_ctx = ctx;
    IN.fin_walk(f->in, fz_fin_one, f);
}

static int fz_fin_bit(hx_target *t, hx_addr obj)
{
    hx_faulty *f = FZ(t);
    return IN.fin_bit(f->in, fz_in(f, obj));
}

static hx_tstatus fz_verify(hx_target *t, char *err, size_t errlen)
{
    hx_faulty *f = FZ(t);
    if (f->fault == HX_FAULT_VERIFY) {
        snprintf(err, errlen, "injected defect (faulty target)");
        return HX_T_ERROR;
    }
    return IN.verify(f->in, err, errlen);
}

static hx_tstatus fz_dump(hx_target *t, hx_view view, FILE *out)
{
    return IN.dump(FZ(t)->in, view, out);
}

#define FZ_OPS(F, NAME)                                                                    \
    static hx_target *fz_create_##F(const hx_target_config *c, hx_event_fn e, void *x)     \
    {                                                                                      \
        return fz_create(c, e, x, F);                                                      \
    }
FZ_OPS(HX_FAULT_NONE, none)
FZ_OPS(HX_FAULT_SLOT_SWAP, slot_swap)
FZ_OPS(HX_FAULT_PAYLOAD, payload)
FZ_OPS(HX_FAULT_DROP_LIVE, drop_live)
FZ_OPS(HX_FAULT_KEEP_DEAD, keep_dead)
FZ_OPS(HX_FAULT_GEN, gen)
FZ_OPS(HX_FAULT_LOH, loh)
FZ_OPS(HX_FAULT_MOVE_PINNED, move_pinned)
FZ_OPS(HX_FAULT_FIN_SUPPRESSED, fin_suppressed)
FZ_OPS(HX_FAULT_WEAK_KEEP, weak_keep)
FZ_OPS(HX_FAULT_COUNT_GC, count_gc)
FZ_OPS(HX_FAULT_SKIP_BUDGET, skip_budget)
FZ_OPS(HX_FAULT_NO_BARRIER, no_barrier)
FZ_OPS(HX_FAULT_VERIFY, verify)
FZ_OPS(HX_FAULT_SCRIBBLE, scribble)
FZ_OPS(HX_FAULT_CRASH, crash)
FZ_OPS(HX_FAULT_HANG, hang)
FZ_OPS(HX_FAULT_OOM, oom)
FZ_OPS(HX_FAULT_PROMOTED, promoted)
FZ_OPS(HX_FAULT_SLOT_SCRIBBLE, slot_scribble)
FZ_OPS(HX_FAULT_SLOT_MISSTORE, slot_misstore)
FZ_OPS(HX_FAULT_PAYLOAD_MIDDLE, payload_middle)

/* A fault that changes what survives changes the promoted-memory counters
   with it; without HX_CAP_PROMOTED those show the check they plant. */
#define FZ_CAPS(F)                                                                         \
    ((F) == HX_FAULT_DROP_LIVE || (F) == HX_FAULT_KEEP_DEAD ? HX_CAPS_ALL & ~HX_CAP_PROMOTED \
                                                            : HX_CAPS_ALL)

#define FZ_TABLE(F)                                                                        \
    {                                                                                      \
        .api_version = HX_TARGET_API_VERSION, .caps = FZ_CAPS(F),                          \
        .name = "faulty", .create = fz_create_##F, .destroy = fz_destroy,                  \
        .register_type = fz_register_type, .alloc = fz_alloc, .set_local = fz_set_local,   \
        .get_local = fz_get_local, .store = fz_store, .load = fz_load,                     \
        .handle_alloc = fz_handle_alloc, .handle_free = fz_handle_free,                    \
        .handle_get = fz_handle_get, .handle_peek = fz_handle_peek,                        \
        .static_set = fz_static_set, .static_get = fz_static_get,                          \
        .static_peek = fz_static_peek, .statics_peek = fz_statics_peek,                    \
        .suppress = fz_suppress,                                                           \
        .reregister = fz_reregister, .collect = fz_collect,                                \
        .run_finalizers = fz_run_finalizers, .generation = fz_generation,                  \
        .is_large = fz_is_large, .collection_count = fz_collection_count,                  \
        .walk = fz_walk, .fin_walk = fz_fin_walk, .fin_bit = fz_fin_bit,                   \
        .verify = fz_verify, .dump = fz_dump, .object = fz_object,                         \
        .object_part = fz_object_part, .fin_counts = fz_fin_counts                         \
    }

static const hx_target_ops hx_faulty_ops[HX_FAULT_KIND_COUNT] = {
    FZ_TABLE(HX_FAULT_NONE),        FZ_TABLE(HX_FAULT_SLOT_SWAP),
    FZ_TABLE(HX_FAULT_PAYLOAD),     FZ_TABLE(HX_FAULT_DROP_LIVE),
    FZ_TABLE(HX_FAULT_KEEP_DEAD),   FZ_TABLE(HX_FAULT_GEN),
    FZ_TABLE(HX_FAULT_LOH),         FZ_TABLE(HX_FAULT_MOVE_PINNED),
    FZ_TABLE(HX_FAULT_FIN_SUPPRESSED), FZ_TABLE(HX_FAULT_WEAK_KEEP),
    FZ_TABLE(HX_FAULT_COUNT_GC),    FZ_TABLE(HX_FAULT_SKIP_BUDGET),
    FZ_TABLE(HX_FAULT_NO_BARRIER),  FZ_TABLE(HX_FAULT_VERIFY),
    FZ_TABLE(HX_FAULT_SCRIBBLE),
    FZ_TABLE(HX_FAULT_CRASH),       FZ_TABLE(HX_FAULT_HANG),
    FZ_TABLE(HX_FAULT_OOM),         FZ_TABLE(HX_FAULT_PROMOTED),
    FZ_TABLE(HX_FAULT_SLOT_SCRIBBLE), FZ_TABLE(HX_FAULT_SLOT_MISSTORE),
    FZ_TABLE(HX_FAULT_PAYLOAD_MIDDLE),
};

__attribute__((noinline)) static void fz_planted_parse_crash(volatile uintptr_t *bad)
{
    *(volatile uint64_t *)*bad = 1;                   /* *bad is 0 */
}

static bool fz_text_has(const char *text, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, word, n) == 0)
            return true;
    return false;
}

void hx_faulty_text_probe(const hx_target_ops *target, const char *text, size_t len)
{
    static volatile uintptr_t bad_addr = 0;
    if (target == &hx_faulty_ops[HX_FAULT_CRASH] && fz_text_has(text, len, "handle pinned") &&
        fz_text_has(text, len, "collect 2")) {
        fz_planted_parse_crash(&bad_addr);
        __asm__ volatile("" ::: "memory");            /* no tail call: this frame is named */
    }
}

const hx_target_ops *hx_target_faulty(hx_fault f)
{
    if (f >= HX_FAULT_KIND_COUNT)
        return NULL;
    return f == HX_FAULT_NONE ? &hx_target_mgc : &hx_faulty_ops[f];
}
