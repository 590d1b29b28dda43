/* compare.c -- the comparison of target and model after every step
 * (checks C1-C9, docs/semantics.md section 8; .exec.compare).
 *
 * Sections: payload stamps, the heap view (a snapshot of the target's
 * walk indexed by address), matching (the target's graph and the model's
 * graph walked in parallel from corresponding roots, then payload stamps,
 * then f-reachable entries), and the checks.
 *
 * Check order (.exec.check-order), so a signature names the first cause:
 * C8 counts, C9 verify, root and slot matching (C1, C7), per object in
 * model id order (C1 payload, C3, C4, C5, C6), then totals (C2 counts by
 * type, size and generation; C6 queue lengths).
 */
#include "exec_internal.h"

#include <stdlib.h>
#include <string.h>

/* Hot loops whose comparisons are with zero only: fuzz builds do not
   instrument them for coverage (they guide nothing, and a trace-cmp
   callback per element costs more than the loop). */
#if defined(__clang__)
#define HX_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define HX_NO_COVERAGE
#endif

/* ==== payload stamps ====================================================== */

static uint32_t hx_mix32(uint32_t v)
{
    v ^= v >> 16;
    v *= 0x7feb352dU;
    v ^= v >> 15;
    v *= 0x846ca68bU;
    v ^= v >> 16;
    return v | 1u;   /* never 0: a zeroed payload is never a valid stamp */
}

/* The head (first <= 8 bytes) and tail (last <= 8 bytes after the head)
   of a stamp as bytes, in payload order: a word compare or copy each,
   no per-byte work. */
typedef struct hx_stamp_bytes { uint8_t head[8], tail[8]; size_t nhead, ntail; } hx_stamp_bytes;

static void hx_stamp_bytes_of(uint32_t id, size_t len, hx_stamp_bytes *b)
{
    uint64_t w = (uint64_t)id | ((uint64_t)hx_mix32(id) << 32);
    b->nhead = len < 8 ? len : 8;
    b->ntail = len > 8 ? (len - 8 < 8 ? len - 8 : 8) : 0;
    for (size_t i = 0; i < 8; i++) {
        b->head[i] = (uint8_t)(w >> (8 * i));
        b->tail[i] = (uint8_t)(~w >> (8 * i));
    }
}

void hx_stamp_write(uint8_t *p, size_t len, uint32_t id)
{
    hx_stamp_bytes b;
    hx_stamp_bytes_of(id, len, &b);
    if (b.nhead == 8)
        memcpy(p, b.head, 8);
    else
        for (size_t i = 0; i < b.nhead; i++)
            p[i] = b.head[i];
    if (b.ntail == 8)
        memcpy(p + len - 8, b.tail, 8);
    else
        for (size_t i = 0; i < b.ntail; i++)
            p[len - b.ntail + i] = b.tail[i];
}

/* Whether n bytes are all zero: compared with a page of zeros (the
   library memcmp is the fastest scan at hand; the zeros stay in the
   cache). */
static const uint8_t hx_zero_page[4096];
static bool hx_all_zero(const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k = n < sizeof hx_zero_page ? n : sizeof hx_zero_page;
        if (memcmp(p, hx_zero_page, k) != 0)
            return false;
        p += k;
        n -= k;
    }
    return true;
}

static bool hx_stamp_edges(const uint8_t *p, size_t len, uint32_t id)
{
    hx_stamp_bytes b;
    hx_stamp_bytes_of(id, len, &b);
    if (b.nhead == 8 ? memcmp(p, b.head, 8) != 0 : memcmp(p, b.head, b.nhead) != 0)
        return false;
    if (b.ntail == 8)
        return memcmp(p + len - 8, b.tail, 8) == 0;
    return memcmp(p + len - b.ntail, b.tail, b.ntail) == 0;
}

bool hx_stamp_check(const uint8_t *p, size_t len, uint32_t id, bool full)
{
    if (!hx_stamp_edges(p, len, id))
        return false;
    /* the middle is zero */
    if (full && len > 16 && !hx_all_zero(p + 8, len - 16))
        return false;
    return true;
}

bool hx_stamp_check_gc(const uint8_t *p, size_t len, uint32_t id, bool moved, uint64_t round)
{
    if (!hx_stamp_edges(p, len, id))
        return false;
    if (len <= 16)
        return true;
    const uint8_t *mid = p + 8;
    size_t n = len - 16;
    if (moved || n <= HX_STAMP_MIDDLE_ALL)
        return hx_all_zero(mid, n);
    /* both ends of the middle, then one window of the rest, its place
       turning with the round (and differing between objects) */
    if (!hx_all_zero(mid, HX_STAMP_MIDDLE_EDGE) ||
        !hx_all_zero(mid + n - HX_STAMP_MIDDLE_EDGE, HX_STAMP_MIDDLE_EDGE))
        return false;
    size_t inner = n - 2 * HX_STAMP_MIDDLE_EDGE;
    size_t windows = (inner + HX_STAMP_MIDDLE_WINDOW - 1) / HX_STAMP_MIDDLE_WINDOW;
    size_t w = (size_t)((round + id) % windows);
    size_t off = w * HX_STAMP_MIDDLE_WINDOW;
    size_t k = inner - off < HX_STAMP_MIDDLE_WINDOW ? inner - off : HX_STAMP_MIDDLE_WINDOW;
    return hx_all_zero(mid + HX_STAMP_MIDDLE_EDGE + off, k);
}

bool hx_stamp_read(const uint8_t *p, size_t len, uint32_t *id)
{
    if (len < 8)
        return false;
    uint64_t w = 0;
    for (size_t i = 0; i < 8; i++)
        w |= (uint64_t)p[i] << (8 * i);
    uint32_t v = (uint32_t)w;
    if (v == 0 || (uint32_t)(w >> 32) != hx_mix32(v))
        return false;
    *id = v;
    return true;
}

/* C1 payload of a view object matched with model object id (stamped by
   the harness, id < ids_cap): head and tail after every statement; after
   a collection the zero middle too, whole for an object the collection
   moved (or whose address is unknown), in part for one it left in place
   (.exec.stamp-gc); at the program's last comparison, after any partial
   read, every middle whole. */
static bool hx_payload_ok(hx_exec *x, const hx_tobj *t, orc_id id)
{
    if (x->final_check)
        return hx_stamp_check(t->payload, t->payload_len, id, true);
    if (!x->gc_in_step)
        return hx_stamp_check(t->payload, t->payload_len, id, false);
    bool moved = x->taddr[id] != t->addr;
    if (!moved && t->payload_len > 16 + HX_STAMP_MIDDLE_ALL)
        x->payload_window = true;
    return hx_stamp_check_gc(t->payload, t->payload_len, id, moved, x->gc_index);
}

/* ==== the heap view ========================================================= */

void hx_heapview_free(hx_heapview *hv)
{
    free(hv->objs);
    free(hv->slots);
    free(hv->runs);
    free(hv->dir);
    free(hv->ix);
    free(hv->midx);
    free(hv->queue);
    free(hv->fr);
    free(hv->fr_crit);
    memset(hv, 0, sizeof *hv);
}

/* The run directory (.exec.addr-index).  A walk in address order (the
   runtime walks each segment from its start) is a few runs of increasing
   addresses.  Each run keeps, per HX_GRANULE bytes of its range, the
   index of the first object at or after the granule's start, filled while
   the walk reports the objects (sequential writes, nothing to clear).  A
   look-up finds the run by a binary search over the few runs, then scans
   from its granule's entry: at most HX_GRANULE / 16 objects, neighbours in
   the view.  A gap of more than HX_RUN_GAP bytes starts a new run.  Past
   HX_MAX_RUNS runs, past HX_DIR_PER_OBJECT directory entries per object
   (objects spread thinly over their address range), or when runs overlap
   (a walk not in address order, or an address reported twice), the view
   falls back to the hash index below, made after the walk. */
#define HX_GRANULE_SHIFT 7u
#define HX_GRANULE (1u << HX_GRANULE_SHIFT)
#define HX_RUN_GAP ((hx_addr)128 * 1024)
#define HX_MAX_RUNS 4096u
#define HX_DIR_PER_OBJECT 16u

static size_t hx_hv_run_find(const hx_heapview *hv, hx_addr a)
{
    size_t lo = 0, hi = hv->nruns;
    while (lo < hi) {           /* the first run with hi >= a */
        size_t mid = lo + (hi - lo) / 2;
        if (hv->runs[mid].hi < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == hv->nruns || a < hv->runs[lo].lo)
        return SIZE_MAX;
    const hx_hvrun *r = &hv->runs[lo];
    size_t k = hv->dir[r->dir_off + ((a - r->lo) >> HX_GRANULE_SHIFT)];
    while (k < r->end && hv->objs[k].addr < a)
        k++;
    return k < r->end && hv->objs[k].addr == a ? k : SIZE_MAX;
}

/* Object k (at a) into the runs, as the walk reports it. */
static inline void hx_hv_run_add(hx_heapview *hv, size_t k, hx_addr a)
{
    hx_hvrun *r = hv->nruns ? &hv->runs[hv->nruns - 1] : NULL;
    if (k >= UINT32_MAX) {
        hv->runs_ok = false;
        return;
    }
    if (!r || a <= r->hi || a - r->hi > HX_RUN_GAP) {
        if (hv->nruns == HX_MAX_RUNS || !HX_RESERVE(hv->runs, hv->runs_cap, hv->nruns + 1, 16)) {
            hv->runs_ok = false;
            return;
        }
        r = &hv->runs[hv->nruns++];
        *r = (hx_hvrun){.lo = a, .dir_off = hv->ndir};
    }
    size_t g = (size_t)((a - r->lo) >> HX_GRANULE_SHIFT);
    if (g >= r->ndir) {
        /* the granules from the last one with an object up to a's: the
           objects before k all lie before their starts */
        if (r->dir_off + g + 1 > HX_DIR_PER_OBJECT * (k + 1) + 65536u ||
            !HX_RESERVE(hv->dir, hv->dir_cap, r->dir_off + g + 1, 1024)) {
            hv->runs_ok = false;
            return;
        }
        for (size_t i = r->ndir; i <= g; i++)
            hv->dir[r->dir_off + i] = (uint32_t)k;
        r->ndir = g + 1;
        hv->ndir = r->dir_off + r->ndir;
    }
    r->hi = a;
    r->end = k + 1;
}

static int hx_hvrun_cmp(const void *pa, const void *pb)
{
    const hx_hvrun *p = pa, *q = pb;
    return p->lo < q->lo ? -1 : p->lo > q->lo;
}

/* After the walk: the runs in address order, if none overlaps another. */
static void hx_hv_runs_finish(hx_heapview *hv)
{
    if (!hv->runs_ok || hv->nruns < 2)
        return;
    qsort(hv->runs, hv->nruns, sizeof *hv->runs, hx_hvrun_cmp);
    for (size_t i = 1; i < hv->nruns; i++)
        if (hv->runs[i].lo <= hv->runs[i - 1].hi) {
            hv->runs_ok = false;
            return;
        }
}

/* The hash index (.exec.addr-index): open addressing with linear
   probing, at most a quarter full, where the objects of one 4 KiB page
   take consecutive buckets in address order (one per 16 bytes of the
   page: objects of 16 bytes or more never share one) from a place the
   page number scatters.  Objects near each other
   in memory (a chain, an array and its elements, the objects a compaction
   slid together) are then near each other in the index, so a comparison
   that follows references through the heap finds most of them in cache;
   a hash of the whole address would make every look-up a cache miss. */
static inline size_t hx_hv_bucket(hx_addr a, size_t mask)
{
    uint64_t pg = a >> 12;
    pg ^= pg >> 33;
    pg *= 0xff51afd7ed558ccdULL;
    pg ^= pg >> 29;
    return (size_t)(pg + ((a >> 4) & 255u)) & mask;
}

static size_t hx_hv_find(const hx_heapview *hv, hx_addr a)
{
    if (hv->runs_ok)
        return hx_hv_run_find(hv, a);
    if (!a || !hv->ix_cap)
        return SIZE_MAX;
    size_t mask = hv->ix_cap - 1;
    for (size_t i = hx_hv_bucket(a, mask); hv->ix[i]; i = (i + 1) & mask)
        if (hv->objs[hv->ix[i] - 1].addr == a)
            return hv->ix[i] - 1;
    return SIZE_MAX;
}

/* The object at a, looked for first beside object k of the view: the
   walk reports objects in address order, and a reference often leads to
   a neighbour of the object holding it (a chain built in order) or of the
   object the previous slot led to (an array of objects allocated in
   order), whose entry is then in cache. */
static inline size_t hx_hv_find_near(const hx_heapview *hv, hx_addr a, size_t k)
{
    if (k + 1 < hv->n && hv->objs[k + 1].addr == a)
        return k + 1;
    if (k > 0 && hv->objs[k - 1].addr == a)
        return k - 1;
    return hx_hv_find(hv, a);
}

/* An empty index for n objects (at least 4 buckets each). */
static bool hx_hv_index_reset(hx_heapview *hv, size_t n)
{
    if (n >= UINT32_MAX / 8)
        return false;
    size_t cap = 64;
    while (cap < 4 * n)
        cap *= 2;
    /* grown when too small, shrunk when far too large (clearing it is the
       only cost a larger index adds) */
    if (cap > hv->ix_cap || cap * 16 < hv->ix_cap) {
        free(hv->ix);
        hv->ix = calloc(cap, sizeof *hv->ix);
        hv->ix_cap = hv->ix ? cap : 0;
        return hv->ix != NULL;
    }
    memset(hv->ix, 0, hv->ix_cap * sizeof *hv->ix);
    return true;
}

/* Object k of the view into the index (which has room). */
static inline void hx_hv_index_put(hx_heapview *hv, size_t k)
{
    size_t mask = hv->ix_cap - 1;
    size_t i = hx_hv_bucket(hv->objs[k].addr, mask);
    while (hv->ix[i])
        i = (i + 1) & mask;
    hv->ix[i] = (uint32_t)(k + 1);
}

/* Self-check (level 2): every object of the view is found by its
   address (an object at the address: a target could report one twice). */
static bool hx_hv_index_valid(const hx_heapview *hv)
{
    for (size_t k = 0; k < hv->n; k++) {
        size_t i = hx_hv_find(hv, hv->objs[k].addr);
        if (i == SIZE_MAX || hv->objs[i].addr != hv->objs[k].addr)
            return false;
    }
    return true;
}

static void hx_hv_add(void *ctx, const hx_tobject *o)
{
    hx_heapview *hv = ctx;
    if (hv->oom)
        return;
    if (hv->n == hv->cap) {
        size_t cap = hv->cap ? hv->cap * 2 : 256;
        hx_tobj *n = realloc(hv->objs, cap * sizeof *n);
        if (!n) {
            hv->oom = true;
            return;
        }
        hv->objs = n;
        hv->cap = cap;
    }
    if (hv->nslots + o->nslots > hv->slots_cap) {
        size_t cap = hv->slots_cap ? hv->slots_cap : 1024;
        while (cap < hv->nslots + o->nslots)
            cap *= 2;
        hx_addr *n = realloc(hv->slots, cap * sizeof *n);
        if (!n) {
            hv->oom = true;
            return;
        }
        hv->slots = n;
        hv->slots_cap = cap;
    }
    size_t k = hv->n++;
    hx_tobj *t = &hv->objs[k];
    memset(t, 0, sizeof *t);
    t->addr = o->addr;
    t->type = o->type;
    t->size = o->size;
    t->gen = (int8_t)o->gen;
    t->large = o->large;
    t->nslots = (uint32_t)o->nslots;
    t->slot_off = hv->nslots;
    if (o->nslots)
        hx_copy_words(hv->slots + hv->nslots, o->slots, o->nslots);
    hv->nslots += o->nslots;
    t->payload = o->payload;
    t->payload_len = o->payload_len;
    if (hv->runs_ok)
        hx_hv_run_add(hv, k, o->addr);
}

/* The identity stamp of a view object (0: none, payload shorter than 8
   bytes or stamp broken); *bad: long enough but broken. */
static uint32_t hx_tobj_stamp(const hx_tobj *t, bool *bad)
{
    uint32_t id = 0;
    *bad = false;
    if (t->payload_len >= 8 && !hx_stamp_read(t->payload, t->payload_len, &id)) {
        *bad = true;
        id = 0;
    }
    return id;
}

static void hx_hv_fin(void *ctx, hx_addr obj, bool freachable, bool critical)
{
    hx_heapview *hv = ctx;
    size_t i = hx_hv_find(hv, obj);
    if (freachable) {
        hv->fin_freachable++;
        if (hv->nfr == hv->fr_cap) {
            size_t cap = hv->fr_cap ? hv->fr_cap * 2 : 32;
            hx_addr *n = realloc(hv->fr, cap * sizeof *n);
            bool *c = realloc(hv->fr_crit, cap * sizeof *c);
            if (n)
                hv->fr = n;
            if (c)
                hv->fr_crit = c;
            if (!n || !c) {
                hv->oom = true;
                return;
            }
            hv->fr_cap = cap;
        }
        hv->fr_crit[hv->nfr] = critical;
        hv->fr[hv->nfr++] = obj;
    } else {
        hv->fin_registered++;
    }
    if (i != SIZE_MAX) {
        if (freachable)
            hv->objs[i].fr_entries++;
        else
            hv->objs[i].fin_entries++;
    }
}

static bool hx_hv_build(hx_exec *x)
{
    hx_heapview *hv = &x->hv;
    hv->nslots = 0;
    hv->nfr = 0;
    hv->fin_registered = hv->fin_freachable = 0;
    hv->oom = false;
    /* the run directory is filled during the walk; the hash index is
       made after it only when the runs cannot index the view */
    hv->n = 0;
    hv->nruns = 0;
    hv->ndir = 0;
    hv->runs_ok = true;
    x->ops->walk(x->t, hx_hv_add, hv);
    if (hv->oom)
        return false;
    hx_hv_runs_finish(hv);
    if (!hv->runs_ok) {
        if (!hx_hv_index_reset(hv, hv->n))
            return false;
        for (size_t k = 0; k < hv->n; k++)
            hx_hv_index_put(hv, k);
    }
    HX_AVER_HEAP(hx_hv_index_valid(hv));
    if (x->ops->fin_walk)
        x->ops->fin_walk(x->t, hx_hv_fin, hv);
    return !hv->oom;
}

/* ==== roots ================================================================= */

/* Every static slot of the target (.tgt.statics-peek): one call when the
   target offers it, else static_peek per slot. */
static void hx_statics_read(hx_exec *x, hx_addr out[ORC_STATICS])
{
    if (x->ops->statics_peek) {
        x->ops->statics_peek(x->t, out, ORC_STATICS);
        return;
    }
    for (uint32_t s = 0; s < ORC_STATICS; s++)
        out[s] = x->ops->static_peek(x->t, s);
}

/* ==== matching =============================================================== */

typedef struct hx_mctx {
    hx_exec *x;
    bool report;            /* record failures (false: build the map only) */
    uint32_t *midx;         /* model id -> target index + 1 (x->hv.midx) */
    size_t nids;
    orc_id *queue;          /* ids matched, in match order (x->hv.queue) */
    size_t qn;
    size_t qdone;           /* queue entries whose slots were followed */
    bool recheck;           /* report: an object failed hx_object_ok (or could
                               not be judged alone): the checks in model id
                               order must run (hx_compare) */
} hx_mctx;

/* Where a reference was found, formatted only when a check fails (the
   comparison after every step must not pay for messages it never prints). */
typedef enum hx_where_kind {
    HX_W_TEXT, HX_W_LOCAL, HX_W_STATIC, HX_W_HANDLE, HX_W_SLOT
} hx_where_kind;

typedef struct hx_where {
    hx_where_kind kind;
    uint32_t a;             /* local, static, handle or object id */
    uint32_t b;             /* slot index; handle kind */
    const char *text;       /* HX_W_TEXT */
} hx_where;

static const char *hx_where_format(const hx_exec *x, const hx_where *w, char *buf, size_t cap)
{
    switch (w->kind) {
    case HX_W_LOCAL:
        snprintf(buf, cap, "local %s", x->p->locals[w->a]);
        break;
    case HX_W_STATIC:
        snprintf(buf, cap, "static s%u", w->a);
        break;
    case HX_W_HANDLE:
        snprintf(buf, cap, "%s handle %s", hx_handle_kind_name((hx_handle_kind)w->b),
                 x->p->handles[w->a]);
        break;
    case HX_W_SLOT:
        snprintf(buf, cap, "object %u slot %u", w->a, w->b);
        break;
    default:
        snprintf(buf, cap, "%s", w->text);
        break;
    }
    return buf;
}

static bool hx_pair(hx_mctx *c, orc_id id, size_t ti, const char *check, const hx_where *w)
{
    hx_exec *x = c->x;
    char what[96];
    hx_tobj *t = &x->hv.objs[ti];
    if (id >= c->nids)
        return false;
    if (c->midx[id] && c->midx[id] - 1 != ti) {
        if (c->report)
            hx_exec_fail(x, check, "identity-mismatch", id,
                         "%s: model object %u is target object %#lx here but %#lx elsewhere",
                         hx_where_format(x, w, what, sizeof what), id, (unsigned long)t->addr,
                         (unsigned long)x->hv.objs[c->midx[id] - 1].addr);
        return false;
    }
    if (t->id && t->id != id) {
        if (c->report)
            hx_exec_fail(x, check, "identity-mismatch", id,
                         "%s: target object %#lx stands for model objects %u and %u",
                         hx_where_format(x, w, what, sizeof what),
                         (unsigned long)t->addr, t->id, id);
        return false;
    }
    if (c->midx[id])
        return true;
    c->midx[id] = (uint32_t)(ti + 1);
    t->id = id;
    c->queue[c->qn++] = id;
    return true;
}

/* A root: model id m (may be 0) against target address a (may be 0). */
static void hx_root(hx_mctx *c, orc_id m, hx_addr a, const char *check, const hx_where *w)
{
    hx_exec *x = c->x;
    char what[96];
    if (x->stop && c->report)
        return;
    if (!m && !a)
        return;
    if (!m || !a) {
        bool weak = strcmp(check, "C7") == 0;
        /* .tgt.caps: a conservative collector may keep a weak target the
           model cleared */
        if (weak && a && !(x->ops->caps & HX_CAP_COMPLETE))
            return;
        if (c->report) {
            hx_exec_fail(x, check, weak ? (a ? "not-cleared" : "cleared-early")
                                        : (a ? "root-not-null" : "root-null"),
                         m, "%s: model holds %s%u, target holds %#lx",
                         hx_where_format(x, w, what, sizeof what), m ? "object " : "null ",
                         m, (unsigned long)a);
        }
        return;
    }
    size_t ti = hx_hv_find(&x->hv, a);
    if (ti == SIZE_MAX) {
        if (c->report)
            hx_exec_fail(x, "C1", "dangling-root", m,
                         "%s: target address %#lx is not an object of the heap walk (model object %u)",
                         hx_where_format(x, w, what, sizeof what), (unsigned long)a, m);
        return;
    }
    hx_pair(c, m, ti, check, w);
}

/* The scan for the next slot where either side holds a reference, the
   hot loop of the comparison (.exec.slot-scan).  A block of HX_SLOT_BLOCK
   slots null on both sides is passed with one OR over each side's block
   (a fixed trip count the compiler turns into wide loads); other slots
   one by one.  Every slot of both arrays is read.  Fuzz builds do not
   instrument it for coverage: its comparisons are with null only and
   guide nothing, and the trace-cmp callbacks per slot cost more than the
   scan itself (address checks stay). */
#define HX_SLOT_BLOCK 64u
static HX_NO_COVERAGE uint32_t hx_next_ref(const orc_id *ms, const hx_addr *ts, uint32_t i,
                                           uint32_t n)
{
    while (i < n) {
        if ((i & (HX_SLOT_BLOCK - 1)) == 0 && n - i >= HX_SLOT_BLOCK) {
            orc_id m = 0;
            hx_addr a = 0;
            for (unsigned k = 0; k < HX_SLOT_BLOCK; k++) {
                m |= ms[i + k];
                a |= ts[i + k];
            }
            if ((m | a) == 0) {
                i += HX_SLOT_BLOCK;
                continue;
            }
        }
        if (ms[i] || ts[i])
            return i;
        i++;
    }
    return n;
}

static bool hx_object_ok(hx_exec *x, const hx_tobj *t, const orc_obj_info *info);

/* Follow the slots of every matched pair (breadth first), from the first
   pair not followed yet: a pair's slots are followed once. */
static void hx_propagate(hx_mctx *c)
{
    hx_exec *x = c->x;
    for (; c->qdone < c->qn; c->qdone++) {
        size_t qi = c->qdone;
        if (x->stop && c->report)
            return;
        size_t tk = c->midx[c->queue[qi]] - 1;
        hx_tobj *t = &x->hv.objs[tk];
        orc_obj_info info;
        if (orc_obj_get(x->m, t->id, &info) != ORC_OK || !info.alive) {
            if (c->report)
                hx_exec_fail(x, "C2", "dead-reachable", t->id,
                             "target object %#lx matches model object %u, which the model reclaimed",
                             (unsigned long)t->addr, t->id);
            continue;
        }
        if (!c->report && (t->type != info.type || t->nslots != info.nslots))
            continue;
        if (c->report) {
            if (t->type != info.type) {
                hx_exec_fail(x, "C1", "type-mismatch", t->id,
                             "object %u: model type %s, target type index %u", t->id,
                             x->p->types[info.type].name, t->type);
                return;
            }
            uint64_t tal = (t->size + 7) & ~(uint64_t)7;
            if (t->size != info.size && tal != info.aligned) {
                hx_exec_fail(x, "C1", "size-mismatch", t->id,
                             "object %u (%s): model size %llu, target size %llu", t->id,
                             x->p->types[info.type].name, (unsigned long long)info.size,
                             (unsigned long long)t->size);
                return;
            }
            if (t->nslots != info.nslots) {
                hx_exec_fail(x, "C1", "slot-count", t->id,
                             "object %u: model %u reference slots, target %u", t->id, info.nslots,
                             t->nslots);
                return;
            }
            /* the object's own checks while its model record is at hand
               (.exec.check-fused); reported in model id order after the
               match only if one fails */
            if (!c->recheck) {
                if (hx_object_ok(x, t, &info) && hx_exec_ids_reserve(x, t->id)) {
                    x->pinaddr[t->id] = info.pinned || info.large ? t->addr : 0;
                    x->taddr[t->id] = t->addr;
                } else {
                    c->recheck = true;
                }
            }
        }
        /* one pass over both slot arrays: the model's read in place
           (orc_obj_slots), the target's from the heap view */
        uint64_t mn = 0;
        const orc_id *ms = orc_obj_slots(x->m, t->id, &mn);
        if (mn != t->nslots)
            ms = NULL;
        const hx_addr *ts = t->nslots ? x->hv.slots + t->slot_off : NULL;
        /* slots null on both sides agree; the scan skips them */
        uint32_t n = t->nslots;
        size_t hint = tk;
        for (uint32_t i = ms ? hx_next_ref(ms, ts, 0, n) : 0; i < n;
             i = ms ? hx_next_ref(ms, ts, i + 1, n) : i + 1) {
            orc_id mid = ms ? ms[i] : orc_obj_slot(x->m, t->id, i);
            hx_addr a = ts[i];
            if (!mid && !a)
                continue;
            hx_where w = {HX_W_SLOT, t->id, i, NULL};
            char what[64];
            if (!mid || !a) {
                if (c->report) {
                    hx_exec_fail(x, "C1", "slot-mismatch", t->id,
                                 "%s: model holds %s%u, target holds %#lx",
                                 hx_where_format(x, &w, what, sizeof what),
                                 mid ? "object " : "null ", mid, (unsigned long)a);
                    return;
                }
                continue;
            }
            size_t ti = hx_hv_find_near(&x->hv, a, hint);
            if (ti == SIZE_MAX) {
                if (c->report) {
                    hx_exec_fail(x, "C1", "dangling-slot", t->id,
                                 "%s: target address %#lx is not an object (model object %u)",
                                 hx_where_format(x, &w, what, sizeof what), (unsigned long)a,
                                 mid);
                    return;
                }
                continue;
            }
            hint = ti;
            if (!hx_pair(c, mid, ti, "C1", &w) && c->report)
                return;
        }
    }
}

/* The f-reachable entries left unmatched after the roots and the slots
   (.cmp.fr-pair): each target entry, in the target's queue order, pairs
   with the first unmatched entry of its type in the model's normal list,
   else in its critical list, in queue order.  Each model list is sorted
   once by (type, position) and a cursor per type skips the entries
   already matched (they stay matched), which pairs exactly as a scan from
   the head of the list would, in n log n instead of n^2: with thousands
   of queued objects and a collection every few allocations the scans
   took seconds (a fuzzer input with a 127-byte gen0 budget). */
typedef struct hx_fr_ent { uint32_t type, pos; orc_id id; } hx_fr_ent;

static int hx_fr_ent_cmp(const void *a, const void *b)
{
    const hx_fr_ent *p = a, *q = b;
    if (p->type != q->type)
        return p->type < q->type ? -1 : 1;
    return p->pos < q->pos ? -1 : p->pos > q->pos;
}

static bool hx_match_freachable(hx_mctx *c)
{
    hx_exec *x = c->x;
    hx_fr_ent *e[2] = {NULL, NULL};
    uint32_t *cur[2] = {NULL, NULL};   /* cursor of the type run starting at i, in cur[i] */
    size_t n[2] = {0, 0};
    bool built = false, ok = true;
    for (size_t k = 0; k < x->hv.nfr && !(c->report && x->stop); k++) {
        size_t ti = hx_hv_find(&x->hv, x->hv.fr[k]);
        if (ti == SIZE_MAX || x->hv.objs[ti].id)
            continue;
        if (!built) {
            built = true;
            for (int list = 0; list < 2 && ok; list++) {
                uint32_t m = orc_freachable_count(x->m, (orc_fq_list)list);
                e[list] = malloc((m ? m : 1) * sizeof *e[list]);
                cur[list] = malloc((m ? m : 1) * sizeof *cur[list]);
                ok = e[list] && cur[list];
                for (uint32_t j = 0; ok && j < m; j++) {
                    orc_id id = orc_freachable_get(x->m, (orc_fq_list)list, j);
                    orc_obj_info info;
                    if (id < c->nids && orc_obj_get(x->m, id, &info) == ORC_OK)
                        e[list][n[list]++] = (hx_fr_ent){info.type, j, id};
                }
                if (ok) {
                    qsort(e[list], n[list], sizeof *e[list], hx_fr_ent_cmp);
                    for (size_t i = 0; i < n[list]; i++)
                        cur[list][i] = (uint32_t)i;
                }
            }
            if (!ok)
                break;
        }
        uint32_t type = x->hv.objs[ti].type;
        for (int list = 0; list < 2; list++) {
            /* the run of `type`: the first entry not below it */
            size_t lo = 0, hi = n[list];
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (e[list][mid].type < type)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo == n[list] || e[list][lo].type != type)
                continue;
            size_t i = cur[list][lo];
            while (i < n[list] && e[list][i].type == type && c->midx[e[list][i].id])
                i++;
            cur[list][lo] = (uint32_t)i;
            if (i < n[list] && e[list][i].type == type) {
                hx_where w = {HX_W_TEXT, 0, 0, "f-reachable entry"};
                hx_pair(c, e[list][i].id, ti, "C6", &w);
                break;
            }
        }
    }
    for (int list = 0; list < 2; list++) {
        free(e[list]);
        free(cur[list]);
    }
    return ok;
}

/* The whole match: x->hv.midx maps each matched model id to its object
   of the view (ids at or above x->hv.midx_cap are never matched), in x->hv.queue's
   x->hv.qn entries.  Returns false on allocation failure. */
static bool hx_do_match(hx_exec *x, bool report)
{
    hx_heapview *hv = &x->hv;
    /* forget the last match (its ids are in the queue) */
    for (size_t k = 0; k < hv->qn; k++)
        hv->midx[hv->queue[k]] = 0;
    hv->qn = 0;
    if (!hx_hv_build(x)) {
        if (report)
            hx_exec_fail(x, "C1", "walk-failed", 0, "could not snapshot the target heap");
        return false;
    }
    size_t nids = (size_t)orc_last_id(x->m) + 1;
    if (nids > hv->midx_cap) {
        size_t cap = hv->midx_cap ? hv->midx_cap : 256;
        while (cap < nids)
            cap *= 2;
        uint32_t *n = realloc(hv->midx, cap * sizeof *n);
        if (!n)
            return false;
        memset(n + hv->midx_cap, 0, (cap - hv->midx_cap) * sizeof *n);
        hv->midx = n;
        hv->midx_cap = cap;
    }
    if (hv->n + 1 > hv->queue_cap) {
        size_t cap = hv->queue_cap ? hv->queue_cap : 256;
        while (cap < hv->n + 1)
            cap *= 2;
        orc_id *q = realloc(hv->queue, cap * sizeof *q);
        if (!q)
            return false;
        hv->queue = q;
        hv->queue_cap = cap;
    }
    hx_mctx c = {0};
    c.x = x;
    c.report = report;
    c.nids = nids;
    c.midx = hv->midx;
    c.queue = hv->queue;
    c.recheck = !report;
    const hx_program *p = x->p;
    /* roots in a fixed order: locals, statics, handles */
    for (uint32_t l = 0; l < p->nlocals; l++) {
        orc_id id = ORC_NULL;
        orc_local_state st = orc_local_get(x->m, l, &id);
        if (st != ORC_LOCAL_BOUND)
            id = ORC_NULL;
        hx_where w = {HX_W_LOCAL, l, 0, NULL};
        hx_root(&c, id, x->ops->get_local(x->t, l), "C1", &w);
    }
    hx_addr statics[ORC_STATICS];
    orc_id mstat[ORC_STATICS];
    hx_statics_read(x, statics);
    orc_statics_get(x->m, mstat);
    for (uint32_t s = 0; s < ORC_STATICS; s++) {
        hx_where w = {HX_W_STATIC, s, 0, NULL};
        hx_root(&c, mstat[s], statics[s], "C1", &w);
    }
    for (uint32_t h = 0; h < p->nhandles; h++) {
        orc_handle_info hi;
        if (!x->thandle_live[h] || orc_handle_get(x->m, h, &hi) != ORC_OK || !hi.bound || hi.freed)
            continue;
        bool weak = hi.kind == ORC_HANDLE_WEAK || hi.kind == ORC_HANDLE_WEAK_LONG;
        hx_where w = {HX_W_HANDLE, h, (uint32_t)hi.kind, NULL};
        hx_root(&c, hi.target, x->ops->handle_peek(x->t, x->thandle[h]), weak ? "C7" : "C1", &w);
    }
    hx_propagate(&c);
    /* payload stamps identify objects no root reaches */
    for (size_t i = 0; c.qn < x->hv.n && i < x->hv.n && !(report && x->stop); i++) {
        hx_tobj *t = &x->hv.objs[i];
        if (t->id)
            continue;
        bool bad;
        uint32_t stamp = hx_tobj_stamp(t, &bad);
        if (stamp && stamp < c.nids) {
            orc_obj_info info;
            hx_where w = {HX_W_TEXT, 0, 0, "payload stamp"};
            if (orc_obj_get(x->m, stamp, &info) == ORC_OK && info.alive)
                hx_pair(&c, stamp, i, "C1", &w);
        }
    }
    hx_propagate(&c);
    bool fr_ok = hx_match_freachable(&c);
    hx_propagate(&c);
    hv->qn = c.qn;          /* what the next match forgets, even after a failure */
    hv->recheck = c.recheck;
    return fr_ok;
}

void hx_match(hx_exec *x)
{
    hx_do_match(x, false);
    x->map_stale = false;
}

orc_id hx_lookup_id(hx_exec *x, hx_addr a)
{
    size_t i = hx_hv_find(&x->hv, a);
    if (i != SIZE_MAX && x->hv.objs[i].id)
        return x->hv.objs[i].id;
    /* the object may have been allocated after the last match */
    if (i == SIZE_MAX) {
        hx_match(x);
        i = hx_hv_find(&x->hv, a);
        if (i != SIZE_MAX && x->hv.objs[i].id)
            return x->hv.objs[i].id;
    }
    return ORC_NULL;
}

/* ==== the checks ============================================================== */

typedef struct hx_key { uint32_t type; int gen; uint64_t size; } hx_key;

static int hx_key_cmp(const void *a, const void *b)
{
    const hx_key *p = a, *q = b;
    if (p->type != q->type)
        return p->type < q->type ? -1 : 1;
    if (p->size != q->size)
        return p->size < q->size ? -1 : 1;
    return (p->gen > q->gen) - (p->gen < q->gen);
}

static const char *hx_tname(hx_exec *x, uint32_t t)
{
    return t < x->p->ntypes ? x->p->types[t].name : "?";
}

/* C2: the heap holds exactly the model's objects, by type, size, gen. */
static void hx_check_counts(hx_exec *x)
{
    uint32_t mn = orc_live_count(x->m);
    size_t tn = x->hv.n;
    bool gens = (x->ops->caps & HX_CAP_GENERATIONS) != 0;
    bool complete = (x->ops->caps & HX_CAP_COMPLETE) != 0;
    hx_key *mk = malloc((mn + 1) * sizeof *mk);
    hx_key *tk = malloc((tn + 1) * sizeof *tk);
    if (!mk || !tk) {
        free(mk);
        free(tk);
        return;
    }
    size_t i = 0;
    uint32_t nlive = 0;
    const orc_id *live = orc_live_ids(x->m, &nlive);
    for (uint32_t li = 0; li < nlive && i < mn; li++) {
        orc_id id = live[li];
        orc_obj_info info;
        orc_obj_get(x->m, id, &info);
        mk[i++] = (hx_key){info.type, gens ? info.gen : 0, info.aligned};
    }
    mn = (uint32_t)i;
    for (size_t k = 0; k < tn; k++) {
        const hx_tobj *t = &x->hv.objs[k];
        tk[k] = (hx_key){t->type, gens ? t->gen : 0, (t->size + 7) & ~(uint64_t)7};
    }
    qsort(mk, mn, sizeof *mk, hx_key_cmp);
    qsort(tk, tn, sizeof *tk, hx_key_cmp);
    size_t a = 0, b = 0;
    while (a < mn || b < tn) {
        int c = a == mn ? 1 : b == tn ? -1 : hx_key_cmp(&mk[a], &tk[b]);
        if (c == 0) {
            a++;
            b++;
            continue;
        }
        if (c > 0 && !complete) {
            b++;                 /* .tgt.caps: a conservative collector keeps extras */
            continue;
        }
        const hx_key *k = c < 0 ? &mk[a] : &tk[b];
        size_t nm = 0, nt = 0;
        for (size_t j = 0; j < mn; j++)
            nm += hx_key_cmp(&mk[j], k) == 0;
        for (size_t j = 0; j < tn; j++)
            nt += hx_key_cmp(&tk[j], k) == 0;
        hx_exec_fail(x, "C2", c < 0 ? "missing-object" : "extra-object", 0,
                     "objects of type %s, %llu bytes, gen %d: model %zu, target %zu "
                     "(all objects: model %u, target %zu)", hx_tname(x, k->type),
                     (unsigned long long)k->size, k->gen, nm, nt, mn, tn);
        break;
    }
    free(mk);
    free(tk);
}

/* C2 on what the match left unpaired: whether hx_check_counts would pass.
   Every pair agrees in type, aligned size and (where the target has
   them) generation, as the checks before this one passed, so the pairs
   cancel from both sides' counts: the counts agree when those of the
   unpaired model and target objects do (the model's are contained in the
   target's for a target without HX_CAP_COMPLETE).  Sorts the unpaired
   objects only (garbage the model has not collected yet, often few);
   false also when out of memory (hx_check_counts then decides and names
   the difference). */
static bool hx_counts_unpaired_ok(hx_exec *x)
{
    bool gens = (x->ops->caps & HX_CAP_GENERATIONS) != 0;
    bool complete = (x->ops->caps & HX_CAP_COMPLETE) != 0;
    const uint32_t *midx = x->hv.midx;
    uint32_t nlive = 0;
    const orc_id *live = orc_live_ids(x->m, &nlive);
    size_t mn = 0, tn = 0;
    for (uint32_t i = 0; i < nlive; i++)
        mn += live[i] >= x->hv.midx_cap || !midx[live[i]];
    for (size_t k = 0; k < x->hv.n; k++)
        tn += !x->hv.objs[k].id;
    hx_key *mk = malloc((mn + 1) * sizeof *mk);
    hx_key *tk = malloc((tn + 1) * sizeof *tk);
    bool ok = mk && tk;
    if (ok) {
        size_t a = 0, b = 0;
        for (uint32_t i = 0; i < nlive; i++) {
            if (live[i] < x->hv.midx_cap && midx[live[i]])
                continue;
            orc_obj_info info;
            orc_obj_get(x->m, live[i], &info);
            mk[a++] = (hx_key){info.type, gens ? info.gen : 0, info.aligned};
        }
        for (size_t k = 0; k < x->hv.n; k++) {
            const hx_tobj *t = &x->hv.objs[k];
            if (!t->id)
                tk[b++] = (hx_key){t->type, gens ? t->gen : 0, (t->size + 7) & ~(uint64_t)7};
        }
        qsort(mk, mn, sizeof *mk, hx_key_cmp);
        qsort(tk, tn, sizeof *tk, hx_key_cmp);
        a = b = 0;
        while (ok && (a < mn || b < tn)) {
            int c = a == mn ? 1 : b == tn ? -1 : hx_key_cmp(&mk[a], &tk[b]);
            if (c == 0) {
                a++;
                b++;
            } else if (c > 0 && !complete) {
                b++;
            } else {
                ok = false;
            }
        }
    }
    free(mk);
    free(tk);
    return ok;
}

/* .clr.demote: in the clr profile a survivor of the last collection may
   report a younger generation if it was pinned, or if it lies next to a
   pinned survivor of that collection in address order (nothing but free
   space between them: no object of the walk).  The model is told and
   judges the rest (it refuses every demotion in the strict profile). */
static bool hx_clr_demotion(hx_exec *x, const hx_tobj *t, const orc_obj_info *info)
{
    if (!x->gc_in_step || t->gen >= info->gen)
        return false;
    if (info->pinned)
        return orc_obj_demote(x->m, info->id, t->gen) == ORC_OK;
    for (size_t i = 0; i < x->hv.n; i++) {
        const hx_tobj *u = &x->hv.objs[i];
        orc_obj_info ui;
        if (u == t || !u->id || orc_obj_get(x->m, u->id, &ui) != ORC_OK || !ui.pinned)
            continue;
        const hx_tobj *lo = u->addr < t->addr ? u : t, *hi = lo == u ? t : u;
        if (lo->addr + lo->size > hi->addr)
            continue;
        bool between = false;
        for (size_t k = 0; k < x->hv.n && !between; k++)
            between = x->hv.objs[k].addr > lo->addr && x->hv.objs[k].addr < hi->addr;
        if (!between)
            return orc_obj_demote_mate(x->m, info->id, t->gen, u->id) == ORC_OK;
    }
    return false;
}

/* Whether hx_check_object would find nothing wrong with the object, with
   no side effect (false also when only the demotion rules, which look at
   the whole match, can decide): the check fused into the match
   (.exec.check-fused). */
static bool hx_object_ok(hx_exec *x, const hx_tobj *t, const orc_obj_info *info)
{
    orc_id id = info->id;
    if (t->payload_len && id < x->ids_cap && x->stamped[id] &&
        !hx_payload_ok(x, t, id))
        return false;
    if (t->gen != info->gen && (x->ops->caps & HX_CAP_GENERATIONS))
        return false;
    if (t->large != info->large && (x->ops->caps & HX_CAP_LOH))
        return false;
    if (x->gc_in_step && id < x->ids_cap && x->pinaddr[id] && x->pinaddr[id] != t->addr &&
        !(info->large && !info->pinned && x->compact_in_step))
        return false;
    if (x->ops->fin_walk &&
        (t->fin_entries != info->fin_entries || t->fr_entries != info->freachable_entries))
        return false;
    if (x->ops->fin_bit && x->p->types[info->type].fin != HX_FIN_NONE) {
        int bit = x->ops->fin_bit(x->t, t->addr);
        if (bit >= 0 && (bit != 0) != info->finalizer_run)
            return false;
    }
    return true;
}

static void hx_check_object(hx_exec *x, const hx_tobj *t, const orc_obj_info *info)
{
    orc_id id = info->id;
    /* C1 payload (.exec.stamp): the zero middle too after a collection */
    if (t->payload_len && id < x->ids_cap && x->stamped[id] &&
        !hx_payload_ok(x, t, id)) {
        hx_exec_fail(x, "C1", "payload-corrupt", id,
                     "object %u (%s) at %#lx: payload of %zu bytes does not hold its stamp", id,
                     hx_tname(x, info->type), (unsigned long)t->addr, t->payload_len);
        return;
    }
    if (t->gen != info->gen && (x->ops->caps & HX_CAP_GENERATIONS) &&
        !hx_clr_demotion(x, t, info)) {
        hx_exec_fail(x, "C3", "gen-mismatch", id, "object %u (%s): model gen %d, target gen %d",
                     id, hx_tname(x, info->type), info->gen, t->gen);
        return;
    }
    if (t->large != info->large && (x->ops->caps & HX_CAP_LOH)) {
        hx_exec_fail(x, "C4", "loh-mismatch", id,
                     "object %u (%s, %llu bytes): model %s, target %s", id,
                     hx_tname(x, info->type), (unsigned long long)info->size,
                     info->large ? "loh" : "soh", t->large ? "loh" : "soh");
        return;
    }
    if (x->gc_in_step && id < x->ids_cap && x->pinaddr[id] && x->pinaddr[id] != t->addr &&
        !(info->large && !info->pinned && x->compact_in_step)) {
        hx_exec_fail(x, "C5", "moved", id,
                     "%s object %u (%s) moved from %#lx to %#lx in a collection",
                     info->pinned ? "pinned" : "large", id, hx_tname(x, info->type),
                     (unsigned long)x->pinaddr[id], (unsigned long)t->addr);
        return;
    }
    if (x->ops->fin_walk &&
        (t->fin_entries != info->fin_entries || t->fr_entries != info->freachable_entries)) {
        hx_exec_fail(x, "C6", "entries-mismatch", id,
                     "object %u (%s): model %u registered + %u f-reachable entries, target %u + %u",
                     id, hx_tname(x, info->type), info->fin_entries, info->freachable_entries,
                     t->fin_entries, t->fr_entries);
        return;
    }
    if (x->ops->fin_bit && x->p->types[info->type].fin != HX_FIN_NONE) {
        int bit = x->ops->fin_bit(x->t, t->addr);
        if (bit >= 0 && (bit != 0) != info->finalizer_run) {
            hx_exec_fail(x, "C6", "bit-mismatch", id,
                         "object %u (%s): model finalizer-run bit %d, target %d", id,
                         hx_tname(x, info->type), info->finalizer_run, bit);
            return;
        }
    }
}

void hx_compare(hx_exec *x)
{
    HX_AVER(hx_exec_check(x));
    x->step_checks = 0;
    /* C8: collection counts */
    for (int g = 0; g < ORC_GENS; g++) {
        uint64_t mc = orc_collection_count(x->m, g), tc = x->ops->collection_count(x->t, g);
        if (mc != tc) {
            hx_exec_fail(x, "C8", "count-mismatch", 0, "collections of gen %d: model %llu, target %llu",
                         g, (unsigned long long)mc, (unsigned long long)tc);
            return;
        }
    }
    /* C9: the target's own verification */
    if (x->ops->verify && (x->o->verify_each || x->gc_in_step)) {
        char err[256] = "";
        if (x->ops->verify(x->t, err, sizeof err) != HX_T_OK) {
            hx_exec_fail(x, "C9", "verify-failed", 0, "heap verification: %s", err);
            return;
        }
    }
    if (!hx_do_match(x, true) || x->stop)
        return;
    const uint32_t *midx = x->hv.midx;
    size_t nids = (size_t)orc_last_id(x->m) + 1;
    x->map_stale = false;
    /* per object, in model id order; unless every live model object was
       matched and passed its checks in the match (.exec.check-fused) */
    size_t matched = 0, unmatched_t = 0;
    uint32_t nlive = 0;
    const orc_id *live = orc_live_ids(x->m, &nlive);
    if (!x->hv.recheck && x->hv.qn == nlive) {
        matched = nlive;
        nlive = 0;
    }
    for (uint32_t li = 0; li < nlive && !x->stop; li++) {
        orc_id id = live[li];
        if (id >= nids || !midx[id]) {
            if (id < x->ids_cap)
                x->pinaddr[id] = x->taddr[id] = 0;
            continue;
        }
        orc_obj_info info;
        orc_obj_get(x->m, id, &info);
        const hx_tobj *t = &x->hv.objs[midx[id] - 1];
        matched++;
        hx_check_object(x, t, &info);
        if (hx_exec_ids_reserve(x, id)) {
            x->pinaddr[id] = info.pinned || info.large ? t->addr : 0;
            x->taddr[id] = t->addr;
        }
    }
    /* unmatched objects must still carry an intact stamp */
    for (size_t i = 0; x->hv.qn < x->hv.n && i < x->hv.n && !x->stop; i++) {
        const hx_tobj *t = &x->hv.objs[i];
        if (t->id)
            continue;
        unmatched_t++;
        bool bad;
        hx_tobj_stamp(t, &bad);
        if (bad)
            hx_exec_fail(x, "C1", "payload-corrupt", 0,
                         "unreachable object %#lx (%s, %llu bytes): payload stamp broken",
                         (unsigned long)t->addr, hx_tname(x, t->type), (unsigned long long)t->size);
    }
    if (x->stop)
        return;
    /* C2 by counting: when the match pairs every live model object with a
       target object and leaves no target object over, the pairs are a
       bijection whose type, size and generation were compared above, so
       the counts by type, size and generation agree (.exec.c2-bijection) */
    if ((matched != orc_live_count(x->m) || unmatched_t != 0) && !hx_counts_unpaired_ok(x))
        hx_check_counts(x);
    if (x->stop || !x->ops->fin_walk)
        return;
    uint64_t mreg = orc_finq_count(x->m);
    uint64_t mfr = (uint64_t)orc_freachable_count(x->m, ORC_FQ_NORMAL) +
                   orc_freachable_count(x->m, ORC_FQ_CRITICAL);
    if (mreg != x->hv.fin_registered || mfr != x->hv.fin_freachable)
        hx_exec_fail(x, "C6", "queue-length", 0,
                     "finalization queue: model %llu registered + %llu f-reachable, target %llu + %llu",
                     (unsigned long long)mreg, (unsigned long long)mfr,
                     (unsigned long long)x->hv.fin_registered,
                     (unsigned long long)x->hv.fin_freachable);
}

/* ==== the per-statement check (.exec.schedule) ================================ */

/* Its functions are not instrumented for coverage in fuzz builds (they
   compare the two sides; their branches guide nothing, and their
   trace-cmp callbacks per root cost more than the check). */

/* The entry of object id in the touched list (added when missing; NULL
   for id 0, or when the list is full, which the contract check rules out:
   a statement names at most three locals). */
static hx_touched *hx_touched_entry(hx_exec *x, orc_id id)
{
    if (!id)
        return NULL;
    for (unsigned i = 0; i < x->ntouched; i++)
        if (x->touched[i].id == id)
            return &x->touched[i];
    HX_AVER(x->ntouched < HX_TOUCH_MAX);
    if (x->ntouched >= HX_TOUCH_MAX)
        return NULL;
    hx_touched *e = &x->touched[x->ntouched++];
    e->id = id;
    e->whole = false;
    e->nslots = 0;
    return e;
}

void hx_touch(hx_exec *x, orc_id id)
{
    hx_touched_entry(x, id);
}

void hx_touch_slot(hx_exec *x, orc_id id, uint64_t slot)
{
    hx_touched *e = hx_touched_entry(x, id);
    if (!e || e->whole)
        return;
    for (unsigned k = 0; k < e->nslots; k++)
        if (e->slots[k] == slot)
            return;
    if (e->nslots < HX_TOUCH_SLOTS)
        e->slots[e->nslots++] = slot;
    else
        e->whole = true;    /* more slots than noted: compare them all */
}

void hx_touch_whole(hx_exec *x, orc_id id)
{
    hx_touched *e = hx_touched_entry(x, id);
    if (e)
        e->whole = true;
}

/* The target address model object m must have (0 for null); false when
   the model names an object whose address the executor does not know. */
HX_NO_COVERAGE static bool hx_expect_addr(const hx_exec *x, orc_id m, hx_addr *a)
{
    if (!m) {
        *a = 0;
        return true;
    }
    *a = m < x->ids_cap ? x->taddr[m] : 0;
    return *a != 0;
}

/* A root: the model's id and the target's address agree when the address
   is the one the model object was matched with (identity through the
   address map, which is one-to-one because objects do not move between
   collections). */
HX_NO_COVERAGE static bool hx_root_ok(const hx_exec *x, orc_id m, hx_addr a)
{
    hx_addr want;
    return hx_expect_addr(x, m, &want) && a == want;
}

HX_NO_COVERAGE static bool hx_roots_ok(hx_exec *x)
{
    const hx_program *p = x->p;
    for (uint32_t l = 0; l < p->nlocals; l++) {
        orc_id id = ORC_NULL;
        if (orc_local_get(x->m, l, &id) != ORC_LOCAL_BOUND)
            id = ORC_NULL;
        if (!hx_root_ok(x, id, x->ops->get_local(x->t, l)))
            return false;
    }
    /* all 64 statics after every step: both sides read at once, a null
       static compared without a look-up */
    hx_addr statics[ORC_STATICS];
    orc_id mstat[ORC_STATICS];
    hx_statics_read(x, statics);
    orc_statics_get(x->m, mstat);
    for (uint32_t s = 0; s < ORC_STATICS; s++)
        if ((mstat[s] | statics[s]) && !hx_root_ok(x, mstat[s], statics[s]))
            return false;
    for (uint32_t h = 0; h < p->nhandles; h++) {
        orc_handle_info hi;
        if (!x->thandle_live[h] || orc_handle_get(x->m, h, &hi) != ORC_OK || !hi.bound || hi.freed)
            continue;
        hx_addr a = x->ops->handle_peek(x->t, x->thandle[h]);
        /* .tgt.caps: as in the complete comparison, a conservative
           collector may keep a weak target the model cleared */
        if (!hi.target && a && !(x->ops->caps & HX_CAP_COMPLETE) &&
            (hi.kind == ORC_HANDLE_WEAK || hi.kind == ORC_HANDLE_WEAK_LONG))
            continue;
        if (!hx_root_ok(x, hi.target, a))
            return false;
    }
    return true;
}

/* The header facts of a touched object against the model: address, type,
   size, slot count, C3 generation, C4 placement and the payload stamp
   (head and tail: constant time, .exec.stamp). */
HX_NO_COVERAGE static bool hx_head_ok(const hx_exec *x, orc_id id, const orc_obj_info *info,
                                      hx_addr a, const hx_tobject *o)
{
    if (o->addr != a || o->type != info->type)
        return false;
    uint64_t tal = (o->size + 7) & ~(uint64_t)7;
    if ((o->size != info->size && tal != info->aligned) || o->nslots != info->nslots)
        return false;
    /* .tgt.caps: generations and the LOH are checked where the target
       has them, as in the complete comparison */
    if ((o->gen != info->gen && (x->ops->caps & HX_CAP_GENERATIONS)) ||
        (o->large != info->large && (x->ops->caps & HX_CAP_LOH)))
        return false;
    if (o->payload_len && id < x->ids_cap && x->stamped[id] &&
        !hx_stamp_check(o->payload, o->payload_len, id, false))
        return false;
    return true;
}

/* The slots of a wide object the statement named (.exec.wide): one
   object_part call per named slot (the header facts with each), or the
   header alone when it named none; through `object` (a copy of every slot,
   compared at the named ones only) for a target without object_part. */
HX_NO_COVERAGE static bool hx_wide_ok(hx_exec *x, const hx_touched *e, const orc_obj_info *info,
                                      hx_addr a)
{
    hx_tobject o;
    if (!x->ops->object_part) {
        if (!x->ops->object(x->t, a, &o) || !hx_head_ok(x, e->id, info, a, &o))
            return false;
        for (unsigned k = 0; k < e->nslots; k++)
            if (e->slots[k] < o.nslots &&
                !hx_root_ok(x, orc_obj_slot(x->m, e->id, e->slots[k]), o.slots[e->slots[k]]))
                return false;
        return true;
    }
    bool head = false;
    for (unsigned k = 0; k < e->nslots; k++) {
        uint64_t i = e->slots[k];
        if (i >= info->nslots)
            continue;       /* (not reached: the model refuses such a slot) */
        if (!x->ops->object_part(x->t, a, i, 1, &o) ||
            !hx_head_ok(x, e->id, info, a, &o) ||
            !hx_root_ok(x, orc_obj_slot(x->m, e->id, i), o.slots[0]))
            return false;
        head = true;
    }
    return head ||
           (x->ops->object_part(x->t, a, 0, 0, &o) && hx_head_ok(x, e->id, info, a, &o));
}

/* One touched object against the model: what hx_check_object and the
   slot matching of hx_propagate check, through the address map; of a wide
   object not touched whole, the slots the statement named only
   (.exec.wide). */
HX_NO_COVERAGE static bool hx_touched_ok(hx_exec *x, const hx_touched *e)
{
    orc_id id = e->id;
    orc_obj_info info;
    if (orc_obj_get(x->m, id, &info) != ORC_OK)
        return false;
    /* C5 needs the address of every pinned or large object at the end of
       the step; only a touched object can have been pinned or unpinned */
    if (id < x->ids_cap)
        x->pinaddr[id] = info.alive && (info.pinned || info.large) ? x->taddr[id] : 0;
    if (!info.alive)
        return true;    /* a dropped local's last object, reclaimed since */
    hx_addr a;
    if (!hx_expect_addr(x, id, &a))
        return false;
    if (info.nslots > HX_WIDE_SLOTS && !e->whole) {
        if (!hx_wide_ok(x, e, &info, a))
            return false;
    } else {
        hx_tobject o;
        if (!x->ops->object(x->t, a, &o) || !hx_head_ok(x, id, &info, a, &o))
            return false;
        uint64_t mn = 0;
        const orc_id *ms = orc_obj_slots(x->m, id, &mn);
        uint32_t n = info.nslots;
        if (mn != n)
            ms = NULL;
        for (uint32_t i = ms ? hx_next_ref(ms, o.slots, 0, n) : 0; i < n;
             i = ms ? hx_next_ref(ms, o.slots, i + 1, n) : i + 1) {
            orc_id mid = ms ? ms[i] : orc_obj_slot(x->m, id, i);
            if (!hx_root_ok(x, mid, o.slots[i]))
                return false;
        }
    }
    if (x->ops->fin_bit && x->p->types[info.type].fin != HX_FIN_NONE) {
        int bit = x->ops->fin_bit(x->t, a);
        if (bit >= 0 && (bit != 0) != info.finalizer_run)
            return false;
    }
    return true;
}

HX_NO_COVERAGE bool hx_check_step(hx_exec *x)
{
    HX_AVER(hx_exec_check(x) && x->ops->object && !x->gc_in_step);
    x->step_checks++;
    for (int g = 0; g < ORC_GENS; g++)
        if (orc_collection_count(x->m, g) != x->ops->collection_count(x->t, g))
            return false;
    if (x->ops->verify && x->o->verify_each) {
        char err[256] = "";
        if (x->ops->verify(x->t, err, sizeof err) != HX_T_OK)
            return false;
    }
    if (!hx_roots_ok(x))
        return false;
    for (unsigned i = 0; i < x->ntouched; i++)
        if (!hx_touched_ok(x, &x->touched[i]))
            return false;
    if (x->ops->fin_counts && x->ops->fin_walk) {
        uint64_t reg = 0, fr = 0;
        x->ops->fin_counts(x->t, &reg, &fr);
        uint64_t mfr = (uint64_t)orc_freachable_count(x->m, ORC_FQ_NORMAL) +
                       orc_freachable_count(x->m, ORC_FQ_CRITICAL);
        if (reg != orc_finq_count(x->m) || fr != mfr)
            return false;
    }
    return true;
}
