/* target_sched.c -- the scheduled concurrency mode (.tgt.sched,
 * docs/threads.md "The harness's scheduled mode").
 *
 * Target "mgc-sched" wraps our runtime's target (hx_target_mgc): every
 * allocation context N of the program gets its own OS thread, attached to
 * the heap with context N (mgc_thread_attach), and each `thread N` section
 * of the program runs its statements on thread N.  A baton decides who
 * runs: the executor hands one target operation at a time to the thread of
 * the current section and waits until it is done, so the interleaving is
 * exactly the program order and a run replays bit for bit, while the
 * suspension of the other threads (each waits for the baton in preemptive
 * mode), the per-thread allocation contexts and the thread on which
 * finalizers run are real.  The oracle runs in lockstep as with "mgc".
 *
 * Operations that only read (walk, object, peeks, counts, verify, dump) run
 * on the executor's thread: every mutator thread is parked in preemptive
 * mode then, so nothing moves while the executor looks.
 */
#include "target.h"
#include "mgc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HX_SCHED_SIG 0x53434844u   /* 'SCHD' */

typedef struct hx_sched hx_sched;

typedef struct sched_job {
    void (*fn)(hx_sched *s, void *arg);
    void *arg;
} sched_job;

typedef struct sched_worker {
    hx_sched *s;
    unsigned tid;
    pthread_t th;
    bool started;
    bool ready;             /* the thread tried to attach */
    bool attached;          /* ... and did */
    bool has_job;
    sched_job job;
} sched_worker;

struct hx_sched {
    uint32_t sig;
    const hx_target_ops *inner_ops;
    hx_target *in;
    mgc_heap *heap;
    unsigned nthreads;
    unsigned cur;           /* the thread of the current section */
    bool failed;            /* a thread could not be started or attached */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sched_worker w[MGC_MAX_THREADS];
};

static hx_sched *S(hx_target *t)
{
    hx_sched *s = (hx_sched *)(void *)t;
    HX_AVER(s && s->sig == HX_SCHED_SIG);
    return s;
}

/* ---- the threads and the baton ------------------------------------------ */

static void *sched_main(void *arg)
{
    sched_worker *w = arg;
    hx_sched *s = w->s;
    bool ok = mgc_thread_attach(s->heap, w->tid) == MGC_OK;
    if (ok)
        mgc_thread_enter_preemptive(s->heap);  /* waiting for the baton */
    pthread_mutex_lock(&s->mu);
    w->attached = ok;
    w->ready = true;
    pthread_cond_broadcast(&s->cv);
    while (ok) {
        while (!w->has_job && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!w->has_job)
            break;
        sched_job job = w->job;
        pthread_mutex_unlock(&s->mu);
        mgc_thread_enter_cooperative(s->heap);
        job.fn(s, job.arg);
        mgc_thread_enter_preemptive(s->heap);
        pthread_mutex_lock(&s->mu);
        w->has_job = false;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (ok) {
        mgc_thread_enter_cooperative(s->heap);
        mgc_thread_detach(s->heap);
    }
    return NULL;
}

static bool sched_start(hx_sched *s, unsigned tid)
{
    sched_worker *w = &s->w[tid];
    if (w->started)
        return w->attached;
    w->s = s;
    w->tid = tid;
    w->has_job = false;
    w->ready = false;
    w->attached = false;
    if (pthread_create(&w->th, NULL, sched_main, w) != 0) {
        s->failed = true;
        return false;
    }
    w->started = true;
    pthread_mutex_lock(&s->mu);
    while (!w->ready)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    if (!w->attached)
        s->failed = true;
    return w->attached;
}

/* Run fn(arg) on thread tid and wait for it (the baton). */
static bool sched_run(hx_sched *s, unsigned tid, void (*fn)(hx_sched *, void *), void *arg)
{
    if (tid >= s->nthreads || !sched_start(s, tid))
        return false;
    sched_worker *w = &s->w[tid];
    pthread_mutex_lock(&s->mu);
    w->job = (sched_job){ fn, arg };
    w->has_job = true;
    pthread_cond_broadcast(&s->cv);
    while (w->has_job)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return true;
}

static void sched_stop_all(hx_sched *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < MGC_MAX_THREADS; i++)
        if (s->w[i].started) {
            pthread_join(s->w[i].th, NULL);
            s->w[i].started = false;
        }
}

/* ---- lifecycle ------------------------------------------------------------ */

static void sched_destroy(hx_target *t)
{
    if (!t)
        return;
    hx_sched *s = S(t);
    sched_stop_all(s);
    s->inner_ops->destroy(s->in);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    s->sig = 0;
    free(s);
}

static hx_target *sched_create(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    hx_sched *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->sig = HX_SCHED_SIG;
    s->inner_ops = &hx_target_mgc;
    s->in = s->inner_ops->create(cfg, ev, ev_ctx);
    if (!s->in) {
        free(s);
        return NULL;
    }
    s->heap = hx_target_mgc_heap(s->in);
    s->nthreads = cfg->threads ? cfg->threads : 1;
    if (s->nthreads > MGC_MAX_THREADS)
        s->nthreads = MGC_MAX_THREADS;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    return (hx_target *)(void *)s;
}

/* ---- operations on the current thread ------------------------------------ */

typedef struct sched_args {
    hx_target *in;
    unsigned tid;
    uint32_t a, b, c;
    uint64_t n;
    int k;
    bool flag;
    uint32_t *out;
    hx_tstatus st;
} sched_args;

#define SCHED_OP(name, body)                                                   \
    static void name##_on(hx_sched *s, void *arg)                              \
    {                                                                          \
        sched_args *x = arg;                                                   \
        const hx_target_ops *o = s->inner_ops;                                 \
        (void)o;                                                               \
        body;                                                                  \
    }

SCHED_OP(alloc, x->st = o->alloc(x->in, x->tid, x->a, x->n, x->b))
SCHED_OP(set_local, o->set_local(x->in, x->a, x->b))
SCHED_OP(store, o->store(x->in, x->a, x->n, x->b))
SCHED_OP(load, o->load(x->in, x->a, x->b, x->n))
SCHED_OP(handle_alloc, x->st = o->handle_alloc(x->in, x->k, x->a, x->out))
SCHED_OP(handle_free, x->st = o->handle_free(x->in, x->a))
SCHED_OP(handle_get, x->st = o->handle_get(x->in, x->a, x->b))
SCHED_OP(static_set, o->static_set(x->in, x->a, x->b))
SCHED_OP(static_get, o->static_get(x->in, x->a, x->b))
SCHED_OP(suppress, o->suppress(x->in, x->a))
SCHED_OP(reregister, o->reregister(x->in, x->a))
SCHED_OP(collect, x->st = o->collect(x->in, x->k, x->flag))
SCHED_OP(run_finalizers, x->st = o->run_finalizers(x->in, x->tid))

/* Run on the thread of the current section; HX_T_ERROR when that thread
   could not be started. */
static hx_tstatus sched_do(hx_target *t, unsigned tid, void (*fn)(hx_sched *, void *), sched_args *x)
{
    hx_sched *s = S(t);
    x->in = s->in;
    x->st = HX_T_OK;
    if (!sched_run(s, tid, fn, x))
        return HX_T_ERROR;
    return x->st;
}

void hx_target_sched_set_thread(hx_target *t, unsigned tid)
{
    hx_sched *s = S(t);
    if (tid < s->nthreads)
        s->cur = tid;
}

static hx_tstatus sched_register_type(hx_target *t, const hx_target_type *ty)
{
    hx_sched *s = S(t);
    return s->inner_ops->register_type(s->in, ty);
}

static hx_tstatus sched_alloc(hx_target *t, unsigned tid, uint32_t type, uint64_t length, uint32_t dst)
{
    S(t)->cur = tid;
    sched_args x = { .tid = tid, .a = type, .n = length, .b = dst };
    return sched_do(t, tid, alloc_on, &x);
}

static void sched_set_local(hx_target *t, uint32_t dst, uint32_t src)
{
    sched_args x = { .a = dst, .b = src };
    sched_do(t, S(t)->cur, set_local_on, &x);
}

static void sched_store(hx_target *t, uint32_t obj, uint64_t slot, uint32_t src)
{
    sched_args x = { .a = obj, .n = slot, .b = src };
    sched_do(t, S(t)->cur, store_on, &x);
}

static void sched_load(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot)
{
    sched_args x = { .a = dst, .b = obj, .n = slot };
    sched_do(t, S(t)->cur, load_on, &x);
}

static hx_tstatus sched_handle_alloc(hx_target *t, int kind, uint32_t src, uint32_t *out)
{
    sched_args x = { .k = kind, .a = src, .out = out };
    return sched_do(t, S(t)->cur, handle_alloc_on, &x);
}

static hx_tstatus sched_handle_free(hx_target *t, uint32_t h)
{
    sched_args x = { .a = h };
    return sched_do(t, S(t)->cur, handle_free_on, &x);
}

static hx_tstatus sched_handle_get(hx_target *t, uint32_t h, uint32_t dst)
{
    sched_args x = { .a = h, .b = dst };
    return sched_do(t, S(t)->cur, handle_get_on, &x);
}

static void sched_static_set(hx_target *t, uint32_t idx, uint32_t src)
{
    sched_args x = { .a = idx, .b = src };
    sched_do(t, S(t)->cur, static_set_on, &x);
}

static void sched_static_get(hx_target *t, uint32_t idx, uint32_t dst)
{
    sched_args x = { .a = idx, .b = dst };
    sched_do(t, S(t)->cur, static_get_on, &x);
}

static void sched_suppress(hx_target *t, uint32_t obj)
{
    sched_args x = { .a = obj };
    sched_do(t, S(t)->cur, suppress_on, &x);
}

static void sched_reregister(hx_target *t, uint32_t obj)
{
    sched_args x = { .a = obj };
    sched_do(t, S(t)->cur, reregister_on, &x);
}

static hx_tstatus sched_collect(hx_target *t, int gen, bool compact_loh)
{
    sched_args x = { .k = gen, .flag = compact_loh };
    return sched_do(t, S(t)->cur, collect_on, &x);
}

static hx_tstatus sched_run_finalizers(hx_target *t, unsigned tid)
{
    S(t)->cur = tid;
    sched_args x = { .tid = tid };
    return sched_do(t, tid, run_finalizers_on, &x);
}

/* ---- reads, on the executor's thread (.tgt.sched) ------------------------- */

#define IN(t) (S(t)->in)
#define OPS(t) (S(t)->inner_ops)

static hx_addr sched_get_local(hx_target *t, uint32_t l) { return OPS(t)->get_local(IN(t), l); }
static hx_addr sched_handle_peek(hx_target *t, uint32_t h) { return OPS(t)->handle_peek(IN(t), h); }
static hx_addr sched_static_peek(hx_target *t, uint32_t i) { return OPS(t)->static_peek(IN(t), i); }
static int sched_generation(hx_target *t, hx_addr a) { return OPS(t)->generation(IN(t), a); }
static bool sched_is_large(hx_target *t, hx_addr a) { return OPS(t)->is_large(IN(t), a); }
static uint64_t sched_collection_count(hx_target *t, int g) { return OPS(t)->collection_count(IN(t), g); }
static void sched_walk(hx_target *t, hx_walk_fn fn, void *ctx) { OPS(t)->walk(IN(t), fn, ctx); }
static void sched_fin_walk(hx_target *t, hx_fin_fn fn, void *ctx) { OPS(t)->fin_walk(IN(t), fn, ctx); }
static int sched_fin_bit(hx_target *t, hx_addr a) { return OPS(t)->fin_bit(IN(t), a); }
static hx_tstatus sched_verify(hx_target *t, char *err, size_t n) { return OPS(t)->verify(IN(t), err, n); }
static hx_tstatus sched_dump(hx_target *t, hx_view v, FILE *out) { return OPS(t)->dump(IN(t), v, out); }
static uint8_t *sched_payload(hx_target *t, uint32_t l, size_t *len) { return OPS(t)->payload(IN(t), l, len); }
static bool sched_object(hx_target *t, hx_addr a, hx_tobject *o) { return OPS(t)->object(IN(t), a, o); }
static void sched_fin_counts(hx_target *t, uint64_t *r, uint64_t *f) { OPS(t)->fin_counts(IN(t), r, f); }

const hx_target_ops hx_target_mgc_sched = {
    .api_version = HX_TARGET_API_VERSION,
    .caps = HX_CAPS_ALL,
    .name = "mgc-sched",
    .create = sched_create,
    .destroy = sched_destroy,
    .register_type = sched_register_type,
    .alloc = sched_alloc,
    .set_local = sched_set_local,
    .get_local = sched_get_local,
    .store = sched_store,
    .load = sched_load,
    .handle_alloc = sched_handle_alloc,
    .handle_free = sched_handle_free,
    .handle_get = sched_handle_get,
    .handle_peek = sched_handle_peek,
    .static_set = sched_static_set,
    .static_get = sched_static_get,
    .static_peek = sched_static_peek,
    .suppress = sched_suppress,
    .reregister = sched_reregister,
    .collect = sched_collect,
    .run_finalizers = sched_run_finalizers,
    .generation = sched_generation,
    .is_large = sched_is_large,
    .collection_count = sched_collection_count,
    .walk = sched_walk,
    .fin_walk = sched_fin_walk,
    .fin_bit = sched_fin_bit,
    .verify = sched_verify,
    .dump = sched_dump,
    .payload = sched_payload,
    .object = sched_object,
    .fin_counts = sched_fin_counts,
};
