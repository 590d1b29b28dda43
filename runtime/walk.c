/* walk.c -- introspection: walking objects, generation of one object.
 *
 * .walk.order  mgc_walk reports gen0, then gen1, then gen2 objects of the
 *              small-object segments, then the large objects; inside each,
 *              segments in creation order and objects in address order.  The
 *              order depends only on the program, never on where the OS put
 *              the segments.  Unused parts of allocation windows are never
 *              reported; free objects only with MGC_WALK_FREE.  A demoted
 *              object (.plan.demote) comes with its range and reports its
 *              own generation.
 *              Each object comes with its array length, reference slots
 *              and payload (mgc_object_info), the accessors' values.
 */
#include "internal.h"

static bool walk_range(mgc_heap *heap, mgc_segment *seg, uint8_t *lo, uint8_t *hi, int gen,
                       unsigned flags, mgc_walk_fn fn, void *ctx)
{
    uint8_t *p = lo;
    while (p < hi) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL);
        if (obj) {
            const mgc_type *t = mgc_obj_type(obj);
            if (!t->is_free || (flags & MGC_WALK_FREE)) {
                mgc_object_info info = {
                    .obj = obj, .type = t, .size = (size_t)(e - p),
                    .gen = t->is_free ? gen : mgc_obj_gen_in(seg, obj),
                    .large = seg->kind == MGC_SEG_LOH, .free = t->is_free,
                    .length = t->kind == MGC_KIND_FIXED ? 0 : mgc_obj_length(obj),
                    .nrefs = mgc_obj_nslots(obj), .slots = mgc_obj_slots(obj),
                };
                info.payload = mgc_obj_payload(obj, &info.payload_len);
                if (!fn(&info, ctx))
                    return false;
            }
        }
        p = e;
    }
    return true;
}

static void walk_all(mgc_heap *heap, unsigned flags, mgc_walk_fn fn, void *ctx)
{
    for (int g = 0; g <= 2; g++)
        for (mgc_segment *s = heap->soh; s; s = s->next) {
            uint8_t *lo, *hi;
            mgc_segment_gen_range(s, g, &lo, &hi);
            if (!walk_range(heap, s, lo, hi, g, flags, fn, ctx))
                return;
        }
    for (mgc_segment *s = heap->loh; s; s = s->next)
        if (!walk_range(heap, s, s->base, s->used, 2, flags, fn, ctx))
            return;
}

/* Other threads' allocation windows are walked: the world stops first
   when threads run concurrently (docs/threads.md). */
void mgc_walk(mgc_heap *heap, unsigned flags, mgc_walk_fn fn, void *ctx)
{
    MGC_AVER(mgc_heap_check(heap) && fn != NULL);
    if (!mgc_threads_concurrent(heap)) {
        walk_all(heap, flags, fn, ctx);
        return;
    }
    mgc_heap_lock(heap);
    mgc_threads_suspend(heap);
    walk_all(heap, flags, fn, ctx);
    mgc_threads_resume(heap);
    mgc_heap_unlock(heap);
}

static bool is_object(mgc_heap *heap, const void *p);

bool mgc_is_object(mgc_heap *heap, const void *p)
{
    MGC_AVER(mgc_heap_check(heap));
    if (!mgc_threads_concurrent(heap))
        return is_object(heap, p);
    void *q = (void *)p;               /* a raw reference: protected while waiting */
    mgc_heap_lock_refs(heap, (void **[]){ &q }, 1);
    mgc_threads_suspend(heap);
    bool r = is_object(heap, q);
    mgc_threads_resume(heap);
    mgc_heap_unlock(heap);
    return r;
}

static bool is_object(mgc_heap *heap, const void *p)
{
    if (!p || ((uintptr_t)p & 7u) != 0)
        return false;
    uint8_t *block = (uint8_t *)p - 8;
    mgc_segment *seg = mgc_segment_of(heap, block);
    if (!seg || block < seg->base || block >= seg->used)
        return false;
    /* start at the block covering the card's first byte (.cards.crossing) in
       older ranges, at gen0's start otherwise */
    uint8_t *q = seg->base;
    if (seg->kind == MGC_SEG_LOH || block < seg->gen0_start) {
        size_t k = (size_t)(block - seg->base) >> heap->card_shift;
        q = seg->base + (size_t)seg->crossing[k] * 8u;
    } else {
        q = seg->gen0_start;
    }
    while (q < block) {
        void *obj;
        q = mgc_segment_block_end(heap, seg, q, &obj);
        if (!q)
            return false;
    }
    if (q != block)
        return false;
    void *obj;
    if (!mgc_segment_block_end(heap, seg, q, &obj) || !obj)
        return false;
    return !mgc_obj_type(obj)->is_free;
}

int mgc_generation(mgc_heap *heap, mgc_ref obj)
{
    MGC_AVER(mgc_heap_check(heap) && obj != NULL);
    MGC_AVER2(mgc_threads_concurrent(heap) || mgc_is_object(heap, obj));
    mgc_segment *seg = mgc_segment_of(heap, obj);
    if (!seg)
        return -1;
    return mgc_obj_gen_in(seg, obj);
}

bool mgc_locate(mgc_heap *heap, const void *p, mgc_location *out)
{
    MGC_AVER(mgc_heap_check(heap) && out != NULL);
    mgc_segment *seg = p ? mgc_segment_of(heap, p) : NULL;
    if (!seg)
        return false;
    out->segment = seg->seq;
    out->offset = (size_t)((const uint8_t *)p - seg->base);
    out->large = seg->kind == MGC_SEG_LOH;
    return true;
}

bool mgc_is_large(mgc_heap *heap, mgc_ref obj)
{
    MGC_AVER(mgc_heap_check(heap) && obj != NULL);
    mgc_segment *seg = mgc_segment_of(heap, obj);
    return seg && seg->kind == MGC_SEG_LOH;
}
