/* gcfuzz/target.h -- the interface between the gcfuzz executor and a
 * garbage collector under test (a *target*).  Installed with gcfuzz; a
 * collector is plugged in by implementing hx_target_ops and building it
 * as a shared library that exports HX_TARGET_ENTRY_SYMBOL (below), loaded
 * with `gcfuzz run --target-lib PATH.so` (docs/targets.md).  Plain C,
 * usable from C++.
 *
 * The executor runs a program against a target and the oracle in
 * lockstep.  It talks to the target only through the function pointers of
 * hx_target_ops below.
 *
 * Design (.tgt.slots): the executor never holds a raw object reference
 * across a call that may collect.  References live in places the target
 * owns and updates when objects move: numbered *local slots* (one per
 * program local, created with the target), static slots, handles, and the
 * reference slots of objects.  Operations therefore name locals by index;
 * introspection returns addresses (hx_addr) that are valid until the next
 * call that may collect.
 *
 * Events (.tgt.events): the target calls the hx_event_fn given at creation,
 * synchronously, for every collection (GC_START, GC_END), for every
 * finalizer call (before the finalizer's behaviour runs, with `this`), and
 * for the object an alloc:T finalizer allocated (FIN_ALLOC, right after the
 * allocation, before anything else can collect).  The executor follows the
 * target's choices (when a budget GC fires, finalizer order) and asks the
 * oracle whether they are legal.
 *
 * Finalizer behaviours (.tgt.finalizers): the target implements them when
 * it registers a type: count (nothing), resurrect:sN (store `this` in
 * static N), reregister (re-register `this`), both, alloc:T (allocate one
 * T, length 0, on the thread that called run_finalizers; keep no
 * reference).
 *
 * Optional members may be NULL; the checks that need them are then skipped
 * (docs/targets.md lists which).  Capability flags (.tgt.caps) say which
 * properties of the CLR model the collector has at all; the checks of the
 * properties it lacks are skipped and the run says so.
 */
#ifndef GCFUZZ_TARGET_H
#define GCFUZZ_TARGET_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* .tgt.version: the version of this interface.  Raised whenever
   hx_target_ops or a type it uses changes in a way a target built against
   the previous header would misread.  A loaded target whose ops carry
   another version is refused (gcfuzz exit status 69). */
#define HX_TARGET_API_VERSION 4u
/* The oldest version this header's loader still reads: a version-2 target
   lacks the members added in versions 3 and 4 (statics_peek, object_part),
   a version-3 target those of version 4, which then count as NULL
   (.tgt.version-compat). */
#define HX_TARGET_API_VERSION_MIN 2u

/* .tgt.entry: a target library exports one function with C linkage,
       const hx_target_ops *gcfuzz_target_entry(void);
   returning ops that live as long as the library is loaded.  It is
   called once, after dlopen.  HX_TARGET_DEFINE_ENTRY(ops) defines it. */
#define HX_TARGET_ENTRY_SYMBOL "gcfuzz_target_entry"
#if defined(__GNUC__) || defined(__clang__)
#define HX_TARGET_EXPORT __attribute__((visibility("default")))
#else
#define HX_TARGET_EXPORT
#endif

/* .tgt.caps: what a target can be checked for.  A flag a target leaves
   out turns off the checks that assume it: */
enum {
    /* objects have generations 0..2 that follow the model's promotion, and
       `collect N` collects generations 0..N only.  Without it: every
       collection must be reported as gen 2 (a full collection), C3 and
       `expect gen` are skipped. */
    HX_CAP_GENERATIONS = 1u << 0,
    /* precise and complete: a collection frees every object unreachable
       from the roots in the generations it collects, clears the weak
       handles of those objects and queues their finalizers.  Without it
       (a conservative collector): extra objects (C2 extra-object), weak
       handles not cleared (C7 not-cleared) and finalizers not run that the
       model would run are not failures, and the executor follows the
       model where they would make the program diverge (docs/targets.md). */
    HX_CAP_COMPLETE = 1u << 1,
    /* a large object heap for objects of loh_threshold bytes or more (C4,
       `expect large`) */
    HX_CAP_LOH = 1u << 2,
    /* collections follow the heap line's budgets exactly (the strict
       profile).  Without it the clr profile is used whatever the program
       says: any generation at any allocation, finalizers in any order. */
    HX_CAP_BUDGETS = 1u << 3,
    /* GC_END reports the pinned-object count the model computes (C5
       pinned-count) */
    HX_CAP_PINNED_COUNT = 1u << 4,
    /* GC_END reports the bytes the collection promoted out of gen 0 and
       out of gen 1 as the strict model counts them (.gc.promoted-bytes:
       pinned survivors that keep their generation and large objects are
       not promoted; a collection that declined promotion promoted none).
       Checked in the strict profile only (C8 promoted-bytes). */
    HX_CAP_PROMOTED = 1u << 5
};
#define HX_CAPS_ALL (HX_CAP_GENERATIONS | HX_CAP_COMPLETE | HX_CAP_LOH | \
                     HX_CAP_BUDGETS | HX_CAP_PINNED_COUNT | HX_CAP_PROMOTED)

typedef uintptr_t hx_addr;           /* an object address; 0 = null */
#define HX_NO_LOCAL UINT32_MAX       /* "null" where a source local is taken */

/* ---- status -------------------------------------------------------- */
typedef enum hx_tstatus {
    HX_T_OK = 0,
    HX_T_OOM = 1,            /* allocation failed after the target's last-ditch GC */
    HX_T_BAD_HANDLE = 2,     /* freed or never-issued handle */
    HX_T_ERROR = 3,          /* anything else (bad argument, internal failure) */
    HX_T_LIMIT = 4           /* run_finalizers: a runaway drain was cut short */
} hx_tstatus;

/* .tgt.drain-limit: finalizers that allocate can keep a drain going for
   ever (two dead objects whose finalizer allocates, with a budget so small
   that every allocation collects: each call's collection finds the object
   the previous call allocated).  .NET would never return from
   GC.WaitForPendingFinalizers; a harness must.  After fin_drain_limit
   (hx_target_config) finalizer calls within one run_finalizers, a target
   stops running behaviours and reporting events, lets the drain finish, and
   returns HX_T_LIMIT; the executor then reports a program error (the
   program does not terminate) and stops.  The executor sets the limit to
   HX_FIN_DRAIN_BASE + HX_FIN_DRAIN_PER_STMT * statements: a program cannot
   make more finalizable objects than it has statements, and without a
   runaway chain every object is finalized at most a few times per drain. */
#define HX_FIN_DRAIN_BASE 256u
#define HX_FIN_DRAIN_PER_STMT 4u

/* ---- configuration ------------------------------------------------- */
typedef struct hx_target_config {
    uint64_t gen0_budget, gen1_budget, gen2_budget, loh_budget;
    uint64_t loh_threshold, segment_size, hard_limit;  /* 0 = no limit */
    bool clr_profile;        /* false: strict profile */
    unsigned threads;        /* mutator threads (allocation contexts) */
    uint32_t nlocals;        /* local slots 0..nlocals-1, all null at start */
    uint64_t fin_drain_limit;/* .tgt.drain-limit; 0 = none */
    /* .heap.fault: the Nth OS reserve / commit call after the heap is
       created fails once (0 = never); a target without fault injection
       ignores them */
    uint64_t fail_reserve_nth, fail_commit_nth;
} hx_target_config;

/* ---- types ---------------------------------------------------------- */
typedef enum hx_ttype_kind { HX_TT_FIXED = 0, HX_TT_BYTES = 1, HX_TT_REFS = 2 } hx_ttype_kind;
typedef enum hx_tfin {
    HX_TF_NONE = 0, HX_TF_COUNT, HX_TF_RESURRECT, HX_TF_REREGISTER,
    HX_TF_RESURRECT_REREGISTER, HX_TF_ALLOC
} hx_tfin;

typedef struct hx_target_type {
    const char *name;
    hx_ttype_kind kind;
    uint64_t size;           /* FIXED: total bytes incl. header */
    uint32_t nrefs;          /* FIXED: reference slots first */
    hx_tfin fin;
    uint32_t fin_static;     /* RESURRECT*: static slot */
    uint32_t fin_alloc;      /* ALLOC: type index (may be registered later) */
    bool critical;
} hx_target_type;

/* ---- events --------------------------------------------------------- */
typedef enum hx_event_kind {
    HX_EV_GC_START = 0,      /* gen, reason, compact_loh */
    HX_EV_GC_END = 1,        /* gen, reason, pinned, promoted */
    HX_EV_FINALIZER_CALL = 2,/* obj = `this` before the behaviour runs */
    HX_EV_FIN_ALLOC = 3      /* obj = what alloc:T allocated (0: out of memory) */
} hx_event_kind;

typedef enum hx_reason {     /* same numbering as mgc_gc_reason / orc_reason */
    HX_REASON_INDUCED = 0, HX_REASON_ALLOC_SMALL = 1,
    HX_REASON_ALLOC_LARGE = 2, HX_REASON_OOM = 3
} hx_reason;

typedef struct hx_event {
    hx_event_kind kind;
    int gen;
    hx_reason reason;
    bool compact_loh;
    size_t pinned;
    hx_addr obj;
    /* GC_END: bytes promoted gen0 -> gen1 ([0]) and gen1 -> gen2 ([1]) by
       this collection (HX_CAP_PROMOTED; otherwise ignored) */
    uint64_t promoted[2];
} hx_event;

typedef void (*hx_event_fn)(void *ctx, const hx_event *ev);

/* ---- introspection -------------------------------------------------- */
typedef struct hx_tobject {
    hx_addr addr;
    uint32_t type;           /* index given by register_type */
    uint64_t size;           /* total bytes incl. header (may be aligned) */
    uint64_t length;         /* arrays: element count */
    int gen;                 /* 0..2 */
    bool large;              /* in the large object heap */
    size_t nslots;
    const hx_addr *slots;    /* valid during the callback only */
    uint8_t *payload;        /* non-reference bytes after the slots */
    size_t payload_len;
} hx_tobject;

typedef void (*hx_walk_fn)(void *ctx, const hx_tobject *o);
/* Finalization entries: registered (freachable=false) or f-reachable. */
typedef void (*hx_fin_fn)(void *ctx, hx_addr obj, bool freachable, bool critical);

typedef enum hx_view { HX_VIEW_EEHEAP = 0, HX_VIEW_DUMPHEAP_STAT = 1,
                       HX_VIEW_FINALIZEQUEUE = 3, HX_VIEW_MEMMAP = 4 } hx_view;

typedef struct hx_target hx_target;  /* an instance (opaque to the executor) */

/* ---- the interface (.tgt.ops) --------------------------------------- */
typedef struct hx_target_ops {
    /* HX_TARGET_API_VERSION of the header the target was built with.  The
       first member in every version: a loader reads it before anything
       else (.tgt.version). */
    uint32_t api_version;
    /* HX_CAP_* flags: what this target can be checked for (.tgt.caps). */
    uint32_t caps;
    const char *name;
    /* lifecycle */
    hx_target *(*create)(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx);
    void (*destroy)(hx_target *t);
    /* types: registered in program order; index = registration order */
    hx_tstatus (*register_type)(hx_target *t, const hx_target_type *ty);
    /* mutator operations on local slots (src = HX_NO_LOCAL for null) */
    hx_tstatus (*alloc)(hx_target *t, unsigned tid, uint32_t type, uint64_t length,
                        uint32_t dst);                 /* dst := new object or null */
    void (*set_local)(hx_target *t, uint32_t dst, uint32_t src);
    hx_addr (*get_local)(hx_target *t, uint32_t local);
    void (*store)(hx_target *t, uint32_t obj, uint64_t slot, uint32_t src);
    void (*load)(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot);
    hx_tstatus (*handle_alloc)(hx_target *t, int kind, uint32_t src, uint32_t *out);
    hx_tstatus (*handle_free)(hx_target *t, uint32_t h);
    hx_tstatus (*handle_get)(hx_target *t, uint32_t h, uint32_t dst);
    hx_addr (*handle_peek)(hx_target *t, uint32_t h); /* current target, 0 if cleared */
    void (*static_set)(hx_target *t, uint32_t idx, uint32_t src);
    void (*static_get)(hx_target *t, uint32_t idx, uint32_t dst);
    hx_addr (*static_peek)(hx_target *t, uint32_t idx);
    void (*suppress)(hx_target *t, uint32_t obj);
    void (*reregister)(hx_target *t, uint32_t obj);
    hx_tstatus (*collect)(hx_target *t, int gen, bool compact_loh);
    hx_tstatus (*run_finalizers)(hx_target *t, unsigned tid);
    /* queries */
    int (*generation)(hx_target *t, hx_addr obj);       /* GC.GetGeneration */
    bool (*is_large)(hx_target *t, hx_addr obj);
    uint64_t (*collection_count)(hx_target *t, int gen);
    void (*walk)(hx_target *t, hx_walk_fn fn, void *ctx);   /* every live object */
    /* optional */
    void (*fin_walk)(hx_target *t, hx_fin_fn fn, void *ctx);
    int (*fin_bit)(hx_target *t, hx_addr obj);      /* finalizer-run bit: 0/1, -1 unknown */
    hx_tstatus (*verify)(hx_target *t, char *err, size_t errlen);
    hx_tstatus (*dump)(hx_target *t, hx_view view, FILE *out);
    /* the payload bytes of the object in a local (NULL: found via walk) */
    uint8_t *(*payload)(hx_target *t, uint32_t local, size_t *len);
    /* One object as walk would report it (.tgt.object), for the executor's
       per-statement checks (.exec.schedule).  addr is an address the
       target reported for an object since its last collection; *out (its
       slots included) is valid until the next call into the target.  NULL:
       the executor runs the complete comparison after every step. */
    bool (*object)(hx_target *t, hx_addr addr, hx_tobject *out);
    /* The number of entries fin_walk would report as registered and as
       f-reachable, in time independent of the heap (.tgt.fin-counts). */
    void (*fin_counts)(hx_target *t, uint64_t *registered, uint64_t *freachable);
    /* .tgt.reset: make t exactly what create(cfg, ev, ev_ctx) would give,
       reusing its memory; false when it cannot (another configuration, out
       of memory): the caller then destroys t and creates a new target.
       NULL: targets are always created anew. */
    bool (*reset)(hx_target *t, const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx);
    /* ---- version 3 ---- */
    /* Every static slot in one call (.tgt.statics-peek): out[i] is what
       static_peek(t, i) returns, for i < n (n at most the number of static
       slots), so the root checks read the statics without a call (and a
       lock) per slot.  NULL: the executor calls static_peek per slot. */
    void (*statics_peek)(hx_target *t, hx_addr *out, uint32_t n);
    /* ---- version 4 ---- */
    /* One object as `object` reports it, but with only the n reference
       slots from slot `first` on (.tgt.object-part): out->nslots is still
       the object's slot count, out->slots[k] is slot first + k (k < n),
       valid until the next call into the target.  false as `object`, and
       when first + n passes the object's slot count.  The per-statement
       check of an object with many slots reads the slots the statement
       named (docs/semantics.md .exec.wide), so it must cost time
       independent of the object's size.  NULL: the executor calls
       `object` (which copies every slot). */
    bool (*object_part)(hx_target *t, hx_addr addr, uint64_t first, uint32_t n,
                        hx_tobject *out);
} hx_target_ops;

/* The size of a version-2 and a version-3 hx_target_ops
   (.tgt.version-compat). */
#define HX_TARGET_OPS_V2_SIZE offsetof(hx_target_ops, statics_peek)
#define HX_TARGET_OPS_V3_SIZE offsetof(hx_target_ops, object_part)

typedef const hx_target_ops *(*hx_target_entry_fn)(void);
HX_TARGET_EXPORT const hx_target_ops *gcfuzz_target_entry(void);

#define HX_TARGET_DEFINE_ENTRY(ops)                                          \
    HX_TARGET_EXPORT const hx_target_ops *gcfuzz_target_entry(void) { return &(ops); }

#ifdef __cplusplus
}
#endif

#endif /* GCFUZZ_TARGET_H */
