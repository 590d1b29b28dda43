/* segment.c -- segments: reserved address ranges holding objects.
 *
 * .seg.kinds    small-object (SOH) segments and large-object (LOH) segments,
 *               acquired on demand, each reserving segment_size bytes or
 *               enough for one object (.policy.segment), committed by steps.
 * .seg.gens     an SOH segment is laid out as CoreCLR's ephemeral segment:
 *               [base, gen1_start) gen2, [gen1_start, gen0_start) gen1,
 *               [gen0_start, used) gen0.  Allocation windows are carved at
 *               `used`, so new objects are always gen0; a collection slides
 *               survivors down and moves the boundaries (promotion).  A
 *               segment whose gen1 and gen0 ranges are empty is a gen2
 *               segment; every segment with room is an allocation candidate.
 * .seg.order    segments are kept in creation order (seq); walks follow it,
 *               so nothing observable depends on addresses.  A sorted index
 *               by address serves lookups only.
 * .seg.reuse    a segment a collection empties is kept as a spare (one per
 *               .policy.spare) or released to the OS.
 * .heap.reset   a reset turns every segment into a kept reservation
 *               (heap->pool, creation order, empty); a new segment takes a
 *               kept reservation of its size (exactly, else the smallest
 *               larger one, of which it uses the first `size` bytes: the
 *               segment's reserved_end is the one a fresh mapping would
 *               have) instead of mapping one, so a reset heap lays objects
 *               out at the same offsets from its segment bases as a fresh
 *               heap, with the same reserve and commit counts.
 * .heap.keep    a reset keeps the pages of its segments read/write
 *               (rw_end) and poisoned (.os.poison) instead of protecting
 *               them, and committing them again is accounting only
 *               (mgc_os_commit_kept: counted, fault injection included, no
 *               system call); in a heap that was reset, a segment a
 *               collection releases and the pages a trim decommits are kept
 *               the same way (the pool holds at most MGC_POOL_MAX bytes).
 *               Committed bytes, the hard limit and the OS call counts are
 *               those of a fresh heap: only the mappings and page faults
 *               are saved.  Nothing reads memory it did not write first
 *               (allocation zeroes what it hands out), so kept pages that
 *               still hold an earlier run's bytes behave as fresh ones.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

bool mgc_segment_check(const mgc_segment *seg)
{
    if (!seg || seg->sig != MGC_SIG_SEGMENT)
        return false;
    if (!(seg->base <= seg->used && seg->used <= seg->committed_end &&
          seg->committed_end <= seg->reserved_end && seg->committed_end <= seg->rw_end &&
          seg->rw_end <= seg->map_end && seg->reserved_end <= seg->map_end))
        return false;
    if (seg->kind == MGC_SEG_SOH &&
        !(seg->base <= seg->gen1_start && seg->gen1_start <= seg->gen0_start && seg->gen0_start <= seg->used))
        return false;
    return true;
}

/* ===================== address index ================================= */

static size_t index_lower(const mgc_heap *heap, const void *p)
{
    size_t lo = 0, hi = heap->nindex;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((const uint8_t *)heap->index[mid]->base <= (const uint8_t *)p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;   /* first segment with base > p */
}

mgc_segment *mgc_segment_of_slow(const mgc_heap *heap, const void *p)
{
    size_t i = index_lower(heap, p);
    if (i == 0)
        return NULL;
    mgc_segment *s = heap->index[i - 1];
    if ((const uint8_t *)p >= s->reserved_end)
        return NULL;
    atomic_store_explicit(&((mgc_heap *)heap)->seg_cache[((uintptr_t)p >> heap->seg_cache_shift) % MGC_SEG_CACHE], s,
                          memory_order_relaxed);
    return s;
}

size_t mgc_segment_index_of(const mgc_heap *heap, const void *p)
{
    size_t i = index_lower(heap, p);
    if (i == 0 || (const uint8_t *)p >= heap->index[i - 1]->reserved_end)
        return SIZE_MAX;
    return i - 1;
}

static bool index_add(mgc_heap *heap, mgc_segment *seg)
{
    if (heap->nindex == heap->capindex) {
        size_t cap = heap->capindex ? heap->capindex * 2 : 16;
        mgc_segment **n = realloc(heap->index, cap * sizeof *n);
        if (!n)
            return false;
        heap->index = n;
        heap->capindex = cap;
    }
    size_t i = index_lower(heap, seg->base);
    memmove(heap->index + i + 1, heap->index + i, (heap->nindex - i) * sizeof *heap->index);
    heap->index[i] = seg;
    heap->nindex++;
    return true;
}

static void cache_clear(mgc_heap *heap)
{
    for (size_t i = 0; i < MGC_SEG_CACHE; i++)
        atomic_store_explicit(&heap->seg_cache[i], NULL, memory_order_relaxed);
}

static void index_remove(mgc_heap *heap, mgc_segment *seg)
{
    cache_clear(heap);
    for (size_t i = 0; i < heap->nindex; i++)
        if (heap->index[i] == seg) {
            memmove(heap->index + i, heap->index + i + 1, (heap->nindex - i - 1) * sizeof *heap->index);
            heap->nindex--;
            return;
        }
}

/* ===================== commit and trim =============================== */

bool mgc_segment_commit_to(mgc_heap *heap, mgc_segment *seg, uint8_t *upto)
{
    if (upto <= seg->committed_end)
        return true;
    if (upto > seg->reserved_end)
        return false;
    size_t need = (size_t)(upto - seg->committed_end);
    size_t step = mgc_policy_commit_step(heap, need);
    size_t huge = heap->huge_page;
    if (huge != 0) {                                     /* .policy.huge: whole huge pages */
        uintptr_t end = ((uintptr_t)seg->committed_end + step + huge - 1) & ~(uintptr_t)(huge - 1);
        step = (size_t)(end - (uintptr_t)seg->committed_end);
    }
    if (step > (size_t)(seg->reserved_end - seg->committed_end))
        step = (size_t)(seg->reserved_end - seg->committed_end);
    size_t minimal = (need + heap->os.page - 1) / heap->os.page * heap->os.page;
    if (heap->cfg.hard_limit != 0 && heap->committed + step > heap->cfg.hard_limit)
        step = minimal;                                  /* try the bare minimum */
    if (heap->cfg.hard_limit != 0 && heap->committed + step > heap->cfg.hard_limit)
        return false;                                    /* .dec.oom: hard limit */
    uint8_t *to = seg->committed_end + step;
    if (to <= seg->rw_end) {                         /* .heap.keep */
        if (!mgc_os_commit_kept(&heap->os))
            return false;
    } else {
        if (!mgc_os_commit(&heap->os, seg->rw_end, (size_t)(to - seg->rw_end)))
            return false;
        seg->rw_end = to;
    }
    /* fresh pages are free space until handed out (.os.poison) */
    mgc_os_poison(seg->committed_end, step);
    seg->committed_end += step;
    heap->committed += step;
    return true;
}

void mgc_segment_trim(mgc_heap *heap, mgc_segment *seg)
{
    size_t page = heap->os.page;
    uintptr_t keep = (uintptr_t)seg->used + mgc_policy_committed_slack(heap);
    if (heap->huge_page > page)
        page = heap->huge_page;                          /* .policy.huge: whole huge pages */
    keep = (keep + page - 1) / page * page;
    if ((uint8_t *)keep >= seg->committed_end)
        return;
    size_t n = (size_t)(seg->committed_end - (uint8_t *)keep);
    if (heap->keep) {
        mgc_os_poison((uint8_t *)keep, n);           /* .heap.keep: pages stay */
    } else {
        mgc_os_decommit(&heap->os, (uint8_t *)keep, (size_t)(seg->rw_end - (uint8_t *)keep));
        seg->rw_end = (uint8_t *)keep;
    }
    seg->committed_end = (uint8_t *)keep;
    heap->committed -= n;
}

/* ===================== acquire / retire ============================= */

static void segment_reset(mgc_heap *heap, mgc_segment *seg, mgc_seg_kind kind)
{
    seg->kind = kind;
    seg->seq = ++heap->seg_seq;
    seg->next = NULL;
    seg->used = seg->gen1_start = seg->gen0_start = seg->base;
    seg->nfree = 0;
    seg->any_card = false;
    memset(seg->cards, 0, seg->ncards);
    memset(seg->bundles, 0, mgc_cards_bundles_for(seg->ncards));
}

static void segment_append(mgc_heap *heap, mgc_segment *seg)
{
    mgc_segment **pp = seg->kind == MGC_SEG_SOH ? &heap->soh : &heap->loh;
    while (*pp)
        pp = &(*pp)->next;
    *pp = seg;
}

static void segment_release(mgc_heap *heap, mgc_segment *seg)
{
    mgc_os_release(&heap->os, seg->base, (size_t)(seg->map_end - seg->base),
                   (size_t)(seg->rw_end - seg->base));
    free(seg->cards);
    free(seg->bundles);
    free(seg->markbits);
    free(seg->crossing);
    free(seg->free);
    free(seg);
}

static void segment_free(mgc_heap *heap, mgc_segment *seg)
{
    heap->committed -= (size_t)(seg->committed_end - seg->base);
    heap->reserved -= (size_t)(seg->reserved_end - seg->base);
    segment_release(heap, seg);
}

/* .heap.keep: the kept reservation a new segment of `size` bytes takes:
   the first of exactly that size, else the smallest larger one, aligned as
   a fresh reservation would be (.policy.seg-cache); NULL: none. */
static mgc_segment **pool_find(mgc_heap *heap, size_t size)
{
    mgc_segment **best = NULL;
    size_t align = (size_t)1 << heap->seg_cache_shift, bestsize = 0;
    for (mgc_segment **pp = &heap->pool; *pp; pp = &(*pp)->next) {
        mgc_segment *s = *pp;
        size_t m = (size_t)(s->map_end - s->base);
        if (m < size || ((uintptr_t)s->base & (align - 1)) != 0)
            continue;
        if (m == size)
            return pp;
        if (!best || m < bestsize) {
            best = pp;
            bestsize = m;
        }
    }
    return best;
}

/* .heap.keep: an empty segment leaves the heap for the pool, its pages
   kept read/write and poisoned; false when the pool is full.  Only the
   committed part needs poisoning: the kept pages past committed_end are
   poisoned already (a commit poisons what it adds, a trim what it gives
   back, and nothing unpoisons past `used`), so a segment the pool held
   (committed_end == base) costs nothing to put back. */
static bool pool_put(mgc_heap *heap, mgc_segment *seg, mgc_segment ***tail)
{
    size_t m = (size_t)(seg->map_end - seg->base);
    if (heap->pool_bytes + m > MGC_POOL_MAX)
        return false;
    mgc_os_poison(seg->base, (size_t)(seg->committed_end - seg->base));
    seg->committed_end = seg->used = seg->gen1_start = seg->gen0_start = seg->base;
    seg->reserved_end = seg->map_end;
    seg->nfree = 0;
    heap->pool_bytes += m;
    if (tail) {
        **tail = seg;
        *tail = &seg->next;
        seg->next = NULL;
    } else {
        seg->next = heap->pool;
        heap->pool = seg;
    }
    return true;
}

mgc_segment *mgc_segment_acquire(mgc_heap *heap, mgc_seg_kind kind, size_t need)
{
    /* .seg.reuse: a spare that is big enough */
    for (mgc_segment **pp = &heap->spare; *pp; pp = &(*pp)->next) {
        mgc_segment *s = *pp;
        if ((size_t)(s->reserved_end - s->base) >= need) {
            if (!mgc_segment_commit_to(heap, s, s->base + need))
                return NULL;
            *pp = s->next;
            segment_reset(heap, s, kind);
            segment_append(heap, s);
            return s;
        }
    }
    /* .dec.oom: a segment whose first commit cannot fit under the hard
       limit is not even reserved (nor are its card tables allocated) */
    if (heap->cfg.hard_limit != 0 &&
        (heap->committed > heap->cfg.hard_limit || need > heap->cfg.hard_limit - heap->committed))
        return NULL;
    size_t size = mgc_policy_segment_reserve(heap, kind, need);
    /* .heap.reset: a kept reservation of this size or larger */
    mgc_segment **pp = pool_find(heap, size);
    if (pp) {
        mgc_segment *s = *pp;
        if (!mgc_os_reserve_again(&heap->os))
            return NULL;                       /* .os.fault, as a fresh reserve */
        s->reserved_end = s->base + size;      /* what a fresh mapping would be */
        if (!index_add(heap, s)) {
            s->reserved_end = s->map_end;
            return NULL;
        }
        *pp = s->next;
        heap->pool_bytes -= (size_t)(s->map_end - s->base);
        heap->reserved += size;
        s->ncards = (size + heap->card_size - 1) / heap->card_size;
        segment_reset(heap, s, kind);
        if (!mgc_segment_commit_to(heap, s, s->base + need)) {
            index_remove(heap, s);
            heap->reserved -= size;
            heap->pool_bytes += (size_t)(s->map_end - s->base);
            s->reserved_end = s->map_end;
            s->next = heap->pool;
            heap->pool = s;
            return NULL;
        }
        segment_append(heap, s);
        return s;
    }
    mgc_segment *seg = calloc(1, sizeof *seg);
    if (!seg)
        return NULL;
    seg->sig = MGC_SIG_SEGMENT;
    seg->ncards = (size + heap->card_size - 1) / heap->card_size;
    seg->cards = calloc(seg->ncards, 1);
    seg->bundles = calloc(mgc_cards_bundles_for(seg->ncards), 1);
    seg->markbits = calloc(size / 512u + 1u, sizeof *seg->markbits);
    seg->crossing = calloc(seg->ncards, sizeof *seg->crossing);
    /* aligned so that a segment-cache chunk holds one segment at most
       (.policy.seg-cache) */
    seg->base = mgc_os_reserve_aligned(&heap->os, size, (size_t)1 << heap->seg_cache_shift);
    if (!seg->cards || !seg->bundles || !seg->markbits || !seg->crossing || !seg->base) {
        if (seg->base)
            mgc_os_release(&heap->os, seg->base, size, 0);
        free(seg->cards);
        free(seg->bundles);
        free(seg->markbits);
        free(seg->crossing);
        free(seg);
        return NULL;
    }
    seg->reserved_end = seg->map_end = seg->base + size;
    seg->committed_end = seg->rw_end = seg->base;
    if (heap->huge_page != 0 && (uintptr_t)seg->base % heap->huge_page == 0)
        mgc_os_advise_huge(seg->base, size);             /* .policy.huge */
    heap->reserved += size;
    if (!index_add(heap, seg)) {
        heap->reserved -= size;
        mgc_os_release(&heap->os, seg->base, size, 0);
        free(seg->cards);
        free(seg->bundles);
        free(seg->markbits);
        free(seg->crossing);
        free(seg);
        return NULL;
    }
    segment_reset(heap, seg, kind);
    if (!mgc_segment_commit_to(heap, seg, seg->base + need)) {
        index_remove(heap, seg);
        segment_free(heap, seg);
        return NULL;
    }
    segment_append(heap, seg);
    return seg;
}

void mgc_segment_retire(mgc_heap *heap, mgc_segment *seg)
{
    MGC_AVER(mgc_segment_check(seg) && seg->used == seg->base);
    mgc_segment **pp = seg->kind == MGC_SEG_SOH ? &heap->soh : &heap->loh;
    while (*pp && *pp != seg)
        pp = &(*pp)->next;
    MGC_AVER(*pp == seg);
    *pp = seg->next;
    seg->next = NULL;
    size_t nspare = 0;
    for (mgc_segment *s = heap->spare; s; s = s->next)
        nspare++;
    if (nspare < mgc_policy_keep_spare(heap)) {
        mgc_segment_trim(heap, seg);
        seg->next = heap->spare;
        heap->spare = seg;
        return;
    }
    index_remove(heap, seg);
    if (heap->keep) {                          /* .heap.keep */
        size_t committed = (size_t)(seg->committed_end - seg->base);
        size_t reserved = (size_t)(seg->reserved_end - seg->base);
        if (pool_put(heap, seg, NULL)) {
            heap->committed -= committed;
            heap->reserved -= reserved;
            return;
        }
    }
    segment_free(heap, seg);
}

/* Segments of the lists, in creation order (seq). */
static size_t collect_segments(mgc_heap *heap, mgc_segment ***out)
{
    size_t n = 0;
    mgc_segment *lists[3] = { heap->soh, heap->loh, heap->spare };
    for (int i = 0; i < 3; i++)
        for (mgc_segment *s = lists[i]; s; s = s->next)
            n++;
    *out = NULL;
    if (n == 0)
        return 0;
    mgc_segment **v = malloc(n * sizeof *v);
    if (!v)
        return SIZE_MAX;
    size_t k = 0;
    for (int i = 0; i < 3; i++)
        for (mgc_segment *s = lists[i]; s; s = s->next)
            v[k++] = s;
    for (size_t i = 1; i < n; i++)             /* insertion sort by seq */
        for (size_t j = i; j > 0 && v[j - 1]->seq > v[j]->seq; j--) {
            mgc_segment *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    return n;
}

void mgc_segment_reset_all(mgc_heap *heap)
{
    mgc_segment **v;
    size_t n = collect_segments(heap, &v);
    if (n == SIZE_MAX) {
        mgc_segment_destroy_all(heap);          /* no memory for the order */
        return;
    }
    /* kept reservations: those of this run first, in creation order, then
       those still in the pool (released by a collection of this run, or
       kept by an earlier reset and not taken); beyond MGC_POOL_MAX bytes
       they are released */
    mgc_segment *old = heap->pool;
    mgc_segment **tail = &heap->pool;
    heap->pool = NULL;
    heap->pool_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        mgc_segment *s = v[i];
        if (!pool_put(heap, s, &tail))
            segment_release(heap, s);
    }
    while (old) {
        mgc_segment *s = old;
        old = old->next;
        if (!pool_put(heap, s, &tail))
            segment_release(heap, s);
    }
    *tail = NULL;
    free(v);
    heap->soh = heap->loh = heap->spare = NULL;
    heap->nindex = 0;
    cache_clear(heap);
    heap->committed = heap->reserved = 0;
}

void mgc_segment_destroy_all(mgc_heap *heap)
{
    for (mgc_segment *s = heap->pool; s;) {      /* kept reservations: not counted */
        mgc_segment *n = s->next;
        segment_release(heap, s);
        s = n;
    }
    mgc_segment *lists[3] = { heap->soh, heap->loh, heap->spare };
    for (int i = 0; i < 3; i++) {
        mgc_segment *s = lists[i];
        while (s) {
            mgc_segment *n = s->next;
            segment_free(heap, s);
            s = n;
        }
    }
    heap->soh = heap->loh = heap->spare = heap->pool = NULL;
    free(heap->index);
    heap->index = NULL;
    cache_clear(heap);
    heap->nindex = heap->capindex = 0;
}

/* ===================== walking (.seg.walk) ========================== */

static uint8_t *block_end(const mgc_heap *heap, const mgc_segment *seg, uint8_t *p, void **obj, bool check)
{
    const mgc_type *t = *(const mgc_type **)(p + 8);
    if (t == NULL) {
        /* the unused part of a live allocation window */
        for (unsigned i = 0; i < heap->cfg.threads; i++) {
            const mgc_alloc_ctx *c = &heap->ctx[i];
            if (c->seg == seg && c->ptr == p) {
                *obj = NULL;
                return c->end;
            }
        }
        *obj = NULL;
        return NULL;                                  /* not walkable */
    }
    *obj = p + 8;
    if (check ? !mgc_type_check(heap, t) : t->sig != MGC_SIG_TYPE)
        return NULL;
    size_t size = mgc_obj_size(p + 8);
    if (size < MGC_MIN_OBJ || size > (size_t)(seg->used - p))
        return NULL;
    return p + size;
}

uint8_t *mgc_segment_block_end_slow(const mgc_heap *heap, const mgc_segment *seg, uint8_t *p, void **obj)
{
    return block_end(heap, seg, p, obj, MGC_ASSERT_LEVEL >= 2);
}

uint8_t *mgc_segment_block_end_checked(const mgc_heap *heap, const mgc_segment *seg, uint8_t *p, void **obj)
{
    return block_end(heap, seg, p, obj, true);
}

void mgc_segment_gen_range(const mgc_segment *seg, int g, uint8_t **lo, uint8_t **hi)
{
    if (seg->kind == MGC_SEG_LOH) {
        *lo = seg->base;
        *hi = g == 2 ? seg->used : seg->base;
        return;
    }
    switch (g) {
    case 0: *lo = seg->gen0_start; *hi = seg->used; break;
    case 1: *lo = seg->gen1_start; *hi = seg->gen0_start; break;
    default: *lo = seg->base; *hi = seg->gen1_start; break;
    }
}
