/* oracle.h -- the reference model of the collector's observable behaviour.
 *
 * The oracle is a slow, plain model written from docs/semantics.md (rule
 * tags such as `.fin.reregister-dup` are defined there).  It holds no
 * addresses: objects are identities (orc_id) with a type, a size, reference
 * slots, a generation, a heap (small or large), a finalizer-run bit and a
 * number of finalization entries.  It shares no code or data structure with
 * runtime/ (.orc.independent).
 *
 * How the harness executor drives it (.orc.lockstep):
 *   - create the model from the program's `heap` line (orc_config), add the
 *     program's types in declaration order (type ids are those indices);
 *   - for every statement call the matching operation below.  Program errors
 *     (a dropped, null or unbound local where an object is needed, a freed
 *     handle, a slot out of range) return an ORC_E_* program-error status
 *     and change nothing (.prog.error);
 *   - allocations are steps with events: orc_alloc_begin() predicts (strict
 *     profile) whether a budget collection fires first; the executor then
 *     presents each collection the target reported with orc_gc(), and ends
 *     the step with orc_alloc_end().  orc_alloc() does all three with the
 *     model's own prediction (tests, and the oracle-only run);
 *   - `finalize` is a drain with events: orc_finalize_begin(), then for each
 *     finalizer call the target reported orc_finalize_call_begin() /
 *     [nested allocation step for alloc:T] / orc_finalize_call_end(), then
 *     orc_finalize_end() checks no call is missing.  orc_finalize() drains
 *     in the model's own order;
 *   - after every step, compare with the queries at the end of this file.
 *
 * Where the rules leave a choice (clr profile, out-of-memory collections,
 * finalizer order) the oracle checks the target's reported choice is legal
 * (ORC_E_ILLEGAL otherwise, with a message from orc_last_error()) and then
 * follows it.
 *
 * This header is an interface others code against: changes are additive.
 */
#ifndef ORC_ORACLE_H
#define ORC_ORACLE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* ---- identities and limits ----------------------------------------- */
typedef uint32_t orc_id;          /* object identity: 1, 2, ... never reused */
#define ORC_NULL          0u      /* no object */
typedef uint32_t orc_type_id;     /* index in declaration order */
#define ORC_NO_TYPE       UINT32_MAX
#define ORC_LOCAL_NONE    UINT32_MAX  /* alloc with no local (alloc:T finalizer) */
#define ORC_STATICS       64      /* static slots s0..s63 */
#define ORC_GENS          3       /* generations 0, 1, 2 */
#define ORC_OBJ_BASE      24u     /* header + type pointer + length (arrays) */
#define ORC_SLOT_BASE     16u     /* fixed types: slots start after type ptr */
#define ORC_MIN_SIZE      24u

/* ---- status codes ---------------------------------------------------- */
typedef enum orc_status {
    ORC_OK = 0,
    /* program errors (.prog.error): the statement is not executed */
    ORC_E_UNBOUND_LOCAL = 1,  /* local never bound */
    ORC_E_DROPPED_LOCAL = 2,  /* local dropped and not rebound */
    ORC_E_NULL_LOCAL = 3,     /* local holds null where an object is needed */
    ORC_E_FREED_HANDLE = 4,   /* handle freed (use or second free) */
    ORC_E_UNBOUND_HANDLE = 5, /* handle index never allocated */
    ORC_E_BAD_SLOT = 6,       /* slot index >= number of reference slots */
    ORC_E_BAD_STATIC = 7,     /* static index >= ORC_STATICS */
    /* checks of the target's reported choices (C6, C8) */
    ORC_E_ILLEGAL = 16,       /* reported collection / finalizer call illegal,
                                 or a predicted event missing */
    /* misuse of this API (a harness bug, never a program's fault) */
    ORC_E_STATE = 32,         /* call out of sequence (e.g. orc_gc outside a step) */
    ORC_E_ARG = 33            /* argument outside the contract (bad type, gen) */
} orc_status;

static inline bool orc_is_program_error(orc_status s) { return s >= 1 && s < 16; }
const char *orc_status_name(orc_status s);        /* "unbound-local", ... */

/* ---- configuration (the `heap` line) ---------------------------------- */
typedef enum orc_profile { ORC_PROFILE_STRICT = 0, ORC_PROFILE_CLR = 1 } orc_profile;

typedef struct orc_config {
    uint64_t gen0_budget;     /* 0 = no limit (.dec.budget-zero) */
    uint64_t gen1_budget;
    uint64_t gen2_budget;
    uint64_t loh_budget;
    uint64_t loh_threshold;   /* >= 85000 (.obj.loh-threshold) */
    uint64_t segment_size;    /* recorded only */
    uint64_t hard_limit;      /* recorded only: OOM is followed (.dec.oom) */
    orc_profile profile;
} orc_config;

/* The format's defaults (docs/format.md): 256k, 2m, 10m, 16m, 85000, 4m, 0, strict. */
void orc_config_default(orc_config *cfg);

typedef struct orc_model orc_model;

/* NULL if cfg is invalid (loh_threshold < 85000) or memory is exhausted. */
orc_model *orc_create(const orc_config *cfg);
void orc_destroy(orc_model *m);
/* Structural self-check plus the model invariants (.orc.invariants): no
   reclaimed object is reachable from a root or a live object, finalization
   and f-reachable entries name only live objects, counts are consistent.
   ORC_OK or ORC_E_STATE with orc_last_error() saying what broke. */
orc_status orc_check(const orc_model *m);
/* Detail of the last non-OK status (never NULL; "" if none). */
const char *orc_last_error(const orc_model *m);

/* ---- types (the `type` lines) ---------------------------------------- */
typedef enum orc_type_kind {
    ORC_TYPE_FIXED = 0,       /* size=S refs=R */
    ORC_TYPE_BYTES = 1,       /* array elem=1 */
    ORC_TYPE_REFS = 2         /* array elem=ref */
} orc_type_kind;

typedef enum orc_fin_kind {
    ORC_FIN_NONE = 0,
    ORC_FIN_COUNT,                /* count */
    ORC_FIN_RESURRECT,            /* resurrect:sN */
    ORC_FIN_REREGISTER,           /* reregister */
    ORC_FIN_RESURRECT_REREGISTER, /* resurrect_reregister:sN */
    ORC_FIN_ALLOC                 /* alloc:TYPE */
} orc_fin_kind;

typedef struct orc_type_desc {
    const char *name;         /* copied; for messages only */
    orc_type_kind kind;
    uint64_t size;            /* FIXED: total bytes, >= 24, >= 16 + 8*nrefs */
    uint32_t nrefs;           /* FIXED: reference slots */
    orc_fin_kind fin;         /* arrays: must be NONE */
    uint32_t fin_static;      /* RESURRECT*: static slot (< ORC_STATICS) */
    orc_type_id fin_alloc;    /* ALLOC: type to allocate; may be a type added
                                 later (checked when first needed) */
    bool critical;            /* needs fin != NONE */
} orc_type_desc;

/* Adds the next type; *out (optional) gets its id (0, 1, ...).
   ORC_E_ARG for an invalid description. */
orc_status orc_type_add(orc_model *m, const orc_type_desc *d, orc_type_id *out);
uint32_t orc_type_count(const orc_model *m);
const orc_type_desc *orc_type_get(const orc_model *m, orc_type_id t);
/* Total (unaligned) size of an instance (.obj.size); length ignored for
   fixed types.  Aligned size (.dec.alloc-size) and the LOH test. */
uint64_t orc_instance_size(const orc_model *m, orc_type_id t, uint64_t length);
uint64_t orc_aligned_size(uint64_t size);
bool orc_instance_is_large(const orc_model *m, orc_type_id t, uint64_t length);

/* ---- collections: requests, reasons, records -------------------------- */
typedef enum orc_reason {
    ORC_REASON_INDUCED = 0,       /* same numbering as the runtime's events */
    ORC_REASON_ALLOC_SMALL = 1,
    ORC_REASON_ALLOC_LARGE = 2,
    ORC_REASON_OOM = 3
} orc_reason;
const char *orc_reason_name(orc_reason r);   /* "induced", "alloc_small", ... */

/* A collection the target reported (or the model predicted). */
typedef struct orc_gc_request {
    int gen;                  /* 0..2 */
    orc_reason reason;
    bool compact_loh;         /* gen 2 only; recorded for the harness */
    bool no_promotion;        /* clr only: a gen0/gen1 GC kept every survivor
                                 in its generation (.clr.no-promotion) */
} orc_gc_request;

/* What one collection did (queries: orc_last_gc, orc_gc_log_get). */
typedef struct orc_gc_record {
    uint64_t index;           /* 1-based number of this GC */
    int gen;
    orc_reason reason;
    bool compact_loh;
    bool promoted;            /* false: no_promotion was reported */
    uint32_t pinned_count;    /* .handle.pin-count */
    uint32_t reclaimed;       /* objects reclaimed */
    uint32_t survivors;       /* condemned objects that survived */
    uint32_t new_freachable;  /* entries moved to the f-reachable lists */
    uint32_t entries_dropped; /* entries dropped for a set finalizer-run bit */
    uint32_t weak_cleared;    /* short + long weak handles set to null */
    uint64_t promoted1_bytes; /* gen0 -> gen1 bytes this GC (.dec.promo-acc) */
    uint64_t promoted2_bytes; /* gen1 -> gen2 small bytes this GC */
    bool in_finalizer;        /* happened inside a finalizer call */
} orc_gc_record;

/* ---- allocation steps (`x = new T`, `x = new T[n]`) -------------------- */
typedef struct orc_prediction {
    bool collect;             /* strict: a budget GC fires before this alloc */
    int gen;                  /* its generation (.trig.escalate) */
    orc_reason reason;        /* ALLOC_SMALL or ALLOC_LARGE */
    bool large;               /* the object goes to the LOH (.obj.loh) */
    uint64_t size;            /* total unaligned size */
    uint64_t aligned;         /* aligned size (budget accounting) */
} orc_prediction;

/* Pure query: what the strict rules say about allocating T[length] now
   (in the clr profile `collect` is always false: nothing is predicted). */
orc_status orc_alloc_predict(const orc_model *m, orc_type_id t, uint64_t length,
                             orc_prediction *out);

/* Opens an allocation step binding `local` (ORC_LOCAL_NONE: no local, as in
   an alloc:T finalizer).  *pred (optional) gets the prediction.  Then
   present the target's collections with orc_gc() (strict: the predicted one
   first, exactly; then at most one gen2 ORC_REASON_OOM GC, .dec.oom; clr:
   any generation with an alloc reason, at most one OOM GC), then end. */
orc_status orc_alloc_begin(orc_model *m, uint32_t local, orc_type_id t,
                           uint64_t length, orc_prediction *pred);
/* Presents one collection the target reported; legal ones are applied.
   Inside an allocation step: as above.  Outside one: only reason INDUCED
   (the same as orc_collect).  ORC_E_ILLEGAL if not legal (the model then
   still applies it, so comparison can go on; the caller reports C8). */
orc_status orc_gc(orc_model *m, const orc_gc_request *rq);
/* Ends the step.  oom=false: the object is created (new id in *out), born
   in gen0 (small) or gen2 (large, .obj.loh-gen), registered for
   finalization if its type has a finalizer (.fin.register), budgets
   charged; the local is bound to it.  oom=true: the local becomes null and
   nothing is charged (.dec.oom).  Strict: ORC_E_ILLEGAL if a predicted
   collection was not presented (the object is still created). */
orc_status orc_alloc_end(orc_model *m, bool oom, orc_id *out);
/* begin + the model's own predicted collection + end(false). */
orc_status orc_alloc(orc_model *m, uint32_t local, orc_type_id t, uint64_t length,
                     orc_id *out);

/* clr profile (.clr.demote): the target reported that object id, pinned in
   the last collection and a survivor of it, has the younger generation gen.
   The model follows.  ORC_E_ILLEGAL in strict, or if not pinned then, or if
   gen is not younger than the model's. */
orc_status orc_obj_demote(orc_model *m, orc_id id, int gen);
/* clr profile (.clr.demote, plug-mates): the target reported that object
   id, an unpinned survivor of the last collection, kept a generation
   younger than the model's, and the harness found it next to `mate` in
   address order.  Legal if mate was a pinned survivor of that collection
   and gen is at least id's generation before it; the model follows. */
orc_status orc_obj_demote_mate(orc_model *m, orc_id id, int gen, orc_id mate);

/* ---- statements on locals, slots, statics ------------------------------ */
/* `obj.slot = src` / `obj.slot = null` (src = ORC_LOCAL_NONE for null). */
orc_status orc_store(orc_model *m, uint32_t obj_local, uint64_t slot, uint32_t src_local);
/* `dst = obj.slot` */
orc_status orc_load(orc_model *m, uint32_t dst_local, uint32_t obj_local, uint64_t slot);
/* `dst = src` (src may hold null) */
orc_status orc_copy(orc_model *m, uint32_t dst_local, uint32_t src_local);
/* `drop x` (x may hold null; it must be bound) */
orc_status orc_drop(orc_model *m, uint32_t local);
/* `static sN = src` / `static sN = null` (src = ORC_LOCAL_NONE) */
orc_status orc_static_set(orc_model *m, uint32_t stat, uint32_t src_local);
/* `dst = static sN` */
orc_status orc_static_get(orc_model *m, uint32_t dst_local, uint32_t stat);
/* `suppress x`, `reregister x` (.fin.suppress, .fin.reregister*) */
orc_status orc_suppress(orc_model *m, uint32_t obj_local);
orc_status orc_reregister(orc_model *m, uint32_t obj_local);
/* `thread N`: selects the allocation context for later allocations; only
   bookkeeping (.dec.locals-global). */
orc_status orc_thread(orc_model *m, uint32_t tid);

/* ---- handles ------------------------------------------------------------ */
typedef enum orc_handle_kind {    /* same numbering as FORMAT/runtime */
    ORC_HANDLE_STRONG = 0,
    ORC_HANDLE_PINNED = 1,
    ORC_HANDLE_WEAK = 2,          /* short weak (.weak.short) */
    ORC_HANDLE_WEAK_LONG = 3      /* long weak (.weak.long) */
} orc_handle_kind;

/* `h = handle KIND obj`: obj must name an object.  A handle index may be
   bound again after it was freed (a new handle). */
orc_status orc_handle_alloc(orc_model *m, uint32_t handle, orc_handle_kind kind,
                            uint32_t obj_local);
/* `free h` */
orc_status orc_handle_free(orc_model *m, uint32_t handle);
/* `dst = target h` (null if cleared) */
orc_status orc_handle_target(orc_model *m, uint32_t dst_local, uint32_t handle);

/* ---- collect ------------------------------------------------------------- */
/* `collect G [compact_loh]`: an induced collection of generation G. */
orc_status orc_collect(orc_model *m, int gen, bool compact_loh);

/* ---- finalize ------------------------------------------------------------ */
typedef struct orc_fin_call {
    orc_id obj;               /* the object being finalized (`this`) */
    orc_type_id type;
    orc_fin_kind behaviour;   /* what the call did / will do */
    uint32_t fin_static;      /* RESURRECT*: slot written */
    orc_type_id alloc_type;   /* ALLOC: the executor must now run one
                                 allocation step of this type (length 0,
                                 local ORC_LOCAL_NONE, .dec.alloc-finalizer)
                                 before orc_finalize_call_end */
    bool critical;
    uint32_t calls;           /* calls on obj so far, this one included */
} orc_fin_call;

/* `finalize` on thread tid: opens the drain (.fin.drain). */
orc_status orc_finalize_begin(orc_model *m, uint32_t tid);
/* The target reported a finalizer call on obj.  Legal (.fin.order): obj has
   a pending entry that runs (not skipped for a set bit, .fin.skip) in the
   current list (normal while any normal entry would run, then critical);
   strict profile: exactly the first such entry in take order, from the end
   of the list (docs/semantics.md section 9, .fin.take).
   An illegal call returns ORC_E_ILLEGAL and, if obj has a pending entry that
   runs, is still followed.  Applies the resurrect / reregister side effects;
   obj stays a root until call_end. */
orc_status orc_finalize_call_begin(orc_model *m, orc_id obj, orc_fin_call *out);
orc_status orc_finalize_call_end(orc_model *m);
/* Closes the drain: every remaining entry must be one that is skipped;
   ORC_E_ILLEGAL names the first missing call (the model drops it anyway). */
orc_status orc_finalize_end(orc_model *m);
/* Inside a drain, between calls: the target kept obj through the collection
   that found it unreachable in the model (a collector without
   HX_CAP_COMPLETE, which finds roots conservatively, .tgt.kept): every
   f-reachable entry of obj goes back to the registered sequence of its
   generation, as if that collection had found obj reachable, so a later
   collection that finds it unreachable queues it again.  The bit stays as
   the scan left it.  ORC_E_ARG if obj has no f-reachable entry. */
orc_status orc_finalize_kept(orc_model *m, orc_id obj);
/* clr profile (.clr.fin-async): finalizer calls the target made outside
   `finalize` (CoreCLR's finalizer thread runs them right after the
   collection that queued them).  async_begin opens a drain on allocation
   context 0; the calls follow as in a drain; async_end closes it without
   requiring the lists to be empty.  ORC_E_ILLEGAL in the strict profile
   (.fin.sync). */
orc_status orc_finalize_async_begin(orc_model *m);
orc_status orc_finalize_async_end(orc_model *m);
/* The whole drain in the model's own order (nested alloc:T steps use the
   model's predictions). */
orc_status orc_finalize(orc_model *m, uint32_t tid);
/* The object the model would call next in its own order (ORC_NULL: none);
   skipped entries ahead of it are not consumed. */
orc_id orc_finalize_next(const orc_model *m);

/* ---- queries: objects ----------------------------------------------------- */
typedef struct orc_obj_info {
    orc_id id;
    orc_type_id type;
    uint64_t length;          /* arrays: element count; fixed: 0 */
    uint64_t size;            /* total unaligned size (.obj.size) */
    uint64_t aligned;         /* aligned size */
    uint32_t nslots;          /* reference slots */
    int gen;                  /* 0..2; large: 2 */
    bool large;
    bool alive;               /* false once reclaimed */
    bool finalizer_run;       /* the finalizer-run bit (.fin.bit) */
    uint32_t fin_entries;     /* entries in the finalization queue */
    uint32_t freachable_entries; /* entries in the f-reachable lists */
    uint32_t fin_calls;       /* finalizer calls made on it so far */
    bool pinned;              /* target of a live pinned handle now */
    uint32_t birth_thread;
    uint64_t birth_gc;        /* GC count when it was allocated */
    uint64_t reclaimed_gc;    /* index of the GC that reclaimed it (0: alive) */
} orc_obj_info;

/* Any id ever issued (alive or reclaimed).  ORC_E_ARG for an unknown id. */
orc_status orc_obj_get(const orc_model *m, orc_id id, orc_obj_info *out);
/* Slot i of a live object (ORC_NULL for null or out of range). */
orc_id orc_obj_slot(const orc_model *m, orc_id id, uint64_t i);
/* Live objects in increasing id order: start with ORC_NULL. */
orc_id orc_live_next(const orc_model *m, orc_id after);
/* Every live id in increasing order, *n of them, read in place (no copy):
   valid until the model next changes. */
const orc_id *orc_live_ids(const orc_model *m, uint32_t *n);
/* The reference slots of a live object in place, *n of them (NULL with
   *n = 0 for an object without slots, a reclaimed or an unknown id):
   valid until the model next changes (orc_obj_slot reads one of them). */
const orc_id *orc_obj_slots(const orc_model *m, orc_id id, uint64_t *n);
uint32_t orc_live_count(const orc_model *m);
uint64_t orc_live_bytes(const orc_model *m, int gen, bool large); /* aligned */
orc_id orc_last_id(const orc_model *m);       /* highest id issued */

/* ---- queries: roots ----------------------------------------------------- */
typedef enum orc_local_state {
    ORC_LOCAL_UNBOUND = 0,
    ORC_LOCAL_BOUND = 1,      /* holds an object or null */
    ORC_LOCAL_DROPPED = 2
} orc_local_state;

/* State of a local; *id gets its object (bound), or the object it named
   when dropped (for `expect finalized x` after `drop x`), else ORC_NULL. */
orc_local_state orc_local_get(const orc_model *m, uint32_t local, orc_id *id);
uint32_t orc_local_limit(const orc_model *m);   /* 1 + highest index seen */
orc_id orc_static_value(const orc_model *m, uint32_t stat);
/* Every static slot's value at once (out[s] for s0..s63): the executor
   compares them all after every step. */
void orc_statics_get(const orc_model *m, orc_id out[ORC_STATICS]);

typedef struct orc_handle_info {
    bool bound;               /* allocated at some point */
    bool freed;
    orc_handle_kind kind;
    orc_id target;            /* ORC_NULL if cleared or freed */
} orc_handle_info;
orc_status orc_handle_get(const orc_model *m, uint32_t handle, orc_handle_info *out);
uint32_t orc_handle_limit(const orc_model *m);  /* 1 + highest index seen */
/* Every handle ever allocated, in allocation order, including those whose
   index was bound again while they were still allocated (they stay roots,
   .prog.handle-rebind) and freed ones.  *index gets the harness index it
   was bound to. */
uint32_t orc_handle_all_count(const orc_model *m);
orc_status orc_handle_all_get(const orc_model *m, uint32_t i, orc_handle_info *out,
                              uint32_t *index);

/* f-reachable lists (.fin.freachable), front to end; the drain takes from
   the end (.fin.take). */
typedef enum orc_fq_list { ORC_FQ_NORMAL = 0, ORC_FQ_CRITICAL = 1 } orc_fq_list;
uint32_t orc_freachable_count(const orc_model *m, orc_fq_list list);
orc_id orc_freachable_get(const orc_model *m, orc_fq_list list, uint32_t i);
/* Entries in the finalization queue (registered, not yet f-reachable). */
uint32_t orc_finq_count(const orc_model *m);
/* The finalization queue by generation sequence (0..2), front to end
   (docs/semantics.md .fin.chain). */
uint32_t orc_finq_partition_count(const orc_model *m, int gen);
orc_id orc_finq_partition_get(const orc_model *m, int gen, uint32_t i);
bool orc_in_finalize(const orc_model *m);       /* inside a drain */
orc_id orc_finalizing(const orc_model *m);      /* `this` of the running call */

/* ---- queries: counters and collections ---------------------------------- */
uint64_t orc_collection_count(const orc_model *m, int gen);   /* .gc.count */
uint64_t orc_gc_total(const orc_model *m);                    /* GCs so far */
uint64_t orc_finalizer_calls(const orc_model *m);             /* all calls */
/* Record of GC number index (1..orc_gc_total); ORC_E_ARG if out of range. */
orc_status orc_gc_log_get(const orc_model *m, uint64_t index, orc_gc_record *out);
/* Last GC (false if none yet). */
bool orc_last_gc(const orc_model *m, orc_gc_record *out);
/* pinned count of the last collection (.handle.pin-count; 0 if none). */
uint32_t orc_pinned_count(const orc_model *m);

typedef struct orc_budget_state {
    uint64_t gen0_allocated;  /* .dec.gen0-reset */
    uint64_t loh_allocated;   /* .dec.loh-reset */
    uint64_t promoted1;       /* .dec.promo-acc */
    uint64_t promoted2;
} orc_budget_state;
void orc_budget_get(const orc_model *m, orc_budget_state *out);

/* ---- root paths (failure reports) ----------------------------------------- */
typedef enum orc_root_kind {
    ORC_ROOT_LOCAL = 0,       /* index = local */
    ORC_ROOT_STATIC = 1,      /* index = static slot */
    ORC_ROOT_HANDLE = 2,      /* index = handle (strong or pinned) */
    ORC_ROOT_FREACHABLE = 3,  /* index = position; list in orc_root_path.list */
    ORC_ROOT_FINALIZING = 4,  /* the object of the running finalizer */
    ORC_ROOT_NONE = 5         /* unreachable from any root */
} orc_root_kind;

#define ORC_PATH_MAX 64
typedef struct orc_root_path {
    orc_root_kind root;
    uint32_t index;
    orc_fq_list list;
    uint32_t nsteps;          /* slots followed from the root object */
    uint64_t slots[ORC_PATH_MAX];
    bool truncated;           /* longer than ORC_PATH_MAX steps */
} orc_root_path;

/* Shortest path (breadth-first, roots in the order of the kinds above,
   then by index; slots in index order) from a root to id.  Weak handles
   and older-generation objects are not roots here. */
orc_status orc_root_path_find(const orc_model *m, orc_id id, orc_root_path *out);
/* Formats a path as "local a -> slot 0 -> slot 1" into buf (always
   NUL-terminated); local_name (optional) names locals, else "local#3".
   Returns the length it needed (like snprintf). */
size_t orc_root_path_format(const orc_root_path *p,
                            const char *(*local_name)(void *ctx, uint32_t local),
                            void *ctx, char *buf, size_t n);

#endif /* ORC_ORACLE_H */
