/* exec_internal.h -- executor state shared by exec.c, compare.c, report.c. */
#ifndef HX_EXEC_INTERNAL_H
#define HX_EXEC_INTERNAL_H

#include "exec.h"
#include "oracle.h"

#define HX_EXEC_SIG 0x48584543u   /* 'HXEC' */
#define HX_TOUCH_MAX 8            /* objects one statement can touch (3 at most today) */
#define HX_TOUCH_SLOTS 2          /* slot indices noted per touched object (a
                                     statement names one slot today); more
                                     make the object's check whole */
/* .exec.wide: an object with more reference slots than this is wide: the
   per-statement check compares its header facts, its payload stamp and
   only the slots the statement named, unless the statement created it
   (docs/semantics.md .exec.schedule).  64: a narrow object's slots are at
   most one block of the slot scan (HX_SLOT_BLOCK), as cheap as its header. */
#define HX_WIDE_SLOTS 64u

/* Step context: which events are legal now (.exec.events). */
typedef enum hx_ctx {
    HX_CTX_NONE = 0,   /* no collection may happen */
    HX_CTX_ALLOC,      /* an allocation step is open in the oracle */
    HX_CTX_COLLECT,    /* an induced collection (collect or --stress) */
    HX_CTX_FINALIZE,   /* a finalize drain is open */
    HX_CTX_FINTHREAD   /* mgc-fin: the finalizer thread runs what the statement
                          queued (.exec.fin-settle) */
} hx_ctx;

/* One object of the target's heap walk (compare.c): 64 bytes, as every
   comparison writes and reads one per object of the heap.  Its payload
   stamp is read from the payload when needed (hx_tobj_stamp). */
typedef struct hx_tobj {
    hx_addr addr;
    uint64_t size;
    uint8_t *payload;
    size_t payload_len;
    size_t slot_off;        /* into hx_heapview.slots */
    uint32_t type;
    uint32_t nslots;
    orc_id id;              /* matched model object (0: not matched) */
    uint32_t fin_entries, fr_entries;
    int8_t gen;
    bool large;
} hx_tobj;

/* A run of the heap view (.exec.addr-index): objects the walk reported
   one after another at increasing addresses, no more than HX_RUN_GAP
   apart, with a directory of its address range by granules. */
typedef struct hx_hvrun {
    hx_addr lo, hi;         /* its first and last object's address */
    size_t end;             /* one past its last object in objs */
    size_t dir_off, ndir;   /* its granules' entries: dir[dir_off..+ndir) */
} hx_hvrun;

/* A snapshot of the target's heap, indexed by address, and the match of
   the last comparison.  Its buffers are kept from one comparison to the
   next (.exec.addr-index). */
typedef struct hx_heapview {
    hx_tobj *objs;
    size_t n, cap;
    hx_addr *slots;
    size_t nslots, slots_cap;
    hx_hvrun *runs;         /* sorted by address after the walk */
    size_t nruns, runs_cap;
    uint32_t *dir;          /* per granule of a run: the objs index of the
                               first object at or after its start */
    size_t ndir, dir_cap;
    bool runs_ok;           /* the runs index the view (else the hash ix) */
    uint32_t *ix;           /* address index: objs index + 1, 0 empty */
    size_t ix_cap;          /* a power of two, at least 4 n */
    uint32_t *midx;         /* model id -> objs index + 1 (0: not matched) */
    size_t midx_cap;        /* entries of midx (ids below it) */
    orc_id *queue;          /* the ids matched, in match order */
    size_t qn, queue_cap;
    bool recheck;           /* the objects' checks must run in id order */
    uint64_t fin_registered, fin_freachable;
    hx_addr *fr;            /* f-reachable entries in target order */
    bool *fr_crit;
    size_t nfr, fr_cap;
    bool oom;               /* out of memory while building */
} hx_heapview;

/* One object a statement touched (.exec.schedule, .exec.wide): its model
   id, whether the check compares all its slots whatever its width (the
   statement created it, or named more slots than are noted), and the slot
   indices the statement named. */
typedef struct hx_touched {
    orc_id id;
    bool whole;
    uint8_t nslots;
    uint64_t slots[HX_TOUCH_SLOTS];
} hx_touched;

typedef struct hx_exec {
    uint32_t sig;
    const hx_program *p;
    const char *file;
    const hx_exec_options *o;
    const hx_target_ops *ops;
    hx_target *t;
    hx_target_config tc;    /* the configuration t was created or reset with */
    orc_model *m;
    FILE *trace;
    /* handles: program index -> target handle */
    uint32_t *thandle;
    bool *thandle_live;
    unsigned tid;
    /* step */
    size_t step;
    const hx_stmt *st;
    hx_ctx ctx;
    size_t gcs_in_step;
    bool gc_in_step;
    bool compact_in_step;
    int induced_gen;        /* CTX_COLLECT: the generation asked for */
    /* finalize drain */
    bool call_open;
    bool async_open;        /* .clr.fin-async calls during `collect` */
    bool clr;               /* the run's profile is clr */
    bool finthread;         /* mgc-fin: the runtime's finalizer thread runs them */
    bool call_alloc_open;
    orc_id call_obj;
    /* events */
    hx_event last_gc;
    bool have_last_gc;
    uint64_t gc_index;
    bool payload_window;    /* a collection's check read part of a middle (.exec.stamp-gc) */
    bool final_check;       /* the program's last comparison: whole middles */
    size_t last_pinned;
    bool last_oom;
    bool map_stale;
    /* per model id (grown on demand) */
    uint8_t *stamped;       /* 1: the harness wrote the payload stamp */
    uint32_t *tcalls;       /* finalizer calls the target reported */
    hx_addr *pinaddr;       /* address at the end of the last step (pinned/large) */
    hx_addr *taddr;         /* the target address of each live model object, from
                               the last complete comparison or its allocation
                               (objects move only in collections, which are
                               followed by a complete comparison); 0 unknown */
    size_t ids_cap;
    /* the per-statement check (.exec.schedule) */
    hx_touched touched[HX_TOUCH_MAX];   /* model objects the statement touched */
    unsigned ntouched;
    bool drain_ran;         /* this `finalize` had something to finalize */
    size_t step_checks;     /* per-statement checks since the last complete one */
    /* the last comparison's identity map (model id -> target address) */
    hx_heapview hv;
    /* the outcome */
    hx_exec_outcome *out;
    bool failed;
    bool stop;
} hx_exec;

bool hx_exec_check(const hx_exec *x);
/* Record the first failure (later ones are ignored).  fmt: the message. */
void hx_exec_fail(hx_exec *x, const char *check, const char *detail, orc_id obj,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool hx_exec_ids_grow(hx_exec *x, orc_id id);
/* Room in the per-id arrays for id (the match asks once per object: the
   common case inline). */
static inline bool hx_exec_ids_reserve(hx_exec *x, orc_id id)
{
    return id < x->ids_cap || hx_exec_ids_grow(x, id);
}

/* ---- compare.c ---- */
/* Payload stamps (.exec.stamp): identity and checksum in the non-reference
   bytes: head = id | mix(id) << 32 (first <= 8 bytes), tail = complement
   (last <= 8 bytes after the head), zeros between. */
void hx_stamp_write(uint8_t *p, size_t len, uint32_t id);
/* Check the stamp of object id; full also checks the whole zero middle. */
bool hx_stamp_check(const uint8_t *p, size_t len, uint32_t id, bool full);
/* The check after a collection: the stamp, and the zero middle whole when
   the object moved or the middle is at most HX_STAMP_MIDDLE_ALL bytes;
   otherwise its first and last HX_STAMP_MIDDLE_EDGE bytes and window
   (round + id) % W of the HX_STAMP_MIDDLE_WINDOW-byte windows between
   them, so that a zeroed byte turned non-zero in an object that stays in
   place is found within W rounds (one per collection).  The cost per
   object left in place is bounded; a moved one costs what copying it
   cost the collector.  At most 384 bytes per object left in place: with
   thousands of 8 KiB objects and a collection every allocation (a fuzzer
   input at the bounds) 3 KiB per object made the reads most of a run's
   time (docs/format.md "Bounds"). */
bool hx_stamp_check_gc(const uint8_t *p, size_t len, uint32_t id, bool moved, uint64_t round);
#define HX_STAMP_MIDDLE_ALL    256u
#define HX_STAMP_MIDDLE_EDGE   64u
#define HX_STAMP_MIDDLE_WINDOW 256u
/* Read an identity from a payload of at least 8 bytes; false if broken. */
bool hx_stamp_read(const uint8_t *p, size_t len, uint32_t *id);

void hx_heapview_free(hx_heapview *hv);
/* Snapshot the target heap into x->hv and match it with the model from
   the roots (identities only, no checks).  Used to resolve addresses
   reported in events after a collection. */
void hx_match(hx_exec *x);
/* Target address -> model id through the last match (0 unknown). */
orc_id hx_lookup_id(hx_exec *x, hx_addr a);
/* The full comparison after a step (C1-C9). */
void hx_compare(hx_exec *x);
/* The per-statement check (.exec.schedule) after a statement that did not
   collect: C8 counts, C9 with verify_each, every root, the objects in
   x->touched (type, size, payload stamp, C3 gen, C4, C6 bit, and every
   slot of a narrow or whole-touched object, the named slots of a wide one:
   .exec.wide) and the C6 queue lengths, in time independent of the heap.  Returns false at
   the first disagreement without recording a failure: the caller then
   runs hx_compare, which names it. */
bool hx_check_step(hx_exec *x);
/* Note that the statement touched model object id (0 is ignored) without
   naming a slot of it: a wide object gets its header facts compared. */
void hx_touch(hx_exec *x, orc_id id);
/* ... and named its reference slot `slot` (a store's target, a load's
   source): compared even in a wide object. */
void hx_touch_slot(hx_exec *x, orc_id id, uint64_t slot);
/* ... and may have written any of its slots (it created the object): every
   slot is compared whatever the width. */
void hx_touch_whole(hx_exec *x, orc_id id);

#endif /* HX_EXEC_INTERNAL_H */
