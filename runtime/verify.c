/* verify.c -- full heap verification (C9).
 *
 * Sections:
 *   .verify.segments  every segment is walked block by block from its base to
 *                     `used`: valid type pointers (in the high-frequency loader
 *                     heap, signature set), sizes inside the segment, no GC
 *                     bits left in headers, generation boundaries on block
 *                     starts, allocation windows consistent.
 *   .verify.refs      every reference slot of every object is NULL or the
 *                     start of a (non-free) object of this heap, and an
 *                     old-to-young reference has its card set
 *                     (.cards.invariant).
 *   .verify.loh       each LOH free list is sorted, inside the segment,
 *                     non-overlapping, coalesced, and matches the free
 *                     objects of the walk exactly (.loh.free-sorted).
 *   .verify.sizes     the generation-size counters equal the sizes a walk
 *                     finds (.stats.sizes), summed during .verify.segments
 *                     (the objects and generations mgc_walk reports).
 *   .verify.fin       the handle table and the finalization queues (FIN).
 *
 * Speed on large heaps: .verify.segments checks a type pointer in full once
 * per call (a type cache); the checks of .verify.refs run during that walk,
 * each object read once (the separate reference pass runs only after a
 * failure, for its message), and a reference into the segment of the
 * previous one skips the index search.
 */
#include "internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vstate {
    mgc_heap *heap;
    char *err;
    size_t errlen;
    bool failed;
    uint8_t **starts;     /* per index entry: bitmap of block starts */
    size_t ndemoted;      /* objects with demotion bits (.verify.demoted) */
    /* .verify.segments: type pointers that passed mgc_type_check, by
       address bits; a hit skips the check (same pointer, same result) */
    const mgc_type *tcache[8];
    uint64_t gen_size[3], loh_size;   /* .verify.sizes: what the walk finds */
    /* .verify.refs during .verify.segments */
    uint8_t *done;        /* per index entry: its segment walked */
    size_t ndefer;        /* forward references in heap->verify_defer */
    bool refs_full;       /* a reference failed (or the list ran full):
                             the separate reference pass decides */
    /* .verify.refs: the last referenced segment (index position, range,
       used end, bitmap, walked); a reference inside its range needs no
       index search.  Forgotten when a segment's walk ends. */
    size_t last;
    const mgc_segment *last_seg;
    const uint8_t *last_lo, *last_hi, *last_used;
    const uint8_t *last_bm;
    bool last_done;
} vstate;

static void fail(vstate *v, const char *fmt, ...)
{
    if (v->failed)
        return;
    v->failed = true;
    if (v->err && v->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err, v->errlen, fmt, ap);
        va_end(ap);
    }
}

static size_t index_pos(const mgc_heap *heap, const mgc_segment *seg)
{
    for (size_t i = 0; i < heap->nindex; i++)
        if (heap->index[i] == seg)
            return i;
    return SIZE_MAX;
}

static inline void bit_set(uint8_t *bm, size_t k) { bm[k / 8] |= (uint8_t)(1u << (k % 8)); }
static inline bool bit_get(const uint8_t *bm, size_t k) { return (bm[k / 8] >> (k % 8)) & 1u; }

/* The index position of the segment whose range holds the reference r,
   SIZE_MAX for none or a misaligned r (the last segment found first). */
static size_t ref_pos_slow(vstate *v, const void *r)
{
    if ((uintptr_t)r & 7u)
        return SIZE_MAX;
    size_t pos = mgc_segment_index_of(v->heap, r);
    if (pos != SIZE_MAX) {
        const mgc_segment *s = v->heap->index[pos];
        v->last = pos;
        v->last_seg = s;
        v->last_lo = s->base;
        v->last_hi = s->reserved_end;
        v->last_used = s->used;
        v->last_bm = v->starts[pos];
        v->last_done = v->done[pos];
    }
    return pos;
}

static inline size_t ref_pos(vstate *v, const void *r)
{
    if ((const uint8_t *)r >= v->last_lo && (const uint8_t *)r < v->last_hi && !((uintptr_t)r & 7u))
        return v->last;
    return ref_pos_slow(v, r);
}

/* ============ .verify.refs during .verify.segments ==================== */
/* The checks of .verify.refs run during .verify.segments, each reference
   once its target's block-start bit is final: the target lies in a segment
   walked already or before the current block of this one.  The other
   references are listed (slot | source generation) and checked after the
   walk.  Any failure only sets refs_full: the separate
   pass of .verify.refs then runs over the whole heap, so the failure and
   its message are the ones it reports, after every .verify.segments
   failure as before. */
#define VERIFY_DEFER_MAX ((size_t)1 << 20)   /* list entries before the separate pass */

static bool defer_push(vstate *v, void **slot, int g)
{
    mgc_heap *heap = v->heap;
    if (v->ndefer == heap->verify_defer_cap) {
        size_t cap = heap->verify_defer_cap ? heap->verify_defer_cap * 2 : 1024u;
        if (cap > VERIFY_DEFER_MAX)
            return false;
        uintptr_t *n = realloc(heap->verify_defer, cap * sizeof *n);
        if (!n)
            return false;
        heap->verify_defer = n;
        heap->verify_defer_cap = cap;
    }
    heap->verify_defer[v->ndefer++] = (uintptr_t)slot | (uintptr_t)g;
    return true;
}

/* A reference slot of an object of seg whose block starts at p (gen g):
   true when it is NULL or refers to an object of this heap with the card
   .cards.invariant asks for; with now, a target whose bit is not final yet
   is listed instead (false if the list is full). */
static inline __attribute__((always_inline)) bool ref_ok(vstate *v, const mgc_segment *seg,
                                                         const uint8_t *p, int g, void **slot, bool now)
{
    void *r = *slot;
    if (!r)
        return true;
    if (ref_pos(v, r) == SIZE_MAX)
        return false;
    const mgc_segment *rs = v->last_seg;       /* heap->index[pos] */
    const uint8_t *rb = (const uint8_t *)r - 8;
    if (rb < v->last_lo || rb >= v->last_used)
        return false;
    if (now && !v->last_done && !(rs == seg && rb <= p))
        return defer_push(v, slot, g);
    if (!bit_get(v->last_bm, (size_t)(rb - v->last_lo) / 8u))
        return false;
    int rg = mgc_obj_gen_in(rs, r);
    return rg >= g || mgc_cards_is_set(seg, slot, rg);
}

static inline void obj_refs(vstate *v, const mgc_segment *seg, const uint8_t *p, void *obj)
{
    size_t n = mgc_obj_nslots(obj);
    if (n == 0)
        return;
    void **slots = mgc_obj_slots(obj);
    int g = mgc_segment_gen_at(seg, p);
    for (size_t i = 0; i < n; i++)
        if (!ref_ok(v, seg, p, g, &slots[i], true)) {
            v->refs_full = true;
            return;
        }
}

/* The listed references, all bits final. */
static void deferred_refs(vstate *v)
{
    const uintptr_t *d = v->heap->verify_defer;
    const mgc_segment *seg = NULL;                /* the slot's */
    for (size_t k = 0; k < v->ndefer && !v->refs_full; k++) {
        void **slot = (void **)(d[k] & ~(uintptr_t)7u);
        int g = (int)(d[k] & 7u);
        if (!seg || (uint8_t *)slot < seg->base || (uint8_t *)slot >= seg->used)
            seg = mgc_segment_of(v->heap, slot);
        if (!ref_ok(v, seg, (const uint8_t *)slot, g, slot, false))
            v->refs_full = true;
    }
}

/* ===================== .verify.segments ============================== */

static void verify_segment(vstate *v, mgc_segment *seg, size_t pos)
{
    uint8_t *bm = v->starts[pos];
    uint64_t gs0 = 0, gs1 = 0, gs2 = 0, gsl = 0;   /* .verify.sizes, this segment */
    mgc_heap *heap = v->heap;
    if (!mgc_segment_check(seg)) {
        fail(v, "segment #%llu: bad signature or bounds", (unsigned long long)seg->seq);
        return;
    }
    bool saw_gen1 = seg->gen1_start == seg->base, saw_gen0 = seg->gen0_start == seg->base;
    size_t nfree_seen = 0;
    bool prev_free = false;
    uint8_t *p = seg->base;
    while (p < seg->used && !v->failed) {
        if (p == seg->gen1_start) saw_gen1 = true;
        if (p == seg->gen0_start) saw_gen0 = true;
        void *obj;
        uint8_t *e;
        const mgc_type *tp = *(const mgc_type **)(p + 8);
        const mgc_type **slot = &v->tcache[((uintptr_t)tp >> 3) % 8u];
        if (tp && *slot == tp) {
            /* mgc_segment_block_end_checked with the type known good */
            obj = p + 8;
            size_t size = mgc_obj_size(obj);
            e = size >= MGC_MIN_OBJ && size <= (size_t)(seg->used - p) ? p + size : NULL;
        } else {
            e = mgc_segment_block_end_checked(heap, seg, p, &obj);
            if (e && obj)
                *slot = tp;
        }
        if (!e) {
            fail(v, "segment #%llu offset %zu: invalid type pointer or size",
                 (unsigned long long)seg->seq, (size_t)(p - seg->base));
            return;
        }
        if (!obj) {                       /* window gap */
            prev_free = false;
            p = e;
            continue;
        }
        const mgc_type *t = mgc_obj_type(obj);
        if (*mgc_obj_header(obj) & MGC_HDR_GCBITS) {
            fail(v, "object %p: collector bits left in its header", obj);
            return;
        }
        /* .verify.demoted: a demoted object is a small object younger than
           the range it lies in */
        uint64_t dh = *mgc_obj_header(obj) & MGC_HDR_DEMOTE_BITS;
        if (dh) {
            if (!(dh & MGC_HDR_DEMOTED) || seg->kind == MGC_SEG_LOH || t->is_free ||
                mgc_obj_gen_in(seg, obj) >= mgc_segment_gen_at(seg, p)) {
                fail(v, "object %p: demotion bits %#llx in a gen%d range", obj,
                     (unsigned long long)dh, mgc_segment_gen_at(seg, p));
                return;
            }
            v->ndemoted++;
        }
        if (t->is_free) {
            if (seg->kind == MGC_SEG_LOH) {
                if (prev_free)
                    fail(v, "LOH free object %p not coalesced with its predecessor", obj);
                else if (nfree_seen >= seg->nfree || seg->free[nfree_seen].start != p ||
                         seg->free[nfree_seen].size != (size_t)(e - p))
                    fail(v, "LOH free object %p (%zu bytes) not in the free list", obj, (size_t)(e - p));
                nfree_seen++;
            }
            prev_free = true;
        } else {
            prev_free = false;
            bit_set(bm, (size_t)(p - seg->base) / 8u);
            size_t raw = t->kind == MGC_KIND_FIXED ? t->size : mgc_type_raw_size(t, mgc_obj_length(obj));
            if (seg->kind == MGC_SEG_SOH && (size_t)(e - p) > 0 && raw >= heap->cfg.loh_threshold)
                fail(v, "object %p is large but lives in a small-object segment", obj);
            if (seg->kind == MGC_SEG_LOH && raw < heap->cfg.loh_threshold)
                fail(v, "object %p is small but lives in the LOH", obj);
            switch (mgc_obj_gen_in(seg, obj) + (seg->kind == MGC_SEG_LOH)) {
            case 0: gs0 += (size_t)(e - p); break;
            case 1: gs1 += (size_t)(e - p); break;
            case 2: gs2 += (size_t)(e - p); break;
            default: gsl += (size_t)(e - p); break;
            }
            if (!v->refs_full)
                obj_refs(v, seg, p, obj);
        }
        p = e;
    }
    v->gen_size[0] += gs0;
    v->gen_size[1] += gs1;
    v->gen_size[2] += gs2;
    v->loh_size += gsl;
    v->done[pos] = 1;
    v->last_lo = v->last_hi = NULL;          /* last_done may have changed */
    if (v->failed)
        return;
    if (p != seg->used)
        fail(v, "segment #%llu: walk overruns used", (unsigned long long)seg->seq);
    if (seg->kind == MGC_SEG_SOH) {
        if (p == seg->gen1_start) saw_gen1 = true;
        if (p == seg->gen0_start) saw_gen0 = true;
        if (!saw_gen1 || !saw_gen0)
            fail(v, "segment #%llu: a generation boundary is not on an object start",
                 (unsigned long long)seg->seq);
    } else {
        /* .verify.loh */
        if (nfree_seen != seg->nfree)
            fail(v, "LOH segment #%llu: free list has %zu blocks, walk found %zu",
                 (unsigned long long)seg->seq, seg->nfree, nfree_seen);
        for (size_t i = 0; i < seg->nfree; i++) {
            const mgc_loh_free *f = &seg->free[i];
            if (f->start < seg->base || f->start + f->size > seg->used || f->size < MGC_MIN_OBJ)
                fail(v, "LOH free block %zu outside its segment", i);
            if (i > 0 && seg->free[i - 1].start + seg->free[i - 1].size >= f->start)
                fail(v, "LOH free blocks %zu and %zu unsorted, overlapping or not coalesced", i - 1, i);
        }
    }
}

/* ===================== .verify.refs ================================== */

static void verify_refs(vstate *v, mgc_segment *seg)
{
    mgc_heap *heap = v->heap;
    uint8_t *p = seg->base;
    while (p < seg->used && !v->failed) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        if (obj && !mgc_obj_type(obj)->is_free) {
            int g = mgc_segment_gen_at(seg, p);
            void **slots = mgc_obj_slots(obj);
            size_t n = mgc_obj_nslots(obj);
            for (size_t i = 0; i < n; i++) {
                void *r = slots[i];
                if (!r)
                    continue;
                size_t pos = ref_pos(v, r);
                mgc_segment *rs = pos == SIZE_MAX ? NULL : heap->index[pos];
                uint8_t *rb = (uint8_t *)r - 8;
                if (!rs || pos == SIZE_MAX || rb < rs->base || rb >= rs->used ||
                    !bit_get(v->starts[pos], (size_t)(rb - rs->base) / 8u)) {
                    fail(v, "object %p slot %zu: %p is not an object of this heap", obj, i, r);
                    return;
                }
                if (mgc_obj_gen_in(rs, r) < g && !mgc_cards_is_set(seg, &slots[i], mgc_obj_gen_in(rs, r))) {
                    fail(v, "object %p (gen %d) slot %zu refers to gen %d object %p without a card",
                         obj, g, i, mgc_obj_gen_in(rs, r), r);
                    return;
                }
            }
        }
        p = e;
    }
}

/* ===================== .verify.sizes ================================= */

/* The generation-size counters (.stats.sizes) against the sizes the
   segment pass found (every non-free object, by its generation as
   mgc_walk reports it: the walk's generation ranges are the segment's
   blocks from base to used, their boundaries on object starts, which
   verify_segment checked). */
static void verify_sizes(vstate *v)
{
    mgc_stats st;
    mgc_get_stats(v->heap, &st);
    for (int g = 0; g < 3; g++)
        if (v->gen_size[g] != st.gen_size[g])
            fail(v, "gen%d size counter %llu, walk finds %llu", g,
                 (unsigned long long)st.gen_size[g], (unsigned long long)v->gen_size[g]);
    if (v->loh_size != st.loh_size)
        fail(v, "LOH size counter %llu, walk finds %llu", (unsigned long long)st.loh_size,
             (unsigned long long)v->loh_size);
}

/* ===================== the entry point =============================== */

static mgc_status verify(mgc_heap *heap, char *err, size_t errlen);

/* With threads attached the world stops for the walk (docs/threads.md). */
mgc_status mgc_verify(mgc_heap *heap, char *err, size_t errlen)
{
    MGC_AVER(mgc_heap_check(heap));
    if (!mgc_threads_concurrent(heap))
        return verify(heap, err, errlen);
    mgc_heap_lock(heap);
    mgc_threads_suspend(heap);
    mgc_status st = verify(heap, err, errlen);
    mgc_threads_resume(heap);
    mgc_heap_unlock(heap);
    return st;
}

/* The bytes of a segment's object-start bitmap (a bit per 8 bytes up to
   its used end, and a spare byte). */
static size_t verify_bitmap_bytes(const mgc_segment *s)
{
    return (size_t)(s->used - s->base) / 64u + 1u;
}

/* .verify.scratch: the object-start bitmap of every segment (a bit per 8
   bytes up to its used end), cleared, in one buffer the heap keeps across
   calls and frees when it is destroyed.  Allocated and freed per call,
   the bitmaps of a large heap went through mmap and munmap every time:
   page faults and TLB flushes were a sixth of a verification. */
static bool verify_scratch(mgc_heap *heap, uint8_t ***starts)
{
    size_t n = heap->nindex ? heap->nindex : 1, total = 1;
    for (size_t i = 0; i < heap->nindex; i++)
        total += verify_bitmap_bytes(heap->index[i]);
    if (n > heap->verify_starts_cap) {
        uint8_t **p = realloc(heap->verify_starts, n * sizeof *p);
        if (!p)
            return false;
        heap->verify_starts = p;
        uint8_t *d = realloc(heap->verify_done, n);
        if (!d)
            return false;
        heap->verify_done = d;
        heap->verify_starts_cap = n;
    }
    memset(heap->verify_done, 0, n);
    if (total > heap->verify_bits_cap) {
        size_t cap = heap->verify_bits_cap ? heap->verify_bits_cap : 4096u;
        while (cap < total)
            cap *= 2;
        uint8_t *b = malloc(cap);
        if (!b)
            return false;
        free(heap->verify_bits);
        heap->verify_bits = b;
        heap->verify_bits_cap = cap;
    }
    memset(heap->verify_bits, 0, total);
    for (size_t i = 0, off = 0; i < heap->nindex; i++) {
        heap->verify_starts[i] = heap->verify_bits + off;
        off += verify_bitmap_bytes(heap->index[i]);
    }
    *starts = heap->verify_starts;
    return true;
}

static mgc_status verify(mgc_heap *heap, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (heap->in_gc) {
        if (err && errlen)
            snprintf(err, errlen, "verify called during a collection");
        return MGC_E_STATE;
    }
    vstate v = { .heap = heap, .err = err, .errlen = errlen, .last = SIZE_MAX };
    if (!verify_scratch(heap, &v.starts))
        return MGC_E_OOM;
    v.done = heap->verify_done;
    if (!mgc_loader_check(&heap->hf) || !mgc_loader_check(&heap->lf))
        fail(&v, "loader heap bad");
    for (unsigned i = 0; i < heap->cfg.threads && !v.failed; i++)
        if (!mgc_alloc_ctx_check(&heap->ctx[i]))
            fail(&v, "allocation context %u inconsistent", i);
    for (int k = 0; k < 2; k++)
        for (mgc_segment *s = k == 0 ? heap->soh : heap->loh; s && !v.failed; s = s->next) {
            size_t pos = index_pos(heap, s);
            if (pos == SIZE_MAX)
                fail(&v, "segment #%llu missing from the index", (unsigned long long)s->seq);
            else
                verify_segment(&v, s, pos);
        }
    if (!v.failed && !v.refs_full)
        deferred_refs(&v);
    if (v.refs_full)             /* .verify.refs: the failure, in pass order */
        for (int k = 0; k < 2; k++)
            for (mgc_segment *s = k == 0 ? heap->soh : heap->loh; s && !v.failed; s = s->next)
                verify_refs(&v, s);
    /* .verify.demoted: the list holds exactly the demoted objects */
    if (!v.failed && v.ndemoted != heap->demoted.n)
        fail(&v, "%zu demoted objects in the heap, %zu in the list", v.ndemoted, heap->demoted.n);
    for (size_t i = 0; i < heap->demoted.n && !v.failed; i++) {
        uint8_t *b = (uint8_t *)heap->demoted.objs[i] - 8;
        mgc_segment *s = mgc_segment_of(heap, b);
        size_t pos = s ? index_pos(heap, s) : SIZE_MAX;
        if (pos == SIZE_MAX || b >= s->used || !bit_get(v.starts[pos], (size_t)(b - s->base) / 8u) ||
            !(*(uint64_t *)b & MGC_HDR_DEMOTED) ||
            mgc_obj_gen_in(s, b + 8) != heap->demoted.gen[i])
            fail(&v, "demoted list entry %zu (%p) is not a demoted object of gen %d", i,
                 (void *)(b + 8), heap->demoted.gen[i]);
    }
    if (!v.failed)
        verify_sizes(&v);
    if (v.failed)
        return MGC_E_VERIFY;
    /* .verify.fin */
    mgc_status st = mgc_handles_verify(heap, err, errlen);
    if (st == MGC_OK)
        st = mgc_finalize_verify(heap, err, errlen);
    return st;
}
