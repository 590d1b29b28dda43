/* dump.c -- SOS-style text views of a heap (mgc_dump).
 *
 * What a person reproducing a crash looks at, modelled on the SOS commands
 * !eeheap -gc, !dumpheap -stat, !gcroot and !finalizequeue, plus a memory
 * map.  The formats are stable (tests parse them; docs/runtime-finalization.md
 * "Diagnostic views" lists them).  Numbers: addresses as 0x + 16 hex digits, sizes as
 * 0x<hex>(<decimal>) in eeheap and memmap, decimal elsewhere.
 *
 * .dump.order  every list follows the program, never the addresses the OS
 *              gave: segments in creation order, objects in walk order
 *              (.walk.order), roots in the collector's root order (locals,
 *              statics, handles in index order, f-reachable lists), type
 *              statistics by total size, then name, then registration order.
 * .dump.lock   a view takes the heap lock and refuses to run inside a
 *              collection (MGC_E_STATE).
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#define PTR(p) ((unsigned long long)(uintptr_t)(p))
#define SZ(n) ((unsigned long long)(n))

/* ===================== eeheap ======================================= */

static void eeheap_gen_line(mgc_heap *heap, FILE *out, int g)
{
    /* the first segment (creation order) where generation g is not empty */
    size_t idx = 0;
    for (mgc_segment *s = heap->soh; s; s = s->next, idx++) {
        uint8_t *lo, *hi;
        mgc_segment_gen_range(s, g, &lo, &hi);
        if (lo < hi) {
            fprintf(out, "generation %d starts at 0x%016llx (segment %zu)\n", g, PTR(lo), idx);
            return;
        }
    }
    fprintf(out, "generation %d is empty\n", g);
}

static void view_eeheap(mgc_heap *heap, FILE *out)
{
    size_t total = 0;
    fprintf(out, "Number of GC Heaps: 1\n");
    for (int g = 0; g <= 2; g++)
        eeheap_gen_line(heap, out, g);
    fprintf(out, "Small object heap\n");
    fprintf(out, " %-4s %-18s %-18s %-18s %-18s %-18s %-18s %s\n", "seg", "begin", "gen1 start",
            "gen0 start", "allocated", "committed", "reserved", "size");
    size_t idx = 0;
    for (mgc_segment *s = heap->soh; s; s = s->next, idx++) {
        size_t size = (size_t)(s->used - s->base);
        total += size;
        fprintf(out, " %-4zu 0x%016llx 0x%016llx 0x%016llx 0x%016llx 0x%016llx 0x%016llx 0x%llx(%llu)\n",
                idx, PTR(s->base), PTR(s->gen1_start), PTR(s->gen0_start), PTR(s->used),
                PTR(s->committed_end), PTR(s->reserved_end), SZ(size), SZ(size));
    }
    fprintf(out, "Large object heap\n");
    fprintf(out, " %-4s %-18s %-18s %-18s %-18s %s\n", "seg", "begin", "allocated", "committed",
            "reserved", "size");
    idx = 0;
    for (mgc_segment *s = heap->loh; s; s = s->next, idx++) {
        size_t size = (size_t)(s->used - s->base);
        total += size;
        fprintf(out, " %-4zu 0x%016llx 0x%016llx 0x%016llx 0x%016llx 0x%llx(%llu)\n", idx,
                PTR(s->base), PTR(s->used), PTR(s->committed_end), PTR(s->reserved_end),
                SZ(size), SZ(size));
    }
    mgc_stats st;
    mgc_get_stats(heap, &st);
    uint64_t objs = st.gen_size[0] + st.gen_size[1] + st.gen_size[2] + st.loh_size;
    fprintf(out, "Total Size: 0x%llx(%llu)\n", SZ(total), SZ(total));
    fprintf(out, "GC Heap Size: 0x%llx(%llu)\n", SZ(objs), SZ(objs));
    fprintf(out, "Committed: 0x%llx(%llu)\n", SZ(st.gc_committed), SZ(st.gc_committed));
    fprintf(out, "Reserved: 0x%llx(%llu)\n", SZ(st.gc_reserved), SZ(st.gc_reserved));
    /* the budgets in force (.budget.dynamic) */
    static const char *const bname[4] = { "gen0", "gen1", "gen2", "LOH" };
    for (int b = 0; b < 4; b++)
        fprintf(out, "%s budget: 0x%llx(%llu) %s, last survival %u.%u%%\n", bname[b],
                SZ(st.budget[b]), SZ(st.budget[b]), (st.budget_dynamic >> b) & 1u ? "dynamic" : "fixed",
                st.survival_permille[b] / 10u, st.survival_permille[b] % 10u);
}

/* ===================== type statistics (dumpheap -stat) ============= */

typedef struct dump_tstat {
    const mgc_type *type;
    size_t count, size;
} dump_tstat;

typedef struct dump_stats {
    dump_tstat *rows;             /* indexed by type id */
    size_t n;
    bool oom;
} dump_stats;

static void stats_add(dump_stats *d, const mgc_type *t, size_t size)
{
    if (t->id >= d->n) {
        size_t n = d->n ? d->n : 16;
        while (n <= t->id)
            n *= 2;
        dump_tstat *r = realloc(d->rows, n * sizeof *r);
        if (!r) {
            d->oom = true;
            return;
        }
        memset(r + d->n, 0, (n - d->n) * sizeof *r);
        d->rows = r;
        d->n = n;
    }
    d->rows[t->id].type = t;
    d->rows[t->id].count++;
    d->rows[t->id].size += size;
}

static int tstat_cmp(const void *a, const void *b)
{
    const dump_tstat *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    int c = strcmp(mgc_type_name(x->type), mgc_type_name(y->type));
    if (c)
        return c;
    return x->type->id < y->type->id ? -1 : x->type->id > y->type->id;
}

/* Print the table; returns the object count. */
static size_t stats_print(dump_stats *d, FILE *out, size_t *total_size)
{
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->rows[i].count)
            d->rows[m++] = d->rows[i];
    if (m > 1)                         /* rows is NULL for an empty heap */
        qsort(d->rows, m, sizeof *d->rows, tstat_cmp);
    fprintf(out, "%18s %8s %12s %s\n", "MT", "Count", "TotalSize", "Class Name");
    size_t count = 0, size = 0;
    for (size_t i = 0; i < m; i++) {
        fprintf(out, "0x%016llx %8zu %12zu %s\n", PTR(d->rows[i].type), d->rows[i].count,
                d->rows[i].size, mgc_type_name(d->rows[i].type));
        count += d->rows[i].count;
        size += d->rows[i].size;
    }
    if (total_size)
        *total_size = size;
    return count;
}

static bool dumpheap_fn(const mgc_object_info *info, void *ctx)
{
    dump_stats *d = ctx;
    stats_add(d, mgc_obj_type(info->obj), info->size);
    return !d->oom;
}

static mgc_status view_dumpheap_stat(mgc_heap *heap, FILE *out)
{
    dump_stats d = {NULL, 0, false};
    mgc_walk(heap, MGC_WALK_FREE, dumpheap_fn, &d);
    if (d.oom) {
        free(d.rows);
        return MGC_E_OOM;
    }
    fprintf(out, "Statistics:\n");
    size_t size = 0;
    size_t count = stats_print(&d, out, &size);
    fprintf(out, "Total %zu objects, %zu bytes\n", count, size);
    free(d.rows);
    return MGC_OK;
}

/* ===================== finalizequeue ================================ */

static void finq_stats_seg(mgc_heap *heap, int seg, dump_stats *d)
{
    for (size_t i = 0; i < mgc_finq_seg_count(heap, seg); i++) {
        void *obj = mgc_finq_seg_get(heap, seg, i);
        stats_add(d, mgc_obj_type(obj), mgc_obj_size(obj));
    }
}

/* f-reachable entries in the order the drain takes them (.fin.take). */
static void finq_print_seg(mgc_heap *heap, int seg, const char *name, FILE *out)
{
    size_t n = mgc_finq_seg_count(heap, seg);
    fprintf(out, "%s: %zu\n", name, n);
    for (size_t i = n; i-- > 0;) {
        void *obj = mgc_finq_seg_get(heap, seg, i);
        fprintf(out, "  0x%016llx %s\n", PTR(obj), mgc_type_name(mgc_obj_type(obj)));
    }
}

static mgc_status view_finalizequeue(mgc_heap *heap, FILE *out)
{
    for (int g = 0; g < 3; g++)
        fprintf(out, "generation %d has %zu finalizable objects\n", g,
                mgc_finq_seg_count(heap, MGC_FSEG_OF_GEN(g)));
    size_t nn = mgc_finq_seg_count(heap, MGC_FSEG_NORMAL);
    size_t nc = mgc_finq_seg_count(heap, MGC_FSEG_CRITICAL);
    fprintf(out, "Ready for finalization %zu objects (normal %zu, critical %zu)\n", nn + nc, nn, nc);
    finq_print_seg(heap, MGC_FSEG_NORMAL, "f-reachable normal", out);
    finq_print_seg(heap, MGC_FSEG_CRITICAL, "f-reachable critical", out);
    dump_stats d = {NULL, 0, false};
    for (int k = 0; k < MGC_FSEG_COUNT; k++)
        finq_stats_seg(heap, k, &d);
    if (d.oom) {
        free(d.rows);
        return MGC_E_OOM;
    }
    fprintf(out, "Statistics for all finalizable objects (including all objects ready for finalization):\n");
    size_t count = stats_print(&d, out, NULL);
    fprintf(out, "Total %zu objects\n", count);
    free(d.rows);
    return MGC_OK;
}

/* ===================== memory map =================================== */

static void memmap_line(FILE *out, const char *what, size_t reserved, size_t committed)
{
    fprintf(out, "%-28s 0x%llx(%llu) 0x%llx(%llu)\n", what, SZ(reserved), SZ(reserved),
            SZ(committed), SZ(committed));
}

static void memmap_segments(FILE *out, mgc_segment *list, const char *kind)
{
    char name[64];
    size_t idx = 0;
    for (mgc_segment *s = list; s; s = s->next, idx++) {
        snprintf(name, sizeof name, "  %s segment %zu", kind, idx);
        memmap_line(out, name, (size_t)(s->reserved_end - s->base),
                    (size_t)(s->committed_end - s->base));
    }
}

static void view_memmap(mgc_heap *heap, FILE *out)
{
    mgc_stats st;
    mgc_get_stats(heap, &st);
    fprintf(out, "%-28s %s %s\n", "Heap", "Reserved", "Committed");
    memmap_line(out, "GC heap", (size_t)st.gc_reserved, (size_t)st.gc_committed);
    memmap_segments(out, heap->soh, "soh");
    memmap_segments(out, heap->loh, "loh");
    memmap_segments(out, heap->spare, "spare");
    memmap_line(out, "Loader heaps", (size_t)st.loader_reserved, (size_t)st.loader_committed);
    char name[64];
    snprintf(name, sizeof name, "  loader %s", heap->hf.name);
    memmap_line(out, name, heap->hf.reserved, heap->hf.committed);
    snprintf(name, sizeof name, "  loader %s", heap->lf.name);
    memmap_line(out, name, heap->lf.reserved, heap->lf.committed);
    memmap_line(out, "Total", (size_t)(st.gc_reserved + st.loader_reserved),
                (size_t)(st.gc_committed + st.loader_committed));
}

/* ===================== gcroot ======================================= */

/* A breadth-first search over the object graph from the roots in root
   order (.dump.order); the path found is a shortest one, ties going to the
   earlier root. */
typedef enum root_kind {
    ROOT_LOCAL, ROOT_STATIC, ROOT_HANDLE, ROOT_FR_NORMAL, ROOT_FR_CRITICAL,
    ROOT_FINALIZING, ROOT_OLDER
} root_kind;

typedef struct gc_node {
    void *obj;
    size_t parent;                /* node index, SIZE_MAX for a root */
    root_kind kind;               /* roots only */
    unsigned a;                   /* thread / static index / handle kind */
    uint64_t b;                   /* slot / handle value */
} gc_node;

typedef struct gcroot_ctx {
    mgc_heap *heap;
    gc_node *nodes;
    size_t n, cap;
    size_t *table;                /* open addressing: node index + 1 */
    size_t tcap;
    bool oom;
    void *target;
    size_t found;                 /* node index of the target, or SIZE_MAX */
} gcroot_ctx;

static size_t ptr_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p >> 3;
    x *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(x >> 17) & (cap - 1);
}

static bool gcr_grow(gcroot_ctx *c)
{
    size_t ncap = c->tcap ? c->tcap * 2 : 1024;
    size_t *t = calloc(ncap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < c->n; i++) {
        size_t h = ptr_hash(c->nodes[i].obj, ncap);
        while (t[h])
            h = (h + 1) & (ncap - 1);
        t[h] = i + 1;
    }
    free(c->table);
    c->table = t;
    c->tcap = ncap;
    return true;
}

static bool gcr_seen(gcroot_ctx *c, const void *obj)
{
    if (!c->tcap)
        return false;
    for (size_t h = ptr_hash(obj, c->tcap); c->table[h]; h = (h + 1) & (c->tcap - 1))
        if (c->nodes[c->table[h] - 1].obj == obj)
            return true;
    return false;
}

/* Add a node for obj unless seen; returns false on OOM. */
static void gcr_add(gcroot_ctx *c, void *obj, size_t parent, root_kind kind, unsigned a, uint64_t b)
{
    if (c->oom || !obj || gcr_seen(c, obj))
        return;
    if ((c->n + 1) * 2 > c->tcap && !gcr_grow(c)) {
        c->oom = true;
        return;
    }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        gc_node *nn = realloc(c->nodes, ncap * sizeof *nn);
        if (!nn) {
            c->oom = true;
            return;
        }
        c->nodes = nn;
        c->cap = ncap;
    }
    gc_node *nd = &c->nodes[c->n];
    nd->obj = obj;
    nd->parent = parent;
    nd->kind = kind;
    nd->a = a;
    nd->b = b;
    size_t h = ptr_hash(obj, c->tcap);
    while (c->table[h])
        h = (h + 1) & (c->tcap - 1);
    c->table[h] = ++c->n;
    if (obj == c->target && c->found == SIZE_MAX)
        c->found = c->n - 1;
}

/* Expand nodes [from, n) breadth first until the target is found. */
static void gcr_bfs(gcroot_ctx *c, size_t from)
{
    for (size_t i = from; i < c->n && c->found == SIZE_MAX && !c->oom; i++) {
        void *obj = c->nodes[i].obj;
        void **slots = mgc_obj_slots(obj);
        size_t ns = mgc_obj_nslots(obj);
        for (size_t k = 0; k < ns; k++)
            gcr_add(c, slots[k], i, ROOT_LOCAL, 0, 0);
    }
}

static void gcr_local(mgc_heap *heap, unsigned tid, size_t idx, void **slot, void *ctx)
{
    (void)heap;
    gcr_add(ctx, *slot, SIZE_MAX, ROOT_LOCAL, tid, idx);
}

static void gcr_handle(mgc_heap *heap, mgc_handle h, mgc_handle_kind kind, void **slot, void *ctx)
{
    (void)heap;
    if (kind == MGC_HANDLE_STRONG || kind == MGC_HANDLE_PINNED)
        gcr_add(ctx, *slot, SIZE_MAX, ROOT_HANDLE, (unsigned)kind, h);
}

typedef struct older_ctx { gcroot_ctx *c; int gen; } older_ctx;

static bool gcr_older(const mgc_object_info *info, void *vctx)
{
    older_ctx *o = vctx;
    if (info->gen > o->gen)
        gcr_add(o->c, info->obj, SIZE_MAX, ROOT_OLDER, (unsigned)info->gen, 0);
    return !o->c->oom;
}

static void gcr_print_root(gcroot_ctx *c, const gc_node *root, const gc_node *next, FILE *out)
{
    switch (root->kind) {
    case ROOT_LOCAL:
        fprintf(out, "Root: local thread %u slot %llu\n", root->a, (unsigned long long)root->b);
        break;
    case ROOT_STATIC:
        fprintf(out, "Root: static s%u\n", root->a);
        break;
    case ROOT_HANDLE:
        fprintf(out, "Root: handle %s 0x%08llx\n", mgc_handle_kind_name((mgc_handle_kind)root->a),
                (unsigned long long)root->b);
        break;
    case ROOT_FR_NORMAL:
        fprintf(out, "Root: f-reachable normal\n");
        break;
    case ROOT_FR_CRITICAL:
        fprintf(out, "Root: f-reachable critical\n");
        break;
    case ROOT_FINALIZING:
        fprintf(out, "Root: finalizing\n");
        break;
    case ROOT_OLDER: {
        /* is the card of the slot leading to the next object set? */
        const char *card = "card";
        if (next) {
            mgc_segment *seg = mgc_segment_of(c->heap, root->obj);
            void **slots = mgc_obj_slots(root->obj);
            size_t ns = mgc_obj_nslots(root->obj);
            for (size_t k = 0; k < ns; k++)
                if (slots[k] == next->obj) {
                    card = seg && mgc_cards_is_set(seg, &slots[k], mgc_gc_gen_of(c->heap, next->obj))
                               ? "card" : "card not set";
                    break;
                }
        }
        fprintf(out, "Root: older-generation object 0x%016llx (gen%u, %s)\n", PTR(root->obj),
                root->a, card);
        break;
    }
    }
}

static mgc_status view_gcroot(mgc_heap *heap, void *target, FILE *out)
{
    if (!target || !mgc_is_object(heap, target))
        return MGC_E_BAD_ARG;
    gcroot_ctx c;
    memset(&c, 0, sizeof c);
    c.heap = heap;
    c.target = target;
    c.found = SIZE_MAX;
    struct mgc_finq *q = heap->finq;
    /* roots, in the collector's order */
    mgc_roots_enum_locals(heap, gcr_local, &c);
    for (unsigned i = 0; i < MGC_STATIC_SLOTS; i++)
        gcr_add(&c, heap->handles->statics[i], SIZE_MAX, ROOT_STATIC, i, 0);
    mgc_handles_visit(heap, gcr_handle, &c);
    for (size_t i = mgc_finq_seg_count(heap, MGC_FSEG_NORMAL); i-- > 0;)
        gcr_add(&c, mgc_finq_seg_get(heap, MGC_FSEG_NORMAL, i), SIZE_MAX, ROOT_FR_NORMAL, 0, 0);
    for (size_t i = mgc_finq_seg_count(heap, MGC_FSEG_CRITICAL); i-- > 0;)
        gcr_add(&c, mgc_finq_seg_get(heap, MGC_FSEG_CRITICAL, i), SIZE_MAX, ROOT_FR_CRITICAL, 0, 0);
    gcr_add(&c, q->running, SIZE_MAX, ROOT_FINALIZING, 0, 0);
    gcr_bfs(&c, 0);
    /* not reachable from a true root: from older generations (what a
       collection of the target's generation treats as roots, .root.older) */
    int gen = mgc_gc_gen_of(heap, target);
    if (c.found == SIZE_MAX && !c.oom && gen < 2) {
        size_t from = c.n;
        older_ctx o = {&c, gen};
        mgc_walk(heap, 0, gcr_older, &o);
        gcr_bfs(&c, from);
    }
    mgc_status st = c.oom ? MGC_E_OOM : MGC_OK;
    if (st == MGC_OK) {
        fprintf(out, "gcroot 0x%016llx (%s, gen%d)\n", PTR(target),
                mgc_type_name(mgc_obj_type(target)), gen);
        if (c.found == SIZE_MAX) {
            fprintf(out, "Found 0 roots.\n");
        } else {
            /* the path, root first */
            size_t len = 0;
            for (size_t i = c.found; i != SIZE_MAX; i = c.nodes[i].parent)
                len++;
            size_t *path = malloc(len * sizeof *path);
            if (!path) {
                st = MGC_E_OOM;
            } else {
                size_t k = len;
                for (size_t i = c.found; i != SIZE_MAX; i = c.nodes[i].parent)
                    path[--k] = i;
                gcr_print_root(&c, &c.nodes[path[0]], len > 1 ? &c.nodes[path[1]] : NULL, out);
                for (size_t j = 0; j < len; j++) {
                    void *o = c.nodes[path[j]].obj;
                    fprintf(out, "  %s0x%016llx %s\n", j ? "-> " : "", PTR(o),
                            mgc_type_name(mgc_obj_type(o)));
                }
                fprintf(out, "Found 1 root.\n");
                free(path);
            }
        }
    }
    free(c.nodes);
    free(c.table);
    return st;
}

/* ===================== public API =================================== */

mgc_status mgc_dump(mgc_heap *heap, mgc_view view, mgc_ref obj, FILE *out)
{
    if (!heap || !out)
        return MGC_E_BAD_ARG;
    mgc_heap_lock(heap);
    mgc_status st = MGC_OK;
    if (heap->in_gc) {
        st = MGC_E_STATE;
    } else {
        switch (view) {
        case MGC_VIEW_EEHEAP: view_eeheap(heap, out); break;
        case MGC_VIEW_DUMPHEAP_STAT: st = view_dumpheap_stat(heap, out); break;
        case MGC_VIEW_GCROOT: st = view_gcroot(heap, obj, out); break;
        case MGC_VIEW_FINALIZEQUEUE: st = view_finalizequeue(heap, out); break;
        case MGC_VIEW_MEMMAP: view_memmap(heap, out); break;
        default: st = MGC_E_BAD_ARG; break;
        }
    }
    mgc_heap_unlock(heap);
    return st;
}
