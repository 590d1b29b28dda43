/* types.h -- every internal struct of the runtime, in one place.
 * Sections are owned as described in internal.h (CORE / FIN). */
#ifndef MGC_TYPES_H
#define MGC_TYPES_H

#include "mgc.h"
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Assertion levels: MGC_ASSERT_LEVEL 1 (default build), 3 (debug build:
   every collection verifies the heap).  Set by CMake. */
#ifndef MGC_ASSERT_LEVEL
#define MGC_ASSERT_LEVEL 1
#endif

/* Object header: the finalizer-run bit (CoreCLR BIT_SBLK_FINALIZER_RUN). */
#define MGC_HDR_FINALIZER_RUN ((uint64_t)1 << 30)
/* .demote.bits: a small object whose generation is younger than the range
   it lies in (a pinned survivor keeps its generation, .plan.demote) has
   DEMOTED set and its generation in DEMOTED_GEN1 (0: gen0, set: gen1).
   Every such object is in heap->demoted.  Only objects that never hold a
   forwarding address carry the bits (outside a collection, or below the
   condemned range during one). */
#define MGC_HDR_DEMOTED      ((uint64_t)1 << 29)
#define MGC_HDR_DEMOTED_GEN1 ((uint64_t)1 << 28)
#define MGC_HDR_DEMOTE_BITS  (MGC_HDR_DEMOTED | MGC_HDR_DEMOTED_GEN1)

/* ======================= FIN structs ================================== */
/* (handle table, finalization queues, finalizer thread: owned by FIN) */
#include <pthread.h>

/* ---- handle table (handles.c) ----
   .hnd.encoding: a handle is (salt << MGC_HND_INDEX_BITS) | (index + 1).
   The salt of a slot advances every time the slot is freed, so a freed,
   double-freed or never-issued handle never matches a live slot (until the
   12-bit salt of that one slot wraps after 4096 reuses). */
#define MGC_SIG_HANDLES   0x4d474848u  /* MGHH */
#define MGC_HND_INDEX_BITS 20u
#define MGC_HND_SALT_BITS  12u
#define MGC_HND_MAX_SLOTS  ((1u << MGC_HND_INDEX_BITS) - 1u)
#define MGC_HND_NONE       0xffffffffu /* end of the free list */

typedef struct mgc_handle_slot {
    void *target;                     /* the object, or NULL */
    uint32_t next_free;               /* free list link (index), when free */
    uint16_t salt;                    /* advances on every free */
    uint8_t kind;                     /* mgc_handle_kind, when live */
    uint8_t live;                     /* 1 between alloc and free */
} mgc_handle_slot;

struct mgc_handles {
    uint32_t sig;
    mgc_handle_slot *slots;           /* [0, used) ever issued; calloc'd */
    uint32_t used, cap;
    uint32_t live;                    /* # GC Handles */
    uint32_t free_head, free_tail;    /* FIFO free list (.hnd.fifo) */
    uint32_t nfree;
    void *statics[MGC_STATIC_SLOTS];  /* .hnd.statics: strong roots */
};

/* ---- finalization queues (finalize.c, docs/runtime-finalization.md) ----
   Entries move between segments only by the documented swaps
   (.fin.move), which decide the finalizer order.  .fin.reserve: a slot is
   reserved when an entry is created, so nothing inside a collection
   allocates. */
#define MGC_SIG_FINQ 0x4d474651u       /* MGFQ */

/* .fin.segments: one array of entries cut into consecutive segments by fill
   pointers, in this order: the registered entries of gen2, gen1 and gen0,
   then the f-reachable critical and normal entries, then free slots.
   Segment k is [MGC_FSEG_LO(q, k), q->fill[k]). */
enum { MGC_FSEG_GEN2 = 0, MGC_FSEG_GEN1 = 1, MGC_FSEG_GEN0 = 2, MGC_FSEG_CRITICAL = 3,
       MGC_FSEG_NORMAL = 4, MGC_FSEG_COUNT = 5, MGC_FSEG_FREE = 5 };
#define MGC_FSEG_OF_GEN(g) (MGC_FSEG_GEN0 - (g))
#define MGC_FSEG_LO(q, k)  ((k) == 0 ? (size_t)0 : (q)->fill[(k) - 1])

struct mgc_finq {
    uint32_t sig;
    void **slots;                     /* cap entries; [0, fill[NORMAL]) in use */
    size_t fill[MGC_FSEG_COUNT];      /* end of each segment */
    size_t cap;
    /* the synchronous drain (.fin.drain) */
    bool draining;                    /* a drain is running finalizers */
    unsigned drain_tid;               /* allocation context of the drain */
    void *running;                    /* root slot: the object being finalized */
    uint64_t finalizers_run;
    /* the finalizer thread (finthread.c, .fthr.locking) */
    pthread_mutex_t mu;               /* guards the fields below only */
    pthread_cond_t work_cv, done_cv;
    pthread_t thread;
    bool thread_running, stop, exited;
    uint64_t requested, served;       /* drain tickets */
};


/* ======================= CORE structs ================================= */
/* (segments, generations, allocation contexts, card table, struct mgc_heap:
   owned by CORE; struct mgc_heap embeds the FIN structs above) */
#include <pthread.h>
#include <stdatomic.h>

/* Contract assertions (.aver): level 1 checks cheap preconditions of public
   calls, level 2 adds internal consistency checks, level 3 also verifies the
   whole heap after every collection. */
void mgc_aver_fail(const char *cond, const char *file, int line);
#define MGC_AVER(c) ((MGC_ASSERT_LEVEL >= 1 && !(c)) ? mgc_aver_fail(#c, __FILE__, __LINE__) : (void)0)
#define MGC_AVER2(c) ((MGC_ASSERT_LEVEL >= 2 && !(c)) ? mgc_aver_fail(#c, __FILE__, __LINE__) : (void)0)

/* Signatures: every struct begins with one; *_check() tests it. */
#define MGC_SIG_HEAP    0x4d474348u  /* MGCH */
#define MGC_SIG_SEGMENT 0x4d474353u  /* MGCS */
#define MGC_SIG_TYPE    0x4d474354u  /* MGCT */
#define MGC_SIG_LOADER  0x4d47434cu  /* MGCL */
#define MGC_SIG_CTX     0x4d474341u  /* MGCA */

#define MGC_ALIGN 8u
#define MGC_MIN_OBJ 24u             /* .obj.min: header + type + one word */
#define MGC_ARRAY_BASE 24u          /* header + type + length */
/* Largest object (the crossing map keeps offsets in 8-byte units in 32 bits). */
#define MGC_MAX_OBJECT ((size_t)1 << 34)
static inline size_t mgc_align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

/* Header bits the collector uses during a collection (.hdr.gc-bits).  Outside
   a collection bits 0-2 are zero.  While a collection plans a move the header
   holds the forwarding address (8-aligned) | MOVED | MARK, and the saved
   finalizer-run bit in bit 1 (a moved object is never pinned). */
#define MGC_HDR_MARK   ((uint64_t)1)
#define MGC_HDR_PINNED ((uint64_t)2)
#define MGC_HDR_FINSAVE ((uint64_t)2)
#define MGC_HDR_MOVED  ((uint64_t)4)
#define MGC_HDR_GCBITS ((uint64_t)7)

/* ---- OS layer (os.c): per heap, fault injection counters ---- */
typedef struct mgc_os {
    size_t page;
    unsigned reserve_calls, commit_calls;
    unsigned fail_reserve_at, fail_commit_at;   /* call number that fails, 0 = none */
} mgc_os;

/* ---- loader heaps (loader_heap.c) ---- */
typedef struct mgc_loader_block {
    struct mgc_loader_block *next;
    uint8_t *base, *committed_end, *used, *reserved_end;
    uint8_t *rw_end;                  /* read/write in the OS (.heap.keep) */
} mgc_loader_block;

typedef struct mgc_loader_heap {
    uint32_t sig;
    const char *name;
    mgc_loader_block *blocks;         /* newest first */
    size_t reserved, committed;
    mgc_loader_block *pool;           /* reservations kept by a reset (.heap.reset) */
} mgc_loader_heap;

/* ---- type descriptors (types.c) ---- */
/* Cold part (low-frequency loader heap), as CoreCLR's EEClass. */
typedef struct mgc_type_class {
    char *name;
    mgc_finalizer_fn finalizer;
    void *finalizer_ctx;
    bool critical;
} mgc_type_class;

/* Hot part (high-frequency loader heap), as CoreCLR's MethodTable. */
struct mgc_type {
    uint32_t sig;
    uint32_t id;                      /* registration order, 0 = free type */
    mgc_type_kind kind;
    size_t size;                      /* FIXED: declared total size (unaligned) */
    size_t elem;                      /* arrays: element size 1 or 8 */
    unsigned nrefs;                   /* FIXED: reference slots */
    bool has_finalizer;
    bool is_free;                     /* the free-object type (.obj.free) */
    size_t fast_size;                 /* .alloc.fast-entry: the aligned size of a
                                         FIXED type without finalizer (not the
                                         free type); 0 for every other type */
    const mgc_type_class *cls;
};

/* ---- segments (segment.c) ---- */
typedef enum mgc_seg_kind { MGC_SEG_SOH = 0, MGC_SEG_LOH = 1 } mgc_seg_kind;

typedef struct mgc_loh_free {         /* LOH free block [start, start+size) */
    uint8_t *start;
    size_t size;
} mgc_loh_free;

/* A segment.  Blocks (object or free object) are laid out from base to used;
   a block starts with the header word, the object reference is block+8.
   Small-object segments carry their own generation boundaries
   (.seg.gens): [base, gen1_start) gen2, [gen1_start, gen0_start) gen1,
   [gen0_start, used) gen0.  Allocation windows are carved at used. */
typedef struct mgc_segment {
    uint32_t sig;
    mgc_seg_kind kind;
    uint64_t seq;                     /* creation order: the walk order */
    struct mgc_segment *next;         /* list order (SOH list or LOH list) */
    uint8_t *base, *used, *committed_end, *reserved_end;
    uint8_t *rw_end;                  /* [base, rw_end) is read/write in the OS: the
                                         committed part and what a reset kept
                                         (.heap.keep); committed_end <= rw_end */
    uint8_t *map_end;                 /* end of the OS reservation (>= reserved_end
                                         when a reset heap took a larger kept one) */
    uint8_t *gen1_start, *gen0_start; /* SOH only */
    uint8_t *cards;                   /* one byte per card (.cards.gens) */
    uint8_t *bundles;                 /* one byte per 64 cards (.cards.bundles) */
    uint64_t *markbits;               /* one bit per 8 bytes, set by the mark and
                                         cleared by the plan (.mark.bitmap) */
    uint32_t *crossing;               /* per card: block covering its first byte,
                                         in 8-byte units from base (.cards.crossing) */
    size_t ncards;
    bool any_card;
    /* during a collection */
    uint8_t *cond_start;              /* start of the condemned range */
    uint8_t *gc_used;                 /* used when the collection started */
    uint8_t *plan_gen1;               /* planned gen1 start after promotion */
    uint8_t *plan_gen0;               /* planned gen0 start (plan_end when promoting) */
    uint8_t *plan_end;                /* planned end of the survivors */
    /* LOH only: free list sorted by address, coalesced (.loh.free-sorted) */
    mgc_loh_free *free;
    size_t nfree, capfree;
} mgc_segment;

/* ---- allocation contexts (alloc.c) ---- */
typedef struct mgc_alloc_ctx {
    uint32_t sig;
    uint8_t *ptr;                     /* next block start */
    uint8_t *limit;                   /* last byte a block may end at */
    uint8_t *start;                   /* window start (budget accounting) */
    uint8_t *end;                     /* window end (>= limit + MGC_MIN_OBJ) */
    mgc_segment *seg;
    uint64_t allocated;               /* bytes this context handed out (counter
                                         allocated_bytes; per context, so
                                         concurrent mutators never share it) */
} mgc_alloc_ctx;

/* ---- attached OS threads (threads.c, docs/threads.md) ---- */
#define MGC_THREAD_DETACHED    0
#define MGC_THREAD_COOPERATIVE 1
#define MGC_THREAD_PREEMPTIVE  2
#define MGC_PROTECT_MAX 4             /* raw references one call protects */

typedef struct mgc_thread_rec {
    _Atomic int mode;                 /* MGC_THREAD_* */
    /* .thr.protect: raw references of a call that waits for the heap lock
       (roots while it waits, updated when their objects move) */
    void **protect[MGC_PROTECT_MAX];
    unsigned nprotect;
} mgc_thread_rec;

typedef struct mgc_threads {
    pthread_mutex_t mu;               /* guards the waits below */
    pthread_cond_t cv;                /* a thread parked, or the world resumed */
    _Atomic int suspend;              /* a suspension is requested (.thr.handshake) */
    _Atomic unsigned attached;        /* attached threads */
    unsigned depth;                   /* suspension nesting of the heap-lock holder */
    uint64_t suspensions;             /* world stops that waited for a thread */
    mgc_thread_rec rec[MGC_MAX_THREADS];
} mgc_threads;

typedef struct mgc_thread_roots {
    mgc_ref *slots;
    size_t n;
} mgc_thread_roots;

/* ---- mark stack (mark.c) ---- */
typedef struct mgc_mark_stack {
    void **items;
    size_t n, cap;
} mgc_mark_stack;

struct mgc_handles;
struct mgc_finq;

struct mgc_heap {
    uint32_t sig;
    mgc_config cfg;
    mgc_os os;
    pthread_mutex_t lock;             /* recursive: slow path and collections */
    mgc_loader_heap hf, lf;           /* high- and low-frequency loader heaps */
    const mgc_type *free_type;
    uint32_t ntypes;
    /* segments */
    mgc_segment *soh, *loh;           /* lists in creation order */
    mgc_segment *spare;               /* empty segments kept for reuse */
    mgc_segment *pool;                /* reservations kept by a reset, in creation
                                         order (.heap.reset); not part of the heap */
    bool keep;                        /* reset at least once: segments a collection
                                         releases join the pool (.heap.keep) */
    size_t pool_bytes;                /* mapped bytes of the pool */
#define MGC_SEG_CACHE 512
    _Atomic(mgc_segment *) seg_cache[MGC_SEG_CACHE]; /* segment lookups, direct-mapped
                                         by address >> seg_cache_shift */
    unsigned seg_cache_shift;         /* .policy.seg-cache */
    size_t huge_page;                 /* .policy.huge: 0 or the huge page size */
    mgc_segment **index;              /* every live segment, sorted by base */
    size_t nindex, capindex;
    uint8_t *verify_bits;             /* .verify.scratch: mgc_verify's object-start */
    size_t verify_bits_cap;           /*   bitmaps, kept across calls */
    uint8_t **verify_starts;
    size_t verify_starts_cap;
    uint8_t *verify_done;             /* .verify.refs: per index entry, walked */
    uintptr_t *verify_defer;          /* .verify.refs: forward references, */
    size_t verify_defer_cap;          /*   kept across calls */
    uint64_t seg_seq;
    size_t card_size;                 /* 1 << card_shift (.policy.card) */
    unsigned card_shift;
    size_t committed, reserved;       /* GC heap (segments) */
    /* allocation */
    mgc_alloc_ctx ctx[MGC_MAX_THREADS];
    mgc_thread_roots roots[MGC_MAX_THREADS];
    uint64_t gen0_alloc;              /* objects in retired windows / direct */
    uint64_t gen0_reserved;           /* sum of (limit - start) of live windows */
    uint64_t loh_alloc;
    uint64_t promoted1, promoted2;    /* .dec.promo-acc */
    /* budgets (policy.c, .budget.dynamic): index 0-2 gen0..gen2, 3 the LOH */
#define MGC_NBUDGETS 4
#define MGC_BUDGET_LOH 3
    size_t budget[MGC_NBUDGETS];      /* in force: the configured value, or the
                                         adapted one when dynamic */
    bool budget_dynamic[MGC_NBUDGETS];
    size_t gen0_min_budget;           /* from the cache size (.budget.gen0-initial) */
    uint32_t survival_pm[MGC_NBUDGETS]; /* last survival rate, per mille */
    uint32_t gen0_peak_pm;            /* recent peak of gen0's (.budget.pause) */
    /* bytes in objects per generation (.stats.sizes): exact, kept by
       allocation and collections, so the counters never walk the heap.
       gen_bytes[0] excludes what gen0 allocated since the last GC. */
    uint64_t gen_bytes[3], loh_bytes;
    /* collection state */
    bool in_gc;
    int condemned;
    bool compact_loh;
    mgc_gc_reason reason;
    mgc_mark_stack mark;
    size_t pinned, pinned_last;
    uint64_t gc_index;
    uint64_t collections[3], induced;
    uint64_t promoted_gen0, promoted_gen1, promoted_fin, fin_survivors;
    uint64_t surv[MGC_NBUDGETS];      /* survivor bytes by origin: gen0..2, LOH (plan) */
    uint64_t gen_begin[MGC_NBUDGETS]; /* generation sizes when the GC started */
    uint64_t walked[3], walked_loh;   /* survivor bytes by generation after the GC
                                         (condemned ranges, cards.c walk) */
    bool promotion;                   /* this GC promotes (.clr.no-promotion) */
    uint64_t cards_kept;              /* gen0 cards made gen1 cards since the last
                                         gen1 collection (.cards.keep, .budget.cards) */
    mgc_mark_stack card_rec;          /* those slots (.mark.card-slots) */
    mgc_mark_stack card_runs;         /* the card runs the mark scanned:
                                         (segment, first, last) triples */
    bool card_rec_lost;               /* card_rec or card_runs ran out of memory */
    /* .cards.log: the slots whose store set a card's gen0 bit that was
       clear, since the last collection (the barrier appends; a gen0
       collection takes its card roots from them instead of scanning every
       segment's bundles).  card_log_n may pass MGC_CARD_LOG (entries
       beyond it are lost); card_log_partial: a collection left gen0 bits
       set that the log does not hold.  Either way the next gen0 collection
       scans the bundles. */
    /* .gc.cond-segs: the SOH segments whose condemned range is not empty
       (listed by the mark, in list order; cond_lost: the list could not
       grow and the phases walk every segment) */
    mgc_mark_stack cond;
    bool cond_lost;
    /* .gc.bounds: during a collection every block a condemned object can
       start at lies in [cond_lo, cond_hi) (CoreCLR's gc_low / gc_high): the
       mark rejects a reference outside it without reading its segment */
    uint8_t *cond_lo, *cond_hi;
#define MGC_CARD_LOG 2048
    void *card_log[MGC_CARD_LOG];
    _Atomic size_t card_log_n;
    bool card_log_partial;
    uint64_t card_log_scans;          /* gen0 collections that used the log */
    uint64_t marked_bytes;            /* bytes newly marked (promoted_fin) */
    /* .mark.overflow: the mark stack holds at most mark_max entries; an
       object that finds it full is marked unscanned and widens
       [ovf_lo, ovf_hi] (block addresses; empty when ovf_lo > ovf_hi) */
    size_t mark_max;
    uint8_t *ovf_lo, *ovf_hi;
    uint64_t mark_overflows;          /* overflow ranges processed (counter) */
    /* .plan.demote: demoted objects (pinned survivors younger than their
       range); during a collection `next` collects the candidates */
    struct mgc_demoted { void **objs; int8_t *gen; size_t n, cap; } demoted, demoted_next;
    uint64_t pinned_surv[2];          /* survivor bytes of gen0/1 that kept their gen */
    uint64_t demote_walked[3];        /* survivors below the condemned range, by new gen */
    mgc_event_fn event_fn;
    void *event_ctx;
#ifdef MGC_PHASE_TIMES
    /* .gc.phase-times (the mgc_phases build only): thread CPU time of each
       step of mgc_gc_run, summed by condemned generation */
#define MGC_NPHASES 9
    uint64_t phase_ns[3][MGC_NPHASES];
    uint64_t phase_gcs[3];
#endif
    /* attached OS threads and suspension (threads.c, docs/threads.md) */
    mgc_threads threads;
    /* FIN state */
    struct mgc_handles *handles;
    struct mgc_finq *finq;
};

#endif /* MGC_TYPES_H */
