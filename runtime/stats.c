/* stats.c -- counters (the .NET CLR Memory performance counters), events and
 * status names. */
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
    return gen >= 0 && gen <= 2 ? heap->collections[gen] : 0;
}

typedef struct size_acc { uint64_t gen[3], loh; } size_acc;

static bool acc_fn(const mgc_object_info *info, void *ctx)
{
    size_acc *a = ctx;
    if (info->large)
        a->loh += info->size;
    else
        a->gen[info->gen] += info->size;
    return true;
}

void mgc_get_stats(mgc_heap *heap, mgc_stats *out)
{
    MGC_AVER(mgc_heap_check(heap) && out != NULL);
    memset(out, 0, sizeof *out);
    for (int g = 0; g < 3; g++)
        out->collections[g] = heap->collections[g];
    out->induced = heap->induced;
    out->promoted_gen0 = heap->promoted_gen0;
    out->promoted_gen1 = heap->promoted_gen1;
    out->promoted_finalization = heap->promoted_fin;
    out->finalization_survivors = heap->fin_survivors;
    out->pinned_last_gc = heap->pinned_last;
    size_acc a = { {0, 0, 0}, 0 };
    mgc_walk(heap, 0, acc_fn, &a);
    for (int g = 0; g < 3; g++)
        out->gen_size[g] = a.gen[g];
    out->loh_size = a.loh;
    out->gc_committed = heap->committed;
    out->gc_reserved = heap->reserved;
    out->loader_committed = heap->hf.committed + heap->lf.committed;
    out->loader_reserved = heap->hf.reserved + heap->lf.reserved;
    out->allocated_bytes = heap->allocated_total;
    out->sinks_blocks = 0;
    mgc_fin_stats(heap, out);
}
