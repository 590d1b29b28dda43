/* check_hx_reuse.c -- a reset heap behaves exactly as a fresh one
 * (mgc_heap_reset, .heap.reset; the executor's kept target, .exec.keep).
 *
 * Every conformance scenario runs twice: on a freshly created target, and
 * on a kept target that has just run the same scenario (so the heap is
 * reset from a used state, with the same configuration).  A recording
 * wrapper around hx_target_mgc logs every allocation's location (segment
 * creation number and offset, mgc_locate), every event (finalizer objects
 * by location), and after every collection and finalizer drain the whole
 * heap (location, size, generation of every object).  The two runs must
 * give the same outcome, the same executor trace (with absolute addresses
 * masked: the log has their locations) and the same log.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec.h"
#include "mgc.h"
#include "target.h"
#include "text.h"

#ifndef GCF_SOURCE_DIR
#error "GCF_SOURCE_DIR (the project's source folder) must be defined"
#endif
#define GCF_CONFORMANCE_DIR GCF_SOURCE_DIR "/conformance"

/* ---- the recording wrapper (one run at a time) ------------------------ */
static struct rec {
    FILE *log;
    hx_target *t;
    hx_event_fn ev;
    void *ev_ctx;
} rec;

static void rec_where(hx_target *t, hx_addr a)
{
    mgc_location l;
    if (a && mgc_locate(hx_target_mgc_heap(t), (const void *)a, &l))
        fprintf(rec.log, " @%llu+%zu%s", (unsigned long long)l.segment, l.offset,
                l.large ? "L" : "");
    else
        fprintf(rec.log, a ? " @?" : " @null");
}

static void rec_event(void *ctx, const hx_event *ev)
{
    (void)ctx;
    fprintf(rec.log, "event %d gen=%d reason=%d compact_loh=%d pinned=%zu", (int)ev->kind,
            ev->gen, (int)ev->reason, (int)ev->compact_loh, ev->pinned);
    rec_where(rec.t, ev->obj);
    fputc('\n', rec.log);
    rec.ev(rec.ev_ctx, ev);
}

static void rec_object(void *ctx, const hx_tobject *o)
{
    hx_target *t = ctx;
    fprintf(rec.log, "  obj type=%u size=%llu gen=%d large=%d", o->type,
            (unsigned long long)o->size, o->gen, (int)o->large);
    rec_where(t, o->addr);
    fputc('\n', rec.log);
}

static void rec_heap(hx_target *t, const char *when)
{
    fprintf(rec.log, "heap after %s\n", when);
    hx_target_mgc.walk(t, rec_object, t);
}

static hx_target *rec_create(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    rec.ev = ev;
    rec.ev_ctx = ev_ctx;
    rec.t = hx_target_mgc.create(cfg, rec_event, NULL);
    fprintf(rec.log, "create\n");
    return rec.t;
}

static bool rec_reset(hx_target *t, const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx)
{
    rec.ev = ev;
    rec.ev_ctx = ev_ctx;
    rec.t = t;
    fprintf(rec.log, "create\n");       /* the same line: a reset is a creation */
    return hx_target_mgc.reset(t, cfg, rec_event, NULL);
}

static hx_tstatus rec_alloc(hx_target *t, unsigned tid, uint32_t type, uint64_t length,
                            uint32_t dst)
{
    hx_tstatus s = hx_target_mgc.alloc(t, tid, type, length, dst);
    fprintf(rec.log, "alloc type=%u length=%llu status=%d", type, (unsigned long long)length,
            (int)s);
    rec_where(t, hx_target_mgc.get_local(t, dst));
    fputc('\n', rec.log);
    return s;
}

static hx_tstatus rec_collect(hx_target *t, int gen, bool compact_loh)
{
    hx_tstatus s = hx_target_mgc.collect(t, gen, compact_loh);
    rec_heap(t, "collect");
    return s;
}

static hx_tstatus rec_run_finalizers(hx_target *t, unsigned tid)
{
    hx_tstatus s = hx_target_mgc.run_finalizers(t, tid);
    rec_heap(t, "finalize");
    return s;
}

static hx_target_ops rec_ops;

static void rec_ops_init(void)
{
    rec_ops = hx_target_mgc;
    rec_ops.name = "recording mgc";
    rec_ops.create = rec_create;
    rec_ops.reset = rec_reset;
    rec_ops.alloc = rec_alloc;
    rec_ops.collect = rec_collect;
    rec_ops.run_finalizers = rec_run_finalizers;
}

/* ---- one run ---------------------------------------------------------- */
typedef struct run_result {
    hx_exec_outcome out;
    char *log, *trace;
    size_t log_len, trace_len;
} run_result;

/* "obj=0x..." -> "obj=#": absolute addresses differ between heaps */
static void mask_addresses(char *s)
{
    char *r = s, *w = s;
    while (*r) {
        if (strncmp(r, "obj=0x", 6) == 0) {
            memcpy(w, "obj=#", 5);
            w += 5;
            r += 6;
            while ((*r >= '0' && *r <= '9') || (*r >= 'a' && *r <= 'f'))
                r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
}

static void run_once(const hx_program *p, const char *name, hx_exec_keep *keep, run_result *rr)
{
    memset(rr, 0, sizeof *rr);
    FILE *trace = open_memstream(&rr->trace, &rr->trace_len);
    rec.log = open_memstream(&rr->log, &rr->log_len);
    ck_assert_ptr_nonnull(trace);
    ck_assert_ptr_nonnull(rec.log);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = &rec_ops;
    o.trace = true;
    o.trace_out = trace;
    o.no_views = true;
    o.keep = keep;
    hx_exec_run(p, name, &o, &rr->out);
    ck_assert_ptr_nonnull(keep->t);
    rec_heap(keep->t, "the program");
    fclose(trace);
    fclose(rec.log);
    rec.log = NULL;
    mask_addresses(rr->trace);
}

static void result_free(run_result *rr)
{
    hx_exec_outcome_free(&rr->out);
    free(rr->log);
    free(rr->trace);
}

/* The first line where a and b differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *out, size_t n)
{
    size_t line = 1, i = 0;
    size_t start = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    snprintf(out, n, "line %zu: fresh '%.80s' / reset '%.80s'", line, a + start, b + start);
}

static bool load_program(const char *path, hx_program *p)
{
    char *buf;
    size_t len;
    if (hx_read_file(path, &buf, &len) != 0)
        return false;
    hx_diag d;
    bool ok = hx_parse(buf, len, path, p, &d);
    free(buf);
    return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_gcp(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".gcp") == 0;
}

START_TEST(test_reset_heap_is_fresh_on_conformance)
{
    rec_ops_init();
    struct dirent **names;
    int n = scandir(GCF_CONFORMANCE_DIR, &names, is_gcp, by_name);
    ck_assert_int_gt(n, 20);
    hx_exec_keep kept = {0};
    uint64_t compared = 0, log_lines = 0;
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", GCF_CONFORMANCE_DIR, names[i]->d_name);
        hx_program p;
        ck_assert_msg(load_program(path, &p), "%s does not parse", path);
        /* fresh: a keep that holds nothing creates the target */
        hx_exec_keep fresh_keep = {0};
        run_result fresh, dirty, reset;
        run_once(&p, path, &fresh_keep, &fresh);
        ck_assert_uint_eq(fresh_keep.created, 1);
        hx_exec_keep_free(&fresh_keep);
        /* reset: the kept heap runs the scenario, then runs it again */
        run_once(&p, path, &kept, &dirty);
        uint64_t reused = kept.reused;
        run_once(&p, path, &kept, &reset);
        ck_assert_msg(kept.reused == reused + 1, "%s: the kept heap was not reset", path);
        ck_assert_int_eq(reset.out.status, fresh.out.status);
        ck_assert_str_eq(reset.out.fail.signature, fresh.out.fail.signature);
        ck_assert_uint_eq(reset.out.steps, fresh.out.steps);
        ck_assert_uint_eq(reset.out.gcs, fresh.out.gcs);
        ck_assert_uint_eq(reset.out.fin_calls, fresh.out.fin_calls);
        ck_assert_uint_eq(reset.out.objects, fresh.out.objects);
        char diff[256];
        if (strcmp(fresh.trace, reset.trace) != 0) {
            first_difference(fresh.trace, reset.trace, diff, sizeof diff);
            ck_abort_msg("%s: executor traces differ at %s", path, diff);
        }
        if (strcmp(fresh.log, reset.log) != 0) {
            first_difference(fresh.log, reset.log, diff, sizeof diff);
            ck_abort_msg("%s: heap logs differ at %s", path, diff);
        }
        for (const char *q = fresh.log; *q; q++)
            log_lines += *q == '\n';
        compared++;
        result_free(&fresh);
        result_free(&dirty);
        result_free(&reset);
        hx_program_free(&p);
        free(names[i]);
    }
    free(names);
    hx_exec_keep_free(&kept);
    ck_assert_uint_eq(compared, (uint64_t)n);
    ck_assert_uint_gt(log_lines, 300);      /* the logs say something */
}
END_TEST

/* A kept target of another configuration is reset to that configuration
   (mgc_heap_reset_config) and runs as a fresh target of it. */
START_TEST(test_keep_other_config_resets)
{
    rec_ops_init();
    hx_program a, b;
    hx_diag d;
    const char *ta = "heap gen0_budget=8k segment_size=64k\ntype N size=32 refs=2\nx = new N\ncollect\n";
    const char *tb = "heap gen0_budget=16k loh_threshold=100000\ntype N size=32 refs=2\n"
                     "type B array elem=1\nx = new N\ny = new B[200000]\ncollect\nz = new N\n"
                     "collect 0\n";
    ck_assert(hx_parse(ta, strlen(ta), "a.gcp", &a, &d));
    ck_assert(hx_parse(tb, strlen(tb), "b.gcp", &b, &d));
    hx_exec_keep fresh_keep = {0};
    run_result fresh;
    run_once(&b, "b.gcp", &fresh_keep, &fresh);
    hx_exec_keep_free(&fresh_keep);
    hx_exec_keep k = {0};
    run_result r;
    run_once(&a, "a.gcp", &k, &r);
    result_free(&r);
    run_once(&b, "b.gcp", &k, &r);
    ck_assert_uint_eq(k.created, 1);
    ck_assert_uint_eq(k.reused, 1);
    ck_assert_int_eq(r.out.status, HX_EXEC_PASS);
    ck_assert_int_eq(fresh.out.status, HX_EXEC_PASS);
    ck_assert_uint_eq(r.out.gcs, fresh.out.gcs);
    ck_assert_str_eq(r.trace, fresh.trace);
    ck_assert_str_eq(r.log, fresh.log);
    result_free(&r);
    result_free(&fresh);
    run_once(&a, "a.gcp", &k, &r);
    ck_assert_int_eq(r.out.status, HX_EXEC_PASS);
    result_free(&r);
    ck_assert_uint_eq(k.reused, 2);
    hx_exec_keep_free(&k);
    ck_assert_ptr_null(k.t);
    hx_program_free(&a);
    hx_program_free(&b);
}
END_TEST

Suite *make_hx_reuse_suite(void)
{
    Suite *s = suite_create("hx_reuse");
    TCase *tc = tcase_create("reuse");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_reset_heap_is_fresh_on_conformance);
    tcase_add_test(tc, test_keep_other_config_resets);
    suite_add_tcase(s, tc);
    return s;
}
