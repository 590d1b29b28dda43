/* finalize.c -- the queue chain (.fin.chain) and the `finalize` drain
 * (.fin.drain) as a sequence of events.
 *
 * The chain: five sequences in chain order -- the registered entries of
 * gen2, gen1 and gen0, then the critical and the normal f-reachable lists.
 * An entry changes sequence only by the moves of docs/semantics.md
 * (.fin.chain-move): going later in the chain, its place is taken by its
 * sequence's last entry, every non-empty sequence it passes moves its last
 * entry to its front, and it is put at the front of its destination; going
 * earlier, its place is taken by its sequence's first entry, every non-empty
 * sequence it passes moves its first entry to its end, and it is put at the
 * end of its destination.  Registration (.fin.chain-register) rotates each
 * non-empty f-reachable list by one (first entry to the end) and appends to
 * gen0.  The drain takes from the end of a list (.fin.take).
 *
 * The target reports its finalizer calls one by one; the model checks each
 * is legal and follows it.  Entries whose object has the finalizer-run bit
 * set are skipped by the target without a report (.fin.skip): the first
 * such entry of an object (in take order) clears the bit and is dropped.
 * The model applies skips lazily, when a reported call or the end of the
 * drain shows they must have happened.
 *
 * Legal next call (.fin.order): an entry that would run (not a skip) in the
 * current list -- the normal list while it holds any entry that would run,
 * then the critical list.  Strict profile (.fin.take): exactly the first
 * such entry in take order (from the end of the list), so every entry
 * behind it is a skip the target took silently.  clr (.clr.fin-order): any.
 */
#include "model.h"

#include <string.h>

/* ===================== the queue chain ============================== */

orc_fqueue *orc_chain_seq(orc_model *m, int pos)
{
    switch (pos) {
    case 0: case 1: case 2:
        return &m->regq[2 - pos];
    case ORC_CHAIN_CRITICAL:
        return &m->freach[ORC_FQ_CRITICAL];
    default:
        return &m->freach[ORC_FQ_NORMAL];
    }
}

/* Room for `extra` more entries in every sequence, so no move fails. */
bool orc_chain_reserve(orc_model *m, uint32_t extra)
{
    uint32_t total = extra;
    for (int p = 0; p < ORC_CHAIN_NONE; p++)
        total += orc_chain_seq(m, p)->n;
    for (int p = 0; p < ORC_CHAIN_NONE; p++) {
        orc_fqueue *q = orc_chain_seq(m, p);
        if (!orc_grow((void **)&q->v, &q->cap, total, sizeof *q->v))
            return false;
    }
    return true;
}

static void seq_rotate_first_to_end(orc_fqueue *q)
{
    if (q->n < 2)
        return;
    orc_fentry t = q->v[0];
    memmove(&q->v[0], &q->v[1], (size_t)(q->n - 1) * sizeof *q->v);
    q->v[q->n - 1] = t;
}

static void seq_rotate_last_to_front(orc_fqueue *q)
{
    if (q->n < 2)
        return;
    orc_fentry t = q->v[q->n - 1];
    memmove(&q->v[1], &q->v[0], (size_t)(q->n - 1) * sizeof *q->v);
    q->v[0] = t;
}

static void count_entry(orc_model *m, orc_id id, int pos, int delta)
{
    orc_obj *o = &m->objs[id];
    if (pos <= ORC_CHAIN_GEN(0))
        o->fin_entries = (uint32_t)((int)o->fin_entries + delta);
    else if (pos < ORC_CHAIN_NONE)
        o->freach_entries = (uint32_t)((int)o->freach_entries + delta);
}

/* .fin.chain-register (room reserved by the caller). */
bool orc_chain_register(orc_model *m, orc_id id)
{
    if (!orc_chain_reserve(m, 1))
        return false;
    seq_rotate_first_to_end(orc_chain_seq(m, ORC_CHAIN_CRITICAL));
    seq_rotate_first_to_end(orc_chain_seq(m, ORC_CHAIN_NORMAL));
    orc_fqueue *g0 = orc_chain_seq(m, ORC_CHAIN_GEN(0));
    g0->v[g0->n].id = id;
    g0->v[g0->n].gc = m->nlog;
    g0->n++;
    count_entry(m, id, ORC_CHAIN_GEN(0), +1);
    return true;
}

/* .fin.chain-move: entry i of sequence `from` goes to `to` (room reserved
   by orc_chain_reserve). */
void orc_chain_move(orc_model *m, int from, uint32_t i, int to)
{
    orc_fqueue *src = orc_chain_seq(m, from);
    orc_fentry e = src->v[i];
    e.gc = m->nlog;
    count_entry(m, e.id, from, -1);
    if (to > from) {
        src->v[i] = src->v[src->n - 1];
        src->n--;
        for (int p = from + 1; p < to && p < ORC_CHAIN_NONE; p++)
            seq_rotate_last_to_front(orc_chain_seq(m, p));
        if (to == ORC_CHAIN_NONE)
            return;
        orc_fqueue *dst = orc_chain_seq(m, to);
        memmove(&dst->v[1], &dst->v[0], (size_t)dst->n * sizeof *dst->v);
        dst->v[0] = e;
        dst->n++;
    } else {
        src->v[i] = src->v[0];
        memmove(&src->v[0], &src->v[1], (size_t)(src->n - 1) * sizeof *src->v);
        src->n--;
        for (int p = from - 1; p > to; p--)
            seq_rotate_first_to_end(orc_chain_seq(m, p));
        orc_fqueue *dst = orc_chain_seq(m, to);
        dst->v[dst->n++] = e;
    }
    count_entry(m, e.id, to, +1);
}

/* Scratch marks on a const model: the model is always heap-allocated and
   mutable, the marks are not part of its observable state. */
static orc_model *scratch(const orc_model *m) { return (orc_model *)m; }

/* Marks one entry as visited for its object; returns true if the entry is
   a skip (the object's bit is set and this is its first entry seen). */
static bool visit_is_skip(orc_model *m, orc_id id)
{
    orc_obj *o = &m->objs[id];
    bool first = o->mark != m->epoch;
    o->mark = m->epoch;
    return o->bit && first;
}

static bool list_has_runnable(const orc_model *m, orc_fq_list l)
{
    orc_model *w = scratch(m);
    orc_next_epoch(w);
    const orc_fqueue *q = &m->freach[l];
    for (uint32_t i = q->n; i-- > 0;)              /* take order (.fin.take) */
        if (!visit_is_skip(w, q->v[i].id))
            return true;
    return false;
}

static orc_fq_list current_list(const orc_model *m)
{
    return list_has_runnable(m, ORC_FQ_NORMAL) ? ORC_FQ_NORMAL : ORC_FQ_CRITICAL;
}

/* Removes entry i of list l (keeps order). */
static void fq_remove(orc_model *m, orc_fq_list l, uint32_t i)
{
    orc_fqueue *q = &m->freach[l];
    m->objs[q->v[i].id].freach_entries--;
    memmove(&q->v[i], &q->v[i + 1], (size_t)(q->n - i - 1) * sizeof *q->v);
    q->n--;
}

orc_id orc_finalize_next(const orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_NULL;
    orc_fq_list l = current_list(m);
    orc_model *w = scratch(m);
    orc_next_epoch(w);
    const orc_fqueue *q = &m->freach[l];
    for (uint32_t i = q->n; i-- > 0;)              /* take order (.fin.take) */
        if (!visit_is_skip(w, q->v[i].id))
            return q->v[i].id;
    return ORC_NULL;
}

orc_status orc_finalize_begin(orc_model *m, uint32_t tid)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (m->step.open || m->drain.open)
        return orc_fail(m, ORC_E_STATE, "finalize inside an allocation step or a drain");
    memset(&m->drain, 0, sizeof m->drain);
    m->drain.open = true;
    m->drain.tid = tid;
    m->drain.calling = ORC_NULL;
    m->drain.need_alloc = ORC_NO_TYPE;
    return ORC_OK;
}

/* Takes every entry of list l in order without calling anything: an
   entry whose object has the bit set is a skip and clears it (.fin.skip). */
static void consume_skips(orc_model *m, orc_fq_list l)
{
    orc_fqueue *q = &m->freach[l];
    while (q->n > 0) {
        m->objs[q->v[0].id].bit = false;
        fq_remove(m, l, 0);
    }
}

orc_status orc_finalize_call_begin(orc_model *m, orc_id obj, orc_fin_call *out)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (!m->drain.open || m->drain.calling != ORC_NULL || m->step.open)
        return orc_fail(m, ORC_E_STATE, "finalizer call outside a drain or inside another call");
    orc_obj *x = orc_obj_at(m, obj);
    if (!x || !x->alive)
        return orc_fail(m, ORC_E_ILLEGAL, "finalizer call on #%u, which is %s", obj,
                        x ? "reclaimed" : "unknown");
    orc_fq_list l = current_list(m);
    orc_fqueue *q = &m->freach[l];

    /* Find X's first entry that would run, and the first runnable entry,
       in take order (.fin.take). */
    orc_next_epoch(m);
    uint32_t p = q->n, first = q->n;
    for (uint32_t i = q->n; i-- > 0;) {
        if (visit_is_skip(m, q->v[i].id))
            continue;
        if (first == q->n)
            first = i;
        if (q->v[i].id == obj) {
            p = i;
            break;
        }
    }
    if (p == q->n) {
        if (l == ORC_FQ_NORMAL && list_has_runnable(m, ORC_FQ_CRITICAL) && x->freach_entries > 0)
            return orc_fail(m, ORC_E_ILLEGAL,
                            "critical finalizer of #%u called while normal ones are pending", obj);
        return orc_fail(m, ORC_E_ILLEGAL, "finalizer call on #%u (%s), which has no pending "
                        "entry that runs (%u f-reachable entries, bit %s)", obj,
                        m->types[x->type].name, x->freach_entries, x->bit ? "set" : "clear");
    }
    orc_status legal = ORC_OK;
    const bool strict = m->cfg.profile == ORC_PROFILE_STRICT;
    if (strict && p != first)
        legal = orc_fail(m, ORC_E_ILLEGAL, "finalizer call on #%u while #%u comes first in the "
                         "%s f-reachable list (.fin.take)", obj, q->v[first].id,
                         l == ORC_FQ_CRITICAL ? "critical" : "normal");

    /* Apply: the normal list is exhausted before critical calls; X's own
       skip was taken, and in strict every skip ahead of X. */
    if (l == ORC_FQ_CRITICAL)
        consume_skips(m, ORC_FQ_NORMAL);
    orc_next_epoch(m);
    for (uint32_t i = q->n; i-- > 0;) {        /* take order; removing i keeps 0..i-1 */
        orc_fentry e = q->v[i];
        bool skip = visit_is_skip(m, e.id);
        if (!skip && e.id == obj) {
            fq_remove(m, l, i);                /* the entry leaves before the call */
            break;
        }
        if (skip && (e.id == obj || strict)) {
            m->objs[e.id].bit = false;         /* .fin.skip */
            fq_remove(m, l, i);
        }
    }

    /* The call (.fin.call): `this` is a root until call_end. */
    const orc_type_desc *d = &m->types[x->type].d;
    x->calls++;
    m->total_calls++;
    m->drain.calling = obj;
    m->drain.need_alloc = ORC_NO_TYPE;
    m->drain.alloc_done = false;
    orc_status s = ORC_OK;
    switch (d->fin) {
    case ORC_FIN_RESURRECT:                    /* .fin.resurrect */
        m->statics[d->fin_static] = obj;
        break;
    case ORC_FIN_REREGISTER:                   /* .fin.rereg-self */
        s = orc_reregister_id(m, obj);
        break;
    case ORC_FIN_RESURRECT_REREGISTER:
        m->statics[d->fin_static] = obj;
        s = orc_reregister_id(m, obj);
        break;
    case ORC_FIN_ALLOC:                        /* .dec.alloc-finalizer */
        m->drain.need_alloc = d->fin_alloc;
        break;
    case ORC_FIN_COUNT:
    case ORC_FIN_NONE:
        break;
    }
    if (out) {
        memset(out, 0, sizeof *out);
        out->obj = obj;
        out->type = x->type;
        out->behaviour = d->fin;
        out->fin_static = d->fin_static;
        out->alloc_type = d->fin == ORC_FIN_ALLOC ? d->fin_alloc : ORC_NO_TYPE;
        out->critical = d->critical;
        out->calls = x->calls;
    }
    return s != ORC_OK ? s : legal;
}

orc_status orc_finalize_call_end(orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (!m->drain.open || m->drain.calling == ORC_NULL || m->step.open)
        return orc_fail(m, ORC_E_STATE, "finalizer call end without a call");
    if (m->drain.need_alloc != ORC_NO_TYPE && !m->drain.alloc_done)
        return orc_fail(m, ORC_E_STATE, "alloc:T finalizer of #%u ended without its allocation",
                        m->drain.calling);
    m->drain.calling = ORC_NULL;
    m->drain.need_alloc = ORC_NO_TYPE;
    m->drain.alloc_done = false;
    return ORC_OK;
}

orc_status orc_finalize_end(orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (!m->drain.open || m->drain.calling != ORC_NULL || m->step.open)
        return orc_fail(m, ORC_E_STATE, "finalize end inside a call or without a drain");
    orc_status legal = ORC_OK;
    uint32_t missing = 0;
    for (int l = 0; l < 2; l++) {
        orc_fqueue *q = &m->freach[l];
        orc_next_epoch(m);
        for (uint32_t i = q->n; i-- > 0;) {
            orc_id id = q->v[i].id;
            if (visit_is_skip(m, id))
                continue;
            if (missing++ == 0)
                legal = orc_fail(m, ORC_E_ILLEGAL, "finalize ended with the call on #%u (%s) "
                                 "missing", id, m->types[m->objs[id].type].name);
        }
        /* .fin.drain: the queue is empty afterwards; bits of skipped
           entries are cleared. */
        consume_skips(m, (orc_fq_list)l);
    }
    m->drain.open = false;
    return legal;
}

orc_status orc_finalize_kept(orc_model *m, orc_id obj)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (!m->drain.open || m->drain.calling != ORC_NULL || m->step.open)
        return orc_fail(m, ORC_E_STATE, "kept object outside a drain or inside a call");
    orc_obj *x = orc_obj_at(m, obj);
    if (!x || !x->alive || x->freach_entries == 0)
        return orc_fail(m, ORC_E_ARG, "kept object #%u has no f-reachable entry", obj);
    if (!orc_chain_reserve(m, 0))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    /* .fin.chain-move, going earlier: one entry at a time (a move shifts
       the list) */
    while (x->freach_entries > 0) {
        bool moved = false;
        for (int l = 0; l < 2 && !moved; l++) {
            const orc_fqueue *q = &m->freach[l];
            for (uint32_t i = 0; i < q->n; i++) {
                if (q->v[i].id != obj)
                    continue;
                orc_chain_move(m, l == ORC_FQ_CRITICAL ? ORC_CHAIN_CRITICAL : ORC_CHAIN_NORMAL, i,
                               ORC_CHAIN_GEN(x->gen));
                moved = true;
                break;
            }
        }
        if (!moved)
            return orc_fail(m, ORC_E_STATE, "#%u: f-reachable count without an entry", obj);
    }
    return ORC_OK;
}

orc_status orc_finalize_async_begin(orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (m->cfg.profile != ORC_PROFILE_CLR)
        return orc_fail(m, ORC_E_ILLEGAL, "a finalizer ran outside `finalize` (.fin.sync: "
                        "strict finalizers run only in the drain)");
    return orc_finalize_begin(m, 0);
}

orc_status orc_finalize_async_end(orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (!m->drain.open || m->drain.calling != ORC_NULL || m->step.open)
        return orc_fail(m, ORC_E_STATE, "async finalizer calls end inside a call or without them");
    m->drain.open = false;                     /* the rest waits for later calls */
    return ORC_OK;
}

orc_status orc_finalize(orc_model *m, uint32_t tid)
{
    orc_status s = orc_finalize_begin(m, tid);
    if (s != ORC_OK)
        return s;
    orc_id x;
    while ((x = orc_finalize_next(m)) != ORC_NULL) {
        orc_fin_call call;
        if ((s = orc_finalize_call_begin(m, x, &call)) != ORC_OK)
            return s;
        if (call.alloc_type != ORC_NO_TYPE &&
            (s = orc_alloc(m, ORC_LOCAL_NONE, call.alloc_type, 0, NULL)) != ORC_OK)
            return s;
        if ((s = orc_finalize_call_end(m)) != ORC_OK)
            return s;
    }
    return orc_finalize_end(m);
}
