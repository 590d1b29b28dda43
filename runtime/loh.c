/* loh.c -- the large object heap.
 *
 * .loh.rule        an object whose unaligned total size is >= loh_threshold
 *                  is large (SEMANTICS 1, .dec.alloc-size); it lives in an LOH
 *                  segment, reports generation 2 from birth and is collected
 *                  only by gen2 collections.
 * .loh.free-sorted each LOH segment keeps its free blocks in a list sorted by
 *                  address, non-overlapping, with no two blocks adjacent
 *                  (adjacent free space is one block: coalesced).  Every free
 *                  block is also a free object in the segment, so the segment
 *                  stays walkable.
 * .loh.alloc       first fit: segments in creation order, blocks in address
 *                  order; a block is split when the rest can be a free object
 *                  (>= MGC_MIN_OBJ); otherwise bump at the segment's end, or a
 *                  new segment sized to fit (.policy.segment).
 * .loh.sweep       a gen2 collection turns dead large objects into free
 *                  objects and rebuilds the list (compact.c); with
 *                  MGC_COLLECT_COMPACT_LOH unpinned large objects slide down
 *                  once instead.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

static bool free_reserve(mgc_segment *seg, size_t n)
{
    if (n <= seg->capfree)
        return true;
    size_t cap = seg->capfree ? seg->capfree * 2 : 16;
    while (cap < n)
        cap *= 2;
    mgc_loh_free *f = realloc(seg->free, cap * sizeof *f);
    if (!f)
        return false;
    seg->free = f;
    seg->capfree = cap;
    return true;
}

static void free_remove(mgc_segment *seg, size_t i)
{
    memmove(seg->free + i, seg->free + i + 1, (seg->nfree - i - 1) * sizeof *seg->free);
    seg->nfree--;
}

/* Insert [p, p+size) as free space, coalescing with its neighbours. */
void mgc_loh_free_insert(mgc_heap *heap, mgc_segment *seg, uint8_t *p, size_t size)
{
    size_t i = 0;
    while (i < seg->nfree && seg->free[i].start < p)
        i++;
    /* coalesce with the previous block */
    if (i > 0 && seg->free[i - 1].start + seg->free[i - 1].size == p) {
        i--;
        p = seg->free[i].start;
        size += seg->free[i].size;
        free_remove(seg, i);
    }
    /* and with the next one */
    if (i < seg->nfree && p + size == seg->free[i].start) {
        size += seg->free[i].size;
        free_remove(seg, i);
    }
    if (!free_reserve(seg, seg->nfree + 1)) {
        /* cannot track it: it stays a walkable free object, never reused */
        mgc_make_free(heap, p, size);
        return;
    }
    memmove(seg->free + i + 1, seg->free + i, (seg->nfree - i) * sizeof *seg->free);
    seg->free[i].start = p;
    seg->free[i].size = size;
    seg->nfree++;
    mgc_make_free(heap, p, size);
    mgc_cards_note_block(heap, seg, p, size);
}

static uint8_t *take(mgc_heap *heap, mgc_segment *seg, size_t size)
{
    for (size_t i = 0; i < seg->nfree; i++) {
        mgc_loh_free *f = &seg->free[i];
        if (f->size == size) {
            uint8_t *p = f->start;
            free_remove(seg, i);
            mgc_cards_note_block(heap, seg, p, size);
            return p;
        }
        if (f->size >= size + MGC_MIN_OBJ) {
            uint8_t *p = f->start;
            f->start += size;
            f->size -= size;
            mgc_make_free(heap, f->start, f->size);
            mgc_cards_note_block(heap, seg, p, size);
            mgc_cards_note_block(heap, seg, f->start, f->size);
            return p;
        }
    }
    if ((size_t)(seg->reserved_end - seg->used) >= size &&
        mgc_segment_commit_to(heap, seg, seg->used + size)) {
        uint8_t *p = seg->used;
        seg->used += size;
        mgc_cards_note_block(heap, seg, p, size);
        return p;
    }
    return NULL;
}

void *mgc_loh_alloc(mgc_heap *heap, size_t size)
{
    MGC_AVER(size % 8 == 0 && size >= MGC_MIN_OBJ);
    if (size > MGC_MAX_OBJECT)
        return NULL;                      /* no segment can hold it: out of memory */
    uint8_t *p = NULL;
    for (mgc_segment *s = heap->loh; s && !p; s = s->next)
        p = take(heap, s, size);
    if (!p) {
        mgc_segment *s = mgc_segment_acquire(heap, MGC_SEG_LOH, size);
        if (!s)
            return NULL;
        p = take(heap, s, size);
        if (!p)
            return NULL;
    }
    mgc_os_unpoison(p, size);
    memset(p, 0, size);
    return p;
}
