/* check_hx_checks.c -- every check C1-C9 fires on a deliberately wrong
 * target (harness/target_faulty.c) with the expected signature, and the
 * same program passes on the correct runtime (the control). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "exec.h"
#include "text.h"

static hx_exec_status run_mode(const char *text, hx_fault fault, bool verify, bool full,
                               hx_exec_prof *prof, hx_exec_outcome *r)
{
    hx_program p;
    hx_diag d;
    ck_assert_msg(hx_parse(text, strlen(text), "case.gcp", &p, &d), "parse: %s", d.msg);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = hx_target_faulty(fault);
    o.verify_each = verify;
    o.full_check = full;
    o.prof = prof;
    o.no_views = true;
    hx_exec_status s = hx_exec_run(&p, "case.gcp", &o, r);
    hx_program_free(&p);
    return s;
}

static hx_exec_status run_text(const char *text, hx_fault fault, bool verify, hx_exec_outcome *r)
{
    return run_mode(text, fault, verify, false, NULL, r);
}

typedef struct fault_case {
    hx_fault fault;
    bool verify;
    const char *signature;
    const char *text;
} fault_case;

#define TYPES "type Leaf size=32\ntype Node size=32 refs=2\ntype Blob array elem=1\n" \
              "type Fin size=24 finalizer=count\n"

/* with a wide reference array (more than 64 slots, .exec.wide) */
#define WTYPES TYPES "type Refs array elem=ref\n"

static const fault_case cases[] = {
    {HX_FAULT_SLOT_SWAP, false, "C1 load root-null",
     TYPES "a = new Node\nb = new Node\na.0 = b\nc = a.0\n"},
    {HX_FAULT_PAYLOAD, false, "C1 collect payload-corrupt", TYPES "a = new Leaf\ncollect 0\n"},
    /* the middle of a large array's payload, left in place by the
       collection: the collection's window misses it, the program's last
       comparison reads every middle whole (.exec.stamp-gc) */
    {HX_FAULT_PAYLOAD_MIDDLE, false, "C1 collect payload-corrupt",
     TYPES "b = new Blob[100000]\ncollect 0\n"},
    {HX_FAULT_DROP_LIVE, false, "C1 collect root-null", TYPES "a = new Leaf\ncollect 0\n"},
    {HX_FAULT_KEEP_DEAD, false, "C2 collect extra-object",
     TYPES "a = new Leaf\ndrop a\ncollect 0\n"},
    {HX_FAULT_GEN, false, "C3 collect gen-mismatch", TYPES "a = new Leaf\ncollect 0\n"},
    {HX_FAULT_LOH, false, "C4 new loh-mismatch", TYPES "b = new Blob[90000]\n"},
    {HX_FAULT_MOVE_PINNED, false, "C5 collect moved",
     TYPES "a = new Leaf\np = handle pinned a\ncollect 0\n"},
    {HX_FAULT_FIN_SUPPRESSED, false, "C6 suppress bit-mismatch", TYPES "a = new Fin\nsuppress a\n"},
    {HX_FAULT_WEAK_KEEP, false, "C7 collect not-cleared",
     TYPES "a = new Leaf\nw = handle weak a\ndrop a\ncollect 0\n"},
    {HX_FAULT_COUNT_GC, false, "C8 collect count-mismatch", TYPES "a = new Leaf\ncollect 0\n"},
    {HX_FAULT_PROMOTED, false, "C8 collect promoted-bytes", TYPES "a = new Leaf\ncollect 0\n"},
    {HX_FAULT_SKIP_BUDGET, false, "C8 new missing-gc",
     "heap gen0_budget=100\n" TYPES "a = new Leaf\nb = new Leaf\nc = new Leaf\nd = new Leaf\n"},
    {HX_FAULT_NO_BARRIER, true, "C9 store verify-failed",
     TYPES "a = new Node\ncollect\ncollect\nb = new Leaf\na.0 = b\n"},
    {HX_FAULT_VERIFY, false, "C9 collect verify-failed", TYPES "a = new Leaf\ncollect 0\n"},
    /* a store into the slot after the one named: in a narrow object and in
       a wide one the named slot is compared after the store */
    {HX_FAULT_SLOT_MISSTORE, false, "C1 store slot-mismatch",
     TYPES "a = new Node\nb = new Leaf\na.0 = b\n"},
    {HX_FAULT_SLOT_MISSTORE, false, "C1 store slot-mismatch",
     WTYPES "a = new Refs[100]\nb = new Leaf\na.70 = b\n"},
    /* a store that also writes the next slot: a narrow object is compared
       whole after the store (the wide case is test_wide_unnamed_delay) */
    {HX_FAULT_SLOT_SCRIBBLE, false, "C1 store slot-mismatch",
     TYPES "a = new Node\nb = new Leaf\na.0 = b\n"},
    /* the faults above on wide arrays: a load from a named slot, a store
       without its card, a wide array placed on the small heap, the slot a
       load names in a wide array reached through another's slot */
    {HX_FAULT_SLOT_SWAP, false, "C1 load root-null",
     WTYPES "a = new Refs[100]\nb = new Node\na.0 = b\nc = a.0\n"},
    {HX_FAULT_NO_BARRIER, true, "C9 store verify-failed",
     WTYPES "a = new Refs[100]\ncollect\ncollect\nb = new Leaf\na.70 = b\n"},
    {HX_FAULT_LOH, false, "C4 new loh-mismatch", WTYPES "b = new Refs[20000]\n"},
    {HX_FAULT_SLOT_MISSTORE, false, "C1 store slot-mismatch",
     WTYPES "a = new Refs[100]\nb = new Refs[100]\na.3 = b\nc = a.3\nd = new Leaf\n"
            "c.99 = d\n"},
};

/* One test per fault and check schedule (.exec.schedule): the faulty
   target fails with the signature, at the same step, whether the
   complete comparison runs after every step (--full) or only after
   collections, drains and the last step (the default). */
START_TEST(test_fault_fires)
{
    const fault_case *c = &cases[_i / 2];
    bool full = _i % 2;
    hx_exec_outcome r;
    hx_exec_prof prof = {0};
    hx_exec_status s = run_mode(c->text, c->fault, c->verify, full, &prof, &r);
    ck_assert_msg(s == HX_EXEC_FAIL, "fault %s (%s): status %d, expected a failure",
                  hx_fault_name(c->fault), full ? "full" : "default", (int)s);
    ck_assert_msg(strcmp(r.fail.signature, c->signature) == 0,
                  "fault %s (%s): signature `%s`, want `%s` (%s)", hx_fault_name(c->fault),
                  full ? "full" : "default", r.fail.signature, c->signature, r.fail.message);
    size_t step = r.fail.step;
    ck_assert(full ? prof.step_checks == 0 : prof.step_checks + prof.full_checks > 0);
    hx_exec_outcome_free(&r);
    /* the other schedule stops at the same step */
    s = run_mode(c->text, c->fault, c->verify, !full, NULL, &r);
    ck_assert_msg(s == HX_EXEC_FAIL && r.fail.step == step, "fault %s: step %zu and %zu",
                  hx_fault_name(c->fault), step, r.fail.step);
    hx_exec_outcome_free(&r);
}
END_TEST

/* A bug that corrupts an object no statement touches (.exec.schedule):
   --full finds it after the statement that did it; the default schedule
   at the next complete comparison, here the collection two steps later
   (and, without one, after the last statement): a delay, never a miss. */
#define SCRIBBLE TYPES "a = new Leaf\nb = new Node\nc = new Leaf\nb.0 = c\nd = new Leaf\n"
START_TEST(test_untouched_delay)
{
    hx_exec_outcome r;
    ck_assert(run_mode(SCRIBBLE "collect 0\n", HX_FAULT_SCRIBBLE, false, true, NULL, &r) ==
              HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C1 store payload-corrupt");
    ck_assert_uint_eq(r.fail.step, 3);
    hx_exec_outcome_free(&r);
    ck_assert(run_mode(SCRIBBLE "collect 0\n", HX_FAULT_SCRIBBLE, false, false, NULL, &r) ==
              HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C1 collect payload-corrupt");
    ck_assert_uint_eq(r.fail.step, 5);
    ck_assert_uint_eq(r.fail.obj, 1);
    hx_exec_outcome_free(&r);
    /* no collection after it: the comparison after the last statement */
    ck_assert(run_mode(SCRIBBLE, HX_FAULT_SCRIBBLE, false, false, NULL, &r) == HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C1 new payload-corrupt");
    ck_assert_uint_eq(r.fail.step, 4);
    hx_exec_outcome_free(&r);
}
END_TEST

/* .exec.wide: a store into a wide array (more than 64 slots) that also
   writes a slot the statement does not name (fault slot-scribble) is not
   seen by the per-statement check, which compares the wide array's header
   and its named slot only; the next complete comparison compares every
   slot and reports it, with the same check and detail --full reports at
   the store.  The same with a target without object_part (the executor
   then reads the array through `object` and compares the named slots).
   A narrow object is compared whole after the store (test_fault_fires). */
#define WIDE_SCRIBBLE WTYPES "a = new Refs[100]\nb = new Leaf\na.70 = b\nc = new Leaf\n"
static hx_exec_status run_wide(const char *text, bool full, bool part, hx_exec_outcome *r)
{
    hx_program p;
    hx_diag d;
    ck_assert_msg(hx_parse(text, strlen(text), "case.gcp", &p, &d), "parse: %s", d.msg);
    hx_target_ops ops = *hx_target_faulty(HX_FAULT_SLOT_SCRIBBLE);
    if (!part)
        ops.object_part = NULL;
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = &ops;
    o.full_check = full;
    o.no_views = true;
    hx_exec_status s = hx_exec_run(&p, "case.gcp", &o, r);
    hx_program_free(&p);
    return s;
}

START_TEST(test_wide_unnamed_delay)
{
    bool part = _i;
    hx_exec_outcome r;
    ck_assert(run_wide(WIDE_SCRIBBLE "collect 0\n", true, part, &r) == HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C1 store slot-mismatch");
    ck_assert_uint_eq(r.fail.step, 2);
    ck_assert_ptr_nonnull(strstr(r.fail.message, "object 1 slot 71"));
    hx_exec_outcome_free(&r);
    ck_assert(run_wide(WIDE_SCRIBBLE "collect 0\n", false, part, &r) == HX_EXEC_FAIL);
    ck_assert_msg(strcmp(r.fail.signature, "C1 collect slot-mismatch") == 0, "%s: %s",
                  r.fail.signature, r.fail.message);
    ck_assert_uint_eq(r.fail.step, 4);
    ck_assert_uint_eq(r.fail.obj, 1);
    ck_assert_ptr_nonnull(strstr(r.fail.message, "object 1 slot 71"));
    hx_exec_outcome_free(&r);
    /* no collection after it: the comparison after the last statement */
    ck_assert(run_wide(WIDE_SCRIBBLE, false, part, &r) == HX_EXEC_FAIL);
    ck_assert_str_eq(r.fail.signature, "C1 new slot-mismatch");
    ck_assert_uint_eq(r.fail.step, 3);
    hx_exec_outcome_free(&r);
    /* the correct runtime passes the program */
    hx_program p;
    hx_diag d;
    const char *text = WIDE_SCRIBBLE "collect 0\n";
    ck_assert(hx_parse(text, strlen(text), "case.gcp", &p, &d));
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.no_views = true;
    ck_assert(hx_exec_run(&p, "case.gcp", &o, &r) == HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}
END_TEST

/* .exec.wide: after the statement that allocates a wide array, no
   per-statement check reads all its slots: stores into it and loads from
   it read the named slot through object_part (a counting wrapper around
   the runtime's target). */
static unsigned wide_objects, parts;
static bool count_object(hx_target *t, hx_addr a, hx_tobject *o)
{
    bool ok = hx_target_mgc.object(t, a, o);
    wide_objects += ok && o->nslots > 64;
    return ok;
}
static bool count_part(hx_target *t, hx_addr a, uint64_t first, uint32_t n, hx_tobject *o)
{
    parts++;
    ck_assert_uint_le(n, 1);
    return hx_target_mgc.object_part(t, a, first, n, o);
}

/* Runs text on ops (a counting wrapper) with the executor's profile; the
   program must pass. */
static void run_counted(const char *text, size_t len, const hx_target_ops *ops, bool full,
                        hx_exec_prof *prof)
{
    hx_program p;
    hx_diag d;
    ck_assert_msg(hx_parse(text, len, "case.gcp", &p, &d), "parse: %s", d.msg);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = ops;
    o.no_views = true;
    o.full_check = full;
    o.prof = prof;
    hx_exec_outcome r;
    ck_assert(hx_exec_run(&p, "case.gcp", &o, &r) == HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}

START_TEST(test_wide_named_slots_only)
{
    hx_target_ops ops = hx_target_mgc;
    ops.object = count_object;
    ops.object_part = count_part;
    static const char text[] = "heap gen0_budget=100000000\n" WTYPES
        "a = new Refs[100000]\nrepeat 300 {\n  x = new Leaf\n"
        "  a.i+5 = x\n  y = a.i\n  z = a\n}\n";
    hx_exec_prof prof = {0};
    wide_objects = parts = 0;
    run_counted(text, strlen(text), &ops, false, &prof);
    ck_assert_uint_eq(prof.step_checks, 1 + 4 * 300);
    /* the allocation's check reads the array whole; the 900 statements
       that name it read the named slot (stores, loads) or the header (the
       copy) */
    ck_assert_uint_eq(wide_objects, 1);
    ck_assert_uint_eq(parts, 3 * 300);
}
END_TEST

/* The schedule: statements that neither collect nor drain get the
   per-statement check; collections, drains and the end the complete one
   (counted through the executor's profile, no timing involved). */
START_TEST(test_schedule_counts)
{
    static const char text[] = TYPES
        "a = new Node\nb = new Leaf\na.0 = b\nc = a.0\nfinalize\ncollect 0\n"
        "d = new Fin\ndrop d\ncollect 0\nfinalize\ne = new Leaf\n";
    hx_exec_outcome r;
    hx_exec_prof prof = {0};
    ck_assert(run_mode(text, HX_FAULT_NONE, false, false, &prof, &r) == HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
    /* complete: the empty heap is not counted; collect, collect, the
       drain that runs d's finalizer, the end; the empty drain and the
       other seven statements get the per-statement check */
    ck_assert_uint_eq(prof.full_checks, 4);
    ck_assert_uint_eq(prof.step_checks, 8);
    memset(&prof, 0, sizeof prof);
    ck_assert(run_mode(text, HX_FAULT_NONE, false, true, &prof, &r) == HX_EXEC_PASS);
    hx_exec_outcome_free(&r);
    ck_assert_uint_eq(prof.full_checks, 11);
    ck_assert_uint_eq(prof.step_checks, 0);
}
END_TEST

/* No per-statement O(heap) work: the target's heap walks (and queue walks)
   happen only in complete comparisons, however many statements run
   between them.  A counting wrapper around the runtime's target. */
static unsigned walks, fin_walks;
static void count_walk(hx_target *t, hx_walk_fn fn, void *ctx)
{
    walks++;
    hx_target_mgc.walk(t, fn, ctx);
}
static void count_fin_walk(hx_target *t, hx_fin_fn fn, void *ctx)
{
    fin_walks++;
    hx_target_mgc.fin_walk(t, fn, ctx);
}

START_TEST(test_no_walk_per_statement)
{
    hx_target_ops ops = hx_target_mgc;
    ops.walk = count_walk;
    ops.fin_walk = count_fin_walk;
    /* 40 objects, a collection, then 200 statements that do not collect */
    char *text = malloc(16384);
    size_t n = (size_t)snprintf(text, 16384, "heap gen0_budget=100000000\n%s", TYPES);
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, 16384 - n, "o%d = new Node\n", i);
    n += (size_t)snprintf(text + n, 16384 - n, "collect 0\n");
    for (int i = 0; i < 50; i++)
        n += (size_t)snprintf(text + n, 16384 - n,
                              "o%d.0 = o%d\nx = o%d.0\nh = handle pinned x\nfree h\n", i % 40,
                              (i + 1) % 40, i % 40);
    hx_exec_prof prof = {0};
    walks = fin_walks = 0;
    run_counted(text, n, &ops, false, &prof);
    /* the empty heap, the collection, the end */
    ck_assert_uint_eq(prof.full_checks, 2);
    ck_assert_uint_eq(prof.step_checks, 40 + 200);
    ck_assert_uint_eq(walks, 3);
    ck_assert_uint_eq(fin_walks, 3);
    /* --full: one walk per statement */
    walks = 0;
    run_counted(text, n, &ops, true, NULL);
    free(text);
    ck_assert_uint_eq(walks, 1 + 241);
}
END_TEST

/* The unit tests run the harness with its O(heap) self-checks
   (.hx.check-level). */
START_TEST(test_check_level)
{
    ck_assert_int_ge(hx_check_level(), 2);
}
END_TEST

/* The control: the correct runtime passes every case program. */
START_TEST(test_control_passes)
{
    const fault_case *c = &cases[_i];
    hx_exec_outcome r;
    hx_exec_status s = run_text(c->text, HX_FAULT_NONE, true, &r);
    ck_assert_msg(s == HX_EXEC_PASS, "case %s on the runtime: `%s` %s", hx_fault_name(c->fault),
                  r.fail.signature, r.fail.message);
    hx_exec_outcome_free(&r);
}
END_TEST

/* Every fault has a name that maps back to it (--target faulty:NAME). */
START_TEST(test_fault_names)
{
    for (int f = 0; f < HX_FAULT_KIND_COUNT; f++) {
        char name[64];
        snprintf(name, sizeof name, "faulty:%s", hx_fault_name((hx_fault)f));
        ck_assert_ptr_eq(hx_target_by_name(name), hx_target_faulty((hx_fault)f));
    }
    ck_assert_ptr_null(hx_target_by_name("faulty:nonsense"));
    ck_assert_ptr_eq(hx_target_by_name("mgc"), &hx_target_mgc);
}
END_TEST

/* .tgt.kept: a target without HX_CAP_COMPLETE (a conservative collector)
   may keep an object the model finds unreachable, and then does not
   finalize it.  keep-dead keeps a dropped object with a hidden strong
   handle; without HX_CAP_COMPLETE (and without HX_CAP_BUDGETS, the clr
   profile, as the Boehm target) that is no failure: the kept Fin goes
   back to the model's finalization queue, whether the drain ends without
   its call or reaches the critical finalizer of the other, dead object.
   With HX_CAP_COMPLETE the same run fails (extra object).  The target has
   no fin_walk, as the Boehm target (with it, the entries comparison after
   the collection sees the kept object first). */
static hx_exec_status run_caps(const char *text, hx_fault fault, unsigned drop_caps,
                               hx_exec_outcome *r)
{
    hx_program p;
    hx_diag d;
    ck_assert_msg(hx_parse(text, strlen(text), "case.gcp", &p, &d), "parse: %s", d.msg);
    hx_target_ops ops = *hx_target_faulty(fault);
    ops.caps &= ~drop_caps;
    ops.fin_walk = NULL;              /* as the Boehm target: no queue introspection */
    ops.fin_bit = NULL;
    ops.fin_counts = NULL;
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = &ops;
    o.no_views = true;
    hx_exec_status s = hx_exec_run(&p, "case.gcp", &o, r);
    hx_program_free(&p);
    return s;
}

#define KEPT_TYPES TYPES "type Crit size=24 finalizer=count critical\n"
typedef struct kept_case {
    const char *text;
    uint64_t calls;               /* finalizer calls the target makes */
    const char *complete;         /* the signature with HX_CAP_COMPLETE */
} kept_case;
static const kept_case kept_cases[] = {
    /* the drain ends with the kept object's call missing */
    {KEPT_TYPES "f = new Fin\ndrop f\ncollect\nfinalize\ng = new Fin\ndrop g\ncollect\n"
                "finalize\n",
     0, "C6 finalize call-missing"},
    /* the critical call comes while the kept object's normal entry waits */
    {KEPT_TYPES "c = new Crit\nc = new Crit\nf = new Fin\ndrop f\ncollect\nfinalize\n", 1,
     "C6 finalize call-illegal"},
    /* a kept object does not hide the calls on dead ones */
    {KEPT_TYPES "f = new Fin\ndrop f\nc = new Crit\nc = new Crit\ng = new Fin\ng = new Fin\n"
                "collect\nfinalize\ncollect\nfinalize\n",
     2, "C6 finalize call-illegal"},
};

START_TEST(test_kept_not_complete)
{
    const kept_case *c = &kept_cases[_i];
    hx_exec_outcome r;
    hx_exec_status s = run_caps(c->text, HX_FAULT_KEEP_DEAD, HX_CAP_COMPLETE | HX_CAP_BUDGETS, &r);
    ck_assert_msg(s == HX_EXEC_PASS, "case %d: status %d: %s %s", _i, (int)s, r.fail.signature,
                  r.fail.message);
    ck_assert_uint_eq(r.fin_calls, c->calls);
    hx_exec_outcome_free(&r);
    /* the same with the budgets (strict profile) */
    s = run_caps(c->text, HX_FAULT_KEEP_DEAD, HX_CAP_COMPLETE, &r);
    ck_assert_msg(s == HX_EXEC_PASS, "case %d strict: status %d: %s %s", _i, (int)s,
                  r.fail.signature, r.fail.message);
    ck_assert_uint_eq(r.fin_calls, c->calls);
    hx_exec_outcome_free(&r);
    /* a precise target may not keep it */
    s = run_caps(c->text, HX_FAULT_KEEP_DEAD, 0, &r);
    ck_assert_msg(s == HX_EXEC_FAIL && strcmp(r.fail.signature, c->complete) == 0,
                  "case %d complete: status %d: %s, want %s", _i, (int)s, r.fail.signature,
                  c->complete);
    hx_exec_outcome_free(&r);
}
END_TEST

/* The report starts with the signature line and names the statement. */
START_TEST(test_report_shape)
{
    hx_exec_outcome r;
    run_text(TYPES "a = new Leaf\ncollect 0\n", HX_FAULT_GEN, false, &r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hx_report_print(f, "case.gcp", &r);
    fclose(f);
    ck_assert_msg(strncmp(buf, "C3 collect gen-mismatch\n", 24) == 0, "report: %s", buf);
    ck_assert_ptr_nonnull(strstr(buf, "statement: collect 0"));
    ck_assert_ptr_nonnull(strstr(buf, "line 6"));
    ck_assert_ptr_nonnull(strstr(buf, "root path: object 1 <- local a"));
    ck_assert_ptr_nonnull(strstr(buf, "model gen 1, target gen 2"));
    free(buf);
    hx_exec_outcome_free(&r);
}
END_TEST

Suite *make_hx_checks_suite(void)
{
    Suite *s = suite_create("hx_checks");
    TCase *tc = tcase_create("hx_checks");
    tcase_set_timeout(tc, 60);
    int n = (int)(sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_fault_fires, 0, 2 * n);
    tcase_add_loop_test(tc, test_control_passes, 0, n);
    tcase_add_test(tc, test_fault_names);
    tcase_add_test(tc, test_report_shape);
    tcase_add_loop_test(tc, test_kept_not_complete, 0,
                        (int)(sizeof kept_cases / sizeof kept_cases[0]));
    tcase_add_test(tc, test_untouched_delay);
    tcase_add_loop_test(tc, test_wide_unnamed_delay, 0, 2);
    tcase_add_test(tc, test_wide_named_slots_only);
    tcase_add_test(tc, test_schedule_counts);
    tcase_add_test(tc, test_check_level);
    tcase_add_test(tc, test_no_walk_per_statement);
    suite_add_tcase(s, tc);
    return s;
}
