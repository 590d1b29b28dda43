/* clr.h -- differential testing of the oracle against CoreCLR (docs/clr.md).
 *
 * .clr.observable: hx_gen_clr() draws programs that use only what CoreCLR
 * observes deterministically: no budgets (every budget 0, so only `collect`
 * collects), no hard limit, no threads, sizes CoreCLR gives the same
 * placement, every `collect` followed at once by `finalize` (CoreCLR runs
 * finalizers right after a collection; nothing may sit between), a gen2
 * `collect` further followed by `collect 0` and `finalize` (the runtime's own
 * finalizable objects re-register after a gen2 collection and turn the next
 * collection's f-reachable lists), and expectations of the kinds the CoreCLR
 * runner observes, their values the oracle's (clr profile) prediction.
 *
 * .clr.compare: hx_clr_compare_file() reads the observation lines of the
 * runner (`gcp-clr observe`), replays each program on the oracle in the clr
 * profile following CoreCLR's finalizer calls, and compares every observed
 * expectation with the oracle's value at that point.  A younger generation
 * CoreCLR reports for an object pinned in the last collection is the clr
 * profile's demotion (.clr.demote) and is followed; anything else that
 * differs is a disagreement, reported with the program and the first
 * differing expectation.
 */
#ifndef HX_CLR_H
#define HX_CLR_H

#include "program.h"
#include <stdio.h>

/* A CoreCLR-observable program of about ops statements (a collection's
   finalize and settling statements may add up to 3).  Deterministic per
   seed.  false only when memory runs out. */
bool hx_gen_clr(uint64_t seed, size_t ops, hx_program *out);

typedef struct hx_clr_stats {
    unsigned programs;        /* program blocks read */
    unsigned disagreeing;     /* program blocks with a disagreement */
    unsigned varied;          /* programs whose CoreCLR runs differed */
    unsigned variants_extra;  /* their further distinct runs, each compared too */
    unsigned long compared;   /* expectations compared */
    unsigned long not_observable;
    unsigned long demotions;  /* gen differences the clr profile allows */
    unsigned long mate_demotions; /* unpinned survivors kept in their generation
                                     next to a pinned one (observed address order) */
    unsigned long mate_plug;  /* of those, directly next to it (one plug) */
    unsigned long fin_calls;  /* finalizer calls followed */
    unsigned long strict_order_differs; /* calls not in the strict order */
    unsigned long no_promotion; /* collections presented as clr no-promotion */
    unsigned long escalations; /* `collect G` CoreCLR ran as an older generation */
    unsigned long by_category[5]; /* disagreements: gen, gen-pinning (a pinned object
                                     in a collection since the object's birth),
                                     pinned_count, finalizer, other */
} hx_clr_stats;

/* Reads the runner's observation lines from in (name used in messages),
   prints each disagreement (and with verbose every program's result) to
   out.  Returns 0 when nothing disagrees, 1 on a disagreement, 2 when the
   observations or a program cannot be read. */
int hx_clr_compare_file(FILE *in, const char *name, FILE *out, bool verbose,
                        hx_clr_stats *st);

#endif /* HX_CLR_H */
