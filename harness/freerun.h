/* freerun.h -- the free-running concurrency mode (.fr, docs/threads.md
 * "The harness's free-running mode").
 *
 * Every `thread N` section of a program runs at once on its own OS thread,
 * attached to one heap of our runtime with allocation context N (sections
 * of the same N are concatenated in program order).  Nobody can predict the
 * interleaving, so the program must keep a discipline that makes each
 * thread's view independent of it (.fr.discipline, hx_freerun_check), and
 * only the checks that hold in every interleaving are made (.fr.checks):
 *
 *   C1  every object a thread's model proves reachable (from its own locals
 *       and its own strong and pinned handles) is alive and intact: its
 *       type, length, identity stamp and reference slots are what the
 *       thread stored; an object read from a static (published by any
 *       thread) is alive and intact (type, length and stamp agree);
 *       a handle's target is the object it was made for (weak: or null)
 *   C5  a pinned object never moves
 *   C9  the runtime's heap verification after every collection (from the
 *       collection's end event, the world still stopped); no cooperative
 *       mutator ever sees a collection in progress
 *   C6  no lost finalization: at the end (every root cleared, collections
 *       and drains until nothing is left) every object whose last
 *       finalization statement by its owner was a registration (`new` of a
 *       type with a finalizer, `reregister`) has had its finalizer called
 *   and no crash, hang or sanitizer report.
 *
 * A statement whose object operand is null at run time (an allocation that
 * failed, a cleared weak handle, an empty static) or whose slot is beyond
 * the array's length is skipped, as in fuzz mode.  Expectations are not
 * allowed (they depend on the interleaving).
 *
 * Verdicts are interleaving-independent: no check can fail on a correct
 * runtime whatever the OS does.  The run's seed (hx_freerun_options.seed)
 * picks where each thread yields (mode transitions, which are safe points)
 * and is printed with every finding; a finding is reproduced by running
 * the same program with the same seed, repeatedly if the window is narrow
 * (`gcfuzz run --free-running --seed S --repeat N`).
 */
#ifndef HX_FREERUN_H
#define HX_FREERUN_H

#include "exec.h"

typedef struct hx_freerun_options {
    uint64_t seed;            /* where threads yield (.fr.seed) */
    bool no_verify;           /* skip C9 verification at collections (benchmarks) */
} hx_freerun_options;

/* Counters of one run (hx_freerun_run's out->steps, gcs, fin_calls,
   objects are filled as well). */
typedef struct hx_freerun_stats {
    unsigned threads;         /* OS threads that ran a section */
    uint64_t skipped;         /* statements skipped for a null operand */
    uint64_t checks;          /* objects checked (C1) */
    uint64_t suspensions;     /* world stops that waited for a mutator */
} hx_freerun_stats;

/* .fr.discipline: true when p may run free.  Otherwise d (if non-NULL)
   gets the offending statement's position and what is wrong:
   - a local or a handle is used by two threads (each thread owns its
     locals and handles);
   - a local is used before it is bound, or after `drop` (per thread, in
     program order: these are program errors in every interleaving);
   - a local that holds an object read from a static (shared) is stored
     into, loaded from, stored as a value, given a handle, suppressed or
     reregistered (a thread may only copy, drop, publish or check it);
   - an expectation. */
bool hx_freerun_check(const hx_program *p, hx_diag *d);

/* Run p free (it must pass hx_freerun_check: HX_EXEC_BAD_PROGRAM with the
   diagnostic in out->fail otherwise).  file names p in reports.  stats may
   be NULL.  out must be released with hx_exec_outcome_free. */
hx_exec_status hx_freerun_run(const hx_program *p, const char *file, const hx_freerun_options *o,
                              hx_exec_outcome *out, hx_freerun_stats *stats);

/* .fr.project: the disciplined program closest to in on `threads` threads
   (2..HX_THREADS): `thread N` becomes thread N % threads, every local and
   handle is renamed per thread (t1_x), and statements whose operands are
   not bound in their thread, whose slots do not fit the local's static
   type, or that break the discipline are left out, as are expectations.
   out is initialised by the call; false only when memory runs out. */
bool hx_freerun_project(const hx_program *in, unsigned threads, hx_program *out);

/* .fr.gen: a free-running program of at most ops statements: the
   generator's program (hx_gen) of the same seed, projected on `threads`
   threads (0: 2 to 4, chosen by the seed).  Same seed, same program. */
bool hx_gen_free(uint64_t seed, size_t ops, unsigned threads, hx_program *out);

#endif /* HX_FREERUN_H */
