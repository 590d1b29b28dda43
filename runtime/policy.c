/* policy.c -- every tuning decision of the runtime, in one place.
 *
 * Nothing else in the runtime picks a number: budgets, window sizes,
 * segment sizes, commit steps, card size and when to give memory back are
 * all decided here (.policy.one-file).
 */
#include "internal.h"

/* .policy.card: one card byte covers 256 bytes of a segment, as CoreCLR's
   64-bit card size. */
size_t mgc_policy_card_size(void) { return 256u; }

/* .policy.window: an allocation window is 8 KiB (CoreCLR's allocation
   quantum), but never more than an eighth of a segment so tiny segments
   still hold several windows. */
size_t mgc_policy_window_size(const mgc_heap *heap)
{
    size_t w = 8192u;
    size_t eighth = heap->cfg.segment_size / 8u;
    if (eighth < w)
        w = eighth;
    if (w < 256u)
        w = 256u;
    return mgc_align8(w);
}

/* .policy.segment: small-object and LOH segments reserve segment_size bytes,
   or enough for the request (objects bigger than a segment get a segment
   sized to fit), rounded to pages. */
size_t mgc_policy_segment_reserve(const mgc_heap *heap, mgc_seg_kind kind, size_t need)
{
    size_t page = heap->os.page;
    size_t size = heap->cfg.segment_size;
    (void)kind;
    if (size < need)
        size = need;
    return (size + page - 1) / page * page;
}

/* .policy.commit: commit at least 64 KiB at a time (fewer system calls),
   whole pages. */
size_t mgc_policy_commit_step(const mgc_heap *heap, size_t need)
{
    size_t page = heap->os.page;
    size_t step = 64u * 1024u;
    if (need > step)
        step = need;
    return (step + page - 1) / page * page;
}

/* .policy.spare: keep one empty segment of each kind for reuse; release the
   others when a collection empties them. */
size_t mgc_policy_keep_spare(const mgc_heap *heap) { (void)heap; return 1u; }

/* .policy.trim: after a collection keep committed, beyond a segment's used
   part, what gen0 will allocate before the next budget collection (at least
   64 KiB, at most 4 MiB), so allocation does not fault pages back in after
   every collection; decommit the rest.  Under a hard limit nothing is kept:
   committed bytes are the scarce resource. */
size_t mgc_policy_committed_slack(const mgc_heap *heap)
{
    if (heap->cfg.hard_limit != 0)
        return 0;
    size_t s = heap->cfg.gen0_budget + mgc_policy_window_size(heap);
    if (s < 64u * 1024u)
        s = 64u * 1024u;
    if (heap->cfg.gen0_budget == 0 || s > 4u * 1024u * 1024u)
        s = 4u * 1024u * 1024u;
    return s;
}

/* .policy.budget (SEMANTICS 6, .dec.promo-acc, .dec.budget-zero,
   .dec.budget-compare): the generation of a budget-triggered collection. */
int mgc_policy_budget_gen(const mgc_heap *heap)
{
    int gen = 0;
    if (heap->cfg.gen1_budget != 0 && heap->promoted1 > heap->cfg.gen1_budget)
        gen = 1;
    if (heap->cfg.gen2_budget != 0 && heap->promoted2 > heap->cfg.gen2_budget)
        gen = 2;
    return gen;
}

/* "allocated + s > budget" without overflow for huge s */
static bool exceeds(uint64_t allocated, size_t s, size_t budget)
{
    return budget != 0 && (s > budget || allocated > budget - s);
}

bool mgc_policy_gen0_exceeded(const mgc_heap *heap, uint64_t allocated, size_t s)
{
    return exceeds(allocated, s, heap->cfg.gen0_budget);
}

bool mgc_policy_loh_exceeded(const mgc_heap *heap, size_t s)
{
    return exceeds(heap->loh_alloc, s, heap->cfg.loh_budget);
}

/* .policy.segment-size: the configured segment size is a tuning knob, not a
   rule: it is rounded to pages and kept between 4 pages and 1 GiB (a
   segment is still sized to fit one bigger object). */
size_t mgc_policy_segment_size(size_t requested, size_t page)
{
    size_t lo = 4u * page, hi = (size_t)1 << 30;
    size_t s = requested < lo ? lo : requested > hi ? hi : requested;
    return (s + page - 1) / page * page;
}

/* .policy.loader: a loader heap block reserves 64 KiB (and commits a page at
   a time, loader_heap.c). */
size_t mgc_policy_loader_reserve(void) { return 64u * 1024u; }
