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
/* After promotion: move entries to the segment of their object's gen
   (.fin.follow). */
void mgc_finalize_after_gc(mgc_heap *heap, int condemned_gen);
mgc_status mgc_finalize_verify(mgc_heap *heap, char *err, size_t errlen);
/* Collection finished: wake the finalizer thread if one runs. */
void mgc_finthread_notify(mgc_heap *heap);
/* Fill the FIN counters (handles, finalizers_run). */
void mgc_fin_stats(mgc_heap *heap, mgc_stats *out);

/* ======================= CORE sections ================================ */

/* --- os.c: the only file that talks to the kernel (mmap family) --- */
void mgc_os_init(mgc_os *os, unsigned fail_reserve_nth, unsigned fail_commit_nth);
size_t mgc_os_page(void);
void *mgc_os_reserve(mgc_os *os, size_t size);          /* PROT_NONE; NULL on failure */
void *mgc_os_reserve_aligned(mgc_os *os, size_t size, size_t align);
bool mgc_os_commit(mgc_os *os, void *p, size_t size);   /* read/write; false on failure */
void mgc_os_decommit(mgc_os *os, void *p, size_t size); /* back to PROT_NONE, pages dropped */
/* .heap.keep: committing pages a reset (or a retire of a reset heap) kept
   read/write: counts as a commit call (fault injection included) and makes
   no system call.  false: this call is the injected failure. */
bool mgc_os_commit_kept(mgc_os *os);
/* .heap.reset: a kept reservation is used again; counts as a reserve call
   (fault injection included).  false: this call is the injected failure. */
bool mgc_os_reserve_again(mgc_os *os);
/* Release a reservation of which [p, p + committed) is committed. */
void mgc_os_release(mgc_os *os, void *p, size_t size, size_t committed);
/* Poisoning (.os.poison): free and reclaimed space is no-access for ASan and
   memcheck; unpoisoned when handed out again. */
void mgc_os_poison(void *p, size_t size);
void mgc_os_unpoison(void *p, size_t size);
/* .os.huge: transparent huge pages of `size` bytes can be asked for
   (mgc_os_advise_huge), and asking [p, p + size) to use them. */
bool mgc_os_huge_pages(size_t size);
void mgc_os_advise_huge(void *p, size_t size);
/* Size in bytes of the level-`level` data (or unified) cache of the first
   CPU, 0 when the platform does not say. */
size_t mgc_os_cache_size(int level);

/* --- policy.c: every tuning decision --- */
size_t mgc_policy_card_size(void);
unsigned mgc_policy_card_shift(void);       /* card size = 1 << shift */
unsigned mgc_policy_seg_cache_shift(const mgc_heap *heap);
size_t mgc_policy_window_size(const mgc_heap *heap);
size_t mgc_policy_mark_stack_entries(const mgc_heap *heap);
size_t mgc_policy_segment_reserve(const mgc_heap *heap, mgc_seg_kind kind, size_t need);
size_t mgc_policy_commit_step(const mgc_heap *heap, size_t need);
size_t mgc_policy_keep_spare(const mgc_heap *heap);
size_t mgc_policy_huge_page(const mgc_heap *heap);
size_t mgc_policy_committed_slack(const mgc_heap *heap);
int mgc_policy_budget_gen(const mgc_heap *heap);
bool mgc_policy_gen0_exceeded(const mgc_heap *heap, uint64_t allocated, size_t s);
bool mgc_policy_loh_exceeded(const mgc_heap *heap, size_t s);
size_t mgc_policy_segment_size(size_t requested, size_t page);
size_t mgc_policy_loader_reserve(void);
/* .budget.dynamic: budgets in force from the configuration, their update
   after a collection of generation gen, the promotion decision of a GC. */
void mgc_policy_budgets_init(mgc_heap *heap);
void mgc_policy_budgets_after_gc(mgc_heap *heap, int gen);
bool mgc_policy_promote(const mgc_heap *heap);

/* --- loader_heap.c --- */
void mgc_loader_init(mgc_loader_heap *lh, const char *name);
void mgc_loader_destroy(mgc_loader_heap *lh, mgc_os *os);
void *mgc_loader_alloc(mgc_loader_heap *lh, mgc_os *os, size_t size); /* zeroed; NULL: OOM */
bool mgc_loader_contains(const mgc_loader_heap *lh, const void *p);
bool mgc_loader_check(const mgc_loader_heap *lh);
/* .heap.reset: every block becomes a kept reservation (protected, empty);
   the heap holds nothing. */
void mgc_loader_reset(mgc_loader_heap *lh, mgc_os *os);

/* --- types.c --- */
mgc_status mgc_types_init(mgc_heap *heap);             /* registers the free type */
bool mgc_type_check(const mgc_heap *heap, const mgc_type *t);
/* Unaligned total size (the LOH test, .dec.alloc-size); SIZE_MAX on overflow. */
size_t mgc_type_raw_size(const mgc_type *t, size_t length);

/* --- object layout helpers (inline) --- */
static inline const mgc_type *mgc_obj_type(const void *obj) { return *(const mgc_type *const *)obj; }
static inline size_t mgc_obj_length(const void *obj) { return ((const size_t *)obj)[1]; }
static inline void **mgc_obj_slots(void *obj)
{
    const mgc_type *t = mgc_obj_type(obj);
    return (void **)((uint8_t *)obj + (t->kind == MGC_KIND_FIXED ? 8 : 16));
}
static inline size_t mgc_obj_nslots(const void *obj)
{
    const mgc_type *t = mgc_obj_type(obj);
    return t->kind == MGC_KIND_FIXED ? t->nrefs : t->kind == MGC_KIND_REF_ARRAY ? mgc_obj_length(obj) : 0;
}
/* Aligned size of the block an object occupies (header included). */
static inline size_t mgc_obj_size(const void *obj)
{
    const mgc_type *t = mgc_obj_type(obj);
    if (t->kind == MGC_KIND_FIXED)
        return mgc_align8(t->size);
    return mgc_align8(MGC_ARRAY_BASE + mgc_obj_length(obj) * t->elem);
}
/* The payload (non-reference data) of an object and its length in bytes:
   what mgc_payload returns, inline for the walk (walk.c). */
static inline uint8_t *mgc_obj_payload(void *obj, size_t *len)
{
    const mgc_type *t = mgc_obj_type(obj);
    uint8_t *o = obj;
    switch (t->kind) {
    case MGC_KIND_FIXED:
        *len = t->size - 16u - (size_t)t->nrefs * 8u;
        return o + 8 + (size_t)t->nrefs * 8u;
    case MGC_KIND_BYTE_ARRAY:
        *len = mgc_obj_length(obj);
        return o + 16;
    default:
        *len = 0;
        return o + 16 + mgc_obj_length(obj) * 8u;
    }
}
static inline void *mgc_block_obj(uint8_t *block) { return block + 8; }
static inline uint8_t *mgc_obj_block(const void *obj) { return (uint8_t *)obj - 8; }
/* Turn [p, p+size) into one free object (size >= MGC_MIN_OBJ) and poison
   its body. */
void mgc_make_free(mgc_heap *heap, uint8_t *p, size_t size);

/* --- segment.c --- */
/* .heap.keep: most bytes of mappings a reset heap keeps in its pool */
#define MGC_POOL_MAX ((size_t)64 << 20)
bool mgc_segment_check(const mgc_segment *seg);
/* A segment holding at least `need` bytes of blocks; NULL when the OS or the
   hard limit refuses. */
mgc_segment *mgc_segment_acquire(mgc_heap *heap, mgc_seg_kind kind, size_t need);
/* Give an empty segment back (kept as a spare or released, by policy). */
void mgc_segment_retire(mgc_heap *heap, mgc_segment *seg);
void mgc_segment_destroy_all(mgc_heap *heap);
/* .heap.reset: every segment becomes a kept reservation (heap->pool, in
   creation order, protected and empty); the heap has no segment. */
void mgc_segment_reset_all(mgc_heap *heap);
/* Make [base, upto) committed; false when the OS or hard limit refuses. */
bool mgc_segment_commit_to(mgc_heap *heap, mgc_segment *seg, uint8_t *upto);
/* Decommit pages beyond used (keeping policy slack). */
void mgc_segment_trim(mgc_heap *heap, mgc_segment *seg);
/* The segment whose reserved range holds p, or NULL. */
mgc_segment *mgc_segment_of_slow(const mgc_heap *heap, const void *p);
static inline mgc_segment *mgc_segment_of(const mgc_heap *heap, const void *p)
{
    size_t h = ((uintptr_t)p >> heap->seg_cache_shift) % MGC_SEG_CACHE;
    mgc_segment *s = atomic_load_explicit(&((mgc_heap *)heap)->seg_cache[h], memory_order_relaxed);
    if (s && (const uint8_t *)p >= s->base && (const uint8_t *)p < s->reserved_end)
        return s;
    return mgc_segment_of_slow(heap, p);
}
/* Position of that segment in heap->index (sorted by address), or SIZE_MAX. */
size_t mgc_segment_index_of(const mgc_heap *heap, const void *p);
/* Walk support (.seg.walk): the end of the block starting at p (p < used).
   Unused parts of live allocation windows (zero type word) are skipped as
   one block; *obj receives the object reference or NULL for such a gap. */
uint8_t *mgc_segment_block_end_slow(const mgc_heap *heap, const mgc_segment *seg, uint8_t *p, void **obj);
static inline uint8_t *mgc_segment_block_end(const mgc_heap *heap, const mgc_segment *seg, uint8_t *p, void **obj)
{
#if MGC_ASSERT_LEVEL >= 2
    return mgc_segment_block_end_slow(heap, seg, p, obj);
#else
    const mgc_type *t = *(const mgc_type **)(p + 8);
    if (t == NULL || t->sig != MGC_SIG_TYPE)
        return mgc_segment_block_end_slow(heap, seg, p, obj);
    *obj = p + 8;
    size_t size = mgc_obj_size(p + 8);
    return size <= (size_t)(seg->used - p) ? p + size : NULL;
#endif
}
/* The same with a full type-pointer check (loader heap membership): verify. */
uint8_t *mgc_segment_block_end_checked(const mgc_heap *heap, const mgc_segment *seg, uint8_t *p, void **obj);
/* Generation of a block start inside an SOH segment. */
static inline int mgc_segment_gen_at(const mgc_segment *seg, const uint8_t *block)
{
    if (seg->kind == MGC_SEG_LOH)
        return 2;
    return block >= seg->gen0_start ? 0 : block >= seg->gen1_start ? 1 : 2;
}
/* Generation of an object (.demote.bits): its range's, unless demoted.
   Not for objects of the condemned range during a collection (their
   headers may hold forwarding addresses). */
static inline int mgc_obj_gen_in(const mgc_segment *seg, const void *obj)
{
    if (seg->kind == MGC_SEG_LOH)
        return 2;
    uint64_t h = *(const uint64_t *)((const uint8_t *)obj - 8);
    if (h & MGC_HDR_DEMOTED)
        return (h & MGC_HDR_DEMOTED_GEN1) ? 1 : 0;
    return mgc_segment_gen_at(seg, (const uint8_t *)obj - 8);
}
/* During a collection: obj (below its segment's condemned range) is a
   demoted object of a condemned generation. */
static inline bool mgc_demoted_condemned(const mgc_heap *heap, const void *obj)
{
    uint64_t h = *(const uint64_t *)((const uint8_t *)obj - 8);
    return (h & MGC_HDR_DEMOTED) && ((h & MGC_HDR_DEMOTED_GEN1) ? 1 : 0) <= heap->condemned;
}
/* .plan.demote (plan.c): before the plan, the demoted objects below the
   condemned range; after compaction, the new demoted set. */
void mgc_demote_prepare(mgc_heap *heap);
void mgc_demote_relocate(mgc_heap *heap, mgc_slot_fn fn);
void mgc_demote_apply(mgc_heap *heap);
void mgc_demote_free(mgc_heap *heap);
/* Range of generation g inside an SOH segment: [*lo, *hi). */
void mgc_segment_gen_range(const mgc_segment *seg, int g, uint8_t **lo, uint8_t **hi);

/* --- alloc.c --- */
bool mgc_alloc_ctx_check(const mgc_alloc_ctx *c);
/* Retire every allocation context (.alloc.retire) before the heap is walked
   by a collection. */
void mgc_alloc_retire_all(mgc_heap *heap);
/* Retire one context (a thread detaching). */
void mgc_alloc_retire_ctx(mgc_heap *heap, unsigned tid);
/* Bytes allocated since the heap was created (the contexts' counters). */
uint64_t mgc_alloc_total(const mgc_heap *heap);
/* Exact gen0 bytes allocated since the last collection. */
uint64_t mgc_alloc_gen0_allocated(const mgc_heap *heap);

/* --- loh.c --- */
void *mgc_loh_alloc(mgc_heap *heap, size_t size);       /* block start or NULL */
void mgc_loh_free_insert(mgc_heap *heap, mgc_segment *seg, uint8_t *p, size_t size);

/* --- cards.c: write barrier and card table (.cards.invariant) --- */
/* Set the card of slot for a reference to a gen target_gen (0 or 1) object
   (.cards.gens); is that bit set? */
void mgc_cards_mark(mgc_heap *heap, mgc_segment *seg, void **slot, int target_gen);
bool mgc_cards_is_set(const mgc_segment *seg, const void *slot, int target_gen);
/* Bundle bytes a segment of ncards cards needs (.cards.bundles). */
size_t mgc_cards_bundles_for(size_t ncards);
/* Visit every slot of non-condemned objects that lies in a set card. */
/* Returns the number of set cards it visited.  The _rec form also lists
   the runs of cards it visited in heap->card_runs (.cards.keep). */
size_t mgc_cards_enum_old(mgc_heap *heap, mgc_slot_fn fn, void *ctx);
size_t mgc_cards_enum_old_rec(mgc_heap *heap, mgc_slot_fn fn, void *ctx);
/* Record the blocks of [from, to) (from a block start) in the crossing map
   (.cards.crossing). */
void mgc_cards_note_blocks(mgc_heap *heap, mgc_segment *seg, uint8_t *from, uint8_t *to);
void mgc_cards_note_block(mgc_heap *heap, mgc_segment *seg, uint8_t *p, size_t size);
/* After a collection: recompute the cards of every segment (.cards.rebuild). */
void mgc_cards_rebuild(mgc_heap *heap);

/* --- mark.c --- */
void mgc_mark_phase(mgc_heap *heap);
void mgc_mark_stack_free(mgc_mark_stack *ms);
static inline bool mgc_is_marked(const void *obj) { return (*mgc_obj_header((void *)obj) & MGC_HDR_MARK) != 0; }

/* .gc.cond-segs: during a collection, the SOH segments whose condemned
   range is not empty.  A segment with an empty range keeps its boundaries
   through the plan and compaction and has no survivors to relocate or
   note, so those phases (and a gen0 collection's card rebuild) visit only
   these: in a big heap most segments are old and untouched.
     size_t it = 0;
     for (mgc_segment *s = mgc_cond_next(heap, NULL, &it); s; s = mgc_cond_next(heap, s, &it)) */
static inline mgc_segment *mgc_cond_next(mgc_heap *heap, mgc_segment *prev, size_t *it)
{
    if (heap->cond_lost)
        return prev ? prev->next : heap->soh;
    return *it < heap->cond.n ? (mgc_segment *)heap->cond.items[(*it)++] : NULL;
}

/* --- plan.c / compact.c --- */
void mgc_plan_phase(mgc_heap *heap);
void mgc_relocate_phase(mgc_heap *heap);
void mgc_compact_phase(mgc_heap *heap);              /* also sweeps/compacts the LOH (gen2) */
void mgc_release_empty_segments(mgc_heap *heap);
/* Forwarding address of obj during relocation (obj itself if it stays). */
static inline void *mgc_forward(void *obj)
{
    uint64_t h = *mgc_obj_header(obj);
    return (h & MGC_HDR_MOVED) ? (void *)(uintptr_t)((h & ~MGC_HDR_GCBITS) + 8u) : obj;
}

/* --- heap.c / stats.c --- */
/* inline: every public call opens with it (.aver) */
static inline bool mgc_heap_check(const mgc_heap *heap)
{
    return heap && heap->sig == MGC_SIG_HEAP && heap->cfg.threads >= 1 &&
           heap->cfg.threads <= MGC_MAX_THREADS;
}
/* Run one collection (lock held, not in a GC). */
void mgc_gc_run(mgc_heap *heap, int gen, mgc_gc_reason reason, unsigned flags);

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
/* A valid handle / static / finalization target (.hnd.target). */
bool mgc_fin_target_ok(mgc_heap *heap, const void *p);

/* --- finalize.c --- */
bool mgc_finq_check(const struct mgc_finq *q);
/* Entries of one segment (.fin.segments, MGC_FSEG_*), in array order. */
size_t mgc_finq_seg_count(mgc_heap *heap, int seg);
void *mgc_finq_seg_get(mgc_heap *heap, int seg, size_t i);
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

/* ======================= THREADS (threads.c) ========================= */
/* Attached OS threads, their modes and stop-the-world suspension
   (docs/threads.md).  Suspension is requested only by the holder of the
   heap lock and nests (the slow path suspends, then collects). */
void mgc_threads_init(mgc_heap *heap);
void mgc_threads_destroy(mgc_heap *heap);
/* Heap lock held: stop every other attached thread at a safe point / let
   them run again. */
void mgc_threads_suspend(mgc_heap *heap);
void mgc_threads_resume(mgc_heap *heap);
/* Are threads other than the caller attached (and not stopped by it)? */
bool mgc_threads_concurrent(mgc_heap *heap);
/* The heap lock when it is contended (mgc_heap_lock's slow path): an
   attached cooperative caller waits for it in preemptive mode, its raw
   references refs[0..n) protected (.thr.protect). */
void mgc_threads_lock_slow(mgc_heap *heap, void **refs[], unsigned n);
/* mgc_heap_lock protecting raw references the caller holds. */
void mgc_heap_lock_refs(mgc_heap *heap, void **refs[], unsigned n);
/* Around a blocking wait (finalizer thread): the caller leaves cooperative
   mode; the return value is handed back to mgc_threads_blocking_end. */
int mgc_threads_blocking_begin(mgc_heap *heap);
void mgc_threads_blocking_end(mgc_heap *heap, int prev);
/* Visit the protected raw references of attached threads (roots). */
void mgc_threads_enum_protected(mgc_heap *heap, mgc_local_fn fn, void *ctx);

/* Planted defects for the tests that must catch them (built only with
   MGC_TEST_PLANTS, docs/threads.md .thr.plants); 0 = none. */
#ifdef MGC_TEST_PLANTS
#define MGC_PLANT_NO_SUSPEND   1   /* a collection does not wait for mutators */
#define MGC_PLANT_SKIP_RETIRE  2   /* a collection retires only its own thread's context */
#define MGC_PLANT_LOST_WAKEUP  3   /* the finalizer thread drains the entries it found
                                      when woken and marks the requests made meanwhile
                                      as served (finthread.c) */
extern int mgc_test_plant;
/* Plant 3: entries the calling thread's drain may still take (SIZE_MAX:
   no limit); finalize.c's drain loop counts it down. */
extern _Thread_local size_t mgc_plant_drain_left;
#define MGC_PLANTED(k) (mgc_test_plant == (k))
#else
#define MGC_PLANTED(k) 0
#endif

#endif /* MGC_INTERNAL_H */
