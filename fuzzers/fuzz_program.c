/* fuzz_program.c -- libFuzzer driver: bytes -> program -> lockstep run.
 *
 * Glue only (curl-fuzzer style): decoding is
 * harness/decode.c (total: every input is a program), execution and the
 * checks C1-C9 are harness/exec.c.  A divergence prints the failure report
 * (its first line is the signature) and aborts, so libFuzzer saves the
 * input; `gcfuzz repro FILE` replays it and `gcfuzz minimize FILE -o OUT`
 * shrinks it.  GCF_FUZZ_VERIFY=1 adds the runtime's heap verification
 * after every step; GCF_FULL_CHECK=1 the complete comparison after every
 * step instead of the per-statement checks (docs/semantics.md
 * .exec.schedule).  GCF_FUZZ_TARGET=NAME fuzzes another target (the
 * planted-bug targets faulty:crash, faulty:hang, faulty:oom of the triage
 * tests); `gcfuzz triage --target NAME` replays its artifacts.
 *
 * One heap serves every execution whose heap settings equal the previous
 * one's (.exec.keep, mgc_heap_reset: a reset heap behaves exactly as a
 * fresh one and keeps its mappings, so no execution pays for mmap, page
 * faults and munmap of its segments); GCF_FUZZ_FRESH_HEAP=1 creates a
 * heap per execution instead; GCF_FUZZ_STATS=1 prints at exit how many
 * executions reused it.
 *
 * GCF_FUZZ_FREE=T (2..64) runs every input in the free-running mode
 * instead (harness/freerun.c, docs/threads.md): the decoded program is
 * projected onto T threads that run at once (hx_freerun_project) with the
 * checks that hold in every interleaving; a finding prints its report and
 * aborts.  Replay: `gcfuzz run --free-running` on the projected text
 * (GCF_FUZZ_FREE_PRINT=1 prints it before each run).
 */
#include "codec.h"
#include "exec.h"
#include "freerun.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hx_exec_keep keep;           /* the heap kept between executions */

static void print_keep_stats(void)
{
    fprintf(stderr, "==gcfuzz== heaps: %llu executions reused the kept heap, %llu created one\n",
            (unsigned long long)keep.reused, (unsigned long long)keep.created);
}

/* GCF_FUZZ_FREE: the free-running mode on the projected program; the
   run's seed comes from the input, so a replay of the input uses it. */
static int fuzz_free(hx_program *p, unsigned threads, const uint8_t *data, size_t size)
{
    hx_program q;
    bool ok = hx_freerun_project(p, threads, &q);
    hx_program_free(p);
    if (!ok)
        return 0;
    uint64_t seed = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 1099511628211ULL;
    const char *pr = getenv("GCF_FUZZ_FREE_PRINT");
    if (pr && pr[0] == '1')
        hx_print(&q, stderr);
    hx_freerun_options o = { seed, false };
    hx_exec_outcome r;
    if (hx_freerun_run(&q, "fuzz-input", &o, &r, NULL) == HX_EXEC_FAIL) {
        fprintf(stderr, "\n==gcfuzz== free-running finding (seed %llu): %s\n",
                (unsigned long long)seed, r.fail.signature);
        hx_report_print(stderr, "fuzz-input", &r);
        hx_print(&q, stderr);
        fflush(stderr);
        abort();
    }
    hx_exec_outcome_free(&r);
    hx_program_free(&q);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fresh = -1;
    if (fresh < 0) {
        const char *f = getenv("GCF_FUZZ_FRESH_HEAP");
        fresh = f && f[0] == '1';
        const char *st = getenv("GCF_FUZZ_STATS");
        if (st && st[0] == '1')
            atexit(print_keep_stats);
    }
    hx_program p;
    if (!hx_decode(data, size, &p))
        return 0;
    static long free_threads = -1;
    if (free_threads < 0) {
        const char *f = getenv("GCF_FUZZ_FREE");
        free_threads = f && *f ? strtol(f, NULL, 10) : 0;
    }
    if (free_threads >= 2)
        return fuzz_free(&p, (unsigned)free_threads, data, size);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;                 /* skip statements with null operands */
    static const hx_target_ops *target;
    static bool target_read;
    if (!target_read) {
        const char *name = getenv("GCF_FUZZ_TARGET");
        target = name && *name ? hx_target_by_name(name) : NULL;
        if (name && *name && !target) {
            fprintf(stderr, "fuzz_program: unknown GCF_FUZZ_TARGET '%s'\n", name);
            exit(64);
        }
        target_read = true;
    }
    o.target = target;
    const char *v = getenv("GCF_FUZZ_VERIFY");
    o.verify_each = v && v[0] == '1';
    /* GCF_FULL_CHECK=1: the complete comparison after every step
       (.exec.schedule), read once */
    static int full = -1;
    if (full < 0) {
        const char *f = getenv("GCF_FULL_CHECK");
        full = f && f[0] == '1';
    }
    o.full_check = full == 1;
    if (!fresh)
        o.keep = &keep;
    hx_exec_outcome r;
    hx_exec_status s = hx_exec_run(&p, "fuzz-input", &o, &r);
    if (s == HX_EXEC_FAIL) {
        fprintf(stderr, "\n==gcfuzz== divergence: %s\n", r.fail.signature);
        hx_report_print(stderr, "fuzz-input", &r);
        fflush(stderr);
        abort();
    }
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
    return 0;
}
