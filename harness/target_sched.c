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
 *
 * Target "mgc-fin" (.tgt.finthread, docs/threads.md "Finalizer-thread
 * mode") is the same with the runtime's finalizer thread running
 * (mgc_finalizer_thread_start): collections wake it and it drains the
 * f-reachable queue on its own OS thread, on allocation context 0
 * (MGC_FINTHREAD_TID), so the program's threads run on contexts 1 and up, and
 * `finalize` is mgc_wait_for_pending_finalizers (GC.WaitForPendingFinalizers).
 * The finalizer thread's events reach the executor through a gate
 * (.tgt.fin-gate): it is open while `finalize` waits and while the
 * executor settles a statement (hx_target_fin_settle), closed otherwise, so
 * the executor sees the thread's calls only while it is parked and the
 * calls land at the same points of the program in every run.  A thread
 * that reaches a closed gate waits there, holding the heap lock, until the
 * executor opens it.  Both waits are bounded (.tgt.fin-timeout).
 */
#include "target.h"
#include "mgc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HX_SCHED_SIG 0x53434844u   /* 'SCHD' */

typedef struct hx_sched hx_sched;

typedef struct sched_job {
    void (*fn)(hx_sched *s, void *arg);
    void *arg;
} sched_job;

typedef struct sched_worker {
    hx_sched *s;
    unsigned tid;
    unsigned ctx;           /* its allocation context */
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
    unsigned nctx;          /* the heap's allocation contexts */
    unsigned cur;           /* the thread of the current section */
    bool failed;            /* a thread could not be started or attached */
    bool stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* mgc-fin (.tgt.finthread) */
    bool fin;               /* the runtime's finalizer thread runs */
    unsigned next_ctx;      /* the next context a thread gets (mgc-fin) */
    hx_event_fn ev;         /* the executor's event callback */
    void *ev_ctx;
    pthread_cond_t gate_cv;
    bool gate_open;         /* the finalizer thread's events may reach ev */
    bool delivering;        /* ... and one is being delivered */
    bool closing;           /* teardown: its events are dropped */
    bool wedged;            /* a worker did not come back (`finalize` timed out) */
    bool timed_out;         /* the last bounded wait timed out */
    long timeout_ms;        /* .tgt.fin-timeout */
    sched_worker w[MGC_MAX_THREADS];
};

/* The calling OS thread is one of the scheduler's workers. */
static _Thread_local bool tl_worker;

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
    tl_worker = true;
    bool ok = mgc_thread_attach(s->heap, w->ctx) == MGC_OK;
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
    /* mgc-sched: context N for thread N; mgc-fin: context 0 is the
       finalizer thread's, the program's threads get 1, 2, ... in the order
       they first run (a program names at most 63 of the 64) */
    if (s->fin && s->next_ctx >= s->nctx) {
        s->failed = true;
        return false;
    }
    w->ctx = s->fin ? s->next_ctx++ : tid;
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

/* A deadline timeout_ms from now (CLOCK_REALTIME, for pthread_cond_timedwait). */
static struct timespec sched_deadline(long timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static bool sched_past(const struct timespec *d)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > d->tv_sec || (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

/* .tgt.fin-gate: open lets the finalizer thread's events through; close
   waits until the one being delivered is done. */
static void sched_gate(hx_sched *s, bool open)
{
    pthread_mutex_lock(&s->mu);
    s->gate_open = open;
    if (open)
        pthread_cond_broadcast(&s->gate_cv);
    else
        while (s->delivering)
            pthread_cond_wait(&s->gate_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

/* Run fn(arg) on thread tid and wait for it (the baton); with `bounded`,
   for at most timeout_ms (then the worker is given up: s->wedged). */
static bool sched_run_bounded(hx_sched *s, unsigned tid, void (*fn)(hx_sched *, void *),
                              void *arg, bool bounded)
{
    if (s->wedged || tid >= s->nthreads || !sched_start(s, tid))
        return false;
    sched_worker *w = &s->w[tid];
    struct timespec d = sched_deadline(s->timeout_ms);
    bool ok = true;
    pthread_mutex_lock(&s->mu);
    w->job = (sched_job){ fn, arg };
    w->has_job = true;
    pthread_cond_broadcast(&s->cv);
    while (w->has_job) {
        if (!bounded) {
            pthread_cond_wait(&s->cv, &s->mu);
        } else if (pthread_cond_timedwait(&s->cv, &s->mu, &d) == ETIMEDOUT && w->has_job) {
            s->wedged = true;
            s->timed_out = true;
            ok = false;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static bool sched_run(hx_sched *s, unsigned tid, void (*fn)(hx_sched *, void *), void *arg)
{
    return sched_run_bounded(s, tid, fn, arg, false);
}

static void sched_stop_all(hx_sched *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    s->closing = true;                 /* .tgt.fin-gate: drop, never wait */
    pthread_cond_broadcast(&s->cv);
    pthread_cond_broadcast(&s->gate_cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < MGC_MAX_THREADS; i++)
        if (s->w[i].started) {
            if (s->wedged && s->w[i].has_job)
                pthread_detach(s->w[i].th);   /* it never came back */
            else
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
    if (s->wedged) {
        /* a worker is still inside the runtime, waiting for a finalizer
           thread that does not answer: the heap (and this record, which
           the worker uses) are left to the process's exit */
        return;
    }
    s->inner_ops->destroy(s->in);
    pthread_cond_destroy(&s->gate_cv);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    s->sig = 0;
    free(s);
}

/* The inner target's events: a worker's (or anything but the finalizer
   thread's) go straight to the executor; the finalizer thread's pass the
   gate (.tgt.fin-gate). */
static void sched_on_event(void *ctx, const hx_event *ev)
{
    hx_sched *s = ctx;
    if (!s->fin || tl_worker) {
        if (s->ev)
            s->ev(s->ev_ctx, ev);
        return;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->gate_open && !s->closing)
        pthread_cond_wait(&s->gate_cv, &s->mu);
    if (s->closing) {
        pthread_mutex_unlock(&s->mu);
        return;
    }
    s->delivering = true;
    pthread_mutex_unlock(&s->mu);
    if (s->ev)
        s->ev(s->ev_ctx, ev);
    pthread_mutex_lock(&s->mu);
    s->delivering = false;
    pthread_cond_broadcast(&s->gate_cv);
    pthread_mutex_unlock(&s->mu);
}

/* .tgt.fin-timeout: GCF_FIN_TIMEOUT_MS, default 20 s (a drain of a
   program's finalizers takes milliseconds; the bound is for a thread that
   never answers). */
static long sched_timeout_ms(void)
{
    const char *e = getenv("GCF_FIN_TIMEOUT_MS");
    long v = e && *e ? strtol(e, NULL, 10) : 0;
    return v > 0 ? v : 20000;
}

static hx_target *sched_create_mode(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx,
                                    bool fin)
{
    hx_sched *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->sig = HX_SCHED_SIG;
    s->fin = fin;
    s->next_ctx = 1;                   /* mgc-fin: context 0 is the finalizer thread's */
    s->ev = ev;
    s->ev_ctx = ev_ctx;
    s->timeout_ms = sched_timeout_ms();
    s->nthreads = cfg->threads ? cfg->threads : 1;
    s->nctx = s->nthreads + (fin ? 1u : 0u);
    if (s->nctx > MGC_MAX_THREADS)
        s->nctx = MGC_MAX_THREADS;
    hx_target_config c = *cfg;
    c.threads = s->nctx;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_cond_init(&s->gate_cv, NULL);
    s->inner_ops = &hx_target_mgc;
    s->in = s->inner_ops->create(&c, sched_on_event, s);
    if (s->in) {
        s->heap = hx_target_mgc_heap(s->in);
        if (!fin || mgc_finalizer_thread_start(s->heap) == MGC_OK)
            return (hx_target *)(void *)s;
        s->inner_ops->destroy(s->in);
    }
    pthread_cond_destroy(&s->gate_cv);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return NULL;
}

static hx_target *sched_create(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    return sched_create_mode(cfg, ev, ev_ctx, false);
}

static hx_target *sched_create_fin(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    return sched_create_mode(cfg, ev, ev_ctx, true);
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
/* mgc-fin: `finalize` is GC.WaitForPendingFinalizers (it switches to
   preemptive mode around its wait by itself) */
SCHED_OP(wait_finalizers, x->st = mgc_wait_for_pending_finalizers(s->heap) == MGC_OK
                                      ? HX_T_OK : HX_T_ERROR)

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
    hx_sched *s = S(t);
    s->cur = tid;
    if (tid >= s->nthreads || !sched_start(s, tid))
        return HX_T_ERROR;
    sched_args x = { .tid = s->w[tid].ctx, .a = type, .n = length, .b = dst };
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
    hx_sched *s = S(t);
    s->cur = tid;
    sched_args x = { .tid = tid };
    if (!s->fin)
        return sched_do(t, tid, run_finalizers_on, &x);
    /* mgc-fin: the finalizer thread runs them while this thread waits;
       its events pass the gate meanwhile */
    x.in = s->in;
    x.st = HX_T_OK;
    s->timed_out = false;
    sched_gate(s, true);
    bool ok = sched_run_bounded(s, tid, wait_finalizers_on, &x, true);
    if (s->wedged) {
        pthread_mutex_lock(&s->mu);
        s->closing = true;             /* nobody will open the gate again */
        pthread_cond_broadcast(&s->gate_cv);
        pthread_mutex_unlock(&s->mu);
        return HX_T_ERROR;
    }
    sched_gate(s, false);
    if (!ok)
        return HX_T_ERROR;
    mgc_heap_lock(s->heap);
    bool over = hx_target_mgc_fin_restart(s->in);
    mgc_heap_unlock(s->heap);
    return x.st != HX_T_OK ? x.st : over ? HX_T_LIMIT : HX_T_OK;
}

/* ---- the finalizer thread (.tgt.finthread) -------------------------------- */

bool hx_target_is_sched(const hx_target_ops *ops)
{
    return ops == &hx_target_mgc_sched || ops == &hx_target_mgc_fin;
}

bool hx_target_fin_timed_out(hx_target *t)
{
    return S(t)->timed_out;
}

long hx_target_fin_timeout_ms(hx_target *t)
{
    return S(t)->timeout_ms;
}

hx_tstatus hx_target_fin_settle(hx_target *t)
{
    hx_sched *s = S(t);
    s->timed_out = false;
    if (!s->fin || s->wedged)
        return HX_T_OK;
    struct timespec d = sched_deadline(s->timeout_ms);
    sched_gate(s, true);
    bool quiet = false, over = false;
    for (;;) {
        /* holding the heap lock, no drain is running (the finalizer thread
           holds it for a whole drain): an empty f-reachable queue means
           the thread has run everything queued so far */
        mgc_heap_lock(s->heap);
        uint64_t reg = 0, fr = 0;
        s->inner_ops->fin_counts(s->in, &reg, &fr);
        quiet = fr == 0;
        if (quiet)
            over = hx_target_mgc_fin_restart(s->in);
        mgc_heap_unlock(s->heap);
        if (quiet || sched_past(&d))
            break;
        struct timespec nap = { 0, 500000L };   /* 0.5 ms */
        nanosleep(&nap, NULL);
    }
    if (!quiet) {
        /* the run stops here: whatever the thread still does is dropped,
           so it never holds the heap lock at a closed gate while the
           executor reports (views take the heap lock) */
        pthread_mutex_lock(&s->mu);
        s->closing = true;
        pthread_cond_broadcast(&s->gate_cv);
        pthread_mutex_unlock(&s->mu);
        s->timed_out = true;
        return HX_T_ERROR;
    }
    sched_gate(s, false);
    return over ? HX_T_LIMIT : HX_T_OK;
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
static bool sched_object_part(hx_target *t, hx_addr a, uint64_t first, uint32_t n, hx_tobject *o)
{
    return OPS(t)->object_part(IN(t), a, first, n, o);
}
static void sched_fin_counts(hx_target *t, uint64_t *r, uint64_t *f) { OPS(t)->fin_counts(IN(t), r, f); }

#define SCHED_OPS \
    .api_version = HX_TARGET_API_VERSION, \
    .caps = HX_CAPS_ALL, \
    .destroy = sched_destroy, \
    .register_type = sched_register_type, \
    .alloc = sched_alloc, \
    .set_local = sched_set_local, \
    .get_local = sched_get_local, \
    .store = sched_store, \
    .load = sched_load, \
    .handle_alloc = sched_handle_alloc, \
    .handle_free = sched_handle_free, \
    .handle_get = sched_handle_get, \
    .handle_peek = sched_handle_peek, \
    .static_set = sched_static_set, \
    .static_get = sched_static_get, \
    .static_peek = sched_static_peek, \
    .suppress = sched_suppress, \
    .reregister = sched_reregister, \
    .collect = sched_collect, \
    .run_finalizers = sched_run_finalizers, \
    .generation = sched_generation, \
    .is_large = sched_is_large, \
    .collection_count = sched_collection_count, \
    .walk = sched_walk, \
    .fin_walk = sched_fin_walk, \
    .fin_bit = sched_fin_bit, \
    .verify = sched_verify, \
    .dump = sched_dump, \
    .payload = sched_payload, \
    .object = sched_object, \
    .object_part = sched_object_part, \
    .fin_counts = sched_fin_counts, \

const hx_target_ops hx_target_mgc_sched = {
    SCHED_OPS
    .name = "mgc-sched",
    .create = sched_create,
};

const hx_target_ops hx_target_mgc_fin = {
    SCHED_OPS
    .name = "mgc-fin",
    .create = sched_create_fin,
};
