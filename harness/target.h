/* target.h -- the harness's private side of the target interface.
 *
 * The interface itself (hx_target_ops, its types, versions and capability
 * flags) is the public, installed header include/gcfuzz/target.h.  This
 * header adds what only the harness uses: its self-check macros, the
 * project's own targets (our runtime, the faulty targets for the
 * executor's self-tests) and the registry of built-in targets with the
 * loader of target libraries (registry.c).
 */
#ifndef HX_TARGET_H
#define HX_TARGET_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "gcfuzz/target.h"

/* Harness self-checks by level (.hx.check-level), independent of NDEBUG:
   GCF_HX_CHECK_LEVEL (CMake cache variable, default 1) 0 = none, 1 =
   contract checks in constant time (HX_AVER: every build), 2 = also the
   self-checks that cost time in the size of the heap (HX_AVER_HEAP: the
   harness's own caches against the model; the unit tests and the debug
   and asan presets).  A failed check prints where and aborts. */
#ifndef GCF_HX_CHECK_LEVEL
#define GCF_HX_CHECK_LEVEL 1
#endif
static inline void hx_aver_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "%s:%d: harness self-check failed: %s\n", file, line, cond);
    fflush(stderr);
    abort();
}
#define HX_AVER_AT(level, cond)                                               \
    do {                                                                      \
        if (GCF_HX_CHECK_LEVEL >= (level) && !(cond))                         \
            hx_aver_fail(#cond, __FILE__, __LINE__);                          \
    } while (0)
#define HX_AVER(cond) HX_AVER_AT(1, cond)
#define HX_AVER_HEAP(cond) HX_AVER_AT(2, cond)
/* The level this harness library was built with (report.c). */
int hx_check_level(void);

/* Our runtime (target_mgc.c), compacting; and the same runtime configured
   as a non-moving mark-sweep collector (MGC_SWEEP_ONLY). */
extern const hx_target_ops hx_target_mgc;
extern const hx_target_ops hx_target_mgc_sweep;
/* The same runtime with one OS thread per allocation context and a baton
   that runs each `thread N` section on thread N (target_sched.c, .tgt.sched);
   the executor tells it where each section starts. */
extern const hx_target_ops hx_target_mgc_sched;
void hx_target_sched_set_thread(hx_target *t, unsigned tid);
/* The same with the runtime's finalizer thread running (.tgt.finthread,
   docs/threads.md "Finalizer-thread mode"): collections queue finalizers
   to it, `finalize` waits for it (GC.WaitForPendingFinalizers). */
extern const hx_target_ops hx_target_mgc_fin;
/* mgc-sched or mgc-fin: the executor tells it where sections start. */
bool hx_target_is_sched(const hx_target_ops *ops);
/* mgc-fin: let the finalizer thread run what the statement's collections
   queued and wait, at most GCF_FIN_TIMEOUT_MS, until its f-reachable queue
   is empty (.tgt.fin-gate).  HX_T_OK; HX_T_LIMIT when its drains passed
   the drain limit (.tgt.drain-limit); HX_T_ERROR when the bound passed
   (hx_target_fin_timed_out then says so).  Does nothing on mgc-sched. */
hx_tstatus hx_target_fin_settle(hx_target *t);
/* The last settle or `finalize` of an mgc-fin target timed out. */
bool hx_target_fin_timed_out(hx_target *t);
long hx_target_fin_timeout_ms(hx_target *t);

/* Deliberately wrong targets for the executor's own tests
   (target_faulty.c): each wraps hx_target_mgc and breaks one rule. */
typedef enum hx_fault {
    HX_FAULT_NONE = 0,
    HX_FAULT_SLOT_SWAP,        /* C1: a load returns the object's other slot */
    HX_FAULT_PAYLOAD,          /* C1: a collection flips a payload byte */
    HX_FAULT_DROP_LIVE,        /* C1/C2: a collection loses a rooted object */
    HX_FAULT_KEEP_DEAD,        /* C2: a collection keeps a dead object */
    HX_FAULT_GEN,              /* C3: misreports a promoted generation */
    HX_FAULT_LOH,              /* C4: puts a large array on the small heap */
    HX_FAULT_MOVE_PINNED,      /* C5: reports a pinned object moved */
    HX_FAULT_FIN_SUPPRESSED,   /* C6: finalizes a suppressed object */
    HX_FAULT_WEAK_KEEP,        /* C7: loses a weak-handle clear */
    HX_FAULT_COUNT_GC,         /* C8: miscounts collections */
    HX_FAULT_SKIP_BUDGET,      /* C8: ignores the gen0 budget trigger */
    HX_FAULT_NO_BARRIER,       /* C9: stores skip the write barrier (card) */
    HX_FAULT_VERIFY,           /* C9: verify reports a defect */
    HX_FAULT_SCRIBBLE,         /* C1: a store breaks the payload of an object
                                  the statement does not touch (found at the
                                  next complete comparison, .exec.schedule) */
    /* planted bugs for the triage tests (.tgt.planted): not wrong answers
       but a crash, a hang and an unbounded allocation, as a broken
       collector would have them; only ever reached through
       --target faulty:<name> or GCF_FUZZ_TARGET */
    HX_FAULT_CRASH,            /* a gen-2 collection after a pinned handle was made: SEGV */
    HX_FAULT_HANG,             /* `finalize` after a gen-1 collection: never returns */
    HX_FAULT_OOM,              /* `new` of a reference array of length >= 100:
                                  allocates without bound */
    HX_FAULT_PROMOTED,         /* C8: GC_END reports 8 more bytes promoted out
                                  of gen 0 than the collection promoted */
    HX_FAULT_SLOT_SCRIBBLE,    /* C1: a store into an object of two or more
                                  slots also stores the value into the next
                                  slot, one the statement does not name (in a
                                  wide object found at the next complete
                                  comparison, .exec.wide) */
    HX_FAULT_SLOT_MISSTORE,    /* C1: a store into an object of two or more
                                  slots stores into the next slot instead of
                                  the one named */
    HX_FAULT_PAYLOAD_MIDDLE,   /* C1: a collection flips the middle byte of the
                                  first payload of 8 KiB or more (an object
                                  left in place: found at the collection
                                  whose window covers it, or at the program's
                                  last comparison, .exec.stamp-gc) */
    HX_FAULT_KIND_COUNT
} hx_fault;

const char *hx_fault_name(hx_fault f);
hx_fault hx_fault_from_name(const char *name);      /* HX_FAULT_KIND_COUNT if unknown */
const hx_target_ops *hx_target_faulty(hx_fault f);  /* NONE: hx_target_mgc itself */

/* Access to the runtime behind an hx_target_mgc instance (for wrappers
   such as target_faulty.c): the mgc_heap * and the local slot array. */
void *hx_target_mgc_heap(hx_target *t);
void **hx_target_mgc_locals(hx_target *t);
/* With the heap lock held and no drain running: whether the finalizer
   calls since the last restart passed the drain limit; the count starts
   again from 0 (.tgt.drain-limit for drains on the finalizer thread). */
bool hx_target_mgc_fin_restart(hx_target *t);

/* .tgt.planted-text: the parser's planted bug, for the tests of
   `gcfuzz triage --text` only.  With target the faulty:crash target, a
   text holding both `handle pinned` and `collect 2` makes this call
   write through a null pointer (signature `SEGV fz_planted_parse_crash <
   hx_faulty_text_probe`); with any other target it does nothing. */
void hx_faulty_text_probe(const hx_target_ops *target, const char *text, size_t len);

/* ---- the registry of built-in targets (registry.c, .tgt.registry) ---- */
typedef struct hx_target_entry {
    const char *name;            /* as given to --target */
    const hx_target_ops *ops;
    const char *what;            /* one line for `--target list` and docs */
} hx_target_entry;

/* The built-in targets, in listing order; *n gets their number. */
const hx_target_entry *hx_target_registry(size_t *n);

/* .tgt.caps: the checks a target's capability flags turn off, as one line
   ("C3 and expect gen (no generations), ..."); "" when caps is
   HX_CAPS_ALL.  Returns buf. */
const char *hx_caps_skipped(uint32_t caps, char *buf, size_t len);

/* Look a target up by name: a registry entry ("mgc", "mgc-sweep") or
   "faulty:<fault>".  NULL (or no name) gives "mgc"; NULL if unknown. */
const hx_target_ops *hx_target_by_name(const char *name);

/* .tgt.entry: load a target library (dlopen PATH, call its
   HX_TARGET_ENTRY_SYMBOL, check the ops' api_version and required
   members).  Returns the ops, or NULL with a message in err and *why set:
   HX_LOAD_OPEN (cannot load, no entry symbol, NULL ops, a required member
   missing) or HX_LOAD_VERSION (another interface version).  The library
   stays loaded for the life of the process. */
typedef enum hx_load_error { HX_LOAD_OK = 0, HX_LOAD_OPEN = 1, HX_LOAD_VERSION = 2 } hx_load_error;
const hx_target_ops *hx_target_load(const char *path, hx_load_error *why, char *err,
                                    size_t errlen);

#endif /* HX_TARGET_H */
