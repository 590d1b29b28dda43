/* check_hx_util.h -- helpers for the harness format tests (no state). */
#ifndef CHECK_HX_UTIL_H
#define CHECK_HX_UTIL_H
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "program.h"
#include "text.h"

/* The examples of the format contract (docs/format.md), verbatim (header, statements, expectations). */
static const char hx_t_format_header[] =
    "heap gen0_budget=256k gen1_budget=2m gen2_budget=10m loh_budget=16m loh_threshold=85000 segment_size=4m hard_limit=0 profile=strict\n"
    "type Node size=32 refs=2\n"
    "type Blob array elem=1\n"
    "type Refs array elem=ref\n"
    "type Fin  size=24 finalizer=count\n"
    "type Phoenix size=40 refs=1 finalizer=resurrect:s0\n"
    "type Again size=24 finalizer=reregister\n"
    "type Both size=24 finalizer=resurrect_reregister:s1\n"
    "type Crit size=24 finalizer=count critical\n";

static const char hx_t_format_statements[] =
    "a = new Node            # allocate; a is a live local (a root) of the current thread\n"
    "b = new Blob[84976]     # array of 84976 elements (size 85000: large object heap)\n"
    "a.0 = b                 # store into reference slot 0 (the write barrier runs)\n"
    "a.1 = null\n"
    "c = a.0                 # load slot 0 into local c (c may become null)\n"
    "d = a                   # copy a local\n"
    "drop a                  # local a is dead: no longer a root\n"
    "h = handle weak a       # kinds: strong | pinned | weak | weak_long\n"
    "free h\n"
    "e = target h            # read a handle (null if cleared)\n"
    "static s0 = a           # static slots s0..s15 are strong roots\n"
    "static s0 = null\n"
    "f = static s0\n"
    "suppress a              # GC.SuppressFinalize\n"
    "reregister a            # GC.ReRegisterForFinalize\n"
    "collect                 # full (gen2) collection; `collect 0`, `collect 1`, `collect 2`\n"
    "collect 2 compact_loh   # gen2 collection that also compacts the LOH once\n"
    "finalize                # run pending finalizers until the queue is empty\n"
    "thread 2                # later allocations use mutator thread 2's allocation context\n";

static const char hx_t_format_expect[] =
    "expect gen a 1              # GC.GetGeneration\n"
    "expect loh b                # in the large object heap (`expect soh a` for the small heap)\n"
    "expect null c\n"
    "expect target h null        # or: expect target h a  (same object as local a)\n"
    "expect finalized a 2        # finalizer calls so far on the object a names (a may be dropped)\n"
    "expect collections 0 3      # GC.CollectionCount(0)\n"
    "expect pinned_count 1       # pinned objects seen by the last collection\n"
    "expect oom                  # the previous allocation failed with out-of-memory\n"
    "expect soh a\n"
    "expect target h a\n";

/* header + statements + expectations, malloc'd */
static inline char *hx_t_format_all(void)
{
    size_t n = strlen(hx_t_format_header) + strlen(hx_t_format_statements) +
               strlen(hx_t_format_expect) + 1;
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    strcpy(s, hx_t_format_header);
    strcat(s, hx_t_format_statements);
    strcat(s, hx_t_format_expect);
    return s;
}

/* Parse text that must be valid. */
static inline void hx_t_parse_ok(const char *text, hx_program *p)
{
    hx_diag d;
    char msg[512];
    bool ok = hx_parse(text, strlen(text), "t.gcp", p, &d);
    if (!ok)
        hx_diag_format(&d, msg, sizeof msg);
    ck_assert_msg(ok, "parse failed: %s", ok ? "" : msg);
}

/* print(p) parses back to p, and printing that gives the same text. */
static inline void hx_t_assert_roundtrip(const hx_program *p)
{
    size_t n1 = 0, n2 = 0;
    char *t1 = hx_print_string(p, &n1);
    ck_assert_ptr_nonnull(t1);
    hx_program q;
    hx_diag d;
    char msg[512] = "";
    bool ok = hx_parse(t1, n1, "printed.gcp", &q, &d);
    if (!ok)
        hx_diag_format(&d, msg, sizeof msg);
    ck_assert_msg(ok, "printed text does not parse: %s\n%s", msg, t1);
    ck_assert_msg(hx_program_equal(p, &q), "parse(print(p)) != p:\n%s", t1);
    char *t2 = hx_print_string(&q, &n2);
    ck_assert_ptr_nonnull(t2);
    ck_assert_str_eq(t1, t2);
    free(t1);
    free(t2);
    hx_program_free(&q);
}
#endif
