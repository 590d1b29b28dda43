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

/* ---- finalization queues (finalize.c) ----
   .fin.partitions: registered entries live in one list per generation;
   after each collection an entry follows its object's generation.
   .fin.freachable: the f-reachable queue is two FIFO lists (normal,
   critical).  .fin.reserve: every list keeps room for every entry that
   exists, so the scan and the re-partitioning inside a collection never
   allocate. */
#define MGC_SIG_FINQ 0x4d474651u       /* MGFQ */

typedef struct mgc_finlist {
    void **objs;                      /* entries [head, len) */
    size_t head, len, cap;
} mgc_finlist;

struct mgc_finq {
    uint32_t sig;
    mgc_finlist part[3];              /* registered entries, by generation */
    mgc_finlist normal, critical;     /* f-reachable queue */
    void **scratch;                   /* re-partitioning (.fin.reserve) */
    size_t scratch_cap;
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

#endif /* MGC_TYPES_H */
