/* model.h -- internal state of the oracle (not part of the public API).
 *
 * Everything the model knows is here, with no addresses: objects are
 * records indexed by their identity (orc_id, never reused), roots are small
 * tables indexed by the harness's local / handle indices, the finalization
 * queue and the two f-reachable lists are ordered arrays of identities.
 * Files: model.c (state, statements, allocation steps), collect.c (one
 * collection, docs/semantics.md section "collection"), finalize.c (the
 * drain), query.c (queries, root paths, orc_check).
 *
 * Main invariant (.orc.invariants): every identity held by a root, by a
 * slot of a live object, by a queue entry or by a handle names a live
 * object; reclaimed objects hold no slots.
 */
#ifndef ORC_MODEL_H
#define ORC_MODEL_H

#include "oracle.h"

#define ORC_MODEL_SIG   0x4f52434du   /* 'ORCM' */
#define ORC_INDEX_MAX   (1u << 24)    /* largest local / handle index + 1 */

typedef struct orc_type_rec {
    orc_type_desc d;          /* d.name points at name below */
    char *name;               /* owned copy */
} orc_type_rec;

/* The fields a collection and a comparison read for every object come
   first (one 64-byte line on a 64-bit machine); the rest (the object's
   history, root path scratch) after them. */
typedef struct orc_obj {
    uint32_t mark;            /* == model's mark epoch: marked */
    orc_type_id type;
    int gen;
    bool large;
    bool alive;
    bool bit;                 /* finalizer-run bit (.fin.bit) */
    bool in_rem;              /* in the model's remembered list (.orc.rem) */
    orc_id *slots;            /* nslots entries; NULL when nslots == 0 or reclaimed */
    uint64_t nslots;
    uint64_t aligned;         /* rounded up to 8 (.dec.alloc-size) */
    uint64_t size;            /* unaligned total (.obj.size) */
    uint32_t fin_entries;     /* in the finalization queue */
    uint32_t freach_entries;  /* in the f-reachable lists */
    uint32_t pins;            /* live pinned handles naming it (.orc.pin-index) */
    int gen_before;           /* its generation before that GC (.clr.demote) */
    uint64_t pinned_gc;       /* index of the last GC that saw it pinned */
    uint64_t survived_gc;     /* index of the last GC it was condemned in and survived */
    uint64_t length;
    uint32_t calls;           /* finalizer calls made */
    uint32_t birth_thread;
    uint64_t birth_gc;
    uint64_t reclaimed_gc;
    orc_id parent;            /* root path search scratch */
    uint64_t parent_slot;
} orc_obj;

typedef struct orc_local {
    orc_local_state state;
    orc_id id;                /* BOUND: the value; DROPPED: the last value */
} orc_local;

typedef struct orc_handle {
    bool live;                /* allocated and not freed */
    orc_handle_kind kind;
    orc_id target;
    uint32_t name;            /* harness index it was bound to */
} orc_handle;

/* A queue entry remembers the GC that put it where it is (diagnostics). */
typedef struct orc_fentry {
    orc_id id;
    uint64_t gc;
} orc_fentry;

typedef struct orc_fqueue {
    orc_fentry *v;
    uint32_t n, cap;
} orc_fqueue;

/* The allocation step in progress (orc_alloc_begin .. orc_alloc_end). */
typedef struct orc_step {
    bool open;
    uint32_t local;
    orc_type_id type;
    uint64_t length;
    orc_prediction pred;
    bool pred_applied;        /* the predicted budget GC was presented */
    uint32_t alloc_gcs;       /* alloc-reason GCs presented (clr) */
    bool oom_gc;              /* the out_of_memory GC was presented */
    bool bad;                 /* an illegal GC was presented in this step */
} orc_step;

/* The `finalize` drain in progress. */
typedef struct orc_drain {
    bool open;
    uint32_t tid;
    orc_id calling;           /* `this` of the running call (ORC_NULL: none) */
    orc_type_id need_alloc;   /* ALLOC behaviour: the step still to run */
    bool alloc_done;
} orc_drain;

struct orc_model {
    uint32_t sig;
    orc_config cfg;
    char *err;                /* diagnostic buffer (ORC_ERR_LEN), writable from const queries */

    orc_type_rec *types;
    uint32_t ntypes, types_cap;
    bool types_checked;       /* fin_alloc references validated */

    orc_obj *objs;            /* objs[id], id 1..nobjs; objs[0] unused */
    uint32_t nobjs, objs_cap;
    orc_id *live;             /* live ids, increasing */
    uint32_t nlive, live_cap;
    uint8_t *live_gen;        /* live_gen[i]: the generation of live[i], 2 when it is
                                 large (orc_live_gen): a collection's reclaim pass
                                 passes the objects it does not condemn without
                                 reading their records */
    uint32_t live_gen_cap;
    uint32_t epoch;           /* mark epoch */
    orc_id *mstack;           /* a collection's mark stack, kept (collect.c) */
    uint32_t mstack_cap;
    orc_id *rem;              /* .orc.rem: objects that may name a younger one */
    uint32_t nrem, rem_cap;
    bool rem_all;             /* the list is incomplete: the next young collection
                                 scans every live object (and rebuilds it) */

    orc_local *locals;
    uint32_t nlocals, locals_cap;
    orc_id statics[ORC_STATICS];
    orc_handle *handles;      /* every handle ever allocated, in order */
    uint32_t nhandles, handles_cap;
    uint32_t *hindex;         /* harness handle index -> handles[] + 1 (0: unbound) */
    uint32_t nhindex, hindex_cap;

    /* The queue chain (docs/semantics.md .fin.chain): the registered
       entries by generation segment (regq[g]) and the f-reachable lists;
       in chain order regq[2], regq[1], regq[0], critical, normal. */
    orc_fqueue regq[ORC_GENS];
    orc_fqueue freach[2];     /* ORC_FQ_NORMAL, ORC_FQ_CRITICAL */

    uint32_t thread;          /* current allocation context (bookkeeping) */
    uint64_t collections[ORC_GENS];
    orc_gc_record *log;       /* log[i] is GC number i + 1 */
    uint64_t nlog;
    uint32_t log_cap;
    uint64_t total_calls;
    orc_budget_state budget;

    orc_step step;
    orc_drain drain;
};

#define ORC_ERR_LEN 512

/* model.c */
orc_status orc_fail(const orc_model *m, orc_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
bool orc_model_check_sig(const orc_model *m);
orc_obj *orc_obj_at(const orc_model *m, orc_id id);   /* NULL if unknown */
bool orc_type_has_fin(const orc_model *m, orc_type_id t);
orc_status orc_reregister_id(orc_model *m, orc_id id);
/* Grow *v to at least need zeroed elements.  The oracle's own copy of the
   harness's HX_RESERVE_ZERO (harness/util.h): the oracle includes nothing
   of the harness that runs it, nor of the runtime it judges. */
bool orc_grow(void **v, uint32_t *cap, uint32_t need, size_t elem);
void orc_bind_local(orc_model *m, uint32_t local, orc_id id);

/* collect.c */
bool orc_condemned(const orc_obj *o, int gen);
/* The generation the live list records for o (live_gen): 2 when large. */
static inline uint8_t orc_live_gen(const orc_obj *o) { return o->large ? 2 : (uint8_t)o->gen; }
/* o's generation changed: its live_gen entry follows. */
void orc_live_gen_set(orc_model *m, orc_id id);
/* .orc.rem: `o` names `t` across generations (some young collection
   condemns t but not o), and the remembered list that makes young
   collections' older roots cost what may name a younger object. */
bool orc_names_younger(const orc_obj *o, const orc_obj *t);
/* The first object o names across generations, ORC_NULL when none. */
orc_id orc_younger_referent(const orc_model *m, const orc_obj *o);
void orc_rem_add(orc_model *m, orc_id id);
void orc_next_epoch(orc_model *m);   /* fresh scratch mark: nothing marked */
orc_status orc_collect_apply(orc_model *m, const orc_gc_request *rq);

/* finalize.c */

/* model.c */
/* The queue chain (.fin.chain; finalize.c): positions 0..4 are gen2, gen1,
   gen0, critical, normal; ORC_CHAIN_NONE drops an entry. */
#define ORC_CHAIN_GEN(g)   (2 - (g))
#define ORC_CHAIN_CRITICAL 3
#define ORC_CHAIN_NORMAL   4
#define ORC_CHAIN_NONE     5
orc_fqueue *orc_chain_seq(orc_model *m, int pos);
bool orc_chain_reserve(orc_model *m, uint32_t extra);
bool orc_chain_register(orc_model *m, orc_id id);
void orc_chain_move(orc_model *m, int from, uint32_t i, int to);

#endif /* ORC_MODEL_H */
