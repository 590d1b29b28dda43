/* check_rt_threads_util.h -- the concurrent-mutator workload of the thread
 * tests (check_rt_threads.c) and of the planted-defect tests
 * (check_rt_plants.c): N attached OS threads allocate, store through the
 * write barrier, publish through statics and handles, read what other
 * threads published, poll, switch modes, and start collections of every
 * generation, all at once on one heap (docs/threads.md).
 *
 * Every node carries (owner, seq, check = mix(owner, seq)); a thread's
 * lists are checked after every safe point, the published lists of other
 * threads whenever it reads them, and the heap is verified (mgc_verify
 * stops the world) after every collection a thread starts and every
 * collection it sees counted since its last check.  At MGC_ASSERT_LEVEL 3
 * the runtime also verifies the heap inside every collection.
 *
 * Findings are counted, not asserted, so the planted-defect tests can run
 * the same workload in a child process and see it fail. */
#ifndef CHECK_RT_THREADS_UTIL_H
#define CHECK_RT_THREADS_UTIL_H
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mgc.h"

#define THR_LOCALS 8
#define THR_MAX 8

typedef struct thr_params {
    unsigned threads;          /* worker threads (contexts 1..threads) */
    unsigned iterations;       /* per thread */
    uint64_t seed;
    size_t gen0_budget;        /* triggered collections */
} thr_params;

typedef struct thr_result {
    atomic_ulong bad_nodes;    /* a node whose contents are not what was stored */
    atomic_ulong verify_failures;
    atomic_ulong api_failures;
    atomic_ulong ran_during_gc;  /* a cooperative mutator saw a collection running */
    atomic_ulong collections_started;
    uint64_t collections[3];   /* by generation, at the end */
    uint64_t suspensions;      /* world stops that waited for a thread */
    char first[256];           /* the first finding */
    atomic_int have_first;
} thr_result;

typedef struct thr_shared {
    mgc_heap *heap;
    const mgc_type *node;      /* 48 bytes: next, other, owner, seq */
    const mgc_type *arr;       /* reference array */
    mgc_handle handles[THR_MAX];
    thr_params p;
    thr_result *r;
    atomic_uint ready;         /* attached workers; all start together */
    atomic_int in_gc;          /* between GC_START and GC_END events */
} thr_shared;

typedef struct thr_worker {
    thr_shared *sh;
    unsigned id;               /* 0-based; context id + 1 */
    uint64_t rng;
    pthread_t th;
} thr_worker;

static inline uint64_t thr_mix(uint64_t owner, uint64_t seq)
{
    uint64_t x = owner * 0x9e3779b97f4a7c15ull ^ (seq + 0x632be59bd9b4e019ull);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
}

static inline uint64_t thr_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void thr_finding(thr_result *r, atomic_ulong *counter, const char *what, unsigned id, uint64_t a)
{
    atomic_fetch_add(counter, 1);
    if (atomic_exchange(&r->have_first, 1) == 0)
        snprintf(r->first, sizeof r->first, "thread %u: %.200s (%llu)", id, what, (unsigned long long)a);
}

static inline uint64_t *thr_payload(mgc_ref n)
{
    size_t len;
    return (uint64_t *)(void *)mgc_payload(n, &len);
}

/* A list of nodes through slot 0 (next): owner and check must match, seq
   strictly decreasing.  Returns its length. */
static size_t thr_check_list(thr_shared *sh, mgc_ref n, unsigned owner, unsigned id)
{
    size_t len = 0;
    uint64_t last = UINT64_MAX;
    while (n) {
        if (mgc_type_of(n) != sh->node) {
            thr_finding(sh->r, &sh->r->bad_nodes, "not a node", id, (uint64_t)(uintptr_t)n);
            return len;
        }
        uint64_t *pl = thr_payload(n);
        if (pl[0] != owner || pl[1] >= last || mgc_load(sh->heap, n, 1) != NULL) {
            thr_finding(sh->r, &sh->r->bad_nodes, "node contents", id, pl[1]);
            return len;
        }
        last = pl[1];
        n = mgc_load(sh->heap, n, 0);
        if (++len > 1000000)
            return len;
    }
    return len;
}

/* The collection's events: a cooperative mutator must never see one in
   progress (it runs only between safe points, and a collection starts after
   every other thread stopped and ends before they resume). */
static void thr_on_event(mgc_heap *heap, const mgc_event *ev, void *ctx)
{
    thr_shared *sh = ctx;
    if (ev->kind == MGC_EV_GC_START)
        atomic_store(&sh->in_gc, 1);
    else if (ev->kind == MGC_EV_GC_END)
        atomic_store(&sh->in_gc, 0);
}

static void thr_check_not_in_gc(thr_shared *sh, unsigned id, unsigned it)
{
    if (atomic_load(&sh->in_gc))
        thr_finding(sh->r, &sh->r->ran_during_gc, "a mutator ran during a collection", id, it);
}

static void thr_verify(thr_shared *sh, unsigned id)
{
    char err[256];
    if (mgc_verify(sh->heap, err, sizeof err) != MGC_OK)
        thr_finding(sh->r, &sh->r->verify_failures, err, id, 0);
}

static void *thr_main(void *arg)
{
    thr_worker *w = arg;
    thr_shared *sh = w->sh;
    mgc_heap *heap = sh->heap;
    unsigned tid = w->id + 1;
    mgc_ref loc[THR_LOCALS] = {0};
    uint64_t seq[THR_LOCALS] = {0};
    if (mgc_thread_attach(heap, tid) != MGC_OK) {
        thr_finding(sh->r, &sh->r->api_failures, "attach", w->id, tid);
        return NULL;
    }
    mgc_thread_set_locals(heap, tid, loc, THR_LOCALS);
    atomic_fetch_add(&sh->ready, 1);
    mgc_thread_enter_preemptive(heap);          /* waiting: let others collect */
    while (atomic_load(&sh->ready) < sh->p.threads)
        sched_yield();
    mgc_thread_enter_cooperative(heap);
    uint64_t seen = mgc_collection_count(heap, 0);
    uint64_t next_seq = 1;
    for (unsigned it = 0; it < sh->p.iterations; it++) {
        uint64_t r = thr_rand(&w->rng);
        unsigned j = (unsigned)(r % (THR_LOCALS - 2));      /* loc[6], loc[7]: scratch */
        unsigned op = (unsigned)((r >> 8) % 100);
        if (op < 70) {
            /* push a node on list j */
            if (mgc_alloc(heap, tid, sh->node, 0, &loc[6]) != MGC_OK) {
                thr_finding(sh->r, &sh->r->api_failures, "alloc", w->id, it);
                break;
            }
            thr_check_not_in_gc(sh, w->id, it);
            uint64_t *pl = thr_payload(loc[6]);
            pl[0] = w->id;
            pl[1] = next_seq;
            mgc_store(heap, loc[6], 0, loc[j]);
            thr_check_not_in_gc(sh, w->id, it);
            loc[j] = loc[6];
            loc[6] = NULL;
            seq[j] = next_seq++;
            if ((r >> 20) % 64 == 0) {
                loc[j] = NULL;                             /* garbage */
                seq[j] = 0;
            }
        } else if (op < 78) {
            /* an array of refs to our lists, kept in loc[7] for a while */
            if (mgc_alloc(heap, tid, sh->arr, THR_LOCALS, &loc[7]) != MGC_OK) {
                thr_finding(sh->r, &sh->r->api_failures, "alloc array", w->id, it);
                break;
            }
            for (unsigned k = 0; k < THR_LOCALS - 2; k++)
                mgc_store(heap, loc[7], k, loc[k]);
            for (unsigned k = 0; k < THR_LOCALS - 2; k++)
                if (mgc_load(heap, loc[7], k) != loc[k])
                    thr_finding(sh->r, &sh->r->bad_nodes, "array slot", w->id, k);
        } else if (op < 84) {
            /* publish list j through our static and our handle */
            if (mgc_static_set(heap, w->id, loc[j]) != MGC_OK ||
                mgc_handle_set(heap, sh->handles[w->id], loc[j]) != MGC_OK)
                thr_finding(sh->r, &sh->r->api_failures, "publish", w->id, it);
        } else if (op < 92) {
            /* read another thread's published list: through a local */
            unsigned other = (unsigned)((r >> 24) % sh->p.threads);
            if ((r >> 40) & 1)
                loc[6] = mgc_static_get(heap, other);
            else if (mgc_handle_get(heap, sh->handles[other], &loc[6]) != MGC_OK)
                thr_finding(sh->r, &sh->r->api_failures, "handle_get", w->id, it);
            thr_check_list(sh, loc[6], other, w->id);
            loc[6] = NULL;
        } else if (op < 95) {
            mgc_thread_enter_preemptive(heap);
            sched_yield();
            mgc_thread_enter_cooperative(heap);
        } else if (op < 97 && (r >> 44) % 16 == 0) {
            int gen = (int)((r >> 32) % 3);
            if (mgc_collect(heap, gen, 0) != MGC_OK)
                thr_finding(sh->r, &sh->r->api_failures, "collect", w->id, it);
            atomic_fetch_add(&sh->r->collections_started, 1);
            thr_verify(sh, w->id);
        } else {
            mgc_thread_poll(heap);
        }
        /* after any safe point: our own lists are intact */
        if (it % 16 == 0 || op >= 92) {
            for (unsigned k = 0; k < THR_LOCALS - 2; k++) {
                if (loc[k] && thr_payload(loc[k])[1] != seq[k])
                    thr_finding(sh->r, &sh->r->bad_nodes, "list head", w->id, seq[k]);
                thr_check_list(sh, loc[k], w->id, w->id);
            }
            uint64_t now = mgc_collection_count(heap, 0);
            if (now != seen) {
                seen = now;
                thr_verify(sh, w->id);
            }
        }
        mgc_thread_poll(heap);
    }
    if (mgc_thread_detach(heap) != MGC_OK)
        thr_finding(sh->r, &sh->r->api_failures, "detach", w->id, 0);
    return NULL;
}

/* Run the workload; 0 when it ran (findings in *r), -1 on a setup error. */
static int thr_run(const thr_params *p, thr_result *r)
{
    memset(r, 0, sizeof *r);
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = p->threads + 1;
    cfg.gen0_budget = p->gen0_budget;
    cfg.gen1_budget = 4 * p->gen0_budget;
    cfg.gen2_budget = 16 * p->gen0_budget;
    cfg.segment_size = 256 * 1024;
    thr_shared sh = { .p = *p, .r = r };
    if (p->threads > THR_MAX || mgc_heap_create(&cfg, &sh.heap) != MGC_OK)
        return -1;
    mgc_type_desc nd = { .name = "Node", .kind = MGC_KIND_FIXED, .size = 48, .nrefs = 2 };
    mgc_type_desc ad = { .name = "Node[]", .kind = MGC_KIND_REF_ARRAY };
    if (mgc_type_register(sh.heap, &nd, &sh.node) != MGC_OK ||
        mgc_type_register(sh.heap, &ad, &sh.arr) != MGC_OK)
        return -1;
    mgc_set_event_callback(sh.heap, thr_on_event, &sh);
    for (unsigned i = 0; i < p->threads; i++)
        if (mgc_handle_alloc(sh.heap, MGC_HANDLE_STRONG, NULL, &sh.handles[i]) != MGC_OK)
            return -1;
    thr_worker w[THR_MAX];
    for (unsigned i = 0; i < p->threads; i++) {
        w[i] = (thr_worker){ .sh = &sh, .id = i, .rng = p->seed * 1000003u + i };
        if (pthread_create(&w[i].th, NULL, thr_main, &w[i]) != 0)
            return -1;
    }
    for (unsigned i = 0; i < p->threads; i++)
        pthread_join(w[i].th, NULL);
    /* the published lists survive a last full collection intact */
    if (mgc_collect(sh.heap, 2, 0) != MGC_OK)
        thr_finding(r, &r->api_failures, "final collect", 0, 0);
    thr_verify(&sh, 0);
    for (unsigned i = 0; i < p->threads; i++)
        thr_check_list(&sh, mgc_static_get(sh.heap, i), i, 0);
    for (int g = 0; g < 3; g++)
        r->collections[g] = mgc_collection_count(sh.heap, g);
    r->suspensions = mgc_thread_suspensions(sh.heap);
    mgc_heap_destroy(sh.heap);
    return 0;
}

static inline unsigned long thr_findings(thr_result *r)
{
    return atomic_load(&r->bad_nodes) + atomic_load(&r->verify_failures) + atomic_load(&r->api_failures) +
           atomic_load(&r->ran_during_gc);
}
#endif /* CHECK_RT_THREADS_UTIL_H */
