/* stats.c -- counters (the .NET CLR Memory performance counters), events and
 * status names.
 *
 * .stats.sizes  the generation sizes (bytes in objects, free objects and
 *               unused window space left out) are counters, not walks: gen0
 *               is what stayed in gen0 after the last collection plus what
 *               was allocated since; a collection sets the sizes of the
 *               generations it condemned to the survivors it left in them
 *               and adds to older ones what it promoted; large allocations
 *               add to the LOH.  mgc_verify compares them with a walk. */
#include "internal.h"
#include <string.h>

const char *mgc_status_name(mgc_status s)
{
    switch (s) {
    case MGC_OK: return "ok";
    case MGC_E_OOM: return "out of memory";
    case MGC_E_BAD_HANDLE: return "bad handle";
    case MGC_E_BAD_ARG: return "bad argument";
    case MGC_E_VERIFY: return "heap verification failed";
    case MGC_E_STATE: return "not allowed now";
    }
    return "unknown status";
}

void mgc_set_event_callback(mgc_heap *heap, mgc_event_fn fn, void *ctx)
{
    MGC_AVER(mgc_heap_check(heap));
    heap->event_fn = fn;
    heap->event_ctx = ctx;
}

void mgc_stats_emit(mgc_heap *heap, const mgc_event *ev)
{
    if (heap->event_fn)
        heap->event_fn(heap, ev, heap->event_ctx);
}

uint64_t mgc_collection_count(mgc_heap *heap, int gen)
{
    MGC_AVER(mgc_heap_check(heap));
    if (gen < 0 || gen > 2)
        return 0;
    mgc_heap_lock(heap);               /* ordered with other threads' collections */
    uint64_t n = heap->collections[gen];
    mgc_heap_unlock(heap);
    return n;
}

void mgc_get_stats(mgc_heap *heap, mgc_stats *out)
{
    MGC_AVER(mgc_heap_check(heap) && out != NULL);
    mgc_heap_lock(heap);
    mgc_threads_suspend(heap);         /* other threads' contexts are read */
    memset(out, 0, sizeof *out);
    for (int g = 0; g < 3; g++)
        out->collections[g] = heap->collections[g];
    out->induced = heap->induced;
    out->promoted_gen0 = heap->promoted_gen0;
    out->promoted_gen1 = heap->promoted_gen1;
    out->promoted_finalization = heap->promoted_fin;
    out->finalization_survivors = heap->fin_survivors;
    out->pinned_last_gc = heap->pinned_last;
    /* .stats.sizes: kept exactly by allocation and collections (mgc_verify
       checks them against a walk), so reading the counters is O(1) */
    out->gen_size[0] = heap->gen_bytes[0] + mgc_alloc_gen0_allocated(heap);
    out->gen_size[1] = heap->gen_bytes[1];
    out->gen_size[2] = heap->gen_bytes[2];
    out->loh_size = heap->loh_bytes;
    for (int b = 0; b < MGC_NBUDGETS; b++) {
        out->budget[b] = heap->budget[b];
        out->survival_permille[b] = heap->survival_pm[b];
        if (heap->budget_dynamic[b])
            out->budget_dynamic |= 1u << b;
    }
    out->gc_committed = heap->committed;
    out->gc_reserved = heap->reserved;
    out->loader_committed = heap->hf.committed + heap->lf.committed;
    out->loader_reserved = heap->hf.reserved + heap->lf.reserved;
    out->allocated_bytes = mgc_alloc_total(heap);
    out->sinks_blocks = 0;
    out->mark_overflows = heap->mark_overflows;
    out->card_log_scans = heap->card_log_scans;
    mgc_fin_stats(heap, out);
    mgc_threads_resume(heap);
    mgc_heap_unlock(heap);
}
