/* check_hx_fault.c -- fault injection from programs (.heap.fault): at every
 * OS reserve and commit call of every conformance scenario, a program that
 * makes that call fail still runs in lockstep with the oracle (.dec.oom: a
 * clean out-of-memory result, nothing live lost), and the heap verifies
 * after every step.  The calls are counted from the created heap on.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "mgc.h"
#include "codec.h"
#include "text.h"

#ifndef GCF_SOURCE_DIR
#error "GCF_SOURCE_DIR (the project's source folder) must be defined"
#endif

/* A target that is hx_target_mgc, remembering how many reserve and commit
   calls the heap made by the end of its creation and in all. */
static unsigned created_r, created_c, total_r, total_c;

static hx_target *counting_create(const hx_target_config *cfg, hx_event_fn ev, void *ctx)
{
    hx_target *t = hx_target_mgc.create(cfg, ev, ctx);
    if (t)
        mgc_fault_counts(hx_target_mgc_heap(t), &created_r, &created_c);
    return t;
}

static void counting_destroy(hx_target *t)
{
    mgc_fault_counts(hx_target_mgc_heap(t), &total_r, &total_c);
    hx_target_mgc.destroy(t);
}

static hx_target_ops counting_ops(void)
{
    hx_target_ops o = hx_target_mgc;
    o.name = "mgc-counting";
    o.create = counting_create;
    o.destroy = counting_destroy;
    return o;
}

/* Runs p; *oom_gc tells whether the target ran an out_of_memory
   collection (the visible effect of a failed reserve or commit). */
static hx_exec_status run(const hx_program *p, const hx_target_ops *ops, hx_exec_outcome *r,
                          bool *oom_gc)
{
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = ops;
    o.fuzz = true;          /* expectations off: an injected fault changes what they say */
    o.verify_each = true;   /* C9 after every step */
    o.no_views = true;
    o.trace = true;
    char *tr = NULL;
    size_t trl = 0;
    o.trace_out = open_memstream(&tr, &trl);
    ck_assert_ptr_nonnull(o.trace_out);
    hx_exec_status s = hx_exec_run(p, "fault", &o, r);
    fclose(o.trace_out);
    *oom_gc = tr && strstr(tr, "reason=out_of_memory") != NULL;
    free(tr);
    return s;
}

/* Every failure point of one scenario; returns the points tried. */
static unsigned enumerate(const char *path, unsigned *visible)
{
    char *buf;
    size_t len;
    ck_assert_int_eq(hx_read_file(path, &buf, &len), 0);
    hx_program p;
    hx_diag d;
    ck_assert_msg(hx_parse(buf, len, path, &p, &d), "%s does not parse", path);
    free(buf);
    hx_target_ops ops = counting_ops();
    hx_exec_outcome r;
    bool oom_gc;
    hx_exec_status s = run(&p, &ops, &r, &oom_gc);
    ck_assert_msg(s == HX_EXEC_PASS, "%s without a fault: %s", path, r.fail.signature);
    bool oom_before = oom_gc;
    hx_exec_outcome_free(&r);
    /* the calls the program's run makes (after creation) */
    unsigned nr = total_r - created_r, nc = total_c - created_c;
    ck_assert_msg(total_r >= 1 && total_c >= 1, "%s: no reserve or commit counted", path);
    unsigned tried = 0;
    for (int which = 0; which < 2; which++) {
        unsigned n = which == 0 ? nr : nc;
        for (unsigned k = 1; k <= n; k++) {
            p.heap.fail_reserve = which == 0 ? k : 0;
            p.heap.fail_commit = which == 1 ? k : 0;
            s = run(&p, &ops, &r, &oom_gc);
            if (oom_gc && !oom_before)
                *visible += 1;
            ck_assert_msg(s == HX_EXEC_PASS, "%s fail_%s=%u: `%s`: %s", path,
                          which ? "commit" : "reserve", k, r.fail.signature, r.fail.message);
            hx_exec_outcome_free(&r);
            tried++;
        }
    }
    p.heap.fail_reserve = p.heap.fail_commit = 0;
    hx_program_free(&p);
    return tried;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_every_failure_point)
{
    const char *dir = GCF_SOURCE_DIR "/conformance";
    DIR *dh = opendir(dir);
    ck_assert_ptr_nonnull(dh);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".gcp") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof *names, cmp_name);
    ck_assert_uint_ge(n, 20);
    unsigned points = 0, visible = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        points += enumerate(path, &visible);
        free(names[i]);
    }
    fprintf(stderr, "hx_fault: %u failure points in %zu scenarios, %u of them with an "
                    "out_of_memory collection\n", points, n, visible);
    ck_assert_uint_ge(points, n);
    /* the faults reach the runtime: points make an allocation fail */
    ck_assert_uint_ge(visible, n / 2);
}
END_TEST

/* The fault keys: text and binary forms, and a fault that makes an
   allocation run the out_of_memory collection. */
START_TEST(test_fault_keys)
{
    static const char src[] = "heap gen0_budget=64k fail_commit=2\n"
                              "type Node size=32 refs=2\n"
                              "type A array elem=ref\n"
                              "a = new Node\n"
                              "b = new A[20000]\n"
                              "collect\n";
    hx_program p, q;
    hx_diag d;
    ck_assert(hx_parse(src, sizeof src - 1, "f.gcp", &p, &d));
    ck_assert_uint_eq(p.heap.fail_commit, 2);
    ck_assert_uint_eq(p.heap.fail_reserve, 0);
    size_t n;
    char *t = hx_print_string(&p, &n);
    ck_assert_str_eq(t, src);
    free(t);
    uint8_t *b;
    size_t bl;
    ck_assert(hx_encode(&p, &b, &bl));
    ck_assert(hx_decode(b, bl, &q));
    ck_assert(hx_program_equal(&p, &q));
    free(b);
    hx_program_free(&q);
    hx_target_ops ops = counting_ops();
    hx_exec_outcome r;
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.target = &ops;
    o.trace = true;
    char *tr = NULL;
    size_t trl = 0;
    FILE *f = open_memstream(&tr, &trl);
    o.trace_out = f;
    ck_assert_int_eq(hx_exec_run(&p, "f.gcp", &o, &r), HX_EXEC_PASS);
    fclose(f);
    ck_assert_msg(strstr(tr, "reason=out_of_memory") != NULL, "no out_of_memory GC:\n%s", tr);
    free(tr);
    hx_exec_outcome_free(&r);
    /* beyond the limit: a syntax error with its position */
    ck_assert(!hx_parse("heap fail_reserve=1000001\n", 26, "g.gcp", &q, &d));
    ck_assert_uint_eq(d.pos.line, 1);
    ck_assert_uint_eq(d.pos.col, 19);
    hx_program_free(&p);
}
END_TEST

Suite *make_hx_fault_suite(void)
{
    Suite *s = suite_create("hx_fault");
    TCase *tc = tcase_create("fault");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_fault_keys);
    tcase_add_test(tc, test_every_failure_point);
    suite_add_tcase(s, tc);
    return s;
}
