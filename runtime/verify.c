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
 *                     finds (.stats.sizes).
 *   .verify.fin       the handle table and the finalization queues (FIN).
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

/* ===================== .verify.segments ============================== */

static void verify_segment(vstate *v, mgc_segment *seg, uint8_t *bm)
{
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
        uint8_t *e = mgc_segment_block_end_checked(heap, seg, p, &obj);
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
            if (seg->kind == MGC_SEG_SOH && (size_t)(e - p) > 0 &&
                mgc_type_raw_size(t, t->kind == MGC_KIND_FIXED ? 0 : mgc_obj_length(obj)) >= heap->cfg.loh_threshold)
                fail(v, "object %p is large but lives in a small-object segment", obj);
            if (seg->kind == MGC_SEG_LOH &&
                mgc_type_raw_size(t, t->kind == MGC_KIND_FIXED ? 0 : mgc_obj_length(obj)) < heap->cfg.loh_threshold)
                fail(v, "object %p is small but lives in the LOH", obj);
        }
        p = e;
    }
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
                size_t pos = ((uintptr_t)r & 7u) ? SIZE_MAX : mgc_segment_index_of(heap, r);
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

typedef struct size_acc { uint64_t gen[3], loh; } size_acc;

static bool size_fn(const mgc_object_info *info, void *ctx)
{
    size_acc *a = ctx;
    if (info->large)
        a->loh += info->size;
    else
        a->gen[info->gen] += info->size;
    return true;
}

/* The generation-size counters (.stats.sizes) against a walk. */
static void verify_sizes(vstate *v)
{
    size_acc a = { { 0, 0, 0 }, 0 };
    mgc_walk(v->heap, 0, size_fn, &a);
    mgc_stats st;
    mgc_get_stats(v->heap, &st);
    for (int g = 0; g < 3; g++)
        if (a.gen[g] != st.gen_size[g])
            fail(v, "gen%d size counter %llu, walk finds %llu", g,
                 (unsigned long long)st.gen_size[g], (unsigned long long)a.gen[g]);
    if (a.loh != st.loh_size)
        fail(v, "LOH size counter %llu, walk finds %llu", (unsigned long long)st.loh_size,
             (unsigned long long)a.loh);
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
        heap->verify_starts_cap = n;
    }
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
    vstate v = { .heap = heap, .err = err, .errlen = errlen };
    if (!verify_scratch(heap, &v.starts))
        return MGC_E_OOM;
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
                verify_segment(&v, s, v.starts[pos]);
        }
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
