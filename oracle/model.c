/* model.c -- the oracle's state, the program statements and allocation steps.
 *
 * Sections: diagnostics; creation; types; locals and operand checks;
 * statements; handles; allocation steps and presented collections.
 * Rule tags refer to docs/semantics.md and docs/decisions.md.
 */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- diagnostics ------------------------------------------------------ */

orc_status orc_fail(const orc_model *m, orc_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, ORC_ERR_LEN, fmt, ap);
    va_end(ap);
    return s;
}

const char *orc_last_error(const orc_model *m)
{
    return m && m->err ? m->err : "";
}

const char *orc_status_name(orc_status s)
{
    switch (s) {
    case ORC_OK: return "ok";
    case ORC_E_UNBOUND_LOCAL: return "unbound-local";
    case ORC_E_DROPPED_LOCAL: return "dropped-local";
    case ORC_E_NULL_LOCAL: return "null-local";
    case ORC_E_FREED_HANDLE: return "freed-handle";
    case ORC_E_UNBOUND_HANDLE: return "unbound-handle";
    case ORC_E_BAD_SLOT: return "bad-slot";
    case ORC_E_BAD_STATIC: return "bad-static";
    case ORC_E_ILLEGAL: return "illegal";
    case ORC_E_STATE: return "state";
    case ORC_E_ARG: return "argument";
    }
    return "unknown";
}

const char *orc_reason_name(orc_reason r)
{
    switch (r) {
    case ORC_REASON_INDUCED: return "induced";
    case ORC_REASON_ALLOC_SMALL: return "alloc_small";
    case ORC_REASON_ALLOC_LARGE: return "alloc_large";
    case ORC_REASON_OOM: return "out_of_memory";
    }
    return "unknown";
}

bool orc_grow(void **v, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint64_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        ncap = UINT32_MAX;
    void *nv = realloc(*v, (size_t)ncap * elem);
    if (!nv)
        return false;
    memset((char *)nv + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
    *v = nv;
    *cap = (uint32_t)ncap;
    return true;
}

/* ---- creation ---------------------------------------------------------- */

void orc_config_default(orc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gen0_budget = 256u * 1024;
    cfg->gen1_budget = 2u * 1024 * 1024;
    cfg->gen2_budget = 10u * 1024 * 1024;
    cfg->loh_budget = 16u * 1024 * 1024;
    cfg->loh_threshold = 85000;          /* .obj.loh-threshold */
    cfg->segment_size = 4u * 1024 * 1024;
    cfg->hard_limit = 0;
    cfg->profile = ORC_PROFILE_STRICT;
}

bool orc_model_check_sig(const orc_model *m)
{
    return m != NULL && m->sig == ORC_MODEL_SIG;
}

orc_model *orc_create(const orc_config *cfg)
{
    if (!cfg || cfg->loh_threshold < 85000 ||   /* .obj.loh-threshold: upward only */
        (cfg->profile != ORC_PROFILE_STRICT && cfg->profile != ORC_PROFILE_CLR))
        return NULL;
    orc_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->err = calloc(1, ORC_ERR_LEN);
    if (!m->err || !orc_grow((void **)&m->objs, &m->objs_cap, 1, sizeof *m->objs)) {
        free(m->err);
        free(m);
        return NULL;
    }
    m->sig = ORC_MODEL_SIG;
    m->cfg = *cfg;
    m->nobjs = 0;
    m->drain.calling = ORC_NULL;
    return m;
}

void orc_destroy(orc_model *m)
{
    if (!orc_model_check_sig(m))
        return;
    for (uint32_t i = 1; i <= m->nobjs; i++)
        free(m->objs[i].slots);
    for (uint32_t t = 0; t < m->ntypes; t++)
        free(m->types[t].name);
    free(m->types);
    free(m->objs);
    free(m->live);
    free(m->live_gen);
    free(m->mstack);
    free(m->rem);
    free(m->locals);
    free(m->handles);
    free(m->hindex);
    for (int g = 0; g < ORC_GENS; g++)
        free(m->regq[g].v);
    free(m->freach[0].v);
    free(m->freach[1].v);
    free(m->log);
    free(m->err);
    m->sig = 0;
    free(m);
}

orc_obj *orc_obj_at(const orc_model *m, orc_id id)
{
    if (id == ORC_NULL || id > m->nobjs)
        return NULL;
    return &m->objs[id];
}

/* ---- types --------------------------------------------------------------- */

static bool fin_writes_static(orc_fin_kind k)
{
    return k == ORC_FIN_RESURRECT || k == ORC_FIN_RESURRECT_REREGISTER;
}

orc_status orc_type_add(orc_model *m, const orc_type_desc *d, orc_type_id *out)
{
    if (!orc_model_check_sig(m) || !d)
        return ORC_E_ARG;
    if (d->kind != ORC_TYPE_FIXED && d->kind != ORC_TYPE_BYTES && d->kind != ORC_TYPE_REFS)
        return orc_fail(m, ORC_E_ARG, "type %s: bad kind", d->name ? d->name : "?");
    if (d->kind == ORC_TYPE_FIXED &&
        (d->size < ORC_MIN_SIZE || d->size < ORC_SLOT_BASE + 8ull * d->nrefs)) /* .obj.fixed */
        return orc_fail(m, ORC_E_ARG, "type %s: size %llu too small for %u refs",
                        d->name ? d->name : "?", (unsigned long long)d->size, d->nrefs);
    if (d->kind != ORC_TYPE_FIXED && d->fin != ORC_FIN_NONE)   /* .fin.no-arrays */
        return orc_fail(m, ORC_E_ARG, "type %s: arrays cannot have finalizers",
                        d->name ? d->name : "?");
    if (d->fin > ORC_FIN_ALLOC)
        return orc_fail(m, ORC_E_ARG, "type %s: bad finalizer", d->name ? d->name : "?");
    if (fin_writes_static(d->fin) && d->fin_static >= ORC_STATICS)
        return orc_fail(m, ORC_E_ARG, "type %s: static s%u out of range",
                        d->name ? d->name : "?", d->fin_static);
    if (d->critical && d->fin == ORC_FIN_NONE)
        return orc_fail(m, ORC_E_ARG, "type %s: critical without finalizer",
                        d->name ? d->name : "?");
    if (!orc_grow((void **)&m->types, &m->types_cap, m->ntypes + 1, sizeof *m->types))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    orc_type_rec *r = &m->types[m->ntypes];
    const char *nm = d->name ? d->name : "";
    r->name = malloc(strlen(nm) + 1);
    if (!r->name)
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    strcpy(r->name, nm);
    r->d = *d;
    r->d.name = r->name;
    if (d->kind != ORC_TYPE_FIXED) {
        r->d.size = 0;
        r->d.nrefs = 0;
    }
    if (out)
        *out = m->ntypes;
    m->ntypes++;
    m->types_checked = false;
    return ORC_OK;
}

uint32_t orc_type_count(const orc_model *m) { return m->ntypes; }

const orc_type_desc *orc_type_get(const orc_model *m, orc_type_id t)
{
    return t < m->ntypes ? &m->types[t].d : NULL;
}

bool orc_type_has_fin(const orc_model *m, orc_type_id t)
{
    return t < m->ntypes && m->types[t].d.fin != ORC_FIN_NONE;
}

/* .obj.size: fixed types have their declared size; arrays 24 + n * elem.
   Saturates instead of wrapping for absurd lengths. */
uint64_t orc_instance_size(const orc_model *m, orc_type_id t, uint64_t length)
{
    if (t >= m->ntypes)
        return 0;
    const orc_type_desc *d = &m->types[t].d;
    switch (d->kind) {
    case ORC_TYPE_FIXED: return d->size;
    case ORC_TYPE_BYTES:
        return length > UINT64_MAX - ORC_OBJ_BASE ? UINT64_MAX : ORC_OBJ_BASE + length;
    case ORC_TYPE_REFS:
        return length > (UINT64_MAX - ORC_OBJ_BASE) / 8 ? UINT64_MAX : ORC_OBJ_BASE + 8 * length;
    }
    return 0;
}

uint64_t orc_aligned_size(uint64_t size)   /* .dec.alloc-size */
{
    return size > UINT64_MAX - 7 ? UINT64_MAX & ~7ull : (size + 7) & ~7ull;
}

bool orc_instance_is_large(const orc_model *m, orc_type_id t, uint64_t length)
{
    return orc_instance_size(m, t, length) >= m->cfg.loh_threshold;   /* .obj.loh */
}

static uint64_t type_slots(const orc_model *m, orc_type_id t, uint64_t length)
{
    const orc_type_desc *d = &m->types[t].d;
    if (d->kind == ORC_TYPE_FIXED)
        return d->nrefs;
    return d->kind == ORC_TYPE_REFS ? length : 0;
}

/* alloc:T may name a type declared later; checked once all are added. */
static orc_status types_check(orc_model *m)
{
    if (m->types_checked)
        return ORC_OK;
    for (uint32_t t = 0; t < m->ntypes; t++) {
        const orc_type_desc *d = &m->types[t].d;
        if (d->fin == ORC_FIN_ALLOC && d->fin_alloc >= m->ntypes)
            return orc_fail(m, ORC_E_ARG, "type %s: alloc:%u names no type", d->name,
                            d->fin_alloc);
    }
    m->types_checked = true;
    return ORC_OK;
}

/* ---- locals and operand checks (.prog.error) ------------------------------ */

static orc_status local_check_index(orc_model *m, uint32_t local)
{
    if (local >= ORC_INDEX_MAX)
        return orc_fail(m, ORC_E_ARG, "local index %u out of range", local);
    return ORC_OK;
}

void orc_bind_local(orc_model *m, uint32_t local, orc_id id)
{
    if (local == ORC_LOCAL_NONE)
        return;
    if (!orc_grow((void **)&m->locals, &m->locals_cap, local + 1, sizeof *m->locals))
        abort();   /* the index was validated and space reserved by local_reserve */
    if (local >= m->nlocals)
        m->nlocals = local + 1;
    m->locals[local].state = ORC_LOCAL_BOUND;
    m->locals[local].id = id;
}

/* Reserves room for binding `local` so that orc_bind_local cannot fail. */
static orc_status local_reserve(orc_model *m, uint32_t local)
{
    orc_status s = local_check_index(m, local);
    if (s != ORC_OK)
        return s;
    if (!orc_grow((void **)&m->locals, &m->locals_cap, local + 1, sizeof *m->locals))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    return ORC_OK;
}

/* A local read as a value: it must be bound (null allowed). .prog.value */
static orc_status local_value(orc_model *m, uint32_t local, orc_id *out)
{
    if (local >= m->nlocals || m->locals[local].state == ORC_LOCAL_UNBOUND)
        return orc_fail(m, ORC_E_UNBOUND_LOCAL, "local#%u is unbound", local);
    if (m->locals[local].state == ORC_LOCAL_DROPPED)
        return orc_fail(m, ORC_E_DROPPED_LOCAL, "local#%u was dropped", local);
    *out = m->locals[local].id;
    return ORC_OK;
}

/* A local where an object is needed: bound and non-null. .prog.object */
static orc_status local_object(orc_model *m, uint32_t local, orc_id *out)
{
    orc_status s = local_value(m, local, out);
    if (s != ORC_OK)
        return s;
    if (*out == ORC_NULL)
        return orc_fail(m, ORC_E_NULL_LOCAL, "local#%u is null", local);
    return ORC_OK;
}

/* Statements are refused inside an allocation step or a drain. */
static orc_status stmt_allowed(orc_model *m)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (m->step.open || m->drain.open)
        return orc_fail(m, ORC_E_STATE, "statement inside an allocation step or a drain");
    return ORC_OK;
}

/* ---- statements --------------------------------------------------------- */

orc_status orc_store(orc_model *m, uint32_t obj_local, uint64_t slot, uint32_t src_local)
{
    orc_status s = stmt_allowed(m);
    orc_id obj, src = ORC_NULL;
    if (s == ORC_OK)
        s = local_object(m, obj_local, &obj);
    if (s == ORC_OK && src_local != ORC_LOCAL_NONE)
        s = local_value(m, src_local, &src);
    if (s != ORC_OK)
        return s;
    orc_obj *o = orc_obj_at(m, obj);
    if (slot >= o->nslots)                                 /* .prog.slot */
        return orc_fail(m, ORC_E_BAD_SLOT, "slot %llu of #%u (%s has %llu)",
                        (unsigned long long)slot, obj, m->types[o->type].name,
                        (unsigned long long)o->nslots);
    o->slots[slot] = src;
    if (src != ORC_NULL && !o->in_rem && orc_names_younger(o, &m->objs[src]))
        orc_rem_add(m, obj);
    return ORC_OK;
}

orc_status orc_load(orc_model *m, uint32_t dst_local, uint32_t obj_local, uint64_t slot)
{
    orc_status s = stmt_allowed(m);
    orc_id obj;
    if (s == ORC_OK)
        s = local_object(m, obj_local, &obj);
    if (s == ORC_OK)
        s = local_reserve(m, dst_local);
    if (s != ORC_OK)
        return s;
    orc_obj *o = orc_obj_at(m, obj);
    if (slot >= o->nslots)
        return orc_fail(m, ORC_E_BAD_SLOT, "slot %llu of #%u (%s has %llu)",
                        (unsigned long long)slot, obj, m->types[o->type].name,
                        (unsigned long long)o->nslots);
    orc_bind_local(m, dst_local, o->slots[slot]);
    return ORC_OK;
}

orc_status orc_copy(orc_model *m, uint32_t dst_local, uint32_t src_local)
{
    orc_status s = stmt_allowed(m);
    orc_id v;
    if (s == ORC_OK)
        s = local_value(m, src_local, &v);
    if (s == ORC_OK)
        s = local_reserve(m, dst_local);
    if (s != ORC_OK)
        return s;
    orc_bind_local(m, dst_local, v);
    return ORC_OK;
}

orc_status orc_drop(orc_model *m, uint32_t local)
{
    orc_status s = stmt_allowed(m);
    orc_id v;
    if (s == ORC_OK)
        s = local_value(m, local, &v);
    if (s != ORC_OK)
        return s;
    m->locals[local].state = ORC_LOCAL_DROPPED;   /* .root.drop: keeps id for queries */
    return ORC_OK;
}

orc_status orc_static_set(orc_model *m, uint32_t stat, uint32_t src_local)
{
    orc_status s = stmt_allowed(m);
    orc_id v = ORC_NULL;
    if (s != ORC_OK)
        return s;
    if (stat >= ORC_STATICS)
        return orc_fail(m, ORC_E_BAD_STATIC, "static s%u out of range", stat);
    if (src_local != ORC_LOCAL_NONE && (s = local_value(m, src_local, &v)) != ORC_OK)
        return s;
    m->statics[stat] = v;
    return ORC_OK;
}

orc_status orc_static_get(orc_model *m, uint32_t dst_local, uint32_t stat)
{
    orc_status s = stmt_allowed(m);
    if (s != ORC_OK)
        return s;
    if (stat >= ORC_STATICS)
        return orc_fail(m, ORC_E_BAD_STATIC, "static s%u out of range", stat);
    if ((s = local_reserve(m, dst_local)) != ORC_OK)
        return s;
    orc_bind_local(m, dst_local, m->statics[stat]);
    return ORC_OK;
}

/* .fin.suppress: only the bit; .dec.suppress-nofin: no finalizer, no effect. */
orc_status orc_suppress(orc_model *m, uint32_t obj_local)
{
    orc_status s = stmt_allowed(m);
    orc_id id;
    if (s == ORC_OK)
        s = local_object(m, obj_local, &id);
    if (s != ORC_OK)
        return s;
    orc_obj *o = orc_obj_at(m, id);
    if (orc_type_has_fin(m, o->type))
        o->bit = true;
    return ORC_OK;
}

/* .fin.reregister: bit set -> clear it, add nothing; else append a new entry
   (.fin.reregister-dup), whatever entries the object already has.  The
   entry goes to the gen0 sequence whatever the object's generation
   (.fin.chain-register). */
orc_status orc_reregister_id(orc_model *m, orc_id id)
{
    orc_obj *o = orc_obj_at(m, id);
    if (!orc_type_has_fin(m, o->type))            /* .dec.suppress-nofin */
        return ORC_OK;
    if (o->bit) {
        o->bit = false;
        return ORC_OK;
    }
    if (!orc_chain_register(m, id))                 /* .fin.chain-register */
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    return ORC_OK;
}

orc_status orc_reregister(orc_model *m, uint32_t obj_local)
{
    orc_status s = stmt_allowed(m);
    orc_id id;
    if (s == ORC_OK)
        s = local_object(m, obj_local, &id);
    if (s != ORC_OK)
        return s;
    return orc_reregister_id(m, id);
}

orc_status orc_thread(orc_model *m, uint32_t tid)
{
    orc_status s = stmt_allowed(m);
    if (s != ORC_OK)
        return s;
    m->thread = tid;        /* .dec.locals-global: bookkeeping only */
    return ORC_OK;
}

/* ---- handles (.handle.*) ---------------------------------------------- */

static orc_handle *handle_by_index(orc_model *m, uint32_t h, orc_status *s)
{
    if (h >= m->nhindex || m->hindex[h] == 0) {
        *s = orc_fail(m, ORC_E_UNBOUND_HANDLE, "handle#%u was never allocated", h);
        return NULL;
    }
    orc_handle *r = &m->handles[m->hindex[h] - 1];
    if (!r->live) {
        *s = orc_fail(m, ORC_E_FREED_HANDLE, "handle#%u was freed", h);
        return NULL;
    }
    *s = ORC_OK;
    return r;
}

/* A handle index bound again while its handle is still allocated leaves the
   old handle allocated and rooting its target (.prog.handle-rebind). */
orc_status orc_handle_alloc(orc_model *m, uint32_t handle, orc_handle_kind kind,
                            uint32_t obj_local)
{
    orc_status s = stmt_allowed(m);
    orc_id id;
    if (s != ORC_OK)
        return s;
    if (kind > ORC_HANDLE_WEAK_LONG)
        return orc_fail(m, ORC_E_ARG, "bad handle kind %d", (int)kind);
    if (handle >= ORC_INDEX_MAX)
        return orc_fail(m, ORC_E_ARG, "handle index %u out of range", handle);
    if ((s = local_object(m, obj_local, &id)) != ORC_OK)
        return s;
    if (!orc_grow((void **)&m->handles, &m->handles_cap, m->nhandles + 1, sizeof *m->handles) ||
        !orc_grow((void **)&m->hindex, &m->hindex_cap, handle + 1, sizeof *m->hindex))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    orc_handle *r = &m->handles[m->nhandles++];
    r->live = true;
    r->kind = kind;
    r->target = id;
    r->name = handle;
    if (kind == ORC_HANDLE_PINNED && id != ORC_NULL)
        m->objs[id].pins++;          /* .orc.pin-index */
    m->hindex[handle] = m->nhandles;
    if (handle >= m->nhindex)
        m->nhindex = handle + 1;
    return ORC_OK;
}

orc_status orc_handle_free(orc_model *m, uint32_t handle)
{
    orc_status s = stmt_allowed(m);
    if (s != ORC_OK)
        return s;
    orc_handle *r = handle_by_index(m, handle, &s);   /* .handle.double-free */
    if (!r)
        return s;
    if (r->kind == ORC_HANDLE_PINNED && r->target != ORC_NULL)
        m->objs[r->target].pins--;   /* .orc.pin-index */
    r->live = false;
    r->target = ORC_NULL;
    return ORC_OK;
}

orc_status orc_handle_target(orc_model *m, uint32_t dst_local, uint32_t handle)
{
    orc_status s = stmt_allowed(m);
    if (s != ORC_OK)
        return s;
    orc_handle *r = handle_by_index(m, handle, &s);
    if (!r)
        return s;
    if ((s = local_reserve(m, dst_local)) != ORC_OK)
        return s;
    orc_bind_local(m, dst_local, r->target);   /* null once cleared (.weak.read) */
    return ORC_OK;
}

/* ---- allocation steps and presented collections --------------------------- */

/* allocated + s > budget without overflow; budget 0 = no limit
   (.dec.budget-zero, .dec.budget-compare). */
static bool exceeds(uint64_t allocated, uint64_t s, uint64_t budget)
{
    return budget != 0 && (s > budget || allocated > budget - s);
}

/* .trig.small / .trig.large / .trig.escalate with .dec.budget-zero,
   .dec.budget-compare, .dec.alloc-size and .dec.promo-acc. */
orc_status orc_alloc_predict(const orc_model *m, orc_type_id t, uint64_t length,
                             orc_prediction *out)
{
    if (!orc_model_check_sig(m) || !out)
        return ORC_E_ARG;
    if (t >= m->ntypes)
        return orc_fail(m, ORC_E_ARG, "type %u out of range", t);
    memset(out, 0, sizeof *out);
    out->size = orc_instance_size(m, t, length);
    out->aligned = orc_aligned_size(out->size);
    out->large = out->size >= m->cfg.loh_threshold;            /* .obj.loh */
    out->reason = out->large ? ORC_REASON_ALLOC_LARGE : ORC_REASON_ALLOC_SMALL;
    if (m->cfg.profile != ORC_PROFILE_STRICT)                  /* .clr.budgets */
        return ORC_OK;
    const orc_budget_state *b = &m->budget;
    if (out->large) {
        if (exceeds(b->loh_allocated, out->aligned, m->cfg.loh_budget)) {
            out->collect = true;
            out->gen = 2;
        }
    } else if (exceeds(b->gen0_allocated, out->aligned, m->cfg.gen0_budget)) {
        out->collect = true;
        out->gen = 0;
        if (m->cfg.gen1_budget != 0 && b->promoted1 > m->cfg.gen1_budget)
            out->gen = 1;
        if (m->cfg.gen2_budget != 0 && b->promoted2 > m->cfg.gen2_budget)
            out->gen = 2;
    }
    return ORC_OK;
}

orc_status orc_alloc_begin(orc_model *m, uint32_t local, orc_type_id t,
                           uint64_t length, orc_prediction *pred)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    if (m->step.open)
        return orc_fail(m, ORC_E_STATE, "allocation step already open");
    /* inside a drain, only the alloc:T step of the running call */
    if (m->drain.open && (m->drain.calling == ORC_NULL || local != ORC_LOCAL_NONE ||
                          m->drain.need_alloc == ORC_NO_TYPE || m->drain.alloc_done))
        return orc_fail(m, ORC_E_STATE, "allocation inside a drain outside an alloc:T call");
    if (t >= m->ntypes)
        return orc_fail(m, ORC_E_ARG, "type %u out of range", t);
    orc_status s = types_check(m);
    if (s != ORC_OK)
        return s;
    if (local != ORC_LOCAL_NONE && (s = local_reserve(m, local)) != ORC_OK)
        return s;
    memset(&m->step, 0, sizeof m->step);
    s = orc_alloc_predict(m, t, length, &m->step.pred);
    if (s != ORC_OK)
        return s;
    m->step.open = true;
    m->step.local = local;
    m->step.type = t;
    m->step.length = length;
    if (pred)
        *pred = m->step.pred;
    return ORC_OK;
}

/* Legality of a collection presented inside an allocation step. */
static orc_status step_gc_legal(orc_model *m, const orc_gc_request *rq)
{
    orc_step *st = &m->step;
    bool strict = m->cfg.profile == ORC_PROFILE_STRICT;
    if (rq->reason == ORC_REASON_INDUCED)
        return orc_fail(m, ORC_E_ILLEGAL, "induced collection during an allocation");
    if (rq->reason == ORC_REASON_OOM) {                         /* .dec.oom */
        if (st->oom_gc)
            return orc_fail(m, ORC_E_ILLEGAL, "second out_of_memory collection in one allocation");
        if (rq->gen != 2)
            return orc_fail(m, ORC_E_ILLEGAL, "out_of_memory collection of gen %d (must be 2)",
                            rq->gen);
        if (strict && st->pred.collect && !st->pred_applied)
            return orc_fail(m, ORC_E_ILLEGAL,
                            "out_of_memory collection before the predicted %s gen%d collection",
                            orc_reason_name(st->pred.reason), st->pred.gen);
        return ORC_OK;
    }
    if (rq->reason != st->pred.reason)
        return orc_fail(m, ORC_E_ILLEGAL, "collection reason %s for a %s allocation",
                        orc_reason_name(rq->reason), st->pred.large ? "large" : "small");
    if (st->oom_gc)
        return orc_fail(m, ORC_E_ILLEGAL, "%s collection after the out_of_memory one",
                        orc_reason_name(rq->reason));
    if (!strict)                                                 /* .clr.budgets */
        return ORC_OK;
    if (!st->pred.collect)
        return orc_fail(m, ORC_E_ILLEGAL, "unpredicted %s gen%d collection (gen0_allocated=%llu"
                        " loh_allocated=%llu, object %llu bytes)", orc_reason_name(rq->reason),
                        rq->gen, (unsigned long long)m->budget.gen0_allocated,
                        (unsigned long long)m->budget.loh_allocated,
                        (unsigned long long)st->pred.aligned);
    if (st->pred_applied)
        return orc_fail(m, ORC_E_ILLEGAL, "second %s collection in one allocation",
                        orc_reason_name(rq->reason));
    if (rq->gen != st->pred.gen)
        return orc_fail(m, ORC_E_ILLEGAL, "%s collection of gen %d, predicted gen %d",
                        orc_reason_name(rq->reason), rq->gen, st->pred.gen);
    return ORC_OK;
}

orc_status orc_gc(orc_model *m, const orc_gc_request *rq)
{
    if (!orc_model_check_sig(m) || !rq)
        return ORC_E_ARG;
    if (rq->gen < 0 || rq->gen > 2 || rq->reason > ORC_REASON_OOM)
        return orc_fail(m, ORC_E_ARG, "bad collection request gen %d reason %d", rq->gen,
                        (int)rq->reason);
    if (rq->compact_loh && rq->gen != 2)
        return orc_fail(m, ORC_E_ARG, "compact_loh on a gen %d collection", rq->gen);
    orc_status legal = ORC_OK;
    if (rq->no_promotion && (m->cfg.profile == ORC_PROFILE_STRICT || rq->gen == 2))
        legal = orc_fail(m, ORC_E_ILLEGAL, "gen %d collection declined promotion (%s profile)",
                         rq->gen, m->cfg.profile == ORC_PROFILE_STRICT ? "strict" : "clr");
    if (m->step.open) {
        orc_status l2 = step_gc_legal(m, rq);
        if (legal == ORC_OK)
            legal = l2;
        if (rq->reason == ORC_REASON_OOM)
            m->step.oom_gc = true;
        else if (rq->reason != ORC_REASON_INDUCED) {
            if (m->step.pred.collect && !m->step.pred_applied)
                m->step.pred_applied = true;
            m->step.alloc_gcs++;
        }
        if (legal != ORC_OK)
            m->step.bad = true;
    } else {
        if (m->drain.open)
            return orc_fail(m, ORC_E_STATE, "collection inside a drain outside an allocation");
        if (rq->reason != ORC_REASON_INDUCED && legal == ORC_OK)
            legal = orc_fail(m, ORC_E_ILLEGAL, "%s collection outside an allocation",
                             orc_reason_name(rq->reason));
    }
    char saved[ORC_ERR_LEN];
    if (legal != ORC_OK)
        memcpy(saved, m->err, ORC_ERR_LEN);
    orc_status s = orc_collect_apply(m, rq);
    if (s != ORC_OK)
        return s;
    if (legal != ORC_OK)
        memcpy(m->err, saved, ORC_ERR_LEN);
    return legal;
}

orc_status orc_collect(orc_model *m, int gen, bool compact_loh)
{
    orc_status s = stmt_allowed(m);
    if (s != ORC_OK)
        return s;
    orc_gc_request rq = { .gen = gen, .reason = ORC_REASON_INDUCED, .compact_loh = compact_loh };
    return orc_gc(m, &rq);
}

/* Room for object `need - 1`: as orc_grow, but the new records are not
   zeroed (create_object clears each when it hands it out, and no record
   past nobjs is read; record 0, the null identity, was zeroed when the
   model was made).  Zeroing them here wrote every record twice: about 5%
   of building a 1e6-node chain. */
static bool grow_objs(orc_model *m, uint32_t need)
{
    if (need <= m->objs_cap)
        return true;
    uint64_t ncap = m->objs_cap ? m->objs_cap : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        ncap = UINT32_MAX;
    orc_obj *nv = realloc(m->objs, (size_t)ncap * sizeof *nv);
    if (!nv)
        return false;
    m->objs = nv;
    m->objs_cap = (uint32_t)ncap;
    return true;
}

/* Creates the object: .obj.birth, .fin.register, budget charge. */
static orc_status create_object(orc_model *m, orc_id *out)
{
    orc_step *st = &m->step;
    if (m->nobjs == UINT32_MAX - 1)
        return orc_fail(m, ORC_E_STATE, "object identities exhausted");
    if (!grow_objs(m, m->nobjs + 2) ||
        !orc_grow((void **)&m->live, &m->live_cap, m->nlive + 1, sizeof *m->live) ||
        !orc_grow((void **)&m->live_gen, &m->live_gen_cap, m->nlive + 1, sizeof *m->live_gen))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    bool has_fin = orc_type_has_fin(m, st->type);
    if (has_fin && !orc_chain_reserve(m, 1))
        return orc_fail(m, ORC_E_STATE, "model out of memory");
    uint64_t nslots = type_slots(m, st->type, st->length);
    orc_id *slots = NULL;
    if (nslots > 0) {
        if (nslots > SIZE_MAX / sizeof *slots ||
            !(slots = calloc((size_t)nslots, sizeof *slots)))
            return orc_fail(m, ORC_E_STATE, "model out of memory (%llu slots)",
                            (unsigned long long)nslots);
    }
    orc_id id = ++m->nobjs;
    orc_obj *o = &m->objs[id];
    memset(o, 0, sizeof *o);
    o->type = st->type;
    o->length = m->types[st->type].d.kind == ORC_TYPE_FIXED ? 0 : st->length;
    o->size = st->pred.size;
    o->aligned = st->pred.aligned;
    o->nslots = nslots;
    o->slots = slots;
    o->large = st->pred.large;
    o->gen = o->large ? 2 : 0;                 /* .obj.birth, .obj.loh-gen */
    o->alive = true;
    o->birth_thread = m->drain.open ? m->drain.tid : m->thread;
    o->birth_gc = m->nlog;
    m->live_gen[m->nlive] = orc_live_gen(o);
    m->live[m->nlive++] = id;                   /* ids increase: stays sorted */
    if (has_fin)                                /* .fin.register: one entry */
        (void)orc_chain_register(m, id);        /* room reserved above */
    if (o->large)                               /* .dec.loh-reset, .dec.gen0-reset */
        m->budget.loh_allocated += o->aligned;
    else
        m->budget.gen0_allocated += o->aligned;
    *out = id;
    return ORC_OK;
}

orc_status orc_alloc_end(orc_model *m, bool oom, orc_id *out)
{
    if (!orc_model_check_sig(m))
        return ORC_E_ARG;
    orc_step *st = &m->step;
    if (!st->open)
        return orc_fail(m, ORC_E_STATE, "no allocation step open");
    orc_status legal = ORC_OK;
    bool strict = m->cfg.profile == ORC_PROFILE_STRICT;
    if (strict && st->pred.collect && !st->pred_applied)
        legal = orc_fail(m, ORC_E_ILLEGAL, "predicted %s gen%d collection did not happen",
                         orc_reason_name(st->pred.reason), st->pred.gen);
    else if (strict && oom && !st->oom_gc)
        legal = orc_fail(m, ORC_E_ILLEGAL, "out of memory without an out_of_memory collection");
    orc_id id = ORC_NULL;
    if (!oom) {
        /* create_object writes the diagnostic only when it fails, so an
           illegal step's message above survives a successful creation */
        orc_status s = create_object(m, &id);
        if (s != ORC_OK) {
            st->open = false;
            return s;
        }
    }
    orc_bind_local(m, st->local, id);          /* .dec.oom: null on failure */
    if (m->drain.open)
        m->drain.alloc_done = true;
    st->open = false;
    if (out)
        *out = id;
    return legal;
}

orc_status orc_alloc(orc_model *m, uint32_t local, orc_type_id t, uint64_t length,
                     orc_id *out)
{
    orc_prediction p = { 0 };
    orc_status s = orc_alloc_begin(m, local, t, length, &p);
    if (s != ORC_OK)
        return s;
    if (p.collect) {
        orc_gc_request rq = { .gen = p.gen, .reason = p.reason };
        s = orc_gc(m, &rq);
        if (s != ORC_OK) {
            m->step.open = false;
            return s;
        }
    }
    return orc_alloc_end(m, false, out);
}
