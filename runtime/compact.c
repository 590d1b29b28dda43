/* compact.c -- relocation and compaction (SEMANTICS 3, steps 6-8).
 *
 * .relocate  every reference to a moving object is rewritten before anything
 *            moves: locals of every thread, handles of all kinds and static
 *            slots, every finalization-queue entry, the fields of every
 *            survivor in the condemned ranges and, for gen N < 2, the fields
 *            of older and large objects that the mark found through the
 *            cards naming condemned objects (.mark.card-slots; .cards.roots;
 *            for N == 2 every object is condemned).
 * .compact   each condemned range is walked once more in address order:
 *            moving survivors are copied down (memmove; destinations never
 *            pass sources), pinned and in-place survivors stay, runs of dead
 *            objects in front of a survivor become one free object, and the
 *            space after the last survivor is given back to the segment
 *            (poisoned, .os.poison).  GC header bits are cleared and the
 *            finalizer-run bit restored.  Then the boundaries move
 *            (.plan.promote).
 * .release   segments left empty go back to the spare list or the OS
 *            (.seg.reuse), committed memory beyond use is trimmed.
 */
#include "internal.h"
#include <string.h>

/* ===================== relocation ==================================== */

static void reloc_slot(mgc_heap *heap, void **slot, void *ctx)
{
    (void)heap; (void)ctx;
    void *v = *slot;
    if (v && (*mgc_obj_header(v) & MGC_HDR_MOVED))
        *slot = mgc_forward(v);
}

/* Old slots found through the cards: only a condemned target can have
   moved, and the segment table says so without touching the target. */
static void reloc_old_slot(mgc_heap *heap, void **slot, void *ctx)
{
    (void)ctx;
    void *v = *slot;
    if (!v)
        return;
    mgc_segment *seg = mgc_segment_of(heap, v);
    if (mgc_obj_block(v) >= seg->cond_start && mgc_obj_block(v) < seg->used &&
        (*mgc_obj_header(v) & MGC_HDR_MOVED))
        *slot = mgc_forward(v);
}

static void reloc_local(mgc_heap *heap, unsigned tid, size_t idx, void **slot, void *ctx)
{
    (void)tid; (void)idx;
    reloc_slot(heap, slot, ctx);
}

/* The survivors of a planned range: dead runs are one step (.plan.gaps). */
static void reloc_range(mgc_heap *heap, mgc_segment *seg, uint8_t *lo)
{
    uint8_t *p = lo;
    uint8_t *used = seg->used;
    (void)heap;
    while (p < used) {
        uint64_t h = *(uint64_t *)p;
        if (!(h & MGC_HDR_MARK)) {
            MGC_AVER2((uint8_t *)(uintptr_t)h > p && (uint8_t *)(uintptr_t)h <= used);
            p = (uint8_t *)(uintptr_t)h;
            continue;
        }
        void *obj = p + 8;
        void **slots = mgc_obj_slots(obj);
        size_t n = mgc_obj_nslots(obj);
        for (size_t i = 0; i < n; i++) {
            void *v = slots[i];
            if (v && (*mgc_obj_header(v) & MGC_HDR_MOVED))
                slots[i] = mgc_forward(v);
        }
        p += mgc_obj_size(obj);
    }
}

void mgc_relocate_phase(mgc_heap *heap)
{
    mgc_roots_enum_locals(heap, reloc_local, NULL);
    mgc_handles_enum(heap, (1u << MGC_HANDLE_STRONG) | (1u << MGC_HANDLE_PINNED) |
                     (1u << MGC_HANDLE_WEAK) | (1u << MGC_HANDLE_WEAK_LONG) | MGC_ENUM_STATICS,
                     reloc_slot, NULL);
    mgc_finalize_enum_all(heap, reloc_slot, NULL);
    size_t it = 0;                                       /* .gc.cond-segs */
    for (mgc_segment *s = mgc_cond_next(heap, NULL, &it); s; s = mgc_cond_next(heap, s, &it))
        reloc_range(heap, s, s->cond_start);
    if (heap->condemned == 2)
        for (mgc_segment *s = heap->loh; s; s = s->next)
            reloc_range(heap, s, s->base);
    else if (heap->card_rec_lost)
        mgc_cards_enum_old(heap, reloc_old_slot, NULL);
    else
        /* .mark.card-slots: the old slots that named condemned objects */
        for (size_t i = 0; i < heap->card_rec.n; i++)
            reloc_slot(heap, (void **)heap->card_rec.items[i], NULL);
    mgc_demote_relocate(heap, reloc_slot);      /* .plan.demote */
}

/* ===================== compaction ==================================== */

/* Slide or sweep [lo, used) of a segment as planned; returns the new end. */
static uint8_t *compact_range(mgc_heap *heap, mgc_segment *seg, uint8_t *lo)
{
    uint8_t *old_used = seg->used;
    mgc_os_unpoison(lo, (size_t)(old_used - lo));
    uint8_t *dest = lo;
    uint8_t *p = lo;
    /* a plug: adjacent moving survivors with adjacent destinations, copied
       with one memmove; each one's final header is written at its source
       first (only sources at or after the plug's start are untouched yet) */
    uint8_t *plug_src = NULL, *plug_dst = NULL;
    size_t plug_len = 0;
    while (p < old_used) {
        uint64_t h = *(uint64_t *)p;
        if (!(h & MGC_HDR_MARK)) {                  /* a dead run (.plan.gaps) */
            p = (uint8_t *)(uintptr_t)h;
            continue;
        }
        size_t size = mgc_obj_size(p + 8);          /* type word is intact */
        if (h & MGC_HDR_MOVED) {
            uint8_t *to = (uint8_t *)(uintptr_t)(h & ~MGC_HDR_GCBITS);
            MGC_AVER2(to == dest && to < p);
            *(uint64_t *)p = (h & MGC_HDR_FINSAVE) ? MGC_HDR_FINALIZER_RUN : 0;
            if (plug_len != 0 && plug_src + plug_len == p && plug_dst + plug_len == to) {
                plug_len += size;
            } else {
                if (plug_len != 0)
                    memmove(plug_dst, plug_src, plug_len);
                plug_src = p;
                plug_dst = to;
                plug_len = size;
            }
            dest = to + size;
        } else {
            if (plug_len != 0) {
                memmove(plug_dst, plug_src, plug_len);
                plug_len = 0;
            }
            if (dest < p)
                mgc_make_free(heap, dest, (size_t)(p - dest));
            *(uint64_t *)p = h & ~MGC_HDR_GCBITS;
            dest = p + size;
        }
        p += size;
    }
    if (plug_len != 0)
        memmove(plug_dst, plug_src, plug_len);
    MGC_AVER(dest == seg->plan_end);
    seg->used = dest;
    mgc_os_poison(dest, (size_t)(old_used - dest));
    return dest;
}

/* LOH free list from the walk of a swept or compacted segment: free objects
   in address order; compact_range already merged neighbours. */
static void loh_collect_free(mgc_heap *heap, mgc_segment *seg)
{
    seg->nfree = 0;
    uint8_t *p = seg->base;
    while (p < seg->used) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL && obj != NULL);
        if (mgc_obj_type(obj)->is_free)
            mgc_loh_free_insert(heap, seg, p, (size_t)(e - p));
        p = e;
    }
}

void mgc_compact_phase(mgc_heap *heap)
{
    /* small-object segments: slide, then move the boundaries */
    size_t it = 0;                                       /* .gc.cond-segs */
    for (mgc_segment *s = mgc_cond_next(heap, NULL, &it); s; s = mgc_cond_next(heap, s, &it)) {
        uint8_t *end = compact_range(heap, s, s->cond_start);
        MGC_AVER2(s->plan_gen0 <= end);
        (void)end;
        s->gen1_start = s->plan_gen1;
        s->gen0_start = s->plan_gen0;
    }
    /* gen2: the LOH is swept into its free list (or compacted once) */
    if (heap->condemned == 2)
        for (mgc_segment *s = heap->loh; s; s = s->next) {
            compact_range(heap, s, s->base);
            loh_collect_free(heap, s);
        }
}

/* .release: after the cards are rebuilt */
void mgc_release_empty_segments(mgc_heap *heap)
{
    for (int k = 0; k < 2; k++) {
        mgc_segment *s = k == 0 ? heap->soh : heap->loh;
        while (s) {
            mgc_segment *next = s->next;
            if (s->used == s->base)
                mgc_segment_retire(heap, s);
            else
                mgc_segment_trim(heap, s);
            s = next;
        }
    }
}
