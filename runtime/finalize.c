/* finalize.c -- the finalization queue and the f-reachable queue.
 *
 * Main invariant (.fin.invariant): every object of a type with a finalizer
 * has, between collections, one registered entry per pending finalizer call
 * (one from allocation, one per re-registration of an object whose bit was
 * clear) in a generation segment not older than its object's generation;
 * the f-reachable segments hold the entries the scans found dead.
 *
 * Sections: segments and moves; registration; the scan (SEMANTICS 3 step
 * 3); after a collection (.fin.follow); the drain (SEMANTICS 4); public API;
 * enumeration for the collector; verification; counters.
 *
 * The queue is laid out as CoreCLR's finalization queue is (the order is
 * documented for users in docs/runtime-finalization.md):
 *   .fin.segments  one array, consecutive segments gen2 | gen1 | gen0 |
 *                  critical | normal | free, separated by fill pointers.
 *   .fin.move      an entry changes segment only by crossing boundaries one
 *                  at a time: to reach a later segment it is swapped with
 *                  the last entry of its segment and the boundary moves down
 *                  by one (it becomes the first entry of the next segment);
 *                  to reach an earlier segment it is swapped with the first
 *                  entry and the boundary moves up (it becomes the last entry
 *                  of the previous segment).  These swaps are the order.
 *   .fin.register  a new entry (allocation or re-registration) goes to the
 *                  end of the gen0 segment; every non-empty segment after
 *                  gen0 first gives its first slot to the next one by copying
 *                  that entry to its own end.
 *   .fin.scan      segments of the condemned generations, oldest first, each
 *                  from its last entry to its first; a dead entry moves to
 *                  the critical or normal segment, or, bit set, to free.
 *   .fin.follow    after promotion, for generations N down to 0, each
 *                  segment from first to last: an entry whose object is now
 *                  in another generation moves to that generation's segment.
 *   .fin.take      the drain takes the last normal entry, else the last
 *                  critical one.
 *   .fin.reserve   a slot is reserved when an entry is created, so nothing
 *                  allocates inside a collection.
 *   .fin.drain     the synchronous drain; one at a time per heap; the
 *                  object being finalized is held in q->running, a root
 *                  slot enumerated with the f-reachable entries.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

/* ===================== segments and moves ============================ */

static size_t seg_lo(const struct mgc_finq *q, int k) { return MGC_FSEG_LO(q, k); }
static size_t seg_len(const struct mgc_finq *q, int k) { return q->fill[k] - seg_lo(q, k); }
static size_t finq_used(const struct mgc_finq *q) { return q->fill[MGC_FSEG_NORMAL]; }

static void slot_swap(struct mgc_finq *q, size_t a, size_t b)
{
    void *t = q->slots[a];
    q->slots[a] = q->slots[b];
    q->slots[b] = t;
}

/* .fin.move: moves the entry at index i from segment `from` to segment
   `to` (MGC_FSEG_FREE drops it); returns its new index. */
static size_t finq_move(struct mgc_finq *q, size_t i, int from, int to)
{
    MGC_AVER(from != to && from < MGC_FSEG_COUNT && to <= MGC_FSEG_FREE);
    if (to > from) {
        for (int k = from; k < to; k++) {
            size_t last = q->fill[k] - 1;          /* the entry is in segment k */
            slot_swap(q, i, last);
            q->fill[k]--;                          /* now first of segment k+1 */
            i = last;
        }
    } else {
        for (int k = from; k > to; k--) {
            size_t first = q->fill[k - 1];
            slot_swap(q, i, first);
            q->fill[k - 1]++;                      /* now last of segment k-1 */
            i = first;
        }
    }
    if (to == MGC_FSEG_FREE)
        q->slots[i] = NULL;
    return i;
}

/* .fin.reserve: room for one more entry. */
static bool finq_reserve_one(struct mgc_finq *q)
{
    if (finq_used(q) < q->cap)
        return true;
    size_t ncap = q->cap ? q->cap * 2u : 32u;
    void **n = realloc(q->slots, ncap * sizeof *n);
    if (!n)
        return false;
    memset(n + q->cap, 0, (ncap - q->cap) * sizeof *n);
    q->slots = n;
    q->cap = ncap;
    return true;
}

/* .fin.register: append obj to the gen0 segment (room reserved). */
static void finq_register(struct mgc_finq *q, void *obj)
{
    MGC_AVER(finq_used(q) < q->cap);
    for (int k = MGC_FSEG_NORMAL; k > MGC_FSEG_GEN0; k--) {
        if (seg_len(q, k) > 0)
            q->slots[q->fill[k]] = q->slots[seg_lo(q, k)];
        q->fill[k]++;
    }
    q->slots[q->fill[MGC_FSEG_GEN0]++] = obj;
}

bool mgc_finq_check(const struct mgc_finq *q)
{
    if (!q || q->sig != MGC_SIG_FINQ)
        return false;
    for (int k = 1; k < MGC_FSEG_COUNT; k++)
        if (q->fill[k] < q->fill[k - 1])
            return false;
    return q->fill[MGC_FSEG_NORMAL] <= q->cap && (q->cap == 0 || q->slots != NULL);
}

static bool fin_has_finalizer(const void *obj)
{
    const mgc_type *t = mgc_obj_type(obj);
    return t->has_finalizer && t->cls && t->cls->finalizer;
}

static int fin_gen(mgc_heap *heap, void *obj)
{
    int g = mgc_gc_gen_of(heap, obj);
    MGC_AVER(g >= 0 && g <= 2);
    return g;
}

/* ===================== life cycle =================================== */

mgc_status mgc_finalize_init(mgc_heap *heap)
{
    MGC_AVER(heap != NULL && heap->finq == NULL);
    struct mgc_finq *q = calloc(1, sizeof *q);
    if (!q)
        return MGC_E_OOM;
    q->sig = MGC_SIG_FINQ;
    mgc_status st = mgc_finthread_init(q);
    if (st != MGC_OK) {
        free(q);
        return st;
    }
    heap->finq = q;
    return MGC_OK;
}

void mgc_finalize_destroy(mgc_heap *heap)
{
    struct mgc_finq *q = heap ? heap->finq : NULL;
    if (!q)
        return;
    MGC_AVER(mgc_finq_check(q));
    mgc_finthread_destroy(heap);
    free(q->slots);
    q->sig = 0;
    free(q);
    heap->finq = NULL;
}

/* ===================== registration ================================= */

mgc_status mgc_finalize_register(mgc_heap *heap, void *obj)
{
    struct mgc_finq *q = heap->finq;
    MGC_AVER(obj != NULL && fin_has_finalizer(obj));
    mgc_heap_lock(heap);               /* the allocation fast path runs unlocked */
    mgc_status st = MGC_OK;
    if (!finq_reserve_one(q))
        st = MGC_E_OOM;
    else
        finq_register(q, obj);         /* .fin.register: gen0 whatever the object's generation */
    mgc_heap_unlock(heap);
    return st;
}

/* ===================== the scan (SEMANTICS 3 step 3) ================ */

/* .fin.scan: the segments of generations N..0, each from its last entry to
   its first.  A moved entry's slot receives the segment's last entry, which
   was already visited. */
size_t mgc_finalize_scan(mgc_heap *heap)
{
    struct mgc_finq *q = heap->finq;
    MGC_AVER(mgc_finq_check(q));
    size_t moved = 0;
    for (int k = MGC_FSEG_OF_GEN(heap->condemned); k <= MGC_FSEG_GEN0; k++) {
        size_t lo = seg_lo(q, k);
        for (size_t i = q->fill[k]; i-- > lo;) {
            void *obj = q->slots[i];
            if (!mgc_gc_is_condemned(heap, obj) || mgc_gc_is_live(heap, obj))
                continue;
            uint64_t *h = mgc_obj_header(obj);
            if (*h & MGC_HDR_FINALIZER_RUN) {
                *h &= ~MGC_HDR_FINALIZER_RUN;      /* suppressed: drop the entry */
                finq_move(q, i, k, MGC_FSEG_FREE);
                continue;
            }
            const mgc_type *t = mgc_obj_type(obj);
            finq_move(q, i, k, t->cls->critical ? MGC_FSEG_CRITICAL : MGC_FSEG_NORMAL);
            moved++;
        }
    }
    return moved;
}

/* ===================== after a collection (.fin.follow) ============= */

void mgc_finalize_after_gc(mgc_heap *heap, int condemned_gen)
{
    struct mgc_finq *q = heap->finq;
    MGC_AVER(mgc_finq_check(q));
    MGC_AVER(condemned_gen >= 0 && condemned_gen <= 2);
    for (int g = condemned_gen; g >= 0; g--) {
        int k = MGC_FSEG_OF_GEN(g);
        size_t i = seg_lo(q, k);
        while (i < q->fill[k]) {
            int ng = fin_gen(heap, q->slots[i]);
            if (ng > g) {
                /* the slot receives the segment's first entry (visited) */
                finq_move(q, i, k, MGC_FSEG_OF_GEN(ng));
                i++;
            } else if (ng < g) {
                /* the slot receives the segment's last entry: visit it */
                finq_move(q, i, k, MGC_FSEG_OF_GEN(ng));
            } else {
                i++;
            }
        }
    }
}

/* ===================== the drain (SEMANTICS 4, .fin.drain) ========== */

mgc_status mgc_finalize_drain(mgc_heap *heap, unsigned tid)
{
    struct mgc_finq *q = heap->finq;
    MGC_AVER(mgc_finq_check(q));
    if (q->draining || heap->in_gc)
        return MGC_E_STATE;            /* .fin.reentry: one drain at a time */
    q->draining = true;
    q->drain_tid = tid;
    for (;;) {
        void *obj;
#ifdef MGC_TEST_PLANTS
        if (mgc_plant_drain_left != SIZE_MAX && mgc_plant_drain_left-- == 0)
            break;                     /* plant 3 (finthread.c) */
#endif
        /* .fin.take: the last normal entry, else the last critical one; a
           collection inside a finalizer may add entries to either. */
        if (seg_len(q, MGC_FSEG_NORMAL) > 0) {
            obj = q->slots[--q->fill[MGC_FSEG_NORMAL]];
        } else if (seg_len(q, MGC_FSEG_CRITICAL) > 0) {
            obj = q->slots[--q->fill[MGC_FSEG_CRITICAL]];
            q->fill[MGC_FSEG_NORMAL]--;
        } else {
            break;
        }
        q->slots[finq_used(q)] = NULL;
        q->running = obj;              /* the entry left the queue; obj stays a root */
        uint64_t *h = mgc_obj_header(obj);
        if (*h & MGC_HDR_FINALIZER_RUN) {
            *h &= ~MGC_HDR_FINALIZER_RUN;
            q->running = NULL;
            continue;
        }
        const mgc_type *t = mgc_obj_type(obj);
        q->finalizers_run++;
        mgc_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = MGC_EV_FINALIZER_CALL;
        ev.gen = mgc_gc_gen_of(heap, obj);
        ev.index = q->finalizers_run;
        ev.obj = obj;
        mgc_stats_emit(heap, &ev);
        t->cls->finalizer(heap, (mgc_ref *)&q->running, t->cls->finalizer_ctx);
        q->running = NULL;
    }
    q->draining = false;
    q->drain_tid = 0;
    return MGC_OK;
}

unsigned mgc_finalize_current_tid(mgc_heap *heap)
{
    return heap->finq->draining ? heap->finq->drain_tid : 0u;
}

bool mgc_finalize_freachable_empty(mgc_heap *heap)
{
    struct mgc_finq *q = heap->finq;
    return seg_len(q, MGC_FSEG_NORMAL) == 0 && seg_len(q, MGC_FSEG_CRITICAL) == 0;
}

/* ===================== public API =================================== */

mgc_status mgc_suppress_finalize(mgc_heap *heap, mgc_ref obj)
{
    if (!heap || !obj)
        return MGC_E_BAD_ARG;
    mgc_heap_lock_refs(heap, (void **[]){ &obj }, 1);   /* .thr.protect */
    mgc_status st = MGC_OK;
    if (!mgc_fin_target_ok(heap, obj))
        st = MGC_E_BAD_ARG;
    else if (fin_has_finalizer(obj))   /* .dec.suppress-nofin */
        *mgc_obj_header(obj) |= MGC_HDR_FINALIZER_RUN;
    mgc_heap_unlock(heap);
    return st;
}

mgc_status mgc_reregister_for_finalize(mgc_heap *heap, mgc_ref obj)
{
    if (!heap || !obj)
        return MGC_E_BAD_ARG;
    mgc_heap_lock_refs(heap, (void **[]){ &obj }, 1);   /* .thr.protect */
    struct mgc_finq *q = heap->finq;
    mgc_status st = MGC_OK;
    uint64_t *h = mgc_obj_header(obj);
    if (heap->in_gc)
        st = MGC_E_STATE;
    else if (!mgc_fin_target_ok(heap, obj))
        st = MGC_E_BAD_ARG;
    else if (!fin_has_finalizer(obj))
        ;                              /* .dec.suppress-nofin */
    else if (*h & MGC_HDR_FINALIZER_RUN)
        *h &= ~MGC_HDR_FINALIZER_RUN;  /* SEMANTICS 4: clear, add nothing */
    else if (!finq_reserve_one(q))
        st = MGC_E_OOM;
    else                               /* .fin.register: the gen0 segment */
        finq_register(q, obj);
    mgc_heap_unlock(heap);
    return st;
}

mgc_status mgc_run_finalizers(mgc_heap *heap, unsigned tid)
{
    if (!heap || tid >= heap->cfg.threads)
        return MGC_E_BAD_ARG;
    mgc_heap_lock(heap);
    mgc_status st = mgc_finalize_drain(heap, tid);
    mgc_heap_unlock(heap);
    return st;
}

/* ===================== enumeration for the collector ================ */

static void finq_enum(mgc_heap *heap, int from, int to, mgc_slot_fn fn, void *ctx)
{
    struct mgc_finq *q = heap->finq;
    for (size_t i = seg_lo(q, from); i < q->fill[to]; i++)
        fn(heap, &q->slots[i], ctx);
}

/* Roots: the critical and normal segments, then the object being finalized. */
void mgc_finalize_enum_freachable(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    struct mgc_finq *q = heap->finq;
    finq_enum(heap, MGC_FSEG_CRITICAL, MGC_FSEG_NORMAL, fn, ctx);
    if (q->running)
        fn(heap, &q->running, ctx);
}

/* Relocation: every segment in array order, then the running slot. */
void mgc_finalize_enum_all(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    struct mgc_finq *q = heap->finq;
    finq_enum(heap, MGC_FSEG_GEN2, MGC_FSEG_NORMAL, fn, ctx);
    if (q->running)
        fn(heap, &q->running, ctx);
}

size_t mgc_finq_seg_count(mgc_heap *heap, int seg)
{
    return seg_len(heap->finq, seg);
}

void *mgc_finq_seg_get(mgc_heap *heap, int seg, size_t i)
{
    struct mgc_finq *q = heap->finq;
    return i < seg_len(q, seg) ? q->slots[seg_lo(q, seg) + i] : NULL;
}

/* ===================== verification ================================= */

#define FIN_FAIL(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); \
                           return MGC_E_VERIFY; } while (0)

mgc_status mgc_finalize_verify(mgc_heap *heap, char *err, size_t errlen)
{
    struct mgc_finq *q = heap->finq;
    if (!mgc_finq_check(q))
        FIN_FAIL("finalize: queue header corrupt");
    static const char *const names[MGC_FSEG_COUNT] = {
        "gen2 segment", "gen1 segment", "gen0 segment", "f-reachable critical",
        "f-reachable normal"};
    for (int k = 0; k < MGC_FSEG_COUNT; k++) {
        for (size_t i = seg_lo(q, k); i < q->fill[k]; i++) {
            void *obj = q->slots[i];
            if (!obj)
                FIN_FAIL("finalize: %s entry %zu is null", names[k], i);
            if (!mgc_is_object(heap, obj))
                FIN_FAIL("finalize: %s entry %zu (%p) is not an object", names[k], i, obj);
            if (!fin_has_finalizer(obj))
                FIN_FAIL("finalize: %s entry %zu (%p) has type %s without a finalizer",
                         names[k], i, obj, mgc_type_name(mgc_obj_type(obj)));
            if (k <= MGC_FSEG_GEN0) {
                int g = mgc_gc_gen_of(heap, obj);
                if (g < MGC_FSEG_GEN0 - k)
                    FIN_FAIL("finalize: %s entry %zu (%p) is gen%d, younger than its segment",
                             names[k], i, obj, g);
            } else if (mgc_obj_type(obj)->cls->critical != (k == MGC_FSEG_CRITICAL)) {
                FIN_FAIL("finalize: %s entry %zu (%p) is in the wrong f-reachable segment",
                         names[k], i, obj);
            }
        }
    }
    for (size_t i = finq_used(q); i < q->cap; i++)
        if (q->slots[i])
            FIN_FAIL("finalize: free slot %zu is not cleared", i);
    if (q->running && !mgc_is_object(heap, q->running))
        FIN_FAIL("finalize: the object being finalized (%p) is not an object", q->running);
    return MGC_OK;
}

/* ===================== counters ===================================== */

void mgc_fin_stats(mgc_heap *heap, mgc_stats *out)
{
    mgc_heap_lock(heap);
    out->handles = mgc_handles_live_count(heap);
    out->finalizers_run = heap->finq ? heap->finq->finalizers_run : 0;
    mgc_heap_unlock(heap);
}
