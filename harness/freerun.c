/* freerun.c -- the free-running concurrency mode (freerun.h, .fr).
 *
 * .fr.threads     one OS thread per `thread N` that has statements, attached
 *                 with context N; each registers its own local array as its
 *                 roots, waits at a start barrier in preemptive mode and then
 *                 runs its statements in order, polling between them.
 * .fr.model       each thread keeps a model of what only it can change: the
 *                 objects it allocated (type, length, reference slots as it
 *                 stored them, finalization intent), which of them its locals
 *                 and handles name, and which locals hold an object read from
 *                 a static (foreign: published by anyone, only checked).
 * .fr.stamp       every object with at least 8 payload bytes carries a stamp:
 *                 a key (owner thread + 1 in the top byte, the owner's
 *                 allocation number below; FR_KEY_FIN for objects a finalizer
 *                 allocated), a check word mixing key, type and length, and a
 *                 pattern from the check word in the next payload bytes (up to
 *                 64).  Written by the owner right after the allocation (no
 *                 safe point between) and never again, so another thread may
 *                 read it once the object is published.
 * .fr.check       after every statement a thread walks its model's reachable
 *                 objects alongside the heap from its handles (each in turn:
 *                 reading a handle is a safe point) and then from its locals
 *                 (no safe point during the walk, so nothing moves), and checks
 *                 every foreign local.
 * .fr.events      the collection events run on the collecting thread with
 *                 the world stopped: GC_START raises a flag, GC_END verifies
 *                 the heap and lowers it; a mutator that sees the flag raised
 *                 between statements (cooperative, not at a safe point) ran
 *                 during a collection.
 * .fr.end         after every thread detached (which forgets its locals) the
 *                 executor frees every handle, clears the statics, and
 *                 collects and drains finalizers (clearing the statics the
 *                 finalizers resurrect into) until a round calls nothing; then
 *                 C6 no lost finalization.
 */
#include "freerun.h"
#include "gen.h"
#include "text.h"
#include "util.h"
#include "mgc.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ===================== the discipline (.fr.discipline) ================= */

enum { FR_UNBOUND = 0, FR_DROPPED, FR_PRIV, FR_FOREIGN };
enum { FR_H_NONE = 0, FR_H_LIVE, FR_H_FREED };

typedef struct fr_disc {
    uint8_t *lstate;
    int *lowner;
    hx_pos *lfirst;
    uint32_t nl;
    uint8_t *hstate;
    int *howner;
    hx_pos *hfirst;
    uint32_t nh;
} fr_disc;

static bool fr_disc_init(fr_disc *d, uint32_t nl, uint32_t nh)
{
    memset(d, 0, sizeof *d);
    d->nl = nl;
    d->nh = nh;
    d->lstate = calloc(nl + 1, 1);
    d->lowner = malloc((nl + 1) * sizeof *d->lowner);
    d->lfirst = calloc(nl + 1, sizeof *d->lfirst);
    d->hstate = calloc(nh + 1, 1);
    d->howner = malloc((nh + 1) * sizeof *d->howner);
    d->hfirst = calloc(nh + 1, sizeof *d->hfirst);
    if (!d->lstate || !d->lowner || !d->lfirst || !d->hstate || !d->howner || !d->hfirst)
        return false;
    for (uint32_t i = 0; i <= nl; i++)
        d->lowner[i] = -1;
    for (uint32_t i = 0; i <= nh; i++)
        d->howner[i] = -1;
    return true;
}

static void fr_disc_free(fr_disc *d)
{
    free(d->lstate);
    free(d->lowner);
    free(d->lfirst);
    free(d->hstate);
    free(d->howner);
    free(d->hfirst);
    memset(d, 0, sizeof *d);
}

static const char *fr_lname(const hx_program *p, uint32_t l)
{
    return l < p->nlocals ? p->locals[l] : "?";
}

/* Whether thread tid may use local l (it owns it, or nobody does yet). */
static bool fr_own_local(fr_disc *d, const hx_program *p, uint32_t l, unsigned tid, hx_pos pos,
                         char *msg, size_t n)
{
    if (d->lowner[l] < 0) {
        d->lowner[l] = (int)tid;
        d->lfirst[l] = pos;
        return true;
    }
    if (d->lowner[l] == (int)tid)
        return true;
    snprintf(msg, n,
             "local '%s' is used by thread %u here and by thread %d at line %u: in "
             "free-running mode every local belongs to one thread",
             fr_lname(p, l), tid, d->lowner[l], d->lfirst[l].line);
    return false;
}

static bool fr_own_handle(fr_disc *d, const hx_program *p, uint32_t h, unsigned tid, hx_pos pos,
                          char *msg, size_t n)
{
    if (d->howner[h] < 0) {
        d->howner[h] = (int)tid;
        d->hfirst[h] = pos;
        return true;
    }
    if (d->howner[h] == (int)tid)
        return true;
    snprintf(msg, n,
             "handle '%s' is used by thread %u here and by thread %d at line %u: in "
             "free-running mode every handle belongs to one thread",
             h < p->nhandles ? p->handles[h] : "?", tid, d->howner[h], d->hfirst[h].line);
    return false;
}

/* A local that must be bound (private = it must also not be foreign). */
static bool fr_need(fr_disc *d, const hx_program *p, const hx_stmt *s, uint32_t l, bool priv,
                    const char *role, char *msg, size_t n)
{
    uint8_t st = d->lstate[l];
    if (st == FR_UNBOUND || st == FR_DROPPED) {
        snprintf(msg, n, "local '%s' is %s in its thread here", fr_lname(p, l),
                 st == FR_UNBOUND ? "not bound" : "dropped");
        return false;
    }
    if (priv && st == FR_FOREIGN) {
        snprintf(msg, n,
                 "local '%s' holds an object read from a static (shared by the threads): "
                 "in free-running mode it may be copied, dropped or published, not used as %s "
                 "of %s",
                 fr_lname(p, l), role, hx_stmt_kind_name(s->kind));
        return false;
    }
    return true;
}

/* One statement of thread tid: true and the state updated, or false with
   msg saying why it breaks the discipline. */
static bool fr_disc_step(fr_disc *d, const hx_program *p, const hx_stmt *s, unsigned tid,
                         char *msg, size_t n)
{
    if (hx_stmt_is_expect(s->kind)) {
        snprintf(msg, n,
                 "expectations depend on the interleaving: a free-running program has none");
        return false;
    }
    static const hx_field lf[] = { HX_FIELD_dst, HX_FIELD_obj, HX_FIELD_src };
    for (size_t i = 0; i < 3; i++)
        if (hx_stmt_has(s->kind, lf[i])) {
            uint32_t l = (uint32_t)hx_stmt_get(s, lf[i]);
            if (l != HX_NULL && (l >= d->nl || !fr_own_local(d, p, l, tid, s->pos, msg, n)))
                return false;
        }
    if (hx_stmt_uses_handle(s) && (s->handle >= d->nh ||
                                   !fr_own_handle(d, p, s->handle, tid, s->pos, msg, n)))
        return false;
    switch (s->kind) {
    case HX_ST_THREAD:
    case HX_ST_COLLECT:
    case HX_ST_FINALIZE:
        return true;
    case HX_ST_NEW:
        d->lstate[s->dst] = FR_PRIV;
        return true;
    case HX_ST_STORE:
        if (!fr_need(d, p, s, s->obj, true, "the object", msg, n))
            return false;
        if (s->src != HX_NULL && !fr_need(d, p, s, s->src, true, "the value", msg, n))
            return false;
        return true;
    case HX_ST_LOAD:
        if (!fr_need(d, p, s, s->obj, true, "the object", msg, n))
            return false;
        d->lstate[s->dst] = FR_PRIV;
        return true;
    case HX_ST_COPY:
        if (!fr_need(d, p, s, s->src, false, "", msg, n))
            return false;
        d->lstate[s->dst] = d->lstate[s->src];
        return true;
    case HX_ST_DROP:
        if (!fr_need(d, p, s, s->obj, false, "", msg, n))
            return false;
        d->lstate[s->obj] = FR_DROPPED;
        return true;
    case HX_ST_HANDLE:
        if (!fr_need(d, p, s, s->obj, true, "the object", msg, n))
            return false;
        d->hstate[s->handle] = FR_H_LIVE;
        return true;
    case HX_ST_FREE:
    case HX_ST_TARGET:
        if (d->hstate[s->handle] != FR_H_LIVE) {
            snprintf(msg, n, "handle '%s' is %s in its thread here",
                     s->handle < p->nhandles ? p->handles[s->handle] : "?",
                     d->hstate[s->handle] == FR_H_FREED ? "freed" : "not allocated");
            return false;
        }
        if (s->kind == HX_ST_FREE)
            d->hstate[s->handle] = FR_H_FREED;
        else
            d->lstate[s->dst] = FR_PRIV;
        return true;
    case HX_ST_STATIC_SET:
        return s->src == HX_NULL || fr_need(d, p, s, s->src, false, "", msg, n);
    case HX_ST_STATIC_GET:
        d->lstate[s->dst] = FR_FOREIGN;
        return true;
    case HX_ST_SUPPRESS:
    case HX_ST_REREGISTER:
        return fr_need(d, p, s, s->obj, true, "the object", msg, n);
    default:
        snprintf(msg, n, "statement '%s' has no free-running meaning",
                 hx_stmt_kind_name(s->kind));
        return false;
    }
}

bool hx_freerun_check(const hx_program *p, hx_diag *d)
{
    fr_disc st;
    char msg[200];
    if (!fr_disc_init(&st, p->nlocals, p->nhandles)) {
        fr_disc_free(&st);
        if (d) {
            d->pos = (hx_pos){ 0, 0 };
            snprintf(d->msg, sizeof d->msg, "out of memory");
        }
        return false;
    }
    unsigned tid = 0;
    bool ok = true;
    for (size_t i = 0; i < p->nstmts && ok; i++) {
        const hx_stmt *s = &p->stmts[i];
        if (s->kind == HX_ST_THREAD) {
            tid = s->thread;
            continue;
        }
        if (!fr_disc_step(&st, p, s, tid, msg, sizeof msg)) {
            ok = false;
            if (d) {
                d->pos = s->pos;
                snprintf(d->msg, sizeof d->msg, "free-running: %s", msg);
            }
        }
    }
    fr_disc_free(&st);
    return ok;
}

/* ===================== projection and generation (.fr.project) ========= */

/* The projection of in, a program without blocks. */
static bool fr_project(const hx_program *in, unsigned threads, hx_program *out)
{
    hx_program_init(out);
    if (threads < 2)
        threads = 2;
    if (threads > HX_THREADS)
        threads = HX_THREADS;
    out->heap = in->heap;
    for (uint32_t i = 0; i < in->ntypes; i++)
        if (hx_program_add_type(out, &in->types[i]) == HX_NONE)
            return false;
    /* renamed locals and handles: (thread, original) -> out index */
    size_t nl = (size_t)in->nlocals * threads, nh = (size_t)in->nhandles * threads;
    uint32_t *lmap = malloc((nl + 1) * sizeof *lmap), *hmap = malloc((nh + 1) * sizeof *hmap);
    uint32_t *stype = malloc((nl + 1) * sizeof *stype);
    fr_disc d;
    memset(&d, 0, sizeof d);
    bool ok = lmap && hmap && stype && fr_disc_init(&d, (uint32_t)nl, (uint32_t)nh);
    if (!ok) {
        free(lmap);
        free(hmap);
        free(stype);
        fr_disc_free(&d);
        hx_program_free(out);
        return false;
    }
    for (size_t i = 0; i <= nl; i++)
        lmap[i] = stype[i] = HX_NONE;
    for (size_t i = 0; i <= nh; i++)
        hmap[i] = HX_NONE;
    unsigned cur = 0, emitted = 0;
    bool any = false;
    char name[HX_NAME_MAX + 16], msg[256];
    for (size_t i = 0; i < in->nstmts && ok; i++) {
        const hx_stmt *s = &in->stmts[i];
        if (s->kind == HX_ST_THREAD) {
            cur = s->thread % threads;
            continue;
        }
        if (hx_stmt_is_expect(s->kind))
            continue;
        hx_stmt t = *s;
        /* rename the operands for thread cur */
        static const hx_field lf[] = { HX_FIELD_dst, HX_FIELD_obj, HX_FIELD_src };
        for (size_t k = 0; k < 3 && ok; k++) {
            if (!hx_stmt_has(s->kind, lf[k]))
                continue;
            uint32_t l = (uint32_t)hx_stmt_get(s, lf[k]);
            if (l == HX_NULL || l >= in->nlocals)
                continue;
            size_t key = (size_t)cur * in->nlocals + l;
            if (lmap[key] == HX_NONE) {
                snprintf(name, sizeof name, "t%u_%s", cur, in->locals[l]);
                lmap[key] = hx_program_local(out, name);
                ok = lmap[key] != HX_NONE;
            }
            hx_stmt_set(&t, lf[k], lmap[key]);
        }
        if (ok && hx_stmt_uses_handle(s) && s->handle < in->nhandles) {
            size_t key = (size_t)cur * in->nhandles + s->handle;
            if (hmap[key] == HX_NONE) {
                snprintf(name, sizeof name, "t%u_%s", cur, in->handles[s->handle]);
                hmap[key] = hx_program_handle(out, name);
                ok = hmap[key] != HX_NONE;
            }
            t.handle = hmap[key];
        }
        if (!ok)
            break;
        /* slots must fit the local's static type in the projected program */
        if ((t.kind == HX_ST_STORE || t.kind == HX_ST_LOAD) && stype[t.obj] != HX_NONE) {
            const hx_type *ty = &out->types[stype[t.obj]];
            if (ty->kind == HX_TYPE_BYTE_ARRAY || (ty->kind == HX_TYPE_FIXED && t.slot >= ty->nrefs))
                continue;
        }
        /* the state is updated only by statements that are kept */
        fr_disc trial = d;
        uint8_t ls[3] = { 0 }, hs = 0;
        uint32_t touched[3] = { HX_NONE, HX_NONE, HX_NONE };
        for (size_t k = 0; k < 3; k++)
            if (hx_stmt_has(t.kind, lf[k]) && (uint32_t)hx_stmt_get(&t, lf[k]) != HX_NULL) {
                touched[k] = (uint32_t)hx_stmt_get(&t, lf[k]);
                ls[k] = d.lstate[touched[k]];
            }
        if (hx_stmt_uses_handle(&t))
            hs = d.hstate[t.handle];
        if (!fr_disc_step(&trial, out, &t, cur, msg, sizeof msg)) {
            for (size_t k = 3; k-- > 0;)   /* undo (owners are the thread's anyway) */
                if (touched[k] != HX_NONE)
                    d.lstate[touched[k]] = ls[k];
            if (hx_stmt_uses_handle(&t))
                d.hstate[t.handle] = hs;
            continue;
        }
        if (!any || cur != emitted) {
            hx_stmt *th = hx_program_append(out, HX_ST_THREAD);
            if (!th) {
                ok = false;
                break;
            }
            th->thread = cur;
            emitted = cur;
            any = true;
        }
        hx_stmt *a = hx_program_append(out, t.kind);
        if (!a) {
            ok = false;
            break;
        }
        *a = t;
        hx_stmt_static_type(&t, stype);
    }
    free(lmap);
    free(hmap);
    free(stype);
    fr_disc_free(&d);
    if (!ok) {
        hx_program_free(out);
        return false;
    }
    /* a leading `thread 0` says nothing */
    if (out->nstmts && out->stmts[0].kind == HX_ST_THREAD && out->stmts[0].thread == 0)
        hx_program_remove(out, 0, 1);
    hx_program_compact_tables(out);
    hx_program_renumber(out);
    return true;
}

bool hx_freerun_project(const hx_program *in, unsigned threads, hx_program *out)
{
    /* the free mode runs no blocks: each block's body is kept once,
       unwrapped (a slot i+K becomes K), as the minimizer unwraps */
    hx_program flat;
    if (!hx_program_copy(&flat, in)) {
        hx_program_init(out);
        return false;
    }
    for (size_t i = 0; i < flat.nstmts; i++)
        while (hx_program_unwrap_block(&flat, i))
            ;
    bool ok = fr_project(&flat, threads, out);
    hx_program_free(&flat);
    return ok;
}

bool hx_gen_free(uint64_t seed, size_t ops, unsigned threads, hx_program *out)
{
    if (threads == 0) {
        uint64_t st = seed ^ 0x46524545u;   /* 'FREE' */
        threads = 2 + (unsigned)(hx_gen_next(&st) % 3);
    }
    /* about half of a generated program survives the projection */
    hx_program g;
    if (!hx_gen(seed, ops * 2 + 8, &g))
        return false;
    /* sections of 4 to 35 statements on threads the seed picks (the
       decoder's own `thread N` are rare and mostly N % threads == 0) */
    uint64_t st = seed ^ 0x54485244u;   /* 'THRD' */
    size_t cap2 = g.nstmts * 2 + 1;
    hx_stmt *s2 = malloc(cap2 * sizeof *s2);
    if (!s2) {
        hx_program_free(&g);
        return false;
    }
    size_t n2 = 0, left = 0;
    for (size_t i = 0; i < g.nstmts; i++) {
        if (g.stmts[i].kind == HX_ST_THREAD)
            continue;
        if (left == 0) {
            memset(&s2[n2], 0, sizeof s2[n2]);
            s2[n2].kind = HX_ST_THREAD;
            s2[n2].src = HX_NULL;
            s2[n2++].thread = (unsigned)(hx_gen_next(&st) % threads);
            left = 4 + (size_t)(hx_gen_next(&st) % 32);
        }
        s2[n2++] = g.stmts[i];
        left--;
    }
    free(g.stmts);
    g.stmts = s2;
    g.nstmts = n2;
    g.stmts_cap = cap2;
    bool ok = hx_freerun_project(&g, threads, out);
    hx_program_free(&g);
    if (!ok)
        return false;
    size_t kept = 0, cut = out->nstmts;
    for (size_t i = 0; i < out->nstmts; i++)
        if (out->stmts[i].kind != HX_ST_THREAD && ++kept == ops) {
            cut = i + 1;
            break;
        }
    if (cut < out->nstmts)
        hx_program_remove(out, cut, out->nstmts - cut);
    hx_program_compact_tables(out);
    hx_program_renumber(out);
    return true;
}

/* ===================== the run ========================================== */

#define FR_KEY_FIN 0xff000000u       /* allocated by a finalizer (.fr.stamp) */
#define FR_NONE UINT32_MAX
#define FR_PATTERN 64                /* payload bytes stamped and checked */
#define FR_DENSE_CHECK 256           /* arrays up to this many slots: check all */

enum { FR_FIN_NONE = 0, FR_FIN_REG, FR_FIN_SUPP };

typedef struct fr_obj {
    uint32_t key;
    uint32_t type;
    uint64_t length;
    size_t nslots;
    uint32_t *slots;            /* model objects or FR_NONE (null) */
    uint32_t *touched;          /* slot indices ever stored (large arrays) */
    size_t ntouched, touched_cap;
    uint8_t fin;                /* FR_FIN_* */
    bool stamped;
    uint64_t epoch;             /* last check round that reached it */
    mgc_ref seen;               /* its address in that round */
} fr_obj;

typedef struct fr_handle {
    mgc_handle h;
    int kind;
    uint32_t obj;               /* model object it was made for */
    mgc_ref pinned_at;          /* pinned: the address at creation */
} fr_handle;

typedef struct fr_run fr_run;

typedef struct fr_thread {
    fr_run *r;
    unsigned tid;
    pthread_t th;
    bool started;
    size_t *stmts;              /* indices of its statements */
    size_t nstmts;
    mgc_ref *locals;            /* registered roots */
    uint8_t *lstate;            /* FR_UNBOUND/FR_PRIV/FR_FOREIGN per local */
    uint32_t *lobj;             /* model object of a private local (FR_NONE: null) */
    fr_obj *objs;
    size_t nobjs, objs_cap;
    fr_handle *handles;         /* by handle index (h == 0: none) */
    fr_handle *orphans;         /* handles whose index was bound again */
    size_t norphans, orphans_cap;
    _Atomic uint32_t *fin_calls;    /* per model object */
    size_t fin_cap;
    uint64_t rng;
    uint64_t epoch;
    /* the walk's stack: (object, address, parent entry, slot) */
    struct fr_walk { uint32_t obj; mgc_ref ref; size_t parent; size_t slot; } *walk;
    size_t walk_cap;
    size_t cur_stmt;            /* program index of the running statement */
    uint64_t steps, skipped, checks;
} fr_thread;

typedef struct fr_typeinfo {
    fr_run *r;
    uint32_t index;
    const mgc_type *mt;
    size_t fixed_payload;       /* fixed types: payload bytes */
} fr_typeinfo;

struct fr_run {
    const hx_program *p;
    const char *file;
    const hx_freerun_options *o;
    mgc_heap *heap;
    fr_typeinfo *types;
    unsigned nthreads;          /* contexts (1 + largest thread N) */
    fr_thread *th;
    pthread_barrier_t start;
    atomic_int gc_active;
    atomic_uint_fast64_t gcs;
    atomic_uint_fast64_t fin_total;
    _Atomic uint32_t *fin_by_type;
    atomic_bool stop;
    pthread_mutex_t fail_mu;
    bool failed;
    hx_exec_outcome *out;
    atomic_int last_gc_gen;
};

static _Thread_local fr_thread *tl_thread;   /* NULL on the executor's thread */

static uint32_t fr_mix(uint32_t a, uint32_t b, uint64_t c)
{
    uint64_t z = ((uint64_t)a << 32 | b) ^ (c * 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (uint32_t)(z ^ (z >> 31)) | 1u;
}

static void fr_stamp_write(uint8_t *pl, size_t len, uint32_t key, uint32_t type, uint64_t length)
{
    uint32_t chk = fr_mix(key, type, length);
    memcpy(pl, &key, 4);
    memcpy(pl + 4, &chk, 4);
    for (size_t i = 8; i < len && i < FR_PATTERN; i++)
        pl[i] = (uint8_t)((chk >> ((i % 4) * 8)) ^ i);
}

/* NULL when intact, else what is wrong. */
static const char *fr_stamp_check(const uint8_t *pl, size_t len, uint32_t type, uint64_t length,
                                  uint32_t *key)
{
    uint32_t chk;
    memcpy(key, pl, 4);
    memcpy(&chk, pl + 4, 4);
    if (chk != fr_mix(*key, type, length))
        return "stamp-broken";
    for (size_t i = 8; i < len && i < FR_PATTERN; i++)
        if (pl[i] != (uint8_t)((chk >> ((i % 4) * 8)) ^ i))
            return "payload-broken";
    return NULL;
}

static void fr_fail(fr_run *r, fr_thread *t, const char *check, const char *detail,
                    const char *path, const char *fmt, ...)
{
    pthread_mutex_lock(&r->fail_mu);
    if (r->failed) {
        pthread_mutex_unlock(&r->fail_mu);
        return;
    }
    r->failed = true;
    atomic_store(&r->stop, true);
    hx_failure *f = &r->out->fail;
    r->out->status = HX_EXEC_FAIL;
    snprintf(f->check, sizeof f->check, "%s", check);
    snprintf(f->detail, sizeof f->detail, "%s", detail);
    f->stmt_kind = HX_ST_KIND_COUNT;   /* "setup": the end phase */
    if (t && t->cur_stmt < r->p->nstmts) {
        const hx_stmt *s = &r->p->stmts[t->cur_stmt];
        f->stmt_kind = s->kind;
        f->step = t->cur_stmt;
        f->pos = s->pos;
        hx_stmt_format(r->p, s, f->stmt_text, sizeof f->stmt_text);
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t)
        snprintf(f->message, sizeof f->message, "thread %u (free-running, seed %llu): %s", t->tid,
                 (unsigned long long)r->o->seed, msg);
    else
        snprintf(f->message, sizeof f->message, "end of the run (free-running, seed %llu): %s",
                 (unsigned long long)r->o->seed, msg);
    snprintf(f->root_path, sizeof f->root_path, "%s", path ? path : "");
    snprintf(f->last_gc, sizeof f->last_gc, "GC #%llu gen %d (the last one counted)",
             (unsigned long long)atomic_load(&r->gcs), atomic_load(&r->last_gc_gen));
    hx_failure_sign(f);
    pthread_mutex_unlock(&r->fail_mu);
}

/* ---- events and finalizers (.fr.events) ---------------------------------- */

static void fr_on_event(mgc_heap *heap, const mgc_event *ev, void *ctx)
{
    fr_run *r = ctx;
    if (ev->kind == MGC_EV_GC_START) {
        atomic_store(&r->gc_active, 1);
        atomic_store(&r->last_gc_gen, ev->gen);
    } else if (ev->kind == MGC_EV_GC_END) {
        if (!r->o->no_verify) {
            char err[512];
            if (mgc_verify(heap, err, sizeof err) != MGC_OK)
                fr_fail(r, tl_thread, "C9", "verify", NULL,
                        "heap verification after GC #%llu (gen %d): %s",
                        (unsigned long long)ev->index, ev->gen, err);
        }
        atomic_fetch_add(&r->gcs, 1);
        atomic_store(&r->gc_active, 0);
    }
}

/* The finalizer-call counter of the object with this key (NULL: not an
   object a thread allocated).  fin_calls and fin_cap are set before the
   threads start and never change, so any thread may look. */
static _Atomic uint32_t *fr_key_calls(fr_run *r, uint32_t key)
{
    unsigned hi = key >> 24;
    uint32_t i = key & 0xffffffu;
    if (key == FR_KEY_FIN || hi == 0 || hi > r->nthreads)
        return NULL;
    fr_thread *t = &r->th[hi - 1];
    return t->fin_calls && i < t->fin_cap ? &t->fin_calls[i] : NULL;
}

static void fr_stamp_new(fr_run *r, mgc_ref obj, uint32_t type, uint64_t length, uint32_t key,
                         bool *stamped)
{
    size_t len = 0;
    uint8_t *pl = mgc_payload(obj, &len);
    *stamped = pl && len >= 8;
    (void)r;
    if (*stamped)
        fr_stamp_write(pl, len, key, type, length);
}

static void fr_finalizer(mgc_heap *heap, mgc_ref *self, void *ctx)
{
    fr_typeinfo *ti = ctx;
    fr_run *r = ti->r;
    const hx_type *ty = &r->p->types[ti->index];
    atomic_fetch_add(&r->fin_total, 1);
    atomic_fetch_add(&r->fin_by_type[ti->index], 1);
    size_t len = 0;
    uint8_t *pl = mgc_payload(*self, &len);
    if (pl && len >= 8) {
        uint32_t key;
        const char *bad = fr_stamp_check(pl, len, ti->index, 0, &key);
        _Atomic uint32_t *calls;
        if (bad)
            fr_fail(r, tl_thread, "C1", bad, NULL,
                    "the object a finalizer runs on (type %s) is not intact", ty->name);
        else if ((calls = fr_key_calls(r, key)) != NULL)
            atomic_fetch_add(calls, 1);
    }
    switch (ty->fin) {
    case HX_FIN_RESURRECT:
        mgc_static_set(heap, ty->fin_static, *self);
        break;
    case HX_FIN_REREGISTER:
        mgc_reregister_for_finalize(heap, *self);
        break;
    case HX_FIN_RESURRECT_REREGISTER:
        mgc_static_set(heap, ty->fin_static, *self);
        mgc_reregister_for_finalize(heap, *self);
        break;
    case HX_FIN_ALLOC: {
        mgc_ref fresh = NULL;
        unsigned tid = tl_thread ? tl_thread->tid : 0;
        if (ty->fin_alloc < r->p->ntypes &&
            mgc_alloc(heap, tid, r->types[ty->fin_alloc].mt, 0, &fresh) == MGC_OK && fresh) {
            bool st;
            fr_stamp_new(r, fresh, ty->fin_alloc, 0, FR_KEY_FIN, &st);
        }
        break;
    }
    default:
        break;
    }
}

/* ---- the model ----------------------------------------------------------- */

static uint32_t fr_obj_new(fr_thread *t, uint32_t type, uint64_t length, size_t nslots)
{
    if (!HX_RESERVE(t->objs, t->objs_cap, t->nobjs + 1, 64))
        return FR_NONE;
    if (t->nobjs >= 0xffffffu)
        return FR_NONE;
    fr_obj *o = &t->objs[t->nobjs];
    memset(o, 0, sizeof *o);
    o->type = type;
    o->length = length;
    o->nslots = nslots;
    if (nslots) {
        o->slots = malloc(nslots * sizeof *o->slots);
        if (!o->slots)
            return FR_NONE;
        for (size_t i = 0; i < nslots; i++)
            o->slots[i] = FR_NONE;
    }
    o->key = ((uint32_t)(t->tid + 1) << 24) | (uint32_t)t->nobjs;
    return (uint32_t)t->nobjs++;
}

static bool fr_touch(fr_obj *o, size_t slot)
{
    if (o->nslots <= FR_DENSE_CHECK)
        return true;
    for (size_t i = 0; i < o->ntouched; i++)
        if (o->touched[i] == slot)
            return true;
    if (!HX_RESERVE(o->touched, o->touched_cap, o->ntouched + 1, 8))
        return false;
    o->touched[o->ntouched++] = (uint32_t)slot;
    return true;
}

/* ---- checks (.fr.check) --------------------------------------------------- */

static void fr_path(fr_thread *t, size_t e, const char *root, char *buf, size_t n)
{
    size_t chain[64], k = 0;
    for (size_t i = e; i != SIZE_MAX && k < 64; i = t->walk[i].parent)
        chain[k++] = i;
    size_t off = (size_t)snprintf(buf, n, "%s", root);
    while (k-- > 1 && off < n)
        off += (size_t)snprintf(buf + off, n - off, " -> slot %zu", t->walk[chain[k - 1]].slot);
}

static bool fr_walk_push(fr_thread *t, size_t *n, uint32_t obj, mgc_ref ref, size_t parent, size_t slot)
{
    if (!HX_RESERVE(t->walk, t->walk_cap, *n + 1, 64))
        return false;
    t->walk[(*n)++] = (struct fr_walk){ obj, ref, parent, slot };
    return true;
}

static bool fr_check_slot(fr_run *r, fr_thread *t, size_t *n, size_t e, const char *root,
                          fr_obj *o, mgc_ref ref, size_t j)
{
    mgc_ref v = mgc_load(r->heap, ref, j);
    uint32_t want = o->slots[j];
    if (want == FR_NONE) {
        if (v) {
            char path[320];
            fr_path(t, e, root, path, sizeof path);
            fr_fail(r, t, "C1", "slot-not-null", path,
                    "slot %zu of object %#x (type %s) holds %p; the thread stored null or nothing", j,
                    o->key, r->p->types[o->type].name, v);
            return false;
        }
        return true;
    }
    return fr_walk_push(t, n, want, v, e, j);
}

/* Walk the model from (obj, ref) alongside the heap. */
static bool fr_check_from(fr_run *r, fr_thread *t, uint32_t obj, mgc_ref ref, const char *root)
{
    size_t n = 0;
    if (!fr_walk_push(t, &n, obj, ref, SIZE_MAX, 0))
        return true;
    for (size_t e = 0; e < n; e++) {
        struct fr_walk w = t->walk[e];
        fr_obj *o = &t->objs[w.obj];
        const hx_type *ty = &r->p->types[o->type];
        char path[320];
        if (!w.ref) {
            fr_path(t, e, root, path, sizeof path);
            fr_fail(r, t, "C1", "lost", path,
                    "object %#x (type %s) is reachable in the thread's model but the heap has null",
                    o->key, ty->name);
            return false;
        }
        if (o->epoch == t->epoch) {
            if (o->seen != w.ref) {
                fr_path(t, e, root, path, sizeof path);
                fr_fail(r, t, "C1", "two-addresses", path,
                        "object %#x (type %s) is reached at %p and at %p", o->key, ty->name, o->seen,
                        w.ref);
                return false;
            }
            continue;
        }
        o->epoch = t->epoch;
        o->seen = w.ref;
        t->checks++;
        const char *bad = NULL;
        uint32_t key = 0;
        if (mgc_type_of(w.ref) != r->types[o->type].mt)
            bad = "wrong-type";
        else if (mgc_array_length(w.ref) != (hx_type_is_array(ty) ? o->length : 0))
            bad = "wrong-length";
        else if (mgc_ref_count(w.ref) != o->nslots)
            bad = "wrong-slots";
        else if (o->stamped) {
            size_t len = 0;
            uint8_t *pl = mgc_payload(w.ref, &len);
            bad = !pl || len < 8 ? "payload-gone" : fr_stamp_check(pl, len, o->type, o->length, &key);
            if (!bad && key != o->key)
                bad = "wrong-object";
        }
        if (bad) {
            fr_path(t, e, root, path, sizeof path);
            fr_fail(r, t, "C1", bad, path, "object %#x (type %s) at %p is not what the thread made%s",
                    o->key, ty->name, w.ref,
                    !strcmp(bad, "wrong-object") ? " (another object's stamp)" : "");
            return false;
        }
        if (o->nslots <= FR_DENSE_CHECK) {
            for (size_t j = 0; j < o->nslots; j++)
                if (!fr_check_slot(r, t, &n, e, root, o, w.ref, j))
                    return false;
        } else {
            for (size_t j = 0; j < 16; j++)
                if (!fr_check_slot(r, t, &n, e, root, o, w.ref, j) ||
                    !fr_check_slot(r, t, &n, e, root, o, w.ref, o->nslots - 1 - j))
                    return false;
            for (size_t k = 0; k < o->ntouched; k++)
                if (!fr_check_slot(r, t, &n, e, root, o, w.ref, o->touched[k]))
                    return false;
        }
    }
    return true;
}

/* An object read from a static: alive and intact. */
static bool fr_check_foreign(fr_run *r, fr_thread *t, mgc_ref ref, const char *root)
{
    const mgc_type *mt = mgc_type_of(ref);
    uint32_t ti = FR_NONE;
    for (uint32_t i = 0; i < r->p->ntypes; i++)
        if (r->types[i].mt == mt)
            ti = i;
    if (ti == FR_NONE) {
        fr_fail(r, t, "C1", "foreign-type", root,
                "the object at %p read from a static has no type of the program", ref);
        return false;
    }
    const hx_type *ty = &r->p->types[ti];
    uint64_t length = mgc_array_length(ref);
    if (mgc_object_size(ref) < mgc_type_instance_size(mt, (size_t)length)) {
        fr_fail(r, t, "C1", "foreign-size", root,
                "the object at %p (type %s) read from a static is %zu bytes, its type needs %zu", ref,
                ty->name, mgc_object_size(ref), mgc_type_instance_size(mt, (size_t)length));
        return false;
    }
    size_t len = 0;
    uint8_t *pl = mgc_payload(ref, &len);
    if (pl && len >= 8) {
        uint32_t key;
        const char *bad = fr_stamp_check(pl, len, ti, length, &key);
        if (!bad && key != FR_KEY_FIN && !fr_key_calls(r, key))
            bad = "foreign-key";
        if (bad) {
            fr_fail(r, t, "C1", bad, root,
                    "the object at %p (type %s) read from a static is not intact", ref, ty->name);
            return false;
        }
    }
    t->checks++;
    return true;
}

static bool fr_check_handle(fr_run *r, fr_thread *t, fr_handle *h, const char *name)
{
    if (!h->h || (h->kind != HX_HANDLE_STRONG && h->kind != HX_HANDLE_PINNED))
        return true;
    mgc_ref v = NULL;
    char root[96];
    snprintf(root, sizeof root, "handle %s", name);
    if (mgc_handle_get(r->heap, h->h, &v) != MGC_OK) {
        fr_fail(r, t, "C1", "handle-gone", root, "the runtime no longer knows handle %u", h->h);
        return false;
    }
    if (h->kind == HX_HANDLE_PINNED && v != h->pinned_at) {
        fr_fail(r, t, "C5", "pinned-moved", root, "the pinned object moved from %p to %p",
                h->pinned_at, v);
        return false;
    }
    t->epoch++;
    return fr_check_from(r, t, h->obj, v, root);
}

static bool fr_check_all(fr_run *r, fr_thread *t)
{
    const hx_program *p = r->p;
    for (uint32_t i = 0; i < p->nhandles; i++)
        if (!fr_check_handle(r, t, &t->handles[i], p->handles[i]))
            return false;
    for (size_t i = 0; i < t->norphans; i++)
        if (!fr_check_handle(r, t, &t->orphans[i], "(rebound)"))
            return false;
    /* the locals: no safe point from here on */
    t->epoch++;
    char root[96];
    for (uint32_t l = 0; l < p->nlocals; l++) {
        if (t->lstate[l] == FR_PRIV && t->lobj[l] != FR_NONE) {
            snprintf(root, sizeof root, "local %s", p->locals[l]);
            if (!fr_check_from(r, t, t->lobj[l], t->locals[l], root))
                return false;
        } else if (t->lstate[l] == FR_PRIV && t->locals[l]) {
            snprintf(root, sizeof root, "local %s", p->locals[l]);
            fr_fail(r, t, "C1", "not-null", root, "the local holds %p; the thread's model has null",
                    t->locals[l]);
            return false;
        } else if (t->lstate[l] == FR_FOREIGN && t->locals[l]) {
            snprintf(root, sizeof root, "local %s (read from a static)", p->locals[l]);
            if (!fr_check_foreign(r, t, t->locals[l], root))
                return false;
        }
    }
    return true;
}

/* ---- the statements --------------------------------------------------------- */

static mgc_ref fr_priv(fr_thread *t, uint32_t l)
{
    return t->lstate[l] == FR_PRIV && t->lobj[l] != FR_NONE ? t->locals[l] : NULL;
}

static void fr_bind(fr_thread *t, uint32_t l, uint8_t state, uint32_t obj)
{
    t->lstate[l] = state;
    t->lobj[l] = obj;
}

/* false: skipped (a null operand or a slot beyond the array) */
static bool fr_step(fr_run *r, fr_thread *t, const hx_stmt *s)
{
    const hx_program *p = r->p;
    mgc_heap *heap = r->heap;
    switch (s->kind) {
    case HX_ST_NEW: {
        const hx_type *ty = &p->types[s->type];
        uint64_t len = hx_type_is_array(ty) ? s->length : 0;
        mgc_status st = mgc_alloc(heap, t->tid, r->types[s->type].mt, (size_t)len, &t->locals[s->dst]);
        if (st != MGC_OK || !t->locals[s->dst]) {
            t->locals[s->dst] = NULL;
            fr_bind(t, s->dst, FR_PRIV, FR_NONE);
            return true;
        }
        size_t ns = mgc_ref_count(t->locals[s->dst]);
        uint32_t o = fr_obj_new(t, s->type, len, ns);
        if (o == FR_NONE) {
            fr_fail(r, t, "PE", "out-of-memory", NULL, "the harness ran out of memory");
            return false;
        }
        fr_obj *ob = &t->objs[o];
        fr_stamp_new(r, t->locals[s->dst], s->type, len, ob->key, &ob->stamped);
        ob->fin = ty->fin != HX_FIN_NONE ? FR_FIN_REG : FR_FIN_NONE;
        fr_bind(t, s->dst, FR_PRIV, o);
        return true;
    }
    case HX_ST_STORE: {
        mgc_ref obj = fr_priv(t, s->obj);
        if (!obj || s->slot >= t->objs[t->lobj[s->obj]].nslots)
            return false;
        uint32_t v = s->src == HX_NULL ? FR_NONE : t->lobj[s->src];
        mgc_store(heap, obj, (size_t)s->slot, v == FR_NONE ? NULL : t->locals[s->src]);
        fr_obj *o = &t->objs[t->lobj[s->obj]];
        o->slots[s->slot] = v;
        fr_touch(o, (size_t)s->slot);
        return true;
    }
    case HX_ST_LOAD: {
        mgc_ref obj = fr_priv(t, s->obj);
        if (!obj || s->slot >= t->objs[t->lobj[s->obj]].nslots)
            return false;
        uint32_t v = t->objs[t->lobj[s->obj]].slots[s->slot];
        t->locals[s->dst] = mgc_load(heap, obj, (size_t)s->slot);
        fr_bind(t, s->dst, FR_PRIV, v);
        return true;
    }
    case HX_ST_COPY:
        t->locals[s->dst] = t->locals[s->src];
        fr_bind(t, s->dst, t->lstate[s->src], t->lobj[s->src]);
        return true;
    case HX_ST_DROP:
        t->locals[s->obj] = NULL;
        fr_bind(t, s->obj, FR_UNBOUND, FR_NONE);
        return true;
    case HX_ST_HANDLE: {
        mgc_ref obj = fr_priv(t, s->obj);
        if (!obj)
            return false;
        mgc_handle h = 0;
        if (mgc_handle_alloc(heap, (mgc_handle_kind)s->hkind, obj, &h) != MGC_OK) {
            fr_fail(r, t, "C1", "handle-alloc", NULL, "mgc_handle_alloc failed");
            return false;
        }
        fr_handle *fh = &t->handles[s->handle];
        if (fh->h) {
            if (!HX_RESERVE(t->orphans, t->orphans_cap, t->norphans + 1, 8))
                return false;
            t->orphans[t->norphans++] = *fh;
        }
        fh->h = h;
        fh->kind = s->hkind;
        fh->obj = t->lobj[s->obj];
        fh->pinned_at = t->locals[s->obj];   /* the root slot: current after the call */
        return true;
    }
    case HX_ST_FREE: {
        fr_handle *fh = &t->handles[s->handle];
        if (!fh->h)
            return false;
        if (mgc_handle_free(heap, fh->h) != MGC_OK)
            fr_fail(r, t, "C1", "handle-free", NULL, "mgc_handle_free refused a live handle");
        fh->h = 0;
        return true;
    }
    case HX_ST_TARGET: {
        fr_handle *fh = &t->handles[s->handle];
        if (!fh->h)
            return false;
        mgc_ref v = NULL;
        if (mgc_handle_get(heap, fh->h, &v) != MGC_OK) {
            fr_fail(r, t, "C1", "handle-gone", NULL, "the runtime no longer knows handle %u", fh->h);
            return false;
        }
        t->locals[s->dst] = v;
        if (!v && (fh->kind == HX_HANDLE_STRONG || fh->kind == HX_HANDLE_PINNED)) {
            fr_fail(r, t, "C1", "handle-cleared", NULL, "a %s handle reads null",
                    hx_handle_kind_name((hx_handle_kind)fh->kind));
            return false;
        }
        fr_bind(t, s->dst, FR_PRIV, v ? fh->obj : FR_NONE);
        return true;
    }
    case HX_ST_STATIC_SET:
        mgc_static_set(heap, s->stat, s->src == HX_NULL ? NULL : t->locals[s->src]);
        return true;
    case HX_ST_STATIC_GET: {
        mgc_ref v = mgc_static_get(heap, s->stat);
        t->locals[s->dst] = v;
        fr_bind(t, s->dst, FR_FOREIGN, FR_NONE);
        return true;
    }
    case HX_ST_SUPPRESS:
    case HX_ST_REREGISTER: {
        mgc_ref obj = fr_priv(t, s->obj);
        if (!obj)
            return false;
        fr_obj *o = &t->objs[t->lobj[s->obj]];
        if (s->kind == HX_ST_SUPPRESS)
            mgc_suppress_finalize(heap, obj);
        else
            mgc_reregister_for_finalize(heap, obj);
        if (p->types[o->type].fin != HX_FIN_NONE)
            o->fin = s->kind == HX_ST_SUPPRESS ? FR_FIN_SUPP : FR_FIN_REG;
        return true;
    }
    case HX_ST_COLLECT:
        if (mgc_collect(heap, s->gen, s->compact_loh ? MGC_COLLECT_COMPACT_LOH : 0) != MGC_OK)
            fr_fail(r, t, "C8", "collect-refused", NULL, "mgc_collect(%d) failed", s->gen);
        return true;
    case HX_ST_FINALIZE:
        if (mgc_run_finalizers(heap, t->tid) != MGC_OK)
            fr_fail(r, t, "C6", "drain-refused", NULL, "mgc_run_finalizers failed");
        return true;
    default:
        return false;
    }
}

static void *fr_main(void *arg)
{
    fr_thread *t = arg;
    fr_run *r = t->r;
    tl_thread = t;
    bool ok = mgc_thread_attach(r->heap, t->tid) == MGC_OK;
    if (ok)
        mgc_thread_enter_preemptive(r->heap);
    pthread_barrier_wait(&r->start);
    if (!ok) {
        fr_fail(r, t, "PE", "attach", NULL, "mgc_thread_attach(%u) failed", t->tid);
        return NULL;
    }
    mgc_thread_enter_cooperative(r->heap);
    for (size_t k = 0; k < t->nstmts && !atomic_load_explicit(&r->stop, memory_order_relaxed); k++) {
        t->cur_stmt = t->stmts[k];
        /* .fr.seed: a yield through preemptive mode (a safe point) now and then */
        if ((hx_gen_next(&t->rng) & 7u) == 0) {
            mgc_thread_enter_preemptive(r->heap);
            sched_yield();
            mgc_thread_enter_cooperative(r->heap);
        }
        if (fr_step(r, t, &r->p->stmts[t->cur_stmt]))
            t->steps++;
        else
            t->skipped++;
        if (atomic_load(&r->gc_active)) {
            fr_fail(r, t, "C9", "mutator-in-gc", NULL,
                    "a cooperative mutator between statements sees a collection in progress");
            break;
        }
        if (!fr_check_all(r, t))
            break;
        mgc_thread_poll(r->heap);
    }
    mgc_thread_detach(r->heap);
    return NULL;
}

/* ---- set-up, end phase (.fr.end) ------------------------------------------- */

static void fr_config(const hx_program *p, unsigned threads, mgc_config *mc)
{
    mgc_config_default(mc);
    const uint64_t *v = p->heap.value;
    size_t cap = MGC_BUDGET_DYNAMIC - 1u;
    mc->gen0_budget = v[HX_KEY_GEN0_BUDGET] >= cap ? cap : (size_t)v[HX_KEY_GEN0_BUDGET];
    mc->gen1_budget = v[HX_KEY_GEN1_BUDGET] >= cap ? cap : (size_t)v[HX_KEY_GEN1_BUDGET];
    mc->gen2_budget = v[HX_KEY_GEN2_BUDGET] >= cap ? cap : (size_t)v[HX_KEY_GEN2_BUDGET];
    mc->loh_budget = v[HX_KEY_LOH_BUDGET] >= cap ? cap : (size_t)v[HX_KEY_LOH_BUDGET];
    if (v[HX_KEY_LOH_THRESHOLD])
        mc->loh_threshold = (size_t)v[HX_KEY_LOH_THRESHOLD];
    if (v[HX_KEY_SEGMENT_SIZE])
        mc->segment_size = (size_t)v[HX_KEY_SEGMENT_SIZE];
    mc->hard_limit = (size_t)v[HX_KEY_HARD_LIMIT];
    mc->threads = threads;
    mc->profile = p->heap.profile == HX_PROFILE_CLR ? MGC_PROFILE_CLR : MGC_PROFILE_STRICT;
}

static void fr_end(fr_run *r)
{
    mgc_heap *heap = r->heap;
    const hx_program *p = r->p;
    char err[512];
    if (!r->o->no_verify && mgc_verify(heap, err, sizeof err) != MGC_OK) {
        fr_fail(r, NULL, "C9", "verify", NULL, "heap verification after the threads ended: %s", err);
        return;
    }
    for (unsigned i = 0; i < r->nthreads; i++) {
        fr_thread *t = &r->th[i];
        if (!t->started)
            continue;
        for (uint32_t h = 0; h < p->nhandles; h++)
            if (t->handles[h].h)
                mgc_handle_free(heap, t->handles[h].h);
        for (size_t k = 0; k < t->norphans; k++)
            mgc_handle_free(heap, t->orphans[k].h);
    }
    uint64_t before = atomic_load(&r->fin_total);
    for (unsigned round = 0; round < 16 && !r->failed; round++) {
        for (unsigned s = 0; s < MGC_STATIC_SLOTS; s++)
            mgc_static_set(heap, s, NULL);
        mgc_collect(heap, 2, 0);
        mgc_run_finalizers(heap, 0);
        uint64_t now = atomic_load(&r->fin_total);
        if (now == before && round > 0)
            break;
        before = now;
    }
    if (r->failed)
        return;
    /* C6: every object left registered was finalized at least once */
    uint32_t *want_type = calloc(p->ntypes + 1, sizeof *want_type);
    for (unsigned i = 0; i < r->nthreads; i++) {
        fr_thread *t = &r->th[i];
        if (!t->started)
            continue;
        for (size_t k = 0; k < t->nobjs; k++) {
            fr_obj *o = &t->objs[k];
            if (o->fin != FR_FIN_REG)
                continue;
            if (!o->stamped) {
                if (want_type)
                    want_type[o->type]++;
                continue;
            }
            if (atomic_load(&t->fin_calls[k]) == 0) {
                fr_fail(r, NULL, "C6", "lost-finalization", NULL,
                        "object %#x (type %s, allocated by thread %u) was left registered for "
                        "finalization and its finalizer never ran",
                        o->key, p->types[o->type].name, t->tid);
                free(want_type);
                return;
            }
        }
    }
    for (uint32_t ty = 0; want_type && ty < p->ntypes; ty++)
        if (atomic_load(&r->fin_by_type[ty]) < want_type[ty]) {
            fr_fail(r, NULL, "C6", "lost-finalization", NULL,
                    "%u objects of type %s were left registered for finalization; their "
                    "finalizer ran %u times",
                    want_type[ty], p->types[ty].name, (unsigned)atomic_load(&r->fin_by_type[ty]));
            break;
        }
    free(want_type);
}

static void fr_thread_free(fr_thread *t)
{
    for (size_t k = 0; k < t->nobjs; k++) {
        free(t->objs[k].slots);
        free(t->objs[k].touched);
    }
    free(t->objs);
    free(t->stmts);
    free(t->locals);
    free(t->lstate);
    free(t->lobj);
    free(t->handles);
    free(t->orphans);
    free((void *)t->fin_calls);
    free(t->walk);
}

static hx_exec_status fr_setup_error(hx_exec_outcome *out, const char *msg)
{
    out->status = HX_EXEC_ERROR;
    snprintf(out->fail.check, sizeof out->fail.check, "PE");
    snprintf(out->fail.detail, sizeof out->fail.detail, "setup");
    snprintf(out->fail.message, sizeof out->fail.message, "%s", msg);
    out->fail.stmt_kind = HX_ST_KIND_COUNT;
    hx_failure_sign(&out->fail);
    return out->status;
}

hx_exec_status hx_freerun_run(const hx_program *p, const char *file, const hx_freerun_options *o,
                              hx_exec_outcome *out, hx_freerun_stats *stats)
{
    static const hx_freerun_options defaults = { 0, false };
    if (!o)
        o = &defaults;
    memset(out, 0, sizeof *out);
    if (stats)
        memset(stats, 0, sizeof *stats);
    hx_diag d;
    if (!hx_freerun_check(p, &d)) {
        out->status = HX_EXEC_BAD_PROGRAM;
        snprintf(out->fail.check, sizeof out->fail.check, "PE");
        snprintf(out->fail.detail, sizeof out->fail.detail, "free-running-discipline");
        snprintf(out->fail.message, sizeof out->fail.message, "%s", d.msg);
        out->fail.pos = d.pos;
        out->fail.stmt_kind = HX_ST_KIND_COUNT;
        hx_failure_sign(&out->fail);
        return out->status;
    }
    fr_run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.file = file;
    r.o = o;
    r.out = out;
    r.nthreads = hx_program_threads(p);
    atomic_init(&r.gc_active, 0);
    atomic_init(&r.gcs, 0);
    atomic_init(&r.fin_total, 0);
    atomic_init(&r.stop, false);
    atomic_init(&r.last_gc_gen, 0);
    pthread_mutex_init(&r.fail_mu, NULL);
    r.th = calloc(r.nthreads, sizeof *r.th);
    r.types = calloc(p->ntypes + 1, sizeof *r.types);
    r.fin_by_type = calloc(p->ntypes + 1, sizeof *r.fin_by_type);
    mgc_config mc;
    fr_config(p, r.nthreads, &mc);
    hx_exec_status result = HX_EXEC_PASS;
    if (!r.th || !r.types || !r.fin_by_type || mgc_heap_create(&mc, &r.heap) != MGC_OK) {
        result = fr_setup_error(out, "could not create the heap");
        goto done;
    }
    if (p->heap.fail_reserve || p->heap.fail_commit)
        mgc_fault_inject(r.heap, (unsigned)p->heap.fail_reserve, (unsigned)p->heap.fail_commit);
    for (uint32_t i = 0; i < p->ntypes; i++) {
        const hx_type *ty = &p->types[i];
        mgc_type_desc td = { 0 };
        td.name = ty->name;
        td.kind = ty->kind == HX_TYPE_FIXED ? MGC_KIND_FIXED
                : ty->kind == HX_TYPE_BYTE_ARRAY ? MGC_KIND_BYTE_ARRAY : MGC_KIND_REF_ARRAY;
        td.size = (size_t)ty->size;
        td.nrefs = ty->nrefs;
        td.finalizer = ty->fin != HX_FIN_NONE ? fr_finalizer : NULL;
        td.finalizer_ctx = &r.types[i];
        td.critical = ty->critical;
        r.types[i].r = &r;
        r.types[i].index = i;
        if (mgc_type_register(r.heap, &td, &r.types[i].mt) != MGC_OK) {
            result = fr_setup_error(out, "could not register a type");
            goto done;
        }
    }
    mgc_set_event_callback(r.heap, fr_on_event, &r);
    /* the threads' statements (.fr.threads) */
    unsigned cur = 0, nstarted = 0;
    for (size_t i = 0; i < p->nstmts; i++) {
        if (p->stmts[i].kind == HX_ST_THREAD) {
            cur = p->stmts[i].thread;
            continue;
        }
        fr_thread *t = &r.th[cur];
        if (!t->stmts) {
            t->stmts = malloc(p->nstmts * sizeof *t->stmts);
            if (!t->stmts) {
                result = fr_setup_error(out, "out of memory");
                goto done;
            }
        }
        t->stmts[t->nstmts++] = i;
    }
    for (unsigned i = 0; i < r.nthreads; i++) {
        fr_thread *t = &r.th[i];
        t->r = &r;
        t->tid = i;
        if (!t->nstmts)
            continue;
        size_t news = 0;
        for (size_t k = 0; k < t->nstmts; k++)
            news += p->stmts[t->stmts[k]].kind == HX_ST_NEW;
        t->locals = calloc(p->nlocals + 1, sizeof *t->locals);
        t->lstate = calloc(p->nlocals + 1, 1);
        t->lobj = malloc((p->nlocals + 1) * sizeof *t->lobj);
        t->handles = calloc(p->nhandles + 1, sizeof *t->handles);
        t->fin_calls = calloc(news + 1, sizeof *t->fin_calls);
        t->fin_cap = news + 1;
        if (!t->locals || !t->lstate || !t->lobj || !t->handles || !t->fin_calls) {
            result = fr_setup_error(out, "out of memory");
            goto done;
        }
        for (uint32_t l = 0; l <= p->nlocals; l++)
            t->lobj[l] = FR_NONE;
        t->rng = o->seed ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
        if (mgc_thread_set_locals(r.heap, i, t->locals, p->nlocals) != MGC_OK) {
            result = fr_setup_error(out, "could not register the locals");
            goto done;
        }
        nstarted++;
    }
    pthread_barrier_init(&r.start, NULL, nstarted ? nstarted : 1);
    for (unsigned i = 0; i < r.nthreads; i++) {
        fr_thread *t = &r.th[i];
        if (!t->nstmts)
            continue;
        if (pthread_create(&t->th, NULL, fr_main, t) != 0) {
            /* the barrier counts it: the others would wait for ever */
            fprintf(stderr, "gcfuzz: free-running: pthread_create failed\n");
            abort();
        }
        t->started = true;
    }
    for (unsigned i = 0; i < r.nthreads; i++)
        if (r.th[i].started)
            pthread_join(r.th[i].th, NULL);
    pthread_barrier_destroy(&r.start);
    if (!r.failed)
        fr_end(&r);
    for (unsigned i = 0; i < r.nthreads; i++) {
        out->steps += r.th[i].steps;
        out->objects += r.th[i].nobjs;
        if (stats) {
            stats->skipped += r.th[i].skipped;
            stats->checks += r.th[i].checks;
        }
    }
    if (stats) {
        stats->threads = nstarted;
        stats->suspensions = mgc_thread_suspensions(r.heap);
    }
    out->gcs = atomic_load(&r.gcs);
    out->fin_calls = atomic_load(&r.fin_total);
    result = r.failed ? HX_EXEC_FAIL : HX_EXEC_PASS;
    out->status = result;
done:
    if (r.heap) {
        mgc_set_event_callback(r.heap, NULL, NULL);
        mgc_heap_destroy(r.heap);
    }
    for (unsigned i = 0; r.th && i < r.nthreads; i++)
        fr_thread_free(&r.th[i]);
    free(r.th);
    free(r.types);
    free((void *)r.fin_by_type);
    pthread_mutex_destroy(&r.fail_mu);
    (void)file;
    return result;
}
