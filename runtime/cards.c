/* cards.c -- the write barrier and the card table.
 *
 * .cards.invariant  EVERY OLD-TO-YOUNG REFERENCE HAS ITS CARD SET: whenever a
 *                   reference slot of an object of generation g (large
 *                   objects: 2) holds a reference to an object of a younger
 *                   generation t, the card covering the slot's address has
 *                   the bit of generation t set.  mgc_verify checks it.
 * .cards.gens       a card byte holds one bit per young generation it may
 *                   refer to: MGC_CARD_GEN0 (1), MGC_CARD_GEN1 (2).  A gen0
 *                   collection scans only cards with the gen0 bit, so cards
 *                   kept for old objects naming gen1 objects cost it nothing;
 *                   a gen1 collection scans both.
 * .cards.bundles    one bundle byte per 64 cards holds at least the union of
 *                   its cards' bits (a bit may stay set without need), so
 *                   scans skip 16 KiB of a segment without a card of the
 *                   generations they want in one byte.
 * .cards.log       the barrier also appends the slot to the heap's dirty-card
 *                   log when its store turned a card's gen0 bit on (the
 *                   atomic or returns the old bits, so among racing threads
 *                   exactly one appends).  A gen0 collection whose log is
 *                   complete -- no overflow, and the previous collection
 *                   left no gen0 bit set (the collector sets gen0 bits only
 *                   when gen0 keeps survivors) -- visits the cards of the
 *                   logged slots, sorted, instead of walking every
 *                   segment's bundles: its card work is proportional to the
 *                   stores since the last collection, not to the size of the
 *                   old generation.  At MGC_ASSERT_LEVEL >= 2 the bundle scan
 *                   runs as well and must find the same number of cards.
 *                   The card rebuild empties the log.
 * .cards.barrier    mgc_store is the only way the embedder writes a reference
 *                   into an object; it sets the card when the stored value is
 *                   younger than the object written to.
 * .cards.roots      a gen0 or gen1 collection takes its roots in older
 *                   generations (SEMANTICS 2) from the slots in set cards only,
 *                   scanning only objects outside the condemned range; by the
 *                   invariant no other old slot can refer to a condemned object.
 * .cards.rebuild    after a collection the cards are recomputed: survivors of
 *                   the condemned range get cards for their old-to-young slots
 *                   (promotion can create such pairs), and set cards of older
 *                   objects are kept only while they still hold an old-to-young
 *                   reference.  A reference from an untouched older object can
 *                   only become "less young", so cards that were clear stay
 *                   clear.
 * .cards.keep       a gen0 collection does not re-decide the cards of the older
 *                   ranges: a gen0 card it scanned becomes a gen1 card (what
 *                   its slots named was promoted), or gen0 + gen1 when some
 *                   gen0 survivors stayed in gen0; other cards stay as they
 *                   are.  A card may so stay set without need (the invariant
 *                   is an implication) but never goes missing.  The next
 *                   gen1 or gen2 collection re-decides them (.budget.cards
 *                   brings one when they pile up).
 * .cards.demoted    for a demoted object (.plan.demote) the rules above use
 *                   the generation of the range its slots lie in as the
 *                   holder's (so its cards are those of any object there)
 *                   and its own generation as a referent's; a card scan for
 *                   roots skips demoted objects of condemned generations.
 * One card byte covers mgc_policy_card_size() bytes of a segment.
 */
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MGC_CARD_GEN0 1u
#define MGC_CARD_GEN1 2u
#define BUNDLE_SHIFT 6u                   /* 64 cards per bundle byte */

static inline size_t card_index(const mgc_heap *heap, const mgc_segment *seg, const void *p)
{
    return (size_t)((const uint8_t *)p - seg->base) >> heap->card_shift;
}

static inline void card_set(mgc_heap *heap, mgc_segment *seg, size_t k, unsigned bits)
{
    if ((bits & MGC_CARD_GEN0) && !(seg->cards[k] & MGC_CARD_GEN0))
        heap->card_log_partial = true;           /* .cards.log: not logged */
    seg->cards[k] |= (uint8_t)bits;
    seg->bundles[k >> BUNDLE_SHIFT] |= (uint8_t)bits;
}

/* A bundle byte as the union of its cards' bits. */
static void bundle_recompute(mgc_segment *seg, size_t b)
{
    size_t k = b << BUNDLE_SHIFT, stop = k + ((size_t)1 << BUNDLE_SHIFT);
    if (stop > seg->ncards)
        stop = seg->ncards;
    uint8_t bits = 0;
    for (; k < stop; k++)
        bits |= seg->cards[k];
    seg->bundles[b] = bits;
}

/* The bit of a young generation (0 or 1). */
static inline unsigned card_bit(int target_gen) { return 1u << target_gen; }

void mgc_cards_mark(mgc_heap *heap, mgc_segment *seg, void **slot, int target_gen)
{
    MGC_AVER2(target_gen == 0 || target_gen == 1);
    /* .thr.barrier: mutators on several threads set bits of the same card
       and bundle bytes; test first (the bit is usually set), then set it
       atomically so no thread's bit is lost */
    size_t k = card_index(heap, seg, slot);
    uint8_t bit = (uint8_t)card_bit(target_gen);
    if ((__atomic_load_n(&seg->cards[k], __ATOMIC_RELAXED) & bit) == 0 &&
        (__atomic_fetch_or(&seg->cards[k], bit, __ATOMIC_RELAXED) & bit) == 0 && bit == MGC_CARD_GEN0) {
        /* .cards.log: this store turned the gen0 bit on */
        size_t n = atomic_fetch_add_explicit(&heap->card_log_n, 1u, memory_order_relaxed);
        if (n < MGC_CARD_LOG)
            heap->card_log[n] = slot;
    }
    if ((__atomic_load_n(&seg->bundles[k >> BUNDLE_SHIFT], __ATOMIC_RELAXED) & bit) == 0)
        __atomic_fetch_or(&seg->bundles[k >> BUNDLE_SHIFT], bit, __ATOMIC_RELAXED);
    if (!__atomic_load_n(&seg->any_card, __ATOMIC_RELAXED))
        __atomic_store_n(&seg->any_card, true, __ATOMIC_RELAXED);
}

bool mgc_cards_is_set(const mgc_segment *seg, const void *slot, int target_gen)
{
    size_t i = (size_t)((const uint8_t *)slot - seg->base) >> mgc_policy_card_shift();
    return i < seg->ncards && target_gen >= 0 && target_gen <= 1 &&
           (seg->cards[i] & card_bit(target_gen)) != 0;
}

size_t mgc_cards_bundles_for(size_t ncards) { return (ncards >> BUNDLE_SHIFT) + 1u; }

/* ===================== the write barrier (.cards.barrier) ============= */

/* The barrier after the holder was found not to be a gen0 object of the
   segment-cache hit (or the cache missed). */
static __attribute__((noinline)) void store_barrier(mgc_heap *heap, mgc_ref obj, void **slot, mgc_ref value)
{
    mgc_segment *so = mgc_segment_of(heap, obj);
    MGC_AVER(so != NULL);
    int go = mgc_segment_gen_at(so, mgc_obj_block(obj));
    if (go == 0)
        return;                       /* nothing is younger than gen0 */
    mgc_segment *sv = mgc_segment_of(heap, value);
    MGC_AVER(sv != NULL);
    int gv = mgc_obj_gen_in(sv, value);        /* .cards.demoted */
    if (go > gv)
        mgc_cards_mark(heap, so, slot, gv);
}

/* .cards.barrier-fast: a store into a gen0 object (the common case: new
   objects are filled in) needs no card; the segment cache says so without
   a call, and the rest of the barrier is a tail call. */
void mgc_store(mgc_heap *heap, mgc_ref obj, size_t i, mgc_ref value)
{
    MGC_AVER(obj != NULL && i < mgc_obj_nslots(obj));
    MGC_AVER2(mgc_threads_concurrent(heap) ||   /* no safe point here (docs/threads.md) */
              (mgc_is_object(heap, obj) && (value == NULL || mgc_is_object(heap, value))));
    void **slot = &mgc_obj_slots(obj)[i];
    *slot = value;
    if (!value)
        return;
    const mgc_segment *s = atomic_load_explicit(&heap->seg_cache[((uintptr_t)obj >> heap->seg_cache_shift) %
                                                                 MGC_SEG_CACHE], memory_order_relaxed);
    if (s && s->kind == MGC_SEG_SOH && mgc_obj_block(obj) >= s->gen0_start &&
        (const uint8_t *)obj < s->reserved_end)
        return;                       /* a gen0 holder (gen0_start >= base) */
    store_barrier(heap, obj, slot, value);
}

/* ===================== the crossing map (.cards.crossing) ============ */
/* For every card whose first byte lies in an older generation (SOH: below
   gen0_start; LOH: below used), crossing[k] is the block that covers that
   byte.  Older ranges change only during collections (and LOH allocation),
   which keep the map current, so a card scan starts at the right object
   instead of walking the segment from its base. */

void mgc_cards_note_block(mgc_heap *heap, mgc_segment *seg, uint8_t *p, size_t size)
{
    size_t cs = heap->card_size;
    unsigned sh = heap->card_shift;
    size_t off = (size_t)(p - seg->base);
    size_t k = (off + cs - 1) >> sh;
    size_t last = (off + size - 1) >> sh;
    uint32_t v = (uint32_t)(off / 8u);
    for (; k <= last && k < seg->ncards; k++)
        seg->crossing[k] = v;
}

void mgc_cards_note_blocks(mgc_heap *heap, mgc_segment *seg, uint8_t *from, uint8_t *to)
{
    uint8_t *p = from;
    while (p < to) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL);
        mgc_cards_note_block(heap, seg, p, (size_t)(e - p));
        p = e;
    }
}

/* ===================== old roots from cards (.cards.roots) =========== */

/* The first card at or after k, before kend, with a bit of mask; kend if
   none.  Bundles skip 64 clear cards at a time, and a word of clear
   bundles at a time. */
static size_t next_card(const mgc_segment *seg, size_t k, size_t kend, unsigned mask)
{
    const uint64_t wmask = (uint64_t)mask * 0x0101010101010101ull;
    while (k < kend) {
        size_t b = k >> BUNDLE_SHIFT;
        if (!(seg->bundles[b] & mask)) {
            b++;
            size_t bend = ((kend - 1) >> BUNDLE_SHIFT) + 1u;
            while (b + 8 <= bend) {
                uint64_t w;
                memcpy(&w, seg->bundles + b, 8);
                if (w & wmask)
                    break;
                b += 8;
            }
            while (b < bend && !(seg->bundles[b] & mask))
                b++;
            k = b << BUNDLE_SHIFT;
            continue;
        }
        size_t stop = (b + 1u) << BUNDLE_SHIFT;
        if (stop > kend)
            stop = kend;
        for (; k < stop; k++)
            if (seg->cards[k] & mask)
                return k;
    }
    return kend;
}

/* Note the run [k, k2] in runs (.cards.keep). */
static void record_run(mgc_heap *heap, mgc_mark_stack *runs, mgc_segment *seg, size_t k, size_t k2)
{
    if (heap->card_rec_lost)
        return;
    if (runs->n + 3 > runs->cap) {
        size_t cap = runs->cap ? runs->cap * 2 : 1024;
        void **items = realloc(runs->items, cap * sizeof *items);
        if (!items) {
            heap->card_rec_lost = true;
            return;
        }
        runs->items = items;
        runs->cap = cap;
    }
    runs->items[runs->n++] = seg;
    runs->items[runs->n++] = (void *)(uintptr_t)k;
    runs->items[runs->n++] = (void *)(uintptr_t)k2;
}

/* Visit the slots of one run of cards [k, k2] below hi. */
static void scan_run(mgc_heap *heap, mgc_segment *seg, uint8_t *hi, size_t k, size_t k2, mgc_slot_fn fn,
                     void *ctx, bool clear, bool skip_condemned, mgc_mark_stack *runs)
{
    size_t cs = heap->card_size;
    if (runs)
        record_run(heap, runs, seg, k, k2);
    if (clear)                                  /* rebuilt in place: fn sets them again */
        memset(seg->cards + k, 0, k2 + 1 - k);
    uint8_t *cstart = seg->base + k * cs;
    uint8_t *cend = seg->base + (k2 + 1) * cs;
    if (cend > hi)
        cend = hi;
    uint8_t *p = seg->base + (size_t)seg->crossing[k] * 8u;
    while (p < cend) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL && obj != NULL);
        /* a demoted object of a condemned generation is no root: it is
           traced if marked (.cards.demoted) */
        if (!mgc_obj_type(obj)->is_free && !(skip_condemned && mgc_demoted_condemned(heap, obj))) {
            void **slots = mgc_obj_slots(obj);
            size_t n = mgc_obj_nslots(obj);
            size_t i = (uint8_t *)slots >= cstart ? 0 : (size_t)(cstart - (uint8_t *)slots) / 8u;
            for (; i < n && (uint8_t *)&slots[i] < cend; i++)
                fn(heap, &slots[i], ctx);
        }
        p = e;
    }
}

/* Visit the slots of [base, hi) (an older range) that lie in cards with a
   bit of mask, run of such cards by run.  `clear`: the run's cards are
   cleared first (the visitor sets them again).  Each run is recorded in
   runs when runs is not NULL.  Returns the number of cards visited.
   .cards.prefetch: set cards of a big old generation are far apart, so the
   runs are found a few ahead of the one being scanned and their memory and
   crossing entries prefetched. */
#define RUN_AHEAD 8u
static size_t scan_card_runs(mgc_heap *heap, mgc_segment *seg, uint8_t *hi, mgc_slot_fn fn, void *ctx,
                             bool clear, bool skip_condemned, unsigned mask, mgc_mark_stack *runs)
{
    size_t nset = 0;
    size_t cs = heap->card_size;
    size_t kend = ((size_t)(hi - seg->base) + cs - 1) >> heap->card_shift;
    size_t qk[RUN_AHEAD], qk2[RUN_AHEAD];
    unsigned head = 0, n = 0;
    size_t k = next_card(seg, 0, kend, mask);
    for (;;) {
        while (n < RUN_AHEAD && k < kend) {
            size_t k2 = k;
            while (k2 + 1 < kend && (seg->cards[k2 + 1] & mask))
                k2++;
            unsigned slot = (head + n) % RUN_AHEAD;
            qk[slot] = k;
            qk2[slot] = k2;
            n++;
            __builtin_prefetch(&seg->crossing[k]);
            uint8_t *a = seg->base + k * cs;
            for (unsigned l = 0; l < 4u && a < hi; l++, a += 64)   /* the first card's lines */
                __builtin_prefetch(a);
            k = next_card(seg, k2 + 1, kend, mask);
        }
        if (n == 0)
            break;
        nset += qk2[head] + 1 - qk[head];
        scan_run(heap, seg, hi, qk[head], qk2[head], fn, ctx, clear, skip_condemned, runs);
        head = (head + 1) % RUN_AHEAD;
        n--;
    }
    return nset;
}

/* The cards a collection of generation N < 2 looks at (.cards.gens). */
static unsigned condemned_mask(const mgc_heap *heap)
{
    return heap->condemned == 0 ? MGC_CARD_GEN0 : MGC_CARD_GEN0 | MGC_CARD_GEN1;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return x < y ? -1 : x > y;
}

/* The end (exclusive) of the cards a scan for roots looks at in seg. */
static size_t old_kend(const mgc_heap *heap, const mgc_segment *seg)
{
    const uint8_t *hi = seg->kind == MGC_SEG_SOH ? seg->cond_start : seg->used;
    return ((size_t)(hi - seg->base) + heap->card_size - 1) >> heap->card_shift;
}

/* .cards.log-prefetch: the logged cards of a big old generation are far
   apart, each a cache (and TLB) miss on its card byte, its crossing entry
   and its memory; visited one after the other these misses add up.  The
   log is sorted, so the entries LOG_AHEAD places ahead are known: their
   lines are requested while the current card is scanned. */
#define LOG_AHEAD 16u
static void prefetch_logged(mgc_heap *heap, void *slot)
{
    mgc_segment *seg = mgc_segment_of(heap, slot);
    if (!seg)
        return;
    size_t k = card_index(heap, seg, slot);
    if (k >= seg->ncards)
        return;
    __builtin_prefetch(&seg->cards[k]);
    __builtin_prefetch(&seg->crossing[k]);
    const uint8_t *a = seg->base + (k << heap->card_shift);
    if (a > seg->base)
        __builtin_prefetch(a - 64);        /* the object crossing into the card */
    for (size_t off = 0; off < heap->card_size && a + off < seg->used; off += 64)
        __builtin_prefetch(a + off);
}

/* .cards.log: the gen0 cards of the logged slots, sorted and merged into
   runs of adjacent cards, each visited as the bundle scan would. */
static size_t enum_old_log(mgc_heap *heap, mgc_slot_fn fn, void *ctx, mgc_mark_stack *runs)
{
    size_t n = atomic_load_explicit(&heap->card_log_n, memory_order_relaxed);
    void **log = heap->card_log;
    qsort(log, n, sizeof *log, cmp_ptr);
    size_t nset = 0, i = 0, pf = 0;
    while (i < n) {
        mgc_segment *seg = mgc_segment_of(heap, log[i]);
        MGC_AVER(seg != NULL);
        size_t kend = old_kend(heap, seg);
        size_t k = card_index(heap, seg, log[i]);
        /* the cards of this segment's entries, as runs */
        size_t k1 = SIZE_MAX, k2 = 0;
        for (;;) {
            for (; pf < n && pf < i + LOG_AHEAD; pf++)    /* .cards.log-prefetch */
                if (pf == 0 || (uintptr_t)log[pf] >> heap->card_shift != (uintptr_t)log[pf - 1] >> heap->card_shift)
                    prefetch_logged(heap, log[pf]);
            bool more = i < n && (uint8_t *)log[i] >= seg->base && (uint8_t *)log[i] < seg->reserved_end;
            if (more)
                k = card_index(heap, seg, log[i]);
            if (more && k < kend && (seg->cards[k] & MGC_CARD_GEN0) && k1 != SIZE_MAX && k <= k2 + 1) {
                if (k > k2)
                    k2 = k;                        /* the run goes on */
                i++;
                continue;
            }
            if (k1 != SIZE_MAX) {                  /* the run [k1, k2] ends */
                nset += k2 + 1 - k1;
                scan_run(heap, seg, seg->kind == MGC_SEG_SOH ? seg->cond_start : seg->used, k1, k2, fn, ctx,
                         false, true, runs);
                k1 = SIZE_MAX;
            }
            if (!more)
                break;
            if (k < kend && (seg->cards[k] & MGC_CARD_GEN0))
                k1 = k2 = k;                       /* a new run */
            i++;
        }
    }
    return nset;
}

/* Is the log complete for this gen0 collection? */
static bool log_usable(const mgc_heap *heap)
{
    return heap->condemned == 0 && !heap->card_log_partial &&
           atomic_load_explicit(&heap->card_log_n, memory_order_relaxed) <= MGC_CARD_LOG;
}

static size_t enum_old_bundles(mgc_heap *heap, mgc_slot_fn fn, void *ctx, mgc_mark_stack *runs);

static size_t enum_old(mgc_heap *heap, mgc_slot_fn fn, void *ctx, mgc_mark_stack *runs)
{
    MGC_AVER(heap->in_gc && heap->condemned < 2);
    if (!log_usable(heap))
        return enum_old_bundles(heap, fn, ctx, runs);
    size_t n = enum_old_log(heap, fn, ctx, runs);
    if (runs)
        heap->card_log_scans++;
#if MGC_ASSERT_LEVEL >= 2
    /* the bundles must hold exactly the cards the log led to */
    size_t all = 0;
    for (int l = 0; l < 2; l++)
        for (mgc_segment *seg = l == 0 ? heap->soh : heap->loh; seg; seg = seg->next) {
            size_t kend = old_kend(heap, seg);
            for (size_t k = next_card(seg, 0, kend, MGC_CARD_GEN0); k < kend;
                 k = next_card(seg, k + 1, kend, MGC_CARD_GEN0))
                all++;
        }
    if (all != n) {
        fprintf(stderr, "mgc: the dirty-card log led to %zu gen0 cards, the bundles hold %zu\n", n, all);
        MGC_AVER2(all == n);
    }
#endif
    return n;
}

static size_t enum_old_bundles(mgc_heap *heap, mgc_slot_fn fn, void *ctx, mgc_mark_stack *runs)
{
    unsigned mask = condemned_mask(heap);
    size_t n = 0;
    for (mgc_segment *seg = heap->soh; seg; seg = seg->next)
        if (seg->any_card)
            n += scan_card_runs(heap, seg, seg->cond_start, fn, ctx, false, true, mask, runs);
    for (mgc_segment *seg = heap->loh; seg; seg = seg->next)
        if (seg->any_card)
            n += scan_card_runs(heap, seg, seg->used, fn, ctx, false, true, mask, runs);
    return n;
}

size_t mgc_cards_enum_old(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    return enum_old(heap, fn, ctx, NULL);
}

size_t mgc_cards_enum_old_rec(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    return enum_old(heap, fn, ctx, &heap->card_runs);
}

/* ===================== rebuilding after a collection ================= */

typedef struct rebuild_ctx {
    mgc_segment *seg;
    bool any;
} rebuild_ctx;

/* Set the card bit of one slot if it holds an old-to-young reference; the
   object's generation is the generation of any address inside it. */
static void rebuild_slot(mgc_heap *heap, void **slot, void *vctx)
{
    rebuild_ctx *rc = vctx;
    void *v = *slot;
    if (!v)
        return;
    mgc_segment *sv = (uint8_t *)v >= rc->seg->base && (uint8_t *)v < rc->seg->reserved_end
                          ? rc->seg : mgc_segment_of(heap, v);
    if (!sv)
        return;
    int gv = mgc_obj_gen_in(sv, v);            /* .cards.demoted */
    if (gv < mgc_segment_gen_at(rc->seg, (uint8_t *)slot)) {
        card_set(heap, rc->seg, card_index(heap, rc->seg, slot), card_bit(gv));
        rc->any = true;
    }
}

/* Bundles from the cards (after a gen1 or gen2 collection re-decided them). */
static void bundles_recompute(mgc_segment *seg)
{
    size_t nb = mgc_cards_bundles_for(seg->ncards);
    for (size_t b = 0; b < nb; b++)
        if (seg->bundles[b])
            bundle_recompute(seg, b);
}

/* Rebuild the cards of one segment in place.  [all_from, used) is the
   condemned range, which now holds survivors (and free objects) only: its
   blocks are walked once, each entered in the crossing map when it lies
   below note_hi (the older ranges), counted by generation (.stats.sizes)
   and its slots checked.  Below all_from only set cards are looked at, and
   only by a gen1 or gen2 collection (.cards.keep). */
static void rebuild_segment(mgc_heap *heap, mgc_segment *seg, uint8_t *all_from, uint8_t *note_hi,
                            int youngest)
{
    if (!seg->any_card && all_from >= seg->used)
        return;                                     /* no cards, nothing condemned */
    size_t cs = heap->card_size;
    bool had_cards = seg->any_card;
    rebuild_ctx rc = { seg, false };
    /* older objects: only cards that were set, each cleared and re-decided */
    if (heap->condemned == 0)
        rc.any = seg->any_card;
    else if (seg->any_card && all_from > seg->base)
        scan_card_runs(heap, seg, all_from, rebuild_slot, &rc, true, false, MGC_CARD_GEN0 | MGC_CARD_GEN1, NULL);
    /* cards wholly in the condemned range (as it was before the GC) start clear */
    size_t kfrom = ((size_t)(all_from - seg->base) + cs - 1) >> heap->card_shift;
    size_t kto = ((size_t)(seg->gc_used - seg->base) + cs - 1) >> heap->card_shift;
    if (had_cards && kto > kfrom)
        memset(seg->cards + kfrom, 0, (kto < seg->ncards ? kto : seg->ncards) - kfrom);
    /* survivors of the condemned range: every slot */
    uint8_t *p = all_from;
    while (p < seg->used) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL);
        if (p < note_hi)
            mgc_cards_note_block(heap, seg, p, (size_t)(e - p));
        if (obj && !mgc_obj_type(obj)->is_free) {
            int g = mgc_segment_gen_at(seg, p);
            if (g > youngest) {               /* else nothing younger exists */
                void **slots = mgc_obj_slots(obj);
                size_t n = mgc_obj_nslots(obj);
                for (size_t k = 0; k < n; k++)
                    rebuild_slot(heap, &slots[k], &rc);
            }
            /* .stats.sizes: survivors by the generation they are in now */
            if (seg->kind == MGC_SEG_LOH)
                heap->walked_loh += (uint64_t)(e - p);
            else
                heap->walked[mgc_obj_gen_in(seg, obj)] += (uint64_t)(e - p);
        }
        p = e;
    }
    seg->any_card = rc.any;
    if (heap->condemned >= 1 && had_cards)
        bundles_recompute(seg);
}

/* .cards.keep: the gen0 cards the mark scanned in the older ranges now
   name gen1 objects (or, when gen0 kept survivors, gen0 or gen1 ones). */
static void keep_scanned_cards(mgc_heap *heap, int youngest)
{
    const uint8_t to = youngest >= 1 ? MGC_CARD_GEN1 : MGC_CARD_GEN0 | MGC_CARD_GEN1;
    if (to & MGC_CARD_GEN0)
        heap->card_log_partial = true;     /* .cards.log: kept gen0 bits */
    if (!heap->card_rec_lost) {
        mgc_mark_stack *r = &heap->card_runs;
        for (size_t i = 0; i + 2 < r->n; i += 3) {
            mgc_segment *seg = r->items[i];
            size_t k = (size_t)(uintptr_t)r->items[i + 1], k2 = (size_t)(uintptr_t)r->items[i + 2];
            size_t b0 = k >> BUNDLE_SHIFT, b1 = k2 >> BUNDLE_SHIFT;
            for (; k <= k2; k++)
                if (seg->cards[k] & MGC_CARD_GEN0) {
                    seg->cards[k] = (uint8_t)((seg->cards[k] & ~MGC_CARD_GEN0) | to);
                    heap->cards_kept++;
                }
            for (size_t b = b0; b <= b1; b++)
                bundle_recompute(seg, b);
        }
        return;
    }
    /* the list ran out of memory: every card of the older ranges */
    for (int l = 0; l < 2; l++)
        for (mgc_segment *seg = l == 0 ? heap->soh : heap->loh; seg; seg = seg->next) {
            if (!seg->any_card)
                continue;
            size_t kend = ((size_t)(seg->cond_start - seg->base) + heap->card_size - 1) >> heap->card_shift;
            for (size_t k = 0; k < kend && k < seg->ncards; k++)
                if (seg->cards[k] & MGC_CARD_GEN0) {
                    seg->cards[k] = (uint8_t)((seg->cards[k] & ~MGC_CARD_GEN0) | to);
                    heap->cards_kept++;
                }
            bundles_recompute(seg);
        }
}

void mgc_cards_rebuild(mgc_heap *heap)
{
    heap->walked[0] = heap->walked[1] = heap->walked[2] = heap->walked_loh = 0;
    /* survivors outside the condemned range: demoted ones (.plan.demote) */
    for (int g = 0; g < 3; g++)
        heap->walked[g] = heap->demote_walked[g];
    /* the youngest generation that holds anything now: an object in it
       cannot refer to a younger one (after a promoting gen0 or gen1
       collection every gen0 is empty, so its survivors need no slot check) */
    int youngest = 2;
    /* .gc.cond-segs: only segments with a condemned range hold gen0
       objects after a gen0 collection (the others have none), so the
       others are looked at only when none of these holds gen0 or gen1 */
    size_t it = 0;
    for (mgc_segment *seg = mgc_cond_next(heap, NULL, &it); seg; seg = mgc_cond_next(heap, seg, &it)) {
        if (seg->gen0_start < seg->used)
            youngest = 0;
        else if (seg->gen1_start < seg->gen0_start && youngest > 1)
            youngest = 1;
    }
    if (youngest == 2 || heap->condemned > 0)
        for (mgc_segment *seg = heap->soh; seg; seg = seg->next) {
            if (seg->gen0_start < seg->used)
                youngest = 0;
            else if (seg->gen1_start < seg->gen0_start && youngest > 1)
                youngest = 1;
        }
    for (size_t i = 0; i < heap->demoted.n; i++)      /* .plan.demote */
        if (heap->demoted.gen[i] < youngest)
            youngest = heap->demoted.gen[i];
    /* .cards.log: empty; gen0 bits this collection leaves set (card_set,
       kept gen0 cards) make it partial */
    atomic_store_explicit(&heap->card_log_n, 0, memory_order_relaxed);
    heap->card_log_partial = false;
    if (heap->condemned == 0)
        keep_scanned_cards(heap, youngest);
    else
        heap->cards_kept = 0;                  /* every card re-decided below */
    if (heap->condemned == 0) {
        /* .gc.cond-segs: with an empty condemned range a gen0 rebuild
           changes nothing (.cards.keep leaves the older cards alone) */
        it = 0;
        for (mgc_segment *seg = mgc_cond_next(heap, NULL, &it); seg; seg = mgc_cond_next(heap, seg, &it))
            rebuild_segment(heap, seg, seg->cond_start, seg->gen0_start, youngest);
    } else {
        for (mgc_segment *seg = heap->soh; seg; seg = seg->next)
            rebuild_segment(heap, seg, seg->cond_start, seg->gen0_start, youngest);
    }
    for (mgc_segment *seg = heap->loh; seg; seg = seg->next) {
        uint8_t *from = heap->condemned == 2 ? seg->base : seg->used;
        rebuild_segment(heap, seg, from, seg->used, youngest);
    }
}
