/* collect.c -- one collection of generation N, computed from the rules.
 *
 * The phases follow docs/semantics.md (.gc.order) one by one:
 *   1. mark from the roots (.root.*), older generations live (.root.older)
 *   2. clear short weak handles (.weak.short)
 *   3. finalization scan (.fin.scan)
 *   4. mark from the f-reachable entries (.fin.resurrect-mark)
 *   5. clear long weak handles (.weak.long)
 *   6. reclaim (.gc.reclaim)
 *   7. promote (.gc.promote), counters (.gc.count), budgets (.dec.*)
 * Marking is a plain depth-first search with an explicit stack: every live
 * object and reference is visited at most once per phase, so a collection
 * costs O(objects + references).
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

/* .gc.condemned: gens 0..N; large objects only when N = 2. */
bool orc_condemned(const orc_obj *o, int gen)
{
    if (!o->alive)
        return false;
    return o->large ? gen == 2 : o->gen <= gen;
}

void orc_live_gen_set(orc_model *m, orc_id id)
{
    uint32_t lo = 0, hi = m->nlive;         /* the live list is increasing */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->live[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->nlive && m->live[lo] == id)
        m->live_gen[lo] = orc_live_gen(&m->objs[id]);
}

typedef struct mark_stack {
    orc_id *v;
    uint32_t n, cap;
    bool oom;
    int gen;                  /* the collection's generation */
} mark_stack;

/* A fresh mark epoch: nothing is marked afterwards. */
void orc_next_epoch(orc_model *m)
{
    m->epoch++;
    if (m->epoch == 0) {               /* wrapped: reset every mark */
        for (uint32_t i = 1; i <= m->nobjs; i++)
            m->objs[i].mark = 0;
        m->epoch = 1;
    }
}

static bool marked(const orc_model *m, orc_id id)
{
    return m->objs[id].mark == m->epoch;
}

/* Marking follows condemned objects only: an object of an older
   generation is live whatever reaches it, and its references into the
   condemned generations are roots that mark_roots pushes (.root.older),
   so following it again would add nothing to the condemned objects
   marked.  Only condemned objects' marks are read afterwards. */
static void mark_push(orc_model *m, mark_stack *st, orc_id id)
{
    if (id == ORC_NULL || marked(m, id) || !orc_condemned(&m->objs[id], st->gen))
        return;
    m->objs[id].mark = m->epoch;
    if (st->n == st->cap && !orc_grow((void **)&st->v, &st->cap, st->n + 1, sizeof *st->v)) {
        st->oom = true;
        return;
    }
    st->v[st->n++] = id;
}

/* Transitive closure of what is on the stack. */
static void mark_drain(orc_model *m, mark_stack *st)
{
    while (st->n > 0 && !st->oom) {
        orc_obj *o = &m->objs[st->v[--st->n]];
        for (uint64_t i = 0; i < o->nslots; i++)
            mark_push(m, st, o->slots[i]);
    }
}

/* Phase 1 roots (.root.locals, .root.statics, .root.handles,
   .root.freachable, .root.finalizing, .root.older). */
static void mark_roots(orc_model *m, mark_stack *st, int gen)
{
    for (uint32_t i = 0; i < m->nlocals; i++)
        if (m->locals[i].state == ORC_LOCAL_BOUND)
            mark_push(m, st, m->locals[i].id);
    for (uint32_t i = 0; i < ORC_STATICS; i++)
        mark_push(m, st, m->statics[i]);
    for (uint32_t i = 0; i < m->nhandles; i++) {
        const orc_handle *h = &m->handles[i];
        if (h->live && (h->kind == ORC_HANDLE_STRONG || h->kind == ORC_HANDLE_PINNED))
            mark_push(m, st, h->target);
    }
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; i < m->freach[l].n; i++)
            mark_push(m, st, m->freach[l].v[i].id);
    mark_push(m, st, m->drain.calling);
    if (gen == 2)
        return;
    /* .root.older: only objects that may name a younger one can name a
       condemned one (.orc.rem); every live object when the list is not
       known to be complete */
    const orc_id *v = m->rem_all ? m->live : m->rem;
    uint32_t n = m->rem_all ? m->nlive : m->nrem;
    for (uint32_t i = 0; i < n; i++) {
        const orc_obj *o = &m->objs[v[i]];
        if (!orc_condemned(o, gen))
            for (uint64_t k = 0; k < o->nslots; k++)
                mark_push(m, st, o->slots[k]);
    }
}

/* .orc.rem: a young collection (gen 0 or 1) condemns `t` but not `o`
   exactly when t is small and alive and t's generation is below o's
   (a large object counts as gen 2: only gen 2 collections condemn it). */
bool orc_names_younger(const orc_obj *o, const orc_obj *t)
{
    int og = o->large ? 2 : o->gen;
    return t->alive && !t->large && t->gen < og;
}

orc_id orc_younger_referent(const orc_model *m, const orc_obj *o)
{
    for (uint64_t k = 0; k < o->nslots; k++)
        if (o->slots[k] != ORC_NULL && orc_names_younger(o, &m->objs[o->slots[k]]))
            return o->slots[k];
    return ORC_NULL;
}

static bool names_younger_any(const orc_model *m, const orc_obj *o)
{
    return orc_younger_referent(m, o) != ORC_NULL;
}

void orc_rem_add(orc_model *m, orc_id id)
{
    if (m->rem_all)
        return;
    if (!orc_grow((void **)&m->rem, &m->rem_cap, m->nrem + 1, sizeof *m->rem)) {
        m->rem_all = true;       /* no room: scan everything until the next rebuild */
        return;
    }
    m->rem[m->nrem++] = id;
    m->objs[id].in_rem = true;
}

/* After a collection (whose survivors joined the list in the reclaim
   pass when they name a younger object): the members that no longer name
   a younger object leave.  Objects outside the collection kept their
   generation and their referents only grew older, so none of them can
   have come to name a younger object.  With the list incomplete
   (rem_all) it is made anew from every live object. */
static void rem_rebuild(orc_model *m)
{
    if (m->rem_all) {
        for (uint32_t i = 0; i < m->nrem; i++)
            m->objs[m->rem[i]].in_rem = false;
        m->nrem = 0;
        m->rem_all = false;
        for (uint32_t i = 0; i < m->nlive; i++)
            if (names_younger_any(m, &m->objs[m->live[i]]))
                orc_rem_add(m, m->live[i]);
        return;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nrem; i++) {
        orc_obj *o = &m->objs[m->rem[i]];
        if (o->alive && names_younger_any(m, o))
            m->rem[n++] = m->rem[i];
        else
            o->in_rem = false;
    }
    m->nrem = n;
}

static void clear_weak(orc_model *m, orc_handle_kind kind, int gen, orc_gc_record *rec)
{
    for (uint32_t i = 0; i < m->nhandles; i++) {
        orc_handle *h = &m->handles[i];
        if (!h->live || h->kind != kind || h->target == ORC_NULL)
            continue;
        const orc_obj *t = &m->objs[h->target];
        if (orc_condemned(t, gen) && !marked(m, h->target)) {
            h->target = ORC_NULL;
            rec->weak_cleared++;
        }
    }
}

/* .fin.follow: for generations N down to 0, each generation sequence from
   first to last: an entry whose object is now in another generation moves
   to that generation's sequence (.fin.chain-move).  The entry taking the
   moved one's place has not been looked at yet when it came from the end
   (a younger destination), and was already looked at when it came from the
   front, which the removal of the front entry shifted away. */
static void finq_follow(orc_model *m, int gen)
{
    for (int g = gen; g >= 0; g--) {
        orc_fqueue *q = &m->regq[g];
        uint32_t i = 0;
        while (i < q->n) {
            int ng = m->objs[q->v[i].id].gen;
            if (ng == g)
                i++;
            else
                orc_chain_move(m, ORC_CHAIN_GEN(g), i, ORC_CHAIN_GEN(ng));
        }
    }
}

orc_status orc_collect_apply(orc_model *m, const orc_gc_request *rq)
{
    const int gen = rq->gen;
    orc_gc_record rec;
    memset(&rec, 0, sizeof rec);
    if (m->nlog + 1 > UINT32_MAX ||
        !orc_grow((void **)&m->log, &m->log_cap, (uint32_t)m->nlog + 1, sizeof *m->log))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    rec.index = m->nlog + 1;
    rec.gen = gen;
    rec.reason = rq->reason;
    rec.compact_loh = rq->compact_loh;
    rec.promoted = !rq->no_promotion;
    rec.in_finalizer = m->drain.calling != ORC_NULL;

    /* .handle.pin-count: pinned handles whose target is condemned (two
       handles to one object count twice). */
    for (uint32_t i = 0; i < m->nhandles; i++) {
        const orc_handle *h = &m->handles[i];
        if (!h->live || h->kind != ORC_HANDLE_PINNED || h->target == ORC_NULL)
            continue;
        orc_obj *t = &m->objs[h->target];
        if (orc_condemned(t, gen)) {
            t->pinned_gc = rec.index;
            rec.pinned_count++;
        }
    }

    /* Phase 1: M = reachable from the roots. */
    /* the stack's memory is kept from one collection to the next */
    mark_stack st = { m->mstack, 0, m->mstack_cap, false, gen };
    orc_next_epoch(m);
    mark_roots(m, &st, gen);
    mark_drain(m, &st);

    /* Phase 2: short weak handles (.weak.short). */
    clear_weak(m, ORC_HANDLE_WEAK, gen, &rec);

    /* Phase 3: finalization scan (.fin.scan): the generation sequences of
       gens N..0 in chain order, each from its last entry to its first.  A
       set bit drops one entry and clears the bit (.fin.scan-bit); the
       object's next entry, if any, then moves (.fin.reregister-dup).  Every
       move follows .fin.chain-move; the entry taking a moved one's place
       came from the end and was looked at already. */
    if (!orc_chain_reserve(m, 0))
        return orc_fail(m, ORC_E_STATE, "model out of memory during a collection");
    for (int g = gen; g >= 0; g--) {
        orc_fqueue *q = &m->regq[g];
        for (uint32_t i = q->n; i-- > 0;) {
            orc_id id = q->v[i].id;
            orc_obj *o = &m->objs[id];
            if (!orc_condemned(o, gen) || marked(m, id))
                continue;
            if (o->bit) {
                o->bit = false;
                rec.entries_dropped++;
                orc_chain_move(m, ORC_CHAIN_GEN(g), i, ORC_CHAIN_NONE);
            } else {
                orc_chain_move(m, ORC_CHAIN_GEN(g), i, m->types[o->type].d.critical
                                                           ? ORC_CHAIN_CRITICAL : ORC_CHAIN_NORMAL);
                rec.new_freachable++;
            }
        }
    }

    /* Phase 4: resurrection marking from every f-reachable entry (M'). */
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; i < m->freach[l].n; i++)
            mark_push(m, &st, m->freach[l].v[i].id);
    mark_drain(m, &st);
    m->mstack = st.v;
    m->mstack_cap = st.cap;
    if (st.oom)
        return orc_fail(m, ORC_E_STATE, "model out of memory during a collection");

    /* Phase 5: long weak handles (.weak.long). */
    clear_weak(m, ORC_HANDLE_WEAK_LONG, gen, &rec);

    /* Phases 6-7: reclaim (.gc.reclaim) and promote (.gc.promote); the
       live id list keeps the survivors, in increasing order.  An object
       of the list is condemned exactly when its recorded generation
       (live_gen: 2 when large) is at most gen, so the objects a young
       collection leaves alone are passed without reading their records. */
    uint32_t nlive = 0;
    for (uint32_t i = 0; i < m->nlive; i++) {
        orc_id id = m->live[i];
        uint8_t lg = m->live_gen[i];
        if (lg > gen) {
            m->live_gen[nlive] = lg;
            m->live[nlive++] = id;
            continue;
        }
        orc_obj *o = &m->objs[id];
        if (!marked(m, id)) {
            o->alive = false;
            o->reclaimed_gc = rec.index;
            free(o->slots);
            o->slots = NULL;
            o->nslots = 0;
            rec.reclaimed++;
            continue;
        }
        m->live[nlive++] = id;
        rec.survivors++;
        o->survived_gc = rec.index;
        o->gen_before = o->gen;
        if (o->large || !rec.promoted) {           /* .obj.loh-gen, .clr.no-promotion */
        } else if (o->pinned_gc == rec.index) {    /* .gc.pin-keep-gen */
        } else if (o->gen == 0) {
            rec.promoted1_bytes += o->aligned;
            o->gen = 1;
        } else if (o->gen == 1) {
            rec.promoted2_bytes += o->aligned;
            o->gen = 2;
        }
        m->live_gen[nlive - 1] = orc_live_gen(o);
        /* .orc.rem: its referents later in the list still have their old
           generation (no older than the new one) and may still be alive,
           so this errs on the side of remembering */
        if (!o->in_rem && names_younger_any(m, o))
            orc_rem_add(m, id);
    }
    m->nlive = nlive;
    rem_rebuild(m);
    finq_follow(m, gen);

    /* .gc.count: a gen N collection counts for every g <= N. */
    for (int g = 0; g <= gen; g++)
        m->collections[g]++;
    /* .dec.promo-acc, .dec.gen0-reset, .dec.loh-reset */
    m->budget.promoted1 = gen >= 1 ? 0 : m->budget.promoted1 + rec.promoted1_bytes;
    m->budget.promoted2 = gen == 2 ? 0 : m->budget.promoted2 + rec.promoted2_bytes;
    m->budget.gen0_allocated = 0;
    if (gen == 2)
        m->budget.loh_allocated = 0;

    m->log[m->nlog++] = rec;
    return ORC_OK;
}
