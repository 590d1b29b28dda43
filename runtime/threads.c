/* threads.c -- attached OS threads, cooperative and preemptive modes,
 * stop-the-world suspension (docs/threads.md).
 *
 * .thr.attach     an OS thread attaches to a heap with one allocation
 *                 context (tid) and is then in cooperative mode: it may
 *                 touch the heap (allocate, store, load, hold raw
 *                 references).  One thread per context; a thread is
 *                 attached to at most one heap at a time (a thread-local
 *                 record says which).  Detaching retires the context and
 *                 forgets the thread's registered locals.
 * .thr.modes      around a blocking call a thread switches to preemptive
 *                 mode (mgc_thread_enter_preemptive) and touches nothing of
 *                 the heap until it switches back; switching back waits
 *                 while a suspension is in progress.
 * .thr.handshake  a suspension is requested only by the holder of the heap
 *                 lock (a collection, an allocation slow path, a heap walk).
 *                 It sets `suspend` and waits until no other attached thread
 *                 is cooperative.  A mutator stores its mode and then reads
 *                 `suspend`; the suspender stores `suspend` and then reads
 *                 the modes (both sequentially consistent), so either the
 *                 suspender sees the thread cooperative and waits for it, or
 *                 the thread sees the request and parks.  A thread that
 *                 becomes preemptive while a request is out signals the
 *                 suspender under `mu`.  Resuming clears `suspend` under `mu`
 *                 and wakes the parked threads.
 * .thr.safepoint  a cooperative thread stops only at a safe point: an
 *                 explicit poll (mgc_thread_poll), a mode transition, or a
 *                 wait for the heap lock (the allocation slow path and every
 *                 locked call wait in preemptive mode, mgc_threads_lock_slow).
 *                 The roots of a stopped thread are its registered locals
 *                 and the raw references a call protected while it waited
 *                 (.thr.protect).
 * .thr.lockstate  holding the heap lock means no suspension is in progress
 *                 (the suspender holds the lock from request to resume), so
 *                 a thread that got the lock is cooperative again at once.
 */
#include "internal.h"

/* The calling OS thread's attachment (.thr.attach). */
static _Thread_local struct {
    mgc_heap *heap;
    unsigned tid;
} tl_self;

#ifdef MGC_TEST_PLANTS
int mgc_test_plant;
#endif

static mgc_thread_rec *self_rec(mgc_heap *heap)
{
    return tl_self.heap == heap ? &heap->threads.rec[tl_self.tid] : NULL;
}

/* ===================== life cycle =================================== */

void mgc_threads_init(mgc_heap *heap)
{
    mgc_threads *t = &heap->threads;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    atomic_init(&t->suspend, 0);
    atomic_init(&t->attached, 0u);
    t->depth = 0;
    t->suspensions = 0;
    for (unsigned i = 0; i < MGC_MAX_THREADS; i++) {
        atomic_init(&t->rec[i].mode, MGC_THREAD_DETACHED);
        t->rec[i].nprotect = 0;
    }
}

void mgc_threads_destroy(mgc_heap *heap)
{
    mgc_threads *t = &heap->threads;
    if (tl_self.heap == heap)
        tl_self.heap = NULL;           /* destroyed by its own attached thread */
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
}

/* ===================== the handshake (.thr.handshake) ================ */

/* A thread just left cooperative mode: tell a waiting suspender. */
static void left_cooperative(mgc_threads *t)
{
    if (atomic_load(&t->suspend)) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
}

static bool others_cooperative(mgc_threads *t, const mgc_thread_rec *me, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (&t->rec[i] != me && atomic_load(&t->rec[i].mode) == MGC_THREAD_COOPERATIVE)
            return true;
    return false;
}

bool mgc_threads_concurrent(mgc_heap *heap)
{
    /* acquire: a thread whose detach this sees (the count falls after its
       context is retired) has finished writing to the heap */
    unsigned n = atomic_load_explicit(&heap->threads.attached, memory_order_acquire);
    if (n == 0)
        return false;
    mgc_thread_rec *me = self_rec(heap);
    return n > 1 || me == NULL;
}

void mgc_threads_suspend(mgc_heap *heap)
{
    mgc_threads *t = &heap->threads;
    if (t->depth++ > 0)
        return;
    if (!mgc_threads_concurrent(heap))
        return;                        /* attaching needs the heap lock: stable */
    if (MGC_PLANTED(MGC_PLANT_NO_SUSPEND))
        return;
    atomic_store(&t->suspend, 1);
    mgc_thread_rec *me = self_rec(heap);
    pthread_mutex_lock(&t->mu);
    if (others_cooperative(t, me, heap->cfg.threads)) {
        t->suspensions++;
        do
            pthread_cond_wait(&t->cv, &t->mu);
        while (others_cooperative(t, me, heap->cfg.threads));
    }
    pthread_mutex_unlock(&t->mu);
}

void mgc_threads_resume(mgc_heap *heap)
{
    mgc_threads *t = &heap->threads;
    MGC_AVER(t->depth > 0);
    if (--t->depth > 0)
        return;
    if (!atomic_load(&t->suspend))
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->suspend, 0);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* ===================== modes (.thr.modes) ============================ */

static void become_preemptive(mgc_threads *t, mgc_thread_rec *r)
{
    atomic_store(&r->mode, MGC_THREAD_PREEMPTIVE);
    left_cooperative(t);
}

static void become_cooperative(mgc_threads *t, mgc_thread_rec *r)
{
    for (;;) {
        atomic_store(&r->mode, MGC_THREAD_COOPERATIVE);
        if (!atomic_load(&t->suspend))
            return;
        become_preemptive(t, r);       /* a suspension is out: park */
        pthread_mutex_lock(&t->mu);
        while (atomic_load(&t->suspend))
            pthread_cond_wait(&t->cv, &t->mu);
        pthread_mutex_unlock(&t->mu);
    }
}

void mgc_thread_enter_preemptive(mgc_heap *heap)
{
    mgc_thread_rec *r = self_rec(heap);
    if (r && atomic_load_explicit(&r->mode, memory_order_relaxed) == MGC_THREAD_COOPERATIVE)
        become_preemptive(&heap->threads, r);
}

void mgc_thread_enter_cooperative(mgc_heap *heap)
{
    mgc_thread_rec *r = self_rec(heap);
    if (r && atomic_load_explicit(&r->mode, memory_order_relaxed) == MGC_THREAD_PREEMPTIVE)
        become_cooperative(&heap->threads, r);
}

void mgc_thread_poll(mgc_heap *heap)
{
    mgc_threads *t = &heap->threads;
    if (!atomic_load_explicit(&t->suspend, memory_order_relaxed))
        return;
    mgc_thread_rec *r = self_rec(heap);
    if (!r || atomic_load_explicit(&r->mode, memory_order_relaxed) != MGC_THREAD_COOPERATIVE)
        return;
    become_preemptive(t, r);
    become_cooperative(t, r);
}

int mgc_threads_blocking_begin(mgc_heap *heap)
{
    mgc_thread_rec *r = self_rec(heap);
    if (!r)
        return MGC_THREAD_DETACHED;
    int m = atomic_load_explicit(&r->mode, memory_order_relaxed);
    if (m == MGC_THREAD_COOPERATIVE)
        become_preemptive(&heap->threads, r);
    return m;
}

void mgc_threads_blocking_end(mgc_heap *heap, int prev)
{
    if (prev == MGC_THREAD_COOPERATIVE)
        mgc_thread_enter_cooperative(heap);
}

/* ===================== the heap lock (.thr.safepoint) ================ */

void mgc_threads_lock_slow(mgc_heap *heap, void **refs[], unsigned n)
{
    mgc_thread_rec *r = self_rec(heap);
    if (!r || atomic_load_explicit(&r->mode, memory_order_relaxed) != MGC_THREAD_COOPERATIVE) {
        pthread_mutex_lock(&heap->lock);
        return;
    }
    MGC_AVER(n <= MGC_PROTECT_MAX);
    for (unsigned i = 0; i < n; i++)
        r->protect[i] = refs[i];
    r->nprotect = n;
    become_preemptive(&heap->threads, r);
    pthread_mutex_lock(&heap->lock);
    r->nprotect = 0;
    atomic_store(&r->mode, MGC_THREAD_COOPERATIVE);   /* .thr.lockstate */
}

void mgc_heap_lock_refs(mgc_heap *heap, void **refs[], unsigned n)
{
    if (pthread_mutex_trylock(&heap->lock) != 0)
        mgc_threads_lock_slow(heap, refs, n);
}

void mgc_threads_enum_protected(mgc_heap *heap, mgc_local_fn fn, void *ctx)
{
    mgc_threads *t = &heap->threads;
    if (atomic_load_explicit(&t->attached, memory_order_relaxed) == 0)
        return;
    for (unsigned i = 0; i < heap->cfg.threads; i++)
        if (atomic_load_explicit(&t->rec[i].mode, memory_order_relaxed) != MGC_THREAD_DETACHED)
            for (unsigned j = 0; j < t->rec[i].nprotect; j++)
                fn(heap, i, heap->roots[i].n + j, t->rec[i].protect[j], ctx);
}

/* ===================== public API ==================================== */

mgc_status mgc_thread_attach(mgc_heap *heap, unsigned tid)
{
    MGC_AVER(mgc_heap_check(heap));
    if (tid >= heap->cfg.threads)
        return MGC_E_BAD_ARG;
    if (tl_self.heap)
        return MGC_E_STATE;            /* this thread is attached already */
    pthread_mutex_lock(&heap->lock);   /* not attached: an ordinary wait */
    mgc_status st = MGC_OK;
    mgc_thread_rec *r = &heap->threads.rec[tid];
    if (heap->in_gc || atomic_load(&r->mode) != MGC_THREAD_DETACHED) {
        st = MGC_E_STATE;
    } else {
        r->nprotect = 0;
        atomic_store(&r->mode, MGC_THREAD_COOPERATIVE);
        atomic_fetch_add(&heap->threads.attached, 1u);
        tl_self.heap = heap;
        tl_self.tid = tid;
    }
    pthread_mutex_unlock(&heap->lock);
    return st;
}

mgc_status mgc_thread_detach(mgc_heap *heap)
{
    MGC_AVER(mgc_heap_check(heap));
    mgc_thread_rec *r = self_rec(heap);
    if (!r)
        return MGC_E_STATE;
    mgc_heap_lock(heap);               /* a safe point; then cooperative */
    if (heap->in_gc) {
        mgc_heap_unlock(heap);
        return MGC_E_STATE;
    }
    mgc_alloc_retire_ctx(heap, tl_self.tid);
    heap->roots[tl_self.tid].slots = NULL;
    heap->roots[tl_self.tid].n = 0;
    atomic_store(&r->mode, MGC_THREAD_DETACHED);
    atomic_fetch_sub(&heap->threads.attached, 1u);
    tl_self.heap = NULL;
    mgc_heap_unlock(heap);
    return MGC_OK;
}

int mgc_thread_current(mgc_heap *heap)
{
    return tl_self.heap == heap && heap ? (int)tl_self.tid : -1;
}

uint64_t mgc_thread_suspensions(mgc_heap *heap)
{
    MGC_AVER(mgc_heap_check(heap));
    mgc_heap_lock(heap);
    uint64_t n = heap->threads.suspensions;
    mgc_heap_unlock(heap);
    return n;
}
