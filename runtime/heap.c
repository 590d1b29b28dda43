/* heap.c -- creating and destroying a heap, configuration, locking and the
 * contract-assertion handler. */
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mgc_aver_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "mgc: contract violated: %s (%s:%d)\n", cond, file, line);
    abort();
}

void mgc_config_default(mgc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gen0_budget = MGC_BUDGET_DYNAMIC;           /* .budget.dynamic */
    cfg->gen1_budget = MGC_BUDGET_DYNAMIC;
    cfg->gen2_budget = MGC_BUDGET_DYNAMIC;
    cfg->loh_budget = MGC_BUDGET_DYNAMIC;
    cfg->loh_threshold = 85000u;
    cfg->segment_size = 4u * 1024u * 1024u;
    cfg->hard_limit = 0;
    cfg->threads = 8;
    cfg->profile = MGC_PROFILE_STRICT;
    cfg->compact_mode = MGC_COMPACT;
}

/* An attached cooperative thread waits for the lock at a safe point
   (mgc_threads_lock_slow, docs/threads.md). */
void mgc_heap_lock(mgc_heap *heap)
{
    if (pthread_mutex_trylock(&heap->lock) != 0)
        mgc_threads_lock_slow(heap, NULL, 0);
}
void mgc_heap_unlock(mgc_heap *heap) { pthread_mutex_unlock(&heap->lock); }

static mgc_status config_check(const mgc_config *cfg)
{
    if (cfg->threads < 1 || cfg->threads > MGC_MAX_THREADS)
        return MGC_E_BAD_ARG;
    if (cfg->loh_threshold < 85000u)                    /* SEMANTICS 1: upward only */
        return MGC_E_BAD_ARG;
    if (cfg->profile != MGC_PROFILE_STRICT && cfg->profile != MGC_PROFILE_CLR)
        return MGC_E_BAD_ARG;
    if (cfg->compact_mode != MGC_COMPACT && cfg->compact_mode != MGC_SWEEP_ONLY)
        return MGC_E_BAD_ARG;
    return MGC_OK;
}

/* Everything a fresh heap holds, on a zeroed struct (create and reset):
   first the fields, then the parts that allocate (types, handles,
   finalization queues). */
static void heap_setup_fields(mgc_heap *heap, const mgc_config *cfg)
{
    heap->sig = MGC_SIG_HEAP;
    heap->cfg = *cfg;
    heap->cfg.segment_size = mgc_policy_segment_size(cfg->segment_size, mgc_os_page());
    mgc_os_init(&heap->os, cfg->fail_reserve_nth, cfg->fail_commit_nth);
    mgc_policy_budgets_init(heap);
    heap->seg_cache_shift = mgc_policy_seg_cache_shift(heap);
    heap->huge_page = mgc_policy_huge_page(heap);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&heap->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    mgc_threads_init(heap);
    mgc_loader_init(&heap->hf, "high-frequency");
    mgc_loader_init(&heap->lf, "low-frequency");
    heap->card_shift = mgc_policy_card_shift();
    heap->card_size = (size_t)1 << heap->card_shift;
    for (unsigned i = 0; i < MGC_MAX_THREADS; i++)
        heap->ctx[i].sig = MGC_SIG_CTX;
}

static mgc_status heap_setup_parts(mgc_heap *heap)
{
    mgc_status st = mgc_types_init(heap);
    if (st == MGC_OK)
        st = mgc_handles_init(heap);
    if (st == MGC_OK)
        st = mgc_finalize_init(heap);
    return st;
}

static mgc_status heap_setup(mgc_heap *heap, const mgc_config *cfg)
{
    heap_setup_fields(heap, cfg);
    mgc_status st = heap_setup_parts(heap);
    if (st != MGC_OK) {
        mgc_handles_destroy(heap);
        mgc_loader_destroy(&heap->hf, &heap->os);
        mgc_loader_destroy(&heap->lf, &heap->os);
        pthread_mutex_destroy(&heap->lock);
        mgc_threads_destroy(heap);
        heap->sig = 0;
        return st;
    }
    return MGC_OK;
}

/* Every buffer struct mgc_heap owns directly (destroy and reset free them;
   a new one belongs here). */
static void heap_free_buffers(mgc_heap *heap)
{
    mgc_mark_stack_free(&heap->mark);
    mgc_mark_stack_free(&heap->card_rec);
    mgc_mark_stack_free(&heap->card_runs);
    mgc_mark_stack_free(&heap->cond);
    mgc_demote_free(heap);
    free(heap->verify_bits);
    free(heap->verify_starts);
    free(heap->verify_done);
    free(heap->verify_defer);
    heap->verify_bits = NULL;
    heap->verify_starts = NULL;
    heap->verify_done = NULL;
    heap->verify_defer = NULL;
    heap->verify_bits_cap = heap->verify_starts_cap = heap->verify_defer_cap = 0;
}

mgc_status mgc_heap_create(const mgc_config *cfg, mgc_heap **out)
{
    if (!out)
        return MGC_E_BAD_ARG;
    *out = NULL;
    mgc_config def;
    if (!cfg) {
        mgc_config_default(&def);
        cfg = &def;
    }
    mgc_status st = config_check(cfg);
    if (st != MGC_OK)
        return st;
    mgc_heap *heap = calloc(1, sizeof *heap);
    if (!heap)
        return MGC_E_OOM;
    st = heap_setup(heap, cfg);
    if (st != MGC_OK) {
        free(heap);
        return st;
    }
    *out = heap;
    return MGC_OK;
}

/* .heap.reset: the heap becomes what mgc_heap_create(cfg) gives, cfg being
   the heap's own configuration: every segment and loader block is kept as a
   reservation (pages kept read/write, .heap.keep) that the heap takes
   again, by size and in creation order, where a fresh heap would map one;
   everything else is set up as at creation.  So a reset heap makes the
   same collections, generations and OS call counts (fault injection) as a
   fresh one, and lays objects out at the same offsets from the same
   segment bases. */
mgc_status mgc_heap_reset(mgc_heap *heap)
{
    MGC_AVER(mgc_heap_check(heap));
    return mgc_heap_reset_config(heap, &heap->cfg);
}

/* .heap.reset with another configuration: what mgc_heap_create(cfg) gives.
   The kept reservations serve it as they serve a reset with the heap's own
   configuration (a segment takes one of its size or larger, aligned as a
   fresh one would be: .heap.keep). */
mgc_status mgc_heap_reset_config(mgc_heap *heap, const mgc_config *newcfg)
{
    MGC_AVER(mgc_heap_check(heap) && !heap->in_gc);
    if (!newcfg)
        return MGC_E_BAD_ARG;
    mgc_status cst = config_check(newcfg);
    if (cst != MGC_OK)
        return cst;
    if (heap->finq && heap->finq->thread_running)
        return MGC_E_STATE;
    if (atomic_load(&heap->threads.attached) != 0)
        return MGC_E_STATE;            /* attached threads detach first */
    mgc_config cfg = *newcfg;
    mgc_finalize_destroy(heap);
    mgc_handles_destroy(heap);
    mgc_segment_reset_all(heap);
    mgc_loader_reset(&heap->hf, &heap->os);
    mgc_loader_reset(&heap->lf, &heap->os);
    heap_free_buffers(heap);
    /* kept across the reset: the reservations and the segment index */
    mgc_segment *pool = heap->pool;
    size_t pool_bytes = heap->pool_bytes;
    mgc_loader_block *hf_pool = heap->hf.pool, *lf_pool = heap->lf.pool;
    mgc_segment **index = heap->index;
    size_t capindex = heap->capindex;
    pthread_mutex_destroy(&heap->lock);
    mgc_threads_destroy(heap);
    memset(heap, 0, sizeof *heap);
    heap_setup_fields(heap, &cfg);
    heap->pool = pool;
    heap->pool_bytes = pool_bytes;
    heap->keep = true;                   /* .heap.keep */
    heap->hf.pool = hf_pool;
    heap->lf.pool = lf_pool;
    heap->index = index;
    heap->capindex = capindex;
    /* on failure (out of memory) the heap can still be destroyed */
    return heap_setup_parts(heap);
}

void mgc_heap_destroy(mgc_heap *heap)
{
    if (!heap)
        return;
    MGC_AVER(mgc_heap_check(heap) && !heap->in_gc);
    mgc_finalize_destroy(heap);
    mgc_handles_destroy(heap);
    mgc_segment_destroy_all(heap);
    mgc_loader_destroy(&heap->hf, &heap->os);
    mgc_loader_destroy(&heap->lf, &heap->os);
    heap_free_buffers(heap);
    pthread_mutex_destroy(&heap->lock);
    mgc_threads_destroy(heap);
    heap->sig = 0;
    free(heap);
}

void mgc_fault_counts(mgc_heap *heap, unsigned *reserves, unsigned *commits)
{
    MGC_AVER(mgc_heap_check(heap));
    *reserves = heap->os.reserve_calls;
    *commits = heap->os.commit_calls;
}

void mgc_fault_inject(mgc_heap *heap, unsigned reserve_nth, unsigned commit_nth)
{
    MGC_AVER(mgc_heap_check(heap));
    heap->os.fail_reserve_at = reserve_nth ? heap->os.reserve_calls + reserve_nth : 0;
    heap->os.fail_commit_at = commit_nth ? heap->os.commit_calls + commit_nth : 0;
}
