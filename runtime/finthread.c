/* finthread.c -- the finalizer thread (GC.WaitForPendingFinalizers mode).
 *
 * A pthread that drains the f-reachable queue (mgc_finalize_drain, the same
 * code as mgc_run_finalizers) after collections that moved entries there.
 *
 * Locking discipline (.fthr.locking; docs/runtime-finalization.md):
 *   - The heap lock (mgc_heap_lock, recursive) guards the heap, the handle
 *     table and the queues.  The thread holds it for a whole drain, so
 *     finalizers run with it held and may call any heap function.
 *   - q->mu guards only the thread's control fields (running, stop, exited,
 *     requested, served) and the two condition variables.
 *   - Lock order: heap lock, then q->mu.  Nothing waits for the heap lock
 *     while holding q->mu; nothing holds the heap lock while waiting on a
 *     condition variable (so a recursive heap lock is never waited on).
 *   - While the thread runs, a mutator thread touches the heap only while it
 *     holds the heap lock (its "cooperative" sections); the public calls
 *     take it themselves, and an embedder that keeps raw references or uses
 *     the unlocked fast paths (allocation fast path, mgc_store, mgc_load)
 *     brackets that work with mgc_heap_lock / mgc_heap_unlock.
 *   - mgc_wait_for_pending_finalizers, mgc_finalizer_thread_stop and
 *     mgc_heap_destroy are called without holding the heap lock (they wait
 *     for the thread, which needs it).
 *
 * .fthr.tickets: `requested` counts drain requests (one per collection that
 * left entries in the f-reachable queue, one per wait); `served` is the
 * highest request a finished drain covered.  A drain started after request
 * n covers it, because it runs until the queue is empty.
 *
 * .fthr.tid: the thread's drains allocate on allocation context
 * MGC_FINTHREAD_TID (0).  Mutators are outside their cooperative sections
 * while the thread holds the heap lock, so the context is never used by two
 * threads at once.
 */
#include "internal.h"
#include <errno.h>

#ifdef MGC_TEST_PLANTS
_Thread_local size_t mgc_plant_drain_left = SIZE_MAX;
#endif

/* ===================== life cycle =================================== */

mgc_status mgc_finthread_init(struct mgc_finq *q)
{
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return MGC_E_OOM;
    if (pthread_cond_init(&q->work_cv, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        return MGC_E_OOM;
    }
    if (pthread_cond_init(&q->done_cv, NULL) != 0) {
        pthread_cond_destroy(&q->work_cv);
        pthread_mutex_destroy(&q->mu);
        return MGC_E_OOM;
    }
    return MGC_OK;
}

void mgc_finthread_destroy(mgc_heap *heap)
{
    struct mgc_finq *q = heap->finq;
    (void)mgc_finalizer_thread_stop(heap);  /* MGC_E_STATE when not running */
    pthread_cond_destroy(&q->done_cv);
    pthread_cond_destroy(&q->work_cv);
    pthread_mutex_destroy(&q->mu);
}

/* ===================== the thread =================================== */

static void *finthread_main(void *arg)
{
    mgc_heap *heap = arg;
    struct mgc_finq *q = heap->finq;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->stop && q->served == q->requested)
            pthread_cond_wait(&q->work_cv, &q->mu);
        if (q->stop)
            break;
        uint64_t ticket = q->requested;
        pthread_mutex_unlock(&q->mu);

        mgc_heap_lock(heap);
#ifdef MGC_TEST_PLANTS
        /* plant 3 (docs/threads.md .thr.plants): a drain of the entries
           queued when the thread woke, then every request counted served,
           so a collection run by one of these finalizers queues entries
           that no request is left to wake the thread for (a lost wake-up) */
        if (MGC_PLANTED(MGC_PLANT_LOST_WAKEUP))
            mgc_plant_drain_left = mgc_finq_seg_count(heap, MGC_FSEG_NORMAL) +
                                   mgc_finq_seg_count(heap, MGC_FSEG_CRITICAL);
#endif
        (void)mgc_finalize_drain(heap, MGC_FINTHREAD_TID);
#ifdef MGC_TEST_PLANTS
        mgc_plant_drain_left = SIZE_MAX;
#endif
        mgc_heap_unlock(heap);

        pthread_mutex_lock(&q->mu);
        if (MGC_PLANTED(MGC_PLANT_LOST_WAKEUP))
            ticket = q->requested;     /* plant 3 */
        if (ticket > q->served)
            q->served = ticket;
        pthread_cond_broadcast(&q->done_cv);
    }
    q->exited = true;
    pthread_cond_broadcast(&q->done_cv);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* ===================== public API =================================== */

mgc_status mgc_finalizer_thread_start(mgc_heap *heap)
{
    if (!heap)
        return MGC_E_BAD_ARG;
    struct mgc_finq *q = heap->finq;
    mgc_heap_lock(heap);
    bool pending = !mgc_finalize_freachable_empty(heap);
    pthread_mutex_lock(&q->mu);
    mgc_status st = MGC_OK;
    if (q->thread_running) {
        st = MGC_E_STATE;
    } else {
        q->stop = false;
        q->exited = false;
        q->served = q->requested;
        if (pending)
            q->requested++;            /* entries waiting from earlier collections */
        if (pthread_create(&q->thread, NULL, finthread_main, heap) != 0)
            st = MGC_E_OOM;
        else
            q->thread_running = true;
    }
    pthread_mutex_unlock(&q->mu);
    mgc_heap_unlock(heap);
    return st;
}

mgc_status mgc_finalizer_thread_stop(mgc_heap *heap)
{
    if (!heap)
        return MGC_E_BAD_ARG;
    struct mgc_finq *q = heap->finq;
    mgc_heap_lock(heap);               /* .fin.reentry: not from a finalizer */
    bool nested = q->draining;
    mgc_heap_unlock(heap);
    if (nested)
        return MGC_E_STATE;
    pthread_mutex_lock(&q->mu);
    if (!q->thread_running || q->stop || pthread_equal(q->thread, pthread_self())) {
        pthread_mutex_unlock(&q->mu);
        return MGC_E_STATE;            /* not running, being stopped, or self */
    }
    q->stop = true;
    pthread_cond_signal(&q->work_cv);
    pthread_t th = q->thread;
    pthread_mutex_unlock(&q->mu);

    int mode = mgc_threads_blocking_begin(heap);   /* docs/threads.md */
    pthread_join(th, NULL);            /* the thread finishes its drain first */
    mgc_threads_blocking_end(heap, mode);

    pthread_mutex_lock(&q->mu);
    q->thread_running = false;
    q->stop = false;
    pthread_mutex_unlock(&q->mu);
    return MGC_OK;
}

/* GC.WaitForPendingFinalizers.  Without a finalizer thread it drains the
   queue on the calling thread (allocation context 0). */
mgc_status mgc_wait_for_pending_finalizers(mgc_heap *heap)
{
    if (!heap)
        return MGC_E_BAD_ARG;
    struct mgc_finq *q = heap->finq;
    /* .fin.reentry: a finalizer (of a drain on this thread) must not wait;
       the heap lock is recursive, so seeing `draining` with it held means
       the drain is ours. */
    mgc_heap_lock(heap);
    bool nested = q->draining;
    mgc_heap_unlock(heap);
    if (nested)
        return MGC_E_STATE;
    pthread_mutex_lock(&q->mu);
    if (!q->thread_running) {
        pthread_mutex_unlock(&q->mu);
        mgc_heap_lock(heap);
        mgc_status st = mgc_finalize_drain(heap, 0);
        mgc_heap_unlock(heap);
        return st;
    }
    if (pthread_equal(q->thread, pthread_self())) {
        pthread_mutex_unlock(&q->mu);
        return MGC_E_STATE;            /* a finalizer waiting for itself */
    }
    uint64_t ticket = ++q->requested;
    pthread_cond_signal(&q->work_cv);
    pthread_mutex_unlock(&q->mu);
    int mode = mgc_threads_blocking_begin(heap);   /* docs/threads.md */
    pthread_mutex_lock(&q->mu);
    while (q->served < ticket && !q->exited)
        pthread_cond_wait(&q->done_cv, &q->mu);
    mgc_status st = q->served >= ticket ? MGC_OK : MGC_E_STATE;
    pthread_mutex_unlock(&q->mu);
    mgc_threads_blocking_end(heap, mode);
    return st;
}

/* ===================== collector interface (CONTRACT) =============== */

/* End of a collection (heap lock held): wake the thread when the scan left
   work in the f-reachable queue. */
void mgc_finthread_notify(mgc_heap *heap)
{
    struct mgc_finq *q = heap->finq;
    if (mgc_finalize_freachable_empty(heap))
        return;
    pthread_mutex_lock(&q->mu);
    if (q->thread_running && !q->stop) {
        q->requested++;
        pthread_cond_signal(&q->work_cv);
    }
    pthread_mutex_unlock(&q->mu);
}
