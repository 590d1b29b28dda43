/* exec.c -- the lockstep executor (.exec.lockstep).
 *
 * Sections: setup (target + oracle from the program), events (the target's
 * collections and finalizer calls presented to the oracle as they happen),
 * statements (one function per kind; the oracle goes first so program
 * errors change nothing), expectations, the run loop.  The comparison after
 * every step is in compare.c, the report in report.c.
 *
 * Order within a step (.exec.order): oracle operation (program errors stop
 * here: exit 2, or the statement is skipped in fuzz mode), target
 * operation (its events are presented to the oracle synchronously), then
 * hx_compare.  Allocation steps are opened in the oracle before the target
 * allocates, so budget collections are checked against the strict
 * prediction (C8) at the moment the target reports them.
 */
#include "exec_internal.h"
#include "orc_map.h"
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void hx_exec_options_default(hx_exec_options *o)
{
    memset(o, 0, sizeof *o);
    o->profile = -1;
    const char *co = getenv("GCF_CRASH_ONLY");
    o->crash_only = co && strcmp(co, "1") == 0;
}

bool hx_exec_check(const hx_exec *x)
{
    return x && x->sig == HX_EXEC_SIG && x->p && x->m && x->ops;
}

/* ==== failures ======================================================== */

static void hx_capture_views(hx_exec *x, char **dst)
{
    if (!x->t || !x->ops->dump || x->o->no_views)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    fprintf(f, "--- eeheap ---\n");
    x->ops->dump(x->t, HX_VIEW_EEHEAP, f);
    fprintf(f, "--- finalizequeue ---\n");
    x->ops->dump(x->t, HX_VIEW_FINALIZEQUEUE, f);
    fclose(f);
    *dst = buf;
}

static const char *hx_local_name_cb(void *ctx, uint32_t local)
{
    const hx_program *p = ctx;
    return local < p->nlocals ? p->locals[local] : NULL;
}

void hx_exec_fail(hx_exec *x, const char *check, const char *detail, orc_id obj,
                  const char *fmt, ...)
{
    if (x->failed)
        return;
    /* .exec.crash-only: the run goes on past the oracle's disagreement */
    if (x->o->crash_only && strcmp(check, "C9") != 0 && strcmp(check, "PE") != 0)
        return;
    x->failed = true;
    x->stop = true;
    hx_failure *f = &x->out->fail;
    memset(f, 0, sizeof *f);
    snprintf(f->check, sizeof f->check, "%s", check);
    snprintf(f->detail, sizeof f->detail, "%s", detail);
    f->step = x->step;
    if (x->st) {
        f->stmt_kind = x->st->kind;
        f->pos = x->st->pos;
        hx_stmt_format(x->p, x->st, f->stmt_text, sizeof f->stmt_text);
    } else {
        f->stmt_kind = HX_ST_KIND_COUNT;
        snprintf(f->stmt_text, sizeof f->stmt_text, "(setup)");
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    f->obj = obj;
    if (obj) {
        orc_root_path rp;
        if (orc_root_path_find(x->m, obj, &rp) == ORC_OK)
            orc_root_path_format(&rp, hx_local_name_cb, (void *)x->p, f->root_path,
                                 sizeof f->root_path);
        else
            snprintf(f->root_path, sizeof f->root_path, "(object %u is not live in the model)", obj);
    }
    if (x->have_last_gc)
        snprintf(f->last_gc, sizeof f->last_gc, "GC #%llu gen %d reason %s pinned %zu%s",
                 (unsigned long long)x->gc_index, x->last_gc.gen,
                 orc_reason_name(hx_orc_reason(x->last_gc.reason)), x->last_gc.pinned,
                 x->last_gc.compact_loh ? " compact_loh" : "");
    else
        snprintf(f->last_gc, sizeof f->last_gc, "(none)");
    hx_failure_sign(f);
    if (strcmp(check, "PE") != 0)
        hx_capture_views(x, &f->views);
}

bool hx_exec_ids_grow(hx_exec *x, orc_id id)
{
    if (id < x->ids_cap)
        return true;
    size_t cap = x->ids_cap ? x->ids_cap : 64;
    while (cap <= id)
        cap *= 2;
    uint8_t *s = realloc(x->stamped, cap);
    if (!s)
        return false;
    x->stamped = s;
    uint32_t *c = realloc(x->tcalls, cap * sizeof *c);
    if (!c)
        return false;
    x->tcalls = c;
    hx_addr *a = realloc(x->pinaddr, cap * sizeof *a);
    if (!a)
        return false;
    x->pinaddr = a;
    hx_addr *ta = realloc(x->taddr, cap * sizeof *ta);
    if (!ta)
        return false;
    x->taddr = ta;
    memset(s + x->ids_cap, 0, cap - x->ids_cap);
    memset(c + x->ids_cap, 0, (cap - x->ids_cap) * sizeof *c);
    memset(a + x->ids_cap, 0, (cap - x->ids_cap) * sizeof *a);
    memset(ta + x->ids_cap, 0, (cap - x->ids_cap) * sizeof *ta);
    x->ids_cap = cap;
    return true;
}

/* ==== events =========================================================== */

static const char *hx_ctx_name(hx_ctx c)
{
    static const char *n[] = {"none", "alloc", "collect", "finalize", "finalizer-thread"};
    return n[c];
}

static void hx_end_fin_alloc(hx_exec *x, hx_addr obj, bool reported);

static void hx_on_gc_end(hx_exec *x, const hx_event *ev)
{
    x->gcs_in_step++;
    x->gc_in_step = true;
    x->gc_index++;
    x->out->gcs++;
    x->last_gc = *ev;
    x->have_last_gc = true;
    x->last_pinned = ev->pinned;
    if (ev->compact_loh)
        x->compact_in_step = true;
    if (x->ctx == HX_CTX_NONE) {
        hx_exec_fail(x, "C8", "unexpected-gc", 0,
                     "the target reported a gen%d %s collection during a statement that "
                     "cannot collect", ev->gen, orc_reason_name(hx_orc_reason(ev->reason)));
        return;
    }
    if (x->ctx == HX_CTX_COLLECT) {
        /* .tgt.caps: a collector without generations collects the whole
           heap (gen 2) whatever generation was asked for */
        bool gen_ok = ev->gen == x->induced_gen ||
                      (!(x->ops->caps & HX_CAP_GENERATIONS) && ev->gen == 2);
        if (x->gcs_in_step > 1 || !gen_ok || ev->reason != HX_REASON_INDUCED) {
            hx_exec_fail(x, "C8", "event-mismatch", 0,
                         "expected one induced gen%d collection, the target reported gen%d %s "
                         "(collection %zu of this step)", x->induced_gen, ev->gen,
                         orc_reason_name(hx_orc_reason(ev->reason)), x->gcs_in_step);
            return;
        }
    }
    orc_gc_request rq = {0};
    rq.gen = ev->gen;
    rq.reason = hx_orc_reason(ev->reason);
    rq.compact_loh = ev->compact_loh;
    orc_status s = orc_gc(x->m, &rq);
    if (s == ORC_E_ILLEGAL) {
        hx_exec_fail(x, "C8", "trigger-mismatch", 0,
                     "collection gen%d %s is not legal here (%s context): %s", ev->gen,
                     orc_reason_name(rq.reason), hx_ctx_name(x->ctx), orc_last_error(x->m));
        return;
    }
    if (s != ORC_OK) {
        hx_exec_fail(x, "C8", "oracle-rejected", 0, "the oracle rejected gen%d %s: %s (%s)",
                     ev->gen, orc_reason_name(rq.reason), orc_status_name(s),
                     orc_last_error(x->m));
        return;
    }
    uint32_t mp = orc_pinned_count(x->m);
    if (mp != ev->pinned && (x->ops->caps & HX_CAP_PINNED_COUNT)) {
        hx_exec_fail(x, "C5", "pinned-count", 0,
                     "collection gen%d: the target saw %zu pinned objects, the model %u",
                     ev->gen, ev->pinned, mp);
        return;
    }
    /* .gc.promoted-bytes: strict only (CoreCLR counts every surviving byte
       of a generation, pinned survivors included, docs/semantics.md) */
    orc_gc_record rec;
    if ((x->ops->caps & HX_CAP_PROMOTED) && !x->clr && orc_last_gc(x->m, &rec) &&
        (rec.promoted1_bytes != ev->promoted[0] || rec.promoted2_bytes != ev->promoted[1])) {
        hx_exec_fail(x, "C8", "promoted-bytes", 0,
                     "collection gen%d promoted %llu bytes from gen0 and %llu from gen1, "
                     "the model %llu and %llu", ev->gen,
                     (unsigned long long)ev->promoted[0], (unsigned long long)ev->promoted[1],
                     (unsigned long long)rec.promoted1_bytes,
                     (unsigned long long)rec.promoted2_bytes);
        return;
    }
    x->map_stale = true;
}

static void hx_end_call(hx_exec *x)
{
    if (!x->call_open)
        return;
    if (x->call_alloc_open)
        hx_end_fin_alloc(x, 0, false);
    orc_status s = orc_finalize_call_end(x->m);
    if (s != ORC_OK && !x->failed)
        hx_exec_fail(x, "C6", "call-end", x->call_obj, "orc_finalize_call_end: %s (%s)",
                     orc_status_name(s), orc_last_error(x->m));
    x->call_open = false;
}

/* The model object for a finalizer call on an object the match cannot
   name: the model's next call, unless the target's object (ops->object) is
   of another type; then, in the clr profile (any order, .clr.fin-order),
   the first f-reachable entry of its type, normal list first. */
static orc_id hx_fin_candidate(hx_exec *x, hx_addr obj, orc_id next)
{
    hx_tobject o;
    orc_obj_info info;
    if (!x->ops->object || !x->ops->object(x->t, obj, &o) ||
        (next && orc_obj_get(x->m, next, &info) == ORC_OK && info.type == o.type) ||
        !x->clr)
        return next;
    for (int list = 0; list < 2; list++) {
        uint32_t n = orc_freachable_count(x->m, (orc_fq_list)list);
        for (uint32_t j = 0; j < n; j++) {
            orc_id id = orc_freachable_get(x->m, (orc_fq_list)list, j);
            if (orc_obj_get(x->m, id, &info) == ORC_OK && info.type == o.type)
                return id;
        }
    }
    return next;
}

/* .tgt.kept: on a target without HX_CAP_COMPLETE, the objects of list l
   with an entry that would still run (not just the skip of a set bit) are
   objects the target kept through the collection that queued them in the
   model: the model puts their entries back in the finalization queue. */
static void hx_fin_kept(hx_exec *x, orc_fq_list l)
{
    if (x->ops->caps & HX_CAP_COMPLETE)
        return;
    for (;;) {
        orc_id kept = ORC_NULL;
        orc_obj_info info;
        uint32_t n = orc_freachable_count(x->m, l);
        for (uint32_t j = 0; j < n && !kept; j++) {
            orc_id id = orc_freachable_get(x->m, l, j);
            if (orc_obj_get(x->m, id, &info) == ORC_OK &&
                info.freachable_entries > (info.finalizer_run ? 1u : 0u))
                kept = id;
        }
        if (!kept)
            return;
        orc_status s = orc_finalize_kept(x->m, kept);
        if (s != ORC_OK) {
            hx_exec_fail(x, "C6", "kept", kept, "object %u kept by the target: %s (%s)", kept,
                         orc_status_name(s), orc_last_error(x->m));
            return;
        }
    }
}

/* True if id has an entry in f-reachable list l. */
static bool hx_in_freachable(hx_exec *x, orc_fq_list l, orc_id id)
{
    uint32_t n = orc_freachable_count(x->m, l);
    for (uint32_t j = 0; j < n; j++)
        if (orc_freachable_get(x->m, l, j) == id)
            return true;
    return false;
}

static void hx_on_finalizer_call(hx_exec *x, const hx_event *ev)
{
    /* .clr.fin-async: in the clr profile calls may follow the collection of
       a `collect` statement (the model refuses them in strict); on mgc-fin,
       the finalizer thread's calls at the end of a statement
       (.exec.fin-settle) */
    if (x->ctx != HX_CTX_FINALIZE && !x->async_open) {
        bool ok = ((x->ctx == HX_CTX_COLLECT && x->gcs_in_step > 0) ||
                   x->ctx == HX_CTX_FINTHREAD) &&
                  orc_finalize_async_begin(x->m) == ORC_OK;
        if (!ok) {
            hx_exec_fail(x, "C6", "unexpected-call", 0,
                         "the target ran a finalizer outside `finalize` (object %#lx)",
                         (unsigned long)ev->obj);
            return;
        }
        x->async_open = true;
    }
    hx_end_call(x);
    if (x->stop)
        return;
    if (x->map_stale)
        hx_match(x);
    orc_id id = hx_lookup_id(x, ev->obj);
    if (!id) {
        /* not reachable from a root any more (its entry left the queue) and
           no payload stamp: the model's own next call is the only candidate */
        id = hx_fin_candidate(x, ev->obj, orc_finalize_next(x->m));
    }
    if (!id) {
        hx_exec_fail(x, "C6", "call-unknown", 0,
                     "the target finalized object %#lx that the model has no pending entry for",
                     (unsigned long)ev->obj);
        return;
    }
    /* .fin.order: a critical call ends the normal calls of the drain; a
       normal entry still pending is an object the target kept (.tgt.kept) */
    if (!(x->ops->caps & HX_CAP_COMPLETE) && hx_in_freachable(x, ORC_FQ_CRITICAL, id) &&
        !hx_in_freachable(x, ORC_FQ_NORMAL, id)) {
        hx_fin_kept(x, ORC_FQ_NORMAL);
        if (x->stop)
            return;
    }
    orc_fin_call call;
    orc_status s = orc_finalize_call_begin(x->m, id, &call);
    if (s == ORC_E_ILLEGAL) {
        hx_exec_fail(x, "C6", "call-illegal", id, "finalizer call on object %u: %s", id,
                     orc_last_error(x->m));
        return;
    }
    if (s != ORC_OK) {
        hx_exec_fail(x, "C6", "call-illegal", id, "finalizer call on object %u: %s (%s)", id,
                     orc_status_name(s), orc_last_error(x->m));
        return;
    }
    x->call_open = true;
    x->call_obj = id;
    x->out->fin_calls++;
    if (hx_exec_ids_reserve(x, id))
        x->tcalls[id]++;
    if (call.behaviour == ORC_FIN_ALLOC) {
        s = orc_alloc_begin(x->m, ORC_LOCAL_NONE, call.alloc_type, 0, NULL);
        if (s != ORC_OK) {
            hx_exec_fail(x, "C6", "fin-alloc", id, "alloc:T step: %s (%s)", orc_status_name(s),
                         orc_last_error(x->m));
            return;
        }
        x->call_alloc_open = true;
    }
}

/* The walk callback used to find a fresh object's payload. */
typedef struct hx_find_ctx { hx_addr a; uint8_t *payload; size_t len; bool found; } hx_find_ctx;
static void hx_find_one(void *vctx, const hx_tobject *o)
{
    hx_find_ctx *f = vctx;
    if (o->addr == f->a) {
        f->payload = o->payload;
        f->len = o->payload_len;
        f->found = true;
    }
}

/* Write the identity stamp into a new object (.exec.stamp).  The payload
   is found through the walk (the interface has no direct accessor); a
   fresh object is not moved before this runs. */
static void hx_stamp_new(hx_exec *x, hx_addr a, uint32_t local, orc_id id)
{
    if (!a || !id || !hx_exec_ids_reserve(x, id))
        return;
    hx_find_ctx f = {a, NULL, 0, false};
    hx_tobject o;
    if (x->ops->payload && local != HX_NO_LOCAL) {
        f.payload = x->ops->payload(x->t, local, &f.len);
        f.found = true;
    } else if (x->ops->object) {
        f.found = x->ops->object(x->t, a, &o);
        f.payload = o.payload;
        f.len = f.found ? o.payload_len : 0;
    } else {
        x->ops->walk(x->t, hx_find_one, &f);
    }
    if (!f.found) {
        hx_exec_fail(x, "C1", "alloc-missing", id,
                     "the object just allocated (%#lx) is not in the heap walk", (unsigned long)a);
        return;
    }
    if (f.len) {
        for (size_t i = 0; i < f.len && i < 8; i++)
            if (f.payload[i] != 0) {
                hx_exec_fail(x, "C1", "not-zeroed", id, "new object %u: payload byte %zu is %#x",
                             id, i, f.payload[i]);
                return;
            }
        hx_stamp_write(f.payload, f.len, id);
    }
    x->stamped[id] = 1;
    x->taddr[id] = a;   /* where the per-statement checks expect it (.exec.schedule) */
    x->out->objects++;
}

static void hx_end_fin_alloc(hx_exec *x, hx_addr obj, bool reported)
{
    orc_id id = ORC_NULL;
    x->call_alloc_open = false;
    orc_status s = orc_alloc_end(x->m, reported && obj == 0, &id);
    if (!reported) {
        hx_exec_fail(x, "C6", "fin-alloc-missing", x->call_obj,
                     "the finalizer of object %u (alloc:T) did not report its allocation",
                     x->call_obj);
        return;
    }
    if (s == ORC_E_ILLEGAL) {
        hx_exec_fail(x, "C8", "missing-gc", x->call_obj,
                     "allocation in a finalizer: %s", orc_last_error(x->m));
        return;
    }
    if (s != ORC_OK) {
        hx_exec_fail(x, "C6", "fin-alloc", x->call_obj, "orc_alloc_end: %s (%s)",
                     orc_status_name(s), orc_last_error(x->m));
        return;
    }
    if (obj)
        hx_stamp_new(x, obj, HX_NO_LOCAL, id);
}

static void hx_on_event(void *ctx, const hx_event *ev)
{
    hx_exec *x = ctx;
    if (x->trace && ev->kind != HX_EV_GC_START)
        fprintf(x->trace, "    event %s gen=%d reason=%s pinned=%zu obj=%#lx\n",
                ev->kind == HX_EV_GC_END ? "gc" : ev->kind == HX_EV_FINALIZER_CALL ? "finalizer"
                                                                                 : "fin_alloc",
                ev->gen, orc_reason_name(hx_orc_reason(ev->reason)), ev->pinned,
                (unsigned long)ev->obj);
    if (x->stop)
        return;
    switch (ev->kind) {
    case HX_EV_GC_START:
        break;
    case HX_EV_GC_END:
        hx_on_gc_end(x, ev);
        break;
    case HX_EV_FINALIZER_CALL:
        hx_on_finalizer_call(x, ev);
        break;
    case HX_EV_FIN_ALLOC:
        if (!x->call_alloc_open) {
            hx_exec_fail(x, "C6", "fin-alloc-unexpected", x->call_obj,
                         "the target allocated in a finalizer whose behaviour is not alloc:T");
            return;
        }
        hx_end_fin_alloc(x, ev->obj, true);
        break;
    }
}

void hx_exec_keep_free(hx_exec_keep *k)
{
    if (k && k->t) {
        k->ops->destroy(k->t);
        k->t = NULL;
    }
}

/* ==== setup ============================================================= */

void hx_orc_config(const hx_program *p, bool clr, orc_config *oc)
{
    orc_config_default(oc);
    const uint64_t *v = p->heap.value;
    oc->gen0_budget = v[HX_KEY_GEN0_BUDGET];
    oc->gen1_budget = v[HX_KEY_GEN1_BUDGET];
    oc->gen2_budget = v[HX_KEY_GEN2_BUDGET];
    oc->loh_budget = v[HX_KEY_LOH_BUDGET];
    oc->loh_threshold = v[HX_KEY_LOH_THRESHOLD];
    oc->segment_size = v[HX_KEY_SEGMENT_SIZE];
    oc->hard_limit = v[HX_KEY_HARD_LIMIT];
    oc->profile = clr ? ORC_PROFILE_CLR : ORC_PROFILE_STRICT;
}

void hx_orc_type(const hx_type *ty, orc_type_desc *od)
{
    memset(od, 0, sizeof *od);
    od->name = ty->name;
    od->kind = hx_orc_type_kind(ty->kind);
    od->size = ty->size;
    od->nrefs = ty->nrefs;
    od->fin = hx_orc_fin_kind(ty->fin);
    od->fin_static = ty->fin_static;
    od->fin_alloc = ty->fin_alloc;
    od->critical = ty->critical;
}

/* The finalizer drain's bound: per statement executed (loops included,
   .prog.loop), capped so the product cannot overflow. */
static uint64_t hx_drain_limit(const hx_program *p)
{
    uint64_t n = hx_program_exec_count(p);
    if (n > ((uint64_t)1 << 32))
        n = (uint64_t)1 << 32;
    return HX_FIN_DRAIN_BASE + HX_FIN_DRAIN_PER_STMT * n;
}

static bool hx_setup(hx_exec *x)
{
    const hx_program *p = x->p;
    orc_config oc;
    int prof = x->o->profile >= 0 ? x->o->profile : (int)p->heap.profile;
    if (!(x->ops->caps & HX_CAP_BUDGETS))
        prof = HX_PROFILE_CLR;            /* .tgt.caps: its own schedule */
    x->finthread = x->ops == &hx_target_mgc_fin;
    if (x->finthread) {
        prof = HX_PROFILE_CLR;            /* .exec.fin-settle: calls after `collect`/`new` */
        /* the finalizer thread has a context of its own (.tgt.finthread) */
        bool used[HX_THREADS] = { true };
        unsigned distinct = 1;
        for (size_t i = 0; i < p->nstmts; i++)
            if (p->stmts[i].kind == HX_ST_THREAD && p->stmts[i].thread < HX_THREADS &&
                !used[p->stmts[i].thread]) {
                used[p->stmts[i].thread] = true;
                distinct++;
            }
        if (distinct >= HX_THREADS) {
            snprintf(x->out->fail.message, sizeof x->out->fail.message,
                     "mgc-fin: the program runs on %u threads; the finalizer thread needs an "
                     "allocation context of its own", distinct);
            return false;
        }
    }
    hx_orc_config(p, prof == HX_PROFILE_CLR, &oc);
    x->clr = prof == HX_PROFILE_CLR;
    x->m = orc_create(&oc);
    if (!x->m) {
        snprintf(x->out->fail.message, sizeof x->out->fail.message,
                 "the oracle rejected the heap configuration");
        return false;
    }
    hx_target_config tc = {0};
    tc.gen0_budget = oc.gen0_budget;
    tc.gen1_budget = oc.gen1_budget;
    tc.gen2_budget = oc.gen2_budget;
    tc.loh_budget = oc.loh_budget;
    tc.loh_threshold = oc.loh_threshold;
    tc.segment_size = oc.segment_size;
    tc.hard_limit = oc.hard_limit;
    tc.fail_reserve_nth = x->p->heap.fail_reserve;
    tc.fail_commit_nth = x->p->heap.fail_commit;
    tc.clr_profile = oc.profile == ORC_PROFILE_CLR;
    tc.threads = hx_program_threads(p);
    tc.nlocals = p->nlocals;
    tc.fin_drain_limit = hx_drain_limit(p);
    x->tc = tc;
    hx_exec_keep *k = x->o->keep;
    if (k && k->t && k->ops == x->ops && x->ops->reset &&
        x->ops->reset(k->t, &tc, hx_on_event, x)) {
        x->t = k->t;                        /* .exec.keep: a reset target */
        k->t = NULL;
        k->reused++;
    } else {
        hx_exec_keep_free(k);
        x->t = x->ops->create(&tc, hx_on_event, x);
        if (k)
            k->created++;
    }
    if (!x->t) {
        snprintf(x->out->fail.message, sizeof x->out->fail.message,
                 "the target rejected the heap configuration (%s)", x->ops->name);
        return false;
    }
    for (uint32_t i = 0; i < p->ntypes; i++) {
        const hx_type *ty = &p->types[i];
        orc_type_desc od;
        hx_orc_type(ty, &od);
        if (orc_type_add(x->m, &od, NULL) != ORC_OK) {
            snprintf(x->out->fail.message, sizeof x->out->fail.message,
                     "the oracle rejected type %s: %s", ty->name, orc_last_error(x->m));
            return false;
        }
        hx_target_type tt = {0};
        tt.name = ty->name;
        tt.kind = hx_target_type_kind(ty->kind);
        tt.size = ty->size;
        tt.nrefs = ty->nrefs;
        tt.fin = hx_target_fin_kind(ty->fin);
        tt.fin_static = ty->fin_static;
        tt.fin_alloc = ty->fin_alloc;
        tt.critical = ty->critical;
        if (x->ops->register_type(x->t, &tt) != HX_T_OK) {
            snprintf(x->out->fail.message, sizeof x->out->fail.message,
                     "the target rejected type %s", ty->name);
            return false;
        }
    }
    x->thandle = calloc(p->nhandles ? p->nhandles : 1, sizeof *x->thandle);
    x->thandle_live = calloc(p->nhandles ? p->nhandles : 1, sizeof *x->thandle_live);
    return x->thandle && x->thandle_live;
}

/* ==== statements ========================================================= */


static const char *hx_lname(hx_exec *x, uint32_t l)
{
    return l < x->p->nlocals ? x->p->locals[l] : "?";
}

/* The oracle names locals "local#3"; reports use the program's names. */
static void hx_name_locals(hx_exec *x, const char *in, char *out, size_t n)
{
    size_t o = 0;
    while (*in && o + 1 < n) {
        if (strncmp(in, "local#", 6) == 0 && in[6] >= '0' && in[6] <= '9') {
            char *end;
            unsigned long l = strtoul(in + 6, &end, 10);
            int w = snprintf(out + o, n - o, "local '%s'", hx_lname(x, (uint32_t)l));
            o = w > 0 && (size_t)w < n - o ? o + (size_t)w : n - 1;
            in = end;
        } else {
            out[o++] = *in++;
        }
    }
    out[o] = '\0';
}

/* A program error from the oracle (.prog.error): exit 2, or skip. */
static bool hx_program_error(hx_exec *x, orc_status s)
{
    if (s == ORC_OK)
        return false;
    /* decoded programs, and programs whose control flow --stress changed
       (extra collections finalize and promote earlier), skip the statement:
       nothing happened on either side (.exec.fuzz-skip) */
    if ((x->o->fuzz || x->o->stress) && orc_is_program_error(s))
        return true;
    if (orc_is_program_error(s)) {
        char text[160];
        hx_stmt_format(x->p, x->st, text, sizeof text);
        char msg[320];
        hx_name_locals(x, orc_last_error(x->m), msg, sizeof msg);
        hx_exec_fail(x, "PE", orc_status_name(s), 0, "`%s`: %s", text, msg);
        x->out->status = HX_EXEC_BAD_PROGRAM;
    } else {
        hx_exec_fail(x, "C8", "oracle-rejected", 0, "the oracle rejected the step: %s (%s)",
                     orc_status_name(s), orc_last_error(x->m));
    }
    return true;
}

/* The drain limit passed (.tgt.drain-limit): a program error. */
static void hx_fail_drain_limit(hx_exec *x)
{
    char text[160];
    hx_stmt_format(x->p, x->st, text, sizeof text);
    hx_exec_fail(x, "PE", "drain-limit", 0,
                 "`%s`: the finalizer drain did not end within %llu finalizer calls "
                 "(finalizers keep allocating and every allocation collects)",
                 text, (unsigned long long)hx_drain_limit(x->p));
    x->out->status = HX_EXEC_BAD_PROGRAM;
}

/* A finalizer that never ran: the finalizer thread did not empty its
   queue, or `finalize` did not return, within the bound (.tgt.fin-timeout). */
static void hx_fin_timeout(hx_exec *x, const char *what)
{
    hx_exec_fail(x, "C6", "finalizer-timeout", 0,
                 "%s within %ld ms (the finalizer thread missed a wake-up or never returned)",
                 what, hx_target_fin_timeout_ms(x->t));
}

/* .exec.fin-settle (mgc-fin): the end of a statement is where the
   finalizer thread's calls reach the oracle.  The thread was woken by the
   statement's collections (or by nothing); the executor lets its events
   through and waits, bounded, until the f-reachable queue is empty.  The
   model follows as an async drain (.clr.fin-async) that must end with no
   call missing (.fin.drain: the thread runs everything queued). */
static void hx_fin_settle(hx_exec *x)
{
    if (!x->finthread || x->stop)
        return;
    uint64_t calls = x->out->fin_calls;
    size_t gcs = x->gcs_in_step;
    hx_ctx saved = x->ctx;
    x->ctx = HX_CTX_FINTHREAD;
    hx_tstatus ts = hx_target_fin_settle(x->t);
    x->ctx = saved;
    if (x->out->fin_calls != calls)
        x->drain_ran = true;
    x->gcs_in_step = gcs;           /* a finalizer's collections are its own */
    if (x->stop)
        return;
    if (ts == HX_T_LIMIT) {
        hx_fail_drain_limit(x);
        return;
    }
    if (ts != HX_T_OK) {
        hx_fin_timeout(x, "the finalizer thread did not run the queued finalizers");
        return;
    }
    if (!x->async_open) {
        /* no call, but the model may hold entries that are skipped (their
           bit is set): the thread's drain took them silently */
        if (orc_freachable_count(x->m, ORC_FQ_NORMAL) +
                orc_freachable_count(x->m, ORC_FQ_CRITICAL) == 0)
            return;
        orc_status as = orc_finalize_async_begin(x->m);
        if (as != ORC_OK) {
            hx_exec_fail(x, "C6", "call-end", 0, "finalizer thread: %s (%s)",
                         orc_status_name(as), orc_last_error(x->m));
            return;
        }
        x->async_open = true;
    }
    hx_end_call(x);
    if (x->stop)
        return;
    x->async_open = false;
    orc_status os = orc_finalize_end(x->m);
    if (os == ORC_E_ILLEGAL)
        hx_exec_fail(x, "C6", "call-missing", 0, "finalizer thread: %s", orc_last_error(x->m));
    else if (os != ORC_OK)
        hx_exec_fail(x, "C6", "call-end", 0, "finalizer thread: %s (%s)", orc_status_name(os),
                     orc_last_error(x->m));
}

static void hx_do_stress(hx_exec *x)
{
    /* .exec.stress: like GCStress, a collection before every allocation;
       deterministic generation from the allocation count */
    uint64_t n = x->out->objects;
    int gen = n % 16 == 15 ? 2 : n % 4 == 3 ? 1 : 0;
    x->ctx = HX_CTX_COLLECT;
    x->induced_gen = gen;
    size_t before = x->gcs_in_step;
    x->ops->collect(x->t, gen, false);
    x->ctx = HX_CTX_NONE;
    if (!x->stop && x->gcs_in_step == before)
        hx_exec_fail(x, "C8", "missing-gc", 0, "stress: collect %d reported no collection", gen);
    hx_fin_settle(x);               /* before the allocation needs the heap lock */
    x->gcs_in_step = 0;
}

static void hx_st_new(hx_exec *x, const hx_stmt *s)
{
    if (x->o->stress)
        hx_do_stress(x);
    if (x->stop)
        return;
    orc_prediction pred;
    orc_status os = orc_alloc_begin(x->m, s->dst, s->type, s->length, &pred);
    if (hx_program_error(x, os))
        return;
    x->ctx = HX_CTX_ALLOC;
    hx_tstatus ts = x->ops->alloc(x->t, x->tid, s->type, s->length, s->dst);
    x->ctx = HX_CTX_NONE;
    if (x->stop)
        return;
    if (ts == HX_T_ERROR) {
        hx_exec_fail(x, "C1", "alloc-error", 0, "the target failed allocating %s (not out of memory)",
                     x->p->types[s->type].name);
        return;
    }
    x->last_oom = ts == HX_T_OOM;
    orc_id id = ORC_NULL;
    os = orc_alloc_end(x->m, x->last_oom, &id);
    if (os == ORC_E_ILLEGAL) {
        hx_exec_fail(x, "C8", "missing-gc", 0,
                     "allocating %s (%llu bytes): predicted gen%d %s collection not reported: %s",
                     x->p->types[s->type].name, (unsigned long long)pred.size, pred.gen,
                     orc_reason_name(pred.reason), orc_last_error(x->m));
        return;
    }
    if (os != ORC_OK) {
        hx_program_error(x, os);
        return;
    }
    if (!x->last_oom)
        hx_stamp_new(x, x->ops->get_local(x->t, s->dst), s->dst, id);
}

static void hx_st_collect(hx_exec *x, const hx_stmt *s)
{
    x->ctx = HX_CTX_COLLECT;
    x->induced_gen = s->gen;
    x->ops->collect(x->t, s->gen, s->compact_loh);
    x->ctx = HX_CTX_NONE;
    if (x->async_open) {                       /* .clr.fin-async */
        hx_end_call(x);
        orc_status as = orc_finalize_async_end(x->m);
        x->async_open = false;
        if (as != ORC_OK && !x->failed)
            hx_exec_fail(x, "C6", "call-end", 0, "async finalizer calls: %s (%s)",
                         orc_status_name(as), orc_last_error(x->m));
    }
    if (!x->stop && x->gcs_in_step != 1)
        hx_exec_fail(x, "C8", "missing-gc", 0,
                     "collect %d: the target reported %zu collections", s->gen, x->gcs_in_step);
}

static void hx_st_finalize(hx_exec *x, const hx_stmt *s)
{
    (void)s;
    orc_status os = orc_finalize_begin(x->m, x->tid);
    if (hx_program_error(x, os))
        return;
    /* a drain that runs a finalizer gets the complete comparison */
    x->drain_ran = orc_freachable_count(x->m, ORC_FQ_NORMAL) +
                   orc_freachable_count(x->m, ORC_FQ_CRITICAL) > 0;
    uint64_t calls = x->out->fin_calls;
    x->ctx = HX_CTX_FINALIZE;
    hx_tstatus ts = x->ops->run_finalizers(x->t, x->tid);
    x->ctx = HX_CTX_NONE;
    if (x->out->fin_calls != calls)
        x->drain_ran = true;
    if (x->stop)
        return;
    if (ts == HX_T_LIMIT) {
        /* .tgt.drain-limit: the program does not terminate; the target
           stopped running behaviours, so the two sides part here */
        hx_fail_drain_limit(x);
        return;
    }
    hx_end_call(x);
    if (x->stop)
        return;
    if (ts != HX_T_OK && x->finthread && hx_target_fin_timed_out(x->t)) {
        hx_fin_timeout(x, "`finalize` (waiting for pending finalizers) did not return");
        return;
    }
    if (ts != HX_T_OK) {
        hx_exec_fail(x, "C6", "finalize-error", 0, "the target's run_finalizers failed");
        return;
    }
    /* .tgt.kept: what the target did not call it kept */
    hx_fin_kept(x, ORC_FQ_NORMAL);
    hx_fin_kept(x, ORC_FQ_CRITICAL);
    if (x->stop)
        return;
    os = orc_finalize_end(x->m);
    if (os == ORC_E_ILLEGAL) {
        hx_exec_fail(x, "C6", "call-missing", 0, "%s", orc_last_error(x->m));
        return;
    }
    if (os != ORC_OK)
        hx_program_error(x, os);
}

static void hx_st_handle(hx_exec *x, const hx_stmt *s)
{
    orc_status os = orc_handle_alloc(x->m, s->handle, hx_orc_handle_kind(s->hkind), s->obj);
    if (hx_program_error(x, os))
        return;
    /* rebinding a live handle name allocates a new handle; the old one
       stays allocated (and a root if strong or pinned), as in the model */
    uint32_t th = 0;
    if (x->ops->handle_alloc(x->t, (int)s->hkind, s->obj, &th) != HX_T_OK) {
        hx_exec_fail(x, "C1", "handle-alloc", 0, "the target could not allocate a %s handle",
                     hx_handle_kind_name(s->hkind));
        return;
    }
    x->thandle[s->handle] = th;
    x->thandle_live[s->handle] = true;
}

static void hx_st_free(hx_exec *x, const hx_stmt *s)
{
    orc_handle_info hi;
    if (orc_handle_get(x->m, s->handle, &hi) == ORC_OK && hi.bound && !hi.freed)
        hx_touch(x, hi.target);   /* it may no longer be pinned */
    orc_status os = orc_handle_free(x->m, s->handle);
    if (hx_program_error(x, os))
        return;
    if (x->ops->handle_free(x->t, x->thandle[s->handle]) != HX_T_OK)
        hx_exec_fail(x, "C1", "handle-free", 0, "the target refused to free a live handle");
    x->thandle_live[s->handle] = false;
}

static void hx_st_target(hx_exec *x, const hx_stmt *s)
{
    orc_status os = orc_handle_target(x->m, s->dst, s->handle);
    if (hx_program_error(x, os))
        return;
    if (x->ops->handle_get(x->t, x->thandle[s->handle], s->dst) != HX_T_OK) {
        hx_exec_fail(x, "C1", "handle-get", 0, "the target refused to read a live handle");
        return;
    }
    /* .tgt.caps: a weak handle a conservative collector did not clear
       reads as the model's null, so the program goes on as in the model */
    orc_id id = ORC_NULL;
    if (!(x->ops->caps & HX_CAP_COMPLETE) && orc_local_get(x->m, s->dst, &id) == ORC_LOCAL_BOUND &&
        id == ORC_NULL && x->ops->get_local(x->t, s->dst))
        x->ops->set_local(x->t, s->dst, HX_NO_LOCAL);
}

/* ==== expectations ======================================================= */

static orc_id hx_model_local(hx_exec *x, uint32_t l, orc_local_state *st)
{
    orc_id id = ORC_NULL;
    *st = orc_local_get(x->m, l, &id);
    return id;
}

/* Resolve the local an expectation names: program error if unbound. */
static bool hx_expect_local(hx_exec *x, uint32_t l, bool allow_dropped, bool allow_null,
                            orc_id *id)
{
    orc_local_state st;
    *id = hx_model_local(x, l, &st);
    orc_status err = ORC_OK;
    if (st == ORC_LOCAL_UNBOUND)
        err = ORC_E_UNBOUND_LOCAL;
    else if (st == ORC_LOCAL_DROPPED && !allow_dropped)
        err = ORC_E_DROPPED_LOCAL;
    else if (*id == ORC_NULL && !allow_null)
        err = ORC_E_NULL_LOCAL;
    if (err == ORC_OK)
        return true;
    if (x->o->fuzz || x->o->stress)
        return false;
    hx_exec_fail(x, "PE", orc_status_name(err), 0, "local '%s' is %s", hx_lname(x, l),
                 err == ORC_E_UNBOUND_LOCAL ? "not bound" : err == ORC_E_DROPPED_LOCAL
                                                                ? "dropped" : "null");
    x->out->status = HX_EXEC_BAD_PROGRAM;
    return false;
}

/* An expectation holds when both the model and the target give the
   expected value; the detail says which side did not (.exec.expect). */
#define HX_EXPECT(cond_model, cond_target, detail_target, ...)                      \
    do {                                                                            \
        bool ok_m_ = (cond_model), ok_t_ = (cond_target);                           \
        if (!ok_m_ || !ok_t_) {                                                     \
            hx_exec_fail(x, "EX", !ok_m_ && !ok_t_ ? "value" : !ok_m_ ? "oracle"    \
                                                               : detail_target,     \
                         id, __VA_ARGS__);                                          \
            return;                                                                 \
        }                                                                           \
    } while (0)

static void hx_st_expect_gen(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    orc_obj_info info;
    if (!hx_expect_local(x, s->obj, false, false, &id))
        return;
    orc_obj_get(x->m, id, &info);
    int tg = x->ops->generation(x->t, x->ops->get_local(x->t, s->obj));
    HX_EXPECT(info.gen == s->gen, tg == s->gen || !(x->ops->caps & HX_CAP_GENERATIONS), "target",
              "expect gen %s %d: model says %d, target says %d", hx_lname(x, s->obj), s->gen,
              info.gen, tg);
}

static void hx_expect_heap(hx_exec *x, const hx_stmt *s, bool want)
{
    orc_id id = ORC_NULL;
    orc_obj_info info;
    if (!hx_expect_local(x, s->obj, false, false, &id))
        return;
    orc_obj_get(x->m, id, &info);
    bool tl = x->ops->is_large(x->t, x->ops->get_local(x->t, s->obj));
    HX_EXPECT(info.large == want, tl == want || !(x->ops->caps & HX_CAP_LOH), "target",
              "expect %s %s: model says %s, target says %s", want ? "loh" : "soh",
              hx_lname(x, s->obj), info.large ? "loh" : "soh", tl ? "loh" : "soh");
}

static void hx_st_expect_loh(hx_exec *x, const hx_stmt *s) { hx_expect_heap(x, s, true); }
static void hx_st_expect_soh(hx_exec *x, const hx_stmt *s) { hx_expect_heap(x, s, false); }

static void hx_st_expect_null(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    if (!hx_expect_local(x, s->obj, false, true, &id))
        return;
    hx_addr a = x->ops->get_local(x->t, s->obj);
    orc_id shown = id;
    id = ORC_NULL;
    HX_EXPECT(shown == ORC_NULL, a == 0, "target",
              "expect null %s: model holds object %u, target holds %#lx", hx_lname(x, s->obj),
              shown, (unsigned long)a);
}

static void hx_st_expect_target(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    orc_handle_info hi;
    if (orc_handle_get(x->m, s->handle, &hi) != ORC_OK || !hi.bound || hi.freed) {
        hx_program_error(x, hi.bound ? ORC_E_FREED_HANDLE : ORC_E_UNBOUND_HANDLE);
        return;
    }
    orc_id want = ORC_NULL;
    hx_addr twant = 0;
    if (s->src != HX_NULL) {
        if (!hx_expect_local(x, s->src, false, true, &want))
            return;
        twant = x->ops->get_local(x->t, s->src);
    }
    hx_addr ta = x->ops->handle_peek(x->t, x->thandle[s->handle]);
    id = hi.target;
    HX_EXPECT(hi.target == want, ta == twant, "target",
              "expect target %s %s: model handle -> %u (want %u), target handle -> %#lx "
              "(want %#lx)", x->p->handles[s->handle],
              s->src == HX_NULL ? "null" : hx_lname(x, s->src), hi.target, want,
              (unsigned long)ta, (unsigned long)twant);
}

static void hx_st_expect_finalized(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    orc_obj_info info;
    if (!hx_expect_local(x, s->obj, true, false, &id))
        return;
    orc_obj_get(x->m, id, &info);
    uint32_t tc = id < x->ids_cap ? x->tcalls[id] : 0;
    HX_EXPECT(info.fin_calls == s->count, tc == s->count, "target",
              "expect finalized %s %llu: model counted %u calls, target reported %u",
              hx_lname(x, s->obj), (unsigned long long)s->count, info.fin_calls, tc);
}

static void hx_st_expect_collections(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    uint64_t mc = orc_collection_count(x->m, s->gen);
    uint64_t tc = x->ops->collection_count(x->t, s->gen);
    HX_EXPECT(mc == s->count, tc == s->count, "target",
              "expect collections %d %llu: model %llu, target %llu", s->gen,
              (unsigned long long)s->count, (unsigned long long)mc, (unsigned long long)tc);
}

static void hx_st_expect_pinned(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    uint32_t mp = orc_pinned_count(x->m);
    size_t tp = x->have_last_gc ? x->last_pinned : 0;
    HX_EXPECT(mp == s->count, tp == s->count || !(x->ops->caps & HX_CAP_PINNED_COUNT), "target",
              "expect pinned_count %llu: model %u, target %zu", (unsigned long long)s->count,
              mp, tp);
}

static void hx_st_expect_oom(hx_exec *x, const hx_stmt *s)
{
    orc_id id = ORC_NULL;
    (void)s;
    HX_EXPECT(true, x->last_oom, "target", "expect oom: the previous allocation did not fail");
}

/* ---- the statements without a section of their own ---------------------- */

static uint32_t hx_src(const hx_stmt *s)
{
    return s->src == HX_NULL ? HX_NO_LOCAL : s->src;
}

static void hx_st_store(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_store(x->m, s->obj, s->slot, hx_src(s))))
        x->ops->store(x->t, s->obj, s->slot, hx_src(s));
}

static void hx_st_load(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_load(x->m, s->dst, s->obj, s->slot)))
        x->ops->load(x->t, s->dst, s->obj, s->slot);
}

static void hx_st_copy(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_copy(x->m, s->dst, hx_src(s))))
        x->ops->set_local(x->t, s->dst, hx_src(s));
}

static void hx_st_drop(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_drop(x->m, s->obj)))
        x->ops->set_local(x->t, s->obj, HX_NO_LOCAL);
}

static void hx_st_static_set(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_static_set(x->m, s->stat, hx_src(s))))
        x->ops->static_set(x->t, s->stat, hx_src(s));
}

static void hx_st_static_get(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_static_get(x->m, s->dst, s->stat)))
        x->ops->static_get(x->t, s->stat, s->dst);
}

static void hx_st_suppress(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_suppress(x->m, s->obj)))
        x->ops->suppress(x->t, s->obj);
}

static void hx_st_reregister(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_reregister(x->m, s->obj)))
        x->ops->reregister(x->t, s->obj);
}

static void hx_st_thread(hx_exec *x, const hx_stmt *s)
{
    if (!hx_program_error(x, orc_thread(x->m, s->thread))) {
        x->tid = s->thread;
        if (hx_target_is_sched(x->ops))          /* .tgt.sched */
            hx_target_sched_set_thread(x->t, s->thread);
    }
}

/* `repeat N {` and `}`: the run loop moves through the block
   (.prog.loop); nothing happens on either side. */
static void hx_st_repeat(hx_exec *x, const hx_stmt *s) { (void)x; (void)s; }
static void hx_st_end(hx_exec *x, const hx_stmt *s) { (void)x; (void)s; }

/* ==== one step =========================================================== */

/* Each kind's step, by the statement table (stmts.def: hx_st_<fn>). */
typedef void (*hx_step_fn)(hx_exec *x, const hx_stmt *s);
static const hx_step_fn hx_steps[HX_ST_KIND_COUNT] = {
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc) [HX_ST_##ID] = hx_st_##fn,
#include "stmts.def"
#undef HX_STMT
};

static void hx_step(hx_exec *x, const hx_stmt *s)
{
    if ((unsigned)s->kind >= HX_ST_KIND_COUNT)
        return;
    /* expectations of decoded (mutated) programs and of --stress runs
       describe a different execution: only C1-C9 apply there */
    if (hx_stmt_is_expect(s->kind) && (x->o->stress || x->o->fuzz))
        return;
    hx_steps[s->kind](x, s);
}

/* ==== the check schedule (.exec.schedule) ================================ */

/* The objects a statement touched: those its locals name after it (the
   object created, written, read, loaded, copied, stored, rooted, its
   finalization state changed).  A dropped local names nothing: the
   statement changed a root, which the check compares anyway.  With each,
   what of it the check compares when it is wide (.exec.wide): the slot a
   store or load names in the object its `obj` local names, every slot of
   the object an allocation binds, the header facts of the others.
   Statements that name a slot name it in `obj` (stmts.def: TX_SLOT is a
   slot of `obj`); no statement writes the slots of an existing object
   wholesale.  A slot index the model refused stops the run before any
   check, so every noted slot is in range. */
static void hx_touch_stmt(hx_exec *x, const hx_stmt *s)
{
    uint32_t l[3];
    unsigned n = hx_stmt_reads_locals(s, l);
    uint32_t d = hx_stmt_binds_local(s);
    if (d != HX_NONE)
        l[n++] = d;
    bool slotted = hx_stmt_has(s->kind, HX_FIELD_slot);
    bool creates = hx_stmt_has(s->kind, HX_FIELD_type);
    for (unsigned i = 0; i < n; i++) {
        orc_id id = ORC_NULL;
        if (orc_local_get(x->m, l[i], &id) != ORC_LOCAL_BOUND)
            continue;
        if (creates && l[i] == d)
            hx_touch_whole(x, id);
        else if (slotted && l[i] == s->obj && d != s->obj)
            hx_touch_slot(x, id, s->slot);   /* (`x = x.N` rebinds x: not named) */
        else
            hx_touch(x, id);
    }
}

/* Whether the statement needs the complete comparison: a collection
   happened in it, it drained finalizers (the model's f-reachable queue was
   not empty, or the target reported a finalizer call), the options ask
   for it, or the target cannot describe one object (.exec.schedule).  A
   `finalize` with nothing to finalize ran nothing; a `thread` statement
   calls nothing on the target (the executor passes the thread to the next
   allocation), so no switch retires a context here.  Both get the
   per-statement check. */
static bool hx_needs_full(const hx_exec *x, const hx_stmt *s)
{
    return x->o->full_check || !x->ops->object || x->gc_in_step ||
           s->kind == HX_ST_COLLECT || (s->kind == HX_ST_FINALIZE && x->drain_ran);
}

static void hx_check(hx_exec *x, const hx_stmt *s)
{
    hx_exec_prof *pf = x->o->prof;
    if (pf)
        pf->phase = HX_PROF_CHECK;
    if (!hx_needs_full(x, s)) {
        hx_touch_stmt(x, s);
        if (pf)
            pf->step_checks++;
        if (hx_check_step(x))
            return;
        /* a disagreement: the complete comparison names it, with the
           signature a complete check after this step would give */
        hx_compare(x);
        if (pf)
            pf->full_checks++;
        /* every disagreement of the per-statement check is one the
           complete comparison reports (self-check) */
        HX_AVER_HEAP(x->failed);
        return;
    }
    hx_compare(x);
    if (pf)
        pf->full_checks++;
}

/* ==== the run loop ======================================================= */

static hx_exec_status hx_run(const hx_program *p, const char *file, const hx_exec_options *o,
                             hx_exec_outcome *out, bool final_views)
{
    hx_exec_options defaults;
    if (!o) {
        hx_exec_options_default(&defaults);
        o = &defaults;
    }
    memset(out, 0, sizeof *out);
    hx_exec x;
    memset(&x, 0, sizeof x);
    x.sig = HX_EXEC_SIG;
    x.p = p;
    x.file = file ? file : "<program>";
    x.o = o;
    x.ops = o->target ? o->target : &hx_target_mgc;
    x.out = out;
    x.trace = o->trace ? (o->trace_out ? o->trace_out : stdout) : NULL;
    if (!hx_program_check(p, NULL) || !hx_setup(&x)) {
        if (!out->fail.message[0])
            snprintf(out->fail.message, sizeof out->fail.message, "%s",
                     "the program is not valid (structure) or memory ran out");
        snprintf(out->fail.check, sizeof out->fail.check, "PE");
        snprintf(out->fail.detail, sizeof out->fail.detail, "setup");
        out->fail.stmt_kind = HX_ST_KIND_COUNT;
        hx_failure_sign(&out->fail);
        out->status = HX_EXEC_BAD_PROGRAM;
        goto done;
    }
    HX_AVER(hx_exec_check(&x));
    hx_compare(&x);   /* the empty heap */
    /* .prog.loop: the open blocks (first statement of the body, iterations
       left, the index), innermost last */
    struct { size_t body; uint64_t left, idx; } loop[HX_LOOP_DEPTH_MAX];
    unsigned depth = 0;
    uint64_t executed = 0;
    hx_stmt resolved;
    for (size_t i = 0; i < p->nstmts && !x.stop; i++) {
        const hx_stmt *s = &p->stmts[i];
        if (hx_stmt_opens(s->kind) || hx_stmt_closes(s->kind))
            out->steps = (size_t)++executed;    /* hx_program_exec_count */
        if (hx_stmt_opens(s->kind)) {
            if (s->count == 0) {            /* skip the block */
                i = hx_program_block_end(p, i);
                continue;
            }
            loop[depth].body = i + 1;
            loop[depth].left = s->count;
            loop[depth++].idx = 0;
            continue;
        }
        if (hx_stmt_closes(s->kind)) {
            if (--loop[depth - 1].left > 0) {
                loop[depth - 1].idx++;
                i = loop[depth - 1].body - 1;
            } else {
                depth--;
            }
            continue;
        }
        if (s->islot && depth) {
            resolved = *s;                  /* `x.i+K`: slot K + index */
            resolved.slot += loop[depth - 1].idx;
            resolved.islot = false;
            s = &resolved;
        }
        executed++;
        x.step = i;
        x.st = s;
        if (o->progress)
            *o->progress = i;
        x.gcs_in_step = 0;
        x.gc_in_step = false;
        x.compact_in_step = false;
        x.ntouched = 0;
        x.drain_ran = false;
        if (x.trace) {
            char buf[160];
            hx_stmt_format(p, s, buf, sizeof buf);
            fprintf(x.trace, "step %zu line %u: %s\n", i, s->pos.line, buf);
        }
        if (o->prof)
            o->prof->phase = HX_PROF_STEP;
        hx_step(&x, s);
        hx_fin_settle(&x);
        out->steps = (size_t)executed;
        if (!x.stop && !hx_stmt_is_expect(s->kind))
            hx_check(&x, s);
        if (o->prof)
            o->prof->phase = HX_PROF_OTHER;
    }
    /* the end of the program: the complete comparison, unless the last
       check was one (named after the last statement) and read every
       payload's middle whole (.exec.stamp-gc) */
    if (!x.stop && (x.step_checks > 0 || x.payload_window)) {
        if (o->prof)
            o->prof->phase = HX_PROF_CHECK;
        x.final_check = true;
        hx_compare(&x);
        if (o->prof) {
            o->prof->full_checks++;
            o->prof->phase = HX_PROF_OTHER;
        }
    }
    if (!x.failed)
        out->status = HX_EXEC_PASS;
    else if (out->status != HX_EXEC_BAD_PROGRAM)
        out->status = HX_EXEC_FAIL;
    if (final_views && x.t)
        hx_capture_views(&x, &out->final_views);
done:
    /* .exec.keep: the kept target is reset at once, to this run's heap
       settings (no locals, no fault injection, no event callback), so
       that what the run made in it (objects, types, the collector's
       buffers) is freed within the run.  Every block a run allocates is
       then freed by its end, except those a kept heap holds for good (the
       descriptors of its reservations, made only by a run that needs more
       than any before): libFuzzer's leak detection, which runs an input
       again when it allocated more blocks than it freed, stops doing so
       for most inputs.  The next run resets it to its own settings. */
    if (x.t && o->keep && x.ops->reset) {
        hx_target_config park = x.tc;
        park.nlocals = 0;
        park.fail_reserve_nth = park.fail_commit_nth = 0;
        if (x.ops->reset(x.t, &park, NULL, NULL)) {
            o->keep->ops = x.ops;
            o->keep->t = x.t;
        } else {
            x.ops->destroy(x.t);
        }
    } else if (x.t) {
        x.ops->destroy(x.t);
    }
    if (x.m)
        orc_destroy(x.m);
    hx_heapview_free(&x.hv);
    free(x.thandle);
    free(x.thandle_live);
    free(x.stamped);
    free(x.tcalls);
    free(x.pinaddr);
    free(x.taddr);
    return out->status;
}

hx_exec_status hx_exec_run(const hx_program *p, const char *file, const hx_exec_options *o,
                           hx_exec_outcome *out)
{
    return hx_run(p, file, o, out, false);
}

hx_exec_status hx_exec_run_views(const hx_program *p, const char *file,
                                 const hx_exec_options *o, hx_exec_outcome *out)
{
    return hx_run(p, file, o, out, true);
}

void hx_exec_outcome_free(hx_exec_outcome *out)
{
    free(out->fail.views);
    out->fail.views = NULL;
    free(out->final_views);
    out->final_views = NULL;
}
