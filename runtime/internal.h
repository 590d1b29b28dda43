/* internal.h -- cross-file prototypes of the runtime, grouped by source file.
 *
 * Ownership of sections (two people work on the runtime at once; edit only
 * your own sections, with small in-place edits, never whole-file rewrites):
 *   CORE:  os.c loader_heap.c types.c segment.c alloc.c mark.c plan.c
 *          compact.c loh.c cards.c policy.c verify.c stats.c heap.c
 *   FIN:   handles.c finalize.c finthread.c dump.c
 * The CONTRACT section below is the interface between the two; change it
 * only together.
 */
#ifndef MGC_INTERNAL_H
#define MGC_INTERNAL_H

#include "types.h"

/* ===================== CONTRACT (core <-> fin) ======================= */

/* A visitor over reference slots.  The collector uses one enumeration for
   marking (reads *slot) and for relocation (rewrites *slot).  *slot may be
   NULL; visitors must ignore NULL. */
typedef void (*mgc_slot_fn)(mgc_heap *heap, void **slot, void *ctx);

/* --- provided by CORE --- */
/* Generation of an object (large: 2). */
int  mgc_gc_gen_of(mgc_heap *heap, const void *obj);
/* During a collection: is obj in a condemned generation? */
bool mgc_gc_is_condemned(mgc_heap *heap, const void *obj);
/* During a collection: obj survives so far (not condemned, or marked). */
bool mgc_gc_is_live(mgc_heap *heap, const void *obj);
/* During a collection: mark obj and everything reachable from it. */
void mgc_gc_mark_from(mgc_heap *heap, void *obj);
/* Header word of an object (8 bytes before the type pointer). */
static inline uint64_t *mgc_obj_header(void *obj) { return (uint64_t *)obj - 1; }
/* Allocate on thread tid (used by finalizers through the public API). */
/* Emit an event to the embedder's callback. */
void mgc_stats_emit(mgc_heap *heap, const mgc_event *ev);
/* Visit every registered local slot of every thread (for gcroot). */
typedef void (*mgc_local_fn)(mgc_heap *heap, unsigned tid, size_t idx, void **slot, void *ctx);
void mgc_roots_enum_locals(mgc_heap *heap, mgc_local_fn fn, void *ctx);
/* struct mgc_heap (CORE) holds two pointers owned by FIN:
     struct mgc_handles *handles;   -- handle table and static slots
     struct mgc_finq *finq;         -- finalization queues, finalizer thread
   created by mgc_handles_init / mgc_finalize_init, freed by the destroys.
   Counters: CORE fills mgc_stats except `handles` and `finalizers_run`,
   which FIN fills in mgc_fin_stats.  CORE computes finalization_survivors
   (the return of mgc_finalize_scan) and promoted_finalization (bytes newly
   marked from the f-reachable entries in step 4). */

/* --- provided by FIN --- */
mgc_status mgc_handles_init(mgc_heap *heap);
void mgc_handles_destroy(mgc_heap *heap);
/* Visit the target slots of live handles whose kind bit (1u << kind) is
   in kind_mask; also the static slots when MGC_ENUM_STATICS is set. */
#define MGC_ENUM_STATICS (1u << 8)
void mgc_handles_enum(mgc_heap *heap, unsigned kind_mask, mgc_slot_fn fn, void *ctx);
/* Set to NULL the targets of handles of the given kinds whose target is
   condemned and not live (SEMANTICS 3 steps 2 and 5). */
void mgc_handles_clear_dead(mgc_heap *heap, unsigned kind_mask);
mgc_status mgc_handles_verify(mgc_heap *heap, char *err, size_t errlen);

mgc_status mgc_finalize_init(mgc_heap *heap);
void mgc_finalize_destroy(mgc_heap *heap);
/* At allocation of an object whose type has a finalizer: one entry. */
mgc_status mgc_finalize_register(mgc_heap *heap, void *obj);
/* Roots: the f-reachable entries (step 1 and step 4). */
void mgc_finalize_enum_freachable(mgc_heap *heap, mgc_slot_fn fn, void *ctx);
/* Step 3: move condemned, unmarked entries to the f-reachable queue (or
   drop them and clear the bit if the finalizer-run bit is set).  Returns
   the number of entries moved. */
size_t mgc_finalize_scan(mgc_heap *heap);
/* Relocation: every slot the queues hold (registered and f-reachable). */
void mgc_finalize_enum_all(mgc_heap *heap, mgc_slot_fn fn, void *ctx);
/* After promotion: move entries to the partition of their object's gen. */
void mgc_finalize_after_gc(mgc_heap *heap, int condemned_gen);
mgc_status mgc_finalize_verify(mgc_heap *heap, char *err, size_t errlen);
/* Collection finished: wake the finalizer thread if one runs. */
void mgc_finthread_notify(mgc_heap *heap);
/* Fill the FIN counters (handles, finalizers_run). */
void mgc_fin_stats(mgc_heap *heap, mgc_stats *out);

/* ======================= CORE sections ================================ */

/* ======================= FIN sections ================================= */

/* --- handles.c --- */
bool mgc_handles_check(const struct mgc_handles *h);
/* Is h a live handle?  (kind in *kind when not NULL) */
bool mgc_handles_lookup(mgc_heap *heap, mgc_handle h, mgc_handle_kind *kind, void ***slot);
/* Visit every live handle in index order (gcroot, dumps). */
typedef void (*mgc_handle_visit_fn)(mgc_heap *heap, mgc_handle h, mgc_handle_kind kind,
                                    void **slot, void *ctx);
void mgc_handles_visit(mgc_heap *heap, mgc_handle_visit_fn fn, void *ctx);
const char *mgc_handle_kind_name(mgc_handle_kind kind);
uint64_t mgc_handles_live_count(mgc_heap *heap);

/* --- finalize.c --- */
bool mgc_finq_check(const struct mgc_finq *q);
/* Drain the f-reachable queue (lock held by the caller); the body of
   mgc_run_finalizers and of the finalizer thread (.fin.drain). */
mgc_status mgc_finalize_drain(mgc_heap *heap, unsigned tid);
/* Allocation context of the drain that is running finalizers now (for
   finalizers that allocate, .dec.alloc-finalizer); 0 when none runs. */
unsigned mgc_finalize_current_tid(mgc_heap *heap);
/* Is the f-reachable queue empty? (lock held) */
bool mgc_finalize_freachable_empty(mgc_heap *heap);

/* --- finthread.c --- */
mgc_status mgc_finthread_init(struct mgc_finq *q);
void mgc_finthread_destroy(mgc_heap *heap);
/* Allocation context the finalizer thread's drains use (.fthr.tid). */
#define MGC_FINTHREAD_TID 0u

#endif /* MGC_INTERNAL_H */
