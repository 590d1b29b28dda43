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
 */
#include "internal.h"

/* Plan one range [lo, used) of a segment; `move` allows sliding. */
static void plan_range(mgc_heap *heap, mgc_segment *seg, uint8_t *lo, bool move,
                       uint64_t *from_gen0, uint64_t *from_gen1)
{
    uint8_t *dest = lo;
    uint8_t *p = lo;
    bool crossed = false;
    seg->plan_gen1 = seg->kind == MGC_SEG_SOH ? seg->gen1_start : seg->base;
    while (p < seg->used) {
        if (seg->kind == MGC_SEG_SOH && !crossed && p >= seg->gen0_start) {
            crossed = true;
            if (heap->condemned >= 1)
                seg->plan_gen1 = dest;
        }
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL && obj != NULL);
        if (mgc_is_marked(obj)) {
            size_t size = (size_t)(e - p);
            if (seg->kind == MGC_SEG_SOH) {
                int g = mgc_segment_gen_at(seg, p);
                if (g == 0) *from_gen0 += size;
                else if (g == 1) *from_gen1 += size;
            }
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
    if (seg->kind == MGC_SEG_SOH && !crossed && heap->condemned >= 1)
        seg->plan_gen1 = dest;
    seg->plan_end = dest;
}

void mgc_plan_phase(mgc_heap *heap)
{
    bool move = heap->cfg.compact_mode == MGC_COMPACT;
    uint64_t g0 = 0, g1 = 0;
    for (mgc_segment *s = heap->soh; s; s = s->next)
        plan_range(heap, s, s->cond_start, move, &g0, &g1);
    if (heap->condemned == 2)
        for (mgc_segment *s = heap->loh; s; s = s->next)
            plan_range(heap, s, s->base, heap->compact_loh, &g0, &g1);
    heap->promoted_gen0 = g0;
    heap->promoted_gen1 = g1;
}
