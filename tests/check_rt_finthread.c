/* check_rt_finthread.c -- the finalizer thread (finthread.c): wake-up after
 * collections, GC.WaitForPendingFinalizers, start/stop states, finalizers
 * that allocate and collect on the thread, and a mutator running beside it
 * under the locking discipline of docs/runtime-finalization.md
 * (.fthr.locking).  ci/test runs this test case under ThreadSanitizer. */
#include "check_rt_finutil.h"
#include <time.h>

/* Read the call count the way the mutator may: holding the heap lock. */
static size_t calls_locked(gcf_fin_env *e)
{
    mgc_heap_lock(e->heap);
    size_t n = e->ncalls;
    mgc_heap_unlock(e->heap);
    return n;
}

/* Poll (up to ~20 s) until at least n calls were made, without waiting for
   finalizers: proves the thread woke by itself. */
static bool poll_calls(gcf_fin_env *e, size_t n)
{
    struct timespec ts = {0, 2 * 1000 * 1000};
    for (int i = 0; i < 10000; i++) {
        if (calls_locked(e) >= n)
            return true;
        nanosleep(&ts, NULL);
    }
    return false;
}

/* A cooperative section: allocate n garbage nodes with ids from id0. */
static void make_garbage(gcf_fin_env *e, unsigned n, uint64_t id0, const mgc_type *t)
{
    mgc_heap_lock(e->heap);
    for (unsigned i = 0; i < n; i++) {
        gcf_new(e, t, 0, id0 + i);
        e->loc[0] = NULL;
    }
    mgc_heap_unlock(e->heap);
}

static void collect_locked(gcf_fin_env *e, int gen)
{
    mgc_heap_lock(e->heap);
    ck_assert_int_eq(mgc_collect(e->heap, gen, 0), MGC_OK);
    mgc_heap_unlock(e->heap);
}

START_TEST(test_thread_wakes_after_gc)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    make_garbage(e, 20, 1, e->node);
    make_garbage(e, 3, 100, e->crit);
    collect_locked(e, 0);
    ck_assert(poll_calls(e, 23));
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 23);
    for (unsigned i = 0; i < 20; i++)
        ck_assert_uint_eq(e->ids[i], 20 - i);             /* .fin.take, normal first */
    /* the 20 normal entries each crossed the critical segment, moving its
       last entry to its front: [100, 101, 102] turned twice */
    const uint64_t crit[3] = {100, 102, 101};
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(e->ids[20 + i], crit[i]);
    ck_assert_uint_eq(e->fin_events, 23);
    gcf_fin_env_free(e);
}
END_TEST

START_TEST(test_thread_wait_for_pending)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    for (unsigned round = 0; round < 5; round++) {
        make_garbage(e, 10, 10 * round + 1, e->node);
        collect_locked(e, 0);
        ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
        ck_assert_uint_eq(calls_locked(e), 10 * (round + 1));
    }
    /* nothing pending: returns at once */
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_OK);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.finalizers_run, 50);
    gcf_fin_env_free(e);
}
END_TEST

/* Entries found before the thread starts are run by it. */
START_TEST(test_thread_pending_before_start)
{
    gcf_fin_env *e = gcf_fin_env_new();
    make_garbage(e, 7, 1, e->node);
    collect_locked(e, 0);
    ck_assert_uint_eq(e->ncalls, 0);
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    ck_assert(poll_calls(e, 7));
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 7);
    gcf_fin_env_free(e);
}
END_TEST

START_TEST(test_thread_states)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_E_STATE);
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_E_STATE);
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_OK);
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_E_STATE);
    /* stopped: collections leave the entries queued; a restart runs them */
    make_garbage(e, 4, 1, e->node);
    collect_locked(e, 0);
    ck_assert_uint_eq(gcf_freachable(e->heap, NULL), 4);
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    ck_assert_uint_eq(calls_locked(e), 4);
    /* destroying the heap stops a running thread */
    make_garbage(e, 4, 10, e->node);
    collect_locked(e, 0);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    ck_assert_uint_eq(calls_locked(e), 8);
    mgc_heap_destroy(e->heap);
    free(e);
}
END_TEST

/* On the thread, a finalizer may allocate and so collect; a drain may not
   nest and the thread may not wait for itself. */
START_TEST(test_thread_finalizer_allocates)
{
    gcf_fin_env *e = gcf_fin_env_new_cfg(64 * 1024, MGC_COMPACT);
    e->mode = GCF_FIN_ALLOC;
    e->alloc_count = 20;
    e->alloc_len = 4000;
    e->alloc_child_below = 100;
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    make_garbage(e, 8, 1, e->node);
    mgc_heap_lock(e->heap);
    uint64_t gcs = mgc_collection_count(e->heap, 0);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_heap_unlock(e->heap);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    collect_locked(e, 2);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    mgc_heap_lock(e->heap);
    ck_assert_uint_gt(mgc_collection_count(e->heap, 0), gcs + 2);
    ck_assert(!e->id_mismatch);
    ck_assert_uint_eq(e->ncalls, 16);
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_uint_eq(gcf_calls_of(e, i + 1), 1);
        ck_assert_uint_eq(gcf_calls_of(e, 1000000 + i), 1);
    }
    e->mode = GCF_FIN_NESTED;
    e->nested_run = e->nested_wait = MGC_OK;
    mgc_heap_unlock(e->heap);
    make_garbage(e, 1, 5000, e->node);
    collect_locked(e, 0);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    mgc_heap_lock(e->heap);
    ck_assert_uint_eq(e->ncalls, 17);
    ck_assert_int_eq(e->nested_run, MGC_E_STATE);
    ck_assert_int_eq(e->nested_wait, MGC_E_STATE);
    ck_assert_int_eq(e->nested_stop, MGC_E_STATE);    /* the thread stopping itself */
    /* a synchronous drain on the mutator while the thread runs: holding the
       heap lock from the collection to the drain keeps the thread out */
    e->nested_stop = MGC_OK;
    gcf_new(e, e->node, 0, 6000);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 1), MGC_OK);
    ck_assert_uint_eq(e->ncalls, 18);
    ck_assert_uint_eq(e->ids[17], 6000);
    ck_assert_int_eq(e->nested_stop, MGC_E_STATE);    /* would deadlock: refused */
    mgc_heap_unlock(e->heap);
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_OK);
    gcf_fin_env_free(e);
}
END_TEST

/* A mutator allocating and collecting in cooperative sections while the
   thread drains: every object is finalized exactly once. */
START_TEST(test_thread_concurrent_mutator)
{
    uint64_t seed = gcf_test_seed("test_thread_concurrent_mutator");
    gcf_rng rng = {seed};
    gcf_fin_env *e = gcf_fin_env_new_cfg(32 * 1024, MGC_COMPACT);
    ck_assert_int_eq(mgc_finalizer_thread_start(e->heap), MGC_OK);
    unsigned rounds = gcf_under_valgrind() ? 20 : 200;
    uint64_t next = 1;
    for (unsigned r = 0; r < rounds; r++) {
        unsigned n = 1 + (unsigned)gcf_rng_below(&rng, 12);
        make_garbage(e, n, next, e->node);
        next += n;
        unsigned op = (unsigned)gcf_rng_below(&rng, 8);
        if (op < 3)
            collect_locked(e, (int)gcf_rng_below(&rng, 3));
        else if (op == 3)
            ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
        /* else: allocation budgets trigger collections now and then */
    }
    collect_locked(e, 2);
    ck_assert_int_eq(mgc_wait_for_pending_finalizers(e->heap), MGC_OK);
    ck_assert_int_eq(mgc_finalizer_thread_stop(e->heap), MGC_OK);
    ck_assert_uint_eq(e->ncalls, next - 1);
    if (next - 1 <= GCF_FIN_MAX_CALLS) {
        uint8_t *seen = calloc(next, 1);
        ck_assert_ptr_nonnull(seen);
        for (size_t i = 0; i < e->ncalls; i++) {
            ck_assert_uint_lt(e->ids[i], next);
            ck_assert_msg(!seen[e->ids[i]], "id %llu twice (seed %llu)",
                          (unsigned long long)e->ids[i], (unsigned long long)seed);
            seen[e->ids[i]] = 1;
        }
        free(seen);
    }
    gcf_fin_env_free(e);
}
END_TEST

Suite *make_finthread_suite(void)
{
    Suite *s = suite_create("finthread");
    TCase *tc = tcase_create("finthread");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_thread_wakes_after_gc);
    tcase_add_test(tc, test_thread_wait_for_pending);
    tcase_add_test(tc, test_thread_pending_before_start);
    tcase_add_test(tc, test_thread_states);
    tcase_add_test(tc, test_thread_finalizer_allocates);
    tcase_add_test(tc, test_thread_concurrent_mutator);
    suite_add_tcase(s, tc);
    return s;
}
