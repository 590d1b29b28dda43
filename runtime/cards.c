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
 * One card byte covers mgc_policy_card_size() bytes of a segment.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

static inline size_t card_index(const mgc_heap *heap, const mgc_segment *seg, const void *p)
{
    return (size_t)((const uint8_t *)p - seg->base) / heap->card_size;
}

void mgc_cards_mark(mgc_heap *heap, mgc_segment *seg, void **slot)
{
    seg->cards[card_index(heap, seg, slot)] = 1;
    seg->any_card = true;
}

bool mgc_cards_is_set(const mgc_segment *seg, const void *slot)
{
    /* card size is a policy constant; recompute the index from it */
    size_t i = (size_t)((const uint8_t *)slot - seg->base) / mgc_policy_card_size();
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
    mgc_segment *sv = mgc_segment_of(heap, value);
    MGC_AVER(so != NULL && sv != NULL);
    if (mgc_segment_gen_at(so, mgc_obj_block(obj)) > mgc_segment_gen_at(sv, mgc_obj_block(value)))
        mgc_cards_mark(heap, so, slot);
}

/* ===================== old roots from cards (.cards.roots) =========== */

static bool obj_has_card(const mgc_heap *heap, const mgc_segment *seg, uint8_t *block, uint8_t *end)
{
    size_t a = card_index(heap, seg, block), b = card_index(heap, seg, end - 1);
    for (size_t k = a; k <= b; k++)
        if (seg->cards[k])
            return true;
    return false;
}

static void scan_carded(mgc_heap *heap, mgc_segment *seg, uint8_t *lo, uint8_t *hi,
                        mgc_slot_fn fn, void *ctx)
{
    uint8_t *p = lo;
    while (p < hi) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL);
        if (obj && !mgc_obj_type(obj)->is_free && obj_has_card(heap, seg, p, e)) {
            void **slots = mgc_obj_slots(obj);
            size_t n = mgc_obj_nslots(obj);
            for (size_t k = 0; k < n; k++)
                if (seg->cards[card_index(heap, seg, &slots[k])])
                    fn(heap, &slots[k], ctx);
        }
        p = e;
    }
}

void mgc_cards_enum_old(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    MGC_AVER(heap->in_gc && heap->condemned < 2);
    for (mgc_segment *seg = heap->soh; seg; seg = seg->next)
        if (seg->any_card)
            scan_carded(heap, seg, seg->base, seg->cond_start, fn, ctx);
    for (mgc_segment *seg = heap->loh; seg; seg = seg->next)
        if (seg->any_card)
            scan_carded(heap, seg, seg->base, seg->used, fn, ctx);
}

/* ===================== rebuilding after a collection ================= */

static void rebuild_segment(mgc_heap *heap, mgc_segment *seg, uint8_t *all_from, uint8_t *scratch)
{
    memset(scratch, 0, seg->ncards);
    bool any = false;
    uint8_t *p = seg->any_card ? seg->base : all_from;
    while (p < seg->used) {
        void *obj;
        uint8_t *e = mgc_segment_block_end(heap, seg, p, &obj);
        MGC_AVER(e != NULL);
        if (obj && !mgc_obj_type(obj)->is_free) {
            bool all = p >= all_from;
            if (all || obj_has_card(heap, seg, p, e)) {
                int g = mgc_segment_gen_at(seg, p);
                void **slots = mgc_obj_slots(obj);
                size_t n = mgc_obj_nslots(obj);
                for (size_t k = 0; k < n; k++) {
                    void *v = slots[k];
                    size_t ci = card_index(heap, seg, &slots[k]);
                    if (!v || (!all && !seg->cards[ci]))
                        continue;
                    mgc_segment *sv = mgc_segment_of(heap, v);
                    if (sv && mgc_segment_gen_at(sv, mgc_obj_block(v)) < g) {
                        scratch[ci] = 1;
                        any = true;
                    }
                }
            }
        }
        p = e;
    }
    memcpy(seg->cards, scratch, seg->ncards);
    seg->any_card = any;
}

void mgc_cards_rebuild(mgc_heap *heap)
{
    size_t max = 0;
    for (mgc_segment *s = heap->soh; s; s = s->next)
        if (s->ncards > max) max = s->ncards;
    for (mgc_segment *s = heap->loh; s; s = s->next)
        if (s->ncards > max) max = s->ncards;
    uint8_t *scratch = malloc(max ? max : 1);
    MGC_AVER(scratch != NULL);
    for (mgc_segment *seg = heap->soh; seg; seg = seg->next)
        rebuild_segment(heap, seg, seg->cond_start, scratch);
    for (mgc_segment *seg = heap->loh; seg; seg = seg->next)
        rebuild_segment(heap, seg, heap->condemned == 2 ? seg->base : seg->used, scratch);
    free(scratch);
}
