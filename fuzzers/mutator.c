/* mutator.c -- structure-aware mutator of fuzz_program inputs (mutator.h).
 *
 * libFuzzer calls LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver
 * instead of its own mutations when a driver defines them.  Here they
 * decode the input (harness/decode.c), change the program (insert, delete,
 * duplicate, move a statement or a block, repeat an allocation, change an
 * operand, a type, an array length towards the size boundaries, a handle
 * kind, a collect, a heap key; splice two programs) and encode it
 * (harness/encode.c).  A share of the calls keeps libFuzzer's byte-level
 * mutations (LLVMFuzzerMutate: its dictionaries, compare tracing and value
 * profiles stay useful):
 *   GCF_MUTATOR=byte|struct      byte-level only (libFuzzer's own
 *                                mutations; the default: it reached more
 *                                coverage per execution and per second,
 *                                docs/benchmarks.md "Mutator"), or
 *                                structured with a byte share
 *   GCF_MUTATOR_BYTE_SHARE=P     percent of byte-level calls in struct mode
 *                                (default 20)
 *   GCF_MUTATOR_STATS=1          mutations applied per kind, at exit
 */
#include "mutator.h"

#include "codec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== Random numbers (splitmix64) ======================================= */

/* The harness's splitmix64 (harness/util.h), under short names. */
static uint64_t rnext(uint64_t *s)
{
    return hx_rng_next(s);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
    return hx_rng_below(s, n);
}

static bool chance(uint64_t *s, unsigned percent)
{
    return below(s, 100) < percent;
}

/* ==== Operand fields of each statement kind ============================= */
/* From the statement table (harness/stmts.def, .prog.table). */

static bool has(hx_stmt_kind k, hx_field f)
{
    return hx_stmt_has(k, f);
}

/* Whether kind k's text has element tx for field f (any field: HX_FIELD_none). */
static bool has_text(hx_stmt_kind k, hx_tx tx, hx_field f)
{
    const hx_stmt_info *in = hx_stmt_info_of(k);
    for (const hx_text_el *e = in ? in->text : NULL; e && e->tx != HX_TX_END; e++)
        if (e->tx == tx && (f == HX_FIELD_none || e->field == f))
            return true;
    return false;
}

/* src may be null (store, static set, expect target); copy needs a local */
static bool src_nullable(hx_stmt_kind k)
{
    return has_text(k, HX_TX_LOCAL_OR_NULL, HX_FIELD_src);
}

/* the statement names (binds) its handle rather than using a live one */
static bool binds_handle(hx_stmt_kind k)
{
    return has_text(k, HX_TX_HANDLE_BIND, HX_FIELD_none);
}

/* ==== The state before a statement ====================================== */
/* Which locals are bound, their static type (.prog.static-type) and which
   handles are named, before statement `at`: where the mutations pick
   operands that make sense. */
typedef struct wstate {
    bool *bound;
    uint32_t *stype;
    bool *named;
    uint32_t nbound, nnamed;
} wstate;

static void ws_free(wstate *w)
{
    free(w->bound);
    free(w->stype);
    free(w->named);
    memset(w, 0, sizeof *w);
}

static bool ws_at(wstate *w, const hx_program *p, size_t at)
{
    memset(w, 0, sizeof *w);
    w->bound = calloc(p->nlocals + 1, sizeof *w->bound);
    w->stype = malloc((p->nlocals + 1) * sizeof *w->stype);
    w->named = calloc(p->nhandles + 1, sizeof *w->named);
    if (!w->bound || !w->stype || !w->named) {
        ws_free(w);
        return false;
    }
    for (uint32_t i = 0; i < p->nlocals; i++)
        w->stype[i] = HX_NONE;
    for (size_t i = 0; i < at && i < p->nstmts; i++) {
        const hx_stmt *s = &p->stmts[i];
        const hx_stmt_info *in = hx_stmt_info_of(s->kind);
        hx_stmt_static_type(s, w->stype);
        if (in->flags & HX_SF_UNBIND)
            w->bound[s->obj] = false;
        uint32_t d = hx_stmt_binds_local(s);
        if (d != HX_NONE)
            w->bound[d] = true;
        if (binds_handle(s->kind))
            w->named[s->handle] = true;
    }
    for (uint32_t i = 0; i < p->nlocals; i++)
        w->nbound += w->bound[i];
    for (uint32_t i = 0; i < p->nhandles; i++)
        w->nnamed += w->named[i];
    return true;
}

/* Reference slots a local of static type ty has: UINT64_MAX unknown or a
   reference array (any slot is valid), else the fixed type's count (0 for
   byte arrays). */
static uint64_t slots_of(const hx_program *p, uint32_t ty)
{
    if (ty == HX_NONE)
        return UINT64_MAX;
    const hx_type *t = &p->types[ty];
    if (t->kind == HX_TYPE_REF_ARRAY)
        return UINT64_MAX;
    if (t->kind == HX_TYPE_BYTE_ARRAY)
        return 0;
    return t->nrefs;
}

/* A bound local (with reference slots when slotted), else HX_NONE. */
static uint32_t pick_bound(const hx_program *p, const wstate *w, bool slotted, uint64_t *rng)
{
    if (!w->nbound)
        return HX_NONE;
    uint32_t start = (uint32_t)below(rng, p->nlocals);
    for (uint32_t k = 0; k < p->nlocals; k++) {
        uint32_t i = (start + k) % p->nlocals;
        if (w->bound[i] && (!slotted || slots_of(p, w->stype[i]) > 0))
            return i;
    }
    return HX_NONE;
}

static uint32_t pick_named(const hx_program *p, const wstate *w, uint64_t *rng)
{
    if (!w->nnamed)
        return HX_NONE;
    uint32_t start = (uint32_t)below(rng, p->nhandles);
    for (uint32_t k = 0; k < p->nhandles; k++) {
        uint32_t i = (start + k) % p->nhandles;
        if (w->named[i])
            return i;
    }
    return HX_NONE;
}

/* A slot index valid for local x in state w: mostly a real slot, now and
   then one past the end of a reference array. */
static uint64_t pick_slot(const hx_program *p, const wstate *w, uint32_t x, uint64_t *rng)
{
    uint64_t n = slots_of(p, w->stype[x]);
    if (n == UINT64_MAX)
        return below(rng, chance(rng, 80) ? 4 : 64);
    return below(rng, n);
}

static bool name_taken(const hx_program *p, const char *name)
{
    return hx_program_find_local(p, name) != HX_NONE ||
           hx_program_find_handle(p, name) != HX_NONE;
}

/* A new local (or handle) with a name no local or handle has. */
static uint32_t fresh_name(hx_program *p, bool handle, uint64_t *rng)
{
    char name[24];
    for (int tries = 0; tries < 64; tries++) {
        snprintf(name, sizeof name, "%s%u", handle ? "h" : "m", (unsigned)below(rng, 100000));
        if (!name_taken(p, name))
            return handle ? hx_program_add_handle(p, name) : hx_program_add_local(p, name);
    }
    return HX_NONE;
}

/* A local to bind: a new one, or now and then one that exists (rebinding). */
static uint32_t pick_dst(hx_program *p, uint64_t *rng)
{
    if (p->nlocals && chance(rng, 30))
        return (uint32_t)below(rng, p->nlocals);
    return fresh_name(p, false, rng);
}

/* ==== Statement list edits ============================================== */

static bool insert_stmts(hx_program *p, size_t at, const hx_stmt *s, size_t n)
{
    if (at > p->nstmts)
        at = p->nstmts;
    for (size_t i = 0; i < n; i++)
        if (!hx_program_append(p, HX_ST_FINALIZE))
            return false;
    size_t tail = p->nstmts - n - at;
    memmove(&p->stmts[at + n], &p->stmts[at], tail * sizeof *s);
    memcpy(&p->stmts[at], s, n * sizeof *s);
    return true;
}

/* A block: one statement half of the time, else up to 16. */
static size_t block_len(size_t avail, uint64_t *rng)
{
    if (avail == 0)
        return 0;
    size_t k = chance(rng, 50) ? 1 : 1 + below(rng, 16);
    return k > avail ? avail : k;
}

/* ==== Sizes near the boundaries ========================================= */

/* An instance size the runtime treats specially: around the LOH threshold,
   the gen0 budget, the segment size, the codec's largest object, the
   smallest object. */
static uint64_t boundary_size(const hx_program *p, uint64_t *rng)
{
    uint64_t thr = p->heap.value[HX_KEY_LOH_THRESHOLD];
    uint64_t base;
    switch (below(rng, 8)) {
    case 0: case 1: case 2: case 3: base = thr; break;
    case 4: base = p->heap.value[HX_KEY_GEN0_BUDGET]; break;
    case 5: base = p->heap.value[HX_KEY_SEGMENT_SIZE]; break;
    case 6: base = HX_CODEC_MAX_OBJECT; break;
    default: base = HX_MIN_OBJECT; break;
    }
    static const int64_t delta[] = {0, 0, -1, 1, -8, 8, -16, 16, -4096, 4096};
    int64_t d = delta[below(rng, sizeof delta / sizeof delta[0])];
    if (d < 0 && (uint64_t)-d >= base)
        return base;
    return base + (uint64_t)d;
}

/* An array length for type t: mostly one whose instance lands on a
   boundary size, else a small or a neighbouring one. */
static uint64_t pick_length(const hx_program *p, const hx_type *t, uint64_t cur, uint64_t *rng)
{
    uint64_t elem = t->kind == HX_TYPE_REF_ARRAY ? 8 : 1;
    switch (below(rng, 6)) {
    case 0: case 1: case 2: {
        uint64_t s = boundary_size(p, rng);
        uint64_t n = s > HX_ARRAY_BASE ? (s - HX_ARRAY_BASE) / elem : 0;
        if (elem > 1 && chance(rng, 50) && s > HX_ARRAY_BASE)
            n = (s - HX_ARRAY_BASE + elem - 1) / elem;   /* the other side */
        return n;
    }
    case 3: return below(rng, 4);
    case 4: return below(rng, 256);
    default:
        switch (below(rng, 4)) {
        case 0: return cur + 1;
        case 1: return cur ? cur - 1 : 0;
        case 2: return cur * 2;
        default: return cur / 2;
        }
    }
}

/* ==== Mutations ========================================================= */

static bool add_random_type(hx_program *p, uint64_t *rng, uint32_t *out);

/* A value for operand field f of s that makes sense before the statement
   (state w); the fields it depends on are set first (type before length,
   obj before slot, gen before compact_loh: fill_order).  New locals and
   handles are added to p.  False when no operand fits. */
static bool gen_field(hx_program *p, hx_stmt *s, hx_field f, const wstate *w, uint64_t *rng)
{
    uint32_t x;
    switch (f) {
    case HX_FIELD_dst:
        return (s->dst = pick_dst(p, rng)) != HX_NONE;
    case HX_FIELD_obj:
        x = pick_bound(p, w, has(s->kind, HX_FIELD_slot), rng);
        if (x == HX_NONE)
            return false;
        s->obj = x;
        return true;
    case HX_FIELD_src:
        x = src_nullable(s->kind) && chance(rng, 20) ? HX_NULL : pick_bound(p, w, false, rng);
        if (x == HX_NONE && !src_nullable(s->kind))
            return false;
        s->src = x;
        return true;
    case HX_FIELD_handle:
        if (binds_handle(s->kind))
            x = p->nhandles && chance(rng, 25) ? (uint32_t)below(rng, p->nhandles)
                                               : fresh_name(p, true, rng);
        else
            x = pick_named(p, w, rng);
        s->handle = x;
        return x != HX_NONE;
    case HX_FIELD_type:
        if (p->ntypes == 0 || chance(rng, 10))
            return add_random_type(p, rng, &s->type);
        s->type = (uint32_t)below(rng, p->ntypes);
        return true;
    case HX_FIELD_length:
        s->length = hx_type_is_array(&p->types[s->type])
                        ? pick_length(p, &p->types[s->type], s->length ? s->length : 1, rng) : 0;
        return true;
    case HX_FIELD_slot:
        s->slot = pick_slot(p, w, s->obj, rng);
        return true;
    case HX_FIELD_stat:
        s->stat = (uint32_t)below(rng, chance(rng, 90) ? 8 : HX_STATICS);
        return true;
    case HX_FIELD_thread:
        s->thread = (uint32_t)below(rng, chance(rng, 90) ? 4 : HX_THREADS);
        return true;
    case HX_FIELD_gen:
        s->gen = (int)below(rng, 3);
        return true;
    case HX_FIELD_compact_loh:
        s->compact_loh = s->gen == 2 && chance(rng, 25);
        return true;
    case HX_FIELD_hkind:
        s->hkind = (hx_handle_kind)below(rng, HX_HANDLE_KIND_COUNT);
        return true;
    case HX_FIELD_count:
        s->count = below(rng, 4);
        return true;
    default:
        return true;
    }
}

static const hx_field fill_order[] = {
    HX_FIELD_type, HX_FIELD_length, HX_FIELD_obj, HX_FIELD_slot, HX_FIELD_src,
    HX_FIELD_handle, HX_FIELD_hkind, HX_FIELD_stat, HX_FIELD_thread, HX_FIELD_gen,
    HX_FIELD_compact_loh, HX_FIELD_count, HX_FIELD_dst,
};

/* Every operand of a statement of kind s->kind, in fill_order. */
static bool fill_stmt(hx_program *p, hx_stmt *s, const wstate *w, uint64_t *rng)
{
    for (size_t i = 0; i < sizeof fill_order / sizeof fill_order[0]; i++)
        if (has(s->kind, fill_order[i]) && !gen_field(p, s, fill_order[i], w, rng))
            return false;
    return true;
}

/* A kind to insert: drawn with the fuzz-mode weights of the statement
   table (expectations are not checked in fuzz runs and have weight 0). */
static hx_stmt_kind draw_kind(uint64_t *rng)
{
    unsigned total = 0;
    for (int k = 0; k < HX_ST_KIND_COUNT; k++)
        if (!hx_stmt_is_expect((hx_stmt_kind)k))
            total += hx_stmt_table[k].weight;
    unsigned r = (unsigned)below(rng, total ? total : 1);
    for (int k = 0; k < HX_ST_KIND_COUNT; k++) {
        if (hx_stmt_is_expect((hx_stmt_kind)k))
            continue;
        if (r < hx_stmt_table[k].weight)
            return (hx_stmt_kind)k;
        r -= hx_stmt_table[k].weight;
    }
    return HX_ST_NEW;
}

static bool mut_insert(hx_program *p, uint64_t *rng)
{
    size_t at = below(rng, p->nstmts + 1);
    wstate w;
    if (!ws_at(&w, p, at))
        return false;
    hx_stmt s;
    memset(&s, 0, sizeof s);
    s.kind = draw_kind(rng);
    s.src = HX_NULL;
    s.gen = 2;
    bool ok = fill_stmt(p, &s, &w, rng) && insert_stmts(p, at, &s, 1);
    ws_free(&w);
    return ok;
}

static bool mut_delete(hx_program *p, uint64_t *rng)
{
    if (!p->nstmts)
        return false;
    size_t at = below(rng, p->nstmts);
    hx_program_remove(p, at, block_len(p->nstmts - at, rng));
    return true;
}

static bool mut_duplicate(hx_program *p, uint64_t *rng, bool move)
{
    if (!p->nstmts)
        return false;
    size_t from = below(rng, p->nstmts);
    size_t n = block_len(p->nstmts - from, rng);
    hx_stmt *blk = malloc(n * sizeof *blk);
    if (!blk)
        return false;
    memcpy(blk, &p->stmts[from], n * sizeof *blk);
    if (move)
        hx_program_remove(p, from, n);
    /* mostly right after the block (a repetition), else anywhere */
    size_t to = !move && chance(rng, 50) ? from + n : below(rng, p->nstmts + 1);
    bool ok = insert_stmts(p, to, blk, n);
    free(blk);
    return ok;
}

static bool is_new(const hx_stmt *s) { return has(s->kind, HX_FIELD_type); }

/* A run of allocations: a `new` repeated, into fresh locals (all stay
   reachable) or into the same one (garbage). */
static bool mut_grow(hx_program *p, uint64_t *rng)
{
    size_t nnew = 0;
    for (size_t i = 0; i < p->nstmts; i++)
        nnew += is_new(&p->stmts[i]);
    if (!nnew)
        return mut_insert(p, rng);
    size_t k = below(rng, nnew), at = 0;
    for (size_t i = 0; i < p->nstmts; i++)
        if (is_new(&p->stmts[i]) && k-- == 0) {
            at = i;
            break;
        }
    static const unsigned reps[] = {2, 3, 4, 8, 16, 32, 64};
    unsigned n = reps[below(rng, sizeof reps / sizeof reps[0])];
    hx_stmt *blk = malloc(n * sizeof *blk);
    if (!blk)
        return false;
    bool fresh = chance(rng, 50);
    bool ok = true;
    for (unsigned i = 0; i < n && ok; i++) {
        blk[i] = p->stmts[at];
        if (fresh)
            ok = (blk[i].dst = fresh_name(p, false, rng)) != HX_NONE;
    }
    ok = ok && insert_stmts(p, at + 1, blk, n);
    free(blk);
    return ok;
}

/* Blocks (.prog.loop): wrap a run of statements that holds no block
   boundary in `repeat N { ... }`, or scale an existing block's count.
   Counts the codec's execution bound cannot hold are refused by settle. */
static uint64_t draw_count(uint64_t *rng)
{
    static const uint64_t counts[] = { 2, 3, 8, 16, 100, 256, 1000, 2000 };
    return counts[below(rng, sizeof counts / sizeof counts[0])];
}

static bool mut_loop(hx_program *p, uint64_t *rng)
{
    if (!p->nstmts)
        return false;
    size_t nblocks = 0;
    for (size_t i = 0; i < p->nstmts; i++)
        nblocks += hx_stmt_opens(p->stmts[i].kind);
    if (nblocks && chance(rng, 50)) {
        size_t k = below(rng, nblocks);
        for (size_t i = 0; i < p->nstmts; i++)
            if (hx_stmt_opens(p->stmts[i].kind) && k-- == 0) {
                uint64_t c = p->stmts[i].count;
                switch (below(rng, 3)) {
                case 0: c = c > 1 ? c / 2 : 2; break;
                case 1: c = c * 2 + 1; break;
                default: c = draw_count(rng); break;
                }
                p->stmts[i].count = c;
                return true;
            }
        return false;
    }
    size_t at = below(rng, p->nstmts);
    size_t n = block_len(p->nstmts - at, rng);
    int depth = 0;
    for (size_t i = at; i < at + n; i++) {
        if (hx_stmt_opens(p->stmts[i].kind))
            depth++;
        else if (hx_stmt_closes(p->stmts[i].kind) && --depth < 0)
            return false;       /* the run would cut a block */
    }
    if (depth != 0)
        return false;
    hx_stmt open, close;
    memset(&open, 0, sizeof open);
    memset(&close, 0, sizeof close);
    open.kind = HX_ST_REPEAT;
    open.src = close.src = HX_NULL;
    open.count = draw_count(rng);
    close.kind = HX_ST_END;
    return insert_stmts(p, at + n, &close, 1) && insert_stmts(p, at, &open, 1);
}

/* Index of a random statement satisfying pred, or SIZE_MAX. */
static size_t pick_stmt(const hx_program *p, bool (*pred)(const hx_stmt *), uint64_t *rng)
{
    if (!p->nstmts)
        return SIZE_MAX;
    size_t start = below(rng, p->nstmts);
    for (size_t k = 0; k < p->nstmts; k++) {
        size_t i = (start + k) % p->nstmts;
        if (pred(&p->stmts[i]))
            return i;
    }
    return SIZE_MAX;
}

static bool has_operand(const hx_stmt *s)
{
    const hx_stmt_info *in = hx_stmt_info_of(s->kind);
    return in && in->fields;
}

static bool mut_operand(hx_program *p, uint64_t *rng)
{
    size_t i = pick_stmt(p, has_operand, rng);
    if (i == SIZE_MAX)
        return false;
    wstate w;
    if (!ws_at(&w, p, i))
        return false;
    hx_stmt s = p->stmts[i];
    hx_field cand[HX_FIELD_COUNT];
    int nc = 0;
    for (int f = 1; f < HX_FIELD_COUNT; f++)
        if (has(s.kind, (hx_field)f))
            cand[nc++] = (hx_field)f;
    hx_field f = cand[below(rng, (uint64_t)nc)];
    bool ok = gen_field(p, &s, f, &w, rng);
    /* the fields that depend on the one changed follow it */
    if (ok && f == HX_FIELD_type && has(s.kind, HX_FIELD_length))
        ok = gen_field(p, &s, HX_FIELD_length, &w, rng);
    if (ok && f == HX_FIELD_obj && has(s.kind, HX_FIELD_slot) && chance(rng, 50))
        ok = gen_field(p, &s, HX_FIELD_slot, &w, rng);
    if (ok && f == HX_FIELD_gen && has(s.kind, HX_FIELD_compact_loh))
        ok = gen_field(p, &s, HX_FIELD_compact_loh, &w, rng);
    if (ok)
        p->stmts[i] = s;
    ws_free(&w);
    return ok;
}

static const char *const type_prefix = "T";

static bool add_random_type(hx_program *p, uint64_t *rng, uint32_t *out)
{
    char name[24];
    hx_type t;
    memset(&t, 0, sizeof t);
    for (int tries = 0; ; tries++) {
        if (tries == 64)
            return false;
        snprintf(name, sizeof name, "%s%u", type_prefix, (unsigned)below(rng, 100000));
        if (hx_program_find_type(p, name) == HX_NONE)
            break;
    }
    t.name = name;
    switch (below(rng, 4)) {
    case 0: t.kind = HX_TYPE_BYTE_ARRAY; break;
    case 1: t.kind = HX_TYPE_REF_ARRAY; break;
    default:
        t.kind = HX_TYPE_FIXED;
        t.nrefs = (uint32_t)below(rng, 5);
        t.size = HX_OBJ_BASE + 8 * (uint64_t)t.nrefs + 8 * below(rng, 4);
        if (t.size < HX_MIN_OBJECT)
            t.size = HX_MIN_OBJECT;
        if (chance(rng, 20)) {
            t.fin = chance(rng, 70) ? HX_FIN_COUNT : HX_FIN_REREGISTER;
            t.critical = chance(rng, 20);
        }
        break;
    }
    uint32_t i = hx_program_add_type(p, &t);
    if (i == HX_NONE)
        return false;
    *out = i;
    return true;
}


/* The type of a `new`, or the definition of a type: size towards the
   boundaries, reference slots, finalizer. */
static bool mut_type(hx_program *p, uint64_t *rng)
{
    size_t i = pick_stmt(p, is_new, rng);
    if (i != SIZE_MAX && chance(rng, 50)) {
        hx_stmt *s = &p->stmts[i];
        uint32_t ty;
        if (p->ntypes < 2 || chance(rng, 20)) {
            if (!add_random_type(p, rng, &ty))
                return false;
        } else {
            ty = (uint32_t)below(rng, p->ntypes);
        }
        s = &p->stmts[i];
        s->type = ty;
        s->length = hx_type_is_array(&p->types[ty]) ? pick_length(p, &p->types[ty], 1, rng) : 0;
        return true;
    }
    if (!p->ntypes)
        return false;
    hx_type *t = &p->types[below(rng, p->ntypes)];
    if (t->kind != HX_TYPE_FIXED)
        return false;
    switch (below(rng, 4)) {
    case 0: case 1: {
        uint64_t sz = boundary_size(p, rng);
        if (sz > HX_CODEC_MAX_OBJECT)
            sz = HX_CODEC_MAX_OBJECT;
        uint64_t min = HX_OBJ_BASE + 8 * (uint64_t)t->nrefs;
        t->size = sz < min ? min : sz < HX_MIN_OBJECT ? HX_MIN_OBJECT : sz;
        return true;
    }
    case 2: {
        uint32_t r = (uint32_t)below(rng, 9);
        if (HX_OBJ_BASE + 8 * (uint64_t)r > t->size)
            t->size = HX_OBJ_BASE + 8 * (uint64_t)r;
        if (t->size < HX_MIN_OBJECT)
            t->size = HX_MIN_OBJECT;
        t->nrefs = r;
        return true;
    }
    default:
        t->fin = (hx_fin_kind)below(rng, HX_FIN_KIND_COUNT);
        /* the fields the kind does not use stay 0 (the codec writes
           neither; hx_program_equal compares them) */
        t->fin_static = t->fin == HX_FIN_RESURRECT || t->fin == HX_FIN_RESURRECT_REREGISTER
                            ? (uint32_t)below(rng, 8) : 0;
        t->fin_alloc = t->fin == HX_FIN_ALLOC ? (uint32_t)below(rng, p->ntypes) : 0;
        t->critical = t->fin != HX_FIN_NONE && chance(rng, 20);
        return true;
    }
}

static bool is_array_new(const hx_stmt *s) { return has(s->kind, HX_FIELD_length) && s->length; }
static bool mut_length(hx_program *p, uint64_t *rng)
{
    /* arrays allocated with length 0 count too: find any array `new` */
    size_t i = pick_stmt(p, is_array_new, rng);
    if (i == SIZE_MAX) {
        for (size_t k = 0; k < p->nstmts; k++)
            if (has(p->stmts[k].kind, HX_FIELD_length) &&
                hx_type_is_array(&p->types[p->stmts[k].type])) {
                i = k;
                break;
            }
    }
    if (i == SIZE_MAX)
        return false;
    hx_stmt *s = &p->stmts[i];
    s->length = pick_length(p, &p->types[s->type], s->length, rng);
    return true;
}

static bool is_handle(const hx_stmt *s) { return has(s->kind, HX_FIELD_hkind); }
static bool mut_handle_kind(hx_program *p, uint64_t *rng)
{
    size_t i = pick_stmt(p, is_handle, rng);
    if (i == SIZE_MAX)
        return false;
    hx_stmt *s = &p->stmts[i];
    s->hkind = (hx_handle_kind)((s->hkind + 1 + below(rng, HX_HANDLE_KIND_COUNT - 1)) %
                                HX_HANDLE_KIND_COUNT);
    return true;
}

static bool is_collect(const hx_stmt *s) { return has(s->kind, HX_FIELD_compact_loh); }
static bool mut_collect(hx_program *p, uint64_t *rng)
{
    size_t i = pick_stmt(p, is_collect, rng);
    if (i == SIZE_MAX) {
        hx_stmt s;
        memset(&s, 0, sizeof s);
        s.kind = HX_ST_COLLECT;
        s.src = HX_NULL;
        s.gen = (int)below(rng, 3);
        return insert_stmts(p, below(rng, p->nstmts + 1), &s, 1);
    }
    hx_stmt *s = &p->stmts[i];
    int g = s->gen;
    bool c = s->compact_loh;
    while (g == s->gen && c == s->compact_loh) {
        g = (int)below(rng, 3);
        c = g == 2 && chance(rng, 40);
    }
    s->gen = g;
    s->compact_loh = c;
    return true;
}

static bool mut_heap(hx_program *p, uint64_t *rng)
{
    hx_heap_config *h = &p->heap;
    unsigned r = (unsigned)below(rng, 10);
    if (r == 0) {
        h->profile = h->profile == HX_PROFILE_CLR ? HX_PROFILE_STRICT : HX_PROFILE_CLR;
        return true;
    }
    if (r == 1) {
        uint64_t *f = chance(rng, 50) ? &h->fail_reserve : &h->fail_commit;
        *f = *f ? 0 : 1 + below(rng, 6);
        return true;
    }
    hx_heap_key k = (hx_heap_key)below(rng, HX_KEY_COUNT);
    uint64_t v;
    unsigned np = hx_codec_heap_npresets(k);
    if (np && chance(rng, 50)) {
        v = hx_codec_heap_preset(k, (unsigned)below(rng, np));
    } else {
        static const uint64_t thr[] = {85000, 85001, 85008, 85016, 86016, 100000, 131072, 1 << 20};
        static const uint64_t seg[] = {64 << 10, 128 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20};
        static const uint64_t bud[] = {0, 1, 4096, 65536, 256 << 10, 1 << 20, 2 << 20, 16 << 20};
        static const uint64_t hard[] = {0, 0, 1 << 20, 2 << 20, 4 << 20, 16 << 20, 64 << 20};
        switch (k) {
        case HX_KEY_LOH_THRESHOLD: v = thr[below(rng, sizeof thr / sizeof thr[0])]; break;
        case HX_KEY_SEGMENT_SIZE:  v = seg[below(rng, sizeof seg / sizeof seg[0])]; break;
        case HX_KEY_HARD_LIMIT:    v = hard[below(rng, sizeof hard / sizeof hard[0])]; break;
        default:                   v = bud[below(rng, sizeof bud / sizeof bud[0])]; break;
        }
    }
    if (v == h->value[k])
        return false;
    h->value[k] = v;
    return true;
}

/* ==== Splice ============================================================ */

static bool type_same(const hx_type *a, const hx_type *b)
{
    return a->kind == b->kind && a->size == b->size && a->nrefs == b->nrefs &&
           a->fin == b->fin && a->fin_static == b->fin_static && a->critical == b->critical;
}

/* Map a name of b onto a: the same local (handle) of a when a has one by
   that name, else a new one (renamed when the name is taken by the other
   kind). */
static uint32_t map_name(hx_program *a, const char *name, bool handle, uint64_t *rng)
{
    uint32_t i = handle ? hx_program_find_handle(a, name) : hx_program_find_local(a, name);
    if (i != HX_NONE)
        return i;
    if (!name_taken(a, name))
        return handle ? hx_program_add_handle(a, name) : hx_program_add_local(a, name);
    return fresh_name(a, handle, rng);
}

bool gcf_mut_splice(hx_program *a, const hx_program *b, uint64_t *rng)
{
    if (!b->nstmts)
        return false;
    uint32_t *tmap = malloc((b->ntypes + 1) * sizeof *tmap);
    uint32_t *lmap = malloc((b->nlocals + 1) * sizeof *lmap);
    uint32_t *hmap = malloc((b->nhandles + 1) * sizeof *hmap);
    hx_stmt *blk = NULL;
    bool ok = tmap && lmap && hmap;
    uint32_t first_new = a->ntypes;
    for (uint32_t i = 0; ok && i < b->ntypes; i++) {
        const hx_type *bt = &b->types[i];
        uint32_t j = hx_program_find_type(a, bt->name);
        if (j != HX_NONE && type_same(&a->types[j], bt) && bt->fin != HX_FIN_ALLOC) {
            tmap[i] = j;
            continue;
        }
        hx_type t = *bt;
        char name[24];
        if (j != HX_NONE) {
            do
                snprintf(name, sizeof name, "%s%u", type_prefix, (unsigned)below(rng, 100000));
            while (hx_program_find_type(a, name) != HX_NONE);
            t.name = name;
        }
        ok = (tmap[i] = hx_program_add_type(a, &t)) != HX_NONE;
    }
    for (uint32_t i = first_new; ok && i < a->ntypes; i++)
        if (a->types[i].fin == HX_FIN_ALLOC)
            a->types[i].fin_alloc = tmap[a->types[i].fin_alloc];
    for (uint32_t i = 0; ok && i < b->nlocals; i++)
        ok = (lmap[i] = map_name(a, b->locals[i], false, rng)) != HX_NONE;
    for (uint32_t i = 0; ok && i < b->nhandles; i++)
        ok = (hmap[i] = map_name(a, b->handles[i], true, rng)) != HX_NONE;
    /* a block of b into a, or a's start followed by b's end */
    size_t from, n, at;
    bool tail = chance(rng, 30);
    if (tail) {
        at = below(rng, a->nstmts + 1);
        from = below(rng, b->nstmts);
        n = b->nstmts - from;
    } else {
        at = below(rng, a->nstmts + 1);
        from = below(rng, b->nstmts);
        n = block_len(b->nstmts - from, rng);
        if (chance(rng, 30))
            n = b->nstmts - from;
    }
    if (ok)
        ok = (blk = malloc(n * sizeof *blk)) != NULL;
    for (size_t k = 0; ok && k < n; k++) {
        hx_stmt s = b->stmts[from + k];
        if (has(s.kind, HX_FIELD_dst)) s.dst = lmap[s.dst];
        if (has(s.kind, HX_FIELD_obj)) s.obj = lmap[s.obj];
        if (has(s.kind, HX_FIELD_src) && s.src != HX_NULL) s.src = lmap[s.src];
        if (has(s.kind, HX_FIELD_handle)) s.handle = hmap[s.handle];
        if (has(s.kind, HX_FIELD_type)) s.type = tmap[s.type];
        blk[k] = s;
    }
    if (ok && tail)
        hx_program_remove(a, at, a->nstmts - at);
    ok = ok && insert_stmts(a, at, blk, n);
    free(blk);
    free(tmap);
    free(lmap);
    free(hmap);
    return ok;
}

/* ==== Driver ============================================================ */

static const unsigned op_weight[GCF_MUT_OP_COUNT] = {
    [GCF_MUT_INSERT] = 20, [GCF_MUT_DELETE] = 10, [GCF_MUT_DUPLICATE] = 8,
    [GCF_MUT_MOVE] = 6, [GCF_MUT_GROW] = 6, [GCF_MUT_OPERAND] = 14, [GCF_MUT_TYPE] = 8,
    [GCF_MUT_LENGTH] = 10, [GCF_MUT_HANDLE_KIND] = 4, [GCF_MUT_COLLECT] = 6,
    [GCF_MUT_HEAP] = 8, [GCF_MUT_SPLICE] = 0, [GCF_MUT_LOOP] = 6,
};

const char *gcf_mut_op_name(gcf_mut_op op)
{
    static const char *const names[GCF_MUT_OP_COUNT] = {
        "insert", "delete", "duplicate", "move", "grow", "operand", "type", "length",
        "handle_kind", "collect", "heap", "splice", "loop",
    };
    return (unsigned)op < GCF_MUT_OP_COUNT ? names[op] : "?";
}

static int draw_op(uint64_t *rng)
{
    unsigned total = 0;
    for (int i = 0; i < GCF_MUT_OP_COUNT; i++)
        total += op_weight[i];
    unsigned r = (unsigned)below(rng, total);
    for (int i = 0; i < GCF_MUT_OP_COUNT; i++) {
        if (r < op_weight[i])
            return i;
        r -= op_weight[i];
    }
    return GCF_MUT_INSERT;
}

static bool apply(hx_program *p, int op, uint64_t *rng)
{
    switch (op) {
    case GCF_MUT_INSERT:      return mut_insert(p, rng);
    case GCF_MUT_DELETE:      return mut_delete(p, rng);
    case GCF_MUT_DUPLICATE:   return mut_duplicate(p, rng, false);
    case GCF_MUT_MOVE:        return mut_duplicate(p, rng, true);
    case GCF_MUT_GROW:        return mut_grow(p, rng);
    case GCF_MUT_OPERAND:     return mut_operand(p, rng);
    case GCF_MUT_TYPE:        return mut_type(p, rng);
    case GCF_MUT_LENGTH:      return mut_length(p, rng);
    case GCF_MUT_HANDLE_KIND: return mut_handle_kind(p, rng);
    case GCF_MUT_COLLECT:     return mut_collect(p, rng);
    case GCF_MUT_HEAP:        return mut_heap(p, rng);
    case GCF_MUT_LOOP:        return mut_loop(p, rng);
    default:                  return false;
    }
}

/* The result of an edit is kept when it is a valid program within the
   codec's bounds and not the program it came from; it is put in normal
   form first so that decode(encode(q)) == q. */
static bool settle(hx_program *q, const hx_program *orig)
{
    hx_program_compact_tables(q);
    if (!hx_program_check(q, NULL) || !hx_codec_within_limits(q) || hx_program_equal(q, orig))
        return false;
    hx_program_renumber(q);
    if (hx_program_has_loops(q)) {
        /* .prog.loop: the checker gives a local the body rebinds an unknown
           static type at the block's head, the codec's walk the type of
           its last binding; a statement valid for the first but not the
           second does not survive decoding: refuse the edit */
        uint8_t *b = NULL;
        size_t n = 0;
        hx_program d;
        bool same = hx_encode(q, &b, &n) && hx_decode(b, n, &d);
        free(b);
        if (same) {
            same = hx_program_equal(q, &d);
            hx_program_free(&d);
        }
        return same;
    }
    return true;
}

#define ATTEMPTS 12

int gcf_mut_program(hx_program *p, int op, uint64_t *rng)
{
    for (int a = 0; a < ATTEMPTS; a++) {
        int o = op == GCF_MUT_ANY ? draw_op(rng) : op;
        hx_program q;
        if (!hx_program_copy(&q, p))
            return -1;
        if (apply(&q, o, rng) && settle(&q, p)) {
            hx_program_free(p);
            *p = q;
            return o;
        }
        hx_program_free(&q);
    }
    return -1;
}

static size_t emit(const hx_program *p, uint8_t *out, size_t max, hx_program *intended)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!hx_encode(p, &buf, &len))
        return 0;
    if (len > max || len == 0) {
        free(buf);
        return 0;
    }
    if (intended && !hx_program_copy(intended, p)) {
        free(buf);
        return 0;
    }
    memcpy(out, buf, len);
    free(buf);
    return len;
}

size_t gcf_mut_bytes(const uint8_t *data, size_t size, uint8_t *out, size_t max,
                     uint64_t seed, int op, hx_program *intended, int *applied)
{
    uint64_t rng = seed;
    hx_program p;
    if (!hx_decode(data, size, &p))
        return 0;
    size_t len = 0;
    for (int a = 0; a < 4 && !len; a++) {
        hx_program q;
        if (!hx_program_copy(&q, &p))
            break;
        int o = gcf_mut_program(&q, op, &rng);
        if (o >= 0) {
            len = emit(&q, out, max, intended);
            if (applied)
                *applied = o;
        }
        hx_program_free(&q);
        if (o < 0)
            break;
    }
    hx_program_free(&p);
    return len;
}

size_t gcf_cross_bytes(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                       uint8_t *out, size_t max, uint64_t seed, hx_program *intended)
{
    uint64_t rng = seed;
    hx_program a, b;
    if (!hx_decode(d1, s1, &a))
        return 0;
    if (!hx_decode(d2, s2, &b)) {
        hx_program_free(&a);
        return 0;
    }
    size_t len = 0;
    for (int t = 0; t < ATTEMPTS && !len; t++) {
        hx_program q;
        if (!hx_program_copy(&q, &a))
            break;
        if (gcf_mut_splice(&q, &b, &rng) && settle(&q, &a))
            len = emit(&q, out, max, intended);
        hx_program_free(&q);
    }
    hx_program_free(&a);
    hx_program_free(&b);
    return len;
}

/* ==== libFuzzer entry points ============================================ */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed);

static struct {
    bool init;
    gcf_mut_mode mode;
    unsigned byte_share;
    bool stats;
    unsigned long long applied[GCF_MUT_OP_COUNT], failed, bytes;
    uint8_t *buf;
    size_t cap;
} M;

static void print_stats(void)
{
    fprintf(stderr, "==gcfuzz== mutator (%s, byte share %u%%): byte-level %llu, no structured "
            "mutation %llu;", M.mode == GCF_MODE_BYTE ? "byte" : "struct", M.byte_share, M.bytes,
            M.failed);
    for (int i = 0; i < GCF_MUT_OP_COUNT; i++)
        fprintf(stderr, " %s %llu", gcf_mut_op_name(i), M.applied[i]);
    fputc('\n', stderr);
}

static void mut_init(void)
{
    if (M.init)
        return;
    M.init = true;
    const char *m = getenv("GCF_MUTATOR");
    M.mode = m && strcmp(m, "struct") == 0 ? GCF_MODE_STRUCT : GCF_MODE_BYTE;
    if (m && *m && strcmp(m, "byte") && strcmp(m, "struct")) {
        fprintf(stderr, "fuzz_program: GCF_MUTATOR must be struct or byte, not '%s'\n", m);
        exit(64);
    }
    const char *s = getenv("GCF_MUTATOR_BYTE_SHARE");
    M.byte_share = s && *s ? (unsigned)strtoul(s, NULL, 10) : 20;
    if (M.byte_share > 100)
        M.byte_share = 100;
    const char *st = getenv("GCF_MUTATOR_STATS");
    M.stats = st && st[0] == '1';
    if (M.stats)
        atexit(print_stats);
}

/* Byte-level mutation: libFuzzer's own when linked with it, else a
   bit flip (the standalone build, whose tests call the entry points). */
static size_t byte_mutate(uint8_t *data, size_t size, size_t max, uint64_t *rng)
{
    M.bytes++;
    if (LLVMFuzzerMutate)
        return LLVMFuzzerMutate(data, size, max);
    if (!size) {
        if (!max)
            return 0;
        data[0] = (uint8_t)rnext(rng);
        return 1;
    }
    data[below(rng, size)] ^= (uint8_t)(1u << below(rng, 8));
    return size;
}

static bool room(size_t n)
{
    if (n <= M.cap)
        return true;
    uint8_t *b = realloc(M.buf, n);
    if (!b)
        return false;
    M.buf = b;
    M.cap = n;
    return true;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    mut_init();
    uint64_t rng = seed * 0x2545F4914F6CDD1Dull + 1;
    if (M.mode == GCF_MODE_BYTE || chance(&rng, M.byte_share) || !room(max_size))
        return byte_mutate(data, size, max_size, &rng);
    int op = -1;
    size_t n = gcf_mut_bytes(data, size, M.buf, max_size, rnext(&rng), GCF_MUT_ANY, NULL, &op);
    if (!n) {
        M.failed++;
        return byte_mutate(data, size, max_size, &rng);
    }
    M.applied[op]++;
    memcpy(data, M.buf, n);
    return n;
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
    mut_init();
    uint64_t rng = seed * 0x2545F4914F6CDD1Dull + 2;
    if (M.mode == GCF_MODE_STRUCT && !chance(&rng, M.byte_share)) {
        /* libFuzzer draws the crossover as often as the mutator (one of
           two mutators): two calls in three are an edit of the first
           input, so splices stay a third of this half */
        size_t n = 0;
        int op = -1;
        if (chance(&rng, 33)) {
            op = GCF_MUT_SPLICE;
            n = gcf_cross_bytes(d1, s1, d2, s2, out, max_out, rnext(&rng), NULL);
        } else {
            n = gcf_mut_bytes(d1, s1, out, max_out, rnext(&rng), GCF_MUT_ANY, NULL, &op);
        }
        if (n) {
            M.applied[op]++;
            return n;
        }
        M.failed++;
    }
    /* byte-level: a prefix of the first input and a suffix of the second */
    M.bytes++;
    size_t a = s1 ? below(&rng, s1 + 1) : 0;
    size_t b = s2 ? below(&rng, s2 + 1) : 0;
    size_t n = 0;
    for (size_t i = 0; i < a && n < max_out; i++)
        out[n++] = d1[i];
    for (size_t i = b; i < s2 && n < max_out; i++)
        out[n++] = d2[i];
    return n;
}
