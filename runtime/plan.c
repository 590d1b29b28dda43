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
 * .plan.gaps      every run of dead blocks gets the address where it ends in
 *                 the header word of its first block (8-aligned, so the MARK
 *                 bit is clear; a survivor's header always has it set), so
 *                 relocation and compaction step over dead space in one move
 *                 instead of walking every dead object again.  Nothing reads a
 *                 dead object's header after the mark phase.
 */
#include "internal.h"

/* Plan one range [lo, used) of a segment; `move` allows sliding. */
static void plan_range(mgc_heap *heap, mgc_segment *seg, uint8_t *lo, bool move)
{
    uint8_t *dest = lo;
    uint8_t *p = lo;
    uint8_t *gap = NULL;                        /* first block of a dead run */
    bool crossed = false;
    seg->plan_gen1 = seg->kind == MGC_SEG_SOH ? seg->gen1_start : seg->base;
    seg->plan_gen0 = NULL;
    while (p < seg->used) {
        if (seg->kind == MGC_SEG_SOH && !crossed && p >= seg->gen0_start) {
            crossed = true;
            if (!heap->promotion)
                seg->plan_gen0 = dest;          /* .clr.no-promotion: gen0 stays gen0 */
            else if (heap->condemned >= 1)
                seg->plan_gen1 = dest;
        }
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL && obj != NULL);
        if (!mgc_is_marked(obj)) {
            if (!gap)
                gap = p;
        } else {
            if (gap) {
                *(uint64_t *)gap = (uint64_t)(uintptr_t)p;   /* .plan.gaps */
                gap = NULL;
            }
            size_t size = (size_t)(e - p);
            heap->surv[seg->kind == MGC_SEG_LOH ? MGC_BUDGET_LOH : mgc_segment_gen_at(seg, p)] += size;
            uint64_t *h = mgc_obj_header(obj);
            if (move && !(*h & MGC_HDR_PINNED) && dest != p) {
                uint64_t fin = (*h & MGC_HDR_FINALIZER_RUN) ? MGC_HDR_FINSAVE : 0;
                *h = (uint64_t)(uintptr_t)dest | MGC_HDR_MOVED | MGC_HDR_MARK | fin;
                dest += size;
            } else {
                dest = e;
            }
        }
        p = e;
    }
    if (gap)
        *(uint64_t *)gap = (uint64_t)(uintptr_t)seg->used;
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
    for (mgc_segment *s = heap->soh; s; s = s->next)
        plan_range(heap, s, s->cond_start, move);
    if (heap->condemned == 2)
        for (mgc_segment *s = heap->loh; s; s = s->next)
            plan_range(heap, s, s->base, heap->compact_loh);
    heap->promoted_gen0 = heap->promotion ? heap->surv[0] : 0;
    heap->promoted_gen1 = heap->promotion ? heap->surv[1] : 0;
}
