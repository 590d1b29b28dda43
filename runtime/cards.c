/* cards.c -- the write barrier and the card table.
 *
 * .cards.invariant  EVERY OLD-TO-YOUNG REFERENCE HAS ITS CARD SET: whenever a
 *                   reference slot of an object of generation g (large
 *                   objects: 2) holds a reference to an object of a younger
 *                   generation, the card covering the slot's address is set.
 *                   mgc_verify checks it.
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
 * .cards.keep       a gen0 collection leaves the cards of the older ranges as
 *                   they are: whatever their slots named is at most one
 *                   generation older now, still younger than or as old as
 *                   the slot, so a card may stay set without need (the
 *                   invariant is an implication) but never goes missing.  Such
 *                   cards are re-decided by the next gen1 or gen2 collection
 *                   (.budget.cards brings one when they pile up).
 * .cards.demoted    for a demoted object (.plan.demote) the rules above use
 *                   the generation of the range its slots lie in as the
 *                   holder's (so its cards are those of any object there)
 *                   and its own generation as a referent's; a card scan for
 *                   roots skips demoted objects of condemned generations.
 * One card byte covers mgc_policy_card_size() bytes of a segment.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

static inline size_t card_index(const mgc_heap *heap, const mgc_segment *seg, const void *p)
{
    return (size_t)((const uint8_t *)p - seg->base) >> heap->card_shift;
}

void mgc_cards_mark(mgc_heap *heap, mgc_segment *seg, void **slot)
{
    seg->cards[card_index(heap, seg, slot)] = 1;
    seg->any_card = true;
}

bool mgc_cards_is_set(const mgc_segment *seg, const void *slot)
{
    /* card size is a policy constant; recompute the index from it */
    size_t i = (size_t)((const uint8_t *)slot - seg->base) >> mgc_policy_card_shift();
    return i < seg->ncards && seg->cards[i] != 0;
}

/* ===================== the write barrier (.cards.barrier) ============= */

void mgc_store(mgc_heap *heap, mgc_ref obj, size_t i, mgc_ref value)
{
    MGC_AVER(obj != NULL && i < mgc_obj_nslots(obj));
    MGC_AVER2(mgc_is_object(heap, obj) && (value == NULL || mgc_is_object(heap, value)));
    void **slot = &mgc_obj_slots(obj)[i];
    *slot = value;
    if (!value)
        return;
    mgc_segment *so = mgc_segment_of(heap, obj);
    MGC_AVER(so != NULL);
    int go = mgc_segment_gen_at(so, mgc_obj_block(obj));
    if (go == 0)
        return;                       /* nothing is younger than gen0 */
    mgc_segment *sv = mgc_segment_of(heap, value);
    MGC_AVER(sv != NULL);
    if (go > mgc_obj_gen_in(sv, value))        /* .cards.demoted */
        mgc_cards_mark(heap, so, slot);
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

/* Visit the slots of [lo, hi) (an older range) that lie in set cards, run
   of set cards by run of set cards. */
static size_t scan_card_runs(mgc_heap *heap, mgc_segment *seg, uint8_t *hi, mgc_slot_fn fn, void *ctx,
                             bool clear, bool skip_condemned)
{
    size_t nset = 0;
    size_t cs = heap->card_size;
    size_t kend = ((size_t)(hi - seg->base) + cs - 1) >> heap->card_shift;
    size_t k = 0;
    while (k < kend) {
        if (!seg->cards[k]) {
            /* skip clear cards a word at a time */
            k++;
            while (k + 8 <= kend) {
                uint64_t w;
                memcpy(&w, seg->cards + k, 8);
                if (w)
                    break;
                k += 8;
            }
            continue;
        }
        size_t k2 = k;
        while (k2 + 1 < kend && seg->cards[k2 + 1])
            k2++;
        nset += k2 + 1 - k;
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
            /* a demoted object of a condemned generation is no root: it
               is traced if marked (.cards.demoted) */
            if (!mgc_obj_type(obj)->is_free &&
                !(skip_condemned && mgc_demoted_condemned(heap, obj))) {
                void **slots = mgc_obj_slots(obj);
                size_t n = mgc_obj_nslots(obj);
                size_t i = (uint8_t *)slots >= cstart ? 0 : (size_t)(cstart - (uint8_t *)slots) / 8u;
                for (; i < n && (uint8_t *)&slots[i] < cend; i++)
                    fn(heap, &slots[i], ctx);
            }
            p = e;
        }
        k = k2 + 1;
    }
    return nset;
}

size_t mgc_cards_enum_old(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    MGC_AVER(heap->in_gc && heap->condemned < 2);
    size_t n = 0;
    for (mgc_segment *seg = heap->soh; seg; seg = seg->next)
        if (seg->any_card)
            n += scan_card_runs(heap, seg, seg->cond_start, fn, ctx, false, true);
    for (mgc_segment *seg = heap->loh; seg; seg = seg->next)
        if (seg->any_card)
            n += scan_card_runs(heap, seg, seg->used, fn, ctx, false, true);
    return n;
}

/* ===================== rebuilding after a collection ================= */

typedef struct rebuild_ctx {
    mgc_segment *seg;
    bool any;
} rebuild_ctx;

/* Set the card of one slot if it holds an old-to-young reference; the
   object's generation is the generation of any address inside it. */
static void rebuild_slot(mgc_heap *heap, void **slot, void *vctx)
{
    rebuild_ctx *rc = vctx;
    void *v = *slot;
    if (!v)
        return;
    mgc_segment *sv = (uint8_t *)v >= rc->seg->base && (uint8_t *)v < rc->seg->reserved_end
                          ? rc->seg : mgc_segment_of(heap, v);
    if (sv && mgc_obj_gen_in(sv, v) < mgc_segment_gen_at(rc->seg, (uint8_t *)slot)) {
        rc->seg->cards[card_index(heap, rc->seg, slot)] = 1;
        rc->any = true;
    }
}

/* Rebuild the cards of one segment in place.  [all_from, used) is the
   condemned range, which now holds survivors (and free objects) only: its
   blocks are walked once, each entered in the crossing map when it lies
   below note_hi (the older ranges), counted by generation (.stats.sizes)
   and its slots checked.  Below all_from only set cards are looked at, and
   only by a gen1 or gen2 collection: a gen0 collection keeps them as they
   are (.cards.keep). */
static void rebuild_segment(mgc_heap *heap, mgc_segment *seg, uint8_t *all_from, uint8_t *note_hi,
                            int youngest)
{
    if (!seg->any_card && all_from >= seg->used)
        return;                                     /* no cards, nothing condemned */
    size_t cs = heap->card_size;
    rebuild_ctx rc = { seg, false };
    /* older objects: only cards that were set, each cleared and re-decided */
    if (heap->condemned == 0)
        rc.any = seg->any_card;
    else if (seg->any_card && all_from > seg->base)
        scan_card_runs(heap, seg, all_from, rebuild_slot, &rc, true, false);
    /* cards wholly in the condemned range (as it was before the GC) start clear */
    size_t kfrom = ((size_t)(all_from - seg->base) + cs - 1) >> heap->card_shift;
    size_t kto = ((size_t)(seg->gc_used - seg->base) + cs - 1) >> heap->card_shift;
    if (seg->any_card && kto > kfrom)
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
    for (mgc_segment *seg = heap->soh; seg; seg = seg->next) {
        if (seg->gen0_start < seg->used)
            youngest = 0;
        else if (seg->gen1_start < seg->gen0_start && youngest > 1)
            youngest = 1;
    }
    for (size_t i = 0; i < heap->demoted.n; i++)      /* .plan.demote */
        if (heap->demoted.gen[i] < youngest)
            youngest = heap->demoted.gen[i];
    for (mgc_segment *seg = heap->soh; seg; seg = seg->next)
        rebuild_segment(heap, seg, seg->cond_start, seg->gen0_start, youngest);
    for (mgc_segment *seg = heap->loh; seg; seg = seg->next) {
        uint8_t *from = heap->condemned == 2 ? seg->base : seg->used;
        rebuild_segment(heap, seg, from, seg->used, youngest);
    }
}
