/* check_hx_gen.c -- the random program generator (harness/gen.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "codec.h"
#include "exec.h"
#include "gen.h"
#include "text.h"
#include "testutil.h"

START_TEST(test_gen_deterministic)
{
    uint64_t seed = gcf_test_seed("gen determinism");
    for (int i = 0; i < 20; i++) {
        hx_program a, b;
        ck_assert(hx_gen(seed + (uint64_t)i, 120, &a));
        ck_assert(hx_gen(seed + (uint64_t)i, 120, &b));
        char *ta = hx_print_string(&a, NULL), *tb = hx_print_string(&b, NULL);
        ck_assert_str_eq(ta, tb);
        ck_assert(hx_program_equal(&a, &b));
        free(ta);
        free(tb);
        hx_program_free(&a);
        hx_program_free(&b);
    }
}
END_TEST

START_TEST(test_gen_seeds_differ)
{
    uint64_t seed = gcf_test_seed("gen seeds differ");
    hx_program a, b;
    ck_assert(hx_gen(seed, 50, &a));
    ck_assert(hx_gen(seed + 1, 50, &b));
    ck_assert(!hx_program_equal(&a, &b));
    hx_program_free(&a);
    hx_program_free(&b);
}
END_TEST

START_TEST(test_gen_exact_count_and_valid)
{
    uint64_t seed = gcf_test_seed("gen count");
    static const size_t counts[] = { 0, 1, 2, 17, 200, 1000, 5000 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        hx_program p;
        ck_assert(hx_gen(seed, counts[i], &p));
        ck_assert_uint_eq(p.nstmts, counts[i]);
        ck_assert(hx_program_check(&p, NULL));
        /* a longer program of the same seed starts with the shorter one */
        if (counts[i] >= 17) {
            hx_program q;
            ck_assert(hx_gen(seed, 17, &q));
            char a[512], b[512];
            for (size_t k = 0; k < 17; k++) {
                hx_stmt_format(&p, &p.stmts[k], a, sizeof a);
                hx_stmt_format(&q, &q.stmts[k], b, sizeof b);
                ck_assert_str_eq(a, b);
            }
            hx_program_free(&q);
        }
        hx_program_free(&p);
    }
}
END_TEST

START_TEST(test_gen_covers_kinds)
{
    uint64_t seed = gcf_test_seed("gen coverage");
    size_t kinds[HX_ST_KIND_COUNT] = {0};
    bool clr = false, large = false;
    for (int i = 0; i < 60; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + (uint64_t)i, 150, &p));
        for (size_t k = 0; k < p.nstmts; k++) {
            const hx_stmt *s = &p.stmts[k];
            kinds[s->kind]++;
            if (s->kind == HX_ST_NEW &&
                hx_type_instance_size(&p.types[s->type], s->length) >= p.heap.value[HX_KEY_LOH_THRESHOLD])
                large = true;
        }
        clr |= p.heap.profile == HX_PROFILE_CLR;
        hx_program_free(&p);
    }
    for (int k = 0; k < HX_ST_KIND_COUNT; k++) {
        if (hx_stmt_is_expect(k))
            ck_assert_uint_eq(kinds[k], 0);    /* no expectations: they would be guesses */
        else
            ck_assert_msg(kinds[k] > 0, "no %s generated", hx_stmt_kind_name(k));
    }
    ck_assert(large);
    ck_assert(clr);
}
END_TEST

/* ---- an independent static validity checker ---------------------------
 * Written from the run-time rules (docs/semantics.md .prog.value,
 * .prog.object, .prog.slot, .handle.double-free; .dec.oom), not from the
 * decoder: it walks the statement list and decides, for every statement,
 * whether its operands are valid in every execution.  Under a hard limit
 * any `new` may give null. */
typedef enum chk_local { CHK_UNBOUND = 0, CHK_DROPPED, CHK_MAYBE_NULL, CHK_OBJECT } chk_local;
typedef enum chk_handle { CHK_H_NONE = 0, CHK_H_LIVE, CHK_H_FREED } chk_handle;

typedef struct chk_state {
    chk_local *st;
    uint32_t *type;
    uint64_t *len;
    chk_handle *h;
} chk_state;

static bool chk_value(const chk_state *c, uint32_t l)
{
    return l == HX_NULL || c->st[l] == CHK_MAYBE_NULL || c->st[l] == CHK_OBJECT;
}

static bool chk_object(const chk_state *c, uint32_t l)
{
    return l != HX_NULL && c->st[l] == CHK_OBJECT;
}

static bool chk_slot(const chk_state *c, const hx_program *p, uint32_t l, uint64_t slot)
{
    const hx_type *t = &p->types[c->type[l]];
    if (t->kind == HX_TYPE_FIXED)
        return slot < t->nrefs;
    return t->kind == HX_TYPE_REF_ARRAY && slot < c->len[l];
}

/* Returns the index of the first invalid statement, or -1; *why says what. */
static long chk_program(const hx_program *p, const char **why)
{
    chk_state c;
    size_t nl = p->nlocals ? p->nlocals : 1, nh = p->nhandles ? p->nhandles : 1;
    c.st = calloc(nl, sizeof *c.st);
    c.type = calloc(nl, sizeof *c.type);
    c.len = calloc(nl, sizeof *c.len);
    c.h = calloc(nh, sizeof *c.h);
    ck_assert(c.st && c.type && c.len && c.h);
    bool may_oom = p->heap.value[HX_KEY_HARD_LIMIT] != 0 || p->heap.fail_reserve || p->heap.fail_commit;
    long bad = -1;
    *why = "";
    /* termination: no finalizer allocates an object whose finalizer
       allocates (else a drain can go on for ever) */
    for (uint32_t t = 0; t < p->ntypes; t++)
        if (p->types[t].fin == HX_FIN_ALLOC && p->types[p->types[t].fin_alloc].fin == HX_FIN_ALLOC) {
            *why = "a chain of allocating finalizers";
            bad = (long)p->nstmts;
        }
    for (size_t i = 0; i < p->nstmts && bad < 0; i++) {
        const hx_stmt *s = &p->stmts[i];
        const char *w = NULL;
        switch (s->kind) {
        case HX_ST_NEW:
            c.st[s->dst] = may_oom ? CHK_MAYBE_NULL : CHK_OBJECT;
            c.type[s->dst] = s->type;
            c.len[s->dst] = s->length;
            break;
        case HX_ST_STORE:
            if (!chk_object(&c, s->obj))
                w = "store through a local that may not be an object";
            else if (!chk_slot(&c, p, s->obj, s->slot))
                w = "store slot out of range";
            else if (!chk_value(&c, s->src))
                w = "store of an unbound or dropped local";
            break;
        case HX_ST_LOAD:
            if (!chk_object(&c, s->obj))
                w = "load through a local that may not be an object";
            else if (!chk_slot(&c, p, s->obj, s->slot))
                w = "load slot out of range";
            else
                c.st[s->dst] = CHK_MAYBE_NULL;
            break;
        case HX_ST_COPY:
            if (!chk_value(&c, s->src) || s->src == HX_NULL) {
                w = "copy of an unbound or dropped local";
            } else {
                c.st[s->dst] = c.st[s->src];
                c.type[s->dst] = c.type[s->src];
                c.len[s->dst] = c.len[s->src];
            }
            break;
        case HX_ST_DROP:
            if (!chk_value(&c, s->obj) || s->obj == HX_NULL)
                w = "drop of an unbound or dropped local";
            else
                c.st[s->obj] = CHK_DROPPED;
            break;
        case HX_ST_HANDLE:
            if (!chk_object(&c, s->obj))
                w = "handle to a local that may not be an object";
            else
                c.h[s->handle] = CHK_H_LIVE;
            break;
        case HX_ST_FREE:
            if (c.h[s->handle] != CHK_H_LIVE)
                w = "free of a handle that is not live";
            else
                c.h[s->handle] = CHK_H_FREED;
            break;
        case HX_ST_TARGET:
            if (c.h[s->handle] != CHK_H_LIVE)
                w = "target of a handle that is not live";
            else
                c.st[s->dst] = CHK_MAYBE_NULL;
            break;
        case HX_ST_STATIC_SET:
            if (s->stat >= HX_STATICS || !chk_value(&c, s->src))
                w = "static set of a bad slot or local";
            break;
        case HX_ST_STATIC_GET:
            if (s->stat >= HX_STATICS)
                w = "static read of a bad slot";
            else
                c.st[s->dst] = CHK_MAYBE_NULL;
            break;
        case HX_ST_SUPPRESS: case HX_ST_REREGISTER:
            if (!chk_object(&c, s->obj))
                w = "suppress / reregister of a local that may not be an object";
            break;
        case HX_ST_COLLECT:
            if (s->gen < 0 || s->gen > 2)
                w = "collect of a bad generation";
            break;
        case HX_ST_THREAD:
            if (s->thread >= HX_THREADS)
                w = "bad thread";
            break;
        case HX_ST_FINALIZE:
            break;
        case HX_ST_REPEAT:      /* fuzz mode: at least one iteration */
            if (s->count == 0)
                w = "a repeat block that never runs";
            break;
        case HX_ST_END:
            break;
        default:
            w = "an expectation (a guess) in a generated program";
            break;
        }
        if (w) {
            bad = (long)i;
            *why = w;
        }
    }
    free(c.st);
    free(c.type);
    free(c.len);
    free(c.h);
    return bad;
}

static void assert_statically_valid(const hx_program *p, const char *what, uint64_t seed)
{
    const char *why;
    long bad = chk_program(p, &why);
    if (bad >= 0) {
        char line[256] = "(types)";
        if ((size_t)bad < p->nstmts)
            hx_stmt_format(p, &p->stmts[bad], line, sizeof line);
        ck_abort_msg("%s %llu: statement %ld `%s`: %s", what, (unsigned long long)seed, bad,
                     line, why);
    }
}

/* The checker finds planted violations (so the sweep below can fail). */
START_TEST(test_gen_checker_finds_violations)
{
    static const struct { const char *text; long bad; } cases[] = {
        { "type N size=32 refs=2\na = new N\ndrop a\ndrop a\n", 2 },
        { "type N size=32 refs=2\na = new N\nb = a.0\nb.1 = a\n", 2 },
        { "type N size=32 refs=2\na = new N\nh = handle weak a\nfree h\nx = target h\n", 3 },
        { "type N size=32 refs=2\na = new N\nh = handle strong a\nfree h\nfree h\n", 3 },
        { "type R array elem=ref\na = new R[3]\na.2 = a\nb = a.3\n", 2 },
        { "type N size=32 refs=2\na = new N\nb = a\ndrop a\nsuppress b\nsuppress a\n", 4 },
        { "type N size=32 refs=2\nb = static s3\nc = b\nreregister c\n", 2 },
        { "heap hard_limit=1m\ntype N size=32 refs=2\na = new N\nstatic s0 = a\na.0 = null\n", 2 },
        { "type N size=32 refs=2\na = new N\nstatic s0 = x\n", 1 },
        { "type N size=32 refs=2\na = new N\nb = a\nexpect gen b 0\n", 2 },
        { "type M size=24 finalizer=alloc:M\na = new M\n", 1 },
        { "type M size=24 finalizer=alloc:K\ntype K size=24 finalizer=alloc:N\n"
          "type N size=32\na = new M\ndrop a\n", 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hx_program p;
        hx_diag d;
        ck_assert(hx_parse(cases[i].text, strlen(cases[i].text), "t.gcp", &p, &d));
        const char *why;
        ck_assert_int_eq(chk_program(&p, &why), cases[i].bad);
        hx_program_free(&p);
    }
    /* and accepts a valid one using every kind */
    const char *ok = "type N size=32 refs=2\ntype R array elem=ref\n"
                     "a = new N\nr = new R[4]\nr.3 = a\nb = r.3\nb = a\na.1 = b\n"
                     "h = handle pinned a\nt = target h\nfree h\nstatic s5 = t\nu = static s5\n"
                     "drop t\nsuppress a\nreregister b\ncollect 1\nfinalize\nthread 3\ndrop a\n";
    hx_program p;
    hx_diag d;
    ck_assert(hx_parse(ok, strlen(ok), "t.gcp", &p, &d));
    const char *why;
    ck_assert_int_eq(chk_program(&p, &why), -1);
    hx_program_free(&p);
}
END_TEST

/* Thousands of generated programs and fuzz-mode decodes of random bytes
   (escape bytes made frequent) are valid in every execution, with sizes
   within the fuzz-mode limits. */
START_TEST(test_gen_statically_valid)
{
    uint64_t seed = gcf_test_seed("gen static validity");
    int n = gcf_under_valgrind() ? 100 : 1500;
    size_t objuses = 0, stmts = 0, maybe_null_uses = 0;
    for (int i = 0; i < n; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + (uint64_t)i, 150, &p));
        assert_statically_valid(&p, "gen seed", seed + (uint64_t)i);
        for (size_t k = 0; k < p.nstmts; k++) {
            hx_stmt_kind kd = p.stmts[k].kind;
            objuses += kd == HX_ST_STORE || kd == HX_ST_LOAD || kd == HX_ST_HANDLE ||
                       kd == HX_ST_SUPPRESS || kd == HX_ST_REREGISTER;
        }
        stmts += p.nstmts;
        hx_program_free(&p);
    }
    gcf_rng r = { seed };
    for (int i = 0; i < n; i++) {
        size_t len = 2 + (size_t)gcf_rng_below(&r, 600);
        uint8_t *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        unsigned esc = (unsigned)gcf_rng_below(&r, 4);     /* 0: plain random */
        for (size_t k = 0; k < len; k++) {
            uint8_t x = (uint8_t)gcf_rng_next(&r);
            if (esc && gcf_rng_below(&r, 4) < esc)
                x = (uint8_t)(0xF8 | (x & 7));             /* escapes and 0xFF */
            b[k] = x;
        }
        b[1] &= 0x7f;                                      /* fuzz mode */
        hx_program p;
        ck_assert(hx_decode(b, len, &p));
        assert_statically_valid(&p, "random input", (uint64_t)i);
        for (uint32_t t = 0; t < p.ntypes; t++)
            ck_assert_uint_le(hx_type_instance_size(&p.types[t], 0), HX_CODEC_MAX_OBJECT);
        for (size_t k = 0; k < p.nstmts; k++) {
            const hx_stmt *s = &p.stmts[k];
            if (s->kind == HX_ST_NEW)
                ck_assert_uint_le(hx_type_instance_size(&p.types[s->type], s->length),
                                  HX_CODEC_MAX_OBJECT);
            if (s->kind == HX_ST_COPY || s->kind == HX_ST_DROP)
                maybe_null_uses++;
        }
        ck_assert_uint_le(p.heap.value[HX_KEY_LOH_THRESHOLD], 1u << 20);
        ck_assert_uint_le(p.heap.value[HX_KEY_SEGMENT_SIZE], 8u << 20);
        ck_assert_uint_le(p.heap.value[HX_KEY_HARD_LIMIT], 64u << 20);
        hx_program_free(&p);
        free(b);
    }
    /* the valid programs still use objects a lot (not only allocations) */
    ck_assert_msg(objuses * 100 >= stmts * 10, "object uses %zu of %zu", objuses, stmts);
    ck_assert_uint_gt(maybe_null_uses, 0);
}
END_TEST

/* Generated programs run without a program error in the strict executor
   (no --fuzz skipping), also under --stress and in the clr profile. */
START_TEST(test_gen_runs_without_program_errors)
{
    uint64_t seed = gcf_test_seed("gen runs clean");
    int n = gcf_under_valgrind() ? 3 : 45;
    size_t objects = 0;
    for (int i = 0; i < n; i++) {
        hx_program p;
        uint64_t sd = seed + (uint64_t)i;
        ck_assert(hx_gen(sd, 120, &p));
        hx_exec_options o;
        hx_exec_options_default(&o);
        o.no_views = true;
        o.stress = i % 3 == 1;
        if (i % 3 == 2)
            o.profile = HX_PROFILE_CLR;
        hx_exec_outcome r;
        hx_exec_status st = hx_exec_run(&p, "gen.gcp", &o, &r);
        ck_assert_msg(st != HX_EXEC_BAD_PROGRAM && strcmp(r.fail.check, "PE") != 0,
                      "seed %llu (%s): program error: %s: %s", (unsigned long long)sd,
                      o.stress ? "stress" : i % 3 == 2 ? "clr" : "strict", r.fail.stmt_text,
                      r.fail.message);
        ck_assert_int_ne(st, HX_EXEC_ERROR);
        if (st == HX_EXEC_PASS)
            ck_assert_uint_eq(r.steps, hx_program_exec_count(&p));
        objects += r.objects;
        hx_exec_outcome_free(&r);
        hx_program_free(&p);
    }
    ck_assert_uint_gt(objects, (size_t)n * 10);
}
END_TEST

/* The two check schedules (.exec.schedule) agree on correct runs: a
   generated program gives the same outcome, step count, collections and
   finalizer calls whether the complete comparison runs after every step
   or only after collections, drains and the last step; and the faulty
   target that breaks generations fails in both. */
START_TEST(test_gen_schedules_agree)
{
    uint64_t seed = gcf_test_seed("gen schedules agree");
    int n = gcf_under_valgrind() ? 2 : 12;
    for (int i = 0; i < n; i++) {
        hx_program p;
        uint64_t sd = seed + (uint64_t)i;
        ck_assert(hx_gen(sd, 150, &p));
        hx_exec_outcome r[2];
        for (int full = 0; full < 2; full++) {
            hx_exec_options o;
            hx_exec_options_default(&o);
            o.no_views = true;
            o.full_check = full;
            o.profile = i % 2 ? HX_PROFILE_CLR : -1;
            hx_exec_run(&p, "gen.gcp", &o, &r[full]);
        }
        ck_assert_msg(r[0].status == r[1].status && r[0].steps == r[1].steps &&
                      r[0].gcs == r[1].gcs && r[0].fin_calls == r[1].fin_calls,
                      "seed %llu: default %d/%zu steps/%llu gcs, full %d/%zu/%llu (%s | %s)",
                      (unsigned long long)sd, (int)r[0].status, r[0].steps,
                      (unsigned long long)r[0].gcs, (int)r[1].status, r[1].steps,
                      (unsigned long long)r[1].gcs, r[0].fail.signature, r[1].fail.signature);
        ck_assert_int_eq(r[0].status, HX_EXEC_PASS);
        for (int k = 0; k < 2; k++)
            hx_exec_outcome_free(&r[k]);
        if (r[0].gcs) {
            /* the fault shows after a collection, which both schedules
               follow with the complete comparison: the same signature */
            char sig[2][HX_SIG_MAX];
            for (int full = 0; full < 2; full++) {
                hx_exec_options o;
                hx_exec_options_default(&o);
                o.no_views = true;
                o.full_check = full;
                o.target = hx_target_faulty(HX_FAULT_GEN);
                hx_exec_outcome f;
                hx_exec_status st = hx_exec_run(&p, "gen.gcp", &o, &f);
                ck_assert(st == HX_EXEC_FAIL || st == HX_EXEC_PASS);
                snprintf(sig[full], sizeof sig[full], "%s", st == HX_EXEC_PASS ? "pass" : f.fail.signature);
                hx_exec_outcome_free(&f);
            }
            ck_assert_msg(strcmp(sig[0], sig[1]) == 0, "seed %llu: default `%s`, full `%s`",
                          (unsigned long long)sd, sig[0], sig[1]);
        }
        hx_program_free(&p);
    }
}
END_TEST

Suite *make_hx_gen_suite(void)
{
    Suite *s = suite_create("hx_gen");
    TCase *tc = tcase_create("gen");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_gen_deterministic);
    tcase_add_test(tc, test_gen_seeds_differ);
    tcase_add_test(tc, test_gen_exact_count_and_valid);
    tcase_add_test(tc, test_gen_covers_kinds);
    tcase_add_test(tc, test_gen_checker_finds_violations);
    tcase_add_test(tc, test_gen_statically_valid);
    tcase_add_test(tc, test_gen_runs_without_program_errors);
    tcase_add_test(tc, test_gen_schedules_agree);
    suite_add_tcase(s, tc);
    return s;
}
