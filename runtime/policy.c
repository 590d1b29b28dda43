/* policy.c -- every tuning decision of the runtime, in one place.
 *
 * Nothing else in the runtime picks a number: budgets, window sizes,
 * segment sizes, commit steps, card size and when to give memory back are
 * all decided here (.policy.one-file).
 */
#include "internal.h"

/* .policy.card: one card byte covers 256 bytes of a segment, as CoreCLR's
   64-bit card size (a power of two: card indexes are shifts). */
unsigned mgc_policy_card_shift(void) { return 8u; }
size_t mgc_policy_card_size(void) { return (size_t)1 << mgc_policy_card_shift(); }

/* .policy.seg-cache: the segment-lookup cache is direct-mapped by address
   >> shift, 2^shift the largest power of two not above the segment size,
   and segments are reserved at multiples of 2^shift (.os.align): a chunk of
   2^shift bytes then belongs to one segment at most, and the 512 slots
   cover 512 chunks before two addresses share a slot. */
unsigned mgc_policy_seg_cache_shift(const mgc_heap *heap)
{
    unsigned sh = 12;
    while (sh < 40 && ((size_t)1 << (sh + 1)) <= heap->cfg.segment_size)
        sh++;
    return sh;
}

/* .policy.mark-stack: the mark stack grows up to 64 Ki entries (512 KiB);
   beyond that an object is marked unscanned and its range rescanned
   (.mark.overflow), so marking needs bounded memory on any heap shape.
   The configuration may set a smaller size (tests: a few entries). */
size_t mgc_policy_mark_stack_entries(const mgc_heap *heap)
{
    size_t n = heap->cfg.mark_stack_entries;
    return n ? n : (size_t)1 << 16;
}

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

/* .policy.huge: in the default configuration (dynamic gen0 budget, no hard
   limit) small-object and large-object segments of at least 2 MiB are
   backed by transparent huge pages where the platform offers them, and
   are committed in whole 2 MiB steps: a gen0 collection that follows the
   cards into a big old generation then misses the TLB once per 2 MiB
   instead of once per page.  Returns the huge page size in use, 0 for
   none (fixed budgets and a hard limit keep the exact page-sized commits
   the tests count). */
size_t mgc_policy_huge_page(const mgc_heap *heap)
{
    const size_t huge = 2u * 1024u * 1024u;
    if (!heap->budget_dynamic[0] || heap->cfg.hard_limit != 0 || heap->cfg.segment_size < huge ||
        !mgc_os_huge_pages(huge))
        return 0;
    return huge;
}

/* .policy.spare: keep empty segments for reuse, release the others when a
   collection empties them.  With a dynamic gen1 budget (the default
   configuration) as many as the young generations take before the next
   gen1 collection (gen0 + gen1 budgets, the trim slack's reasoning): a
   segment handed out again then costs no page faults, where a fresh one
   has the kernel fault in and zero every page once more.  Fixed budgets
   and a hard limit keep one. */
size_t mgc_policy_keep_spare(const mgc_heap *heap)
{
    if (!heap->budget_dynamic[1] || heap->cfg.hard_limit != 0)
        return 1u;
    size_t seg = heap->cfg.segment_size, cap = 64u * 1024u * 1024u;
    size_t want = heap->budget[0] + heap->budget[1];
    want += heap->budget[2] < cap ? heap->budget[2] : cap;
    if (want > cap)
        want = cap;
    size_t n = (want + seg - 1) / seg;
    return n < 1u ? 1u : n;
}

/* .policy.trim: after a collection keep committed, beyond a segment's used
   part, what the young generations will take before the next gen1
   collection: the gen0 budget (allocation) plus the gen1 budget (what
   promotion adds below it), at least 64 KiB, at most 16 MiB, so allocation
   and promotion do not fault pages back in (the kernel zeroing them again)
   after every collection; decommit the rest.  A budget of 0 (no limit)
   counts as 4 MiB.  Under a hard limit nothing is kept: committed bytes are
   the scarce resource. */
size_t mgc_policy_committed_slack(const mgc_heap *heap)
{
    if (heap->cfg.hard_limit != 0)
        return 0;
    const size_t cap = 16u * 1024u * 1024u, none = 4u * 1024u * 1024u;
    size_t b0 = heap->budget[0] == 0 || heap->budget[0] > cap ? none : heap->budget[0];
    size_t b1 = heap->budget[1] == 0 || heap->budget[1] > cap ? none : heap->budget[1];
    size_t s = b0 + b1 + mgc_policy_window_size(heap);
    if (s < 64u * 1024u)
        s = 64u * 1024u;
    return s > cap ? cap : s;
}

/* .policy.budget (SEMANTICS 6, .dec.promo-acc, .dec.budget-zero,
   .dec.budget-compare): the generation of a budget-triggered collection. */
int mgc_policy_budget_gen(const mgc_heap *heap)
{
    int gen = 0;
    if (heap->budget[1] != 0 && heap->promoted1 > heap->budget[1])
        gen = 1;
    /* .budget.cards: with a dynamic gen1 budget, once gen0 collections have
       kept more than 4096 cards for old objects naming gen1 objects
       (.cards.keep) since the last gen1 collection, collect gen1: that
       promotes their targets and clears those cards, which a gen1
       collection must scan (about 1 MiB of old objects at most) */
    if (heap->budget_dynamic[1] && heap->cards_kept > 4096u)
        gen = 1;
    if (heap->budget[2] != 0 && heap->promoted2 > heap->budget[2])
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
    return exceeds(allocated, s, heap->budget[0]);
}

bool mgc_policy_loh_exceeded(const mgc_heap *heap, size_t s)
{
    return exceeds(heap->loh_alloc, s, heap->budget[MGC_BUDGET_LOH]);
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

/* ===================== dynamic budgets (.budget.dynamic) ============== */

/* .budget.rules: a dynamic budget is recomputed after every collection of
   its generation (gen0: every collection; gen1: N >= 1; gen2 and the LOH:
   N == 2) from that generation's survival rate r = bytes of its objects
   that survived / bytes of its objects when the collection started.  A
   growth factor goes linearly from `lo` at r = 0 to `hi` at r >= `sat`
   (all in thousandths).  gen0 and gen1 budgets are growth x survivors (the
   more survives, the more a collection costs, the more allocation it may
   wait for); gen2 and the LOH are budgets of growth *beyond* the
   generation's size after the collection: (growth - 1) x size.  The result
   is kept within [min, max]. */
typedef struct budget_rule {
    size_t min, max;
    uint32_t lo, hi, sat;             /* growth at r = 0, at r >= sat (x1000) */
    bool of_size;                     /* (growth - 1) x size, not growth x survivors */
} budget_rule;

#define KIB ((size_t)1024)
#define MIB ((size_t)1024 * 1024)

/* .budget.gen0-initial: gen0 starts at, and never goes below, the size of
   the core's second-level cache (a gen0 that fits it keeps the survivors a
   collection touches hot), kept within [256 KiB, 4 MiB]; 256 KiB when the
   platform does not say.  Under a hard limit at most an eighth of it. */
static size_t gen0_min_budget(const mgc_heap *heap)
{
    size_t c = mgc_os_cache_size(2);
    if (c == 0)
        c = 256u * KIB;
    if (c < 256u * KIB)
        c = 256u * KIB;
    if (c > 4u * MIB)
        c = 4u * MIB;
    if (heap->cfg.hard_limit != 0 && c > heap->cfg.hard_limit / 8u)
        c = heap->cfg.hard_limit / 8u < 64u * KIB ? 64u * KIB : heap->cfg.hard_limit / 8u;
    return mgc_align8(c);
}

static budget_rule rule_of(const mgc_heap *heap, int b)
{
    budget_rule r;
    switch (b) {
    case 0:   /* .budget.gen0 */
        r = (budget_rule){ heap->gen0_min_budget, 6u * MIB, 2000, 8000, 250, false };
        break;
    case 1:   /* .budget.gen1: bytes promoted into gen1 */
        r = (budget_rule){ 2u * MIB, 16u * MIB, 2000, 7000, 500, false };
        break;
    case 2:   /* .budget.gen2: bytes promoted into gen2 */
        r = (budget_rule){ 10u * MIB, (size_t)1 << 40, 1200, 1800, 900, true };
        break;
    default:  /* .budget.loh: large bytes allocated */
        r = (budget_rule){ 16u * MIB, (size_t)1 << 40, 1250, 4500, 900, true };
        break;
    }
    if (r.max < r.min)
        r.max = r.min;
    if (heap->cfg.hard_limit != 0 && r.max > heap->cfg.hard_limit / 2u)
        r.max = r.min > heap->cfg.hard_limit / 2u ? r.min : heap->cfg.hard_limit / 2u;
    return r;
}

/* .budget.pause: a gen0 collection costs about its survivors; after the
   bounds, the gen0 budget is also kept at most at pause_bytes / p (but not
   under 256 KiB), where p is the recent peak of gen0's survival rate (the
   last rate, or the previous peak less a quarter, whichever is higher), so
   that a gen0 collection handles about pause_bytes of survivors even when
   survival comes back after a dip (768 KiB: well inside the 1 ms goal of
   the gen0 pause on the benchmark machine, docs/benchmarks.md).  This one
   may take gen0 below its minimum. */
static size_t gen0_pause_bytes(void) { return 768u * KIB; }

void mgc_policy_budgets_init(mgc_heap *heap)
{
    const size_t cfgb[MGC_NBUDGETS] = { heap->cfg.gen0_budget, heap->cfg.gen1_budget,
                                        heap->cfg.gen2_budget, heap->cfg.loh_budget };
    heap->gen0_min_budget = gen0_min_budget(heap);
    for (int b = 0; b < MGC_NBUDGETS; b++) {
        heap->budget_dynamic[b] = cfgb[b] == MGC_BUDGET_DYNAMIC;
        heap->budget[b] = heap->budget_dynamic[b] ? rule_of(heap, b).min : cfgb[b];
        heap->survival_pm[b] = 0;
    }
}

static uint32_t permille(uint64_t part, uint64_t whole)
{
    if (whole == 0)
        return 0;
    if (part >= whole)
        return 1000;
    return (uint32_t)((part * 1000u + whole / 2u) / whole);
}

static size_t recompute(const mgc_heap *heap, int b, uint32_t r_pm, uint64_t survivors, uint64_t size)
{
    budget_rule r = rule_of(heap, b);
    uint64_t g = r_pm >= r.sat ? r.hi : r.lo + (uint64_t)(r.hi - r.lo) * r_pm / r.sat;
    uint64_t want = r.of_size ? (g > 1000 ? (g - 1000) * (size / 1000u) : 0)
                              : g * (survivors / 1000u) + g * (survivors % 1000u) / 1000u;
    if (want < r.min)
        want = r.min;
    if (want > r.max)
        want = r.max;
    uint32_t peak = heap->gen0_peak_pm;
    if (b == 0 && peak > 0) {                     /* .budget.pause */
        uint64_t cap = (uint64_t)gen0_pause_bytes() * 1000u / peak;
        if (cap < 256u * KIB)
            cap = 256u * KIB;
        if (want > cap)
            want = cap;
    }
    return mgc_align8((size_t)want);
}

/* After a collection of generation `gen`: survival rates and new budgets
   (.budget.rules).  gen_begin holds the sizes when it started; the
   survivors are what the plan counted by origin generation. */
void mgc_policy_budgets_after_gc(mgc_heap *heap, int gen)
{
    const uint64_t *surv = heap->surv;
    const uint64_t after[MGC_NBUDGETS] = { heap->gen_bytes[0], heap->gen_bytes[1],
                                           heap->gen_bytes[2], heap->loh_bytes };
    for (int b = 0; b < MGC_NBUDGETS; b++) {
        int g = b == MGC_BUDGET_LOH ? 2 : b;
        if (g > gen)
            continue;
        heap->survival_pm[b] = permille(surv[b], heap->gen_begin[b]);
        if (b == 0) {
            /* .budget.pause: the recent peak decays by a quarter per GC */
            uint32_t decayed = heap->gen0_peak_pm - heap->gen0_peak_pm / 4u;
            heap->gen0_peak_pm = heap->survival_pm[0] > decayed ? heap->survival_pm[0] : decayed;
        }
        if (heap->budget_dynamic[b])
            heap->budget[b] = recompute(heap, b, heap->survival_pm[b], surv[b], after[b]);
    }
}

/* .budget.promotion (.clr.no-promotion): in the clr profile, with a dynamic
   gen0 budget, a gen0 or gen1 collection whose survivors are fewer than a
   tenth of gen0's minimum budget for each generation it condemns keeps
   them in their generations: promoting a few young objects would only age
   them before they die.  The strict profile always promotes. */
bool mgc_policy_promote(const mgc_heap *heap)
{
    if (heap->cfg.profile != MGC_PROFILE_CLR || !heap->budget_dynamic[0] || heap->condemned == 2)
        return true;
    uint64_t survivors = heap->marked_bytes;
    uint64_t threshold = (uint64_t)heap->gen0_min_budget / 10u * (uint64_t)(heap->condemned + 1);
    return survivors >= threshold;
}
