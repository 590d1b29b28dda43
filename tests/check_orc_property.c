/* check_orc_property.c -- seeded random operation sequences against the
 * model's invariants (.orc.invariants), checked from the outside through the
 * public queries: nothing reachable is reclaimed, reclaimed stays reclaimed,
 * entries only for live objects, counts monotone, a full collection leaves
 * exactly the reachable objects, and the same seed gives the same run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle.h"
#include "check_orc_util.h"
#include "testutil.h"

#define P_LOCALS   12
#define P_HANDLES  6
#define P_STATICS  4

typedef struct prop_run {
    orc_model *m;
    gcf_rng rng;
    orc_type_id types[9];
    uint32_t ntypes;
    /* history for monotonicity */
    uint64_t counts[ORC_GENS];
    uint64_t calls;
    uint8_t *reclaimed;       /* [id]: seen reclaimed */
    uint32_t *obj_calls;      /* [id]: calls seen */
    uint32_t cap;
    uint64_t digest;          /* determinism: hash of everything observed */
    uint32_t program_errors;
    uint32_t full_checks;
} prop_run;

static void mix(prop_run *r, uint64_t v)
{
    r->digest = (r->digest ^ v) * 0x100000001b3ULL;
}

static uint32_t pick(prop_run *r, uint32_t n) { return (uint32_t)gcf_rng_below(&r->rng, n); }

static void setup_types(prop_run *r)
{
    orc_model *m = r->m;
    uint32_t k = 0;
    r->types[k++] = orc_t_fixed(m, "Node", 32, 2, ORC_FIN_NONE, 0, false);
    r->types[k++] = orc_t_fixed(m, "Fin", 32, 1, ORC_FIN_COUNT, 0, false);
    r->types[k++] = orc_t_fixed(m, "Phoenix", 40, 2, ORC_FIN_RESURRECT, 1, false);
    r->types[k++] = orc_t_fixed(m, "Again", 24, 1, ORC_FIN_REREGISTER, 0, false);
    r->types[k++] = orc_t_fixed(m, "Both", 24, 0, ORC_FIN_RESURRECT_REREGISTER, 2, false);
    r->types[k++] = orc_t_fixed(m, "Crit", 24, 1, ORC_FIN_COUNT, 0, true);
    r->types[k++] = orc_t_array(m, "Refs", ORC_TYPE_REFS);
    r->types[k++] = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "Maker";
    d.kind = ORC_TYPE_FIXED;
    d.size = 32;
    d.nrefs = 1;
    d.fin = ORC_FIN_ALLOC;
    d.fin_alloc = r->types[0];
    ORC_T_REQUIRE((orc_type_add(m, &d, &r->types[k++])) == (ORC_OK), "orc_type_add(m, &d, &r->types[k++]) == ORC_OK");
    r->ntypes = k;
}

static void grow_history(prop_run *r)
{
    uint32_t need = orc_last_id(r->m) + 1;
    if (need <= r->cap)
        return;
    uint32_t ncap = r->cap ? r->cap : 64;
    while (ncap < need)
        ncap *= 2;
    r->reclaimed = realloc(r->reclaimed, ncap);
    r->obj_calls = realloc(r->obj_calls, ncap * sizeof *r->obj_calls);
    ORC_T_REQUIRE(r->reclaimed != NULL, "out of memory");
    ORC_T_REQUIRE(r->obj_calls != NULL, "out of memory");
    memset(r->reclaimed + r->cap, 0, ncap - r->cap);
    memset(r->obj_calls + r->cap, 0, (ncap - r->cap) * sizeof *r->obj_calls);
    r->cap = ncap;
}

/* Objects reachable from the roots, computed here from the public queries
   (independently of the model's own marking).  reach[id] = 1. */
static uint8_t *reachable(const orc_model *m)
{
    uint32_t n = orc_last_id(m) + 1;
    uint8_t *reach = calloc(n, 1);
    orc_id *stack = malloc(sizeof *stack * (n + 1));
    uint32_t sp = 0;
    ORC_T_REQUIRE(reach != NULL, "out of memory");
    ORC_T_REQUIRE(stack != NULL, "out of memory");
#define PUSH(id) do { orc_id i_ = (id); if (i_ != ORC_NULL && !reach[i_]) { \
        reach[i_] = 1; stack[sp++] = i_; } } while (0)
    for (uint32_t l = 0; l < orc_local_limit(m); l++) {
        orc_id id;
        if (orc_local_get(m, l, &id) == ORC_LOCAL_BOUND)
            PUSH(id);
    }
    for (uint32_t s = 0; s < ORC_STATICS; s++)
        PUSH(orc_static_value(m, s));
    for (uint32_t h = 0; h < orc_handle_all_count(m); h++) {
        orc_handle_info hi;
        ORC_T_REQUIRE((orc_handle_all_get(m, h, &hi, NULL)) == (ORC_OK), "orc_handle_all_get(m, h, &hi, NULL) == ORC_OK");
        if (hi.bound && !hi.freed &&
            (hi.kind == ORC_HANDLE_STRONG || hi.kind == ORC_HANDLE_PINNED))
            PUSH(hi.target);
    }
    for (int l = 0; l < 2; l++)
        for (uint32_t i = 0; i < orc_freachable_count(m, (orc_fq_list)l); i++)
            PUSH(orc_freachable_get(m, (orc_fq_list)l, i));
    PUSH(orc_finalizing(m));
    while (sp > 0) {
        orc_id cur = stack[--sp];
        orc_obj_info oi;
        orc_obj_get(m, cur, &oi);
        for (uint32_t i = 0; i < oi.nslots; i++)
            PUSH(orc_obj_slot(m, cur, i));
    }
#undef PUSH
    free(stack);
    return reach;
}

/* The invariants, after every operation.  exact: right after a gen2
   collection, the live set must equal the reachable set. */
static void check_invariants(prop_run *r, bool exact, uint32_t step)
{
    orc_model *m = r->m;
    ORC_T_CHECK(m);
    grow_history(r);
    uint8_t *reach = reachable(m);
    uint32_t live = 0;
    for (orc_id id = 1; id <= orc_last_id(m); id++) {
        orc_obj_info oi;
        ORC_T_REQUIRE((orc_obj_get(m, id, &oi)) == (ORC_OK), "orc_obj_get(m, id, &oi) == ORC_OK");
        ORC_T_REQUIRE(!(reach[id] && !oi.alive), "step %u: #%u reachable but reclaimed", step, id);
        if (!oi.alive) {
            r->reclaimed[id] = 1;
            ORC_T_REQUIRE((oi.fin_entries) == (0), "oi.fin_entries == 0");
            ORC_T_REQUIRE((oi.freachable_entries) == (0), "oi.freachable_entries == 0");
        } else {
            ORC_T_REQUIRE(!r->reclaimed[id], "step %u: #%u came back", step, id);
            live++;
            if (exact)
                ORC_T_REQUIRE(reach[id], "step %u: #%u survived a full GC unreachable", step, id);
            ORC_T_REQUIRE(oi.gen >= 0 && oi.gen <= 2, "oi.gen >= 0 && oi.gen <= 2");
            ORC_T_REQUIRE(!oi.large || oi.gen == 2, "!oi.large || oi.gen == 2");
        }
        ORC_T_REQUIRE((oi.fin_calls) >= (r->obj_calls[id]), "oi.fin_calls >= r->obj_calls[id]");
        r->obj_calls[id] = oi.fin_calls;
        mix(r, (uint64_t)oi.alive << 40 | (uint64_t)oi.gen << 32 | oi.fin_calls);
    }
    ORC_T_REQUIRE((live) == (orc_live_count(m)), "live == orc_live_count(m)");
    for (int g = 0; g < ORC_GENS; g++) {
        ORC_T_REQUIRE((orc_collection_count(m, g)) >= (r->counts[g]), "orc_collection_count(m, g) >= r->counts[g]");
        r->counts[g] = orc_collection_count(m, g);
        mix(r, r->counts[g]);
    }
    ORC_T_REQUIRE((orc_collection_count(m, 0)) >= (orc_collection_count(m, 1)), "orc_collection_count(m, 0) >= orc_collection_count(m, 1)");
    ORC_T_REQUIRE((orc_collection_count(m, 1)) >= (orc_collection_count(m, 2)), "orc_collection_count(m, 1) >= orc_collection_count(m, 2)");
    ORC_T_REQUIRE((orc_finalizer_calls(m)) >= (r->calls), "orc_finalizer_calls(m) >= r->calls");
    r->calls = orc_finalizer_calls(m);
    free(reach);
    if (exact)
        r->full_checks++;
}

/* A drain through the event interface, picking calls at random among the
   legal ones in the clr profile and in the model's order in strict. */
static void drain_by_events(prop_run *r, bool strict)
{
    orc_model *m = r->m;
    ORC_T_REQUIRE((orc_finalize_begin(m, pick(r, 3))) == (ORC_OK), "orc_finalize_begin(m, pick(r, 3)) == ORC_OK");
    for (;;) {
        orc_id next = orc_finalize_next(m);
        if (next == ORC_NULL)
            break;
        orc_id choice = next;
        if (!strict) {
            orc_fq_list l = orc_freachable_count(m, ORC_FQ_NORMAL) ? ORC_FQ_NORMAL : ORC_FQ_CRITICAL;
            uint32_t n = orc_freachable_count(m, l);
            if (n > 0)
                choice = orc_freachable_get(m, l, pick(r, n));
        }
        orc_fin_call call;
        orc_status s = orc_finalize_call_begin(m, choice, &call);
        if (s == ORC_E_ILLEGAL && choice != next) {   /* a skip or critical entry */
            choice = next;
            s = orc_finalize_call_begin(m, choice, &call);
        }
        ORC_T_REQUIRE(s == ORC_OK, "call on #%u: %s", choice, orc_last_error(m));
        mix(r, choice);
        if (call.alloc_type != ORC_NO_TYPE)
            ORC_T_REQUIRE((orc_alloc(m, ORC_LOCAL_NONE, call.alloc_type, 0, NULL)) == (ORC_OK), "orc_alloc(m, ORC_LOCAL_NONE, call.alloc_type, 0, NULL) == ORC_OK");
        ORC_T_REQUIRE((orc_finalize_call_end(m)) == (ORC_OK), "orc_finalize_call_end(m) == ORC_OK");
    }
    ORC_T_REQUIRE(orc_finalize_end(m) == ORC_OK, "%s", orc_last_error(m));
}

static uint64_t array_length(prop_run *r, orc_type_id t)
{
    if (t == r->types[6])
        return pick(r, 6);
    switch (pick(r, 4)) {
    case 0: return 84975 + pick(r, 3);        /* around the LOH threshold */
    case 1: return pick(r, 5000);
    default: return pick(r, 200);
    }
}

static void run_ops(prop_run *r, orc_profile profile, uint32_t nops)
{
    orc_config c;
    orc_config_default(&c);
    c.gen0_budget = 1024;
    c.gen1_budget = 512;
    c.gen2_budget = 2048;
    c.loh_budget = 200000;
    c.profile = profile;
    r->m = orc_create(&c);
    ORC_T_REQUIRE(r->m != NULL, "out of memory");
    orc_model *m = r->m;
    setup_types(r);
    for (uint32_t step = 0; step < nops; step++) {
        uint32_t a = pick(r, P_LOCALS), b = pick(r, P_LOCALS);
        orc_status s = ORC_OK;
        bool exact = false;
        uint32_t op = pick(r, 100);
        if (op < 30) {
            orc_type_id t = r->types[pick(r, r->ntypes)];
            const orc_type_desc *d = orc_type_get(m, t);
            uint64_t len = d->kind == ORC_TYPE_FIXED ? 0 : array_length(r, t);
            if (profile == ORC_PROFILE_CLR && pick(r, 4) == 0) {
                /* a target's own choice of collection, then maybe OOM */
                orc_prediction p;
                ORC_T_REQUIRE((orc_alloc_begin(m, a, t, len, &p)) == (ORC_OK), "orc_alloc_begin(m, a, t, len, &p) == ORC_OK");
                orc_gc_request rq = { .gen = (int)pick(r, 3), .reason = p.reason };
                ORC_T_REQUIRE((orc_gc(m, &rq)) == (ORC_OK), "orc_gc(m, &rq) == ORC_OK");
                bool oom = pick(r, 8) == 0;
                if (oom) {
                    orc_gc_request o = { .gen = 2, .reason = ORC_REASON_OOM };
                    ORC_T_REQUIRE((orc_gc(m, &o)) == (ORC_OK), "orc_gc(m, &o) == ORC_OK");
                }
                s = orc_alloc_end(m, oom, NULL);
            } else {
                s = orc_alloc(m, a, t, len, NULL);
            }
        } else if (op < 42) {
            s = orc_store(m, a, pick(r, 3), pick(r, 5) == 0 ? ORC_LOCAL_NONE : b);
        } else if (op < 50) {
            s = orc_load(m, a, b, pick(r, 3));
        } else if (op < 54) {
            s = orc_copy(m, a, b);
        } else if (op < 64) {
            s = orc_drop(m, a);
        } else if (op < 67) {
            s = orc_static_set(m, pick(r, P_STATICS), pick(r, 3) == 0 ? ORC_LOCAL_NONE : a);
        } else if (op < 69) {
            s = orc_static_get(m, a, pick(r, P_STATICS));
        } else if (op < 73) {
            s = orc_handle_alloc(m, pick(r, P_HANDLES), (orc_handle_kind)pick(r, 4), a);
        } else if (op < 75) {
            s = orc_handle_free(m, pick(r, P_HANDLES));
        } else if (op < 78) {
            s = orc_handle_target(m, a, pick(r, P_HANDLES));
        } else if (op < 81) {
            s = orc_suppress(m, a);
        } else if (op < 84) {
            s = orc_reregister(m, a);
        } else if (op < 92) {
            int gen = (int)pick(r, 3);
            s = orc_collect(m, gen, gen == 2 && pick(r, 2));
            exact = gen == 2 && s == ORC_OK;
        } else if (op < 98) {
            if (pick(r, 2))
                s = orc_finalize(m, pick(r, 3));
            else
                drain_by_events(r, profile == ORC_PROFILE_STRICT);
        } else {
            s = orc_thread(m, pick(r, 4));
        }
        ORC_T_REQUIRE(s == ORC_OK || orc_is_program_error(s), "step %u op %u: %s (%s)", step, op,
                      orc_status_name(s), orc_last_error(m));
        if (s != ORC_OK)
            r->program_errors++;
        mix(r, (uint64_t)s << 8 | op);
        check_invariants(r, exact, step);
    }
}

static void prop_free(prop_run *r)
{
    orc_destroy(r->m);
    free(r->reclaimed);
    free(r->obj_calls);
}

START_TEST(random_sequences)
{
    uint64_t seed = gcf_test_seed("orc_property.random_sequences");
    uint32_t nops = gcf_under_valgrind() ? 300 : 2500;
    uint64_t gcs = 0, calls = 0, errors = 0, full = 0;
    for (int round = 0; round < 4; round++) {
        orc_profile profile = round % 2 ? ORC_PROFILE_CLR : ORC_PROFILE_STRICT;
        prop_run r1, r2;
        memset(&r1, 0, sizeof r1);
        memset(&r2, 0, sizeof r2);
        r1.rng.s = r2.rng.s = seed + (uint64_t)round * 0x9e3779b97f4a7c15ULL;
        run_ops(&r1, profile, nops);
        run_ops(&r2, profile, nops);            /* determinism: same seed, same run */
        ORC_T_REQUIRE(r1.digest == r2.digest, "round %d: runs differ", round);
        gcs += orc_gc_total(r1.m);
        calls += orc_finalizer_calls(r1.m);
        errors += r1.program_errors;
        full += r1.full_checks;
        prop_free(&r1);
        prop_free(&r2);
    }
    /* the sequences must actually exercise the model */
    ORC_T_REQUIRE((gcs) > (20), "gcs > 20");
    ORC_T_REQUIRE((calls) > (5), "calls > 5");
    ORC_T_REQUIRE((errors) > (10), "errors > 10");
    ORC_T_REQUIRE((full) > (5), "full > 5");
}
END_TEST

Suite *make_orc_property_suite(void)
{
    Suite *s = suite_create("orc_property");
    TCase *tc = tcase_create("orc_property");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, random_sequences);
    suite_add_tcase(s, tc);
    return s;
}
