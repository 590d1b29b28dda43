/* minimize.h -- generic program minimizer (statement-level delta debugging,
 * then operand simplification), parameterised by a predicate.
 *
 * The predicate answers "does this candidate still fail the same way"
 * (for gcfuzz minimize: same failure signature, e.g. `C3 collect
 * gen-mismatch`).  Candidates are always valid programs (hx_program_check);
 * invalid ones are discarded without calling the predicate.
 *
 * Phases (.min.phases):
 *   1. ddmin over statements: remove chunks of n parts (n = 2, 4, ... up
 *      to one statement at a time), keeping any removal that still fails;
 *   2. operand simplification, repeated until nothing changes: array
 *      lengths made smaller (0, else bisection down to the smallest length
 *      that still fails), `collect N` -> `collect`,
 *      compact_loh dropped, `thread N` -> `thread 0`, stored values -> null,
 *      fixed sizes made minimal, finalizer and critical removed, heap keys
 *      set back to their defaults;
 *   3. unused types, locals and handles dropped (hx_program_compact_tables);
 *   4. the result is re-checked opts.rechecks times; if any re-check does
 *      not fail, the result is rejected (HX_MIN_FLAKY, *out = the input).
 */
#ifndef HX_MINIMIZE_H
#define HX_MINIMIZE_H

#include "program.h"

typedef bool (*hx_min_pred)(const hx_program *candidate, void *ctx);

typedef struct hx_min_stats {
    size_t tests;           /* predicate calls */
    size_t accepted;        /* candidates kept */
    size_t stmts_before, stmts_after;
} hx_min_stats;

typedef struct hx_min_opts {
    unsigned rechecks;      /* re-checks of the result (0 -> 3) */
    size_t max_tests;       /* predicate call budget (0 -> 100000) */
    /* called after every accepted candidate and at the end of each phase;
       may be NULL */
    void (*progress)(const char *phase, const hx_min_stats *st, void *ctx);
    void *progress_ctx;
} hx_min_opts;

typedef enum hx_min_status {
    HX_MIN_OK = 0,          /* *out is the minimized, re-checked program */
    HX_MIN_NOT_FAILING = 1, /* the input does not satisfy the predicate */
    HX_MIN_FLAKY = 2,       /* the result did not fail on every re-check */
    HX_MIN_NOMEM = 3
} hx_min_status;

const char *hx_min_status_name(hx_min_status s);

/* Minimize in (valid) into *out (initialised by the call, always holds a
   program on return except HX_MIN_NOMEM).  opts and stats may be NULL. */
hx_min_status hx_minimize(const hx_program *in, hx_min_pred pred, void *ctx,
                          const hx_min_opts *opts, hx_program *out, hx_min_stats *stats);

#endif /* HX_MINIMIZE_H */
