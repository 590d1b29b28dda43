/* handles.c -- the handle table and the static slots.
 *
 * Handles (strong, pinned, weak short, weak long) are slots in one table,
 * the static slots s0..s63 are a fixed array of strong roots.  The collector
 * reaches both only through the contract functions below (internal.h
 * CONTRACT): mgc_handles_enum for marking and relocation,
 * mgc_handles_clear_dead for SEMANTICS 3 steps 2 and 5.
 *
 * Design notes cited in the code:
 *   .hnd.encoding  a handle is (salt << 20) | (index + 1); 0 is never valid.
 *                  Freeing a slot advances its salt, so a stale handle (freed,
 *                  double-freed, never issued) fails the lookup with
 *                  MGC_E_BAD_HANDLE instead of touching memory.
 *   .hnd.fifo      freed slots are reused first-in first-out, which keeps a
 *                  stale handle's slot out of reuse as long as possible.
 *   .hnd.order     every enumeration visits handles in index order, then the
 *                  static slots in index order: never in address order.
 *   .hnd.statics   static slots are strong roots, enumerated only when the
 *                  caller asks for MGC_ENUM_STATICS.
 *   .hnd.lock      public calls take the heap lock (recursive) so the
 *                  finalizer thread and a mutator never interleave inside
 *                  the table (see docs/runtime-finalization.md).
 *
 * Bookkeeping lives in calloc'd memory; only the targets are GC objects.
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

#define HND_INDEX_MASK ((1u << MGC_HND_INDEX_BITS) - 1u)
#define HND_SALT_MASK ((1u << MGC_HND_SALT_BITS) - 1u)
#define HND_KIND_COUNT 4u

/* ===================== encoding (.hnd.encoding) ====================== */

static mgc_handle hnd_encode(uint32_t index, uint16_t salt)
{
    return ((uint32_t)(salt & HND_SALT_MASK) << MGC_HND_INDEX_BITS) | (index + 1u);
}

/* The live slot h names, or NULL. */
static mgc_handle_slot *hnd_slot(struct mgc_handles *t, mgc_handle h)
{
    uint32_t idx1 = h & HND_INDEX_MASK;
    uint32_t salt = h >> MGC_HND_INDEX_BITS;
    if (idx1 == 0 || idx1 > t->used)
        return NULL;
    mgc_handle_slot *s = &t->slots[idx1 - 1u];
    if (!s->live || s->salt != salt)
        return NULL;
    return s;
}

const char *mgc_handle_kind_name(mgc_handle_kind kind)
{
    switch (kind) {
    case MGC_HANDLE_STRONG: return "strong";
    case MGC_HANDLE_PINNED: return "pinned";
    case MGC_HANDLE_WEAK: return "weak";
    case MGC_HANDLE_WEAK_LONG: return "weak_long";
    }
    return "?";
}

/* .hnd.target: is p acceptable as a target (NULL excluded)?  At assertion
   level 2 and up, exactly mgc_is_object (a walk of p's segment); at level 1
   a constant-time check: 8-aligned, inside a segment's allocated range, a
   registered type that is not the free type. */
bool mgc_fin_target_ok(mgc_heap *heap, const void *p)
{
    if (MGC_ASSERT_LEVEL >= 2)
        return mgc_is_object(heap, p);
    if (!p || ((uintptr_t)p & 7u) != 0)
        return false;
    mgc_segment *seg = mgc_segment_of(heap, p);
    if (!seg || (const uint8_t *)p - 8 < seg->base || (const uint8_t *)p + 8 > seg->used)
        return false;
    const mgc_type *t = mgc_obj_type(p);
    return mgc_type_check(heap, t) && !t->is_free;
}

/* ===================== life cycle =================================== */

bool mgc_handles_check(const struct mgc_handles *t)
{
    return t != NULL && t->sig == MGC_SIG_HANDLES && t->used <= t->cap &&
           t->live + t->nfree == t->used && t->cap <= MGC_HND_MAX_SLOTS;
}

mgc_status mgc_handles_init(mgc_heap *heap)
{
    MGC_AVER(heap != NULL && heap->handles == NULL);
    struct mgc_handles *t = calloc(1, sizeof *t);
    if (!t)
        return MGC_E_OOM;
    t->sig = MGC_SIG_HANDLES;
    t->free_head = t->free_tail = MGC_HND_NONE;
    heap->handles = t;
    return MGC_OK;
}

void mgc_handles_destroy(mgc_heap *heap)
{
    struct mgc_handles *t = heap ? heap->handles : NULL;
    if (!t)
        return;
    MGC_AVER(mgc_handles_check(t));
    t->sig = 0;
    free(t->slots);
    free(t);
    heap->handles = NULL;
}

/* A free slot index: the oldest freed one (.hnd.fifo), else a new one. */
static bool hnd_take_slot(struct mgc_handles *t, uint32_t *out)
{
    if (t->free_head != MGC_HND_NONE) {
        uint32_t i = t->free_head;
        t->free_head = t->slots[i].next_free;
        if (t->free_head == MGC_HND_NONE)
            t->free_tail = MGC_HND_NONE;
        t->nfree--;
        *out = i;
        return true;
    }
    if (t->used == t->cap) {
        if (t->cap >= MGC_HND_MAX_SLOTS)
            return false;
        uint32_t ncap = t->cap ? t->cap * 2u : 64u;
        if (ncap > MGC_HND_MAX_SLOTS)
            ncap = MGC_HND_MAX_SLOTS;
        mgc_handle_slot *n = realloc(t->slots, (size_t)ncap * sizeof *n);
        if (!n)
            return false;
        memset(n + t->cap, 0, (size_t)(ncap - t->cap) * sizeof *n);
        t->slots = n;
        t->cap = ncap;
    }
    *out = t->used++;
    return true;
}

/* ===================== public API: handles ========================== */

mgc_status mgc_handle_alloc(mgc_heap *heap, mgc_handle_kind kind, mgc_ref target,
                            mgc_handle *out)
{
    if (!heap || !out || (unsigned)kind >= HND_KIND_COUNT)
        return MGC_E_BAD_ARG;
    *out = 0;
    mgc_heap_lock_refs(heap, (void **[]){ &target }, 1);   /* .thr.protect */
    struct mgc_handles *t = heap->handles;
    MGC_AVER(mgc_handles_check(t));
    mgc_status st = MGC_OK;
    uint32_t i;
    if (heap->in_gc)
        st = MGC_E_STATE;            /* the table may be under enumeration */
    else if (target && !mgc_fin_target_ok(heap, target))
        st = MGC_E_BAD_ARG;
    else if (!hnd_take_slot(t, &i))
        st = MGC_E_OOM;
    if (st == MGC_OK) {
        mgc_handle_slot *s = &t->slots[i];
        s->target = target;
        s->kind = (uint8_t)kind;
        s->live = 1;
        s->next_free = MGC_HND_NONE;
        t->live++;
        *out = hnd_encode(i, s->salt);
    }
    mgc_heap_unlock(heap);
    return st;
}

mgc_status mgc_handle_get(mgc_heap *heap, mgc_handle h, mgc_ref *out)
{
    if (!heap || !out)
        return MGC_E_BAD_ARG;
    mgc_heap_lock(heap);
    mgc_handle_slot *s = hnd_slot(heap->handles, h);
    *out = s ? s->target : NULL;
    mgc_heap_unlock(heap);
    return s ? MGC_OK : MGC_E_BAD_HANDLE;
}

mgc_status mgc_handle_set(mgc_heap *heap, mgc_handle h, mgc_ref target)
{
    if (!heap)
        return MGC_E_BAD_ARG;
    mgc_heap_lock_refs(heap, (void **[]){ &target }, 1);   /* .thr.protect */
    mgc_status st = MGC_OK;
    mgc_handle_slot *s = hnd_slot(heap->handles, h);
    if (!s)
        st = MGC_E_BAD_HANDLE;
    else if (target && !mgc_fin_target_ok(heap, target))
        st = MGC_E_BAD_ARG;
    else
        s->target = target;
    mgc_heap_unlock(heap);
    return st;
}

mgc_status mgc_handle_free(mgc_heap *heap, mgc_handle h)
{
    if (!heap)
        return MGC_E_BAD_ARG;
    mgc_heap_lock(heap);
    struct mgc_handles *t = heap->handles;
    mgc_handle_slot *s = hnd_slot(t, h);
    mgc_status st = MGC_E_BAD_HANDLE;
    if (s) {
        uint32_t i = (uint32_t)(s - t->slots);
        s->live = 0;
        s->target = NULL;
        s->salt = (uint16_t)((s->salt + 1u) & HND_SALT_MASK);
        s->next_free = MGC_HND_NONE;
        if (t->free_tail == MGC_HND_NONE)
            t->free_head = i;
        else
            t->slots[t->free_tail].next_free = i;
        t->free_tail = i;
        t->nfree++;
        t->live--;
        st = MGC_OK;
    }
    mgc_heap_unlock(heap);
    return st;
}

/* ===================== public API: statics (.hnd.statics) ========== */

mgc_status mgc_static_set(mgc_heap *heap, unsigned idx, mgc_ref value)
{
    if (!heap || idx >= MGC_STATIC_SLOTS)
        return MGC_E_BAD_ARG;
    mgc_heap_lock_refs(heap, (void **[]){ &value }, 1);   /* .thr.protect */
    mgc_status st = MGC_OK;
    if (value && !mgc_fin_target_ok(heap, value))
        st = MGC_E_BAD_ARG;
    else
        heap->handles->statics[idx] = value;
    mgc_heap_unlock(heap);
    return st;
}

mgc_ref mgc_static_get(mgc_heap *heap, unsigned idx)
{
    if (!heap || idx >= MGC_STATIC_SLOTS)
        return NULL;
    mgc_heap_lock(heap);
    mgc_ref r = heap->handles->statics[idx];
    mgc_heap_unlock(heap);
    return r;
}

/* ===================== collector interface (CONTRACT) =============== */

/* .hnd.order: handles by index, then statics by index. */
void mgc_handles_enum(mgc_heap *heap, unsigned kind_mask, mgc_slot_fn fn, void *ctx)
{
    struct mgc_handles *t = heap->handles;
    MGC_AVER(mgc_handles_check(t));
    if (kind_mask & 0xfu) {
        for (uint32_t i = 0; i < t->used; i++) {
            mgc_handle_slot *s = &t->slots[i];
            if (s->live && (kind_mask & (1u << s->kind)))
                fn(heap, &s->target, ctx);
        }
    }
    if (kind_mask & MGC_ENUM_STATICS) {
        for (unsigned i = 0; i < MGC_STATIC_SLOTS; i++)
            fn(heap, &t->statics[i], ctx);
    }
}

/* SEMANTICS 3 steps 2 (weak) and 5 (weak_long). */
void mgc_handles_clear_dead(mgc_heap *heap, unsigned kind_mask)
{
    struct mgc_handles *t = heap->handles;
    MGC_AVER(mgc_handles_check(t));
    for (uint32_t i = 0; i < t->used; i++) {
        mgc_handle_slot *s = &t->slots[i];
        if (!s->live || !s->target || !(kind_mask & (1u << s->kind)))
            continue;
        if (mgc_gc_is_condemned(heap, s->target) && !mgc_gc_is_live(heap, s->target))
            s->target = NULL;
    }
}

bool mgc_handles_lookup(mgc_heap *heap, mgc_handle h, mgc_handle_kind *kind, void ***slot)
{
    mgc_handle_slot *s = hnd_slot(heap->handles, h);
    if (!s)
        return false;
    if (kind)
        *kind = (mgc_handle_kind)s->kind;
    if (slot)
        *slot = &s->target;
    return true;
}

void mgc_handles_visit(mgc_heap *heap, mgc_handle_visit_fn fn, void *ctx)
{
    struct mgc_handles *t = heap->handles;
    for (uint32_t i = 0; i < t->used; i++) {
        mgc_handle_slot *s = &t->slots[i];
        if (s->live)
            fn(heap, hnd_encode(i, s->salt), (mgc_handle_kind)s->kind, &s->target, ctx);
    }
}

/* ===================== verification ================================= */

#define HND_FAIL(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); \
                           return MGC_E_VERIFY; } while (0)

mgc_status mgc_handles_verify(mgc_heap *heap, char *err, size_t errlen)
{
    struct mgc_handles *t = heap->handles;
    if (!mgc_handles_check(t))
        HND_FAIL("handles: table header corrupt (live %u + free %u != used %u)",
                 t ? t->live : 0u, t ? t->nfree : 0u, t ? t->used : 0u);
    uint32_t live = 0;
    for (uint32_t i = 0; i < t->used; i++) {
        const mgc_handle_slot *s = &t->slots[i];
        if (!s->live)
            continue;
        live++;
        if (s->kind >= HND_KIND_COUNT)
            HND_FAIL("handles: slot %u has kind %u", i, (unsigned)s->kind);
        if (s->target && !mgc_is_object(heap, s->target))
            HND_FAIL("handles: %s handle %u (slot %u) targets %p, not an object",
                     mgc_handle_kind_name((mgc_handle_kind)s->kind),
                     (unsigned)hnd_encode(i, s->salt), i, s->target);
    }
    if (live != t->live)
        HND_FAIL("handles: %u live slots, counter says %u", live, t->live);
    /* The free list: every link in range, every member free, no cycle, its
       length is nfree and it ends at free_tail. */
    uint32_t n = 0, last = MGC_HND_NONE;
    for (uint32_t i = t->free_head; i != MGC_HND_NONE; i = t->slots[i].next_free) {
        if (i >= t->used)
            HND_FAIL("handles: free list links to slot %u beyond %u", i, t->used);
        if (t->slots[i].live)
            HND_FAIL("handles: free list holds live slot %u", i);
        if (++n > t->nfree)
            HND_FAIL("handles: free list longer than %u (cycle?)", t->nfree);
        last = i;
    }
    if (n != t->nfree)
        HND_FAIL("handles: free list has %u slots, counter says %u", n, t->nfree);
    if (last != t->free_tail)
        HND_FAIL("handles: free list ends at %u, tail says %u", last, t->free_tail);
    for (unsigned i = 0; i < MGC_STATIC_SLOTS; i++)
        if (t->statics[i] && !mgc_is_object(heap, t->statics[i]))
            HND_FAIL("handles: static s%u holds %p, not an object", i, t->statics[i]);
    return MGC_OK;
}

/* Counter of the FIN half: # GC Handles (finalize.c adds finalizers_run). */
uint64_t mgc_handles_live_count(mgc_heap *heap)
{
    return heap->handles ? heap->handles->live : 0;
}
