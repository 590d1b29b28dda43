/* check_rt_collect.c -- the collector: promotion, cards, compaction with a
 * shadow graph, pinning, sweep-only mode, and a seeded random stress test. */
#include "check_rt_core.h"
#include <stdio.h>
#include <stdlib.h>

/* ===================== promotion ladder ============================== */

START_TEST(test_promotion_ladder)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 32, 1);
    mgc_ref r[3] = { NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 3), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[0]), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 0);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 1);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[1]), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 2);
    ck_assert_int_eq(mgc_generation(h, r[1]), 1);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[2]), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 2);
    ck_assert_int_eq(mgc_generation(h, r[1]), 2);
    ck_assert_int_eq(mgc_generation(h, r[2]), 1);     /* strict: gen0 -> gen1 even in a gen2 GC */
    ck_assert_uint_eq(mgc_collection_count(h, 0), 3);
    ck_assert_uint_eq(mgc_collection_count(h, 1), 2);
    ck_assert_uint_eq(mgc_collection_count(h, 2), 1);
    mgc_stats s;
    mgc_get_stats(h, &s);
    ck_assert_uint_eq(s.induced, 3);
    ck_assert_uint_eq(s.gen_size[0], 0);
    ck_assert_uint_eq(s.gen_size[1], 32);
    ck_assert_uint_eq(s.gen_size[2], 64);
    ck_assert_uint_eq(s.promoted_gen0, 32);
    ck_assert_uint_eq(s.promoted_gen1, 32);
    ck_assert_int_eq(mgc_collect(h, 3, 0), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_collect(h, -1, 0), MGC_E_BAD_ARG);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* ===================== old-to-young through the cards ================ */

START_TEST(test_young_reachable_from_gen2_only)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 40, 1);   /* 16 payload bytes */
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    mgc_ref r[3] = { NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 3), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[0]), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 2);
    /* young B referenced only from the gen2 object A; C is garbage */
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 100, &r[1]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 100, &r[2]), MGC_OK);
    uint8_t *p = mgc_payload(r[1], NULL);
    for (int i = 0; i < 100; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    mgc_store(h, r[0], 0, r[1]);
    gcf_core_verify(h);                        /* the card is set */
    r[1] = NULL;
    r[2] = NULL;
    ck_assert_uint_eq(gcf_core_walk(h).objects, 3);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    mgc_ref b = mgc_load(h, r[0], 0);
    ck_assert_ptr_nonnull(b);
    ck_assert(mgc_is_object(h, b));
    ck_assert_int_eq(mgc_generation(h, b), 1);
    ck_assert_uint_eq(mgc_array_length(b), 100);
    p = mgc_payload(b, NULL);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(p[i], (uint8_t)(i * 7 + 3));
    ck_assert_uint_eq(gcf_core_walk(h).objects, 2);     /* C was reclaimed */
    gcf_core_verify(h);                        /* gen2 -> gen1 still carded */
    /* clearing the reference: the next collection reclaims B and clears the card */
    mgc_store(h, r[0], 0, NULL);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_uint_eq(gcf_core_walk(h).objects, 1);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* ===================== pinning ======================================= */

START_TEST(test_pinned_never_moves)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 48, 1);
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    mgc_set_event_callback(h, gcf_core_event_fn, &ev);
    mgc_ref r[4] = { NULL, NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 4), MGC_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[i]), MGC_OK);
    mgc_handle ph;
    ck_assert_int_eq(mgc_handle_alloc(h, MGC_HANDLE_PINNED, r[1], &ph), MGC_OK);
    mgc_ref pinned_at = r[1], c_before = r[3];
    memset(mgc_payload(r[3], NULL), 0x5a, 24);
    r[0] = NULL;             /* dead, in front of the pinned plug */
    r[1] = NULL;             /* kept alive by the pinned handle only */
    r[2] = NULL;             /* dead, between the plug and C */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    mgc_ref b;
    ck_assert_int_eq(mgc_handle_get(h, ph, &b), MGC_OK);
    ck_assert_ptr_eq(b, pinned_at);
    ck_assert_int_eq(mgc_generation(h, b), 0);            /* .plan.demote: keeps gen0 */
    ck_assert_int_eq(mgc_generation(h, r[3]), 1);         /* its neighbour is promoted */
    gcf_core_verify(h);
    ck_assert_ptr_eq(r[3], (uint8_t *)pinned_at + 48);    /* C slid down behind the plug */
    ck_assert_ptr_ne(r[3], c_before);
    uint8_t *p = mgc_payload(r[3], NULL);
    for (int i = 0; i < 24; i++)
        ck_assert_uint_eq(p[i], 0x5a);
    ck_assert_uint_eq(ev.n, 1);
    ck_assert_uint_eq(ev.pinned[0], 1);
    gcf_core_count c = gcf_core_walk(h);
    ck_assert_uint_eq(c.objects, 2);
    ck_assert_uint_eq(c.free_objects, 1);                 /* the gap in front of the plug */
    mgc_stats s;
    mgc_get_stats(h, &s);
    ck_assert_uint_eq(s.pinned_last_gc, 1);
    /* still gen0 while pinned: every collection condemns and counts it */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_uint_eq(ev.pinned[1], 1);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_uint_eq(ev.pinned[2], 1);
    ck_assert_int_eq(mgc_generation(h, r[3]), 2);
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(h, ph, &b), MGC_OK);
    ck_assert_ptr_eq(b, pinned_at);
    ck_assert_int_eq(mgc_generation(h, b), 0);
    gcf_core_verify(h);
    /* unpinned and still referenced, it promotes one generation per
       collection (still below its range's generation after the first) */
    r[1] = b;
    ck_assert_int_eq(mgc_handle_free(h, ph), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[1]), 1);
    gcf_core_verify(h);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);       /* not condemned */
    ck_assert_int_eq(mgc_generation(h, r[1]), 1);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[1]), 2);
    ck_assert_ptr_eq(r[1], pinned_at);                    /* gen2 range, never moved */
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* .plan.demote with cards (.cards.demoted): a demoted object below the
   condemned range is traced (its referent survives and its slot is
   relocated), an old object referring to it keeps its card, and once dead
   it becomes free space in place and roots nothing. */
START_TEST(test_demoted_below_condemned)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 48, 1);
    mgc_ref r[6] = { NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 6), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[0]), MGC_OK);     /* O */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);                /* O: gen1 */
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[1]), MGC_OK);     /* P */
    mgc_handle ph;
    ck_assert_int_eq(mgc_handle_alloc(h, MGC_HANDLE_PINNED, r[1], &ph), MGC_OK);
    mgc_store(h, r[0], 0, r[1]);                                   /* O -> P */
    mgc_ref p_at = r[1];
    r[1] = NULL;
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, p_at), 0);                  /* demoted in gen1's range */
    ck_assert_int_eq(mgc_generation(h, r[0]), 1);
    gcf_core_verify(h);                                            /* O's card is set */
    /* P refers to a young Y that moves: garbage in front of Y */
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[2]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[3]), MGC_OK);     /* Y */
    mgc_store(h, p_at, 0, r[3]);
    mgc_ref y_before = r[3];
    mgc_handle wy;
    ck_assert_int_eq(mgc_handle_alloc(h, MGC_HANDLE_WEAK, r[3], &wy), MGC_OK);
    r[2] = r[3] = NULL;                                            /* Y: only P refers to it */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    mgc_ref y = NULL;
    ck_assert_int_eq(mgc_handle_get(h, wy, &y), MGC_OK);
    ck_assert_ptr_nonnull(y);                                      /* traced through P */
    ck_assert_ptr_ne(y, y_before);                                 /* Y moved... */
    ck_assert_ptr_eq(mgc_load(h, p_at, 0), y);                     /* ...and P's slot followed */
    ck_assert_int_eq(mgc_generation(h, y), 1);
    ck_assert_int_eq(mgc_generation(h, p_at), 0);
    gcf_core_verify(h);
    /* P now refers to a fresh gen0 Z; then P dies: it becomes free space
       and its card-covered slot does not keep Z alive */
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[4]), MGC_OK);     /* Z */
    mgc_store(h, p_at, 0, r[4]);
    mgc_handle wz;
    ck_assert_int_eq(mgc_handle_alloc(h, MGC_HANDLE_WEAK, r[4], &wz), MGC_OK);
    r[4] = NULL;
    mgc_store(h, r[0], 0, NULL);                                   /* O no longer refers to P */
    ck_assert_int_eq(mgc_handle_free(h, ph), MGC_OK);
    ck_assert(mgc_is_object(h, p_at));
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert(!mgc_is_object(h, p_at));                            /* freed in place */
    mgc_ref z = NULL;
    ck_assert_int_eq(mgc_handle_get(h, wz, &z), MGC_OK);
    ck_assert_ptr_null(z);
    gcf_core_count c = gcf_core_walk(h);
    ck_assert_uint_ge(c.free_objects, 1);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* .plan.demote in a gen1 collection: a pinned gen0 object and a pinned gen1
   object keep their generations while their neighbours are promoted; the
   gen1 one lies in gen2's range, the gen0 one in gen1's or gen2's. */
START_TEST(test_demoted_gen1_collection)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 48, 1);
    mgc_ref r[6] = { NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 6), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[0]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[1]), MGC_OK);     /* B1: pinned gen1 */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[2]), MGC_OK);     /* A0: pinned gen0 */
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[3]), MGC_OK);
    mgc_handle p1, p0;
    ck_assert_int_eq(mgc_handle_alloc(h, MGC_HANDLE_PINNED, r[1], &p1), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(h, MGC_HANDLE_PINNED, r[2], &p0), MGC_OK);
    mgc_store(h, r[1], 0, r[3]);                                   /* gen1 -> gen0: card */
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 2);
    ck_assert_int_eq(mgc_generation(h, r[1]), 1);
    ck_assert_int_eq(mgc_generation(h, r[2]), 0);
    ck_assert_int_eq(mgc_generation(h, r[3]), 1);
    gcf_core_verify(h);                                            /* B1 -> r3: same gen now */
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[1]), 1);
    ck_assert_int_eq(mgc_generation(h, r[2]), 0);
    ck_assert_int_eq(mgc_generation(h, r[3]), 2);
    gcf_core_verify(h);                                            /* B1 -> r3 needs no card */
    ck_assert_int_eq(mgc_handle_free(h, p1), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(h, p0), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[1]), 2);
    ck_assert_int_eq(mgc_generation(h, r[2]), 1);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* ===================== random graph against a shadow copy ============ */

enum { SH_NODE = 0, SH_BLOB = 1, SH_REFS = 2, SH_MAXSLOTS = 8 };

typedef struct sh_obj {
    int kind;
    uint32_t nslots;
    int32_t edges[SH_MAXSLOTS];
    uint32_t plen;
    uint8_t *payload;
} sh_obj;

typedef struct graph {
    mgc_heap *h;
    const mgc_type *t[3];
    gcf_rng rng;
    size_t nroots;
    mgc_ref *roots;
    int32_t *sroots;          /* shadow id of each root, -1 = null */
    sh_obj *objs;
    size_t nobjs, cap;
    mgc_ref *seen;            /* per shadow id during a check */
    int32_t *stack;
    mgc_ref *rstack;
    bool large;               /* also allocate large byte arrays */
    bool pins;                /* also pin objects with pinned handles */
    mgc_handle pin[8];        /* 0 = unused */
    mgc_ref pin_at[8];        /* address when pinned: must never change */
    int32_t pin_id[8];
} graph;

static void graph_init(graph *g, const mgc_config *cfg, uint64_t seed, size_t nroots, size_t cap)
{
    memset(g, 0, sizeof *g);
    g->h = gcf_core_heap(cfg);
    g->t[SH_NODE] = gcf_core_fixed(g->h, "Node", 64, 3);          /* 24 payload bytes */
    g->t[SH_BLOB] = gcf_core_array(g->h, "Blob", MGC_KIND_BYTE_ARRAY);
    g->t[SH_REFS] = gcf_core_array(g->h, "Refs", MGC_KIND_REF_ARRAY);
    g->rng.s = seed;
    g->nroots = nroots;
    g->roots = calloc(nroots, sizeof *g->roots);
    g->sroots = malloc(nroots * sizeof *g->sroots);
    for (size_t i = 0; i < nroots; i++)
        g->sroots[i] = -1;
    g->cap = cap;
    g->objs = calloc(cap, sizeof *g->objs);
    g->seen = calloc(cap, sizeof *g->seen);
    g->stack = malloc(cap * sizeof *g->stack);
    g->rstack = malloc(cap * sizeof *g->rstack);
    ck_assert_int_eq(mgc_thread_set_locals(g->h, 0, g->roots, nroots), MGC_OK);
}

static void graph_free(graph *g)
{
    mgc_heap_destroy(g->h);
    for (size_t i = 0; i < g->nobjs; i++)
        free(g->objs[i].payload);
    free(g->objs); free(g->seen); free(g->stack); free(g->rstack);
    free(g->roots); free(g->sroots);
}

/* Allocate into root slot k; false when the shadow is full. */
static bool graph_alloc(graph *g, size_t k)
{
    if (g->nobjs == g->cap)
        return false;
    uint64_t pick = gcf_rng_below(&g->rng, 100);
    int kind = pick < 55 ? SH_NODE : pick < 85 ? SH_BLOB : SH_REFS;
    size_t len = 0;
    if (kind == SH_BLOB)
        len = g->large && gcf_rng_below(&g->rng, 40) == 0 ? 85000 + gcf_rng_below(&g->rng, 30000)
                                                          : 8 + gcf_rng_below(&g->rng, 400);
    else if (kind == SH_REFS)
        len = 1 + gcf_rng_below(&g->rng, SH_MAXSLOTS);
    mgc_status st = mgc_alloc(g->h, (unsigned)gcf_rng_below(&g->rng, 2), g->t[kind], len, &g->roots[k]);
    ck_assert_int_eq(st, MGC_OK);
    int32_t id = (int32_t)g->nobjs++;
    sh_obj *o = &g->objs[id];
    o->kind = kind;
    o->nslots = kind == SH_NODE ? 3 : kind == SH_REFS ? (uint32_t)len : 0;
    for (int i = 0; i < SH_MAXSLOTS; i++)
        o->edges[i] = -1;
    size_t plen;
    uint8_t *p = mgc_payload(g->roots[k], &plen);
    ck_assert_uint_eq(plen, kind == SH_NODE ? 24 : kind == SH_BLOB ? len : 0);
    o->plen = (uint32_t)plen;
    o->payload = plen ? malloc(plen) : NULL;
    for (size_t i = 0; i < plen; i++)
        p[i] = o->payload[i] = (uint8_t)gcf_rng_next(&g->rng);
    if (plen >= 4)
        memcpy(p, &id, 4), memcpy(o->payload, &id, 4);
    g->sroots[k] = id;
    return true;
}

/* Descend a random path of up to `depth` edges from root k. */
static bool graph_pick(graph *g, size_t k, unsigned depth, mgc_ref *obj, int32_t *id)
{
    if (g->sroots[k] < 0)
        return false;
    *obj = g->roots[k];
    *id = g->sroots[k];
    for (unsigned d = 0; d < depth; d++) {
        sh_obj *o = &g->objs[*id];
        if (o->nslots == 0)
            break;
        uint32_t i = (uint32_t)gcf_rng_below(&g->rng, o->nslots);
        if (o->edges[i] < 0)
            break;
        *obj = mgc_load(g->h, *obj, i);
        *id = o->edges[i];
    }
    return true;
}

/* Pin a rooted object with a pinned handle, or release a pin. */
static void graph_pin(graph *g)
{
    size_t j = gcf_rng_below(&g->rng, 8);
    if (g->pin[j]) {
        ck_assert_int_eq(mgc_handle_free(g->h, g->pin[j]), MGC_OK);
        g->pin[j] = 0;
        return;
    }
    size_t k = gcf_rng_below(&g->rng, g->nroots);
    if (g->sroots[k] < 0)
        return;
    ck_assert_int_eq(mgc_handle_alloc(g->h, MGC_HANDLE_PINNED, g->roots[k], &g->pin[j]), MGC_OK);
    g->pin_at[j] = g->roots[k];
    g->pin_id[j] = g->sroots[k];
}

static void graph_store(graph *g)
{
    mgc_ref src, dst = NULL;
    int32_t sid, did = -1;
    if (!graph_pick(g, gcf_rng_below(&g->rng, g->nroots), (unsigned)gcf_rng_below(&g->rng, 3), &src, &sid))
        return;
    sh_obj *o = &g->objs[sid];
    if (o->nslots == 0)
        return;
    if (gcf_rng_below(&g->rng, 8) != 0 &&
        !graph_pick(g, gcf_rng_below(&g->rng, g->nroots), (unsigned)gcf_rng_below(&g->rng, 3), &dst, &did))
        dst = NULL, did = -1;
    uint32_t i = (uint32_t)gcf_rng_below(&g->rng, o->nslots);
    mgc_store(g->h, src, i, dst);
    o->edges[i] = did;
}

/* Walk runtime and shadow graphs in parallel from the roots; returns the
   number of distinct reachable objects. */
static size_t graph_check(graph *g)
{
    memset(g->seen, 0, g->cap * sizeof *g->seen);
    size_t sp = 0, reach = 0;
    for (size_t k = 0; k < g->nroots + 8; k++) {
        if (k >= g->nroots) {
            size_t j = k - g->nroots;
            if (!g->pin[j])
                continue;
            mgc_ref t = NULL;
            ck_assert_int_eq(mgc_handle_get(g->h, g->pin[j], &t), MGC_OK);
            ck_assert_msg(t == g->pin_at[j], "pinned object %d moved", g->pin_id[j]);
            g->stack[sp] = g->pin_id[j];
            g->rstack[sp++] = t;
        } else if (g->sroots[k] < 0) {
            ck_assert_ptr_eq(g->roots[k], NULL);
            continue;
        } else {
            g->stack[sp] = g->sroots[k];
            g->rstack[sp++] = g->roots[k];
        }
        while (sp > 0) {
            int32_t id = g->stack[--sp];
            mgc_ref r = g->rstack[sp];
            ck_assert_ptr_nonnull(r);
            if (g->seen[id]) {
                ck_assert_msg(g->seen[id] == r, "shadow object %d reached at two addresses", id);
                continue;
            }
            g->seen[id] = r;
            reach++;
            ck_assert_msg(mgc_is_object(g->h, r), "shadow object %d: %p is not an object start", id, r);
            sh_obj *o = &g->objs[id];
            ck_assert_ptr_eq(mgc_type_of(r), g->t[o->kind]);
            ck_assert_uint_eq(mgc_ref_count(r), o->nslots);
            size_t plen;
            uint8_t *p = mgc_payload(r, &plen);
            ck_assert_uint_eq(plen, o->plen);
            ck_assert_msg(plen == 0 || memcmp(p, o->payload, plen) == 0, "payload of object %d differs", id);
            for (uint32_t i = 0; i < o->nslots; i++) {
                mgc_ref c = mgc_load(g->h, r, i);
                if (o->edges[i] < 0) {
                    ck_assert_ptr_eq(c, NULL);
                } else {
                    ck_assert_msg(c != NULL, "object %d slot %u lost its reference", id, i);
                    ck_assert_uint_lt(sp, g->cap);
                    g->stack[sp] = o->edges[i];
                    g->rstack[sp++] = c;
                }
            }
        }
    }
    return reach;
}

static void graph_ops(graph *g, size_t nops, unsigned collect_every, bool check_each)
{
    for (size_t op = 0; op < nops; op++) {
        uint64_t r = gcf_rng_below(&g->rng, 100);
        size_t k = gcf_rng_below(&g->rng, g->nroots);
        if (r < 40) {
            if (!graph_alloc(g, k))
                return;
        } else if (r < 85) {
            graph_store(g);
        } else if (r < 92) {
            g->roots[k] = NULL;
            g->sroots[k] = -1;
        } else if (r < 95) {
            if (g->pins)
                graph_pin(g);
        } else if (collect_every && gcf_rng_below(&g->rng, collect_every) == 0) {
            int gen = (int)gcf_rng_below(&g->rng, 3);
            unsigned flags = gen == 2 && gcf_rng_below(&g->rng, 4) == 0 ? MGC_COLLECT_COMPACT_LOH : 0;
            ck_assert_int_eq(mgc_collect(g->h, gen, flags), MGC_OK);
            if (check_each) {
                gcf_core_verify(g->h);
                size_t reach = graph_check(g);
                if (gen == 2)       /* completeness: nothing unreachable survives */
                    ck_assert_uint_eq(gcf_core_walk(g->h).objects, reach);
            }
        }
    }
}

START_TEST(test_compaction_random_graph)
{
    uint64_t seed = gcf_test_seed("compaction_random_graph");
    mgc_config cfg = gcf_core_config();
    cfg.segment_size = 64u * 1024u;
    graph g;
    size_t ops = gcf_under_valgrind() ? 3000 : 20000;
    graph_init(&g, &cfg, seed, 64, ops);
    g.pins = true;
    graph_ops(&g, ops, 2, true);
    ck_assert_uint_ge(mgc_collection_count(g.h, 2), 10);
    ck_assert_uint_ge(mgc_collection_count(g.h, 0), 40);
    ck_assert_int_eq(mgc_collect(g.h, 2, 0), MGC_OK);
    ck_assert_uint_eq(gcf_core_walk(g.h).objects, graph_check(&g));
    gcf_core_verify(g.h);
    graph_free(&g);
}
END_TEST

/* Sweep-only mode never moves an object; contents survive, dead space
   becomes free objects. */
START_TEST(test_sweep_only_mode)
{
    uint64_t seed = gcf_test_seed("sweep_only_mode");
    mgc_config cfg = gcf_core_config();
    cfg.compact_mode = MGC_SWEEP_ONLY;
    cfg.segment_size = 64u * 1024u;
    graph g;
    size_t ops = gcf_under_valgrind() ? 2000 : 8000;
    graph_init(&g, &cfg, seed, 32, ops);
    graph_ops(&g, ops / 2, 0, false);
    /* remember where every root is, collect, compare */
    mgc_ref before[32];
    memcpy(before, g.roots, sizeof before);
    ck_assert_int_eq(mgc_collect(g.h, 2, 0), MGC_OK);
    for (int i = 0; i < 32; i++)
        ck_assert_ptr_eq(g.roots[i], before[i]);
    graph_check(&g);
    ck_assert_uint_gt(gcf_core_walk(g.h).free_objects, 0);
    graph_ops(&g, ops / 2, 3, true);
    graph_free(&g);
}
END_TEST

/* Seeded stress: budget-triggered collections of every generation, large
   objects, LOH compaction, tiny segments; the heap is verified after every
   collection (from the GC_END event) and the graph checked at the end. */
START_TEST(test_random_stress)
{
    uint64_t seed = gcf_test_seed("random_stress");
    gcf_rng pick = { seed ^ 0x5eed };
    mgc_config cfg = gcf_core_config();
    cfg.gen0_budget = 16384 + gcf_rng_below(&pick, 65536);
    cfg.gen1_budget = 32768 + gcf_rng_below(&pick, 65536);
    cfg.gen2_budget = 65536 + gcf_rng_below(&pick, 262144);
    cfg.loh_budget = 300000;
    cfg.segment_size = 16384u << gcf_rng_below(&pick, 3);
    cfg.compact_mode = gcf_rng_below(&pick, 4) == 0 ? MGC_SWEEP_ONLY : MGC_COMPACT;
    graph g;
    size_t ops = gcf_under_valgrind() ? 4000 : 30000;
    graph_init(&g, &cfg, seed, 48, ops);
    g.large = true;
    g.pins = true;
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    ev.verify_each = true;
    mgc_set_event_callback(g.h, gcf_core_event_fn, &ev);
    graph_ops(&g, ops, 8, false);
    ck_assert_msg(ev.verify_failures == 0, "verify failed after a collection: %s", ev.last_err);
    ck_assert_uint_gt(ev.n, 5);
    graph_check(&g);
    ck_assert_int_eq(mgc_collect(g.h, 2, MGC_COLLECT_COMPACT_LOH), MGC_OK);
    ck_assert_uint_eq(ev.verify_failures, 0);
    ck_assert_uint_eq(gcf_core_walk(g.h).objects, graph_check(&g));
    graph_free(&g);
}
END_TEST

/* .cards.log: gen0 collections take their roots in older generations from
   the dirty-card log.  Old nodes spread over many small segments receive
   young blobs (random nodes, neighbours -- runs of cards -- and the same
   node twice); after every gen0 collection each blob must be reachable from
   its node with its stamp intact and the heap must verify.  A store whose
   card the log missed leaves its blob unmarked: it is reclaimed and the
   node's slot dangles.  Rounds with more stores than the log holds take
   the bundle scan instead (the counter says which path ran). */
START_TEST(test_card_log)
{
    uint64_t seed = gcf_test_seed("card_log");
    gcf_rng rng = { seed ^ 0xcad };
    mgc_config cfg = gcf_core_config();
    cfg.segment_size = 64u * 1024u;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 256, 1);     /* a card each */
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    enum { N = 6000 };                 /* more cards than the log holds (2048) */
    static uint32_t want[N];
    memset(want, 0, sizeof want);
    mgc_ref r[3] = { NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 3), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, N, &r[0]), MGC_OK);
    for (size_t j = 0; j < N; j++) {
        ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[1]), MGC_OK);
        mgc_store(h, r[0], j, r[1]);
    }
    r[1] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, mgc_load(h, r[0], N - 1)), 2);
    mgc_stats st;
    mgc_get_stats(h, &st);
    uint64_t scans = st.card_log_scans, want_scans = scans;
    uint32_t stamp = 0;
    for (int round = 0; round < 24; round++) {
        /* round 5 sets more cards than the log holds: the bundle scan;
           the others at most 200 runs of at most 8 cards */
        size_t stores = round == 5 ? 2 * N : 1 + gcf_rng_below(&rng, 200);
        for (size_t s = 0; s < stores; s++) {
            size_t j = round == 5 ? s % N : gcf_rng_below(&rng, N);
            size_t run = round != 5 && gcf_rng_below(&rng, 4) == 0 ? 1 + gcf_rng_below(&rng, 8) : 1;
            for (size_t q = 0; q < run && j + q < N; q++) {
                ck_assert_int_eq(mgc_alloc(h, 0, blob, 16, &r[1]), MGC_OK);
                uint8_t *p = mgc_payload(r[1], NULL);
                stamp++;
                memcpy(p, &stamp, sizeof stamp);
                r[2] = mgc_load(h, r[0], j + q);
                mgc_store(h, r[2], 0, r[1]);
                if (gcf_rng_below(&rng, 8) == 0)
                    mgc_store(h, r[2], 0, r[1]);        /* the same slot again */
                want[j + q] = stamp;
            }
        }
        r[1] = r[2] = NULL;
        ck_assert_int_eq(mgc_collect(h, round % 7 == 6 ? 1 : 0, 0), MGC_OK);
        if (round % 7 != 6 && round != 5)
            want_scans++;
        for (size_t j = 0; j < N; j++) {
            if (!want[j])
                continue;
            mgc_ref b = mgc_load(h, mgc_load(h, r[0], j), 0);
            ck_assert_msg(b != NULL && mgc_is_object(h, b), "seed %llu round %d: node %zu lost its blob",
                          (unsigned long long)seed, round, j);
            uint32_t got;
            memcpy(&got, mgc_payload(b, NULL), sizeof got);
            ck_assert_msg(got == want[j], "seed %llu round %d: node %zu holds stamp %u, want %u",
                          (unsigned long long)seed, round, j, got, want[j]);
        }
        gcf_core_verify(h);
    }
    mgc_get_stats(h, &st);
    ck_assert_uint_eq(st.card_log_scans, want_scans);     /* the log was used where it could be */
    mgc_heap_destroy(h);
}
END_TEST

/* .mark.overflow: the random graphs and the stress run again with a mark
   stack of two entries, so almost every push overflows and every
   collection recovers through the rescans; the graph's contents and the
   heap verification say whether the recovery marked everything reachable. */
START_TEST(test_tiny_mark_stack_random_graph)
{
    uint64_t seed = gcf_test_seed("tiny_mark_stack_random_graph");
    mgc_config cfg = gcf_core_config();
    cfg.segment_size = 64u * 1024u;
    cfg.mark_stack_entries = 2;
    cfg.compact_mode = (seed & 1u) ? MGC_SWEEP_ONLY : MGC_COMPACT;
    graph g;
    size_t ops = gcf_under_valgrind() ? 3000 : 20000;
    graph_init(&g, &cfg, seed, 64, ops);
    g.pins = true;
    g.large = true;
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    ev.verify_each = true;
    mgc_set_event_callback(g.h, gcf_core_event_fn, &ev);
    graph_ops(&g, ops, 2, true);
    ck_assert_msg(ev.verify_failures == 0, "verify failed after a collection: %s", ev.last_err);
    ck_assert_int_eq(mgc_collect(g.h, 2, 0), MGC_OK);
    ck_assert_uint_eq(gcf_core_walk(g.h).objects, graph_check(&g));
    mgc_stats st;
    mgc_get_stats(g.h, &st);
    ck_assert_uint_gt(st.mark_overflows, 10);
    gcf_core_verify(g.h);
    graph_free(&g);
}
END_TEST

/* Verification checks each reference while it walks the segments: a target
   already walked at once, one further on (later in the segment, in a later
   segment) after the walk.  Both kinds pass when valid and fail with the
   message of the reference pass when not; the walk reports the accessors'
   values (length, slots, payload). */
static void expect_verify_fails(mgc_heap *h, const char *what)
{
    char err[512];
    ck_assert_int_eq(mgc_verify(h, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, what) != NULL, "%s", err);
}

/* A raw store of bad into *slot fails verification naming what; the slot
   gets its value back. */
static void expect_bad_slot(mgc_heap *h, mgc_ref *slot, void *bad, const char *what)
{
    mgc_ref keep = *slot;
    *slot = bad;
    expect_verify_fails(h, what);
    *slot = keep;
}

/* The walk's report of obj (.walk.order): found, with the length, slot
   count and LOH flag given and the payload mgc_payload returns. */
static mgc_object_info walk_fields(mgc_heap *h, mgc_ref obj, size_t length, size_t nrefs,
                                   bool large)
{
    gcf_core_find f = gcf_core_lookup(h, obj);
    ck_assert(f.found);
    size_t len = 0;
    ck_assert_uint_eq(f.info.length, length);
    ck_assert_uint_eq(f.info.nrefs, nrefs);
    ck_assert_int_eq(f.info.large, large);
    ck_assert_ptr_eq(f.info.payload, mgc_payload(obj, &len));
    ck_assert_uint_eq(f.info.payload_len, len);
    return f.info;
}

/* The slots of obj as the walk reports them (writable: raw stores). */
static mgc_ref *slots_of(mgc_heap *h, mgc_ref obj)
{
    gcf_core_find f = gcf_core_lookup(h, obj);
    ck_assert(f.found);
    return f.info.slots;
}

START_TEST(test_verify_references_both_ways)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 40, 2);
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    mgc_ref r[5] = { NULL, NULL, NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 5), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[0]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[1]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, 20000, &r[2]), MGC_OK);   /* large */
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 5, &r[3]), MGC_OK);
    ck_assert(mgc_is_large(h, r[2]) && !mgc_is_large(h, r[0]));
    mgc_store(h, r[0], 0, r[1]);              /* forward */
    mgc_store(h, r[0], 1, r[2]);              /* into the LOH */
    mgc_store(h, r[1], 0, r[0]);              /* backward */
    mgc_store(h, r[1], 1, r[1]);              /* itself */
    mgc_store(h, r[2], 5, r[0]);              /* LOH into the SOH */
    mgc_store(h, r[2], 19999, r[2]);
    gcf_core_verify(h);

    /* what the walk reports beside each object: the accessors' values */
    ck_assert_ptr_eq(walk_fields(h, r[0], 0, 2, false).slots[0], r[1]);
    ck_assert_ptr_eq(walk_fields(h, r[2], 20000, 20000, true).slots[5], r[0]);
    ck_assert_uint_eq(walk_fields(h, r[3], 5, 0, false).payload_len, 5);

    /* not object starts: the middle of an object further on, of one
       walked already, from the LOH */
    mgc_ref *s0 = slots_of(h, r[0]), *s1 = slots_of(h, r[1]);
    mgc_ref *s2 = slots_of(h, r[2]);
    expect_bad_slot(h, &s0[0], (uint8_t *)r[1] + 8, "slot 0");
    expect_bad_slot(h, &s1[0], (uint8_t *)r[0] + 16, "slot 0");
    expect_bad_slot(h, &s0[1], (uint8_t *)r[2] + 8, "slot 1");
    expect_bad_slot(h, &s2[5], (uint8_t *)r[0] + 8, "slot 5");
    expect_bad_slot(h, &s1[1], (uint8_t *)r[1] + 4, "slot 1");      /* misaligned */
    gcf_core_verify(h);

    /* an old object referring to a young one further on without its card */
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[4]), MGC_OK);
    ck_assert_int_eq(mgc_generation(h, r[0]), 1);
    ck_assert_int_eq(mgc_generation(h, r[4]), 0);
    gcf_core_verify(h);
    s0 = slots_of(h, r[0]);
    s0[0] = r[4];                             /* no barrier */
    expect_verify_fails(h, "without a card");
    mgc_store(h, r[0], 0, r[4]);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* More references further on than verification lists (2^20): it checks
   them in a separate pass, and still finds a bad one. */
START_TEST(test_verify_many_forward_references)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 32, 1);
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    enum { NARR = 140, LEN = 8000 };             /* 1 120 000 references */
    mgc_ref r[NARR + 1];
    memset(r, 0, sizeof r);
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, NARR + 1), MGC_OK);
    for (int i = 0; i < NARR; i++) {
        ck_assert_int_eq(mgc_alloc(h, 0, refs, LEN, &r[i]), MGC_OK);
        ck_assert(!mgc_is_large(h, r[i]));
    }
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[NARR]), MGC_OK);
    for (int i = 0; i < NARR; i++)
        for (size_t k = 0; k < LEN; k++)
            mgc_store(h, r[i], k, r[NARR]);
    gcf_core_verify(h);
    mgc_ref *s = slots_of(h, r[NARR - 1]);
    s[LEN - 1] = (uint8_t *)r[NARR] + 8;
    expect_verify_fails(h, "slot 7999");
    s[LEN - 1] = r[NARR];
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

Suite *make_collect_suite(void)
{
    Suite *s = suite_create("collect");
    TCase *tc = tcase_create("collect");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_promotion_ladder);
    tcase_add_test(tc, test_young_reachable_from_gen2_only);
    tcase_add_test(tc, test_pinned_never_moves);
    tcase_add_test(tc, test_demoted_below_condemned);
    tcase_add_test(tc, test_demoted_gen1_collection);
    tcase_add_test(tc, test_compaction_random_graph);
    tcase_add_test(tc, test_sweep_only_mode);
    tcase_add_test(tc, test_random_stress);
    tcase_add_test(tc, test_card_log);
    tcase_add_test(tc, test_verify_references_both_ways);
    tcase_add_test(tc, test_verify_many_forward_references);
    tcase_add_test(tc, test_tiny_mark_stack_random_graph);
    suite_add_tcase(s, tc);
    return s;
}
