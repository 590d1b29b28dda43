/* finalize.c -- the finalization queue and the f-reachable queue.
 *
 * Main invariant (.fin.invariant): every object of a type with a finalizer
 * has, between collections, one registered entry per pending finalizer call
 * (one from allocation, one per re-registration of an object whose bit was
 * clear), in the partition of its current generation; the f-reachable
 * lists hold the entries the last scans found dead, oldest first.
 *
 * Sections: queue lists; registration; the scan (SEMANTICS 3 step 3);
 * after a collection (.fin.follow); the drain (SEMANTICS 4); public API;
 * enumeration for the collector; verification; counters.
 *
 * Design notes cited in the code (the order is documented for users in
 * docs/runtime-finalization.md):
 *   .fin.partitions  one list per generation 0, 1, 2.
 *   .fin.order       the scan visits partition 0, 1, 2 in list order; the
 *                    f-reachable lists are FIFO; the drain takes normal
 *                    entries before critical ones.  No address is ever a key.
 *   .fin.follow      after a collection, each partition is rebuilt from the
 *                    entries of partitions 2, 1, 0 in that order (list
 *                    order within each): entries already there come first,
 *                    promoted arrivals after them.
 *   .fin.reserve     every list (and the scratch array) keeps capacity for
 *                    every entry in existence, reserved when an entry is
 *                    created, so nothing allocates inside a collection.
 *   .fin.drain       the synchronous drain; one at a time per heap; the
 *                    object being finalized is held in q->running, a root
 *                    slot enumerated with the f-reachable entries.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

/* ===================== queue lists ================================== */

static size_t finlist_count(const mgc_finlist *l) { return l->len - l->head; }

static bool finlist_check(const mgc_finlist *l)
{
    return l->head <= l->len && l->len <= l->cap && (l->cap == 0 || l->objs != NULL);
}

static void finlist_compact(mgc_finlist *l)
{
    if (l->head == 0)
        return;
    memmove(l->objs, l->objs + l->head, finlist_count(l) * sizeof *l->objs);
    l->len -= l->head;
    l->head = 0;
}

/* Make room for `want` entries in total (.fin.reserve). */
static bool finlist_reserve(mgc_finlist *l, size_t want)
{
    if (want <= l->cap)
        return true;                   /* finlist_push compacts when needed */
    finlist_compact(l);
    size_t ncap = l->cap ? l->cap * 2u : 32u;
    if (ncap < want)
        ncap = want;
    void **n = realloc(l->objs, ncap * sizeof *n);
    if (!n)
        return false;
    l->objs = n;
    l->cap = ncap;
    return true;
}

/* Append; capacity was reserved (.fin.reserve). */
static void finlist_push(mgc_finlist *l, void *obj)
{
    if (l->len == l->cap)
        finlist_compact(l);
    MGC_AVER(l->len < l->cap);
    l->objs[l->len++] = obj;
}

static bool finlist_pop(mgc_finlist *l, void **out)
{
    if (l->head == l->len)
        return false;
    *out = l->objs[l->head];
    l->objs[l->head++] = NULL;
    if (l->head == l->len)
        l->head = l->len = 0;
    return true;
}

static size_t finq_total(const struct mgc_finq *q)
{
    return q->part[0].len + q->part[1].len + q->part[2].len + finlist_count(&q->normal) +
           finlist_count(&q->critical);
}

/* .fin.reserve: room for one more entry in every list. */
static bool finq_reserve_one(struct mgc_finq *q)
{
    size_t want = finq_total(q) + 1u;
    for (int g = 0; g < 3; g++)
        if (!finlist_reserve(&q->part[g], want))
            return false;
    if (!finlist_reserve(&q->normal, want) || !finlist_reserve(&q->critical, want))
        return false;
    if (q->scratch_cap < want) {
        size_t ncap = q->scratch_cap ? q->scratch_cap * 2u : 32u;
        if (ncap < want)
            ncap = want;
        void **n = realloc(q->scratch, ncap * sizeof *n);
        if (!n)
            return false;
        q->scratch = n;
        q->scratch_cap = ncap;
    }
    return true;
}

bool mgc_finq_check(const struct mgc_finq *q)
{
    if (!q || q->sig != MGC_SIG_FINQ)
        return false;
    for (int g = 0; g < 3; g++)
        if (!finlist_check(&q->part[g]) || q->part[g].head != 0)
            return false;
    return finlist_check(&q->normal) && finlist_check(&q->critical);
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
    for (int g = 0; g < 3; g++)
        free(q->part[g].objs);
    free(q->normal.objs);
    free(q->critical.objs);
    free(q->scratch);
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
        finlist_push(&q->part[fin_gen(heap, obj)], obj);
    mgc_heap_unlock(heap);
    return st;
}

/* ===================== the scan (SEMANTICS 3 step 3) ================ */

/* .fin.order: partitions 0, 1, 2, each in list order.  Entries of live or
   uncondemned objects stay in place (relative order kept). */
size_t mgc_finalize_scan(mgc_heap *heap)
{
    struct mgc_finq *q = heap->finq;
    MGC_AVER(mgc_finq_check(q));
    size_t moved = 0;
    for (int g = 0; g < 3; g++) {
        mgc_finlist *l = &q->part[g];
        size_t keep = 0;
        for (size_t i = 0; i < l->len; i++) {
            void *obj = l->objs[i];
            if (!mgc_gc_is_condemned(heap, obj) || mgc_gc_is_live(heap, obj)) {
                l->objs[keep++] = obj;
                continue;
            }
            uint64_t *h = mgc_obj_header(obj);
            if (*h & MGC_HDR_FINALIZER_RUN) {
                *h &= ~MGC_HDR_FINALIZER_RUN;      /* suppressed: drop the entry */
                continue;
            }
            const mgc_type *t = mgc_obj_type(obj);
            finlist_push(t->cls->critical ? &q->critical : &q->normal, obj);
            moved++;
        }
        l->len = keep;
    }
    return moved;
}

/* ===================== after a collection (.fin.follow) ============= */

void mgc_finalize_after_gc(mgc_heap *heap, int condemned_gen)
{
    struct mgc_finq *q = heap->finq;
    MGC_AVER(mgc_finq_check(q));
    MGC_AVER(condemned_gen >= 0 && condemned_gen <= 2);
    size_t total = q->part[0].len + q->part[1].len + q->part[2].len;
    if (total == 0)
        return;
    MGC_AVER(q->scratch_cap >= total);
    /* Count entries per destination; partitions older than the condemned
       generation cannot change. */
    size_t cnt[3] = {0, 0, 0};
    for (int p = 0; p < 3; p++) {
        if (p > condemned_gen) {
            cnt[p] += q->part[p].len;
            continue;
        }
        for (size_t i = 0; i < q->part[p].len; i++)
            cnt[fin_gen(heap, q->part[p].objs[i])]++;
    }
    size_t off[3] = {0, cnt[0], cnt[0] + cnt[1]};
    for (int p = 2; p >= 0; p--) {
        for (size_t i = 0; i < q->part[p].len; i++) {
            void *obj = q->part[p].objs[i];
            int g = p > condemned_gen ? p : fin_gen(heap, obj);
            q->scratch[off[g]++] = obj;
        }
    }
    size_t start = 0;
    for (int g = 0; g < 3; g++) {
        MGC_AVER(q->part[g].cap >= cnt[g] || cnt[g] == 0);
        if (cnt[g])
            memcpy(q->part[g].objs, q->scratch + start, cnt[g] * sizeof *q->scratch);
        q->part[g].len = cnt[g];
        start += cnt[g];
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
        /* .fin.order: every normal entry before any critical one; a
           collection inside a finalizer may add entries to either list. */
        if (!finlist_pop(&q->normal, &obj) && !finlist_pop(&q->critical, &obj))
            break;
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
    return finlist_count(&q->normal) == 0 && finlist_count(&q->critical) == 0;
}

/* ===================== public API =================================== */

mgc_status mgc_suppress_finalize(mgc_heap *heap, mgc_ref obj)
{
    if (!heap || !obj)
        return MGC_E_BAD_ARG;
    mgc_heap_lock(heap);
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
    mgc_heap_lock(heap);
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
    else                               /* .dec.rereg-partition */
        finlist_push(&q->part[fin_gen(heap, obj)], obj);
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

static void finlist_enum(mgc_heap *heap, mgc_finlist *l, mgc_slot_fn fn, void *ctx)
{
    for (size_t i = l->head; i < l->len; i++)
        fn(heap, &l->objs[i], ctx);
}

/* Roots: normal list, critical list, then the object being finalized. */
void mgc_finalize_enum_freachable(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    struct mgc_finq *q = heap->finq;
    finlist_enum(heap, &q->normal, fn, ctx);
    finlist_enum(heap, &q->critical, fn, ctx);
    if (q->running)
        fn(heap, &q->running, ctx);
}

/* Relocation: partitions 0, 1, 2, then the f-reachable slots (each once). */
void mgc_finalize_enum_all(mgc_heap *heap, mgc_slot_fn fn, void *ctx)
{
    struct mgc_finq *q = heap->finq;
    for (int g = 0; g < 3; g++)
        finlist_enum(heap, &q->part[g], fn, ctx);
    mgc_finalize_enum_freachable(heap, fn, ctx);
}

/* ===================== verification ================================= */

#define FIN_FAIL(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); \
                           return MGC_E_VERIFY; } while (0)

static mgc_status fin_verify_list(mgc_heap *heap, const mgc_finlist *l, const char *name,
                                  int part, char *err, size_t errlen)
{
    for (size_t i = l->head; i < l->len; i++) {
        void *obj = l->objs[i];
        if (!obj)
            FIN_FAIL("finalize: %s entry %zu is null", name, i);
        if (!mgc_is_object(heap, obj))
            FIN_FAIL("finalize: %s entry %zu (%p) is not an object", name, i, obj);
        if (!fin_has_finalizer(obj))
            FIN_FAIL("finalize: %s entry %zu (%p) has type %s without a finalizer", name, i,
                     obj, mgc_type_name(mgc_obj_type(obj)));
        if (part >= 0) {
            int g = mgc_gc_gen_of(heap, obj);
            if (g < part)
                FIN_FAIL("finalize: %s entry %zu (%p) is gen%d, younger than its partition",
                         name, i, obj, g);
        } else {
            bool crit = mgc_obj_type(obj)->cls->critical;
            if (crit != (part == -2))
                FIN_FAIL("finalize: %s entry %zu (%p) is on the wrong f-reachable list",
                         name, i, obj);
        }
    }
    return MGC_OK;
}

mgc_status mgc_finalize_verify(mgc_heap *heap, char *err, size_t errlen)
{
    struct mgc_finq *q = heap->finq;
    if (!mgc_finq_check(q))
        FIN_FAIL("finalize: queue header corrupt");
    static const char *const names[3] = {"gen0 partition", "gen1 partition", "gen2 partition"};
    mgc_status st;
    for (int g = 0; g < 3; g++)
        if ((st = fin_verify_list(heap, &q->part[g], names[g], g, err, errlen)) != MGC_OK)
            return st;
    if ((st = fin_verify_list(heap, &q->normal, "f-reachable normal", -1, err, errlen)) != MGC_OK)
        return st;
    if ((st = fin_verify_list(heap, &q->critical, "f-reachable critical", -2, err, errlen)) != MGC_OK)
        return st;
    size_t total = finq_total(q);
    if (total > 0 && q->scratch_cap < q->part[0].len + q->part[1].len + q->part[2].len)
        FIN_FAIL("finalize: scratch reserve %zu below %zu entries", q->scratch_cap, total);
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
