/* alloc.c -- allocation: per-thread contexts, fast path, slow path, triggers.
 *
 * .alloc.window   each mutator thread owns an allocation context: a window
 *                 [start, end) carved at the `used` end of an SOH segment,
 *                 zeroed and unpoisoned when carved.  Objects are bumped from
 *                 ptr up to limit; limit <= end - MGC_MIN_OBJ so the unused
 *                 rest of a window is always big enough to become a free
 *                 object when the window is retired (.alloc.retire).
 * .alloc.budget   the gen0 budget is accounted per object, exactly: the sum of
 *                 (limit - start) over live windows is reserved against the
 *                 budget, so a fast-path allocation can never take gen0 past
 *                 it; the slow path decides with the exact count (objects in
 *                 retired windows plus ptr - start of live ones) and, when
 *                 other windows hold the reservation it needs, retires them
 *                 first (.dec.budget-compare, .dec.alloc-size).
 * .alloc.trigger  SEMANTICS 6: a small allocation of s bytes first collects
 *                 if gen0_allocated + s > gen0_budget (generation by
 *                 .dec.promo-acc), a large one if loh_allocated + s >
 *                 loh_budget (gen2).  .dec.oom: on memory exhaustion one full
 *                 collection (reason out_of_memory), one retry, then
 *                 MGC_E_OOM with *out = NULL.
 */
#include "internal.h"
#include <string.h>

bool mgc_alloc_ctx_check(const mgc_alloc_ctx *c)
{
    if (!c || c->sig != MGC_SIG_CTX)
        return false;
    if (!c->seg)
        return c->ptr == NULL && c->limit == NULL;
    return c->start <= c->ptr && c->ptr <= c->limit && c->limit + MGC_MIN_OBJ <= c->end &&
           c->end <= c->seg->used;
}

/* ===================== retiring windows ============================== */

static void ctx_retire(mgc_heap *heap, mgc_alloc_ctx *c)
{
    if (!c->seg)
        return;
    heap->gen0_alloc += (uint64_t)(c->ptr - c->start);
    heap->gen0_reserved -= (uint64_t)(c->limit - c->start);
    size_t rest = (size_t)(c->end - c->ptr);
    if (c->seg->used == c->end) {
        c->seg->used = c->ptr;                    /* give the tail back */
        mgc_os_poison(c->ptr, rest);
    } else {
        mgc_make_free(heap, c->ptr, rest);        /* rest >= MGC_MIN_OBJ */
    }
    c->seg = NULL;
    c->ptr = c->limit = c->start = c->end = NULL;
}

void mgc_alloc_retire_ctx(mgc_heap *heap, unsigned tid)
{
    ctx_retire(heap, &heap->ctx[tid]);
}

void mgc_alloc_retire_all(mgc_heap *heap)
{
    for (unsigned i = 0; i < heap->cfg.threads; i++)
        ctx_retire(heap, &heap->ctx[i]);
}

uint64_t mgc_alloc_gen0_allocated(const mgc_heap *heap)
{
    uint64_t n = heap->gen0_alloc;
    for (unsigned i = 0; i < heap->cfg.threads; i++)
        if (heap->ctx[i].seg)
            n += (uint64_t)(heap->ctx[i].ptr - heap->ctx[i].start);
    return n;
}

/* ===================== refilling a window (slow path) ================= */

/* Budget left for a new window, or SIZE_MAX when gen0 has no budget. */
static uint64_t budget_available(const mgc_heap *heap)
{
    if (heap->budget[0] == 0)
        return UINT64_MAX;
    uint64_t used = heap->gen0_alloc + heap->gen0_reserved;
    return used >= heap->budget[0] ? 0 : heap->budget[0] - used;
}

/* Carve a window able to hold s bytes for context c (retired).  false: no
   memory (OS, hard limit). */
static bool ctx_refill(mgc_heap *heap, mgc_alloc_ctx *c, size_t s)
{
    if (s > MGC_MAX_OBJECT)
        return false;                     /* no segment can hold it */
    uint64_t avail = budget_available(heap);
    if (avail < s) {
        /* other windows hold the reservation this object needs */
        mgc_alloc_retire_all(heap);
        avail = budget_available(heap);
    }
    size_t want = mgc_policy_window_size(heap);
    if (want < s)
        want = s;
    if (avail < want)
        want = avail < s ? s : (size_t)avail;   /* avail < s only when the budget was already
                                                   passed by a collection's own allocation */
    mgc_segment *seg = NULL;
    size_t size = 0;
    for (mgc_segment *g = heap->soh; g; g = g->next) {
        size_t room = (size_t)(g->reserved_end - g->used);
        if (room >= s + MGC_MIN_OBJ) {
            seg = g;
            size = room - MGC_MIN_OBJ < want ? room - MGC_MIN_OBJ : want;
            break;
        }
    }
    if (!seg) {
        seg = mgc_segment_acquire(heap, MGC_SEG_SOH, want + MGC_MIN_OBJ);
        if (!seg)
            return false;
        size = want;
    }
    uint8_t *start = seg->used;
    uint8_t *end = start + size + MGC_MIN_OBJ;
    if (!mgc_segment_commit_to(heap, seg, end))
        return false;
    seg->used = end;
    mgc_os_unpoison(start, (size_t)(end - start));
    memset(start, 0, (size_t)(end - start));
    c->seg = seg;
    c->start = c->ptr = start;
    c->limit = start + size;
    c->end = end;
    heap->gen0_reserved += size;
    return true;
}

/* ===================== the fast path ================================= */

/* .alloc.fast: bump allocation in the thread's window.  Cost on x86-64 at
   -O2: one load of ptr, one load of limit, a subtract, a compare and branch,
   an add and a store of ptr (7 instructions), then the object initialisation
   (a store of the type pointer, and of the length for arrays).  The memory
   is already zeroed and the budget already reserved (.alloc.budget). */
static inline uint8_t *alloc_fast(mgc_alloc_ctx *c, size_t size)
{
    uint8_t *p = c->ptr;
    if ((size_t)(c->limit - p) < size)
        return NULL;
    c->ptr = p + size;
    return p;
}

static void *init_object(uint8_t *block, const mgc_type *type, size_t length)
{
    uint64_t *w = (uint64_t *)block;
    w[1] = (uint64_t)(uintptr_t)type;
    if (type->kind != MGC_KIND_FIXED)
        w[2] = length;
    return block + 8;
}

/* ===================== the slow path ================================= */

static uint8_t *alloc_small_slow(mgc_heap *heap, mgc_alloc_ctx *c, size_t s, bool may_trigger)
{
    ctx_retire(heap, c);
    if (may_trigger && mgc_policy_gen0_exceeded(heap, mgc_alloc_gen0_allocated(heap), s))
        mgc_gc_run(heap, mgc_policy_budget_gen(heap), MGC_REASON_ALLOC_SMALL, 0);
    if (!ctx_refill(heap, c, s))
        return NULL;
    return alloc_fast(c, s);
}

static uint8_t *alloc_large(mgc_heap *heap, size_t s, bool may_trigger)
{
    if (may_trigger && mgc_policy_loh_exceeded(heap, s))
        mgc_gc_run(heap, 2, MGC_REASON_ALLOC_LARGE, 0);
    uint8_t *p = mgc_loh_alloc(heap, s);
    if (p) {
        heap->loh_alloc += s;
        heap->loh_bytes += s;                           /* .stats.sizes */
    }
    return p;
}

/* Everything after a failed fast path, out of line so the fast path of
   mgc_alloc keeps a small frame. */
static __attribute__((noinline)) mgc_status alloc_slow(mgc_heap *heap, mgc_alloc_ctx *c, const mgc_type *type,
                                                       size_t length, size_t s, bool large, mgc_ref *out)
{
    uint8_t *block = NULL;
    mgc_heap_lock(heap);                 /* a safe point (.thr.safepoint) */
    mgc_threads_suspend(heap);           /* other contexts, segments: world stopped */
    for (int attempt = 0; attempt < 2 && !block; attempt++) {
        block = large ? alloc_large(heap, s, attempt == 0) : alloc_small_slow(heap, c, s, attempt == 0);
        if (!block && attempt == 0)
            mgc_gc_run(heap, 2, MGC_REASON_OOM, 0);  /* .dec.oom */
    }
    mgc_threads_resume(heap);
    mgc_heap_unlock(heap);
    if (!block) {
        *out = NULL;
        return MGC_E_OOM;
    }
    void *obj = init_object(block, type, length);
    c->allocated += s;
    if (type->has_finalizer && mgc_finalize_register(heap, obj) != MGC_OK) {
        *out = NULL;
        return MGC_E_OOM;
    }
    *out = obj;
    return MGC_OK;
}

static mgc_status alloc_finalizable(mgc_heap *heap, unsigned tid, const mgc_type *type, size_t length,
                                    mgc_ref *out);

/* Every case of mgc_alloc: checks, arrays, finalizable and large objects,
   the slow path. */
static __attribute__((noinline)) mgc_status alloc_general(mgc_heap *heap, unsigned tid, const mgc_type *type,
                                                          size_t length, mgc_ref *out)
{
    MGC_AVER(mgc_heap_check(heap));
    if (!out)
        return MGC_E_BAD_ARG;
    if (tid >= heap->cfg.threads || !type || type->sig != MGC_SIG_TYPE || type->is_free) {
        MGC_AVER2(type == NULL || mgc_type_check(heap, type));
        *out = NULL;
        return MGC_E_BAD_ARG;
    }
    if (heap->in_gc) {
        *out = NULL;
        return MGC_E_STATE;
    }
    size_t raw, s;
    if (type->kind == MGC_KIND_FIXED) {               /* mgc_type_instance_size, inline */
        raw = type->size;
        s = mgc_align8(raw);
    } else {
        raw = mgc_type_raw_size(type, length);        /* saturating */
        s = raw > SIZE_MAX - 7u ? SIZE_MAX & ~(size_t)7u : mgc_align8(raw);
    }
    if (type->has_finalizer)
        return alloc_finalizable(heap, tid, type, length, out);
    mgc_alloc_ctx *c = &heap->ctx[tid];
    bool large = raw >= heap->cfg.loh_threshold;          /* SEMANTICS 1, unaligned */
    uint8_t *block = large ? NULL : alloc_fast(c, s);
    if (!block)
        return alloc_slow(heap, c, type, length, s, large, out);
    void *obj = init_object(block, type, length);
    c->allocated += s;
    *out = obj;
    return MGC_OK;
}

/* .alloc.fast-entry: the common case -- a valid heap outside a collection,
   a fixed-size type without finalizer that is not large, room in the
   window -- is a leaf function; everything else (argument errors included)
   goes to alloc_general with the same arguments, which decides exactly as
   before.  fast_size is 0 for every type this path must not take. */
mgc_status mgc_alloc(mgc_heap *heap, unsigned tid, const mgc_type *type, size_t length, mgc_ref *out)
{
    if (__builtin_expect(heap != NULL && out != NULL && type != NULL, 1) && heap->sig == MGC_SIG_HEAP &&
        tid < heap->cfg.threads && heap->cfg.threads <= MGC_MAX_THREADS && type->sig == MGC_SIG_TYPE && type->fast_size != 0 &&
        !heap->in_gc && type->size < heap->cfg.loh_threshold) {
        mgc_alloc_ctx *c = &heap->ctx[tid];
        size_t s = type->fast_size;
        uint8_t *block = alloc_fast(c, s);
        if (__builtin_expect(block != NULL, 1)) {
            ((uint64_t *)block)[1] = (uint64_t)(uintptr_t)type;
            c->allocated += s;
            *out = block + 8;
            return MGC_OK;
        }
    }
    return alloc_general(heap, tid, type, length, out);
}

/* .thr.fin-alloc: an object with a finalizer is allocated and registered
   under the heap lock, taken before the allocation, so no safe point lies
   between the two (the new object is not yet rooted anywhere). */
static mgc_status alloc_finalizable(mgc_heap *heap, unsigned tid, const mgc_type *type, size_t length,
                                    mgc_ref *out)
{
    mgc_heap_lock(heap);
    size_t raw = mgc_type_raw_size(type, length);
    size_t s = raw > SIZE_MAX - 7u ? SIZE_MAX & ~(size_t)7u : mgc_align8(raw);
    mgc_alloc_ctx *c = &heap->ctx[tid];
    bool large = raw >= heap->cfg.loh_threshold;
    uint8_t *block = large ? NULL : alloc_fast(c, s);
    mgc_status st;
    if (!block) {
        st = alloc_slow(heap, c, type, length, s, large, out);   /* registers */
    } else {
        void *obj = init_object(block, type, length);
        c->allocated += s;
        st = mgc_finalize_register(heap, obj);
        *out = st == MGC_OK ? obj : NULL;
        if (st != MGC_OK)
            st = MGC_E_OOM;
    }
    mgc_heap_unlock(heap);
    return st;
}

/* ===================== registered locals (roots) ==================== */

mgc_status mgc_thread_set_locals(mgc_heap *heap, unsigned tid, mgc_ref *slots, size_t n)
{
    MGC_AVER(mgc_heap_check(heap));
    if (tid >= heap->cfg.threads || (n > 0 && !slots))
        return MGC_E_BAD_ARG;
    heap->roots[tid].slots = slots;
    heap->roots[tid].n = n;
    return MGC_OK;
}

void mgc_roots_enum_locals(mgc_heap *heap, mgc_local_fn fn, void *ctx)
{
    for (unsigned t = 0; t < heap->cfg.threads; t++)
        for (size_t i = 0; i < heap->roots[t].n; i++)
            fn(heap, t, i, (void **)&heap->roots[t].slots[i], ctx);
    mgc_threads_enum_protected(heap, fn, ctx);          /* .thr.protect */
}

uint64_t mgc_alloc_total(const mgc_heap *heap)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < MGC_MAX_THREADS; i++)
        n += heap->ctx[i].allocated;
    return n;
}
