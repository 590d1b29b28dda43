/* mark.c -- the mark phase (SEMANTICS 3, steps 1-5).
 *
 * Sections, in CoreCLR's mark_phase order:
 *   .mark.condemn     fix the condemned range of every segment
 *   .mark.pinned      targets of pinned handles in condemned generations are
 *                     flagged pinned; every such handle counts
 *                     (.handle.pin-count)
 *   .mark.roots       locals of every thread, strong and pinned handles,
 *                     statics, the f-reachable queue, and for gen N < 2 the
 *                     older generations through the cards (.cards.roots)
 *   .mark.weak-short  short weak handles to unmarked condemned objects cleared
 *   .mark.finscan     finalization scan (FIN) moves dead finalizable objects
 *                     to the f-reachable queue
 *   .mark.resurrect   everything reachable from the f-reachable queue is
 *                     marked; the newly marked bytes are the promoted
 *                     finalization memory
 *   .mark.weak-long   long weak handles to unmarked condemned objects cleared
 *   .mark.card-slots  the old slots found through the cards that name a
 *                     condemned object are listed for relocation
 *   .mark.bitmap      a marked object also gets its bit in its segment's mark
 *                     bitmap (one bit per 8 bytes): the plan reads survivors
 *                     from it
 *   .mark.overflow    the mark stack has a fixed maximum size
 *                     (.policy.mark-stack); an object pushed onto a full
 *                     stack is marked at once, its slots unvisited, and the
 *                     lowest and highest such addresses are kept.  Once the
 *                     stack is empty every marked object of that range has
 *                     its slots visited again (as CoreCLR's
 *                     process_mark_overflow), until no overflow remains.
 *   .gc.bounds        the condemned ranges lie in [cond_lo, cond_hi): a
 *                     reference outside is not condemned, decided without
 *                     its segment descriptor (CoreCLR's gc_low / gc_high).
 *                     Most references a gen0 mark meets through the cards
 *                     name old objects spread over the whole heap, whose
 *                     descriptors would otherwise be read one by one.
 * Only condemned objects are marked; everything else is live by definition.
 */
#include "internal.h"
#include <stdlib.h>
#include <stdio.h>

/* ===================== condemned / live queries (CONTRACT) ============ */

int mgc_gc_gen_of(mgc_heap *heap, const void *obj)
{
    mgc_segment *seg = mgc_segment_of(heap, obj);
    MGC_AVER(seg != NULL);
    return mgc_obj_gen_in(seg, obj);
}

/* The condemned range, and below it the demoted objects of condemned
   generations (.plan.demote: never forwarded, so their bits are valid). */
bool mgc_gc_is_condemned(mgc_heap *heap, const void *obj)
{
    MGC_AVER(heap->in_gc);
    mgc_segment *seg = mgc_segment_of(heap, obj);
    MGC_AVER(seg != NULL);
    const uint8_t *b = mgc_obj_block(obj);
    if (b >= seg->cond_start)
        return b < seg->used;
    return mgc_demoted_condemned(heap, obj);
}

bool mgc_gc_is_live(mgc_heap *heap, const void *obj)
{
    return !mgc_gc_is_condemned(heap, obj) || mgc_is_marked(obj);
}

/* ===================== the mark stack ================================ */

static bool mark_stack_grow(mgc_heap *heap);
static void mark_overflow(mgc_heap *heap, void *obj);

static void push(mgc_heap *heap, void *obj)
{
    mgc_mark_stack *ms = &heap->mark;
    if (ms->n == ms->cap && !mark_stack_grow(heap)) {
        mark_overflow(heap, obj);               /* .mark.overflow */
        return;
    }
    ms->items[ms->n++] = obj;
}

void mgc_mark_stack_free(mgc_mark_stack *ms)
{
    free(ms->items);
    ms->items = NULL;
    ms->n = ms->cap = 0;
}

/* .mark.on-pop: the stack holds condemned objects to visit, marked or
   not; an object is marked when it is taken from the stack.  Pushing needs
   only the segment table, not the object, so the object's header is first
   read after it has waited in a small FIFO behind a prefetch. */
static inline bool wants_mark(mgc_heap *heap, void *obj)
{
    if (!obj)
        return false;
    const uint8_t *b = mgc_obj_block(obj);
#if MGC_ASSERT_LEVEL >= 2
    MGC_AVER2(mgc_segment_of(heap, obj) != NULL);
#endif
    /* .gc.bounds: an old object of a big heap is rejected here, its
       segment descriptor unread */
    if ((uintptr_t)b - (uintptr_t)heap->cond_lo >= (uintptr_t)heap->cond_hi - (uintptr_t)heap->cond_lo)
        return false;
    mgc_segment *seg = mgc_segment_of(heap, obj);
    if (b >= seg->cond_start)
        return b < seg->used;
    /* below the range only demoted objects can be condemned (.plan.demote);
       their header is read only when some exist */
    return heap->demoted.n != 0 && mgc_demoted_condemned(heap, obj);
}

/* obj will be marked (and its slots visited) by the next drain if it is
   condemned and not marked by then. */
static void mark_one(mgc_heap *heap, void *obj)
{
    if (wants_mark(heap, obj))
        push(heap, obj);
}

#define MARK_FIFO 8u                 /* a power of two */

/* Mark the objects of the stack and everything they reach. */
static void drain(mgc_heap *heap)
{
    mgc_mark_stack *ms = &heap->mark;
    void *fifo[MARK_FIFO];
    unsigned head = 0, n = 0;
    for (;;) {
        while (n < MARK_FIFO && ms->n > 0) {
            void *o = ms->items[--ms->n];
            __builtin_prefetch(mgc_obj_header(o), 1);
            fifo[(head + n) & (MARK_FIFO - 1u)] = o;
            n++;
        }
        if (n == 0)
            break;
        void *obj = fifo[head];
        head = (head + 1u) & (MARK_FIFO - 1u);
        n--;
        uint64_t *h = mgc_obj_header(obj);
        if (*h & MGC_HDR_MARK)
            continue;
        MGC_AVER2(!mgc_obj_type(obj)->is_free);
        *h |= MGC_HDR_MARK;
        {                                       /* .mark.bitmap */
            mgc_segment *seg = mgc_segment_of(heap, obj);
            /* demoted objects below the condemned range are planned from
               the demoted list (.plan.demote), not from the bitmap */
            if (mgc_obj_block(obj) >= seg->cond_start) {
                size_t bit = (size_t)(mgc_obj_block(obj) - seg->base) / 8u;
                seg->markbits[bit / 64u] |= (uint64_t)1 << (bit % 64u);
            }
        }
        heap->marked_bytes += mgc_obj_size(obj);
        void **slots = mgc_obj_slots(obj);
        size_t ns = mgc_obj_nslots(obj);
        for (size_t i = 0; i < ns; i++) {
            void *v = slots[i];
            if (wants_mark(heap, v))
                push(heap, v);
        }
    }
}

static void drain_all(mgc_heap *heap);

void mgc_gc_mark_from(mgc_heap *heap, void *obj)
{
    MGC_AVER(heap->in_gc);
    mark_one(heap, obj);
    drain_all(heap);
}

static void mark_slot(mgc_heap *heap, void **slot, void *ctx)
{
    (void)ctx;
    mark_one(heap, *slot);
}

static void mark_local(mgc_heap *heap, unsigned tid, size_t idx, void **slot, void *ctx)
{
    (void)tid; (void)idx; (void)ctx;
    mark_one(heap, *slot);
}

/* A slot found through the cards (.cards.roots). */
static void mark_card_slot(mgc_heap *heap, void **slot, void *ctx)
{
    (void)ctx;
    void *v = *slot;
    if (!v)
        return;
    if (wants_mark(heap, v)) {
        push(heap, v);
        /* .mark.card-slots: relocation rewrites these without scanning the
           cards again (a fallback scan when the list cannot grow) */
        mgc_mark_stack *r = &heap->card_rec;
        if (!heap->card_rec_lost && r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 1024;
            void **items = realloc(r->items, cap * sizeof *items);
            if (items) {
                r->items = items;
                r->cap = cap;
            } else {
                heap->card_rec_lost = true;
            }
        }
        if (!heap->card_rec_lost)
            r->items[r->n++] = (void *)slot;
    }
}

static void pin_slot(mgc_heap *heap, void **slot, void *ctx)
{
    (void)ctx;
    void *obj = *slot;
    if (!obj || !mgc_gc_is_condemned(heap, obj))
        return;
    *mgc_obj_header(obj) |= MGC_HDR_PINNED;
    heap->pinned++;                    /* per handle (.handle.pin-count) */
    mark_one(heap, obj);
}

/* ===================== mark-stack overflow (.mark.overflow) ========= */

static void mark_overflow_reset(mgc_heap *heap)
{
    heap->mark_max = mgc_policy_mark_stack_entries(heap);
    heap->ovf_lo = (uint8_t *)UINTPTR_MAX;
    heap->ovf_hi = NULL;
}

/* Double the stack up to heap->mark_max entries; false when it is at its
   maximum or the memory is refused (either way: overflow, never abort). */
static bool mark_stack_grow(mgc_heap *heap)
{
    mgc_mark_stack *ms = &heap->mark;
    if (ms->cap >= heap->mark_max)
        return false;
    size_t cap = ms->cap ? ms->cap * 2 : 1024;
    if (cap > heap->mark_max)
        cap = heap->mark_max;
    void **items = realloc(ms->items, cap * sizeof *items);
    if (!items)
        return false;
    ms->items = items;
    ms->cap = cap;
    return true;
}

/* obj (condemned) found the stack full: mark it now, leave its slots for
   the rescan of [ovf_lo, ovf_hi]. */
static void mark_overflow(mgc_heap *heap, void *obj)
{
    uint64_t *h = mgc_obj_header(obj);
    if (*h & MGC_HDR_MARK)
        return;                         /* visited, or already in the range */
    *h |= MGC_HDR_MARK;
    uint8_t *b = mgc_obj_block(obj);
    mgc_segment *seg = mgc_segment_of(heap, obj);
    if (b >= seg->cond_start) {         /* .mark.bitmap */
        size_t bit = (size_t)(b - seg->base) / 8u;
        seg->markbits[bit / 64u] |= (uint64_t)1 << (bit % 64u);
    }
    heap->marked_bytes += mgc_obj_size(obj);
    if (b < heap->ovf_lo)
        heap->ovf_lo = b;
    if (b > heap->ovf_hi)
        heap->ovf_hi = b;
}

/* The slots of a marked object: what is condemned and unmarked is pushed,
   then marked by the drain. */
static void rescan_object(mgc_heap *heap, void *obj)
{
    void **slots = mgc_obj_slots(obj);
    size_t ns = mgc_obj_nslots(obj);
    for (size_t i = 0; i < ns; i++) {
        void *v = slots[i];
        if (wants_mark(heap, v) && !mgc_is_marked(v))
            push(heap, v);
    }
    drain(heap);
}

/* Every marked object of seg whose block lies in [lo, hi]: the condemned
   range through the mark bitmap, below it the demoted objects. */
static void rescan_segment(mgc_heap *heap, mgc_segment *seg, uint8_t *lo, uint8_t *hi)
{
    uint8_t *from = lo > seg->cond_start ? lo : seg->cond_start;
    uint8_t *to = hi < seg->used ? hi : seg->used - 1;
    if (from <= to) {
        size_t b0 = (size_t)(from - seg->base) / 8u, b1 = (size_t)(to - seg->base) / 8u;
        for (size_t w = b0 / 64u; w <= b1 / 64u; w++) {
            uint64_t word = seg->markbits[w];
            if (w == b0 / 64u)
                word &= ~(uint64_t)0 << (b0 % 64u);
            if (w == b1 / 64u && b1 % 64u != 63u)
                word &= ((uint64_t)1 << (b1 % 64u + 1u)) - 1u;
            while (word) {
                unsigned k = (unsigned)__builtin_ctzll(word);
                word &= word - 1u;
                rescan_object(heap, mgc_block_obj(seg->base + (w * 64u + k) * 8u));
            }
        }
    }
    if (lo < seg->cond_start)
        for (size_t i = 0; i < heap->demoted.n; i++) {
            void *obj = heap->demoted.objs[i];
            uint8_t *b = mgc_obj_block(obj);
            if (b >= lo && b <= hi && b >= seg->base && b < seg->cond_start && mgc_is_marked(obj))
                rescan_object(heap, obj);
        }
}

static void process_mark_overflow(mgc_heap *heap)
{
    while (heap->ovf_lo <= heap->ovf_hi) {
        uint8_t *lo = heap->ovf_lo, *hi = heap->ovf_hi;
        heap->ovf_lo = (uint8_t *)UINTPTR_MAX;
        heap->ovf_hi = NULL;
        heap->mark_overflows++;
        for (int l = 0; l < 2; l++)
            for (mgc_segment *s = l ? heap->loh : heap->soh; s; s = s->next)
                if (s->base <= hi && s->used > lo)
                    rescan_segment(heap, s, lo, hi);
    }
}

/* Drain, then recover from any overflow. */
static void drain_all(mgc_heap *heap)
{
    drain(heap);
    process_mark_overflow(heap);
}

/* ===================== the phase ===================================== */

/* .mark.seg-prefetch: a collection walks the segment lists several times
   (condemn, cards, plan, relocation, compaction, card rebuild, release);
   in a big heap the first walk would miss on every segment descriptor in
   turn, one list link after the other.  The sorted index holds them all,
   so their lines are requested at once and the walks find them cached. */
static void prefetch_segments(const mgc_heap *heap)
{
    for (size_t i = 0; i < heap->nindex; i++) {
        const uint8_t *d = (const uint8_t *)heap->index[i];
        for (size_t off = 0; off < sizeof(mgc_segment); off += 64)
            __builtin_prefetch(d + off, 1);
    }
}

void mgc_mark_phase(mgc_heap *heap)
{
    int n = heap->condemned;

    /* .mark.condemn */
    prefetch_segments(heap);
    mgc_mark_stack *cl = &heap->cond;           /* .gc.cond-segs */
    cl->n = 0;
    heap->cond_lost = false;
    if (cl->cap < heap->nindex) {
        void **items = realloc(cl->items, heap->nindex * sizeof *items);
        if (items) {
            cl->items = items;
            cl->cap = heap->nindex;
        } else {
            heap->cond_lost = true;
        }
    }
    uint8_t *lo = (uint8_t *)UINTPTR_MAX, *hi = NULL;   /* .gc.bounds */
    for (mgc_segment *s = heap->soh; s; s = s->next) {
        s->cond_start = n == 0 ? s->gen0_start : n == 1 ? s->gen1_start : s->base;
        s->gc_used = s->used;
        if (s->cond_start < s->used) {
            if (s->cond_start < lo)
                lo = s->cond_start;
            if (s->used > hi)
                hi = s->used;
            if (!heap->cond_lost) {
                MGC_AVER(cl->n < cl->cap);
                cl->items[cl->n++] = s;
            }
        }
    }
    for (mgc_segment *s = heap->loh; s; s = s->next) {
        s->cond_start = n == 2 ? s->base : s->used;
        s->gc_used = s->used;
        if (s->cond_start < s->used) {
            if (s->cond_start < lo)
                lo = s->cond_start;
            if (s->used > hi)
                hi = s->used;
        }
    }
    /* demoted objects of condemned generations lie below the condemned
       ranges (.plan.demote): with any, no address is rejected */
    if (heap->demoted.n != 0 || hi == NULL) {
        lo = NULL;
        hi = (uint8_t *)UINTPTR_MAX;
    }
    heap->cond_lo = lo;
    heap->cond_hi = hi;
    heap->pinned = 0;
    heap->marked_bytes = 0;
    heap->card_rec.n = 0;
    heap->card_runs.n = 0;
    heap->card_rec_lost = false;
    mark_overflow_reset(heap);

    /* .mark.pinned */
    mgc_handles_enum(heap, 1u << MGC_HANDLE_PINNED, pin_slot, NULL);

    /* .mark.roots */
    mgc_roots_enum_locals(heap, mark_local, NULL);
    mgc_handles_enum(heap, (1u << MGC_HANDLE_STRONG) | (1u << MGC_HANDLE_PINNED) | MGC_ENUM_STATICS,
                     mark_slot, NULL);
    mgc_finalize_enum_freachable(heap, mark_slot, NULL);
    if (n < 2)
        (void)mgc_cards_enum_old_rec(heap, mark_card_slot, NULL);
    drain_all(heap);

    /* .mark.weak-short */
    mgc_handles_clear_dead(heap, 1u << MGC_HANDLE_WEAK);

    /* .mark.finscan */
    heap->fin_survivors = mgc_finalize_scan(heap);

    /* .mark.resurrect */
    uint64_t before = heap->marked_bytes;
    mgc_finalize_enum_freachable(heap, mark_slot, NULL);
    drain_all(heap);
    heap->promoted_fin = heap->marked_bytes - before;

    /* .mark.weak-long */
    mgc_handles_clear_dead(heap, 1u << MGC_HANDLE_WEAK_LONG);
}
