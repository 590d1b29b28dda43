/* query.c -- what the harness compares against, root paths, orc_check.
 *
 * Sections: objects; roots; counters and collections; clr demotion; root
 * paths; model invariants (.orc.invariants).
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- objects ----------------------------------------------------------- */

/* Whether a live pinned handle names id, by scanning every handle: the
   definition, which orc_check compares with the per-object count that
   orc_obj_get reads in O(1) (.orc.pin-index: a pinned handle is a strong
   root, so its target never dies and it is never cleared; only
   orc_handle_alloc and orc_handle_free change the count). */
static bool obj_pinned_now(const orc_model *m, orc_id id)
{
    for (uint32_t i = 0; i < m->nhandles; i++)
        if (m->handles[i].live && m->handles[i].kind == ORC_HANDLE_PINNED &&
            m->handles[i].target == id)
            return true;
    return false;
}

orc_status orc_obj_get(const orc_model *m, orc_id id, orc_obj_info *out)
{
    /* the comparison asks twice per object per complete check: the
       model's checks inline, one assignment of the whole record */
    if (!m || m->sig != ORC_MODEL_SIG || !out)
        return ORC_E_ARG;
    if (id == ORC_NULL || id > m->nobjs)
        return orc_fail(m, ORC_E_ARG, "no object #%u", id);
    const orc_obj *o = &m->objs[id];
    *out = (orc_obj_info){
        .id = id,
        .type = o->type,
        .length = o->length,
        .size = o->size,
        .aligned = o->aligned,
        .nslots = (uint32_t)(o->alive ? (o->nslots > UINT32_MAX ? UINT32_MAX : o->nslots) : 0),
        .gen = o->gen,
        .large = o->large,
        .alive = o->alive,
        .finalizer_run = o->bit,
        .fin_entries = o->fin_entries,
        .freachable_entries = o->freach_entries,
        .fin_calls = o->calls,
        .pinned = o->alive && o->pins > 0,
        .birth_thread = o->birth_thread,
        .birth_gc = o->birth_gc,
        .reclaimed_gc = o->reclaimed_gc,
    };
    return ORC_OK;
}

orc_id orc_obj_slot(const orc_model *m, orc_id id, uint64_t i)
{
    const orc_obj *o = orc_obj_at(m, id);
    if (!o || !o->alive || i >= o->nslots)
        return ORC_NULL;
    return o->slots[i];
}

orc_id orc_live_next(const orc_model *m, orc_id after)
{
    uint32_t lo = 0, hi = m->nlive;         /* first live id > after */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->live[mid] <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nlive ? m->live[lo] : ORC_NULL;
}

uint32_t orc_live_count(const orc_model *m) { return m->nlive; }

const orc_id *orc_live_ids(const orc_model *m, uint32_t *n)
{
    *n = m->nlive;
    return m->live;
}

const orc_id *orc_obj_slots(const orc_model *m, orc_id id, uint64_t *n)
{
    const orc_obj *o = orc_obj_at(m, id);
    if (!o || !o->alive || !o->nslots) {
        *n = 0;
        return NULL;
    }
    *n = o->nslots;
    return o->slots;
}

uint64_t orc_live_bytes(const orc_model *m, int gen, bool large)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < m->nlive; i++) {
        const orc_obj *o = &m->objs[m->live[i]];
        if (o->large == large && o->gen == gen)
            sum += o->aligned;
    }
    return sum;
}

orc_id orc_last_id(const orc_model *m) { return m->nobjs; }

/* ---- roots ------------------------------------------------------------- */

orc_local_state orc_local_get(const orc_model *m, uint32_t local, orc_id *id)
{
    orc_local_state st = ORC_LOCAL_UNBOUND;
    orc_id v = ORC_NULL;
    if (local < m->nlocals) {
        st = m->locals[local].state;
        if (st != ORC_LOCAL_UNBOUND)
            v = m->locals[local].id;
    }
    if (id)
        *id = v;
    return st;
}

uint32_t orc_local_limit(const orc_model *m) { return m->nlocals; }

orc_id orc_static_value(const orc_model *m, uint32_t stat)
{
    return stat < ORC_STATICS ? m->statics[stat] : ORC_NULL;
}

void orc_statics_get(const orc_model *m, orc_id out[ORC_STATICS])
{
    memcpy(out, m->statics, sizeof m->statics);
}

orc_status orc_handle_get(const orc_model *m, uint32_t handle, orc_handle_info *out)
{
    if (!orc_model_check_sig(m) || !out)
        return ORC_E_ARG;
    memset(out, 0, sizeof *out);
    if (handle >= m->nhindex || m->hindex[handle] == 0)
        return ORC_OK;
    const orc_handle *h = &m->handles[m->hindex[handle] - 1];
    out->bound = true;
    out->freed = !h->live;
    out->kind = h->kind;
    out->target = h->live ? h->target : ORC_NULL;
    return ORC_OK;
}

uint32_t orc_handle_limit(const orc_model *m) { return m->nhindex; }

uint32_t orc_handle_all_count(const orc_model *m) { return m->nhandles; }

orc_status orc_handle_all_get(const orc_model *m, uint32_t i, orc_handle_info *out,
                              uint32_t *index)
{
    if (!orc_model_check_sig(m) || !out)
        return ORC_E_ARG;
    if (i >= m->nhandles)
        return orc_fail(m, ORC_E_ARG, "no handle record %u", i);
    const orc_handle *h = &m->handles[i];
    out->bound = true;
    out->freed = !h->live;
    out->kind = h->kind;
    out->target = h->live ? h->target : ORC_NULL;
    if (index)
        *index = h->name;
    return ORC_OK;
}

uint32_t orc_freachable_count(const orc_model *m, orc_fq_list list)
{
    return list <= ORC_FQ_CRITICAL ? m->freach[list].n : 0;
}

orc_id orc_freachable_get(const orc_model *m, orc_fq_list list, uint32_t i)
{
    if (list > ORC_FQ_CRITICAL || i >= m->freach[list].n)
        return ORC_NULL;
    return m->freach[list].v[i].id;
}

uint32_t orc_finq_count(const orc_model *m)
{
    return m->regq[0].n + m->regq[1].n + m->regq[2].n;
}

uint32_t orc_finq_partition_count(const orc_model *m, int gen)
{
    return gen >= 0 && gen < ORC_GENS ? m->regq[gen].n : 0;
}

orc_id orc_finq_partition_get(const orc_model *m, int gen, uint32_t i)
{
    if (gen < 0 || gen >= ORC_GENS || i >= m->regq[gen].n)
        return ORC_NULL;
    return m->regq[gen].v[i].id;
}
bool orc_in_finalize(const orc_model *m) { return m->drain.open; }
orc_id orc_finalizing(const orc_model *m) { return m->drain.calling; }

/* ---- counters and collections --------------------------------------------- */

uint64_t orc_collection_count(const orc_model *m, int gen)
{
    return gen >= 0 && gen < ORC_GENS ? m->collections[gen] : 0;
}

uint64_t orc_gc_total(const orc_model *m) { return m->nlog; }
uint64_t orc_finalizer_calls(const orc_model *m) { return m->total_calls; }

orc_status orc_gc_log_get(const orc_model *m, uint64_t index, orc_gc_record *out)
{
    if (!orc_model_check_sig(m) || !out)
        return ORC_E_ARG;
    if (index == 0 || index > m->nlog)
        return orc_fail(m, ORC_E_ARG, "no collection number %llu", (unsigned long long)index);
    *out = m->log[index - 1];
    return ORC_OK;
}

bool orc_last_gc(const orc_model *m, orc_gc_record *out)
{
    if (m->nlog == 0)
        return false;
    if (out)
        *out = m->log[m->nlog - 1];
    return true;
}

uint32_t orc_pinned_count(const orc_model *m)
{
    return m->nlog ? m->log[m->nlog - 1].pinned_count : 0;
}

void orc_budget_get(const orc_model *m, orc_budget_state *out)
{
    *out = m->budget;
}

/* ---- clr demotion (.clr.demote) ----------------------------------------- */

/* A demoted object's registrations follow it to its generation's sequence
   (.fin.chain-move), as the collection's own follow (.fin.follow) would
   have moved them had the object been given that generation there. */
static orc_status demote_entries(orc_model *m, orc_id id, int from, int to)
{
    if (!orc_chain_reserve(m, 0))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    orc_fqueue *q = &m->regq[from];
    uint32_t i = 0;
    while (i < q->n) {
        if (q->v[i].id == id)
            orc_chain_move(m, ORC_CHAIN_GEN(from), i, ORC_CHAIN_GEN(to));
        else
            i++;
    }
    return ORC_OK;
}

orc_status orc_obj_demote(orc_model *m, orc_id id, int gen)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    orc_obj *o = orc_obj_at(m, id);
    if (!o || !o->alive)
        return orc_fail(m, ORC_E_ARG, "demote: no live object #%u", id);
    if (m->cfg.profile != ORC_PROFILE_CLR)
        return orc_fail(m, ORC_E_ILLEGAL, "#%u reported in gen %d, model says gen %d "
                        "(demotion is clr-only)", id, gen, o->gen);
    if (o->large || m->nlog == 0 || o->pinned_gc != m->nlog || o->survived_gc != m->nlog)
        return orc_fail(m, ORC_E_ILLEGAL, "#%u demoted to gen %d but was not a pinned "
                        "survivor of the last collection", id, gen);
    if (gen < 0 || gen >= o->gen)
        return orc_fail(m, ORC_E_ILLEGAL, "#%u demoted to gen %d, not younger than gen %d",
                        id, gen, o->gen);
    int from = o->gen;
    o->gen = gen;
    orc_live_gen_set(m, id);
    m->rem_all = true;           /* .orc.rem: who names it is not known */
    return demote_entries(m, id, from, gen);
}

orc_status orc_obj_demote_mate(orc_model *m, orc_id id, int gen, orc_id mate)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    orc_obj *o = orc_obj_at(m, id), *p = orc_obj_at(m, mate);
    if (!o || !o->alive || !p || !p->alive)
        return orc_fail(m, ORC_E_ARG, "demote: no live object #%u or #%u", id, mate);
    if (m->cfg.profile != ORC_PROFILE_CLR)
        return orc_fail(m, ORC_E_ILLEGAL, "#%u reported in gen %d, model says gen %d "
                        "(demotion is clr-only)", id, gen, o->gen);
    if (m->nlog == 0 || o->large || o->survived_gc != m->nlog)
        return orc_fail(m, ORC_E_ILLEGAL, "#%u demoted to gen %d but did not survive the last "
                        "collection", id, gen);
    if (p->large || p->pinned_gc != m->nlog || p->survived_gc != m->nlog)
        return orc_fail(m, ORC_E_ILLEGAL, "#%u demoted to gen %d next to #%u, which was not a "
                        "pinned survivor of the last collection", id, gen, mate);
    /* it keeps its generation, or goes with its pinned neighbour to that
       one's (younger) generation: CoreCLR demotes a pinned plug whole */
    if (gen >= o->gen || (gen < o->gen_before && gen != p->gen))
        return orc_fail(m, ORC_E_ILLEGAL, "#%u demoted to gen %d: not between its gen %d "
                        "before the collection and gen %d, nor the pinned #%u's gen %d",
                        id, gen, o->gen_before, o->gen, mate, p->gen);
    int from = o->gen;
    o->gen = gen;
    orc_live_gen_set(m, id);
    m->rem_all = true;           /* .orc.rem: who names it is not known */
    return demote_entries(m, id, from, gen);
}

/* ---- root paths ----------------------------------------------------------- */

typedef struct bfs_root {
    orc_root_kind kind;
    uint32_t index;
    orc_fq_list list;
    orc_id id;
} bfs_root;

/* Roots in report order (.orc.root-path): locals, statics, strong and
   pinned handles, f-reachable entries, the running finalizer's object. */
static uint32_t collect_roots(const orc_model *m, bfs_root **out)
{
    uint32_t n = 0, cap = 0;
    bfs_root *v = NULL;
#define ADD(K, I, L, ID) do { \
        if ((ID) != ORC_NULL && orc_grow((void **)&v, &cap, n + 1, sizeof *v)) { \
            v[n].kind = (K); v[n].index = (I); v[n].list = (L); v[n].id = (ID); n++; } \
    } while (0)
    for (uint32_t i = 0; i < m->nlocals; i++)
        if (m->locals[i].state == ORC_LOCAL_BOUND)
            ADD(ORC_ROOT_LOCAL, i, ORC_FQ_NORMAL, m->locals[i].id);
    for (uint32_t i = 0; i < ORC_STATICS; i++)
        ADD(ORC_ROOT_STATIC, i, ORC_FQ_NORMAL, m->statics[i]);
    for (uint32_t i = 0; i < m->nhandles; i++) {
        const orc_handle *h = &m->handles[i];
        if (h->live && (h->kind == ORC_HANDLE_STRONG || h->kind == ORC_HANDLE_PINNED))
            ADD(ORC_ROOT_HANDLE, h->name, ORC_FQ_NORMAL, h->target);
    }
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; i < m->freach[l].n; i++)
            ADD(ORC_ROOT_FREACHABLE, i, (orc_fq_list)l, m->freach[l].v[i].id);
    ADD(ORC_ROOT_FINALIZING, 0, ORC_FQ_NORMAL, m->drain.calling);
#undef ADD
    *out = v;
    return n;
}

orc_status orc_root_path_find(const orc_model *m, orc_id id, orc_root_path *out)
{
    if (!orc_model_check_sig(m) || !out)
        return ORC_E_ARG;
    memset(out, 0, sizeof *out);
    out->root = ORC_ROOT_NONE;
    const orc_obj *target = orc_obj_at(m, id);
    if (!target || !target->alive)
        return ORC_OK;
    orc_model *w = (orc_model *)m;          /* scratch marks only */
    bfs_root *roots = NULL;
    uint32_t nroots = collect_roots(m, &roots);
    orc_id *queue = NULL;
    uint32_t qcap = 0, qh = 0, qt = 0;
    bool oom = false;
    orc_next_epoch(w);
    /* Each object remembers its parent (ORC_NULL for a root object) and the
       root it was first reached from, by index in roots[] (parent_slot). */
    for (uint32_t r = 0; r < nroots; r++) {
        orc_obj *o = &w->objs[roots[r].id];
        if (o->mark == w->epoch)
            continue;
        o->mark = w->epoch;
        o->parent = ORC_NULL;
        o->parent_slot = r;
        if (!orc_grow((void **)&queue, &qcap, qt + 1, sizeof *queue)) {
            oom = true;
            goto done;
        }
        queue[qt++] = roots[r].id;
    }
    while (qh < qt) {
        orc_id cur = queue[qh++];
        if (cur == id)
            break;
        orc_obj *o = &w->objs[cur];
        for (uint64_t i = 0; i < o->nslots; i++) {
            orc_id c = o->slots[i];
            if (c == ORC_NULL || w->objs[c].mark == w->epoch)
                continue;
            w->objs[c].mark = w->epoch;
            w->objs[c].parent = cur;
            w->objs[c].parent_slot = i;
            if (!orc_grow((void **)&queue, &qcap, qt + 1, sizeof *queue)) {
                oom = true;
                goto done;
            }
            queue[qt++] = c;
        }
    }
    uint32_t depth = 0;
    if (w->objs[id].mark != w->epoch)
        goto done;
    /* Walk back to the root, collecting slots in reverse. */
    for (orc_id c = id; w->objs[c].parent != ORC_NULL; c = w->objs[c].parent)
        depth++;
    out->nsteps = depth > ORC_PATH_MAX ? ORC_PATH_MAX : depth;
    out->truncated = depth > ORC_PATH_MAX;
    uint32_t pos = depth;
    orc_id c = id;
    while (w->objs[c].parent != ORC_NULL) {
        pos--;
        if (pos < ORC_PATH_MAX)
            out->slots[pos] = w->objs[c].parent_slot;
        c = w->objs[c].parent;
    }
    const bfs_root *root = &roots[w->objs[c].parent_slot];
    out->root = root->kind;
    out->index = root->index;
    out->list = root->list;
done:
    free(queue);
    free(roots);
    return oom ? orc_fail(m, ORC_E_STATE, "model out of memory") : ORC_OK;
}

size_t orc_root_path_format(const orc_root_path *p,
                            const char *(*local_name)(void *ctx, uint32_t local),
                            void *ctx, char *buf, size_t n)
{
    char tmp[64];
    size_t len = 0;
#define PUT(...) do { \
        int k_ = snprintf(buf && len < n ? buf + len : NULL, buf && len < n ? n - len : 0, \
                          __VA_ARGS__); \
        if (k_ > 0) len += (size_t)k_; \
    } while (0)
    if (buf && n > 0)
        buf[0] = '\0';
    switch (p->root) {
    case ORC_ROOT_LOCAL: {
        const char *nm = local_name ? local_name(ctx, p->index) : NULL;
        if (nm)
            PUT("local %s", nm);
        else
            PUT("local#%u", p->index);
        break;
    }
    case ORC_ROOT_STATIC: PUT("static s%u", p->index); break;
    case ORC_ROOT_HANDLE: PUT("handle#%u", p->index); break;
    case ORC_ROOT_FREACHABLE:
        PUT("f-reachable %s[%u]", p->list == ORC_FQ_CRITICAL ? "critical" : "normal", p->index);
        break;
    case ORC_ROOT_FINALIZING: PUT("finalizer this"); break;
    case ORC_ROOT_NONE: PUT("unreachable"); break;
    }
    for (uint32_t i = 0; i < p->nsteps; i++) {
        snprintf(tmp, sizeof tmp, " -> slot %llu", (unsigned long long)p->slots[i]);
        PUT("%s", tmp);
    }
    if (p->truncated)
        PUT(" -> ...");
#undef PUT
    return len;
}

/* ---- model invariants (.orc.invariants) ------------------------------------ */

static bool ref_ok(const orc_model *m, orc_id id)
{
    return id == ORC_NULL || (id <= m->nobjs && m->objs[id].alive);
}

orc_status orc_check(const orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    orc_model *w = (orc_model *)m;
    if (m->nobjs > m->objs_cap || m->nlive > m->nobjs || m->ntypes > m->types_cap)
        return orc_fail(m, ORC_E_STATE, "table sizes inconsistent");
    /* live list: exactly the alive objects, increasing */
    uint32_t alive = 0, in_rem = 0;
    for (uint32_t id = 1; id <= m->nobjs; id++) {
        const orc_obj *o = &m->objs[id];
        if (o->type >= m->ntypes)
            return orc_fail(m, ORC_E_STATE, "#%u has bad type %u", id, o->type);
        if (!o->alive) {
            if (o->slots || o->fin_entries || o->freach_entries || o->reclaimed_gc == 0)
                return orc_fail(m, ORC_E_STATE, "reclaimed #%u still holds slots or entries", id);
            continue;
        }
        if (alive >= m->nlive || m->live[alive] != id)
            return orc_fail(m, ORC_E_STATE, "live list disagrees at #%u", id);
        if (m->live_gen[alive] != orc_live_gen(o))
            return orc_fail(m, ORC_E_STATE, "live list records generation %u for #%u (gen %d, "
                            "large %d)", m->live_gen[alive], id, o->gen, o->large);
        alive++;
        if (o->gen < 0 || o->gen > 2 || (o->large && o->gen != 2))
            return orc_fail(m, ORC_E_STATE, "#%u has generation %d (large %d)", id, o->gen,
                            o->large);
        if (o->large != (o->size >= m->cfg.loh_threshold))
            return orc_fail(m, ORC_E_STATE, "#%u heap placement disagrees with its size", id);
        for (uint64_t i = 0; i < o->nslots; i++)
            if (!ref_ok(m, o->slots[i]))
                return orc_fail(m, ORC_E_STATE, "#%u slot %llu names reclaimed #%u", id,
                                (unsigned long long)i, o->slots[i]);
        if ((o->pins > 0) != obj_pinned_now(m, id))
            return orc_fail(m, ORC_E_STATE, "#%u pin count %u disagrees with the handles", id,
                            o->pins);
        if (o->in_rem)
            in_rem++;
        else if (!m->rem_all && orc_younger_referent(m, o) != ORC_NULL)  /* .orc.rem */
            return orc_fail(m, ORC_E_STATE, "#%u (gen %d) names younger #%u but is not in the "
                            "remembered list", id, o->gen, orc_younger_referent(m, o));
        if (!orc_type_has_fin(m, o->type) && (o->fin_entries || o->freach_entries || o->bit))
            return orc_fail(m, ORC_E_STATE, "#%u has finalization state without a finalizer", id);
    }
    if (alive != m->nlive)
        return orc_fail(m, ORC_E_STATE, "live list has %u entries, %u objects alive", m->nlive,
                        alive);
    if (in_rem != m->nrem)
        return orc_fail(m, ORC_E_STATE, "remembered list has %u entries, %u live objects "
                        "marked as in it", m->nrem, in_rem);
    /* roots */
    for (uint32_t i = 0; i < m->nlocals; i++)
        if (m->locals[i].state == ORC_LOCAL_BOUND && !ref_ok(m, m->locals[i].id))
            return orc_fail(m, ORC_E_STATE, "local#%u names reclaimed #%u", i, m->locals[i].id);
    for (uint32_t i = 0; i < ORC_STATICS; i++)
        if (!ref_ok(m, m->statics[i]))
            return orc_fail(m, ORC_E_STATE, "static s%u names reclaimed #%u", i, m->statics[i]);
    for (uint32_t i = 0; i < m->nhandles; i++)
        if (m->handles[i].live && !ref_ok(m, m->handles[i].target))
            return orc_fail(m, ORC_E_STATE, "handle#%u names reclaimed #%u", m->handles[i].name,
                            m->handles[i].target);
    if (!ref_ok(m, m->drain.calling))
        return orc_fail(m, ORC_E_STATE, "running finalizer's object is reclaimed");
    /* queue entries: only live objects, counters match (scratch in parent) */
    for (uint32_t id = 1; id <= m->nobjs; id++) {
        w->objs[id].parent = 0;
        w->objs[id].parent_slot = 0;
    }
    for (int g = 0; g < ORC_GENS; g++)
        for (uint32_t i = 0; i < m->regq[g].n; i++) {
            orc_id id = m->regq[g].v[i].id;
            if (!ref_ok(m, id) || id == ORC_NULL)
                return orc_fail(m, ORC_E_STATE, "finalization entry names reclaimed #%u", id);
            /* .fin.chain: an entry is never in a sequence older than its
               object (registration uses gen0, .fin.follow the exact one) */
            if (m->objs[id].gen < g)
                return orc_fail(m, ORC_E_STATE, "entry of #%u in the gen%d sequence, object "
                                "in gen %d", id, g, m->objs[id].gen);
            w->objs[id].parent++;
        }
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; i < m->freach[l].n; i++) {
            orc_id id = m->freach[l].v[i].id;
            if (id == ORC_NULL || !ref_ok(m, id))
                return orc_fail(m, ORC_E_STATE, "f-reachable entry names reclaimed #%u", id);
            if (m->types[m->objs[id].type].d.critical != (l == ORC_FQ_CRITICAL))
                return orc_fail(m, ORC_E_STATE, "#%u in the wrong f-reachable list", id);
            w->objs[id].parent_slot++;
        }
    for (uint32_t id = 1; id <= m->nobjs; id++) {
        const orc_obj *o = &m->objs[id];
        if (o->parent != o->fin_entries || o->parent_slot != o->freach_entries)
            return orc_fail(m, ORC_E_STATE, "#%u entry counts %u/%u, queues hold %u/%llu", id,
                            o->fin_entries, o->freach_entries, o->parent,
                            (unsigned long long)o->parent_slot);
    }
    /* counters: a gen-N collection counts for all g <= N */
    if (m->collections[0] < m->collections[1] || m->collections[1] < m->collections[2] ||
        m->collections[0] != m->nlog)
        return orc_fail(m, ORC_E_STATE, "collection counts %llu/%llu/%llu for %llu collections",
                        (unsigned long long)m->collections[0],
                        (unsigned long long)m->collections[1],
                        (unsigned long long)m->collections[2], (unsigned long long)m->nlog);
    uint64_t calls = 0;
    for (uint32_t id = 1; id <= m->nobjs; id++)
        calls += m->objs[id].calls;
    if (calls != m->total_calls)
        return orc_fail(m, ORC_E_STATE, "finalizer calls %llu, objects count %llu",
                        (unsigned long long)m->total_calls, (unsigned long long)calls);
    return ORC_OK;
}
