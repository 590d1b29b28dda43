/* program.c -- the program IR: construction, copying, equality, checking.
 *
 * See program.h for the shape (.prog.shape) and the validity rules
 * (.prog.valid).  Nothing here knows the text or binary syntax except
 * hx_program_renumber, which mirrors the line layout of hx_print.
 */
#include "program.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ==== Names of enumerations ========================================== */

static const char *const heap_key_names[HX_KEY_COUNT] = {
    "gen0_budget", "gen1_budget", "gen2_budget", "loh_budget",
    "loh_threshold", "segment_size", "hard_limit",
};

static const uint64_t heap_key_defaults[HX_KEY_COUNT] = {
    256u * 1024u, 2u * 1024u * 1024u, 10u * 1024u * 1024u,
    16u * 1024u * 1024u, 85000u, 4u * 1024u * 1024u, 0u,
};

const char *hx_heap_key_name(hx_heap_key k)
{
    return (unsigned)k < HX_KEY_COUNT ? heap_key_names[k] : "?";
}

uint64_t hx_heap_default_value(hx_heap_key k)
{
    return (unsigned)k < HX_KEY_COUNT ? heap_key_defaults[k] : 0;
}

void hx_heap_default(hx_heap_config *h)
{
    for (unsigned k = 0; k < HX_KEY_COUNT; k++)
        h->value[k] = heap_key_defaults[k];
    h->profile = HX_PROFILE_STRICT;
    h->fail_reserve = h->fail_commit = 0;
}

const char *hx_fin_kind_name(hx_fin_kind k)
{
    static const char *const names[HX_FIN_KIND_COUNT] = {
        "none", "count", "resurrect", "reregister", "resurrect_reregister", "alloc",
    };
    return (unsigned)k < HX_FIN_KIND_COUNT ? names[k] : "?";
}

const char *hx_handle_kind_name(hx_handle_kind k)
{
    static const char *const names[HX_HANDLE_KIND_COUNT] = {
        "strong", "pinned", "weak", "weak_long",
    };
    return (unsigned)k < HX_HANDLE_KIND_COUNT ? names[k] : "?";
}

const char *hx_stmt_kind_name(hx_stmt_kind k)
{
    return (unsigned)k < HX_ST_KIND_COUNT ? hx_stmt_table[k].name : "?";
}

void hx_diag_format(const hx_diag *d, char *buf, size_t len)
{
    if (len == 0)
        return;
    snprintf(buf, len, "%s:%u:%u: %s", d->file ? d->file : "<program>",
             (unsigned)d->pos.line, (unsigned)d->pos.col, d->msg);
}

/* ==== Types ========================================================== */

bool hx_type_is_array(const hx_type *t)
{
    return t->kind == HX_TYPE_BYTE_ARRAY || t->kind == HX_TYPE_REF_ARRAY;
}

uint64_t hx_type_instance_size(const hx_type *t, uint64_t length)
{
    switch (t->kind) {
    case HX_TYPE_BYTE_ARRAY:
        return HX_ARRAY_BASE + length;
    case HX_TYPE_REF_ARRAY:
        return HX_ARRAY_BASE + 8 * length;
    case HX_TYPE_FIXED:
    default:
        return t->size;
    }
}

/* ==== Statement operand helpers ====================================== */

uint32_t hx_stmt_binds_local(const hx_stmt *s)
{
    return hx_stmt_has(s->kind, HX_FIELD_dst) ? s->dst : HX_NONE;
}

/* Which operand fields each kind uses (.prog.operands): the statement
   table's, which every walker of operands (check, compact, codec) reads. */
enum {
    U_DST = 1u << HX_FIELD_dst, U_OBJ = 1u << HX_FIELD_obj, U_SRC = 1u << HX_FIELD_src,
    U_HANDLE = 1u << HX_FIELD_handle, U_TYPE = 1u << HX_FIELD_type
};

static unsigned stmt_uses(hx_stmt_kind k)
{
    return (unsigned)k < HX_ST_KIND_COUNT ? hx_stmt_table[k].fields : 0;
}

unsigned hx_stmt_reads_locals(const hx_stmt *s, uint32_t out[2])
{
    unsigned u = stmt_uses(s->kind), n = 0;
    if (u & U_OBJ)
        out[n++] = s->obj;
    if ((u & U_SRC) && s->src != HX_NULL) {
        /* copy: src must name an object, same as obj elsewhere */
        out[n++] = s->src;
    }
    return n;
}

bool hx_stmt_uses_handle(const hx_stmt *s)
{
    return (stmt_uses(s->kind) & U_HANDLE) != 0;
}

/* ==== Lifetime ======================================================= */

void hx_program_init(hx_program *p)
{
    memset(p, 0, sizeof *p);
    p->sig = HX_PROGRAM_SIG;
    hx_heap_default(&p->heap);
}

static void free_names(char **v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void hx_program_free(hx_program *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->ntypes; i++)
        free(p->types[i].name);
    free(p->types);
    free_names(p->locals, p->nlocals);
    free_names(p->handles, p->nhandles);
    free(p->stmts);
    hx_program_init(p);
}

static char *dup_name(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static bool grow32(void **v, uint32_t *cap, size_t need, size_t sz)
{
    size_t c = *cap;
    if (need > UINT32_MAX - 1)
        return false;
    bool ok = hx_reserve_(v, &c, need, sz, 8, false);
    *cap = (uint32_t)c;
    return ok;
}

bool hx_program_copy(hx_program *dst, const hx_program *src)
{
    hx_program_init(dst);
    dst->heap = src->heap;
    for (uint32_t i = 0; i < src->ntypes; i++)
        if (hx_program_add_type(dst, &src->types[i]) == HX_NONE)
            goto fail;
    for (uint32_t i = 0; i < src->nlocals; i++) {
        if (!grow32((void **)&dst->locals, &dst->locals_cap, i + 1, sizeof(char *)))
            goto fail;
        if (!(dst->locals[i] = dup_name(src->locals[i])))
            goto fail;
        dst->nlocals = i + 1;
    }
    for (uint32_t i = 0; i < src->nhandles; i++) {
        if (!grow32((void **)&dst->handles, &dst->handles_cap, i + 1, sizeof(char *)))
            goto fail;
        if (!(dst->handles[i] = dup_name(src->handles[i])))
            goto fail;
        dst->nhandles = i + 1;
    }
    if (src->nstmts) {
        if (!HX_RESERVE(dst->stmts, dst->stmts_cap, src->nstmts, 8))
            goto fail;
        memcpy(dst->stmts, src->stmts, src->nstmts * sizeof(hx_stmt));
        dst->nstmts = src->nstmts;
    }
    return true;
fail:
    hx_program_free(dst);
    return false;
}

/* ==== Building ======================================================= */

uint32_t hx_program_add_type(hx_program *p, const hx_type *t)
{
    if (!grow32((void **)&p->types, &p->types_cap, (size_t)p->ntypes + 1, sizeof(hx_type)))
        return HX_NONE;
    char *name = dup_name(t->name ? t->name : "");
    if (!name)
        return HX_NONE;
    p->types[p->ntypes] = *t;
    p->types[p->ntypes].name = name;
    return p->ntypes++;
}

uint32_t hx_program_find_type(const hx_program *p, const char *name)
{
    for (uint32_t i = 0; i < p->ntypes; i++)
        if (strcmp(p->types[i].name, name) == 0)
            return i;
    return HX_NONE;
}

static uint32_t find_name(char **v, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return i;
    return HX_NONE;
}

static uint32_t append_name(char ***v, uint32_t *n, uint32_t *cap, const char *name)
{
    if (!grow32((void **)v, cap, (size_t)*n + 1, sizeof(char *)))
        return HX_NONE;
    char *d = dup_name(name);
    if (!d)
        return HX_NONE;
    (*v)[*n] = d;
    return (*n)++;
}

static uint32_t add_name(char ***v, uint32_t *n, uint32_t *cap, const char *name)
{
    uint32_t i = find_name(*v, *n, name);
    return i != HX_NONE ? i : append_name(v, n, cap, name);
}

uint32_t hx_program_add_local(hx_program *p, const char *name)
{
    return append_name(&p->locals, &p->nlocals, &p->locals_cap, name);
}

uint32_t hx_program_add_handle(hx_program *p, const char *name)
{
    return append_name(&p->handles, &p->nhandles, &p->handles_cap, name);
}

uint32_t hx_program_local(hx_program *p, const char *name)
{
    return add_name(&p->locals, &p->nlocals, &p->locals_cap, name);
}

uint32_t hx_program_find_local(const hx_program *p, const char *name)
{
    return find_name(p->locals, p->nlocals, name);
}

uint32_t hx_program_handle(hx_program *p, const char *name)
{
    return add_name(&p->handles, &p->nhandles, &p->handles_cap, name);
}

uint32_t hx_program_find_handle(const hx_program *p, const char *name)
{
    return find_name(p->handles, p->nhandles, name);
}

hx_stmt *hx_program_append(hx_program *p, hx_stmt_kind k)
{
    if (!HX_RESERVE(p->stmts, p->stmts_cap, p->nstmts + 1, 8))
        return NULL;
    hx_stmt *s = &p->stmts[p->nstmts++];
    memset(s, 0, sizeof *s);
    s->kind = k;
    s->src = HX_NULL;
    if (hx_stmt_has(k, HX_FIELD_compact_loh))
        s->gen = 2;     /* `collect` alone collects generation 2 */
    return s;
}

void hx_program_remove(hx_program *p, size_t from, size_t n)
{
    if (from >= p->nstmts)
        return;
    if (n > p->nstmts - from)
        n = p->nstmts - from;
    memmove(&p->stmts[from], &p->stmts[from + n],
            (p->nstmts - from - n) * sizeof(hx_stmt));
    p->nstmts -= n;
}

/* ==== Name index ===================================================== */
/* hx_index on FNV-1a hashes of the names (harness/util.h). */

static const char *code_name(const hx_program *p, uint32_t code)
{
    return (code & 1) ? p->handles[code >> 1] : p->locals[code >> 1];
}

static uint64_t code_hash(const void *p, size_t code)
{
    return hx_hash_str(code_name(p, (uint32_t)code));
}

static bool code_is(const void *p, size_t code, const void *name)
{
    return strcmp(code_name(p, (uint32_t)code), name) == 0;
}

void hx_name_index_init(hx_name_index *ix)
{
    hx_index_init(&ix->ix);
}

void hx_name_index_free(hx_name_index *ix)
{
    hx_index_free(&ix->ix);
}

uint32_t hx_name_index_find(const hx_name_index *ix, const hx_program *p, const char *name)
{
    size_t code = hx_index_find(&ix->ix, hx_hash_str(name), code_is, p, name);
    return code == SIZE_MAX ? HX_NONE : (uint32_t)code;
}

bool hx_name_index_add(hx_name_index *ix, const hx_program *p, uint32_t code)
{
    if (!hx_index_reserve(&ix->ix, ix->ix.n + 1, 64, code_hash, p))
        return false;
    hx_index_put(&ix->ix, code_hash(p, code), code);
    return true;
}

/* ==== Equality ======================================================= */

static bool type_equal(const hx_type *a, const hx_type *b)
{
    return strcmp(a->name, b->name) == 0 && a->kind == b->kind &&
           a->size == b->size && a->nrefs == b->nrefs && a->fin == b->fin &&
           a->fin_static == b->fin_static && a->fin_alloc == b->fin_alloc &&
           a->critical == b->critical;
}

/* Compare only the fields a kind uses (.prog.operands), so stray values in
   unused fields never make two equal programs differ. */
static bool stmt_equal(const hx_stmt *a, const hx_stmt *b)
{
    if (a->kind != b->kind)
        return false;
    unsigned u = stmt_uses(a->kind);
    for (unsigned f = 1; f < HX_FIELD_COUNT; f++)
        if (((u >> f) & 1u) && hx_stmt_get(a, (hx_field)f) != hx_stmt_get(b, (hx_field)f))
            return false;
    return true;
}

bool hx_program_equal(const hx_program *a, const hx_program *b)
{
    if (memcmp(a->heap.value, b->heap.value, sizeof a->heap.value) != 0 ||
        a->heap.profile != b->heap.profile || a->heap.fail_reserve != b->heap.fail_reserve ||
        a->heap.fail_commit != b->heap.fail_commit)
        return false;
    if (a->ntypes != b->ntypes || a->nlocals != b->nlocals ||
        a->nhandles != b->nhandles || a->nstmts != b->nstmts)
        return false;
    for (uint32_t i = 0; i < a->ntypes; i++)
        if (!type_equal(&a->types[i], &b->types[i]))
            return false;
    for (uint32_t i = 0; i < a->nlocals; i++)
        if (strcmp(a->locals[i], b->locals[i]) != 0)
            return false;
    for (uint32_t i = 0; i < a->nhandles; i++)
        if (strcmp(a->handles[i], b->handles[i]) != 0)
            return false;
    for (size_t i = 0; i < a->nstmts; i++)
        if (!stmt_equal(&a->stmts[i], &b->stmts[i]))
            return false;
    return true;
}

/* ==== Checking (.prog.valid) ========================================= */

static bool fail(hx_diag *d, hx_pos pos, const char *fmt, ...)
{
    if (d) {
        d->pos = pos;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > HX_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0))
            return false;
    }
    return true;
}

static bool type_check(const hx_program *p, uint32_t i, hx_diag *d)
{
    const hx_type *t = &p->types[i];
    if (!t->name || !name_ok(t->name))
        return fail(d, t->pos, "type %u has an invalid name", (unsigned)i);
    switch (t->kind) {
    case HX_TYPE_FIXED:
        if (t->size < HX_MIN_OBJECT || t->size > HX_NUMBER_MAX)
            return fail(d, t->pos, "type '%s': size %llu out of range %u..%llu", t->name,
                        (unsigned long long)t->size, HX_MIN_OBJECT,
                        (unsigned long long)HX_NUMBER_MAX);
        if (t->nrefs > HX_MAX_REFS || HX_OBJ_BASE + 8 * (uint64_t)t->nrefs > t->size)
            return fail(d, t->pos, "type '%s': %u reference slots do not fit in size %llu",
                        t->name, (unsigned)t->nrefs, (unsigned long long)t->size);
        break;
    case HX_TYPE_BYTE_ARRAY: case HX_TYPE_REF_ARRAY:
        if (t->fin != HX_FIN_NONE || t->critical)
            return fail(d, t->pos, "array type '%s' cannot have a finalizer", t->name);
        break;
    default:
        return fail(d, t->pos, "type '%s' has an unknown kind", t->name);
    }
    if ((unsigned)t->fin >= HX_FIN_KIND_COUNT)
        return fail(d, t->pos, "type '%s' has an unknown finalizer", t->name);
    if ((t->fin == HX_FIN_RESURRECT || t->fin == HX_FIN_RESURRECT_REREGISTER) &&
        t->fin_static >= HX_STATICS)
        return fail(d, t->pos, "type '%s': static slot s%u out of range s0..s%u",
                    t->name, (unsigned)t->fin_static, HX_STATICS - 1);
    if (t->fin == HX_FIN_ALLOC && t->fin_alloc >= p->ntypes)
        return fail(d, t->pos, "type '%s': alloc: names no type", t->name);
    if (t->critical && t->fin == HX_FIN_NONE)
        return fail(d, t->pos, "type '%s': critical needs a finalizer", t->name);
    return true;
}

/* .prog.static-type: the type of the `new` that last bound a local,
   followed through copies (programs are straight-line); HX_NONE when
   unknown.  A store or load whose local's static type is a fixed type
   without that slot, or a byte array, is invalid. */
static bool slot_check(const hx_program *p, const hx_stmt *s, const uint32_t *stype,
                       uint64_t count, hx_diag *d)
{
    uint32_t ty = stype[s->obj];
    if (ty == HX_NONE)
        return true;
    const hx_type *t = &p->types[ty];
    if (s->islot && t->kind == HX_TYPE_FIXED && count > 0 && s->slot + count - 1 >= t->nrefs)
        return fail(d, s->pos, "slot i+%llu out of range in a repeat of %llu: '%s' is a %s with "
                    "%u reference slots", (unsigned long long)s->slot, (unsigned long long)count,
                    p->locals[s->obj], t->name, (unsigned)t->nrefs);
    if (s->islot && t->kind == HX_TYPE_FIXED)
        return true;        /* a block that never runs */
    if (t->kind == HX_TYPE_BYTE_ARRAY)
        return fail(d, s->pos, "slot %llu out of range: '%s' is a %s, a byte array with no "
                    "reference slots", (unsigned long long)s->slot, p->locals[s->obj], t->name);
    if (t->kind == HX_TYPE_FIXED && s->slot >= t->nrefs)
        return fail(d, s->pos, "slot %llu out of range: '%s' is a %s with %u reference slots",
                    (unsigned long long)s->slot, p->locals[s->obj], t->name, (unsigned)t->nrefs);
    return true;
}

/* How the text form writes field f of kind k (HX_TX_END: not at all). */
static hx_tx text_role(hx_stmt_kind k, hx_field f)
{
    for (const hx_text_el *e = hx_stmt_table[k].text; e->tx != HX_TX_END; e++)
        if (e->field == f)
            return e->tx;
    return HX_TX_END;
}

static bool stmt_check(const hx_program *p, const hx_stmt *s, const bool *handle_named,
                       hx_diag *d)
{
    unsigned u = stmt_uses(s->kind);
    if ((unsigned)s->kind >= HX_ST_KIND_COUNT)
        return fail(d, s->pos, "unknown statement kind %d", (int)s->kind);
    if ((u & U_DST) && s->dst >= p->nlocals)
        return fail(d, s->pos, "local index %u out of range", (unsigned)s->dst);
    if ((u & U_OBJ) && s->obj >= p->nlocals)
        return fail(d, s->pos, "local index %u out of range", (unsigned)s->obj);
    if ((u & U_SRC) && s->src != HX_NULL && s->src >= p->nlocals)
        return fail(d, s->pos, "local index %u out of range", (unsigned)s->src);
    if ((u & U_SRC) && s->src == HX_NULL && text_role(s->kind, HX_FIELD_src) != HX_TX_LOCAL_OR_NULL)
        return fail(d, s->pos, "%s needs a source local", hx_stmt_kind_name(s->kind));
    if (u & U_HANDLE) {
        if (s->handle >= p->nhandles)
            return fail(d, s->pos, "handle index %u out of range", (unsigned)s->handle);
        if (text_role(s->kind, HX_FIELD_handle) != HX_TX_HANDLE_BIND && !handle_named[s->handle])
            return fail(d, s->pos, "handle '%s' used before any 'handle' statement names it",
                        p->handles[s->handle]);
    }
    if ((u & U_TYPE) && s->type >= p->ntypes)
        return fail(d, s->pos, "type index %u out of range", (unsigned)s->type);
    if (u & U_TYPE) {
        const hx_type *t = &p->types[s->type];
        if (!hx_type_is_array(t) && s->length != 0)
            return fail(d, s->pos, "type '%s' is not an array type", t->name);
        if (s->length > HX_NUMBER_MAX || hx_type_instance_size(t, s->length) > HX_NUMBER_MAX)
            return fail(d, s->pos, "array length out of range");
    }
    if ((u & (1u << HX_FIELD_slot)) && s->slot > HX_NUMBER_MAX)
        return fail(d, s->pos, "slot index out of range");
    if ((u & (1u << HX_FIELD_hkind)) && (unsigned)s->hkind >= HX_HANDLE_KIND_COUNT)
        return fail(d, s->pos, "unknown handle kind");
    if ((u & (1u << HX_FIELD_stat)) && s->stat >= HX_STATICS)
        return fail(d, s->pos, "static slot s%u out of range s0..s%u", (unsigned)s->stat,
                    HX_STATICS - 1);
    if (u & (1u << HX_FIELD_compact_loh)) {
        if (s->gen < 0 || s->gen > 2)
            return fail(d, s->pos, "collect generation %d out of range 0..2", s->gen);
        if (s->compact_loh && s->gen != 2)
            return fail(d, s->pos, "compact_loh needs a gen2 collection");
    } else if ((u & (1u << HX_FIELD_gen)) && (s->gen < 0 || s->gen > 2)) {
        return fail(d, s->pos, "generation %d out of range 0..2", s->gen);
    }
    if ((u & (1u << HX_FIELD_thread)) && s->thread >= HX_THREADS)
        return fail(d, s->pos, "thread %u out of range 0..%u", (unsigned)s->thread,
                    HX_THREADS - 1);
    if ((u & (1u << HX_FIELD_count)) && s->count > HX_NUMBER_MAX)
        return fail(d, s->pos, "count out of range");
    return true;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_type_name(const void *a, const void *b)
{
    const hx_type *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static bool types_unique(const hx_program *p, hx_diag *d)
{
    if (p->ntypes < 2)
        return true;
    const hx_type **all = malloc(p->ntypes * sizeof *all);
    if (!all)
        return fail(d, (hx_pos){0, 0}, "out of memory");
    for (uint32_t i = 0; i < p->ntypes; i++)
        all[i] = &p->types[i];
    qsort(all, p->ntypes, sizeof *all, cmp_type_name);
    bool ok = true;
    for (uint32_t i = 1; i < p->ntypes && ok; i++)
        if (strcmp(all[i - 1]->name, all[i]->name) == 0) {
            const hx_type *later = all[i - 1] > all[i] ? all[i - 1] : all[i];
            ok = fail(d, later->pos, "type '%s' declared twice", later->name);
        }
    free(all);
    return ok;
}

/* Locals and handles share one namespace (.prog.names): sort all names
   and look for neighbours that are equal. */
static bool names_unique(const hx_program *p, hx_diag *d)
{
    hx_pos none = {0, 0};
    size_t n = (size_t)p->nlocals + p->nhandles;
    if (n < 2)
        return true;
    char **all = malloc(n * sizeof *all);
    if (!all)
        return fail(d, none, "out of memory");
    memcpy(all, p->locals, p->nlocals * sizeof *all);
    if (p->nhandles)
        memcpy(all + p->nlocals, p->handles, p->nhandles * sizeof *all);
    qsort(all, n, sizeof *all, cmp_name);
    bool ok = true;
    for (size_t i = 1; i < n && ok; i++)
        if (strcmp(all[i - 1], all[i]) == 0)
            ok = fail(d, none, "'%s' names two locals or handles", all[i]);
    free(all);
    return ok;
}

bool hx_program_check(const hx_program *p, hx_diag *d)
{
    hx_pos none = {0, 0};
    if (!p || p->sig != HX_PROGRAM_SIG)
        return fail(d, none, "not a program (bad signature)");
    for (unsigned k = 0; k < HX_KEY_COUNT; k++)
        if (p->heap.value[k] > HX_NUMBER_MAX)
            return fail(d, none, "heap %s out of range", heap_key_names[k]);
    if (p->heap.value[HX_KEY_LOH_THRESHOLD] < heap_key_defaults[HX_KEY_LOH_THRESHOLD])
        return fail(d, none, "heap loh_threshold below %llu (it can only be raised)",
                    (unsigned long long)heap_key_defaults[HX_KEY_LOH_THRESHOLD]);
    if (p->heap.value[HX_KEY_SEGMENT_SIZE] == 0)
        return fail(d, none, "heap segment_size is 0");
    if (p->heap.profile != HX_PROFILE_STRICT && p->heap.profile != HX_PROFILE_CLR)
        return fail(d, none, "unknown heap profile");
    if (p->heap.fail_reserve > HX_FAULT_NTH_MAX || p->heap.fail_commit > HX_FAULT_NTH_MAX)
        return fail(d, none, "heap fail_reserve / fail_commit above %u", HX_FAULT_NTH_MAX);
    for (uint32_t i = 0; i < p->ntypes; i++)
        if (!type_check(p, i, d))
            return false;
    if (!types_unique(p, d))
        return false;
    for (uint32_t i = 0; i < p->nlocals; i++)
        if (!p->locals[i] || !name_ok(p->locals[i]) || strcmp(p->locals[i], "null") == 0)
            return fail(d, none, "local %u has an invalid name", (unsigned)i);
    for (uint32_t i = 0; i < p->nhandles; i++)
        if (!p->handles[i] || !name_ok(p->handles[i]) || strcmp(p->handles[i], "null") == 0)
            return fail(d, none, "handle %u has an invalid name", (unsigned)i);
    if (!names_unique(p, d))
        return false;
    bool *named = calloc(p->nhandles ? p->nhandles : 1, sizeof(bool));
    uint32_t *stype = malloc((p->nlocals ? p->nlocals : 1) * sizeof(uint32_t));
    bool ok = named && stype;
    if (!ok)
        fail(d, none, "out of memory");
    for (uint32_t i = 0; ok && i < p->nlocals; i++)
        stype[i] = HX_NONE;
    /* .prog.loop: blocks balanced, at most HX_LOOP_DEPTH_MAX deep; at a
       block's head the locals its body binds have an unknown static type
       (a later iteration sees what the body left), and after it those
       whose type the body may change too */
    size_t nl = p->nlocals ? p->nlocals : 1;
    uint32_t *saved = ok ? malloc(HX_LOOP_DEPTH_MAX * nl * sizeof(uint32_t)) : NULL;
    uint64_t counts[HX_LOOP_DEPTH_MAX];
    size_t heads[HX_LOOP_DEPTH_MAX];
    unsigned depth = 0;
    if (ok && !saved)
        ok = fail(d, none, "out of memory");
    for (size_t i = 0; i < p->nstmts && ok; i++) {
        const hx_stmt *s = &p->stmts[i];
        ok = stmt_check(p, s, named, d);
        if (ok && s->islot && !depth)
            ok = fail(d, s->pos, "slot `i` outside a repeat block");
        if (ok && hx_stmt_has(s->kind, HX_FIELD_slot))
            ok = slot_check(p, s, stype, depth ? counts[depth - 1] : 0, d);
        if (!ok)
            break;
        if (hx_stmt_has(s->kind, HX_FIELD_handle) &&
            text_role(s->kind, HX_FIELD_handle) == HX_TX_HANDLE_BIND)
            named[s->handle] = true;
        if (hx_stmt_opens(s->kind)) {
            if (depth == HX_LOOP_DEPTH_MAX) {
                ok = fail(d, s->pos, "repeat blocks nested deeper than %d", HX_LOOP_DEPTH_MAX);
                break;
            }
            size_t end = hx_program_block_end(p, i);
            if (end == HX_NONE) {
                ok = fail(d, s->pos, "repeat block without its closing '}'");
                break;
            }
            memcpy(saved + depth * nl, stype, p->nlocals * sizeof(uint32_t));
            for (size_t j = i + 1; j < end; j++) {
                uint32_t b = hx_stmt_binds_local(&p->stmts[j]);
                if (b != HX_NONE)
                    stype[b] = HX_NONE;
            }
            counts[depth] = s->count;
            heads[depth++] = i;
        } else if (hx_stmt_closes(s->kind)) {
            if (!depth) {
                ok = fail(d, s->pos, "'}' without a repeat block to close");
                break;
            }
            depth--;
            const uint32_t *before = saved + depth * nl;
            for (size_t j = heads[depth] + 1; j < i; j++) {
                uint32_t b = hx_stmt_binds_local(&p->stmts[j]);
                if (b != HX_NONE && stype[b] != before[b])
                    stype[b] = HX_NONE;
            }
        }
        hx_stmt_static_type(s, stype);
    }
    free(saved);
    free(named);
    free(stype);
    return ok;
}

/* ==== Table compaction and normal form (.prog.normal) ================ */
/* A program is in normal form when its local and handle tables hold
   exactly the names its statements mention, in order of first mention in
   the text (left to right on each line): the order hx_parse creates them
   in, so parse(print(p)) == p needs it. */

/* The locals a statement mentions, in text order. */
static unsigned text_locals(const hx_stmt *s, uint32_t out[2])
{
    unsigned n = 0;
    if ((unsigned)s->kind >= HX_ST_KIND_COUNT)
        return 0;
    for (const hx_text_el *e = hx_stmt_table[s->kind].text; e->tx != HX_TX_END && n < 2; e++) {
        if (e->tx != HX_TX_BIND && e->tx != HX_TX_LOCAL && e->tx != HX_TX_LOCAL_OR_NULL)
            continue;
        uint32_t x = (uint32_t)hx_stmt_get(s, e->field);
        if (x != HX_NULL)
            out[n++] = x;
    }
    return n;
}

static bool remap_names(char ***v, uint32_t *n, const uint32_t *map, uint32_t k)
{
    char **nv = malloc((k ? k : 1) * sizeof *nv);
    if (!nv)
        return false;
    for (uint32_t i = 0; i < *n; i++) {
        if (map[i] == HX_NONE)
            free((*v)[i]);
        else
            nv[map[i]] = (*v)[i];
    }
    free(*v);
    *v = nv;
    *n = k;
    return true;
}

static void compact(hx_program *p, bool drop_types);

void hx_program_compact_tables(hx_program *p)
{
    compact(p, true);
}

void hx_program_normalize(hx_program *p)
{
    compact(p, false);
}

static void compact(hx_program *p, bool drop_types)
{
    uint32_t nt = p->ntypes, nl = p->nlocals, nh = p->nhandles;
    uint32_t *tmap = malloc((nt + 1) * sizeof *tmap);
    uint32_t *lmap = malloc((nl + 1) * sizeof *lmap);
    uint32_t *hmap = malloc((nh + 1) * sizeof *hmap);
    if (!tmap || !lmap || !hmap)
        goto out;
    /* Phase 1: first mentions (HX_NONE = unused). */
    for (uint32_t i = 0; i < nt; i++) tmap[i] = HX_NONE;
    for (uint32_t i = 0; i < nl; i++) lmap[i] = HX_NONE;
    for (uint32_t i = 0; i < nh; i++) hmap[i] = HX_NONE;
    uint32_t kl = 0, kh = 0, kt = 0;
    for (size_t i = 0; i < p->nstmts; i++) {
        const hx_stmt *s = &p->stmts[i];
        uint32_t ls[2];
        unsigned n = text_locals(s, ls);
        for (unsigned j = 0; j < n; j++)
            if (lmap[ls[j]] == HX_NONE)
                lmap[ls[j]] = kl++;
        if ((stmt_uses(s->kind) & U_HANDLE) && hmap[s->handle] == HX_NONE)
            hmap[s->handle] = kh++;
        if (stmt_uses(s->kind) & U_TYPE)
            tmap[s->type] = 0;
    }
    for (uint32_t i = 0; i < nt && !drop_types; i++)
        tmap[i] = 0;
    /* types reached through alloc:T finalizers of used types stay too */
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t i = 0; i < nt; i++)
            if (tmap[i] == 0 && p->types[i].fin == HX_FIN_ALLOC &&
                tmap[p->types[i].fin_alloc] == HX_NONE) {
                tmap[p->types[i].fin_alloc] = 0;
                changed = true;
            }
    }
    /* Phase 2: types keep their order; names move to first-mention order. */
    for (uint32_t i = 0; i < nt; i++) {
        if (tmap[i] == HX_NONE) {
            free(p->types[i].name);
            continue;
        }
        tmap[i] = kt;
        p->types[kt++] = p->types[i];
    }
    p->ntypes = kt;
    for (uint32_t i = 0; i < p->ntypes; i++)
        if (p->types[i].fin == HX_FIN_ALLOC)
            p->types[i].fin_alloc = tmap[p->types[i].fin_alloc];
    if (!remap_names(&p->locals, &p->nlocals, lmap, kl) ||
        !remap_names(&p->handles, &p->nhandles, hmap, kh))
        goto out;   /* allocation failure: leaves p untouched past types */
    p->locals_cap = p->nlocals ? p->nlocals : 1;
    p->handles_cap = p->nhandles ? p->nhandles : 1;
    /* Phase 3: renumber the statements. */
    for (size_t i = 0; i < p->nstmts; i++) {
        hx_stmt *s = &p->stmts[i];
        unsigned u = stmt_uses(s->kind);
        if (u & U_DST) s->dst = lmap[s->dst];
        if (u & U_OBJ) s->obj = lmap[s->obj];
        if ((u & U_SRC) && s->src != HX_NULL) s->src = lmap[s->src];
        if (u & U_HANDLE) s->handle = hmap[s->handle];
        if (u & U_TYPE) s->type = tmap[s->type];
    }
out:
    free(tmap);
    free(lmap);
    free(hmap);
}

/* ==== Positions and threads ========================================== */

static bool heap_is_default(const hx_heap_config *h)
{
    hx_heap_config d;
    hx_heap_default(&d);
    return memcmp(h->value, d.value, sizeof d.value) == 0 && h->profile == d.profile &&
           h->fail_reserve == 0 && h->fail_commit == 0;
}

void hx_program_renumber(hx_program *p)
{
    /* mirrors hx_print (text.c): optional heap line, one line per type,
       then one line per statement; every line starts at column 1 */
    uint32_t line = heap_is_default(&p->heap) ? 1 : 2;
    for (uint32_t i = 0; i < p->ntypes; i++) {
        p->types[i].pos.line = line++;
        p->types[i].pos.col = 1;
    }
    unsigned depth = 0;     /* hx_print indents a block's body by 2 */
    for (size_t i = 0; i < p->nstmts; i++) {
        if (hx_stmt_closes(p->stmts[i].kind) && depth)
            depth--;
        p->stmts[i].pos.line = line++;
        p->stmts[i].pos.col = 1 + 2 * depth;
        if (hx_stmt_opens(p->stmts[i].kind))
            depth++;
    }
}

size_t hx_program_block_end(const hx_program *p, size_t i)
{
    size_t depth = 0;
    for (size_t j = i; j < p->nstmts; j++) {
        if (hx_stmt_opens(p->stmts[j].kind))
            depth++;
        else if (hx_stmt_closes(p->stmts[j].kind) && --depth == 0)
            return j;
    }
    return HX_NONE;
}

bool hx_program_unwrap_block(hx_program *p, size_t i)
{
    if (i >= p->nstmts || !hx_stmt_opens(p->stmts[i].kind))
        return false;
    size_t end = hx_program_block_end(p, i);
    if (end == HX_NONE)
        return false;
    unsigned depth = 0;
    for (size_t j = i + 1; j < end; j++) {
        hx_stmt *s = &p->stmts[j];
        if (hx_stmt_opens(s->kind))
            depth++;
        else if (hx_stmt_closes(s->kind))
            depth--;
        else if (depth == 0 && s->islot)
            s->islot = false;
    }
    hx_program_remove(p, end, 1);
    hx_program_remove(p, i, 1);
    return true;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t hx_program_exec_count(const hx_program *p)
{
    uint64_t mult[HX_LOOP_DEPTH_MAX + 1], total = 0;
    unsigned depth = 0;
    mult[0] = 1;
    for (size_t i = 0; i < p->nstmts; i++) {
        const hx_stmt *s = &p->stmts[i];
        if (hx_stmt_closes(s->kind) && depth) {
            depth--;        /* charged at the head */
            continue;
        }
        total = sat_add(total, mult[depth]);
        if (hx_stmt_opens(s->kind) && depth < HX_LOOP_DEPTH_MAX) {
            /* the `}` runs once per iteration */
            total = sat_add(total, sat_mul(mult[depth], s->count));
            mult[depth + 1] = sat_mul(mult[depth], s->count);
            depth++;
        }
    }
    return total;
}

bool hx_program_has_loops(const hx_program *p)
{
    for (size_t i = 0; i < p->nstmts; i++)
        if (hx_stmt_opens(p->stmts[i].kind))
            return true;
    return false;
}

unsigned hx_program_threads(const hx_program *p)
{
    unsigned n = 1;
    for (size_t i = 0; i < p->nstmts; i++)
        if (hx_stmt_has(p->stmts[i].kind, HX_FIELD_thread) && p->stmts[i].thread + 1 > n)
            n = p->stmts[i].thread + 1;
    return n;
}
