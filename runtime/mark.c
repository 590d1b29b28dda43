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

static void push(mgc_heap *heap, void *obj)
{
    mgc_mark_stack *ms = &heap->mark;
    if (ms->n == ms->cap) {
        size_t cap = ms->cap ? ms->cap * 2 : 1024;
        void **items = realloc(ms->items, cap * sizeof *items);
        if (!items) {
            fprintf(stderr, "mgc: out of memory for the mark stack\n");
            abort();
        }
        ms->items = items;
        ms->cap = cap;
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
    mgc_segment *seg = mgc_segment_of(heap, obj);
    MGC_AVER2(seg != NULL);
    const uint8_t *b = mgc_obj_block(obj);
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

void mgc_gc_mark_from(mgc_heap *heap, void *obj)
{
    MGC_AVER(heap->in_gc);
    mark_one(heap, obj);
    drain(heap);
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

/* ===================== the phase ===================================== */

void mgc_mark_phase(mgc_heap *heap)
{
    int n = heap->condemned;

    /* .mark.condemn */
    for (mgc_segment *s = heap->soh; s; s = s->next) {
        s->cond_start = n == 0 ? s->gen0_start : n == 1 ? s->gen1_start : s->base;
        s->gc_used = s->used;
    }
    for (mgc_segment *s = heap->loh; s; s = s->next) {
        s->cond_start = n == 2 ? s->base : s->used;
        s->gc_used = s->used;
    }
    heap->pinned = 0;
    heap->marked_bytes = 0;
    heap->card_rec.n = 0;
    heap->card_runs.n = 0;
    heap->card_rec_lost = false;

    /* .mark.pinned */
    mgc_handles_enum(heap, 1u << MGC_HANDLE_PINNED, pin_slot, NULL);

    /* .mark.roots */
    mgc_roots_enum_locals(heap, mark_local, NULL);
    mgc_handles_enum(heap, (1u << MGC_HANDLE_STRONG) | (1u << MGC_HANDLE_PINNED) | MGC_ENUM_STATICS,
                     mark_slot, NULL);
    mgc_finalize_enum_freachable(heap, mark_slot, NULL);
    if (n < 2)
        (void)mgc_cards_enum_old_rec(heap, mark_card_slot, NULL);
    drain(heap);

    /* .mark.weak-short */
    mgc_handles_clear_dead(heap, 1u << MGC_HANDLE_WEAK);

    /* .mark.finscan */
    heap->fin_survivors = mgc_finalize_scan(heap);

    /* .mark.resurrect */
    uint64_t before = heap->marked_bytes;
    mgc_finalize_enum_freachable(heap, mark_slot, NULL);
    drain(heap);
    heap->promoted_fin = heap->marked_bytes - before;

    /* .mark.weak-long */
    mgc_handles_clear_dead(heap, 1u << MGC_HANDLE_WEAK_LONG);
}
