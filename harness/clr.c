/* clr.c -- CoreCLR-observable programs and the comparison of CoreCLR's
 * observations with the oracle (clr.h, docs/clr.md). */
#include "clr.h"
#include "gen.h"
#include "text.h"
#include "oracle.h"
#include "orc_map.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ==== the oracle in the clr profile ====================================== */

static orc_model *clr_model(const hx_program *p)
{
    orc_config oc;
    hx_orc_config(p, true, &oc);
    orc_model *m = orc_create(&oc);
    if (!m)
        return NULL;
    for (uint32_t i = 0; i < p->ntypes; i++) {
        orc_type_desc od;
        hx_orc_type(&p->types[i], &od);
        if (orc_type_add(m, &od, NULL) != ORC_OK) {
            orc_destroy(m);
            return NULL;
        }
    }
    return m;
}

/* One non-expectation statement on the model with its own choices. */
static orc_status clr_apply(orc_model *m, const hx_stmt *s)
{
    switch (s->kind) {
    case HX_ST_NEW: return orc_alloc(m, s->dst, s->type, s->length, NULL);
    case HX_ST_STORE: return orc_store(m, s->obj, s->slot, s->src == HX_NULL ? ORC_LOCAL_NONE : s->src);
    case HX_ST_LOAD: return orc_load(m, s->dst, s->obj, s->slot);
    case HX_ST_COPY: return orc_copy(m, s->dst, s->src);
    case HX_ST_DROP: return orc_drop(m, s->obj);
    case HX_ST_HANDLE: return orc_handle_alloc(m, s->handle, hx_orc_handle_kind(s->hkind), s->obj);
    case HX_ST_FREE: return orc_handle_free(m, s->handle);
    case HX_ST_TARGET: return orc_handle_target(m, s->dst, s->handle);
    case HX_ST_STATIC_SET: return orc_static_set(m, s->stat, s->src == HX_NULL ? ORC_LOCAL_NONE : s->src);
    case HX_ST_STATIC_GET: return orc_static_get(m, s->dst, s->stat);
    case HX_ST_SUPPRESS: return orc_suppress(m, s->obj);
    case HX_ST_REREGISTER: return orc_reregister(m, s->obj);
    case HX_ST_COLLECT: return orc_collect(m, s->gen, s->compact_loh);
    case HX_ST_FINALIZE: return orc_finalize(m, 0);
    case HX_ST_THREAD: return orc_thread(m, s->thread);
    default: return ORC_OK;
    }
}

static orc_id local_id(const orc_model *m, uint32_t local, orc_local_state *st)
{
    orc_id id = ORC_NULL;
    orc_local_state ls = orc_local_get(m, local, &id);
    if (st)
        *st = ls;
    return id;
}

/* The oracle's value of an expectation, in the runner's words: "0".."2",
   "loh"/"soh", "null"/"object", "null"/"same"/"other", counts.  false if
   the expectation cannot be evaluated (a program error). */
static bool clr_value(const orc_model *m, const hx_stmt *s, char *buf, size_t n)
{
    orc_local_state ls;
    orc_obj_info oi;
    switch (s->kind) {
    case HX_ST_EXPECT_GEN:
    case HX_ST_EXPECT_LOH:
    case HX_ST_EXPECT_SOH: {
        orc_id id = local_id(m, s->obj, &ls);
        if (ls != ORC_LOCAL_BOUND || id == ORC_NULL || orc_obj_get(m, id, &oi) != ORC_OK)
            return false;
        if (s->kind == HX_ST_EXPECT_GEN)
            snprintf(buf, n, "%d", oi.gen);
        else
            snprintf(buf, n, "%s", oi.large ? "loh" : "soh");
        return true;
    }
    case HX_ST_EXPECT_NULL: {
        orc_id id = local_id(m, s->obj, &ls);
        if (ls != ORC_LOCAL_BOUND)
            return false;
        snprintf(buf, n, "%s", id == ORC_NULL ? "null" : "object");
        return true;
    }
    case HX_ST_EXPECT_TARGET: {
        orc_handle_info hi;
        if (orc_handle_get(m, s->handle, &hi) != ORC_OK || !hi.bound || hi.freed)
            return false;
        orc_id y = ORC_NULL;
        if (s->src != HX_NULL) {
            y = local_id(m, s->src, &ls);
            if (ls != ORC_LOCAL_BOUND)
                return false;
        }
        snprintf(buf, n, "%s", hi.target == ORC_NULL ? "null" : hi.target == y ? "same" : "other");
        return true;
    }
    case HX_ST_EXPECT_FINALIZED: {
        orc_id id = local_id(m, s->obj, &ls);
        if (ls == ORC_LOCAL_UNBOUND)
            return false;
        uint32_t calls = 0;
        if (id != ORC_NULL && orc_obj_get(m, id, &oi) == ORC_OK)
            calls = oi.fin_calls;
        snprintf(buf, n, "%u", calls);
        return true;
    }
    case HX_ST_EXPECT_COLLECTIONS:
        snprintf(buf, n, "%llu", (unsigned long long)orc_collection_count(m, s->gen));
        return true;
    case HX_ST_EXPECT_PINNED:
        snprintf(buf, n, "%u", orc_pinned_count(m));
        return true;
    default:
        return false;
    }
}

/* ==== generator (.clr.observable) ========================================= */

typedef struct gstate {
    hx_program *p;
    orc_model *m;
    uint64_t rng;
    uint32_t t_node, t_leaf, t_triple, t_blob, t_refs, t_huge;
    uint32_t fin_types[8], nfin;
    unsigned large_allocs;
    uint32_t *hsrc;            /* per handle: the local it was made from */
    size_t hsrc_cap;
} gstate;

static uint64_t grand(gstate *g, uint64_t n) { return n ? hx_gen_next(&g->rng) % n : 0; }

static uint32_t add_type(hx_program *p, const char *name, hx_type_kind k, uint64_t size,
                         uint32_t refs, hx_fin_kind fin, uint32_t fin_static, uint32_t fin_alloc,
                         bool critical)
{
    hx_type t = {0};
    t.name = (char *)name;
    t.kind = k;
    t.size = size;
    t.nrefs = refs;
    t.fin = fin;
    t.fin_static = fin_static;
    t.fin_alloc = fin_alloc;
    t.critical = critical;
    return hx_program_add_type(p, &t);
}

/* Locals in state BOUND holding an object (want_obj) or anything bound. */
static uint32_t pick_local(gstate *g, bool want_obj, bool want_slots, bool want_fin)
{
    uint32_t n = g->p->nlocals, cands = 0, pick = HX_NONE;
    for (uint32_t i = 0; i < n; i++) {
        orc_local_state ls;
        orc_id id = local_id(g->m, i, &ls);
        if (ls != ORC_LOCAL_BOUND)
            continue;
        if (want_obj || want_slots || want_fin) {
            orc_obj_info oi;
            if (id == ORC_NULL || orc_obj_get(g->m, id, &oi) != ORC_OK)
                continue;
            if (want_slots && oi.nslots == 0)
                continue;
            if (want_fin && orc_type_get(g->m, oi.type)->fin == ORC_FIN_NONE)
                continue;
        }
        cands++;
        if (grand(g, cands) == 0)   /* reservoir sampling */
            pick = i;
    }
    return pick;
}

static uint32_t pick_handle(gstate *g)
{
    uint32_t cands = 0, pick = HX_NONE;
    for (uint32_t i = 0; i < g->p->nhandles; i++) {
        orc_handle_info hi;
        if (orc_handle_get(g->m, i, &hi) != ORC_OK || !hi.bound || hi.freed)
            continue;
        cands++;
        if (grand(g, cands) == 0)
            pick = i;
    }
    return pick;
}

static uint32_t new_local(gstate *g)
{
    char name[24];
    snprintf(name, sizeof name, "l%u", g->p->nlocals);
    return hx_program_add_local(g->p, name);
}

static uint32_t dst_local(gstate *g)
{
    if (g->p->nlocals > 0 && grand(g, 5) == 0)
        return (uint32_t)grand(g, g->p->nlocals);
    return new_local(g);
}

/* Append and apply; false when memory runs out or the oracle refuses (a
   generator bug: every operand is chosen valid). */
static bool emit(gstate *g, const hx_stmt *s)
{
    hx_stmt *d = hx_program_append(g->p, s->kind);
    if (!d)
        return false;
    *d = *s;
    if (hx_stmt_is_expect(s->kind)) {
        char v[32];
        if (!clr_value(g->m, s, v, sizeof v)) {
            g->p->nstmts--;
            return true;
        }
        switch (s->kind) {
        case HX_ST_EXPECT_GEN: d->gen = v[0] - '0'; break;
        case HX_ST_EXPECT_LOH:
            if (strcmp(v, "soh") == 0) d->kind = HX_ST_EXPECT_SOH;
            break;
        case HX_ST_EXPECT_SOH:
            if (strcmp(v, "loh") == 0) d->kind = HX_ST_EXPECT_LOH;
            break;
        case HX_ST_EXPECT_NULL:
            if (strcmp(v, "null") != 0) g->p->nstmts--;   /* only true ones */
            break;
        case HX_ST_EXPECT_TARGET:
            if (strcmp(v, "null") == 0) d->src = HX_NULL;
            else if (strcmp(v, "other") == 0) g->p->nstmts--;
            break;
        case HX_ST_EXPECT_FINALIZED:
        case HX_ST_EXPECT_COLLECTIONS:
        case HX_ST_EXPECT_PINNED:
            d->count = strtoull(v, NULL, 10);
            break;
        default: break;
        }
        return true;
    }
    return clr_apply(g->m, s) == ORC_OK;
}

static bool emit_simple(gstate *g, hx_stmt_kind k)
{
    hx_stmt s = {0};
    s.kind = k;
    s.src = HX_NULL;
    return emit(g, &s);
}

/* expect gen for every local naming an object pinned by a live handle */
static bool expect_pinned_gens(gstate *g)
{
    for (uint32_t i = 0; i < g->p->nlocals; i++) {
        orc_local_state ls;
        orc_id id = local_id(g->m, i, &ls);
        orc_obj_info oi;
        if (ls != ORC_LOCAL_BOUND || id == ORC_NULL || orc_obj_get(g->m, id, &oi) != ORC_OK || !oi.pinned)
            continue;
        hx_stmt s = {0};
        s.kind = HX_ST_EXPECT_GEN;
        s.obj = i;
        s.src = HX_NULL;
        if (!emit(g, &s))
            return false;
    }
    return true;
}

static bool gen_collect(gstate *g)
{
    hx_stmt s = {0};
    s.kind = HX_ST_COLLECT;
    s.src = HX_NULL;
    s.gen = (int)grand(g, 3);
    s.compact_loh = s.gen == 2 && grand(g, 3) == 0;
    if (!emit(g, &s) || !emit_simple(g, HX_ST_FINALIZE) || !expect_pinned_gens(g))
        return false;
    if (s.gen == 2) {
        hx_stmt z = {0};
        z.kind = HX_ST_COLLECT;
        z.src = HX_NULL;
        z.gen = 0;
        if (!emit(g, &z) || !emit_simple(g, HX_ST_FINALIZE) || !expect_pinned_gens(g))
            return false;
    }
    if (grand(g, 2) == 0) {
        hx_stmt e = {0};
        e.kind = HX_ST_EXPECT_PINNED;
        e.src = HX_NULL;
        if (!emit(g, &e))
            return false;
    }
    return true;
}

static bool gen_new(gstate *g)
{
    hx_stmt s = {0};
    s.kind = HX_ST_NEW;
    s.src = HX_NULL;
    uint64_t r = grand(g, 100);
    bool large_ok = g->large_allocs < 6;
    if (r < 18) s.type = g->t_node;
    else if (r < 30) s.type = g->t_leaf;
    else if (r < 38) s.type = g->t_triple;
    else if (r < 62) s.type = g->fin_types[grand(g, g->nfin)];
    else if (r < 80) {
        s.type = g->t_blob;
        uint64_t c = grand(g, 4);
        s.length = c < 2 || !large_ok ? grand(g, 200) : c == 2 ? 84970 + grand(g, 12) : 100000;
    } else if (r < 97) {
        s.type = g->t_refs;
        uint64_t c = grand(g, 5);
        s.length = c < 3 || !large_ok ? 1 + grand(g, 8) : c == 3 ? 10619 + grand(g, 5) : 12000;
    } else
        s.type = large_ok ? g->t_huge : g->t_leaf;
    if (orc_instance_is_large(g->m, s.type, s.length))
        g->large_allocs++;
    s.dst = dst_local(g);
    return s.dst != HX_NONE && emit(g, &s);
}

static bool gen_expect(gstate *g)
{
    hx_stmt s = {0};
    s.src = HX_NULL;
    switch (grand(g, 7)) {
    case 0: case 1:
        s.kind = HX_ST_EXPECT_GEN;
        if ((s.obj = pick_local(g, true, false, false)) == HX_NONE) return true;
        break;
    case 2:
        s.kind = grand(g, 2) ? HX_ST_EXPECT_LOH : HX_ST_EXPECT_SOH;
        if ((s.obj = pick_local(g, true, false, false)) == HX_NONE) return true;
        break;
    case 3:
        s.kind = HX_ST_EXPECT_NULL;
        if ((s.obj = pick_local(g, false, false, false)) == HX_NONE) return true;
        break;
    case 4: {
        s.kind = HX_ST_EXPECT_TARGET;
        if ((s.handle = pick_handle(g)) == HX_NONE) return true;
        uint32_t y = s.handle < g->hsrc_cap ? g->hsrc[s.handle] : HX_NONE;
        orc_local_state ls;
        if (y != HX_NONE) {
            local_id(g->m, y, &ls);
            s.src = ls == ORC_LOCAL_BOUND ? y : HX_NULL;
        }
        break;
    }
    case 5: {
        s.kind = HX_ST_EXPECT_FINALIZED;
        uint32_t n = g->p->nlocals;
        if (n == 0) return true;
        s.obj = (uint32_t)grand(g, n);
        orc_local_state ls;
        if (local_id(g->m, s.obj, &ls) == ORC_NULL || ls == ORC_LOCAL_UNBOUND) return true;
        break;
    }
    default:
        s.kind = HX_ST_EXPECT_COLLECTIONS;
        s.gen = (int)grand(g, 3);
        break;
    }
    return emit(g, &s);
}

static bool gen_step(gstate *g)
{
    hx_stmt s = {0};
    s.src = HX_NULL;
    uint64_t r = grand(g, 100);
    if (r < 26) return gen_new(g);
    if (r < 34) {   /* store */
        s.kind = HX_ST_STORE;
        if ((s.obj = pick_local(g, true, true, false)) == HX_NONE) return gen_new(g);
        orc_obj_info oi;
        orc_obj_get(g->m, local_id(g->m, s.obj, NULL), &oi);
        s.slot = grand(g, oi.nslots);
        if (grand(g, 4) != 0) {
            uint32_t v = pick_local(g, false, false, false);
            s.src = v == HX_NONE ? HX_NULL : v;
        }
        return emit(g, &s);
    }
    if (r < 38) {   /* load */
        s.kind = HX_ST_LOAD;
        if ((s.obj = pick_local(g, true, true, false)) == HX_NONE) return gen_new(g);
        orc_obj_info oi;
        orc_obj_get(g->m, local_id(g->m, s.obj, NULL), &oi);
        s.slot = grand(g, oi.nslots);
        if ((s.dst = dst_local(g)) == HX_NONE) return false;
        return emit(g, &s);
    }
    if (r < 41) {   /* copy */
        s.kind = HX_ST_COPY;
        if ((s.src = pick_local(g, false, false, false)) == HX_NONE) return gen_new(g);
        if ((s.dst = dst_local(g)) == HX_NONE) return false;
        return emit(g, &s);
    }
    if (r < 50) {   /* drop */
        s.kind = HX_ST_DROP;
        if ((s.obj = pick_local(g, false, false, false)) == HX_NONE) return gen_new(g);
        return emit(g, &s);
    }
    if (r < 57) {   /* handle */
        s.kind = HX_ST_HANDLE;
        if ((s.obj = pick_local(g, true, false, false)) == HX_NONE) return gen_new(g);
        s.hkind = (hx_handle_kind)grand(g, 4);
        char name[24];
        snprintf(name, sizeof name, "h%u", g->p->nhandles);
        if ((s.handle = hx_program_add_handle(g->p, name)) == HX_NONE) return false;
        if (!HX_RESERVE(g->hsrc, g->hsrc_cap, (size_t)s.handle + 1, 16)) return false;
        g->hsrc[s.handle] = s.obj;
        return emit(g, &s);
    }
    if (r < 60) {   /* free */
        s.kind = HX_ST_FREE;
        if ((s.handle = pick_handle(g)) == HX_NONE) return gen_new(g);
        return emit(g, &s);
    }
    if (r < 62) {   /* target */
        s.kind = HX_ST_TARGET;
        if ((s.handle = pick_handle(g)) == HX_NONE) return gen_new(g);
        if ((s.dst = dst_local(g)) == HX_NONE) return false;
        return emit(g, &s);
    }
    if (r < 65) {   /* static set */
        s.kind = HX_ST_STATIC_SET;
        s.stat = (uint32_t)grand(g, 4);
        if (grand(g, 3) != 0) {
            uint32_t v = pick_local(g, false, false, false);
            s.src = v == HX_NONE ? HX_NULL : v;
        }
        return emit(g, &s);
    }
    if (r < 67) {   /* static get */
        s.kind = HX_ST_STATIC_GET;
        s.stat = (uint32_t)grand(g, 4);
        if ((s.dst = dst_local(g)) == HX_NONE) return false;
        return emit(g, &s);
    }
    if (r < 71) {   /* suppress / reregister a finalizable object */
        s.kind = grand(g, 2) ? HX_ST_SUPPRESS : HX_ST_REREGISTER;
        if ((s.obj = pick_local(g, true, false, true)) == HX_NONE) return gen_new(g);
        return emit(g, &s);
    }
    if (r < 80) return gen_collect(g);
    return gen_expect(g);
}

bool hx_gen_clr(uint64_t seed, size_t ops, hx_program *out)
{
    hx_program_init(out);
    gstate g = {0};
    g.p = out;
    g.rng = seed ^ 0xc1c1c1c1c1c1c1c1ULL;
    hx_heap_config *h = &out->heap;
    h->value[HX_KEY_GEN0_BUDGET] = 0;   /* only `collect` collects */
    h->value[HX_KEY_GEN1_BUDGET] = 0;
    h->value[HX_KEY_GEN2_BUDGET] = 0;
    h->value[HX_KEY_LOH_BUDGET] = 0;
    h->profile = HX_PROFILE_CLR;
    /* sizes leave 8 bytes for the CoreCLR runner's object id, so every
       instance has the same size there (docs/clr.md) */
    g.t_node = add_type(out, "Node", HX_TYPE_FIXED, 40, 2, HX_FIN_NONE, 0, 0, false);
    g.t_leaf = add_type(out, "Leaf", HX_TYPE_FIXED, 24, 0, HX_FIN_NONE, 0, 0, false);
    g.t_triple = add_type(out, "Triple", HX_TYPE_FIXED, 48, 3, HX_FIN_NONE, 0, 0, false);
    g.t_blob = add_type(out, "Blob", HX_TYPE_BYTE_ARRAY, 0, 0, HX_FIN_NONE, 0, 0, false);
    g.t_refs = add_type(out, "Refs", HX_TYPE_REF_ARRAY, 0, 0, HX_FIN_NONE, 0, 0, false);
    g.t_huge = add_type(out, "Huge", HX_TYPE_FIXED, 90000, 2, HX_FIN_NONE, 0, 0, false);
    g.fin_types[g.nfin++] = add_type(out, "Fin", HX_TYPE_FIXED, 24, 0, HX_FIN_COUNT, 0, 0, false);
    g.fin_types[g.nfin++] = add_type(out, "Crit", HX_TYPE_FIXED, 24, 0, HX_FIN_COUNT, 0, 0, true);
    g.fin_types[g.nfin++] = add_type(out, "Phoenix", HX_TYPE_FIXED, 40, 1, HX_FIN_RESURRECT, 0, 0, false);
    g.fin_types[g.nfin++] = add_type(out, "Again", HX_TYPE_FIXED, 24, 0, HX_FIN_REREGISTER, 0, 0, false);
    g.fin_types[g.nfin++] = add_type(out, "Both", HX_TYPE_FIXED, 32, 1, HX_FIN_RESURRECT_REREGISTER, 1, 0, false);
    g.fin_types[g.nfin++] = add_type(out, "Maker", HX_TYPE_FIXED, 24, 0, HX_FIN_ALLOC, 0, g.t_leaf, false);
    g.fin_types[g.nfin++] = add_type(out, "CritNode", HX_TYPE_FIXED, 40, 2, HX_FIN_COUNT, 0, 0, true);
    for (unsigned i = 0; i < g.nfin; i++)
        if (g.fin_types[i] == HX_NONE)
            goto fail;
    g.m = clr_model(out);
    if (!g.m)
        goto fail;
    while (out->nstmts < ops)
        if (!gen_step(&g))
            goto fail;
    orc_destroy(g.m);
    free(g.hsrc);
    hx_program_compact_tables(out);
    hx_program_renumber(out);
    return true;
fail:
    if (g.m)
        orc_destroy(g.m);
    free(g.hsrc);
    hx_program_free(out);
    return false;
}

/* ==== comparison (.clr.compare) ============================================ */

typedef struct obs_line {
    uint32_t line;
    bool fin;                  /* a `fin` record */
    int gc;                    /* a `gc` record: 1 + the generation CoreCLR collected */
    bool mate;                 /* a `mate` record: ids[0] next to pinned ids[1];
                                  a `pin` record: ids[0] pinned (nids 1) */
    int mate_gen;              /* its generation right after the collection */
    uint64_t mate_gap;         /* bytes between them */
    bool na;
    char kind[16];
    char value[24];
    uint32_t *ids;             /* fin: program-relative object ids */
    size_t nids;
} obs_line;

typedef struct obs_block {
    char path[1024];
    obs_line *v;
    size_t n, cap;
    char problem[512];         /* nondeterministic / stop / error line */
    unsigned variant;          /* `variant K N`: K-th of N distinct CoreCLR runs (0: all runs alike) */
} obs_block;

static void block_clear(obs_block *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i].ids);
    b->n = 0;
    b->problem[0] = '\0';
    b->path[0] = '\0';
    b->variant = 0;
}

static obs_line *block_add(obs_block *b)
{
    if (!HX_RESERVE(b->v, b->cap, b->n + 1, 64))
        return NULL;
    obs_line *o = &b->v[b->n++];
    memset(o, 0, sizeof *o);
    return o;
}

static const obs_line *block_find(const obs_block *b, uint32_t line, bool fin)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].line == line && b->v[i].fin == fin && b->v[i].gc == 0 && !b->v[i].mate)
            return &b->v[i];
    return NULL;
}

/* The generation CoreCLR collected at a `collect` (-1: not reported). */
static int block_gc(const obs_block *b, uint32_t line)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].line == line && b->v[i].gc > 0)
            return b->v[i].gc - 1;
    return -1;
}

/* Disagreement categories (the summary counts each). */
enum { CAT_GEN, CAT_GEN_PINNING, CAT_PINNED, CAT_FIN, CAT_OTHER, CAT_COUNT };
static const char *const cat_name[CAT_COUNT] = { "gen", "gen-pinning", "pinned_count", "finalizer",
                                                 "other" };

/* Whether a collection since the object's birth saw a pinned object: a
   younger generation than the oracle's is then most likely CoreCLR keeping
   the pinned object's plug-mates in their generation. */
static bool pinning_since_birth(const orc_model *m, orc_id id)
{
    orc_obj_info oi;
    if (orc_obj_get(m, id, &oi) != ORC_OK)
        return false;
    uint64_t total = orc_gc_total(m);
    for (uint64_t g = oi.birth_gc + 1; g <= total; g++) {
        orc_gc_record rec;
        if (orc_gc_log_get(m, g, &rec) == ORC_OK && rec.pinned_count > 0)
            return true;
    }
    return false;
}

/* .clr.demote for plug-mates: the runner reports, right after each
   `collect`, every unpinned live object next to a pinned one in address
   order (no live program object between them, the same heap region) with
   its generation.  One CoreCLR reports younger than the oracle is presented
   to the oracle as kept next to that pinned object (orc_obj_demote_mate
   checks that the neighbour was a pinned survivor of this collection and
   that the generation lies between the object's generation before the
   collection and the one the oracle gives it).  Any other younger
   generation stays a disagreement. */
static void follow_mates(orc_model *m, const obs_block *b, uint32_t line, hx_clr_stats *st)
{
    for (size_t i = 0; i < b->n; i++) {   /* pinned objects first: `pin` lines */
        const obs_line *o = &b->v[i];
        orc_obj_info oi;
        if (!o->mate || o->line != line || o->nids != 1 || orc_obj_get(m, o->ids[0], &oi) != ORC_OK ||
            !oi.alive || o->mate_gen >= oi.gen)
            continue;
        if (orc_obj_demote(m, o->ids[0], o->mate_gen) == ORC_OK)
            st->demotions++;
    }
    for (size_t i = 0; i < b->n; i++) {
        const obs_line *o = &b->v[i];
        if (!o->mate || o->line != line || o->nids != 2)
            continue;
        orc_obj_info oi;
        if (orc_obj_get(m, o->ids[0], &oi) != ORC_OK || !oi.alive || o->mate_gen >= oi.gen)
            continue;
        if (orc_obj_demote_mate(m, o->ids[0], o->mate_gen, o->ids[1]) == ORC_OK) {
            st->mate_demotions++;
            st->mate_plug += o->mate_gap == 0;
        }
    }
}

typedef struct replay_result {
    size_t at;                 /* statement index of the first disagreement */
    int cat;
    char msg[400];
    hx_clr_stats st;           /* counts of this replay */
} replay_result;

/* Replays p on a fresh clr-profile model following CoreCLR's finalizer
   calls; collections whose index is flagged in nopromo are presented as
   clr no-promotion collections (.clr.no-promotion).  0 agree, 1 disagree
   (r filled), 2 the oracle could not be set up. */
static int replay(const hx_program *p, const obs_block *b, const bool *nopromo, bool verbose,
                  FILE *out, replay_result *r)
{
    memset(r, 0, sizeof *r);
    orc_model *m = clr_model(p);
    if (!m)
        return 2;
    hx_clr_stats *st = &r->st;
    int rc = 0;
    for (size_t i = 0; i < p->nstmts && rc == 0; i++) {
        const hx_stmt *s = &p->stmts[i];
        r->at = i;
        if (hx_stmt_is_expect(s->kind)) {
            const obs_line *o = block_find(b, s->pos.line, false);
            if (!o) {
                snprintf(r->msg, sizeof r->msg, "no observation from CoreCLR");
                r->cat = CAT_OTHER;
                rc = 1;
                break;
            }
            if (o->na) {
                st->not_observable++;
                continue;
            }
            char v[32];
            if (!clr_value(m, s, v, sizeof v)) {
                snprintf(r->msg, sizeof r->msg, "the oracle cannot evaluate it (program error)");
                r->cat = CAT_OTHER;
                rc = 1;
                break;
            }
            st->compared++;
            if (strcmp(v, o->value) == 0)
                continue;
            r->cat = s->kind == HX_ST_EXPECT_GEN ? CAT_GEN : s->kind == HX_ST_EXPECT_PINNED ? CAT_PINNED
                                                                                          : CAT_OTHER;
            if (s->kind == HX_ST_EXPECT_GEN && o->value[0] >= '0' && o->value[0] < v[0]) {
                orc_id id = local_id(m, s->obj, NULL);
                if (orc_obj_demote(m, id, o->value[0] - '0') == ORC_OK) {
                    st->demotions++;
                    continue;
                }
                snprintf(r->msg, sizeof r->msg, "oracle (clr) gen %s, CoreCLR gen %s; not a clr demotion "
                         "(no pinned neighbour observed where the oracle allows one): %s",
                         v, o->value, orc_last_error(m));
                if (pinning_since_birth(m, id))
                    r->cat = CAT_GEN_PINNING;
            } else
                snprintf(r->msg, sizeof r->msg, "oracle (clr) %s, CoreCLR %s", v, o->value);
            rc = 1;
            break;
        }
        if (s->kind == HX_ST_FINALIZE) {
            r->cat = CAT_FIN;
            const obs_line *o = block_find(b, s->pos.line, true);
            if (!o) {
                snprintf(r->msg, sizeof r->msg, "no finalizer record from CoreCLR");
                rc = 1;
                break;
            }
            if (orc_finalize_begin(m, 0) != ORC_OK) {
                snprintf(r->msg, sizeof r->msg, "%s", orc_last_error(m));
                rc = 1;
                break;
            }
            bool noted = false;
            for (size_t k = 0; k < o->nids && rc == 0; k++) {
                orc_id id = o->ids[k];
                orc_id next = orc_finalize_next(m);
                if (next != id) {
                    if (verbose && out && !noted)
                        fprintf(out, "note %s:%u: the strict order calls #%u where CoreCLR calls #%u\n",
                                b->path, s->pos.line, next, id);
                    noted = true;
                    st->strict_order_differs++;
                }
                orc_fin_call call;
                if (orc_finalize_call_begin(m, id, &call) != ORC_OK) {
                    snprintf(r->msg, sizeof r->msg, "CoreCLR's finalizer call %zu on #%u: %s", k + 1, id,
                             orc_last_error(m));
                    /* an object the oracle holds in a generation the last
                       collection did not condemn, with pinning around it:
                       the plug-mate difference again (gen-pinning) */
                    orc_obj_info oi;
                    orc_gc_record last;
                    if (orc_obj_get(m, id, &oi) == ORC_OK && oi.alive && orc_last_gc(m, &last) &&
                        oi.gen > last.gen && pinning_since_birth(m, id)) {
                        r->cat = CAT_GEN_PINNING;
                        size_t l = strlen(r->msg);
                        snprintf(r->msg + l, sizeof r->msg - l,
                                 " (the oracle holds it in gen %d; a pinned object was near it)", oi.gen);
                    }
                    rc = 1;
                    break;
                }
                st->fin_calls++;
                if (call.behaviour == ORC_FIN_ALLOC &&
                    orc_alloc(m, ORC_LOCAL_NONE, call.alloc_type, 0, NULL) != ORC_OK) {
                    snprintf(r->msg, sizeof r->msg, "%s", orc_last_error(m));
                    rc = 1;
                    break;
                }
                orc_finalize_call_end(m);
            }
            if (rc == 0 && orc_finalize_end(m) != ORC_OK) {
                snprintf(r->msg, sizeof r->msg, "CoreCLR made fewer finalizer calls: %s", orc_last_error(m));
                rc = 1;
            }
            continue;
        }
        orc_status os;
        int cgen = s->kind == HX_ST_COLLECT ? block_gc(b, s->pos.line) : -1;
        if (cgen > s->gen)
            st->escalations++;   /* CoreCLR collected an older generation: follow it */
        else
            cgen = s->gen;
        if (s->kind == HX_ST_COLLECT && cgen != s->gen && !nopromo[i])
            os = orc_collect(m, cgen, s->compact_loh && cgen == 2);
        else if (s->kind == HX_ST_COLLECT && nopromo[i]) {
            orc_gc_request rq = {0};
            rq.gen = cgen;
            rq.reason = ORC_REASON_INDUCED;
            rq.compact_loh = s->compact_loh;
            rq.no_promotion = true;
            os = orc_gc(m, &rq);
        } else
            os = clr_apply(m, s);
        if (os != ORC_OK) {
            snprintf(r->msg, sizeof r->msg, "the oracle refuses it: %s", orc_last_error(m));
            r->cat = CAT_OTHER;
            rc = 1;
        }
        if (rc == 0 && s->kind == HX_ST_COLLECT)
            follow_mates(m, b, s->pos.line, st);
    }
    orc_destroy(m);
    return rc;
}

/* 0 agree, 1 disagree, 2 cannot compare.  Collections CoreCLR ran without
   promoting are found by search: at a disagreement, the latest gen0 / gen1
   `collect` before it is presented as a no-promotion collection if that
   moves the first disagreement later (at most 24 rounds). */
static int compare_block(const obs_block *b, FILE *out, bool verbose, hx_clr_stats *st,
                         unsigned long *cats)
{
    char *buf;
    size_t len;
    if (hx_read_file(b->path, &buf, &len) != 0) {
        fprintf(out, "clr-compare: %s: cannot read\n", b->path);
        return 2;
    }
    hx_program p;
    hx_diag d;
    bool ok = hx_parse(buf, len, b->path, &p, &d);
    free(buf);
    if (!ok) {
        char msg[512];
        hx_diag_format(&d, msg, sizeof msg);
        fprintf(out, "clr-compare: %s\n", msg);
        return 2;
    }
    if (b->problem[0]) {
        fprintf(out, "DISAGREE [other] %s: CoreCLR run: %s\n", b->path, b->problem);
        cats[CAT_OTHER]++;
        hx_program_free(&p);
        return 1;
    }
    bool *np = calloc(p.nstmts + 1, sizeof *np);
    if (!np) {
        hx_program_free(&p);
        return 2;
    }
    replay_result r, r2;
    int rc = replay(&p, b, np, false, NULL, &r);
    unsigned flagged = 0;
    for (unsigned round = 0; rc == 1 && round < 24; round++) {
        bool moved = false;
        for (size_t c = r.at; c-- > 0;) {
            const hx_stmt *s = &p.stmts[c];
            if (s->kind != HX_ST_COLLECT || s->gen == 2 || np[c])
                continue;
            np[c] = true;
            int rc2 = replay(&p, b, np, false, NULL, &r2);
            if (rc2 == 0 || (rc2 == 1 && r2.at > r.at)) {
                rc = rc2;
                r = r2;
                moved = true;
                flagged++;
                break;
            }
            np[c] = false;
            break;   /* only the latest ephemeral collection is a candidate */
        }
        if (!moved)
            break;
    }
    if (rc == 2) {
        fprintf(out, "clr-compare: %s: the oracle refused the program's heap or types\n", b->path);
    } else {
        replay(&p, b, np, verbose, out, &r2);   /* again for the notes and counts */
        st->compared += r2.st.compared;
        st->not_observable += r2.st.not_observable;
        st->demotions += r2.st.demotions;
        st->mate_demotions += r2.st.mate_demotions;
        st->mate_plug += r2.st.mate_plug;
        st->fin_calls += r2.st.fin_calls;
        st->strict_order_differs += r2.st.strict_order_differs;
        st->no_promotion += flagged;
        st->escalations += r2.st.escalations;
        if (rc == 1) {
            char txt[200];
            hx_stmt_format(&p, &p.stmts[r.at], txt, sizeof txt);
            fprintf(out, "DISAGREE [%s] %s:%u: `%s`: %s\n", cat_name[r.cat], b->path,
                    p.stmts[r.at].pos.line, txt, r.msg);
            cats[r.cat]++;
        } else if (verbose)
            fprintf(out, "agree %s%s\n", b->path, flagged ? " (with clr no-promotion collections)" : "");
    }
    free(np);
    hx_program_free(&p);
    return rc;
}

static bool parse_obs(obs_block *b, const char *line)
{
    char kind[16] = "";
    unsigned ln = 0;
    int used = 0;
    if (strncmp(line, "obs ", 4) == 0 || strncmp(line, "na ", 3) == 0) {
        bool na = line[0] == 'n';
        char val[24] = "";
        if (sscanf(line + (na ? 3 : 4), "%u %15s %n", &ln, kind, &used) < 2)
            return false;
        if (!na && sscanf(line + 4 + used, "%23s", val) != 1)
            return false;
        obs_line *o = block_add(b);
        if (!o)
            return false;
        o->line = ln;
        o->na = na;
        snprintf(o->kind, sizeof o->kind, "%s", kind);
        snprintf(o->value, sizeof o->value, "%s", val);
        return true;
    }
    if (strncmp(line, "mate ", 5) == 0) {
        unsigned id, pin;
        int gen;
        unsigned long long gap;
        if (sscanf(line + 5, "%u %u %d %u %llu", &ln, &id, &gen, &pin, &gap) != 5 || gen < 0 ||
            gen > 2 || id == 0 || pin == 0)
            return false;
        obs_line *o = block_add(b);
        if (!o || !(o->ids = malloc(2 * sizeof *o->ids)))
            return false;
        o->line = ln;
        o->mate = true;
        o->mate_gen = gen;
        o->mate_gap = gap;
        o->ids[0] = id;
        o->ids[1] = pin;
        o->nids = 2;
        return true;
    }
    if (strncmp(line, "pin ", 4) == 0) {
        unsigned id;
        int gen;
        if (sscanf(line + 4, "%u %u %d", &ln, &id, &gen) != 3 || gen < 0 || gen > 2 || id == 0)
            return false;
        obs_line *o = block_add(b);
        if (!o || !(o->ids = malloc(sizeof *o->ids)))
            return false;
        o->line = ln;
        o->mate = true;
        o->mate_gen = gen;
        o->ids[0] = id;
        o->nids = 1;
        return true;
    }
    if (strncmp(line, "gc ", 3) == 0) {
        int gen;
        if (sscanf(line + 3, "%u %d", &ln, &gen) != 2 || gen < 0 || gen > 2)
            return false;
        obs_line *o = block_add(b);
        if (!o)
            return false;
        o->line = ln;
        o->gc = gen + 1;
        return true;
    }
    if (strncmp(line, "fin ", 4) == 0) {
        const char *q = line + 4;
        if (sscanf(q, "%u%n", &ln, &used) != 1)
            return false;
        q += used;
        obs_line *o = block_add(b);
        if (!o)
            return false;
        o->line = ln;
        o->fin = true;
        size_t cap = 0;
        for (;;) {
            unsigned id;
            if (sscanf(q, "%u%n", &id, &used) != 1)
                break;
            q += used;
            if (!HX_PUSH(o->ids, o->nids, cap, id))
                return false;
        }
        return true;
    }
    return false;
}

int hx_clr_compare_file(FILE *in, const char *name, FILE *out, bool verbose, hx_clr_stats *st)
{
    memset(st, 0, sizeof *st);
    obs_block b = {0};
    char line[8192];
    unsigned lineno = 0;
    bool open = false;
    int rc = 0;
    while (fgets(line, sizeof line, in)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "program ", 8) == 0) {
            block_clear(&b);
            snprintf(b.path, sizeof b.path, "%.1000s", line + 8);
            open = true;
        } else if (!open) {
            fprintf(out, "clr-compare: %s:%u: expected 'program PATH'\n", name, lineno);
            rc = 2;
            break;
        } else if (strncmp(line, "end ", 4) == 0) {
            /* the distinct runs of one program arrive as consecutive blocks
               (`variant K N`); each is compared, the program counted once */
            if (b.variant <= 1)
                st->programs++;
            if (b.variant == 1)
                st->varied++;
            if (b.variant > 1)
                st->variants_extra++;
            int r = compare_block(&b, out, verbose, st, st->by_category);
            if (r == 2) {
                rc = 2;
                break;
            }
            if (r == 1) {
                st->disagreeing++;
                rc = 1;
            }
            open = false;
        } else if (strncmp(line, "nondeterministic ", 17) == 0 || strncmp(line, "stop ", 5) == 0 ||
                   strncmp(line, "error ", 6) == 0) {
            if (!b.problem[0])
                snprintf(b.problem, sizeof b.problem, "%.500s", line);
        } else if (strncmp(line, "variant ", 8) == 0) {
            unsigned k = 0, n = 0;
            if (sscanf(line + 8, "%u %u", &k, &n) != 2 || k == 0 || k > n) {
                fprintf(out, "clr-compare: %s:%u: cannot read '%s'\n", name, lineno, line);
                rc = 2;
                break;
            }
            b.variant = k;
        } else if (strncmp(line, "note ", 5) == 0) {
            /* a note of the runner (a type's size on CoreCLR): informative */
        } else if (!parse_obs(&b, line)) {
            fprintf(out, "clr-compare: %s:%u: cannot read '%s'\n", name, lineno, line);
            rc = 2;
            break;
        }
    }
    if (rc != 2 && open) {
        fprintf(out, "clr-compare: %s: the last program has no 'end' line\n", name);
        rc = 2;
    }
    block_clear(&b);
    free(b.v);
    return rc;
}
