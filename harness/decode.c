/* decode.c -- bytes -> program (the binary format, HX_CODEC_VERSION).
 *
 * Sections: byte reader, decoder state (.codec.state, shared with
 * encode.c), fuzz-mode presets and size distribution, header, names,
 * operands, statements, the driver.  docs/format.md gives the layout.
 *
 * .codec.total: every read past the end yields 0, every value read is
 * reduced into its valid range, and a statement whose operands cannot be
 * satisfied is decoded as an allocation instead (or `finalize` when the
 * program has no type), so every input gives a program that passes
 * hx_program_check.  hx_encode never writes a byte sequence that takes one
 * of these repair paths, which is what makes decode(encode(p)) == p hold
 * (for programs within the format's size limits, .codec.limits).
 *
 * .codec.valid: in fuzz mode the decoder also tracks, statically and
 * conservatively, what every statement leaves behind (locals bound,
 * dropped, certainly non-null with their type and length; handles live or
 * freed) and only emits statements whose operands are valid in every
 * execution, so a fuzz-mode program never makes a program error at run
 * time.  `new` is certainly non-null only when the heap has no hard limit
 * (.codec.oom); sizes are bounded so nothing else can run out of memory.
 */
#include "codec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ==== Byte reader ===================================================== */

typedef struct reader {
    const uint8_t *p;
    size_t n, i;
} reader;

static bool rd_more(const reader *r) { return r->i < r->n; }
static uint8_t rd_u8(reader *r) { return r->i < r->n ? r->p[r->i++] : 0; }

/* LEB128, at most 10 bytes, reduced to 0..HX_NUMBER_MAX. */
static uint64_t rd_var(reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        uint8_t b = rd_u8(r);
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v > HX_NUMBER_MAX ? v % (HX_NUMBER_MAX + 1) : v;
}

/* ==== Decoder state (.codec.state) ==================================== */

void hx_cstate_init(hx_cstate *cs)
{
    memset(cs, 0, sizeof *cs);
}

void hx_cstate_free(hx_cstate *cs)
{
    free(cs->locals);
    free(cs->handle_named);
    free(cs->handle_live);
    for (unsigned s = 0; s < HX_SET_COUNT; s++)
        free(cs->tree[s]);
    hx_cstate_init(cs);
}

static bool slotted(const hx_cstate_local *l, const hx_program *p)
{
    if (l->type == HX_NONE)
        return false;
    const hx_type *t = &p->types[l->type];
    return (t->kind == HX_TYPE_FIXED && t->nrefs > 0) ||
           (t->kind == HX_TYPE_REF_ARRAY && l->length > 0);
}

/* The sets local l belongs to, as bits (1u << hx_cset). */
static unsigned local_sets(const hx_cstate_local *l, const hx_program *p)
{
    if (!l->bound)
        return 0;
    unsigned m = 1u << HX_SET_BOUND;
    if (l->nonnull) {
        m |= 1u << HX_SET_OBJECT;
        if (slotted(l, p))
            m |= 1u << HX_SET_SLOTTED;
    }
    return m;
}

static size_t set_cap(const hx_cstate *cs, hx_cset s)
{
    return s == HX_SET_LIVE ? cs->handles_cap : cs->locals_cap;
}

static void tree_add(hx_cstate *cs, hx_cset s, uint32_t x, int delta)
{
    uint32_t *t = cs->tree[s];
    size_t cap = set_cap(cs, s);
    for (size_t j = (size_t)x + 1; j <= cap; j += j & (~j + 1)) {
        t[j] += (uint32_t)delta;
        cs->ops++;
    }
    cs->count[s] += (uint32_t)delta;
}

/* Members before position x. */
static uint32_t tree_prefix(hx_cstate *cs, hx_cset s, uint32_t x)
{
    const uint32_t *t = cs->tree[s];
    uint32_t n = 0;
    for (size_t j = x; j > 0; j -= j & (~j + 1)) {
        n += t[j];
        cs->ops++;
    }
    return n;
}

uint32_t hx_cstate_nth(hx_cstate *cs, hx_cset s, uint64_t k)
{
    const uint32_t *t = cs->tree[s];
    size_t cap = set_cap(cs, s), pos = 0;
    for (size_t step = cap; step > 0; step >>= 1) {
        cs->ops++;
        if (pos + step <= cap && t[pos + step] <= k) {
            pos += step;
            k -= t[pos];
        }
    }
    return (uint32_t)pos;       /* 0-based: the tree's position pos + 1 */
}

static bool is_member(const hx_cstate *cs, const hx_program *p, hx_cset s, uint32_t x)
{
    if (s == HX_SET_LIVE)
        return x < cs->handles_cap && cs->handle_live[x];
    return x < cs->locals_cap && (local_sets(&cs->locals[x], p) >> s & 1u);
}

uint32_t hx_cstate_rank(hx_cstate *cs, const hx_program *p, hx_cset s, uint32_t x)
{
    return is_member(cs, p, s, x) ? tree_prefix(cs, s, x) : HX_NONE;
}

/* Rebuild set s's tree for a new capacity in O(cap). */
static bool tree_rebuild(hx_cstate *cs, const hx_program *p, hx_cset s, size_t cap)
{
    uint32_t *t = calloc(cap + 1, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < cap; i++)
        t[i + 1] = is_member(cs, p, s, (uint32_t)i) ? 1 : 0;
    for (size_t j = 1; j <= cap; j++) {
        size_t up = j + (j & (~j + 1));
        if (up <= cap)
            t[up] += t[j];
    }
    free(cs->tree[s]);
    cs->tree[s] = t;
    return true;
}

/* Set local x to state nl, keeping the trees in step. */
static void set_local(hx_cstate *cs, const hx_program *p, uint32_t x, hx_cstate_local nl)
{
    unsigned before = local_sets(&cs->locals[x], p), after = local_sets(&nl, p);
    cs->locals[x] = nl;
    for (unsigned s = 0; s < HX_SET_LIVE; s++)
        if ((before ^ after) >> s & 1u)
            tree_add(cs, (hx_cset)s, x, (after >> s & 1u) ? 1 : -1);
}

bool hx_cstate_reserve(hx_cstate *cs, const hx_program *p)
{
    size_t nl = p->nlocals, nh = p->nhandles;
    /* at least 16 entries each: the trees are built even for a program
       with no locals or no handles */
    if (nl > cs->locals_cap || !cs->tree[HX_SET_OBJECT]) {
        size_t old = cs->locals_cap;
        if (!HX_RESERVE_ZERO(cs->locals, cs->locals_cap, nl ? nl : 1, 16))
            return false;
        for (size_t i = old; i < cs->locals_cap; i++)
            cs->locals[i].type = HX_NONE;
        for (unsigned s = 0; s < HX_SET_LIVE; s++)
            if (!tree_rebuild(cs, p, (hx_cset)s, cs->locals_cap))
                return false;
    }
    if (nh > cs->handles_cap || !cs->tree[HX_SET_LIVE]) {
        /* both arrays have handles_cap entries; one that grew while the
           other could not is grown (and zeroed past handles_cap) again */
        size_t named_cap = cs->handles_cap, live_cap = cs->handles_cap;
        if (!HX_RESERVE_ZERO(cs->handle_named, named_cap, nh ? nh : 1, 16) ||
            !HX_RESERVE_ZERO(cs->handle_live, live_cap, nh ? nh : 1, 16))
            return false;
        cs->handles_cap = named_cap;
        if (!tree_rebuild(cs, p, HX_SET_LIVE, cs->handles_cap))
            return false;
    }
    return true;
}

bool hx_cstate_has_slots(const hx_cstate *cs, const hx_program *p, uint32_t x)
{
    uint32_t ty = cs->locals[x].type;
    if (ty == HX_NONE)
        return true;
    const hx_type *t = &p->types[ty];
    if (t->kind == HX_TYPE_BYTE_ARRAY)
        return false;
    return t->kind == HX_TYPE_REF_ARRAY || t->nrefs > 0;
}

void hx_cstate_maybe_null(hx_cstate *cs, const hx_program *p, uint32_t x)
{
    hx_cstate_local l = cs->locals[x];
    l.nonnull = false;
    set_local(cs, p, x, l);
}

static void set_live(hx_cstate *cs, uint32_t h, bool live)
{
    if (cs->handle_live[h] != live)
        tree_add(cs, HX_SET_LIVE, h, live ? 1 : -1);
    cs->handle_live[h] = live;
}

void hx_cstate_step(hx_cstate *cs, const hx_program *p, const hx_stmt *s)
{
    const hx_stmt_info *in = hx_stmt_info_of(s->kind);
    if (!in)
        return;
    if (in->flags & HX_SF_UNBIND) {
        const hx_cstate_local unbound = { false, false, HX_NONE, 0 };
        set_local(cs, p, s->obj, unbound);
    }
    if (hx_stmt_has(s->kind, HX_FIELD_dst)) {
        if (hx_stmt_has(s->kind, HX_FIELD_type)) {
            hx_cstate_local l = { true, true, s->type, s->length };
            set_local(cs, p, s->dst, l);
        } else if (in->flags & HX_SF_COPY) {
            set_local(cs, p, s->dst, cs->locals[s->src]);
        } else {
            hx_cstate_local l = { true, false, HX_NONE, 0 };
            set_local(cs, p, s->dst, l);
        }
    }
    if (hx_stmt_has(s->kind, HX_FIELD_handle)) {
        for (const hx_bin_el *e = in->bin; e->bn != HX_BN_END; e++)
            if (e->bn == HX_BN_HANDLE_BIND) {
                cs->handle_named[s->handle] = true;
                set_live(cs, s->handle, true);
            }
        if (in->flags & HX_SF_HANDLE_FREE)
            set_live(cs, s->handle, false);
    }
}

/* ==== Fuzz-mode presets =============================================== */
/* Small heaps so collections, segment growth and LOH reuse happen within a
   few dozen statements; 0 = no limit (.dec.budget-zero). */

#define K 1024u
#define M (1024u * 1024u)
static const uint64_t preset_gen0[] = { 8 * K, 16 * K, 32 * K, 64 * K, 100000, 256 * K, 0 };
static const uint64_t preset_gen1[] = { 16 * K, 64 * K, 256 * K, 2 * M, 0 };
static const uint64_t preset_gen2[] = { 64 * K, 256 * K, 1 * M, 10 * M, 0 };
static const uint64_t preset_loh[] = { 100 * K, 256 * K, 512 * K, 1 * M, 16 * M, 0 };
static const uint64_t preset_thr[] = { 85000, 85000, 85000, 100000, 128 * K };
static const uint64_t preset_seg[] = { 16 * K, 32 * K, 64 * K, 128 * K, 256 * K, 4 * M };
static const uint64_t preset_hard[] = { 0, 0, 0, 0, 1 * M, 4 * M, 16 * M };
/* Fuzz mode draws the hard limit from its own table: 3 programs in 10,
   since under a hard limit every `new` may give null (.codec.oom) and the
   program cannot use what it allocates.  The table above stays what exact
   mode (and so every encoded input) means by a selector. */
static const uint64_t fuzz_preset_hard[] = { 0, 0, 0, 0, 0, 0, 0, 1 * M, 4 * M, 16 * M };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
static const uint64_t *const presets[HX_KEY_COUNT] = {
    preset_gen0, preset_gen1, preset_gen2, preset_loh, preset_thr, preset_seg, preset_hard,
};
static const unsigned npresets[HX_KEY_COUNT] = {
    NELEM(preset_gen0), NELEM(preset_gen1), NELEM(preset_gen2), NELEM(preset_loh),
    NELEM(preset_thr), NELEM(preset_seg), NELEM(preset_hard),
};

unsigned hx_codec_heap_npresets(hx_heap_key k)
{
    return (unsigned)k < HX_KEY_COUNT ? npresets[k] : 0;
}

uint64_t hx_codec_heap_preset(hx_heap_key k, unsigned sel)
{
    if ((unsigned)k >= HX_KEY_COUNT)
        return 0;
    return presets[k][sel % npresets[k]];
}

/* The preset types of fuzz mode: every kind and finalizer behaviour. */
typedef struct preset_type {
    const char *name;
    hx_type_kind kind;
    uint32_t size, nrefs;
    hx_fin_kind fin;
    uint32_t param;         /* static slot or alloc type index */
    bool critical;
} preset_type;

static const preset_type preset_types[] = {
    { "Node", HX_TYPE_FIXED, 32, 2, HX_FIN_NONE, 0, false },
    { "Leaf", HX_TYPE_FIXED, 24, 0, HX_FIN_NONE, 0, false },
    { "Triple", HX_TYPE_FIXED, 48, 3, HX_FIN_NONE, 0, false },
    { "Blob", HX_TYPE_BYTE_ARRAY, 0, 0, HX_FIN_NONE, 0, false },
    { "Refs", HX_TYPE_REF_ARRAY, 0, 0, HX_FIN_NONE, 0, false },
    { "Fin", HX_TYPE_FIXED, 24, 0, HX_FIN_COUNT, 0, false },
    { "Phoenix", HX_TYPE_FIXED, 40, 1, HX_FIN_RESURRECT, 0, false },
    { "Again", HX_TYPE_FIXED, 24, 0, HX_FIN_REREGISTER, 0, false },
    { "Both", HX_TYPE_FIXED, 32, 1, HX_FIN_RESURRECT_REREGISTER, 1, false },
    { "Crit", HX_TYPE_FIXED, 24, 0, HX_FIN_COUNT, 0, true },
    { "Maker", HX_TYPE_FIXED, 24, 0, HX_FIN_ALLOC, 0, false },   /* alloc:Node */
    { "Spawner", HX_TYPE_FIXED, 32, 1, HX_FIN_ALLOC, 3, false }, /* alloc:Blob */
    { "Wide", HX_TYPE_FIXED, 4096, 8, HX_FIN_NONE, 0, false },
    { "Huge", HX_TYPE_FIXED, 90000, 2, HX_FIN_NONE, 0, false },  /* fixed-size LOH */
};

static const uint32_t extra_sizes[] = { 24, 32, 40, 48, 64, 96, 128, 512, 4096, 84984, 85000, 131072 };

/* ==== Size distribution (.codec.sizes) ================================ */
/* An array length from one byte: small lengths, and total sizes within a
   few bytes of the LOH threshold, the gen0 budget, the segment size and
   half of it, medium sizes, and large sizes spread above the threshold. */
static uint64_t size_dist(const hx_heap_config *h, const hx_type *t, uint8_t s)
{
    uint64_t elem = t->kind == HX_TYPE_REF_ARRAY ? 8 : 1;
    uint64_t thr = h->value[HX_KEY_LOH_THRESHOLD];
    uint64_t g0 = h->value[HX_KEY_GEN0_BUDGET] ? h->value[HX_KEY_GEN0_BUDGET] : 256 * K;
    uint64_t seg = h->value[HX_KEY_SEGMENT_SIZE];
    unsigned cls = s & 7, d = s >> 3;
    uint64_t total;
    switch (cls) {
    case 0: case 1:
        return elem == 1 ? (uint64_t)d * 3 : d / 2;
    case 2:
        return d % 4;
    case 3:
        total = thr - 4 + d % 9;
        break;
    case 4:
        total = g0 + d % 9 > 4 ? g0 - 4 + d % 9 : 0;
        break;
    case 5: {
        uint64_t base = (d & 1) ? seg / 2 : seg;
        total = base + (d >> 1) % 9 > 4 ? base - 4 + (d >> 1) % 9 : 0;
        break;
    }
    case 6:
        total = HX_ARRAY_BASE + (uint64_t)(d + 1) * 256;
        break;
    default:
        total = thr + (uint64_t)d * 8192;
        break;
    }
    if (total <= HX_ARRAY_BASE)
        return 0;
    return (total - HX_ARRAY_BASE + elem - 1) / elem;
}

/* ==== Size limits (.codec.limits) ===================================== */

/* Largest array length whose instance stays within max bytes. */
static uint64_t max_length(const hx_type *t, uint64_t max)
{
    uint64_t elem = t->kind == HX_TYPE_REF_ARRAY ? 8 : 1;
    return max > HX_ARRAY_BASE ? (max - HX_ARRAY_BASE) / elem : 0;
}

/* A length reduced so that the instance is at most max bytes. */
static uint64_t clamp_length(const hx_type *t, uint64_t len, uint64_t max)
{
    uint64_t m = max_length(t, max);
    return len > m ? len % (m + 1) : len;
}

/* Fuzz-mode heap value from a 0xFF selector: budgets, segment size and
   hard limit at most 8 MiB, 8 MiB and 64 MiB, the LOH threshold in
   85000..1 MiB + 85000, so every size the distribution derives from them
   stays within HX_CODEC_MAX_OBJECT. */
static uint64_t fuzz_heap_value(unsigned k, uint64_t v)
{
    switch (k) {
    case HX_KEY_LOH_THRESHOLD:
        v %= HX_CODEC_MAX_LOH_THRESHOLD + 1;
        return v < 85000 ? v + 85000 : v;
    case HX_KEY_SEGMENT_SIZE:
        v %= HX_CODEC_MAX_SEGMENT + 1;
        return v ? v : hx_heap_default_value(HX_KEY_SEGMENT_SIZE);
    case HX_KEY_HARD_LIMIT:
        return v % (HX_CODEC_MAX_HARD + 1);
    default:
        return v % (8 * (uint64_t)M + 1);
    }
}

/* What a `new` of type t charges to the program's totals: the instance,
   and for an allocating finalizer what one call allocates (an array target
   is allocated with length 0, .dec.alloc-finalizer); bytes and reference
   slots. */
typedef struct charge {
    uint64_t bytes, slots;
} charge;

static uint64_t type_slots(const hx_type *t, uint64_t len)
{
    return t->kind == HX_TYPE_FIXED ? t->nrefs : t->kind == HX_TYPE_REF_ARRAY ? len : 0;
}

static charge alloc_charge(const hx_program *p, const hx_type *t, uint64_t len)
{
    charge c = { hx_type_instance_size(t, len), type_slots(t, len) };
    if (t->kind == HX_TYPE_FIXED && t->fin == HX_FIN_ALLOC && t->fin_alloc < p->ntypes) {
        const hx_type *a = &p->types[t->fin_alloc];
        c.bytes += hx_type_instance_size(a, 0);
        c.slots += type_slots(a, 0);
    }
    return c;
}

/* What a `reregister` charges: one more call of the largest allocating
   finalizer of the program (0 when none allocates). */
static charge rereg_charge(const hx_program *p)
{
    charge m = { 0, 0 };
    for (uint32_t i = 0; i < p->ntypes; i++) {
        const hx_type *t = &p->types[i];
        if (t->kind == HX_TYPE_FIXED && t->fin == HX_FIN_ALLOC && t->fin_alloc < p->ntypes) {
            const hx_type *a = &p->types[t->fin_alloc];
            uint64_t b = hx_type_instance_size(a, 0), n = type_slots(a, 0);
            m.bytes = b > m.bytes ? b : m.bytes;
            m.slots = n > m.slots ? n : m.slots;
        }
    }
    return m;
}

/* The bounds in force (.codec.limits; hx_decode_opts may raise them). */
typedef struct limits {
    uint64_t total, slots, exec, heavy;
} limits;

static const limits default_limits = {
    HX_CODEC_MAX_TOTAL, HX_CODEC_MAX_SLOTS, HX_CODEC_MAX_EXEC, HX_CODEC_MAX_HEAVY
};

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/* c charged m times (a statement in blocks runs m times, .codec.loop). */
static charge charge_times(charge c, uint64_t m)
{
    charge r = { mul_sat(c.bytes, m), mul_sat(c.slots, m) };
    return r;
}

/* Whether c still fits after the totals so far. */
static bool fits_in(const limits *l, charge so_far, charge c)
{
    return c.bytes <= l->total && so_far.bytes <= l->total - c.bytes &&
           c.slots <= l->slots && so_far.slots <= l->slots - c.slots;
}

/* Whether n more executions fit after used of max. */
static bool room(uint64_t used, uint64_t n, uint64_t max)
{
    return used <= max && n <= max - used;
}

/* A statement that collects: `collect`, `finalize`. */
static bool is_heavy_kind(hx_stmt_kind k)
{
    return k == HX_ST_COLLECT || k == HX_ST_FINALIZE;
}

/* A statement that collects or may trigger a collection every few
   executions: also a `new` of at least 1/HX_CODEC_HEAVY_NEW_DIV of a gen0
   budget (.codec.heavy-new; budget 0 is none). */
static bool is_heavy(const hx_program *p, const hx_stmt *s)
{
    if (is_heavy_kind(s->kind))
        return true;
    uint64_t g0 = p->heap.value[HX_KEY_GEN0_BUDGET];
    if (s->kind != HX_ST_NEW || g0 == 0 || s->type >= p->ntypes)
        return false;
    return mul_sat(hx_type_instance_size(&p->types[s->type], s->length), HX_CODEC_HEAVY_NEW_DIV) >= g0;
}

static void add_charge(charge *so_far, charge c)
{
    so_far->bytes += c.bytes;
    so_far->slots += c.slots;
}

/* .codec.fin-chain */
static bool fin_chained(const hx_program *p, const hx_type *t)
{
    return t->kind == HX_TYPE_FIXED && t->fin == HX_FIN_ALLOC && t->fin_alloc < p->ntypes &&
           p->types[t->fin_alloc].fin == HX_FIN_ALLOC;
}

const char *hx_codec_beyond_limits(const hx_program *p)
{
    if (p->nstmts > HX_CODEC_MAX_STMTS)
        return "more statements than the binary format's bound";
    if (p->heap.value[HX_KEY_SEGMENT_SIZE] > HX_CODEC_MAX_SEGMENT ||
        p->heap.value[HX_KEY_SEGMENT_SIZE] == 0)
        return "segment_size beyond the binary format's bound";
    if (p->heap.value[HX_KEY_HARD_LIMIT] > HX_CODEC_MAX_HARD)
        return "hard_limit beyond the binary format's bound";
    if (p->heap.value[HX_KEY_LOH_THRESHOLD] > HX_CODEC_MAX_LOH_THRESHOLD)
        return "loh_threshold beyond the binary format's bound";
    for (uint32_t i = 0; i < p->ntypes; i++) {
        if (p->types[i].kind == HX_TYPE_FIXED && p->types[i].size > HX_CODEC_MAX_OBJECT)
            return "a fixed type larger than the binary format's largest object";
        if (fin_chained(p, &p->types[i]))
            return "an allocating finalizer allocates a type whose finalizer allocates";
    }
    charge total = { 0, 0 }, rereg = rereg_charge(p);
    const limits *l = &default_limits;
    uint64_t mult[HX_LOOP_DEPTH_MAX + 1], exec = 0, heavy = 0;
    unsigned depth = 0;
    mult[0] = 1;
    for (size_t i = 0; i < p->nstmts; i++) {
        const hx_stmt *s = &p->stmts[i];
        if (hx_stmt_closes(s->kind)) {      /* charged with its `repeat` */
            if (!depth)
                return "a '}' without a block";
            depth--;
            continue;
        }
        uint64_t m = mult[depth];
        if (depth) {                        /* .codec.loop, as decode_stmt */
            if (!room(exec, m, l->exec) || (is_heavy(p, s) && !room(heavy, m, l->heavy)))
                return "statements in repeat blocks beyond the binary format's bounds";
            exec += m;
            if (is_heavy(p, s))
                heavy += m;
        }
        if (hx_stmt_opens(s->kind)) {
            if (depth == HX_LOOP_DEPTH_MAX)
                return "repeat blocks nested too deep";
            uint64_t n = mul_sat(m, s->count);
            if (!room(exec, n, l->exec))
                return "statements in repeat blocks beyond the binary format's bounds";
            exec += n;
            mult[++depth] = n;
            continue;
        }
        charge c = { 0, 0 };
        if (s->kind == HX_ST_NEW) {
            const hx_type *t = &p->types[s->type];
            if (hx_type_instance_size(t, s->length) > HX_CODEC_MAX_OBJECT)
                return "an allocation larger than the binary format's largest object";
            c = alloc_charge(p, t, s->length);
        } else if (s->kind == HX_ST_REREGISTER) {
            c = rereg;
        }
        c = charge_times(c, m);
        if (!fits_in(l, total, c))
            return "allocations beyond the binary format's totals (bytes or reference slots)";
        add_charge(&total, c);
    }
    if (depth)
        return "a repeat block without its '}'";
    return NULL;
}

bool hx_codec_within_limits(const hx_program *p)
{
    return hx_codec_beyond_limits(p) == NULL;
}

/* ==== Decoder ========================================================= */

typedef struct decoder {
    reader r;
    hx_program *p;
    hx_cstate cs;
    hx_name_index names;    /* locals and handles (.prog.names) */
    bool exact, expect;
    bool oom;
    bool may_oom;           /* fuzz: hard limit set, `new` may give null */
    charge allocated;       /* charged to the allocation totals so far */
    charge rereg;           /* what a `reregister` charges */
    /* .codec.loop */
    unsigned version;       /* byte 0 */
    size_t max_stmts;       /* statements in all, the closing `}`s included */
    limits lim;
    uint64_t exec, heavy;   /* executions inside blocks charged so far */
    unsigned depth;         /* open blocks */
    uint64_t mult[HX_LOOP_DEPTH_MAX + 1];   /* executions per iteration of
                                               the statements at each depth */
    uint64_t count[HX_LOOP_DEPTH_MAX];      /* each open block's count */
    /* fuzz mode: the locals' and handles' state at each open block's head
       (.codec.loop-valid) */
    hx_cstate_local *snap[HX_LOOP_DEPTH_MAX];
    uint32_t snap_n[HX_LOOP_DEPTH_MAX];
    bool *hsnap[HX_LOOP_DEPTH_MAX];
    uint32_t hsnap_n[HX_LOOP_DEPTH_MAX];
} decoder;

/* Whether c fits, charged once per execution at the current depth. */
static bool fits(const decoder *dc, charge so_far, charge c)
{
    return fits_in(&dc->lim, so_far, charge_times(c, dc->mult[dc->depth]));
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > HX_NAME_MAX || strcmp(s, "null") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool a = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!a && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

/* want if valid and unused, else prefix<idx>, else prefix<idx>_<k>. */
static void pick_name(decoder *dc, const char *want, const char *prefix, uint32_t idx,
                      char out[HX_NAME_MAX + 1])
{
    if (want && valid_name(want) && hx_name_index_find(&dc->names, dc->p, want) == HX_NONE) {
        snprintf(out, HX_NAME_MAX + 1, "%s", want);
        return;
    }
    snprintf(out, HX_NAME_MAX + 1, "%s%u", prefix, (unsigned)idx);
    for (unsigned k = 1; hx_name_index_find(&dc->names, dc->p, out) != HX_NONE; k++)
        snprintf(out, HX_NAME_MAX + 1, "%s%u_%u", prefix, (unsigned)idx, k);
}

/* Append a local (names are unique, so this never finds an old one). */
static uint32_t new_local(decoder *dc, const char *want)
{
    char name[HX_NAME_MAX + 1];
    pick_name(dc, want, "l", dc->p->nlocals, name);
    uint32_t x = hx_program_add_local(dc->p, name);
    if (x == HX_NONE || !hx_name_index_add(&dc->names, dc->p, 2 * x) ||
        !hx_cstate_reserve(&dc->cs, dc->p)) {
        dc->oom = true;
        return HX_NONE;
    }
    return x;
}

static uint32_t new_handle(decoder *dc, const char *want)
{
    char name[HX_NAME_MAX + 1];
    pick_name(dc, want, "h", dc->p->nhandles, name);
    uint32_t x = hx_program_add_handle(dc->p, name);
    if (x == HX_NONE || !hx_name_index_add(&dc->names, dc->p, 2 * x + 1) ||
        !hx_cstate_reserve(&dc->cs, dc->p)) {
        dc->oom = true;
        return HX_NONE;
    }
    return x;
}

/* A name from the names section: length byte (mod 65), then the bytes. */
static void read_name(decoder *dc, char out[HX_NAME_MAX + 1])
{
    unsigned n = rd_u8(&dc->r) % (HX_NAME_MAX + 1);
    for (unsigned i = 0; i < n; i++) {
        char c = (char)rd_u8(&dc->r);
        out[i] = c ? c : '?';       /* NUL would truncate; '?' is invalid */
    }
    out[n] = 0;
}

/* ---- header --------------------------------------------------------- */

static void decode_heap(decoder *dc)
{
    hx_heap_config *h = &dc->p->heap;
    for (unsigned k = 0; k < HX_KEY_COUNT; k++) {
        uint8_t sel = rd_u8(&dc->r);
        uint64_t v;
        if (sel == 0xFF) {
            v = rd_var(&dc->r);
            if (!dc->exact) {
                v = fuzz_heap_value(k, v);
            } else {
                if (k == HX_KEY_LOH_THRESHOLD && v < 85000)
                    v += 85000;
                /* .codec.limits: LOH threshold, segment size and hard
                   limit bounded */
                if ((k == HX_KEY_LOH_THRESHOLD && v > HX_CODEC_MAX_LOH_THRESHOLD) ||
                    k == HX_KEY_SEGMENT_SIZE || k == HX_KEY_HARD_LIMIT)
                    v = fuzz_heap_value(k, v);
            }
        } else if (!dc->exact && k == HX_KEY_HARD_LIMIT) {
            v = fuzz_preset_hard[sel % NELEM(fuzz_preset_hard)];
        } else {
            v = hx_codec_heap_preset((hx_heap_key)k, sel);
        }
        h->value[k] = v;
    }
    h->profile = rd_u8(&dc->r) % 4 == 3 ? HX_PROFILE_CLR : HX_PROFILE_STRICT;
    dc->may_oom = !dc->exact && h->value[HX_KEY_HARD_LIMIT] != 0;   /* .codec.oom */
}

/* .heap.fault: exact mode, two vars (reduced into 0..HX_FAULT_NTH_MAX);
   fuzz mode, one byte: odd -> fail_reserve = 1 + (b >> 1) % 8, even ->
   fail_commit = 1 + (b >> 1) % 64.  Any `new` of a fuzz-mode program with
   a fault may then give null (.codec.oom). */
static void decode_fault(decoder *dc)
{
    hx_heap_config *h = &dc->p->heap;
    if (dc->exact) {
        h->fail_reserve = rd_var(&dc->r) % (HX_FAULT_NTH_MAX + 1ull);
        h->fail_commit = rd_var(&dc->r) % (HX_FAULT_NTH_MAX + 1ull);
        return;
    }
    uint8_t b = rd_u8(&dc->r);
    if (b & 1)
        h->fail_reserve = 1 + (b >> 1) % 8;
    else
        h->fail_commit = 1 + (b >> 1) % 64;
    dc->may_oom = true;
}

static bool add_type(decoder *dc, hx_type *t, const char *name)
{
    t->name = (char *)name;
    if (hx_program_add_type(dc->p, t) == HX_NONE) {
        dc->oom = true;
        return false;
    }
    return true;
}

static void decode_preset_types(decoder *dc)
{
    char name[HX_NAME_MAX + 1];
    uint32_t npre = NELEM(preset_types);
    unsigned nextra = rd_u8(&dc->r) % 4;
    uint32_t total = npre + nextra;
    for (uint32_t i = 0; i < npre && !dc->oom; i++) {
        const preset_type *pt = &preset_types[i];
        hx_type t;
        memset(&t, 0, sizeof t);
        t.kind = pt->kind;
        t.size = pt->size;
        t.nrefs = pt->nrefs;
        t.fin = pt->fin;
        t.critical = pt->critical;
        if (pt->fin == HX_FIN_ALLOC)
            t.fin_alloc = pt->param;
        else if (pt->fin == HX_FIN_RESURRECT || pt->fin == HX_FIN_RESURRECT_REREGISTER)
            t.fin_static = pt->param;
        snprintf(name, sizeof name, "%s", pt->name);
        add_type(dc, &t, name);
    }
    for (unsigned i = 0; i < nextra && !dc->oom; i++) {
        uint8_t a = rd_u8(&dc->r), b = rd_u8(&dc->r), c = rd_u8(&dc->r);
        hx_type t;
        memset(&t, 0, sizeof t);
        t.kind = (hx_type_kind)(a % 3);
        if (t.kind == HX_TYPE_FIXED) {
            t.size = extra_sizes[b % NELEM(extra_sizes)];
            uint64_t maxr = (t.size - HX_OBJ_BASE) / 8;
            if (maxr > 8)
                maxr = 8;
            t.nrefs = (uint32_t)((b / NELEM(extra_sizes)) % (maxr + 1));
            t.fin = (hx_fin_kind)(c % HX_FIN_KIND_COUNT);
            t.fin_static = (c / HX_FIN_KIND_COUNT) % 2;
            t.fin_alloc = (c / HX_FIN_KIND_COUNT) % total;
            if (t.fin != HX_FIN_RESURRECT && t.fin != HX_FIN_RESURRECT_REREGISTER)
                t.fin_static = 0;
            if (t.fin != HX_FIN_ALLOC)
                t.fin_alloc = 0;
            t.critical = t.fin != HX_FIN_NONE && (a / 3) % 4 == 0;
        }
        snprintf(name, sizeof name, "X%u", i);
        add_type(dc, &t, name);
    }
    /* .codec.fin-chain: a finalizer never allocates an object whose own
       finalizer allocates.  Otherwise (alloc:T on T itself, or T and U
       allocating each other) every finalizer call allocates an object that
       dies at once and is finalized in the same drain, after the collection
       the allocation triggers: `finalize` would never end.  Such targets
       are redirected to Node, the first preset. */
    hx_program *p = dc->p;
    for (uint32_t i = 0; i < p->ntypes && !dc->oom; i++)
        if (p->types[i].fin == HX_FIN_ALLOC && p->types[p->types[i].fin_alloc].fin == HX_FIN_ALLOC)
            p->types[i].fin_alloc = 0;
}

static void decode_explicit_types(decoder *dc)
{
    char name[HX_NAME_MAX + 1];
    uint64_t n = rd_var(&dc->r);
    uint64_t left = dc->r.i < dc->r.n ? dc->r.n - dc->r.i : 0;
    if (n > HX_CODEC_MAX_TYPES)
        n %= HX_CODEC_MAX_TYPES + 1;
    if (n > left)                       /* every type takes a byte at least */
        n %= left + 1;
    for (uint32_t i = 0; i < n && !dc->oom; i++) {
        hx_type t;
        memset(&t, 0, sizeof t);
        t.kind = (hx_type_kind)(rd_u8(&dc->r) % 3);
        if (t.kind == HX_TYPE_FIXED) {
            uint64_t size = rd_var(&dc->r);
            if (size > HX_CODEC_MAX_OBJECT)            /* .codec.limits */
                size %= HX_CODEC_MAX_OBJECT + 1;
            if (size < HX_MIN_OBJECT)
                size += HX_MIN_OBJECT;
            t.size = size;
            uint64_t maxr = (size - HX_OBJ_BASE) / 8;
            if (maxr > HX_MAX_REFS)
                maxr = HX_MAX_REFS;
            t.nrefs = (uint32_t)(rd_var(&dc->r) % (maxr + 1));
            t.fin = (hx_fin_kind)(rd_u8(&dc->r) % HX_FIN_KIND_COUNT);
            if (t.fin == HX_FIN_RESURRECT || t.fin == HX_FIN_RESURRECT_REREGISTER)
                t.fin_static = rd_u8(&dc->r) % HX_STATICS;
            if (t.fin == HX_FIN_ALLOC)
                t.fin_alloc = (uint32_t)(rd_var(&dc->r) % n);
            t.critical = t.fin != HX_FIN_NONE && (rd_u8(&dc->r) & 1);
        }
        snprintf(name, sizeof name, "T%u", i);
        add_type(dc, &t, name);
    }
    /* .codec.fin-chain: an `alloc:` finalizer whose target's finalizer
       allocates too only counts */
    hx_program *p = dc->p;
    for (uint32_t i = 0; i < p->ntypes && !dc->oom; i++)
        if (fin_chained(p, &p->types[i])) {
            p->types[i].fin = HX_FIN_COUNT;
            p->types[i].fin_alloc = 0;
        }
}

/* Names section, types part: rename the types in table order.  A name
   that is invalid or already used by an earlier type falls back to T<i>
   (made unique); later types are checked when their turn comes. */
static bool type_name_taken(const hx_program *p, uint32_t upto, const char *s)
{
    for (uint32_t j = 0; j < upto; j++)
        if (strcmp(p->types[j].name, s) == 0)
            return true;
    return false;
}

static void decode_names(decoder *dc)
{
    hx_program *p = dc->p;
    char want[HX_NAME_MAX + 1], got[HX_NAME_MAX + 1];
    for (uint32_t i = 0; i < p->ntypes; i++) {
        read_name(dc, want);
        if (valid_name(want) && !type_name_taken(p, i, want)) {
            snprintf(got, sizeof got, "%s", want);
        } else {
            snprintf(got, sizeof got, "T%u", (unsigned)i);
            for (unsigned k = 1; type_name_taken(p, i, got); k++)
                snprintf(got, sizeof got, "T%u_%u", (unsigned)i, k);
        }
        char *n = malloc(strlen(got) + 1);
        if (!n) {
            dc->oom = true;
            return;
        }
        strcpy(n, got);
        free(p->types[i].name);
        p->types[i].name = n;
    }
}

/* ---- operands -------------------------------------------------------- */
/* Operand bytes: values below HX_CODEC_ESC choose among preferred
   candidates (live ones); HX_CODEC_ESC and above are followed by a varint
   giving the exact index.
   CONVERT marks an operand that cannot be satisfied. */
#define ESC HX_CODEC_ESC
#define CONVERT (HX_NONE - 1)

static uint32_t op_dst(decoder *dc)
{
    uint8_t x = rd_u8(&dc->r);
    uint32_t n = dc->p->nlocals;
    if (x >= ESC) {
        uint64_t v = rd_var(&dc->r) % ((uint64_t)n + 1);
        return v == n ? new_local(dc, NULL) : (uint32_t)v;
    }
    if (x >= 0x80 && n > 0)
        return (x - 0x80u) % n;
    return new_local(dc, NULL);
}

/* Fuzz mode (.codec.valid): the bound locals, null or not, are what a
   value operand may read (copy, drop, a stored value): HX_SET_BOUND. */

/* A local that must name an object.  Exact mode: the escape gives any
   local.  Fuzz mode: the escape's var also picks a candidate, so the
   operand is bound and certainly non-null in every execution. */
static uint32_t op_obj(decoder *dc, hx_cand c, uint8_t *byte)
{
    uint8_t x = rd_u8(&dc->r);
    *byte = x;
    uint32_t n = dc->p->nlocals;
    uint64_t v = x;
    if (x >= ESC) {
        v = rd_var(&dc->r);
        if (dc->exact)
            return n ? (uint32_t)(v % n) : CONVERT;
    }
    hx_cset set = c == HX_CAND_SLOTTED ? HX_SET_SLOTTED : HX_SET_OBJECT;
    uint32_t k = hx_cstate_count(&dc->cs, set);
    return k ? hx_cstate_nth(&dc->cs, set, v % k) : CONVERT;
}

/* A local read as a value, null allowed (copy source, drop).  Exact mode:
   as op_obj with HX_CAND_OBJECT; fuzz mode: any bound local. */
static uint32_t op_bound(decoder *dc, uint8_t *byte)
{
    if (dc->exact)
        return op_obj(dc, HX_CAND_OBJECT, byte);
    uint8_t x = rd_u8(&dc->r);
    *byte = x;
    uint64_t v = x >= ESC ? rd_var(&dc->r) : x;
    uint32_t k = hx_cstate_count(&dc->cs, HX_SET_BOUND);
    return k ? hx_cstate_nth(&dc->cs, HX_SET_BOUND, v % k) : CONVERT;
}

static uint32_t op_val(decoder *dc)
{
    uint8_t x = rd_u8(&dc->r);
    uint32_t n = dc->p->nlocals;
    if (!dc->exact) {                   /* .codec.valid: bound locals */
        if (x < 0x20)
            return HX_NULL;
        uint32_t k = hx_cstate_count(&dc->cs, HX_SET_BOUND);
        if (x >= ESC) {
            uint64_t v = rd_var(&dc->r) % ((uint64_t)k + 1);
            return v == k ? HX_NULL : hx_cstate_nth(&dc->cs, HX_SET_BOUND, v);
        }
        return k ? hx_cstate_nth(&dc->cs, HX_SET_BOUND, (x - 0x20u) % k) : HX_NULL;
    }
    if (x >= ESC) {
        uint64_t v = rd_var(&dc->r) % ((uint64_t)n + 1);
        return v == n ? HX_NULL : (uint32_t)v;
    }
    if (x < 0x20)
        return HX_NULL;
    uint32_t k = hx_cstate_count(&dc->cs, HX_SET_OBJECT);
    return k ? hx_cstate_nth(&dc->cs, HX_SET_OBJECT, (x - 0x20u) % k) : HX_NULL;
}

static uint32_t op_handle_dst(decoder *dc)
{
    uint8_t x = rd_u8(&dc->r);
    uint32_t n = dc->p->nhandles;
    if (x >= ESC) {
        uint64_t v = rd_var(&dc->r) % ((uint64_t)n + 1);
        return v == n ? new_handle(dc, NULL) : (uint32_t)v;
    }
    return new_handle(dc, NULL);
}

static uint32_t op_handle_use(decoder *dc, uint8_t *byte)
{
    uint8_t x = rd_u8(&dc->r);
    *byte = x;
    uint32_t n = dc->p->nhandles;
    uint64_t v = x;
    if (x >= ESC) {
        v = rd_var(&dc->r);
        if (dc->exact) {
            if (!n)
                return CONVERT;
            uint32_t h = (uint32_t)(v % n);
            return dc->cs.handle_named[h] ? h : CONVERT;
        }
    }
    /* fuzz mode: the escape too picks a live handle (.codec.valid) */
    uint32_t k = hx_cstate_count(&dc->cs, HX_SET_LIVE);
    return k ? hx_cstate_nth(&dc->cs, HX_SET_LIVE, v % k) : CONVERT;
}

static uint32_t op_small(decoder *dc, uint32_t limit)
{
    uint8_t x = rd_u8(&dc->r);
    return x < limit ? x : x % 4u;
}

/* `i+K` in the innermost block (.codec.loop): whether every iteration's
   slot K + index is in range for local obj's static type (an unknown type:
   only exact mode, where range is a run-time matter). */
static bool islot_ok(decoder *dc, uint32_t obj, uint64_t k)
{
    uint64_t n = dc->count[dc->depth - 1];
    const hx_cstate_local *l = &dc->cs.locals[obj];
    if (n == 0 || l->type == HX_NONE)
        return dc->exact;
    const hx_type *t = &dc->p->types[l->type];
    uint64_t range = t->kind == HX_TYPE_FIXED ? t->nrefs
                     : t->kind == HX_TYPE_REF_ARRAY ? l->length : 0;
    return k < range && n - 1 < range - k;
}

static uint64_t op_slot(decoder *dc, uint32_t obj, bool *islot)
{
    uint8_t x = rd_u8(&dc->r);
    *islot = false;
    if (dc->depth && dc->version >= HX_CODEC_VERSION_LOOP) {
        /* .codec.loop: in a block, exact mode's 0xFE + var is `i+K`; fuzz
           mode's 0xE0..0xFE is `i+(x - 0xE0)` when every iteration's slot
           is in range (else an ordinary slot) */
        if (dc->exact && x == HX_CODEC_SLOT_I) {
            uint64_t k = rd_var(&dc->r);
            const hx_cstate_local *l = &dc->cs.locals[obj];
            const hx_type *t = l->type == HX_NONE ? NULL : &dc->p->types[l->type];
            uint64_t n = dc->count[dc->depth - 1];
            if (t && t->kind == HX_TYPE_FIXED && n && (k >= t->nrefs || n - 1 >= t->nrefs - k))
                return k % t->nrefs;    /* .codec.total: out of range for the type */
            *islot = true;
            return k;
        }
        if (!dc->exact && x >= 0xE0 && x <= 0xFE && islot_ok(dc, obj, x - 0xE0u)) {
            *islot = true;
            return x - 0xE0u;
        }
    }
    bool esc = x == 0xFF;
    uint64_t v = esc ? rd_var(&dc->r) : x;
    const hx_cstate_local *l = &dc->cs.locals[obj];
    if (l->type == HX_NONE)
        return esc ? v : v % 4;
    const hx_type *t = &dc->p->types[l->type];
    if (t->kind == HX_TYPE_FIXED)
        return v % t->nrefs;             /* nrefs > 0: checked by the caller */
    if ((!esc || !dc->exact) && l->length > 0)
        return v % l->length;            /* fuzz mode: always in range */
    return v;
}

/* ---- statements ------------------------------------------------------ */

/* Opcode bytes below 0xE8 (232 values) choose a kind by the weights of
   the statement table (stmts.def). */
#define OPCODE_DIRECT 0xE8u  /* opcode 0xE8 + k: statement kind k exactly */

static hx_stmt_kind opcode_kind(decoder *dc, uint8_t b)
{
    if (b == HX_CODEC_OP_EXT && dc->version >= HX_CODEC_VERSION_LOOP)
        return (hx_stmt_kind)(0x100u - OPCODE_DIRECT +
                              rd_u8(&dc->r) % (HX_ST_KIND_COUNT - (0x100u - OPCODE_DIRECT)));
    if (b >= OPCODE_DIRECT)
        return (hx_stmt_kind)(b - OPCODE_DIRECT);
    unsigned acc = 0;
    for (unsigned k = 0; k < HX_ST_KIND_COUNT; k++) {
        acc += hx_stmt_table[k].weight;
        if (b < acc)
            return (hx_stmt_kind)k;
    }
    return HX_ST_FINALIZE;
}

/* A repetition count (.codec.loop): 0xFF + var exactly; otherwise small
   counts (1..16) half the time, powers of two up to 32768 and multiples
   of 1000 up to 64000; then reduced so the block's `}` executions fit the
   bound, and at least 1 in fuzz mode (the block's body then runs in
   every execution, .codec.loop-valid). */
static uint64_t op_repeat(decoder *dc)
{
    uint8_t b = rd_u8(&dc->r);
    uint64_t n;
    if (b == 0xFF)
        n = rd_var(&dc->r);
    else if (b < 0x80)
        n = 1 + b % 16;
    else if (b < 0xC0)
        n = (uint64_t)1 << (b % 16);
    else
        n = 1000 * (uint64_t)(1 + (b & 63));
    uint64_t m = dc->mult[dc->depth];
    uint64_t left = dc->exec <= dc->lim.exec ? dc->lim.exec - dc->exec : 0;
    uint64_t max = m ? left / m : UINT64_MAX;   /* m == 0: a block that never runs */
    if (n > max)
        n %= max + 1;
    if (!dc->exact && n == 0)
        n = max ? 1 : 0;
    return n;
}

/* dst = new T[len]; tsel chooses the type when given (conversions).
   .codec.limits: an instance is at most HX_CODEC_MAX_OBJECT bytes; past
   the allocation total an array is small, and a `new` that still does not
   fit becomes `collect 0`. */
static bool decode_new(decoder *dc, hx_stmt *tmp, int tsel)
{
    hx_program *p = dc->p;
    if (p->ntypes == 0) {
        tmp->kind = HX_ST_FINALIZE;
        return true;
    }
    tmp->kind = HX_ST_NEW;
    tmp->dst = op_dst(dc);
    if (tmp->dst == HX_NONE)
        return false;
    uint8_t x = tsel >= 0 ? (uint8_t)tsel : rd_u8(&dc->r);
    tmp->type = x == 0xFF ? (uint32_t)(rd_var(&dc->r) % p->ntypes) : x % p->ntypes;
    const hx_type *t = &p->types[tmp->type];
    tmp->length = 0;
    if (hx_type_is_array(t)) {
        uint8_t s = rd_u8(&dc->r);
        uint64_t len = s == 0xFF ? rd_var(&dc->r) : size_dist(&p->heap, t, s);
        len = clamp_length(t, len, HX_CODEC_MAX_OBJECT);
        if (!fits(dc, dc->allocated, alloc_charge(p, t, len)))
            len %= 64;
        if (!fits(dc, dc->allocated, alloc_charge(p, t, len)))
            len = 0;
        tmp->length = len;
    }
    charge c = alloc_charge(p, t, tmp->length);
    if (!fits(dc, dc->allocated, c)) {
        memset(tmp, 0, sizeof *tmp);
        tmp->src = HX_NULL;
        /* in a block: the `}` closing it (.codec.loop) */
        tmp->kind = dc->depth ? HX_ST_END : HX_ST_COLLECT;
        tmp->gen = 0;
        return true;
    }
    add_charge(&dc->allocated, charge_times(c, dc->mult[dc->depth]));
    return true;
}

/* One operand (a BN_* element of the statement table) into tmp; false
   when no operand can satisfy it (the statement then converts). */
static bool decode_operand(decoder *dc, const hx_bin_el *e, hx_stmt *tmp, uint8_t *byte)
{
    hx_program *p = dc->p;
    uint32_t x;
    switch (e->bn) {
    case HX_BN_DST:
        tmp->dst = op_dst(dc);
        return true;
    case HX_BN_OBJ:
        x = op_obj(dc, HX_CAND_OBJECT, byte);
        hx_stmt_set(tmp, e->field, x);
        return x != CONVERT;
    case HX_BN_SLOTTED:
        tmp->obj = op_obj(dc, HX_CAND_SLOTTED, byte);
        return tmp->obj != CONVERT && hx_cstate_has_slots(&dc->cs, p, tmp->obj);
    case HX_BN_BOUND:
        x = op_bound(dc, byte);
        hx_stmt_set(tmp, e->field, x);
        return x != CONVERT;
    case HX_BN_VAL:
        hx_stmt_set(tmp, e->field, op_val(dc));
        return true;
    case HX_BN_HANDLE_BIND:
        tmp->handle = op_handle_dst(dc);
        return true;
    case HX_BN_HANDLE:
        tmp->handle = op_handle_use(dc, byte);
        return tmp->handle != CONVERT;
    case HX_BN_HKIND:
        tmp->hkind = (hx_handle_kind)(rd_u8(&dc->r) % HX_HANDLE_KIND_COUNT);
        return true;
    case HX_BN_SLOT:
        tmp->slot = op_slot(dc, tmp->obj, &tmp->islot);
        return true;
    case HX_BN_REPEAT:
        tmp->count = op_repeat(dc);
        return true;
    case HX_BN_STATIC:
        tmp->stat = op_small(dc, HX_STATICS);
        return true;
    case HX_BN_THREAD:
        tmp->thread = op_small(dc, HX_THREADS);
        return true;
    case HX_BN_GEN:
        tmp->gen = rd_u8(&dc->r) % 3;
        return true;
    case HX_BN_COUNT:
        tmp->count = rd_var(&dc->r);
        return true;
    case HX_BN_COLLECT: {
        uint8_t b = rd_u8(&dc->r);
        tmp->gen = b % 3;
        tmp->compact_loh = tmp->gen == 2 && (b / 3) % 2 == 1;
        return true;
    }
    case HX_BN_ALLOC:       /* decode_stmt calls decode_new */
    case HX_BN_END:
    default:
        return true;
    }
}

/* ---- loops (.codec.loop) ---------------------------------------------- */

/* .codec.loop-valid (fuzz mode): a local bound at the head of an open
   block may change inside it only to a state at least as good (bound;
   certainly non-null with the same type and length if it was), and a
   handle live there is not freed, so what the body's operands were chosen
   for holds in every iteration, and what follows the block sees at least
   the state after the first iteration.  A local unbound at the head is
   bound by the body before any use, in every iteration. */
static bool local_pinned(const decoder *dc, uint32_t x, hx_cstate_local nl)
{
    for (unsigned d = 0; d < dc->depth; d++) {
        if (x >= dc->snap_n[d] || !dc->snap[d][x].bound)
            continue;
        const hx_cstate_local *s0 = &dc->snap[d][x];
        if (!nl.bound || (s0->nonnull && (!nl.nonnull || nl.type != s0->type ||
                                          nl.length != s0->length)))
            return true;
    }
    return false;
}

static bool handle_pinned(const decoder *dc, uint32_t h)
{
    for (unsigned d = 0; d < dc->depth; d++)
        if (h < dc->hsnap_n[d] && dc->hsnap[d][h])
            return true;
    return false;
}

static void loop_fix(decoder *dc, hx_stmt *t)
{
    if (dc->exact || !dc->depth || dc->oom)
        return;
    const hx_stmt_info *in = hx_stmt_info_of(t->kind);
    const hx_cstate_local unbound = { false, false, HX_NONE, 0 };
    if ((in->flags & HX_SF_UNBIND) && local_pinned(dc, t->obj, unbound)) {
        uint32_t o = t->obj;            /* `drop x` -> `l = x` */
        t->kind = HX_ST_COPY;
        t->obj = 0;
        t->src = o;
        t->dst = new_local(dc, NULL);
        return;
    }
    if ((in->flags & HX_SF_HANDLE_FREE) && handle_pinned(dc, t->handle)) {
        t->kind = HX_ST_TARGET;         /* `free h` -> `l = target h` */
        t->dst = new_local(dc, NULL);
        return;
    }
    if (!hx_stmt_has(t->kind, HX_FIELD_dst) || t->dst == HX_NONE)
        return;
    hx_cstate_local nl = { true, false, HX_NONE, 0 };
    if (hx_stmt_has(t->kind, HX_FIELD_type)) {
        nl.nonnull = !dc->may_oom;
        nl.type = t->type;
        nl.length = t->length;
    } else if (in->flags & HX_SF_COPY) {
        nl = dc->cs.locals[t->src];
    }
    if (local_pinned(dc, t->dst, nl))
        t->dst = new_local(dc, NULL);
}

/* A block opens: remember the state at its head. */
static void loop_push(decoder *dc, const hx_stmt *s)
{
    unsigned d = dc->depth;
    dc->count[d] = s->count;
    dc->mult[d + 1] = mul_sat(dc->mult[d], s->count);
    dc->snap[d] = NULL;
    dc->hsnap[d] = NULL;
    dc->snap_n[d] = dc->hsnap_n[d] = 0;
    if (!dc->exact) {
        hx_program *p = dc->p;
        dc->snap[d] = malloc((p->nlocals ? p->nlocals : 1) * sizeof(hx_cstate_local));
        dc->hsnap[d] = malloc(p->nhandles ? p->nhandles : 1);
        if (!dc->snap[d] || !dc->hsnap[d]) {
            dc->oom = true;
        } else {
            memcpy(dc->snap[d], dc->cs.locals, p->nlocals * sizeof(hx_cstate_local));
            memcpy(dc->hsnap[d], dc->cs.handle_live, p->nhandles);
            dc->snap_n[d] = p->nlocals;
            dc->hsnap_n[d] = p->nhandles;
        }
    }
    dc->depth++;
}

static void loop_pop(decoder *dc)
{
    dc->depth--;
    free(dc->snap[dc->depth]);
    free(dc->hsnap[dc->depth]);
    dc->snap[dc->depth] = NULL;
    dc->hsnap[dc->depth] = NULL;
}

static bool decode_stmt(decoder *dc)
{
    hx_program *p = dc->p;
    hx_stmt tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.src = HX_NULL;
    tmp.kind = opcode_kind(dc, rd_u8(&dc->r));
    if ((unsigned)tmp.kind >= HX_ST_KIND_COUNT || (hx_stmt_is_expect(tmp.kind) && !dc->expect))
        tmp.kind = HX_ST_FINALIZE;
    /* .codec.loop: a `}` needs a block; in a block, a statement that does
       not fit the bounds (or a block too deep) closes it */
    if (hx_stmt_closes(tmp.kind) && !dc->depth)
        tmp.kind = HX_ST_FINALIZE;
    bool heavy_charged = false;
    if (dc->depth && !hx_stmt_closes(tmp.kind)) {
        uint64_t m = dc->mult[dc->depth];
        if (!room(dc->exec, m, dc->lim.exec) ||
            (is_heavy_kind(tmp.kind) && !room(dc->heavy, m, dc->lim.heavy)) ||
            (hx_stmt_opens(tmp.kind) && dc->depth == HX_LOOP_DEPTH_MAX)) {
            tmp.kind = HX_ST_END;
        } else {
            dc->exec += m;
            if (is_heavy_kind(tmp.kind)) {
                dc->heavy += m;
                heavy_charged = true;
            }
        }
    }
    if (hx_stmt_opens(tmp.kind) && dc->depth == HX_LOOP_DEPTH_MAX)
        tmp.kind = HX_ST_FINALIZE;      /* depth 0 cannot be the maximum */
    if (hx_stmt_opens(tmp.kind) && p->nstmts + dc->depth + 2 > dc->max_stmts)
        tmp.kind = dc->depth ? HX_ST_END : HX_ST_FINALIZE;  /* no room for its `}` */
    uint8_t byte = 0;
    bool conv = false;
    const hx_bin_el *ops = hx_stmt_table[tmp.kind].bin;
    if (ops[0].bn == HX_BN_ALLOC) {
        if (!decode_new(dc, &tmp, -1))
            return false;
    } else {
        for (const hx_bin_el *e = ops; e->bn != HX_BN_END && !conv; e++)
            conv = !decode_operand(dc, e, &tmp, &byte);
    }
    if (!conv && tmp.kind == HX_ST_REREGISTER && dc->rereg.bytes) {
        /* .codec.limits: a reregistered allocating finalizer allocates again */
        if (!fits(dc, dc->allocated, dc->rereg)) {
            tmp.kind = dc->depth ? HX_ST_END : HX_ST_COLLECT;
            tmp.gen = 0;
            tmp.obj = 0;
        } else {
            add_charge(&dc->allocated, charge_times(dc->rereg, dc->mult[dc->depth]));
        }
    }
    if (dc->oom || tmp.dst == HX_NONE || tmp.handle == HX_NONE)
        return false;
    if (conv) {
        /* .codec.total: no usable operand; the operand byte picks a type */
        memset(&tmp, 0, sizeof tmp);
        tmp.src = HX_NULL;
        if (!decode_new(dc, &tmp, byte == 0xFF ? 0 : byte))
            return false;
    }
    if (hx_stmt_opens(tmp.kind)) {
        uint64_t m = dc->mult[dc->depth];
        uint64_t n = mul_sat(m, tmp.count);     /* the `}` runs once per iteration */
        if (!dc->exact && tmp.count == 0)       /* no iteration fits */
            tmp.kind = dc->depth ? HX_ST_END : HX_ST_FINALIZE;
        else
            dc->exec += n;
    }
    if (dc->depth && is_heavy(p, &tmp) && !heavy_charged) {   /* converted, or a `new` */
        uint64_t m = dc->mult[dc->depth];
        if (room(dc->heavy, m, dc->lim.heavy))
            dc->heavy += m;
        else
            tmp.kind = HX_ST_END;
    }
    loop_fix(dc, &tmp);
    if (dc->oom || tmp.dst == HX_NONE || tmp.handle == HX_NONE)
        return false;
    hx_stmt *s = hx_program_append(p, tmp.kind);
    if (!s || !hx_cstate_reserve(&dc->cs, p))
        return false;
    *s = tmp;
    hx_cstate_step(&dc->cs, p, s);
    if (s->kind == HX_ST_NEW && dc->may_oom)
        hx_cstate_maybe_null(&dc->cs, p, s->dst);   /* .codec.oom */
    if (hx_stmt_opens(s->kind))
        loop_push(dc, s);
    else if (hx_stmt_closes(s->kind))
        loop_pop(dc);
    return !dc->oom;
}

/* ==== Driver ========================================================== */

bool hx_codec_version_ok(const uint8_t *data, size_t len, unsigned *version)
{
    unsigned v = data && len ? data[0] : HX_CODEC_VERSION;
    if (version)
        *version = v;
    return v >= HX_CODEC_VERSION_MIN && v <= HX_CODEC_VERSION;
}

bool hx_decode(const uint8_t *data, size_t len, hx_program *out)
{
    return hx_decode_opt(data, len, NULL, out);
}

bool hx_decode_opt(const uint8_t *data, size_t len, const hx_decode_opts *o, hx_program *out)
{
    size_t max_stmts = o && o->max_stmts ? o->max_stmts : HX_CODEC_MAX_STMTS;
    decoder dc;
    memset(&dc, 0, sizeof dc);
    dc.r.p = data;
    dc.r.n = data ? len : 0;
    dc.p = out;
    dc.lim = default_limits;
    if (o && o->max_exec)
        dc.lim.exec = o->max_exec;
    if (o && o->max_heavy)
        dc.lim.heavy = o->max_heavy;
    if (o && o->max_total)
        dc.lim.total = o->max_total;
    if (o && o->max_slots)
        dc.lim.slots = o->max_slots;
    dc.mult[0] = 1;
    dc.max_stmts = max_stmts;
    hx_program_init(out);
    hx_cstate_init(&dc.cs);
    /* version: every value -> this layout, but below 4 byte 0xE7 is an
       ordinary opcode and no slot is `i` (.codec.loop) */
    dc.version = dc.r.n ? dc.r.p[0] : HX_CODEC_VERSION;
    (void)rd_u8(&dc.r);
    uint8_t flags = rd_u8(&dc.r);
    dc.exact = (flags & 0xF0u) == HX_CODEC_EXACT_TAG;
    dc.expect = dc.exact && (flags & HX_CODEC_F_EXPECT);
    decode_heap(&dc);
    if (dc.exact ? (flags & HX_CODEC_F_FAULT) != 0
                 : (flags & HX_CODEC_FUZZ_FAULT) == HX_CODEC_FUZZ_FAULT)
        decode_fault(&dc);
    if (dc.exact && (flags & HX_CODEC_F_TYPES))
        decode_explicit_types(&dc);
    else
        decode_preset_types(&dc);
    bool names = dc.exact && (flags & HX_CODEC_F_NAMES);
    if (dc.exact && !dc.oom) {
        /* .codec.predecl: at most one name per byte left (an encoded
           program mentions each name in some statement, so it never has
           more), which keeps random inputs cheap */
        uint64_t nl = rd_var(&dc.r);
        uint64_t left = dc.r.i < dc.r.n ? dc.r.n - dc.r.i : 0;
        if (nl > HX_CODEC_MAX_PREDECL)
            nl %= HX_CODEC_MAX_PREDECL + 1;
        if (nl > left)
            nl %= left + 1;
        uint64_t nh = rd_var(&dc.r);
        left = dc.r.i < dc.r.n ? dc.r.n - dc.r.i : 0;
        if (nh > HX_CODEC_MAX_PREDECL)
            nh %= HX_CODEC_MAX_PREDECL + 1;
        if (nh > left)
            nh %= left + 1;
        if (names)
            decode_names(&dc);
        char want[HX_NAME_MAX + 1];
        for (uint64_t i = 0; i < nl && !dc.oom; i++) {
            if (names)
                read_name(&dc, want);
            new_local(&dc, names ? want : NULL);
        }
        for (uint64_t i = 0; i < nh && !dc.oom; i++) {
            if (names)
                read_name(&dc, want);
            new_handle(&dc, names ? want : NULL);
        }
    }
    dc.rereg = rereg_charge(out);
    bool ok = !dc.oom && hx_cstate_reserve(&dc.cs, out);
    while (ok && rd_more(&dc.r) && out->nstmts + dc.depth < max_stmts)
        ok = decode_stmt(&dc);
    while (ok && dc.depth) {                /* close the blocks still open */
        hx_stmt *s = hx_program_append(out, HX_ST_END);
        ok = s != NULL;
        if (ok)
            loop_pop(&dc);
    }
    while (dc.depth)
        loop_pop(&dc);
    if (o && o->steps)
        *o->steps = dc.r.i + dc.cs.ops + out->nstmts;
    hx_cstate_free(&dc.cs);
    hx_name_index_free(&dc.names);
    if (!ok) {
        hx_program_free(out);
        return false;
    }
    /* .prog.normal: pre-declared names nothing mentions go, the others
       take first-mention order (a no-op on hx_encode output) */
    hx_program_normalize(out);
    hx_program_renumber(out);
    return true;
}
