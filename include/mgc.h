/* mgc.h -- public API of the gcfuzz runtime memory manager.
 *
 * A CLR-style memory manager a small managed runtime can embed: reserved and
 * committed segments, loader heaps for type descriptors, per-thread
 * bump-pointer allocation contexts, generations 0/1/2, a large object heap,
 * compaction with pinning, a card table and write barrier, handles,
 * finalization with an f-reachable queue, counters and SOS-style views.
 *
 * The rules this API follows are in docs/semantics.md.  Everything here is
 * prefixed mgc_; nothing in this header exposes runtime internals.
 *
 * Object references (mgc_ref) point at an object's type-pointer word, as in
 * CoreCLR; the header word sits 8 bytes before it.  A collection may move
 * small objects, so an embedder keeps references only in places the
 * collector knows and updates: registered local slots, static slots,
 * handles, or reference fields of other objects.  A raw mgc_ref held in a C
 * variable is stale after any call that may collect (allocation, collect,
 * running finalizers).
 */
#ifndef MGC_H
#define MGC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MGC_API marks the public functions: the shared library is built with
   hidden visibility (-fvisibility=hidden), so these are the only symbols
   it exports and the runtime's internal names never meet an embedder's
   (tests/abi_test.sh checks `nm -D` against this header). */
#if defined(__GNUC__) || defined(__clang__)
#define MGC_API __attribute__((visibility("default")))
#else
#define MGC_API
#endif

typedef struct mgc_heap mgc_heap;
typedef struct mgc_type mgc_type;          /* a type descriptor (loader heap) */
typedef void *mgc_ref;                     /* an object reference, or NULL */
typedef uint32_t mgc_handle;               /* 0 is never a valid handle */

/* ---- status codes (every fallible call returns one) ---------------- */
typedef enum mgc_status {
    MGC_OK = 0,
    MGC_E_OOM = 1,            /* out of memory after a full collection */
    MGC_E_BAD_HANDLE = 2,     /* freed, double-freed or never-issued handle */
    MGC_E_BAD_ARG = 3,        /* argument outside the contract */
    MGC_E_VERIFY = 4,         /* heap verification found a defect */
    MGC_E_STATE = 5           /* call not allowed now (e.g. collect inside a GC) */
} mgc_status;

MGC_API const char *mgc_status_name(mgc_status s);

/* ---- configuration ------------------------------------------------- */
#define MGC_MAX_THREADS 64
#define MGC_STATIC_SLOTS 64    /* static slots s0..s63, strong roots */

typedef enum mgc_profile { MGC_PROFILE_STRICT = 0, MGC_PROFILE_CLR = 1 } mgc_profile;

typedef enum mgc_compact_mode {
    MGC_COMPACT = 0,          /* sliding compaction of condemned small gens */
    MGC_SWEEP_ONLY = 1        /* never move: dead objects become free objects */
} mgc_compact_mode;

/* A budget of MGC_BUDGET_DYNAMIC adapts (docs/semantics.md .budget.dynamic):
   it starts from the machine's cache size (gen0) or a policy minimum and is
   recomputed after every collection of its generation from that generation's
   survival rate.  mgc_config_default sets every budget to it; any other value
   is a fixed budget (the strict profile's rule 6; 0 = no limit). */
#define MGC_BUDGET_DYNAMIC ((size_t)-1)

typedef struct mgc_config {
    size_t gen0_budget;       /* bytes allocated in gen0 before a GC */
    size_t gen1_budget;       /* bytes promoted into gen1 before gen1 GC */
    size_t gen2_budget;       /* bytes promoted into gen2 before gen2 GC */
    size_t loh_budget;        /* LOH bytes allocated before a gen2 GC */
    size_t loh_threshold;     /* large-object size threshold (85000, upward only) */
    size_t segment_size;      /* bytes per segment (4 MiB; down to a few pages) */
    size_t hard_limit;        /* max committed GC heap bytes, 0 = none */
    unsigned threads;         /* mutator threads (allocation contexts), <= MGC_MAX_THREADS */
    mgc_profile profile;
    mgc_compact_mode compact_mode;
    /* fault injection for tests: the Nth (1-based) OS reserve / commit call
       made by this heap fails; 0 = never. */
    unsigned fail_reserve_nth;
    unsigned fail_commit_nth;
    /* entries the mark stack may hold before it overflows (.mark.overflow);
       0 = the policy's size.  Tests set it tiny so that ordinary heaps take
       the overflow path. */
    size_t mark_stack_entries;
} mgc_config;

MGC_API void mgc_config_default(mgc_config *cfg);

MGC_API mgc_status mgc_heap_create(const mgc_config *cfg, mgc_heap **out);
MGC_API void mgc_heap_destroy(mgc_heap *heap);
/* Return the heap to the state mgc_heap_create gives for its configuration,
   without unmapping its memory (.heap.reset): every object, type
   registration, handle, static, registered local array, finalization entry,
   counter and the event callback are gone, and fault injection counts from
   the configuration's fail_*_nth again (a mgc_fault_inject call is
   forgotten).  The heap then behaves exactly as a fresh one: the same
   collections, generations, OS call counts and object offsets within the
   same segment bases.  Not while the finalizer thread runs (MGC_E_STATE)
   or inside a collection.  MGC_E_OOM: the heap could not be set up again;
   it can only be destroyed. */
MGC_API mgc_status mgc_heap_reset(mgc_heap *heap);
/* The same with another configuration: the heap becomes what
   mgc_heap_create(cfg) gives (same behaviour, statuses as
   mgc_heap_create for a bad configuration, which leaves the heap as it
   was). */
MGC_API mgc_status mgc_heap_reset_config(mgc_heap *heap, const mgc_config *cfg);
/* Change fault injection on a live heap: the Nth call from now fails. */
MGC_API void mgc_fault_inject(mgc_heap *heap, unsigned reserve_nth, unsigned commit_nth);
/* OS reserve and commit calls this heap has made so far (each one a point
   where fault injection can fail it). */
MGC_API void mgc_fault_counts(mgc_heap *heap, unsigned *reserves, unsigned *commits);

/* The heap lock (recursive).  Collections, the synchronous finalizer drain
   and the finalizer thread hold it.  Threads that are not attached
   (mgc_thread_attach) are not otherwise synchronised: an embedder that runs
   the finalizer thread (mgc_finalizer_thread_start) brackets its own heap
   calls and raw object accesses with these, so they never overlap a drain
   on that thread.  For an attached cooperative thread, waiting for the
   lock is a safe point (docs/threads.md). */
MGC_API void mgc_heap_lock(mgc_heap *heap);
MGC_API void mgc_heap_unlock(mgc_heap *heap);

/* ---- attached threads (docs/threads.md) ---------------------------- */
/* Mutators on several OS threads.  A thread attaches with its own
   allocation context tid (one thread per context; a thread is attached to
   one heap at a time) and is then in cooperative mode: it may allocate on
   tid, store, load and hold raw references.  A collection started by any
   thread stops the world: it waits until every other attached thread is
   in preemptive mode or at a safe point (mgc_thread_poll, a mode
   transition, or any call that waits for the heap lock, the allocation
   slow path included), collects, and lets them run again.  The roots of a
   stopped thread are its registered locals (mgc_thread_set_locals); a raw
   reference in a C variable is stale after every safe point.  A
   cooperative thread must poll often (a loop that neither allocates nor
   polls holds up every collection) and must enter preemptive mode around
   anything that blocks.  Threads that are not attached keep the rules of
   mgc_heap_lock.  MGC_E_STATE: attach on a thread attached already or a
   context in use; detach on a thread not attached to this heap. */
MGC_API mgc_status mgc_thread_attach(mgc_heap *heap, unsigned tid);
/* Retires the thread's allocation context and forgets its locals. */
MGC_API mgc_status mgc_thread_detach(mgc_heap *heap);
MGC_API void mgc_thread_poll(mgc_heap *heap);
MGC_API void mgc_thread_enter_preemptive(mgc_heap *heap);
MGC_API void mgc_thread_enter_cooperative(mgc_heap *heap);
/* The context the calling thread is attached with on heap, or -1. */
MGC_API int mgc_thread_current(mgc_heap *heap);
/* Suspensions so far that had to wait for a cooperative thread. */
MGC_API uint64_t mgc_thread_suspensions(mgc_heap *heap);

/* ---- types --------------------------------------------------------- */
typedef enum mgc_type_kind {
    MGC_KIND_FIXED = 0,       /* fixed size; nrefs reference slots first */
    MGC_KIND_BYTE_ARRAY = 1,  /* 24-byte base + length bytes */
    MGC_KIND_REF_ARRAY = 2    /* 24-byte base + length references */
} mgc_type_kind;

/* A finalizer.  *self is a root slot the collector updates: the finalizer may
   allocate (which may collect and move the object), so it must re-read
   *self after any such call. */
typedef void (*mgc_finalizer_fn)(mgc_heap *heap, mgc_ref *self, void *ctx);

typedef struct mgc_type_desc {
    const char *name;
    mgc_type_kind kind;
    size_t size;              /* FIXED: total size >= 24 incl. header */
    unsigned nrefs;           /* FIXED: reference slots after the type pointer */
    mgc_finalizer_fn finalizer; /* NULL: no finalizer (arrays: must be NULL) */
    void *finalizer_ctx;
    bool critical;            /* finalizer runs after all normal ones */
} mgc_type_desc;

MGC_API mgc_status mgc_type_register(mgc_heap *heap, const mgc_type_desc *desc,
                             const mgc_type **out);
MGC_API const char *mgc_type_name(const mgc_type *t);
/* Size an allocation of this type would have (length ignored for FIXED). */
MGC_API size_t mgc_type_instance_size(const mgc_type *t, size_t length);

/* ---- roots --------------------------------------------------------- */
/* Register thread tid's local slots: the collector scans slots[0..n) as
   roots and updates them when objects move.  Re-register to change. */
MGC_API mgc_status mgc_thread_set_locals(mgc_heap *heap, unsigned tid, mgc_ref *slots, size_t n);
MGC_API mgc_status mgc_static_set(mgc_heap *heap, unsigned idx, mgc_ref value);
MGC_API mgc_ref mgc_static_get(mgc_heap *heap, unsigned idx);

/* ---- allocation ---------------------------------------------------- */
/* Allocate on thread tid.  length is the element count for arrays.  On
   success *out receives the zeroed object; *out may be a registered root
   slot (it is written after any collection the allocation triggers).  On
   MGC_E_OOM *out is set to NULL. */
MGC_API mgc_status mgc_alloc(mgc_heap *heap, unsigned tid, const mgc_type *type,
                     size_t length, mgc_ref *out);

/* ---- object access ------------------------------------------------- */
/* Reference slot i (fixed types: i < nrefs; ref arrays: i < length).
   mgc_store runs the write barrier. */
MGC_API void mgc_store(mgc_heap *heap, mgc_ref obj, size_t i, mgc_ref value);
MGC_API mgc_ref mgc_load(mgc_heap *heap, mgc_ref obj, size_t i);
MGC_API size_t mgc_ref_count(mgc_ref obj);                /* reference slots */
MGC_API const mgc_type *mgc_type_of(mgc_ref obj);
MGC_API size_t mgc_object_size(mgc_ref obj);              /* total bytes incl. header */
MGC_API size_t mgc_array_length(mgc_ref obj);             /* 0 for fixed types */
/* Non-reference payload bytes (after the reference slots); may be 0 long. */
MGC_API uint8_t *mgc_payload(mgc_ref obj, size_t *len);

/* ---- handles ------------------------------------------------------- */
typedef enum mgc_handle_kind {
    MGC_HANDLE_STRONG = 0,
    MGC_HANDLE_PINNED = 1,
    MGC_HANDLE_WEAK = 2,       /* short weak: cleared before finalization scan */
    MGC_HANDLE_WEAK_LONG = 3   /* long weak: tracks resurrection */
} mgc_handle_kind;

MGC_API mgc_status mgc_handle_alloc(mgc_heap *heap, mgc_handle_kind kind, mgc_ref target,
                            mgc_handle *out);
MGC_API mgc_status mgc_handle_get(mgc_heap *heap, mgc_handle h, mgc_ref *out);
MGC_API mgc_status mgc_handle_set(mgc_heap *heap, mgc_handle h, mgc_ref target);
MGC_API mgc_status mgc_handle_free(mgc_heap *heap, mgc_handle h);

/* ---- finalization -------------------------------------------------- */
MGC_API mgc_status mgc_suppress_finalize(mgc_heap *heap, mgc_ref obj);
MGC_API mgc_status mgc_reregister_for_finalize(mgc_heap *heap, mgc_ref obj);
/* Synchronous drain of the f-reachable queue on the calling thread, thread
   tid's allocation context used for allocations the finalizers make;
   normal entries first, then critical, in queue order (docs/semantics.md). */
MGC_API mgc_status mgc_run_finalizers(mgc_heap *heap, unsigned tid);
/* Finalizer-thread mode: a pthread drains the queue after collections
   that found finalizable objects. */
MGC_API mgc_status mgc_finalizer_thread_start(mgc_heap *heap);
MGC_API mgc_status mgc_finalizer_thread_stop(mgc_heap *heap);
MGC_API mgc_status mgc_wait_for_pending_finalizers(mgc_heap *heap);

/* ---- collection ---------------------------------------------------- */
#define MGC_COLLECT_COMPACT_LOH 0x1u   /* gen2 only: compact the LOH once */

typedef enum mgc_gc_reason {
    MGC_REASON_INDUCED = 0,
    MGC_REASON_ALLOC_SMALL = 1,
    MGC_REASON_ALLOC_LARGE = 2,
    MGC_REASON_OOM = 3
} mgc_gc_reason;

MGC_API mgc_status mgc_collect(mgc_heap *heap, int gen, unsigned flags);
MGC_API uint64_t mgc_collection_count(mgc_heap *heap, int gen);

/* Events the harness follows. */
typedef enum mgc_event_kind {
    MGC_EV_GC_START = 0,      /* gen, reason */
    MGC_EV_GC_END = 1,        /* gen, reason, pinned */
    MGC_EV_FINALIZER_CALL = 2 /* obj (before the call; its slot is *obj_slot) */
} mgc_event_kind;

typedef struct mgc_event {
    mgc_event_kind kind;
    int gen;
    mgc_gc_reason reason;
    uint64_t index;           /* GC number (1-based) for GC events */
    size_t pinned;            /* GC_END: pinned objects seen */
    bool promotion;           /* GC_END: survivors were promoted (false: the
                                 collection declined promotion, clr profile with
                                 a dynamic gen0 budget, .clr.no-promotion) */
    uint64_t promoted_gen0;   /* GC_END: the promoted-memory counters of this */
    uint64_t promoted_gen1;   /*   GC (mgc_stats.promoted_gen0/1) */
    mgc_ref obj;              /* FINALIZER_CALL: the object */
} mgc_event;

typedef void (*mgc_event_fn)(mgc_heap *heap, const mgc_event *ev, void *ctx);
MGC_API void mgc_set_event_callback(mgc_heap *heap, mgc_event_fn fn, void *ctx);

/* ---- introspection ------------------------------------------------- */
typedef struct mgc_object_info {
    mgc_ref obj;
    const mgc_type *type;
    size_t size;              /* total bytes incl. header */
    int gen;                  /* 0, 1, 2 (large objects: 2) */
    bool large;               /* in the large object heap */
    bool free;                /* a free object (only with MGC_WALK_FREE) */
    /* .walk.order: what the accessors return for obj, filled by the walk so
       a visitor needs no call per object (added after the fields above;
       a visitor that does not read them is unaffected) */
    size_t length;            /* mgc_array_length(obj) */
    size_t nrefs;             /* mgc_ref_count(obj) */
    mgc_ref *slots;           /* mgc_load(heap, obj, i) is slots[i], i < nrefs */
    uint8_t *payload;         /* mgc_payload(obj, &payload_len) */
    size_t payload_len;
} mgc_object_info;

#define MGC_WALK_FREE 0x1u     /* also report free objects */
typedef bool (*mgc_walk_fn)(const mgc_object_info *info, void *ctx); /* false stops */
MGC_API void mgc_walk(mgc_heap *heap, unsigned flags, mgc_walk_fn fn, void *ctx);
MGC_API int mgc_generation(mgc_heap *heap, mgc_ref obj);     /* GC.GetGeneration */
MGC_API bool mgc_is_large(mgc_heap *heap, mgc_ref obj);
/* Where p lies in the heap: the creation number of its segment (1 for the
   heap's first segment; counted again from 1 after mgc_heap_reset) and its
   offset from that segment's base.  Addresses differ between heaps; these
   do not when two heaps make the same allocations and collections.  false
   when p lies in no segment. */
typedef struct mgc_location {
    uint64_t segment;
    size_t offset;
    bool large;               /* a large-object segment */
} mgc_location;
MGC_API bool mgc_locate(mgc_heap *heap, const void *p, mgc_location *out);
/* Is p the start of a live object (walkable) on this heap? */
MGC_API bool mgc_is_object(mgc_heap *heap, const void *p);
/* Full heap verification; on failure writes a message into err. */
MGC_API mgc_status mgc_verify(mgc_heap *heap, char *err, size_t errlen);

/* ---- counters (the .NET CLR Memory performance counters) ----------- */
typedef struct mgc_stats {
    uint64_t collections[3];          /* # Gen N Collections */
    uint64_t induced;                 /* # Induced GC */
    uint64_t promoted_gen0;           /* Promoted Memory from Gen 0 (last GC) */
    uint64_t promoted_gen1;           /* Promoted Memory from Gen 1 (last GC) */
    uint64_t promoted_finalization;   /* Promoted Finalization-Memory from Gen 0 */
    uint64_t finalization_survivors;  /* Finalization Survivors (last GC) */
    uint64_t pinned_last_gc;          /* # of Pinned Objects (last GC) */
    uint64_t gen_size[3];             /* Gen 0/1/2 heap size (bytes in objects) */
    uint64_t loh_size;                /* Large Object Heap size */
    uint64_t gc_committed, gc_reserved;         /* # Total committed/reserved Bytes */
    uint64_t loader_committed, loader_reserved; /* loader heaps */
    uint64_t handles;                 /* # GC Handles */
    uint64_t allocated_bytes;         /* Allocated Bytes (total, since start) */
    uint64_t finalizers_run;          /* finalizer calls made */
    uint64_t sinks_blocks;            /* reserved: always 0 */
    /* budgets (.budget.dynamic): index 0-2 gen0..gen2, 3 the LOH */
    uint64_t budget[4];               /* the budget in force (fixed or dynamic) */
    uint32_t budget_dynamic;          /* bit i set: budget i adapts */
    uint32_t survival_permille[4];    /* survival rate of the last collection of
                                         that generation, per mille */
    uint64_t mark_overflows;          /* mark-stack overflow ranges rescanned
                                         (.mark.overflow), since start */
    uint64_t card_log_scans;          /* gen0 collections that found their roots
                                         in older generations through the
                                         dirty-card log (.cards.log), since start */
} mgc_stats;

MGC_API void mgc_get_stats(mgc_heap *heap, mgc_stats *out);

/* ---- SOS-style diagnostics ----------------------------------------- */
typedef enum mgc_view {
    MGC_VIEW_EEHEAP = 0,          /* !eeheap -gc */
    MGC_VIEW_DUMPHEAP_STAT = 1,   /* !dumpheap -stat */
    MGC_VIEW_GCROOT = 2,          /* !gcroot <obj> */
    MGC_VIEW_FINALIZEQUEUE = 3,   /* !finalizequeue */
    MGC_VIEW_MEMMAP = 4           /* reserved/committed per heap */
} mgc_view;

/* Print a view to out; obj is the target for MGC_VIEW_GCROOT. */
MGC_API mgc_status mgc_dump(mgc_heap *heap, mgc_view view, mgc_ref obj, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* MGC_H */
