/* check_rt_threads.c -- attached OS threads and stop-the-world suspension
 * (runtime/threads.c, docs/threads.md): attach/detach states, the
 * handshake (a collection waits for a cooperative thread until it polls;
 * never for a preemptive one), roots of stopped threads, raw references
 * protected across a wait for the heap lock, and the concurrent workload
 * of check_rt_threads_util.h (N threads allocating, storing, publishing
 * and collecting at once, heap verified after every collection) for
 * thousands of iterations.  ci/test runs this suite under ThreadSanitizer
 * and AddressSanitizer.  The workload's interleavings depend on the OS;
 * its choices come from GCF_SEED. */
#include <check.h>
#include <string.h>
#include <time.h>
#include "check_rt_threads_util.h"
#include "testutil.h"
#include "internal.h"

static mgc_heap *thr_heap(unsigned threads)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = threads;
    cfg.gen0_budget = 0;
    cfg.gen1_budget = 0;
    cfg.gen2_budget = 0;
    cfg.loh_budget = 0;
    mgc_heap *h = NULL;
    ck_assert_int_eq(mgc_heap_create(&cfg, &h), MGC_OK);
    return h;
}

START_TEST(test_attach_states)
{
    mgc_heap *h = thr_heap(4), *h2 = thr_heap(2);
    ck_assert_int_eq(mgc_thread_current(h), -1);
    ck_assert_int_eq(mgc_thread_detach(h), MGC_E_STATE);         /* not attached */
    ck_assert_int_eq(mgc_thread_attach(h, 4), MGC_E_BAD_ARG);     /* no such context */
    ck_assert_int_eq(mgc_thread_attach(h, 2), MGC_OK);
    ck_assert_int_eq(mgc_thread_current(h), 2);
    ck_assert_int_eq(mgc_thread_attach(h, 1), MGC_E_STATE);       /* attached already */
    ck_assert_int_eq(mgc_thread_attach(h2, 0), MGC_E_STATE);      /* one heap at a time */
    ck_assert_int_eq(mgc_thread_current(h2), -1);
    ck_assert_int_eq(mgc_heap_reset(h), MGC_E_STATE);             /* detach first */
    ck_assert_int_eq(mgc_thread_detach(h2), MGC_E_STATE);
    ck_assert_int_eq(mgc_thread_detach(h), MGC_OK);
    ck_assert_int_eq(mgc_thread_current(h), -1);
    ck_assert_int_eq(mgc_heap_reset(h), MGC_OK);
    ck_assert_int_eq(mgc_thread_attach(h2, 1), MGC_OK);
    mgc_heap_destroy(h2);                  /* by its attached thread: forgotten */
    ck_assert_int_eq(mgc_thread_attach(h, 2), MGC_OK);
    ck_assert_int_eq(mgc_thread_detach(h), MGC_OK);
    mgc_heap_destroy(h);
}
END_TEST

/* Detaching retires the context and forgets the locals: the objects die. */
START_TEST(test_detach_retires)
{
    mgc_heap *h = thr_heap(2);
    mgc_type_desc d = { .name = "N", .kind = MGC_KIND_FIXED, .size = 32, .nrefs = 1 };
    const mgc_type *t;
    ck_assert_int_eq(mgc_type_register(h, &d, &t), MGC_OK);
    mgc_ref loc[2] = {0};
    ck_assert_int_eq(mgc_thread_attach(h, 1), MGC_OK);
    mgc_thread_set_locals(h, 1, loc, 2);
    ck_assert_int_eq(mgc_alloc(h, 1, t, 0, &loc[0]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 1, t, 0, &loc[1]), MGC_OK);
    ck_assert_int_eq(mgc_thread_detach(h), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    mgc_stats s;
    mgc_get_stats(h, &s);
    ck_assert_uint_eq(s.gen_size[0] + s.gen_size[1], 0);          /* nothing survived */
    ck_assert_uint_eq(s.allocated_bytes, 64);
    char err[256];
    ck_assert_int_eq(mgc_verify(h, err, sizeof err), MGC_OK);
    mgc_heap_destroy(h);
}
END_TEST

/* ---- the handshake, with a second thread driven step by step ---------- */

typedef struct hs_env {
    mgc_heap *h;
    const mgc_type *t;
    mgc_ref loc[2];
    atomic_int step;          /* main -> helper */
    atomic_int at;            /* helper -> main: the step it finished */
    atomic_int collected;
    void *before;             /* helper's loc[0] before the collection */
    uint64_t waits;           /* suspensions before the first collection */
    const char *failed;       /* the helper's first failed check */
} hs_env;

/* A helper thread must not call ck_assert: with CK_FORK=no (the TSan run)
   a failure would longjmp from the wrong thread into the runner.  It
   records its first failed check; the main thread asserts after the join. */
#define HELPER_CHECK(e, c)                                  \
    do {                                                    \
        if (!(c) && !(e)->failed)                           \
            (e)->failed = #c " (line " GCF_STR(__LINE__) ")"; \
    } while (0)
#define GCF_STR(x) GCF_STR2(x)
#define GCF_STR2(x) #x

/* Waits until *v >= x; false after about 20 s. */
static bool wait_until(atomic_int *v, int x)
{
    struct timespec ts = {0, 100000};
    for (int i = 0; atomic_load(v) < x; i++) {
        if (i >= 200000)
            return false;
        nanosleep(&ts, NULL);
    }
    return true;
}

static void wait_for(atomic_int *v, int x)
{
    ck_assert_msg(wait_until(v, x), "timed out waiting for step %d", x);
}

static void *hs_helper(void *arg)
{
    hs_env *e = arg;
    if (mgc_thread_attach(e->h, 1) != MGC_OK) {
        e->failed = "attach";
        atomic_store(&e->at, 3);
        return NULL;
    }
    mgc_thread_set_locals(e->h, 1, e->loc, 2);
    HELPER_CHECK(e, mgc_alloc(e->h, 1, e->t, 0, &e->loc[0]) == MGC_OK);
    e->before = e->loc[0];
    atomic_store(&e->at, 1);
    /* cooperative, not polling, until the collection waits for this thread
       (it counts the wait under threads.mu, then sleeps on threads.cv; a
       poll before that would find nothing to stop for): the collection
       must wait for the poll */
    HELPER_CHECK(e, wait_until(&e->step, 2));
    struct timespec ts = {0, 100000};
    for (int i = 0; i < 200000; i++) {
        pthread_mutex_lock(&e->h->threads.mu);
        uint64_t n = e->h->threads.suspensions;
        pthread_mutex_unlock(&e->h->threads.mu);
        if (n > e->waits)
            break;
        nanosleep(&ts, NULL);
    }
    HELPER_CHECK(e, atomic_load(&e->collected) == 0);
    mgc_thread_poll(e->h);                  /* lets it run; returns after it */
    HELPER_CHECK(e, mgc_generation(e->h, e->loc[0]) == 1);   /* promoted meanwhile */
    atomic_store(&e->at, 2);
    /* preemptive: a collection does not wait */
    mgc_thread_enter_preemptive(e->h);
    atomic_store(&e->at, 3);
    HELPER_CHECK(e, wait_until(&e->step, 4));
    mgc_thread_enter_cooperative(e->h);
    HELPER_CHECK(e, mgc_thread_detach(e->h) == MGC_OK);
    return NULL;
}

START_TEST(test_handshake)
{
    static hs_env e;                  /* not on the stack: see HELPER_CHECK */
    memset(&e, 0, sizeof e);
    e.h = thr_heap(2);
    mgc_type_desc d = { .name = "N", .kind = MGC_KIND_FIXED, .size = 32, .nrefs = 1 };
    ck_assert_int_eq(mgc_type_register(e.h, &d, &e.t), MGC_OK);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, hs_helper, &e), 0);
    wait_for(&e.at, 1);
    uint64_t waits = mgc_thread_suspensions(e.h);
    e.waits = waits;
    atomic_store(&e.step, 2);
    ck_assert_int_eq(mgc_collect(e.h, 0, 0), MGC_OK);      /* waits for the poll */
    atomic_store(&e.collected, 1);
    ck_assert_uint_eq(mgc_thread_suspensions(e.h), waits + 1);
    wait_for(&e.at, 3);
    ck_assert_int_eq(mgc_collect(e.h, 1, 0), MGC_OK);      /* helper preemptive */
    ck_assert_uint_eq(mgc_thread_suspensions(e.h), waits + 1);
    /* the helper's local is a root of the stopped thread: it survived, was
       promoted (gen0 collections compact) and its slot follows it */
    ck_assert_ptr_nonnull(e.loc[0]);
    ck_assert_int_eq(mgc_generation(e.h, e.loc[0]), 2);
    ck_assert_ptr_eq(mgc_type_of(e.loc[0]), e.t);
    atomic_store(&e.step, 4);
    pthread_join(th, NULL);
    ck_assert_msg(!e.failed, "helper: %s", e.failed ? e.failed : "");
    char err[256];
    ck_assert_int_eq(mgc_verify(e.h, err, sizeof err), MGC_OK);
    mgc_heap_destroy(e.h);
}
END_TEST

/* ---- .thr.protect: a raw reference waits for the heap lock ------------ */

typedef struct prot_env {
    mgc_heap *h;
    const mgc_type *t;
    mgc_ref loc[3];
    atomic_int phase;
    const char *failed;       /* as in hs_env */
} prot_env;

static void *prot_helper(void *arg)
{
    prot_env *e = arg;
    if (mgc_thread_attach(e->h, 1) != MGC_OK) {
        e->failed = "attach";
        atomic_store(&e->phase, 1);
        return NULL;
    }
    mgc_thread_set_locals(e->h, 1, e->loc, 3);
    HELPER_CHECK(e, mgc_alloc(e->h, 1, e->t, 0, &e->loc[0]) == MGC_OK);  /* garbage below */
    HELPER_CHECK(e, mgc_alloc(e->h, 1, e->t, 0, &e->loc[1]) == MGC_OK);
    e->loc[0] = NULL;
    mgc_ref raw = e->loc[1];
    e->loc[1] = NULL;                        /* only the raw reference now */
    atomic_store(&e->phase, 1);
    HELPER_CHECK(e, wait_until(&e->phase, 2));   /* main holds the heap lock */
    /* waits for the lock (a safe point): main collects meanwhile, the
       object moves, and the static receives its new address */
    HELPER_CHECK(e, mgc_static_set(e->h, 0, raw) == MGC_OK);
    HELPER_CHECK(e, mgc_thread_detach(e->h) == MGC_OK);
    return NULL;
}

START_TEST(test_protect_raw_reference)
{
    static prot_env e;                /* not on the stack: see HELPER_CHECK */
    memset(&e, 0, sizeof e);
    e.h = thr_heap(2);
    mgc_type_desc d = { .name = "N", .kind = MGC_KIND_FIXED, .size = 32, .nrefs = 1 };
    ck_assert_int_eq(mgc_type_register(e.h, &d, &e.t), MGC_OK);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, prot_helper, &e), 0);
    wait_for(&e.phase, 1);
    mgc_heap_lock(e.h);
    atomic_store(&e.phase, 2);
    struct timespec ts = {0, 100000};
    for (int i = 0; atomic_load(&e.h->threads.rec[1].mode) != MGC_THREAD_PREEMPTIVE; i++) {
        ck_assert_msg(i < 200000, "the helper never waited for the lock");
        nanosleep(&ts, NULL);              /* until the helper waits for the lock */
    }
    ck_assert_int_eq(mgc_collect(e.h, 0, 0), MGC_OK);
    mgc_heap_unlock(e.h);
    pthread_join(th, NULL);
    ck_assert_msg(!e.failed, "helper: %s", e.failed ? e.failed : "");
    mgc_ref s = mgc_static_get(e.h, 0);
    ck_assert(mgc_is_object(e.h, s));
    ck_assert_ptr_eq(mgc_type_of(s), e.t);
    ck_assert_int_eq(mgc_generation(e.h, s), 1);
    char err[256];
    ck_assert_int_eq(mgc_verify(e.h, err, sizeof err), MGC_OK);
    mgc_heap_destroy(e.h);
}
END_TEST

/* ---- the concurrent workload ----------------------------------------- */

static void run_workload(unsigned threads, unsigned iterations, size_t budget, const char *name)
{
    thr_params p = { .threads = threads, .iterations = iterations, .gen0_budget = budget,
                     .seed = gcf_test_seed(name) };
    thr_result r;
    ck_assert_int_eq(thr_run(&p, &r), 0);
    ck_assert_msg(thr_findings(&r) == 0, "%lu findings, first: %s", thr_findings(&r), r.first);
    ck_assert_uint_gt(atomic_load(&r.collections_started), 0);
    ck_assert_uint_gt(r.collections[0], atomic_load(&r.collections_started));   /* triggered ones too */
    printf("%s: %u threads x %u iterations: %llu/%llu/%llu collections (%lu induced), %llu waited for a thread\n",
           name, threads, iterations, (unsigned long long)r.collections[0], (unsigned long long)r.collections[1],
           (unsigned long long)r.collections[2], atomic_load(&r.collections_started),
           (unsigned long long)r.suspensions);
}

START_TEST(test_workload_2)
{
    run_workload(2, 20000, 16 * 1024, "threads.workload_2");
}
END_TEST

START_TEST(test_workload_4)
{
    run_workload(4, 10000, 8 * 1024, "threads.workload_4");
}
END_TEST

/* Many short runs: attach, race, detach, destroy, again. */
START_TEST(test_workload_repeated)
{
    for (unsigned i = 0; i < 20; i++)
        run_workload(3, 1000, 4 * 1024, "threads.workload_repeated");
}
END_TEST

Suite *make_threads_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_attach_states);
    tcase_add_test(tc, test_detach_retires);
    tcase_add_test(tc, test_handshake);
    tcase_add_test(tc, test_protect_raw_reference);
    tcase_add_test(tc, test_workload_2);
    tcase_add_test(tc, test_workload_4);
    tcase_add_test(tc, test_workload_repeated);
    suite_add_tcase(s, tc);
    return s;
}
