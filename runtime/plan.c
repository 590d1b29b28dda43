/* plan.c -- the plan phase (SEMANTICS 3, steps 6-8: what survives, where it
 * goes, which generation it joins).
 *
 * .plan.slide     sliding compaction: inside each segment the survivors of
 *                 the condemned range keep their order and slide down toward
 *                 the range's start.  A pinned survivor (target of a pinned
 *                 handle) never moves: it is a plug the sliding goes around;
 *                 the gap left in front of it becomes a free object
 *                 (always 0 or >= MGC_MIN_OBJ bytes: it is made of whole dead
 *                 objects).  In MGC_SWEEP_ONLY mode nothing moves.
 * .plan.forward   a moving survivor's header holds its destination block
 *                 (8-aligned) | MOVED | MARK, and the finalizer-run bit saved
 *                 in bit 1 (.hdr.gc-bits).
 * .plan.promote   strict promotion by moving the boundaries: gen0 survivors
 *                 end up after gen1's, and the new gen0 starts after the last
 *                 survivor, so survivors of gen g are in gen min(g+1, 2).  For
 *                 N >= 1 the new gen1 starts where the first survivor that was
 *                 in gen0 lands (the plan records that position); for N == 0
 *                 gen1 keeps its start.  Large objects stay in gen2.
 * .plan.no-promotion  when the policy declines promotion (.budget.promotion,
 *                 clr profile only) both boundaries stay with the survivors
 *                 of their generation: gen1 keeps its start and gen0 starts
 *                 where the first survivor that was in gen0 lands.
 * .plan.survivors survivor bytes are counted by origin generation (the LOH
 *                 apart): the survival rates of the budgets.
 * .plan.bitmap    the mark sets a bit per marked object of a condemned range
 *                 (.mark.bitmap: one bit per 8 bytes of a segment), so the
 *                 plan visits survivors only and never reads a dead object;
 *                 it clears the bits it read.
 * .plan.gaps      every run of dead blocks gets the address where it ends in
 *                 the header word of its first block (8-aligned, so the MARK
 *                 bit is clear; a survivor's header always has it set), so
 *                 relocation and compaction step over dead space in one move
 *                 instead of walking every dead object again.  Nothing reads a
 *                 dead object's header after the mark phase.
 * .plan.demote    a pinned survivor keeps its generation (SEMANTICS 3 step
 *                 7, CoreCLR).  It does not move, so once the boundaries move
 *                 it may lie in an older range: it is then *demoted*: its
 *                 header carries its own generation (.demote.bits) and
 *                 heap->demoted lists it.  A demoted object that is no longer
 *                 pinned is promoted by the next collection of its
 *                 generation like any survivor (its new generation may still
 *                 be younger than its range: it stays demoted until its
 *                 range catches up).  Every survivor of the condemned range
 *                 that is neither pinned nor demoted lands in the range of
 *                 its new generation, so only pinned and demoted survivors
 *                 are candidates; demoted objects below the condemned range
 *                 are traced, kept or freed in place (they never move).
 *                 Promoted bytes count only survivors that were promoted.
 */
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================== demoted objects (.plan.demote) ================ */

static int demoted_gen(uint64_t h) { return (h & MGC_HDR_DEMOTED_GEN1) ? 1 : 0; }

static void demoted_reserve(struct mgc_demoted *d, size_t want)
{
    if (want <= d->cap)
        return;
    size_t cap = d->cap ? d->cap * 2 : 64;
    while (cap < want)
        cap *= 2;
    void **objs = realloc(d->objs, cap * sizeof *objs);
    if (objs)
        d->objs = objs;
    int8_t *gen = objs ? realloc(d->gen, cap * sizeof *gen) : NULL;
    if (!objs || !gen) {
        /* like the mark stack: a collection cannot fail half way */
        fprintf(stderr, "mgc: out of memory for the demoted-object list\n");
        abort();
    }
    d->gen = gen;
    d->cap = cap;
}

static void demoted_add(struct mgc_demoted *d, void *obj, int gen)
{
    MGC_AVER(d->n < d->cap);
    d->objs[d->n] = obj;
    d->gen[d->n] = (int8_t)gen;
    d->n++;
}

void mgc_demote_free(mgc_heap *heap)
{
    free(heap->demoted.objs);
    free(heap->demoted.gen);
    free(heap->demoted_next.objs);
    free(heap->demoted_next.gen);
    memset(&heap->demoted, 0, sizeof heap->demoted);
    memset(&heap->demoted_next, 0, sizeof heap->demoted_next);
}

static bool below_condemned(mgc_heap *heap, void *obj, mgc_segment **segp)
{
    mgc_segment *seg = mgc_segment_of(heap, obj);
    MGC_AVER(seg != NULL && seg->kind == MGC_SEG_SOH);
    *segp = seg;
    return mgc_obj_block(obj) < seg->cond_start;
}

/* After marking: room for every candidate (the old list and one per pinned
   handle that reached a condemned object), and the demoted objects below
   the condemned range: kept as they are when not condemned, candidates
   with their new generation when they survive. */
void mgc_demote_prepare(mgc_heap *heap)
{
    struct mgc_demoted *old = &heap->demoted, *next = &heap->demoted_next;
    next->n = 0;
    heap->demote_walked[0] = heap->demote_walked[1] = heap->demote_walked[2] = 0;
    demoted_reserve(next, old->n + heap->pinned);
    for (size_t i = 0; i < old->n; i++) {
        void *obj = old->objs[i];
        mgc_segment *seg;
        if (!below_condemned(heap, obj, &seg))
            continue;                  /* the plan walk meets it */
        uint64_t h = *mgc_obj_header(obj);
        int g = demoted_gen(h);
        if (g > heap->condemned || !(h & MGC_HDR_MARK)) {
            if (g > heap->condemned)
                demoted_add(next, obj, g);
            continue;                  /* dead ones are freed by mgc_demote_apply */
        }
        size_t size = mgc_align8(mgc_obj_size(obj));
        heap->surv[g] += size;                     /* .plan.survivors */
        if (h & MGC_HDR_PINNED)
            heap->pinned_surv[g] += size;          /* not promoted */
        else if (heap->promotion)
            g++;
        heap->demote_walked[g] += size;            /* .stats.sizes (cards.c) */
        demoted_add(next, obj, g);
    }
}

/* Relocation: the slots of surviving demoted objects below the condemned
   range (the card scan skips them, .cards.demoted). */
void mgc_demote_relocate(mgc_heap *heap, mgc_slot_fn fn)
{
    struct mgc_demoted *old = &heap->demoted;
    for (size_t i = 0; i < old->n; i++) {
        void *obj = old->objs[i];
        mgc_segment *seg;
        if (!below_condemned(heap, obj, &seg) || !mgc_demoted_condemned(heap, obj) ||
            !mgc_is_marked(obj))
            continue;
        void **slots = mgc_obj_slots(obj);
        size_t n = mgc_obj_nslots(obj);
        for (size_t k = 0; k < n; k++)
            fn(heap, &slots[k], NULL);
    }
}

/* After compaction and the new boundaries: dead demoted objects below the
   condemned range become free space, the survivors lose their collector
   bits, and every candidate younger than its range is demoted. */
void mgc_demote_apply(mgc_heap *heap)
{
    struct mgc_demoted *old = &heap->demoted, *next = &heap->demoted_next;
    for (size_t i = 0; i < old->n; i++) {
        void *obj = old->objs[i];
        mgc_segment *seg;
        if (!below_condemned(heap, obj, &seg) || !mgc_demoted_condemned(heap, obj))
            continue;
        uint64_t *h = mgc_obj_header(obj);
        if (*h & MGC_HDR_MARK) {
            *h &= ~(MGC_HDR_GCBITS | MGC_HDR_DEMOTE_BITS);
        } else {
            void *o;
            uint8_t *e = mgc_segment_block_end(heap, seg, mgc_obj_block(obj), &o);
            MGC_AVER(e != NULL && o == obj);
            mgc_make_free(heap, mgc_obj_block(obj), (size_t)(e - mgc_obj_block(obj)));
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < next->n; i++) {
        void *obj = next->objs[i];
        int g = next->gen[i];
        mgc_segment *seg = mgc_segment_of(heap, obj);
        uint64_t *h = mgc_obj_header(obj);
        *h &= ~MGC_HDR_DEMOTE_BITS;
        if (g < mgc_segment_gen_at(seg, mgc_obj_block(obj))) {
            *h |= MGC_HDR_DEMOTED | (g == 1 ? MGC_HDR_DEMOTED_GEN1 : 0);
            next->objs[k] = obj;
            next->gen[k] = (int8_t)g;
            k++;
        }
    }
    next->n = k;
    struct mgc_demoted t = *old;
    *old = *next;
    *next = t;
    next->n = 0;
}

/* ===================== the plan ====================================== */


/* Plan one range [lo, used) of a segment; `move` allows sliding.  The
   survivors come from the mark bitmap (.plan.bitmap), in address order;
   the space between them is dead. */
static void plan_range(mgc_heap *heap, mgc_segment *seg, uint8_t *lo, bool move)
{
    uint8_t *dest = lo;
    uint8_t *prev_end = lo;                     /* end of the last survivor */
    uint8_t *used = seg->used;
    bool crossed = false;
    seg->plan_gen1 = seg->kind == MGC_SEG_SOH ? seg->gen1_start : seg->base;
    seg->plan_gen0 = NULL;
    size_t bit = (size_t)(lo - seg->base) / 8u, bit_end = (size_t)(used - seg->base) / 8u;
    size_t w = bit / 64u, wend = (bit_end + 63u) / 64u;
    for (; w < wend; w++) {
        uint64_t word = seg->markbits[w];
        if (!word)
            continue;
        seg->markbits[w] = 0;                   /* the bitmap is clear again after the plan */
        while (word) {
            unsigned b = (unsigned)__builtin_ctzll(word);
            word &= word - 1u;
            uint8_t *p = seg->base + (w * 64u + b) * 8u;
            MGC_AVER2(p >= lo && p < used);
            if (seg->kind == MGC_SEG_SOH && !crossed && p >= seg->gen0_start) {
                crossed = true;
                if (!heap->promotion)
                    seg->plan_gen0 = dest;      /* .clr.no-promotion: gen0 stays gen0 */
                else if (heap->condemned >= 1)
                    seg->plan_gen1 = dest;
            }
            if (p > prev_end)
                *(uint64_t *)prev_end = (uint64_t)(uintptr_t)p;   /* .plan.gaps */
            void *obj = mgc_block_obj(p);
            MGC_AVER2(mgc_is_marked(obj) && !mgc_obj_type(obj)->is_free);
            size_t size = mgc_obj_size(obj);
            uint64_t *h = mgc_obj_header(obj);
            if (seg->kind == MGC_SEG_LOH) {
                heap->surv[MGC_BUDGET_LOH] += size;
            } else {
                /* .plan.demote: the generation before this collection */
                int g = (*h & MGC_HDR_DEMOTED) ? demoted_gen(*h) : mgc_segment_gen_at(seg, p);
                heap->surv[g] += size;
                if (*h & MGC_HDR_PINNED) {
                    if (g < 2)
                        heap->pinned_surv[g] += size;          /* keeps g */
                    demoted_add(&heap->demoted_next, obj, g);
                } else if (*h & MGC_HDR_DEMOTED) {             /* promoted, may stay demoted */
                    demoted_add(&heap->demoted_next, (move && dest != p ? dest : p) + 8,
                                heap->promotion ? g + 1 : g);
                }
            }
            if (move && !(*h & MGC_HDR_PINNED) && dest != p) {
                uint64_t fin = (*h & MGC_HDR_FINALIZER_RUN) ? MGC_HDR_FINSAVE : 0;
                *h = (uint64_t)(uintptr_t)dest | MGC_HDR_MOVED | MGC_HDR_MARK | fin;
                dest += size;
            } else {
                dest = p + size;
            }
            prev_end = p + size;
        }
    }
    if (prev_end < used)
        *(uint64_t *)prev_end = (uint64_t)(uintptr_t)used;
    if (seg->kind == MGC_SEG_SOH && !crossed && heap->condemned >= 1 && heap->promotion)
        seg->plan_gen1 = dest;
    if (seg->plan_gen0 == NULL)
        seg->plan_gen0 = dest;
    seg->plan_end = dest;
}

void mgc_plan_phase(mgc_heap *heap)
{
    bool move = heap->cfg.compact_mode == MGC_COMPACT;
    heap->promotion = mgc_policy_promote(heap);          /* .budget.promotion */
    for (int b = 0; b < MGC_NBUDGETS; b++)
        heap->surv[b] = 0;
    heap->pinned_surv[0] = heap->pinned_surv[1] = 0;
    mgc_demote_prepare(heap);
    size_t it = 0;                                       /* .gc.cond-segs */
    for (mgc_segment *s = mgc_cond_next(heap, NULL, &it); s; s = mgc_cond_next(heap, s, &it))
        plan_range(heap, s, s->cond_start, move);
    if (heap->condemned == 2)
        for (mgc_segment *s = heap->loh; s; s = s->next)
            plan_range(heap, s, s->base, heap->compact_loh);
    /* .dec.promo-acc: pinned survivors keep their generation (.plan.demote) */
    heap->promoted_gen0 = heap->promotion ? heap->surv[0] - heap->pinned_surv[0] : 0;
    heap->promoted_gen1 = heap->promotion ? heap->surv[1] - heap->pinned_surv[1] : 0;
}
