/* exec.h -- the lockstep executor: a program on a target and the oracle.
 *
 * hx_exec_run() runs every statement of a program on the target (through
 * target.h) and on the oracle (oracle.h) and, after every step, compares
 * the two (checks C1-C9, docs/semantics.md section 8; compare.c).  The
 * first divergence stops the run and is described by an hx_failure whose
 * signature (`C3 collect gen-mismatch`: check id, statement kind, detail
 * kind) is stable for deduplication and minimization (report.c).
 *
 * Outcome (.exec.outcome, the tool's exit statuses .dec.exit):
 *   HX_EXEC_PASS         every step agreed and every expectation held
 *   HX_EXEC_FAIL         a check C1-C9 or an expectation (`EX`) failed
 *   HX_EXEC_BAD_PROGRAM  a program error (dropped / null / unbound local,
 *                        freed handle, bad slot) at file:line:col
 *   HX_EXEC_ERROR        the target or oracle could not be set up
 * In fuzz mode (decoded programs, .exec.fuzz-skip) a statement the oracle
 * rejects as a program error is skipped on both sides instead.
 */
#ifndef HX_EXEC_H
#define HX_EXEC_H

#include "program.h"
#include "target.h"
#include <stdio.h>

typedef enum hx_exec_status {
    HX_EXEC_PASS = 0,
    HX_EXEC_FAIL = 1,
    HX_EXEC_BAD_PROGRAM = 2,
    HX_EXEC_ERROR = 3
} hx_exec_status;

/* What the executor is doing, for a sampling profiler (bench/
   bench_throughput.c): phase is written as the run goes (no clock is
   read); the counters count the two kinds of check (.exec.schedule). */
enum { HX_PROF_OTHER = 0, HX_PROF_STEP = 1, HX_PROF_CHECK = 2 };
typedef struct hx_exec_prof {
    volatile int phase;           /* HX_PROF_*: set-up / a statement / its check */
    uint64_t full_checks;         /* complete C1-C9 comparisons */
    uint64_t step_checks;         /* per-statement checks */
} hx_exec_prof;

typedef struct hx_exec_options {
    const hx_target_ops *target;  /* NULL: our runtime (hx_target_mgc) */
    int profile;                  /* -1: the program's; else hx_profile */
    bool stress;                  /* a collection before every allocation */
    bool verify_each;             /* target verify after every step (C9) */
    bool trace;                   /* print each step and its events */
    FILE *trace_out;              /* NULL: stdout */
    bool fuzz;                    /* skip statements with program errors */
    bool no_views;                /* do not capture SOS views on failure */
    /* when set, the index of the statement about to run is stored here
       before every step, so a signal handler can tell which statement did
       not return (gcfuzz triage: timeouts and out-of-memory) */
    volatile size_t *progress;
    bool full_check;              /* the complete comparison after every step
                                     (--full, GCF_FULL_CHECK=1; .exec.schedule) */
    hx_exec_prof *prof;           /* NULL: no profile */
    bool crash_only;              /* .exec.crash-only (GCF_CRASH_ONLY=1): the
                                     oracle's verdicts are ignored; only heap
                                     verification (C9), program errors and
                                     crashes fail a run (a baseline for
                                     docs/power.md, never for testing) */
    /* .exec.keep: when not NULL, the run leaves its target here instead of
       destroying it, and starts from the target an earlier run left (reset
       through its ops' reset when they are the same ops; else destroyed).
       hx_exec_keep_free destroys what is left. */
    struct hx_exec_keep *keep;
} hx_exec_options;

typedef struct hx_exec_keep {
    const hx_target_ops *ops;
    hx_target *t;
    uint64_t reused, created;     /* runs that reset the kept target / made one */
} hx_exec_keep;

void hx_exec_keep_free(hx_exec_keep *k);

void hx_exec_options_default(hx_exec_options *o);

/* A failure, with everything the report prints (.report.shape). */
#define HX_SIG_MAX 96
typedef struct hx_failure {
    char check[4];                /* "C1".."C9", "EX" (expectation), "PE" (program error) */
    hx_stmt_kind stmt_kind;       /* statement being executed */
    char detail[40];              /* detail kind, e.g. "gen-mismatch" */
    char signature[HX_SIG_MAX];   /* "C3 collect gen-mismatch" */
    size_t step;                  /* 0-based statement index */
    hx_pos pos;
    char stmt_text[160];
    char message[512];            /* what differed: expected vs actual */
    uint32_t obj;                 /* oracle id of the object concerned, 0 none */
    char root_path[320];          /* the oracle's root path to obj */
    char last_gc[160];            /* last collection event seen */
    char *views;                  /* malloc'd SOS views (eeheap, finalizequeue) or NULL */
} hx_failure;

typedef struct hx_exec_outcome {
    hx_exec_status status;
    hx_failure fail;              /* valid when status != PASS */
    size_t steps;                 /* statements executed */
    uint64_t gcs;                 /* collections the target reported */
    uint64_t fin_calls;           /* finalizer calls the target reported */
    uint64_t objects;             /* allocations made */
    char *final_views;            /* with capture_final_views: views at the end */
} hx_exec_outcome;

/* Runs p.  file names the program in diagnostics (may be NULL).  out must
   be released with hx_exec_outcome_free. */
hx_exec_status hx_exec_run(const hx_program *p, const char *file,
                           const hx_exec_options *o, hx_exec_outcome *out);
/* Same, and capture the target's SOS views after the last step into
   out->final_views (`gcfuzz heap`). */
hx_exec_status hx_exec_run_views(const hx_program *p, const char *file,
                                 const hx_exec_options *o, hx_exec_outcome *out);
void hx_exec_outcome_free(hx_exec_outcome *out);

/* ---- report.c ---- */
/* The full failure report: signature line first, then step, statement,
   expected vs actual, root path, last GC, views (.report.shape). */
void hx_report_print(FILE *out, const char *file, const hx_exec_outcome *r);
/* "file:line:col: message" for program errors. */
void hx_report_program_error(FILE *out, const char *file, const hx_exec_outcome *r);
/* Fill f->signature from check, stmt_kind and detail. */
void hx_failure_sign(hx_failure *f);

#endif /* HX_EXEC_H */
