/* collect.c -- one stop-the-world collection, phase by phase.
 *
 * mgc_gc_run runs SEMANTICS 3 for generation N (condemns gens 0..N, the LOH
 * only when N == 2), in this order:
 *   1. .gc.retire     retire every allocation context (heap walkable)
 *   2. .gc.mark       mark.c: roots, weak-short, finalization scan,
 *                     resurrection, weak-long
 *   3. .gc.plan       plan.c: destinations, pinned plugs, promotion sizes
 *   4. .gc.relocate   compact.c: rewrite every reference to a moving object
 *   5. .gc.compact    compact.c: slide/sweep, boundaries (promotion), LOH
 *                     sweep into its free list (or one LOH compaction)
 *   6. .gc.cards      cards.c: rebuild the cards (.cards.rebuild)
 *   7. .gc.release    empty segments spared or released, trimming
 *   8. .gc.finalize   FIN: queue entries follow their objects' generations
 *   9. .gc.count      collections[g]++ for g <= N, induced, budgets reset
 *                     (.dec.gen0-reset, .dec.loh-reset, .dec.promo-acc),
 *                     generation sizes (.stats.sizes), dynamic budgets
 *                     recomputed (.budget.rules)
 *  10. .gc.verify     at MGC_ASSERT_LEVEL 3 the whole heap is verified
 *  11. .gc.events     GC_END (with the pinned count), finalizer thread woken
 */
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>

/* .gc.phase-times: built with MGC_PHASE_TIMES (the mgc_phases library of
   runtime/CMakeLists.txt, linked by bench_scale_phases only), every step
   below is timed on the thread CPU clock and summed per condemned
   generation; mgc_phase_times reads the sums.  The other builds read no
   clock. */
#ifdef MGC_PHASE_TIMES
#include <time.h>
static const char *const phase_names[MGC_NPHASES] = {
    "retire", "mark", "plan", "relocate", "compact", "cards", "release", "finalize", "count",
};
static uint64_t phase_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#define PHASE(i)                                                        \
    do {                                                                \
        uint64_t now_ = phase_clock();                                  \
        heap->phase_ns[gen][(i)] += now_ - phase_t;                     \
        phase_t = now_;                                                 \
    } while (0)

/* Sums for collections of generation gen: ns[i] for step names[i], i <
   the return value (at most n); *gcs the collections summed. */
size_t mgc_phase_times(mgc_heap *heap, int gen, uint64_t *ns, const char **names, size_t n,
                       uint64_t *gcs)
{
    if (gen < 0 || gen > 2)
        return 0;
    mgc_heap_lock(heap);
    size_t k = n < MGC_NPHASES ? n : MGC_NPHASES;
    for (size_t i = 0; i < k; i++) {
        ns[i] = heap->phase_ns[gen][i];
        names[i] = phase_names[i];
    }
    *gcs = heap->phase_gcs[gen];
    mgc_heap_unlock(heap);
    return k;
}
#else
#define PHASE(i) ((void)0)
#endif

void mgc_gc_run(mgc_heap *heap, int gen, mgc_gc_reason reason, unsigned flags)
{
    MGC_AVER(mgc_heap_check(heap) && gen >= 0 && gen <= 2 && !heap->in_gc);
    mgc_heap_lock(heap);
    mgc_threads_suspend(heap);                   /* stop the world (docs/threads.md) */
    heap->in_gc = true;
    heap->condemned = gen;
    heap->reason = reason;
    heap->compact_loh = gen == 2 && (flags & MGC_COLLECT_COMPACT_LOH) != 0;
    heap->gc_index++;
    mgc_event ev = { .kind = MGC_EV_GC_START, .gen = gen, .reason = reason, .index = heap->gc_index };
    mgc_stats_emit(heap, &ev);
#ifdef MGC_PHASE_TIMES
    uint64_t phase_t = phase_clock();
    heap->phase_gcs[gen]++;
#endif

    /* 1. .gc.retire */
    if (MGC_PLANTED(MGC_PLANT_SKIP_RETIRE) && mgc_thread_current(heap) >= 0)
        mgc_alloc_retire_ctx(heap, (unsigned)mgc_thread_current(heap));
    else
        mgc_alloc_retire_all(heap);
    heap->gen_begin[0] = heap->gen_bytes[0] + heap->gen0_alloc;   /* .budget.rules */
    heap->gen_begin[1] = heap->gen_bytes[1];
    heap->gen_begin[2] = heap->gen_bytes[2];
    heap->gen_begin[MGC_BUDGET_LOH] = heap->loh_bytes;
    PHASE(0);
    /* 2. .gc.mark */
    mgc_mark_phase(heap);
    PHASE(1);
    /* 3. .gc.plan */
    mgc_plan_phase(heap);
    PHASE(2);
    /* 4. .gc.relocate: only when something may move */
    if (heap->cfg.compact_mode == MGC_COMPACT || heap->compact_loh)
        mgc_relocate_phase(heap);
    PHASE(3);
    /* 5. .gc.compact, then the demoted objects (.plan.demote) */
    mgc_compact_phase(heap);
    mgc_demote_apply(heap);
    PHASE(4);
    /* 6. .gc.cards */
    mgc_cards_rebuild(heap);
    PHASE(5);
    /* 7. .gc.release */
    mgc_release_empty_segments(heap);
    PHASE(6);
    /* 8. .gc.finalize */
    mgc_finalize_after_gc(heap, gen);
    PHASE(7);

    /* 9. .gc.count */
    for (int g = 0; g <= gen; g++)
        heap->collections[g]++;
    if (reason == MGC_REASON_INDUCED)
        heap->induced++;
    heap->pinned_last = heap->pinned;
    if (gen >= 1)
        heap->promoted1 = 0;
    else
        heap->promoted1 += heap->promoted_gen0;
    if (gen == 2)
        heap->promoted2 = 0;
    else
        heap->promoted2 += heap->promoted_gen1;
    heap->gen0_alloc = 0;                              /* .dec.gen0-reset */
    heap->gen0_reserved = 0;
    if (gen == 2)
        heap->loh_alloc = 0;                           /* .dec.loh-reset */
    /* .stats.sizes: condemned generations hold exactly the survivors the
       card rebuild walked; older ones gained what landed in them */
    for (int g = 0; g <= 2; g++)
        heap->gen_bytes[g] = (g > gen ? heap->gen_bytes[g] : 0) + heap->walked[g];
    if (gen == 2)
        heap->loh_bytes = heap->walked_loh;
    mgc_policy_budgets_after_gc(heap, gen);           /* .budget.rules */
    heap->compact_loh = false;
    heap->in_gc = false;
    PHASE(8);

    /* 10. .gc.verify */
    if (MGC_ASSERT_LEVEL >= 3) {
        char err[512];
        if (mgc_verify(heap, err, sizeof err) != MGC_OK) {
            fprintf(stderr, "mgc: heap verification failed after GC #%llu (gen %d): %s\n",
                    (unsigned long long)heap->gc_index, gen, err);
            abort();
        }
    }
    /* 11. .gc.events */
    ev.kind = MGC_EV_GC_END;
    ev.pinned = heap->pinned;
    ev.promotion = heap->promotion;
    ev.promoted_gen0 = heap->promoted_gen0;
    ev.promoted_gen1 = heap->promoted_gen1;
    mgc_stats_emit(heap, &ev);
    mgc_finthread_notify(heap);
    mgc_threads_resume(heap);
    mgc_heap_unlock(heap);
}

mgc_status mgc_collect(mgc_heap *heap, int gen, unsigned flags)
{
    MGC_AVER(mgc_heap_check(heap));
    if (gen < 0 || gen > 2 || (flags & ~MGC_COLLECT_COMPACT_LOH) != 0)
        return MGC_E_BAD_ARG;
    if (heap->in_gc)
        return MGC_E_STATE;
    mgc_gc_run(heap, gen, MGC_REASON_INDUCED, flags);
    return MGC_OK;
}
