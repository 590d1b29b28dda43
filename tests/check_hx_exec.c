/* check_hx_exec.c -- the lockstep executor on our runtime: payload stamps,
 * conformance scenarios, program errors, expectations, fuzz and stress
 * modes, determinism, tracing, and the minimizer driven by a signature
 * predicate. */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "exec.h"
#include "exec_internal.h"
#include "text.h"
#include "gen.h"
#include "codec.h"
#include "minimize.h"

static void parse_ok(const char *text, hx_program *p)
{
    hx_diag d;
    ck_assert_msg(hx_parse(text, strlen(text), "t.gcp", p, &d), "parse: %s", d.msg);
}

static hx_exec_status run_prog(const hx_program *p, const hx_exec_options *o, hx_exec_outcome *r)
{
    hx_exec_options def;
    if (!o) {
        hx_exec_options_default(&def);
        def.no_views = true;
        o = &def;
    }
    return hx_exec_run(p, "t.gcp", o, r);
}

/* ---- stamps ---------------------------------------------------------- */
START_TEST(test_stamp_roundtrip)
{
    gcf_rng rng = {gcf_test_seed("test_stamp_roundtrip")};
    for (int k = 0; k < 500; k++) {
        /* lengths past 64 + 16 take the block path of the zero check */
        size_t len = 1 + (size_t)gcf_rng_below(&rng, k % 2 ? 64 : 300);
        uint32_t id = 1 + (uint32_t)gcf_rng_below(&rng, 1u << 30);
        uint8_t buf[300] = {0};
        hx_stamp_write(buf, len, id);
        ck_assert(hx_stamp_check(buf, len, id, true));
        ck_assert(!hx_stamp_check(buf, len, id + 1, false) || len < 1);
        if (len >= 8) {
            uint32_t got = 0;
            ck_assert(hx_stamp_read(buf, len, &got));
            ck_assert_uint_eq(got, id);
        }
        size_t i = (size_t)gcf_rng_below(&rng, len);
        buf[i] ^= (uint8_t)(1 + gcf_rng_below(&rng, 255));
        ck_assert_msg(!hx_stamp_check(buf, len, id, true), "flip of byte %zu of %zu undetected", i, len);
    }
    uint8_t zero[16] = {0};
    uint32_t got;
    ck_assert(!hx_stamp_read(zero, sizeof zero, &got));   /* unstamped is never valid */
}
END_TEST

/* The check after a collection (hx_stamp_check_gc): a moved object's
   middle and a short middle are read whole; a long one left in place is
   read in part, and a byte turned non-zero anywhere in it is found within
   as many rounds as it has windows. */
START_TEST(test_stamp_gc_rounds)
{
    gcf_rng rng = {gcf_test_seed("test_stamp_gc_rounds")};
    size_t cap = 16 + 2 * HX_STAMP_MIDDLE_EDGE + 9 * HX_STAMP_MIDDLE_WINDOW + 77;
    uint8_t *buf = calloc(cap, 1);
    ck_assert_ptr_nonnull(buf);
    for (int k = 0; k < 200; k++) {
        size_t len = 1 + (size_t)gcf_rng_below(&rng, k % 2 ? 16 + HX_STAMP_MIDDLE_ALL + 8 : cap);
        uint32_t id = 1 + (uint32_t)gcf_rng_below(&rng, 1u << 30);
        memset(buf, 0, cap);
        hx_stamp_write(buf, len, id);
        size_t windows = 1;
        if (len > 16 + HX_STAMP_MIDDLE_ALL)
            windows = (len - 16 - 2 * HX_STAMP_MIDDLE_EDGE + HX_STAMP_MIDDLE_WINDOW - 1) /
                      HX_STAMP_MIDDLE_WINDOW;
        for (uint64_t r = 0; r < windows; r++)
            ck_assert(hx_stamp_check_gc(buf, len, id, r % 2 == 0, r));
        ck_assert(!hx_stamp_check_gc(buf, len, id + 1, true, 0));
        size_t i = (size_t)gcf_rng_below(&rng, len);
        buf[i] ^= (uint8_t)(1 + gcf_rng_below(&rng, 255));
        ck_assert_msg(!hx_stamp_check_gc(buf, len, id, true, 0), "moved: flip of byte %zu of %zu undetected",
                      i, len);
        uint64_t first = UINT64_MAX, round0 = gcf_rng_next(&rng) % 1000;
        for (uint64_t r = 0; r < windows && first == UINT64_MAX; r++)
            if (!hx_stamp_check_gc(buf, len, id, false, round0 + r))
                first = r;
        ck_assert_msg(first != UINT64_MAX, "in place: flip of byte %zu of %zu undetected in %zu rounds",
                      i, len, windows);
        if (len <= 16 + HX_STAMP_MIDDLE_ALL || i < 8 + HX_STAMP_MIDDLE_EDGE || i >= len - 8 - HX_STAMP_MIDDLE_EDGE)
            ck_assert_uint_eq(first, 0);   /* stamp, edges and short middles: every round */
    }
    free(buf);
}
END_TEST

/* ---- conformance ------------------------------------------------------- */
static char *conformance_dir(void)
{
    static const char here[] = __FILE__;
    const char *slash = strrchr(here, '/');
    size_t n = slash ? (size_t)(slash - here) : 1;
    char *d = malloc(n + 32);
    snprintf(d, n + 32, "%.*s/../conformance", (int)n, slash ? here : ".");
    return d;
}

static int run_dir(const hx_target_ops *t, bool stress, bool verify, char *first_fail, size_t fl)
{
    char *dir = conformance_dir();
    DIR *dh = opendir(dir);
    ck_assert_msg(dh != NULL, "cannot open %s", dir);
    struct dirent *e;
    int n = 0, failed = 0;
    while ((e = readdir(dh)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".gcp") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *buf;
        size_t len;
        ck_assert_int_eq(hx_read_file(path, &buf, &len), 0);
        hx_program p;
        hx_diag d;
        ck_assert_msg(hx_parse(buf, len, path, &p, &d), "%s: %s", path, d.msg);
        hx_exec_options o;
        hx_exec_options_default(&o);
        o.target = t;
        o.stress = stress;
        o.verify_each = verify;
        o.no_views = true;
        hx_exec_outcome r;
        if (hx_exec_run(&p, path, &o, &r) != HX_EXEC_PASS) {
            if (!failed)
                snprintf(first_fail, fl, "%s: %s %s", e->d_name, r.fail.signature, r.fail.message);
            failed++;
        }
        hx_exec_outcome_free(&r);
        hx_program_free(&p);
        free(buf);
        n++;
    }
    closedir(dh);
    free(dir);
    ck_assert_int_ge(n, 20);
    return failed;
}

START_TEST(test_conformance_pass)
{
    char first[800] = "";
    int failed = run_dir(&hx_target_mgc, false, false, first, sizeof first);
    ck_assert_msg(failed == 0, "%d scenarios failed; first: %s", failed, first);
    /* the non-moving configuration of the runtime is a second target */
    failed = run_dir(&hx_target_mgc_sweep, false, false, first, sizeof first);
    ck_assert_msg(failed == 0, "mgc-sweep: %d scenarios failed; first: %s", failed, first);
}
END_TEST

START_TEST(test_conformance_stress_verify)
{
    char first[800] = "";
    int failed = run_dir(&hx_target_mgc, true, true, first, sizeof first);
    ck_assert_msg(failed == 0, "%d scenarios failed under --stress --verify; first: %s", failed, first);
}
END_TEST

/* ---- program errors and expectations ------------------------------------ */
START_TEST(test_program_error_position)
{
    hx_program p;
    parse_ok("type Node size=24\na = new Node\ndrop a\n  b = a\ncollect\n", &p);
    hx_exec_outcome r;
    ck_assert_int_eq(run_prog(&p, NULL, &r), HX_EXEC_BAD_PROGRAM);
    ck_assert_uint_eq(r.fail.pos.line, 4);
    ck_assert_uint_eq(r.fail.pos.col, 3);
    ck_assert_uint_eq(r.steps, 3);      /* nothing after the error ran */
    ck_assert_ptr_nonnull(strstr(r.fail.message, "'a'"));
    ck_assert_str_eq(r.fail.check, "PE");
    hx_exec_outcome_free(&r);
    /* fuzz mode skips the statement and goes on */
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;
    ck_assert_int_eq(run_prog(&p, &o, &r), HX_EXEC_PASS);
    ck_assert_uint_eq(r.steps, 4);
    ck_assert_uint_eq(r.gcs, 1);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}
END_TEST

/* .tgt.drain-limit: a finalizer chain that never ends (every allocation
   collects and finds the object the previous finalizer allocated) is cut
   short and reported as a program error at the `finalize` line, in fuzz
   mode too; one allocating finalizer without a chain finishes normally. */
START_TEST(test_runaway_finalizer_drain_limited)
{
    const char *runaway = "heap gen0_budget=50\ntype A size=64 finalizer=alloc:A\n"
                          "a = new A\nb = new A\ndrop a\ndrop b\ncollect\nfinalize\n";
    hx_program p;
    parse_ok(runaway, &p);
    hx_exec_outcome r;
    ck_assert_int_eq(run_prog(&p, NULL, &r), HX_EXEC_BAD_PROGRAM);
    ck_assert_str_eq(r.fail.check, "PE");
    ck_assert_str_eq(r.fail.detail, "drain-limit");
    ck_assert_uint_eq(r.fail.pos.line, 8);
    hx_exec_outcome_free(&r);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;
    o.no_views = true;
    ck_assert_int_eq(run_prog(&p, &o, &r), HX_EXEC_BAD_PROGRAM);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);

    parse_ok("heap gen0_budget=50\ntype A size=64 finalizer=alloc:A\n"
             "a = new A\ndrop a\ncollect\nfinalize\nexpect finalized a 1\n", &p);
    ck_assert_int_eq(run_prog(&p, NULL, &r), HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_expectation_failures)
{
    static const struct { const char *line; const char *sig; } cases[] = {
        {"expect gen a 2\n", "EX expect_gen value"},
        {"expect loh a\n", "EX expect_loh value"},
        {"expect null a\n", "EX expect_null value"},
        {"expect collections 0 2\n", "EX expect_collections value"},
        {"expect finalized a 1\n", "EX expect_finalized value"},
        {"expect pinned_count 1\n", "EX expect_pinned_count value"},
        {"expect oom\n", "EX expect_oom target"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "type Node size=32 refs=1\na = new Node\ncollect 0\n%s",
                 cases[i].line);
        hx_program p;
        parse_ok(text, &p);
        hx_exec_outcome r;
        ck_assert_int_eq(run_prog(&p, NULL, &r), HX_EXEC_FAIL);
        ck_assert_msg(strcmp(r.fail.signature, cases[i].sig) == 0, "%s: got `%s`", cases[i].line,
                      r.fail.signature);
        ck_assert_uint_eq(r.fail.pos.line, 4);
        hx_exec_outcome_free(&r);
        hx_program_free(&p);
    }
}
END_TEST

/* ---- determinism, tracing, generated programs ---------------------------- */
START_TEST(test_generated_deterministic)
{
    uint64_t seed = gcf_test_seed("test_generated_deterministic");
    int n = gcf_under_valgrind() ? 5 : 40;
    for (int k = 0; k < n; k++) {
        hx_program p;
        ck_assert(hx_gen(seed + (uint64_t)k, 80, &p));
        hx_exec_options o;
        hx_exec_options_default(&o);
        o.fuzz = true;
        o.no_views = true;
        hx_exec_outcome a, b;
        hx_exec_status sa = run_prog(&p, &o, &a), sb = run_prog(&p, &o, &b);
        ck_assert_int_eq(sa, sb);
        ck_assert_uint_eq(a.steps, b.steps);
        ck_assert_uint_eq(a.gcs, b.gcs);
        ck_assert_uint_eq(a.fin_calls, b.fin_calls);
        ck_assert_str_eq(a.fail.signature, b.fail.signature);
        hx_exec_outcome_free(&a);
        hx_exec_outcome_free(&b);
        hx_program_free(&p);
    }
}
END_TEST

START_TEST(test_trace_lists_steps_and_events)
{
    hx_program p;
    parse_ok("heap gen0_budget=64\ntype Node size=32\na = new Node\nb = new Node\nc = new Node\n", &p);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.trace = true;
    o.trace_out = f;
    hx_exec_outcome r;
    ck_assert_int_eq(run_prog(&p, &o, &r), HX_EXEC_PASS);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "step 2 line 5: c = new Node"));
    ck_assert_ptr_nonnull(strstr(buf, "event gc gen=0 reason=alloc_small"));
    ck_assert_uint_eq(r.gcs, 1);
    free(buf);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}
END_TEST

/* Seeds of the fuzz corpus replay cleanly (decode + fuzz mode). */
START_TEST(test_encoded_conformance_replays)
{
    hx_program p;
    parse_ok("type Fin size=24 finalizer=count\na = new Fin\ndrop a\ncollect\nfinalize\n"
             "expect finalized a 1\n", &p);
    uint8_t *bytes;
    size_t n;
    ck_assert(hx_encode(&p, &bytes, &n));
    hx_program q;
    ck_assert(hx_decode(bytes, n, &q));
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;
    hx_exec_outcome r;
    ck_assert_int_eq(run_prog(&q, &o, &r), HX_EXEC_PASS);
    ck_assert_uint_eq(r.fin_calls, 1);
    hx_exec_outcome_free(&r);
    free(bytes);
    hx_program_free(&q);
    hx_program_free(&p);
}
END_TEST

/* ---- the minimizer with the signature predicate --------------------------- */
typedef struct min_ctx { const char *sig; const hx_target_ops *t; } min_ctx;

static bool same_failure(const hx_program *cand, void *vctx)
{
    min_ctx *c = vctx;
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = c->t;
    o.fuzz = true;
    o.no_views = true;
    hx_exec_outcome r;
    bool same = hx_exec_run(cand, NULL, &o, &r) == HX_EXEC_FAIL && strcmp(r.fail.signature, c->sig) == 0;
    hx_exec_outcome_free(&r);
    return same;
}

START_TEST(test_minimize_planted_failure)
{
    /* a 200-statement generated program run on a target that misreports
       promoted generations: the minimizer must cut it to <= 5 statements */
    uint64_t seed = gcf_test_seed("test_minimize_planted_failure");
    min_ctx c = {"C3 collect gen-mismatch", hx_target_faulty(HX_FAULT_GEN)};
    hx_program p;
    bool found = false;
    for (uint64_t k = 0; k < 200 && !found; k++) {
        ck_assert(hx_gen(seed + k, 200, &p));
        if (p.nstmts == 200 && same_failure(&p, &c))
            found = true;
        else
            hx_program_free(&p);
    }
    ck_assert_msg(found, "no generated program shows the planted failure");
    hx_program out;
    hx_min_stats st;
    hx_min_status ms = hx_minimize(&p, same_failure, &c, NULL, &out, &st);
    ck_assert_int_eq(ms, HX_MIN_OK);
    ck_assert_msg(out.nstmts <= 5, "minimized to %zu statements", out.nstmts);
    ck_assert(same_failure(&out, &c));
    /* the correct runtime passes the minimized program */
    c.t = &hx_target_mgc;
    ck_assert(!same_failure(&out, &c));
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

/* ---- the slot comparison of large reference arrays (.exec.slot-scan) ---- */
/* A wrong target: a load also clears the slot it read.  No statement of
   the model changes that slot, so only a full comparison of the array's
   slots after the load step sees it. */
static hx_target_ops clear_on_load_ops;

static void clear_on_load(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot)
{
    hx_target_mgc.load(t, dst, obj, slot);
    hx_target_mgc.store(t, obj, slot, HX_NO_LOCAL);
}

START_TEST(test_large_array_slot_corruption_caught)
{
    clear_on_load_ops = hx_target_mgc;
    clear_on_load_ops.name = "clear-on-load";
    clear_on_load_ops.load = clear_on_load;
    /* 12000 slots: 187 blocks of 64 and a partial block of 32 */
    static const uint32_t slots[] = {0, 63, 64, 5000, 11967, 11968, 11999};
    for (size_t k = 0; k < sizeof slots / sizeof slots[0]; k++) {
        char text[512];
        snprintf(text, sizeof text,
                 "type Refs array elem=ref\ntype Node size=24\n"
                 "a = new Refs[12000]\nn = new Node\nm = new Node\n"
                 "a.1 = m\na.%u = n\na.11000 = m\ncollect 0\na.2 = n\n"
                 "x = a.%u\ncollect 1\n", slots[k], slots[k]);
        hx_program p;
        parse_ok(text, &p);
        hx_exec_options o;
        hx_exec_options_default(&o);
        o.no_views = true;
        hx_exec_outcome r;
        /* the runtime agrees with the model at every step */
        ck_assert_msg(run_prog(&p, &o, &r) == HX_EXEC_PASS, "slot %u: `%s` %s", slots[k],
                      r.fail.signature, r.fail.message);
        ck_assert_uint_eq(r.steps, p.nstmts);
        hx_exec_outcome_free(&r);
        /* the wrong target is caught at the load, on the slot it cleared */
        o.target = &clear_on_load_ops;
        ck_assert_int_eq(run_prog(&p, &o, &r), HX_EXEC_FAIL);
        ck_assert_msg(strcmp(r.fail.signature, "C1 load slot-mismatch") == 0, "slot %u: got `%s`",
                      slots[k], r.fail.signature);
        ck_assert_uint_eq(r.fail.pos.line, 11);
        char want[64];
        snprintf(want, sizeof want, "slot %u: model holds object", slots[k]);
        ck_assert_msg(strstr(r.fail.message, want) != NULL, "slot %u: message `%s`", slots[k],
                      r.fail.message);
        hx_exec_outcome_free(&r);
        hx_program_free(&p);
    }
}
END_TEST

/* Program text run on target ops (no views): the runs of the tests with
   a wrapped target below. */
static hx_exec_status run_text_on(const char *text, const hx_target_ops *ops, hx_exec_outcome *r)
{
    hx_program p;
    parse_ok(text, &p);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.no_views = true;
    o.target = ops;
    hx_exec_status st = hx_exec_run(&p, "t.gcp", &o, r);
    hx_program_free(&p);
    return st;
}

/* ---- .clr.demote: plug-mates ----------------------------------------- */
/* A target that behaves like CoreCLR for one object: the object lying at a
   given distance after a pinned one reports the generation it had before
   the last collection (one less than the runtime's after a promotion). */
static hx_target_ops pm_ops;
static hx_addr pm_pinned;          /* target of the last pinned handle */
static uint64_t pm_distance;       /* bytes from the pinned object's start */

static hx_tstatus pm_handle_alloc(hx_target *t, int kind, uint32_t src, uint32_t *out)
{
    if (kind == HX_HANDLE_PINNED)
        pm_pinned = hx_target_mgc.get_local(t, src);
    return hx_target_mgc.handle_alloc(t, kind, src, out);
}

static bool pm_is_mate(hx_addr a) { return pm_pinned && a == pm_pinned + pm_distance; }

static int pm_generation(hx_target *t, hx_addr obj)
{
    int g = hx_target_mgc.generation(t, obj);
    return pm_is_mate(obj) && g > 0 ? g - 1 : g;
}

typedef struct pm_walk { hx_walk_fn fn; void *ctx; } pm_walk;

static void pm_walk_one(void *ctx, const hx_tobject *o)
{
    pm_walk *w = ctx;
    hx_tobject c = *o;
    if (pm_is_mate(o->addr) && c.gen > 0)
        c.gen--;
    w->fn(w->ctx, &c);
}

static void pm_walk_all(hx_target *t, hx_walk_fn fn, void *ctx)
{
    pm_walk w = {fn, ctx};
    hx_target_mgc.walk(t, pm_walk_one, &w);
}

static hx_exec_status pm_run(const char *text, uint64_t distance, hx_exec_outcome *r)
{
    pm_ops = hx_target_mgc;
    pm_ops.name = "plug-mate";
    pm_ops.handle_alloc = pm_handle_alloc;
    pm_ops.generation = pm_generation;
    pm_ops.walk = pm_walk_all;
    pm_ops.object = NULL;                       /* complete comparisons only */
    pm_pinned = 0;
    pm_distance = distance;
    return run_text_on(text, &pm_ops, r);
}

#define PM_TYPES "type Leaf size=32\n"
/* a pinned, b allocated right after it (its plug-mate): b keeps gen0 */
#define PM_MATE PM_TYPES "a = new Leaf\np = handle pinned a\nb = new Leaf\ncollect 0\n"
/* c lies between a and b and survives: b is no plug-mate */
#define PM_APART PM_TYPES "a = new Leaf\np = handle pinned a\nc = new Leaf\nb = new Leaf\ncollect 0\n"

START_TEST(test_clr_plug_mate)
{
    hx_exec_outcome r;
    /* clr: accepted, and the model follows (gen0 for b) */
    ck_assert_int_eq(pm_run("heap profile=clr\n" PM_MATE "collect 0\n", 32, &r), HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
    /* strict: the same report is a C3 failure */
    ck_assert_int_eq(pm_run(PM_MATE, 32, &r), HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C3 collect gen-mismatch");
    hx_exec_outcome_free(&r);
    /* clr, but a live object lies between the pinned one and b */
    ck_assert_int_eq(pm_run("heap profile=clr\n" PM_APART, 64, &r), HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C3 collect gen-mismatch");
    hx_exec_outcome_free(&r);
    /* clr, the dead object between them is free space: b is a plug-mate */
    ck_assert_int_eq(pm_run("heap profile=clr\n" PM_TYPES "a = new Leaf\np = handle pinned a\n"
                            "c = new Leaf\nb = new Leaf\ndrop c\ncollect 0\n", 64, &r),
                     HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
}
END_TEST

/* ---- .exec.addr-index: a walk in any order ----------------------------- */
/* A target that reports the runtime's objects in another order: reversed
   (one run per object, sorted after the walk), odd positions then even
   ones (two overlapping runs: the hash index), or in order with one object
   left out (which the comparison must notice). */
enum { WO_SAME, WO_REVERSED, WO_INTERLEAVED, WO_ONE_MISSING };
static hx_target_ops wo_ops;
static int wo_mode;

typedef struct wo_buf {
    hx_tobject *o;
    hx_addr *slots;
    size_t n, ns;
} wo_buf;

static void wo_collect(void *ctx, const hx_tobject *o)
{
    wo_buf *b = ctx;
    b->o = realloc(b->o, (b->n + 1) * sizeof *b->o);
    b->slots = realloc(b->slots, (b->ns + o->nslots + 1) * sizeof *b->slots);
    ck_assert(b->o && b->slots);
    if (o->nslots)
        memcpy(b->slots + b->ns, o->slots, o->nslots * sizeof *o->slots);
    b->o[b->n] = *o;
    b->o[b->n].slots = (const hx_addr *)(uintptr_t)b->ns;   /* an offset until the walk ends */
    b->n++;
    b->ns += o->nslots;
}

static void wo_walk(hx_target *t, hx_walk_fn fn, void *ctx)
{
    wo_buf b = {0};
    hx_target_mgc.walk(t, wo_collect, &b);
    for (size_t i = 0; i < b.n; i++)
        b.o[i].slots = b.slots + (uintptr_t)b.o[i].slots;
    for (size_t i = 0; i < b.n; i++) {
        size_t k = i;
        if (wo_mode == WO_REVERSED)
            k = b.n - 1 - i;
        else if (wo_mode == WO_INTERLEAVED)
            k = 2 * i + 1 < b.n ? 2 * i + 1 : 2 * (i - b.n / 2);
        if (wo_mode == WO_ONE_MISSING && i == b.n / 2)
            continue;
        fn(ctx, &b.o[k]);
    }
    free(b.o);
    free(b.slots);
}

static hx_exec_status wo_run(int mode, hx_exec_outcome *r)
{
    wo_ops = hx_target_mgc;
    wo_ops.name = "walk-order";
    wo_ops.walk = wo_walk;
    wo_ops.object = NULL;                       /* complete comparisons only */
    wo_ops.object_part = NULL;
    wo_mode = mode;
    /* a chain across many granules, a large object in its own run, and
       collections that move and promote them */
    return run_text_on("type Node size=48 refs=2\ntype Big size=90000 refs=1\n"
                       "head = new Node\nrepeat 400 {\n  n = new Node\n  n.0 = head\n"
                       "  n.1 = head\n  head = n\n}\nb = new Big\nb.0 = head\ncollect 0\n"
                       "drop n\ncollect\nhead = new Node\ncollect 1\n", &wo_ops, r);
}

START_TEST(test_walk_order)
{
    hx_exec_outcome r;
    for (int mode = WO_SAME; mode <= WO_INTERLEAVED; mode++) {
        hx_exec_status st = wo_run(mode, &r);
        ck_assert_msg(st == HX_EXEC_PASS, "walk order %d: %s", mode,
                      st == HX_EXEC_FAIL ? r.fail.signature : "not run");
        hx_exec_outcome_free(&r);
    }
    ck_assert_int_eq(wo_run(WO_ONE_MISSING, &r), HX_EXEC_FAIL);
    ck_assert_msg(r.fail.signature[0] == 'C', "%s", r.fail.signature);
    hx_exec_outcome_free(&r);
}
END_TEST

/* ---- .clr.fin-async --------------------------------------------------- */
/* A target whose finalizer thread runs right after each `collect`, before
   it returns, as CoreCLR's usually does. */
static hx_target_ops fa_ops;

static hx_tstatus fa_collect(hx_target *t, int gen, bool compact_loh)
{
    hx_tstatus st = hx_target_mgc.collect(t, gen, compact_loh);
    if (st == HX_T_OK)
        st = hx_target_mgc.run_finalizers(t, 0);
    return st;
}

static hx_exec_status fa_run(const char *text, hx_exec_outcome *r)
{
    fa_ops = hx_target_mgc;
    fa_ops.name = "eager-finalizers";
    fa_ops.collect = fa_collect;
    return run_text_on(text, &fa_ops, r);
}

#define FA_PROG "type Fin size=24 finalizer=count\ntype Crit size=24 finalizer=count critical\n" \
                "a = new Fin\nb = new Crit\nc = new Fin\ndrop a\ndrop b\ndrop c\ncollect 0\n" \
                "expect finalized a 1\nexpect finalized b 1\nexpect finalized c 1\n" \
                "d = new Fin\ndrop d\ncollect 0\nfinalize\nexpect finalized d 1\n"

START_TEST(test_clr_async_finalizers)
{
    hx_exec_outcome r;
    /* clr: the calls made inside `collect` are followed; `finalize` then
       has nothing left to run */
    ck_assert_int_eq(fa_run("heap profile=clr\n" FA_PROG, &r), HX_EXEC_PASS);
    ck_assert_uint_eq(r.fin_calls, 4);
    hx_exec_outcome_free(&r);
    /* strict (.fin.sync): the first such call is a failure */
    ck_assert_int_eq(fa_run(FA_PROG, &r), HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C6 collect unexpected-call");
    hx_exec_outcome_free(&r);
}
END_TEST

Suite *make_hx_exec_suite(void)
{
    Suite *s = suite_create("hx_exec");
    TCase *tc = tcase_create("hx_exec");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_stamp_roundtrip);
    tcase_add_test(tc, test_stamp_gc_rounds);
    tcase_add_test(tc, test_conformance_pass);
    tcase_add_test(tc, test_clr_plug_mate);
    tcase_add_test(tc, test_clr_async_finalizers);
    tcase_add_test(tc, test_walk_order);
    tcase_add_test(tc, test_conformance_stress_verify);
    tcase_add_test(tc, test_program_error_position);
    tcase_add_test(tc, test_expectation_failures);
    tcase_add_test(tc, test_generated_deterministic);
    tcase_add_test(tc, test_trace_lists_steps_and_events);
    tcase_add_test(tc, test_encoded_conformance_replays);
    tcase_add_test(tc, test_minimize_planted_failure);
    tcase_add_test(tc, test_large_array_slot_corruption_caught);
    tcase_add_test(tc, test_runaway_finalizer_drain_limited);
    suite_add_tcase(s, tc);
    return s;
}
