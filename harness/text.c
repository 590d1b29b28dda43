/* text.c -- parser and canonical printer of the .gcp text format.
 *
 * Sections: lexer (one line at a time), token helpers and diagnostics,
 * operand helpers (names, statics, static typing), header lines (heap,
 * type), statements, expectations, the driver, the printer.
 *
 * .text.errors: every failure is "file:line:col: message"; messages say
 * what was expected and what was found ("expected a type name after 'new',
 * got '='").  The parser checks what is decidable from the text alone:
 * unknown types and handles, array allocations without length, finalizers
 * on array types, slot indices out of range for fixed types (the static
 * type of a local is the type of the `new` that last bound it, followed
 * through copies: programs are straight-line).  Whether a local is bound
 * and non-null is left to the executor.
 *
 * .text.names: `null` is the only reserved word.  A line whose second
 * token is `=` or `.` is an assignment or a store, so keywords remain
 * usable as names (`drop = new Node` binds a local called drop); on the
 * right of `=`, `new`, `handle`, `target` and `static` start their
 * statements when more tokens follow, otherwise they name a local.
 */
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ==== Lexer ========================================================== */

typedef enum tk_kind {
    TK_EOL = 0, TK_NAME, TK_NUM, TK_EQ, TK_DOT, TK_LBR, TK_RBR, TK_COLON
} tk_kind;

typedef struct token {
    tk_kind kind;
    const char *s;          /* source text of the token */
    uint32_t len;
    uint32_t col;           /* 1-based */
    uint64_t num;           /* TK_NUM: value with suffix applied */
} token;

#define MAX_TOKENS 64       /* longer lines are an error at the 65th token */

typedef struct local_state { /* static type of a local (.text.errors) */
    uint32_t type;          /* HX_NONE: unknown */
} local_state;

typedef struct alloc_fix {  /* alloc:TYPE waiting for the end of the header */
    uint32_t type;          /* the type whose finalizer allocates */
    char name[HX_NAME_MAX + 1];
    uint32_t col, line;
} alloc_fix;

typedef struct parser {
    const char *file;
    hx_diag *d;
    hx_program *p;
    uint32_t line;
    token tk[MAX_TOKENS + 1];
    unsigned ntk;
    bool header_open;       /* no statement seen yet */
    bool heap_key_seen[HX_KEY_COUNT + 3];   /* + profile, fail_reserve, fail_commit */
    alloc_fix *fixes;
    size_t nfixes, fixes_cap;
    local_state *ls;
    size_t ls_cap;
    hx_name_index names;    /* locals and handles */
} parser;

static bool perr(parser *ps, uint32_t col, const char *fmt, ...)
{
    ps->d->file = ps->file;
    ps->d->pos.line = ps->line;
    ps->d->pos.col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->d->msg, sizeof ps->d->msg, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_alpha(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Tokenize one line s[0..n) (no newline).  Stops at a comment. */
static bool lex_line(parser *ps, const char *s, size_t n)
{
    size_t i = 0;
    ps->ntk = 0;
    for (;;) {
        while (i < n && is_space((unsigned char)s[i]))
            i++;
        uint32_t col = (uint32_t)(i + 1);
        if (i >= n || s[i] == '#') {
            token *t = &ps->tk[ps->ntk];
            t->kind = TK_EOL;
            t->s = s + i;
            t->len = 0;
            t->col = col;
            return true;
        }
        if (ps->ntk == MAX_TOKENS)
            return perr(ps, col, "line too long: more than %d tokens", MAX_TOKENS);
        if (i > UINT32_MAX - 2)
            return perr(ps, UINT32_MAX, "line too long");
        token *t = &ps->tk[ps->ntk];
        t->s = s + i;
        t->col = col;
        t->num = 0;
        unsigned char c = (unsigned char)s[i];
        size_t start = i;
        if (is_alpha(c)) {
            while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
                i++;
            if (i - start > HX_NAME_MAX)
                return perr(ps, col, "name longer than %d characters", HX_NAME_MAX);
            t->kind = TK_NAME;
        } else if (is_digit(c)) {
            uint64_t v = 0;
            bool big = false;
            while (i < n && is_digit((unsigned char)s[i])) {
                if (v > HX_NUMBER_MAX)
                    big = true;
                else
                    v = v * 10 + (uint64_t)(s[i] - '0');
                i++;
            }
            if (i < n && (s[i] == 'k' || s[i] == 'm')) {
                if (!big)
                    v *= s[i] == 'k' ? 1024u : 1048576u;
                i++;
            }
            if (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]))) {
                while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
                    i++;
                size_t len = i - start;
                return perr(ps, col, "bad number '%.*s': expected digits with an optional k or m suffix",
                            (int)(len > 40 ? 40 : len), s + start);
            }
            if (big || v > HX_NUMBER_MAX)
                return perr(ps, col, "number too large (the largest is %llu)",
                            (unsigned long long)HX_NUMBER_MAX);
            t->kind = TK_NUM;
            t->num = v;
        } else {
            switch (c) {
            case '=': t->kind = TK_EQ; break;
            case '.': t->kind = TK_DOT; break;
            case '[': t->kind = TK_LBR; break;
            case ']': t->kind = TK_RBR; break;
            case ':': t->kind = TK_COLON; break;
            default:
                if (c >= 0x21 && c < 0x7f)
                    return perr(ps, col, "unexpected character '%c'", c);
                return perr(ps, col, "unexpected byte 0x%02x", c);
            }
            i++;
        }
        t->len = (uint32_t)(i - start);
        ps->ntk++;
    }
}

/* ==== Token helpers =================================================== */

/* What a token is, for "got ..." in messages. */
static const char *describe(const token *t, char *buf, size_t len)
{
    if (t->kind == TK_EOL)
        return "end of line";
    snprintf(buf, len, "'%.*s'", (int)t->len, t->s);
    return buf;
}

static bool tk_is(const token *t, const char *word)
{
    size_t n = strlen(word);
    return t->kind == TK_NAME && t->len == n && memcmp(t->s, word, n) == 0;
}

static void tk_name(const token *t, char out[HX_NAME_MAX + 1])
{
    uint32_t n = t->len > HX_NAME_MAX ? HX_NAME_MAX : t->len;
    memcpy(out, t->s, n);
    out[n] = 0;
}

static bool expected(parser *ps, const token *t, const char *what)
{
    char b[96];
    return perr(ps, t->col, "expected %s, got %s", what, describe(t, b, sizeof b));
}

static bool want(parser *ps, unsigned i, tk_kind k, const char *what)
{
    if (ps->tk[i].kind != k)
        return expected(ps, &ps->tk[i], what);
    return true;
}

static bool want_eol(parser *ps, unsigned i)
{
    return want(ps, i, TK_EOL, "end of line");
}

/* ==== Operand helpers ================================================== */

static bool oom(parser *ps, uint32_t col)
{
    return perr(ps, col, "out of memory");
}

static bool ls_reserve(parser *ps)
{
    size_t need = ps->p->nlocals;
    if (need <= ps->ls_cap)
        return true;
    size_t nc = ps->ls_cap ? ps->ls_cap : 16;
    while (nc < need)
        nc *= 2;
    local_state *n = realloc(ps->ls, nc * sizeof *n);
    if (!n)
        return false;
    for (size_t i = ps->ls_cap; i < nc; i++)
        n[i].type = HX_NONE;
    ps->ls = n;
    ps->ls_cap = nc;
    return true;
}

/* A local operand (must name an object, or may be null when allow_null). */
static bool local_ref(parser *ps, unsigned i, bool allow_null, const char *what, uint32_t *out)
{
    token *t = &ps->tk[i];
    if (t->kind != TK_NAME)
        return expected(ps, t, what);
    if (tk_is(t, "null")) {
        if (allow_null) {
            *out = HX_NULL;
            return true;
        }
        return expected(ps, t, what);
    }
    char name[HX_NAME_MAX + 1];
    tk_name(t, name);
    uint32_t code = hx_name_index_find(&ps->names, ps->p, name);
    if (code != HX_NONE && (code & 1))
        return perr(ps, t->col, "'%s' is a handle, not a local", name);
    if (code != HX_NONE) {
        *out = code >> 1;
        return true;
    }
    uint32_t x = hx_program_add_local(ps->p, name);
    if (x == HX_NONE || !hx_name_index_add(&ps->names, ps->p, 2 * x) || !ls_reserve(ps))
        return oom(ps, t->col);
    *out = x;
    return true;
}

/* The local an assignment binds. */
static bool local_bind(parser *ps, unsigned i, uint32_t *out)
{
    if (tk_is(&ps->tk[i], "null"))
        return perr(ps, ps->tk[i].col, "'null' cannot name a local");
    return local_ref(ps, i, false, "a local name", out);
}

static bool handle_ref(parser *ps, unsigned i, uint32_t *out)
{
    token *t = &ps->tk[i];
    if (t->kind != TK_NAME || tk_is(t, "null"))
        return expected(ps, t, "a handle name");
    char name[HX_NAME_MAX + 1];
    tk_name(t, name);
    uint32_t code = hx_name_index_find(&ps->names, ps->p, name);
    if (code != HX_NONE && (code & 1)) {
        *out = code >> 1;
        return true;
    }
    if (code != HX_NONE)
        return perr(ps, t->col, "'%s' is a local, not a handle", name);
    return perr(ps, t->col, "unknown handle '%s' (no earlier '%s = handle KIND x')", name, name);
}

static bool handle_bind(parser *ps, unsigned i, uint32_t *out)
{
    token *t = &ps->tk[i];
    if (tk_is(t, "null"))
        return perr(ps, t->col, "'null' cannot name a handle");
    char name[HX_NAME_MAX + 1];
    tk_name(t, name);
    uint32_t code = hx_name_index_find(&ps->names, ps->p, name);
    if (code != HX_NONE && !(code & 1))
        return perr(ps, t->col, "'%s' is a local, not a handle", name);
    if (code != HX_NONE) {
        *out = code >> 1;
        return true;
    }
    uint32_t h = hx_program_add_handle(ps->p, name);
    if (h == HX_NONE || !hx_name_index_add(&ps->names, ps->p, 2 * h + 1))
        return oom(ps, t->col);
    *out = h;
    return true;
}

/* sN with N < HX_STATICS. */
static bool static_slot(parser *ps, unsigned i, uint32_t *out)
{
    token *t = &ps->tk[i];
    bool shape = t->kind == TK_NAME && t->len >= 2 && t->s[0] == 's';
    for (uint32_t k = 1; shape && k < t->len; k++)
        shape = is_digit((unsigned char)t->s[k]);
    if (!shape)
        return expected(ps, t, "a static slot s0..s63");
    uint64_t v = 0;
    for (uint32_t k = 1; k < t->len && v < 1000; k++)
        v = v * 10 + (uint64_t)(t->s[k] - '0');
    if (v >= HX_STATICS)
        return perr(ps, t->col, "static slot %.*s out of range s0..s%d", (int)t->len, t->s,
                    HX_STATICS - 1);
    *out = (uint32_t)v;
    return true;
}

static bool generation(parser *ps, unsigned i, int *out)
{
    if (!want(ps, i, TK_NUM, "a generation 0..2"))
        return false;
    if (ps->tk[i].num > 2)
        return perr(ps, ps->tk[i].col, "generation %llu out of range 0..2",
                    (unsigned long long)ps->tk[i].num);
    *out = (int)ps->tk[i].num;
    return true;
}

/* Reject a slot the static type of local obj cannot have (.text.errors). */
static bool slot_check(parser *ps, uint32_t obj, unsigned slot_tok)
{
    uint32_t ty = ps->ls[obj].type;
    if (ty == HX_NONE)
        return true;
    const hx_type *t = &ps->p->types[ty];
    uint64_t slot = ps->tk[slot_tok].num;
    if (t->kind == HX_TYPE_BYTE_ARRAY)
        return perr(ps, ps->tk[slot_tok].col,
                    "slot %llu out of range: '%s' is a %s, a byte array with no reference slots",
                    (unsigned long long)slot, ps->p->locals[obj], t->name);
    if (t->kind == HX_TYPE_FIXED && slot >= t->nrefs)
        return perr(ps, ps->tk[slot_tok].col,
                    "slot %llu out of range: '%s' is a %s with %u reference slot%s",
                    (unsigned long long)slot, ps->p->locals[obj], t->name,
                    (unsigned)t->nrefs, t->nrefs == 1 ? "" : "s");
    return true;
}

/* ==== Header: heap and type lines ===================================== */

static bool parse_heap(parser *ps)
{
    hx_heap_config *h = &ps->p->heap;
    unsigned i = 1;
    while (ps->tk[i].kind != TK_EOL) {
        token *key = &ps->tk[i];
        int k = -1;
        if (tk_is(key, "profile"))
            k = HX_KEY_COUNT;
        else if (tk_is(key, "fail_reserve"))
            k = HX_KEY_COUNT + 1;
        else if (tk_is(key, "fail_commit"))
            k = HX_KEY_COUNT + 2;
        for (int j = 0; j < HX_KEY_COUNT && k < 0; j++)
            if (tk_is(key, hx_heap_key_name((hx_heap_key)j)))
                k = j;
        if (k < 0)
            return expected(ps, key, "a heap key (gen0_budget, gen1_budget, gen2_budget, "
                            "loh_budget, loh_threshold, segment_size, hard_limit, profile, "
                            "fail_reserve, fail_commit)");
        if (ps->heap_key_seen[k])
            return perr(ps, key->col, "heap key '%.*s' given twice", (int)key->len, key->s);
        ps->heap_key_seen[k] = true;
        char what[64];
        snprintf(what, sizeof what, "'=' after '%.*s'", (int)key->len, key->s);
        if (!want(ps, i + 1, TK_EQ, what))
            return false;
        token *v = &ps->tk[i + 2];
        if (k == HX_KEY_COUNT) {
            if (tk_is(v, "strict"))
                h->profile = HX_PROFILE_STRICT;
            else if (tk_is(v, "clr"))
                h->profile = HX_PROFILE_CLR;
            else
                return expected(ps, v, "a profile (strict or clr)");
        } else {
            snprintf(what, sizeof what, "a number after '%.*s='", (int)key->len, key->s);
            if (!want(ps, i + 2, TK_NUM, what))
                return false;
            if (k == HX_KEY_LOH_THRESHOLD && v->num < hx_heap_default_value(HX_KEY_LOH_THRESHOLD))
                return perr(ps, v->col, "loh_threshold must be at least %llu (it can only be raised)",
                            (unsigned long long)hx_heap_default_value(HX_KEY_LOH_THRESHOLD));
            if (k == HX_KEY_SEGMENT_SIZE && v->num == 0)
                return perr(ps, v->col, "segment_size must not be 0");
            if (k > HX_KEY_COUNT && v->num > HX_FAULT_NTH_MAX)
                return perr(ps, v->col, "%.*s must be at most %u", (int)key->len, key->s,
                            HX_FAULT_NTH_MAX);
            if (k == HX_KEY_COUNT + 1)
                h->fail_reserve = v->num;
            else if (k == HX_KEY_COUNT + 2)
                h->fail_commit = v->num;
            else
                h->value[k] = v->num;
        }
        i += 3;
    }
    return true;
}

/* finalizer=VALUE at token i; fills t; returns tokens consumed via *next. */
static bool parse_finalizer(parser *ps, unsigned i, hx_type *t, uint32_t self, unsigned *next)
{
    static const char *const what =
        "a finalizer behaviour (count, resurrect:sN, reregister, resurrect_reregister:sN, alloc:TYPE)";
    token *v = &ps->tk[i];
    *next = i + 1;
    if (tk_is(v, "count")) {
        t->fin = HX_FIN_COUNT;
        return true;
    }
    if (tk_is(v, "reregister")) {
        t->fin = HX_FIN_REREGISTER;
        return true;
    }
    bool res = tk_is(v, "resurrect"), resrr = tk_is(v, "resurrect_reregister");
    if (res || resrr) {
        char w[64];
        snprintf(w, sizeof w, "':' after '%.*s'", (int)v->len, v->s);
        if (!want(ps, i + 1, TK_COLON, w) || !static_slot(ps, i + 2, &t->fin_static))
            return false;
        t->fin = res ? HX_FIN_RESURRECT : HX_FIN_RESURRECT_REREGISTER;
        *next = i + 3;
        return true;
    }
    if (tk_is(v, "alloc")) {
        if (!want(ps, i + 1, TK_COLON, "':' after 'alloc'") ||
            !want(ps, i + 2, TK_NAME, "a type name after 'alloc:'"))
            return false;
        if (ps->nfixes == ps->fixes_cap) {
            size_t nc = ps->fixes_cap ? ps->fixes_cap * 2 : 8;
            alloc_fix *n = realloc(ps->fixes, nc * sizeof *n);
            if (!n)
                return oom(ps, v->col);
            ps->fixes = n;
            ps->fixes_cap = nc;
        }
        alloc_fix *f = &ps->fixes[ps->nfixes++];
        f->type = self;
        tk_name(&ps->tk[i + 2], f->name);
        f->col = ps->tk[i + 2].col;
        f->line = ps->line;
        t->fin = HX_FIN_ALLOC;
        *next = i + 3;
        return true;
    }
    return expected(ps, v, what);
}

static bool parse_type(parser *ps)
{
    hx_program *p = ps->p;
    token *nt = &ps->tk[1];
    if (nt->kind != TK_NAME)
        return expected(ps, nt, "a type name after 'type'");
    char name[HX_NAME_MAX + 1];
    tk_name(nt, name);
    if (hx_program_find_type(p, name) != HX_NONE)
        return perr(ps, nt->col, "type '%s' declared twice", name);
    hx_type t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.kind = HX_TYPE_FIXED;
    t.pos.line = ps->line;
    t.pos.col = ps->tk[0].col;
    uint32_t self = p->ntypes;
    /* which attributes were given, and where (for messages) */
    enum { A_ARRAY, A_ELEM, A_SIZE, A_REFS, A_FIN, A_CRIT, A_COUNT };
    static const char *const anames[A_COUNT] = { "array", "elem", "size", "refs", "finalizer", "critical" };
    uint32_t acol[A_COUNT] = {0};
    uint64_t size = 0, refs = 0;
    bool elem_ref = false;
    unsigned i = 2;
    while (ps->tk[i].kind != TK_EOL) {
        token *a = &ps->tk[i];
        int which = -1;
        for (int j = 0; j < A_COUNT; j++)
            if (tk_is(a, anames[j]))
                which = j;
        if (which < 0)
            return expected(ps, a, "a type attribute (size=, refs=, array, elem=, finalizer=, critical)");
        if (acol[which])
            return perr(ps, a->col, "attribute '%s' given twice", anames[which]);
        acol[which] = a->col;
        if (which == A_ARRAY || which == A_CRIT) {
            i++;
            continue;
        }
        char w[48];
        snprintf(w, sizeof w, "'=' after '%s'", anames[which]);
        if (!want(ps, i + 1, TK_EQ, w))
            return false;
        token *v = &ps->tk[i + 2];
        switch (which) {
        case A_ELEM:
            if (v->kind == TK_NUM && v->num == 1 && v->len == 1)
                elem_ref = false;
            else if (tk_is(v, "ref"))
                elem_ref = true;
            else
                return expected(ps, v, "1 or ref after 'elem='");
            i += 3;
            break;
        case A_SIZE: case A_REFS:
            snprintf(w, sizeof w, "a number after '%s='", anames[which]);
            if (!want(ps, i + 2, TK_NUM, w))
                return false;
            if (which == A_SIZE)
                size = v->num;
            else
                refs = v->num;
            i += 3;
            break;
        case A_FIN:
            if (!parse_finalizer(ps, i + 2, &t, self, &i))
                return false;
            break;
        }
    }
    /* whole-line rules */
    if (acol[A_ARRAY]) {
        if (acol[A_SIZE] || acol[A_REFS])
            return perr(ps, acol[A_SIZE] ? acol[A_SIZE] : acol[A_REFS],
                        "array type '%s' cannot have size= or refs= (its size comes from the length)", name);
        if (acol[A_FIN] || acol[A_CRIT])
            return perr(ps, acol[A_FIN] ? acol[A_FIN] : acol[A_CRIT],
                        "array type '%s' cannot have a finalizer", name);
        if (!acol[A_ELEM])
            return perr(ps, acol[A_ARRAY], "array type '%s' needs elem=1 or elem=ref", name);
        t.kind = elem_ref ? HX_TYPE_REF_ARRAY : HX_TYPE_BYTE_ARRAY;
    } else {
        if (acol[A_ELEM])
            return perr(ps, acol[A_ELEM], "elem= needs 'array' (type %s array elem=1|ref)", name);
        if (refs > HX_MAX_REFS)
            return perr(ps, acol[A_REFS], "refs=%llu too large (at most %d reference slots)",
                        (unsigned long long)refs, HX_MAX_REFS);
        if (!acol[A_SIZE]) {
            size = HX_OBJ_BASE + 8 * refs;     /* smallest size holding the slots */
            if (size < HX_MIN_OBJECT)
                size = HX_MIN_OBJECT;
        }
        if (size < HX_MIN_OBJECT)
            return perr(ps, acol[A_SIZE], "size=%llu too small: an object is at least %d bytes",
                        (unsigned long long)size, HX_MIN_OBJECT);
        if (HX_OBJ_BASE + 8 * refs > size)
            return perr(ps, acol[A_REFS], "refs=%llu does not fit in size=%llu (needs size >= %llu)",
                        (unsigned long long)refs, (unsigned long long)size,
                        (unsigned long long)(HX_OBJ_BASE + 8 * refs));
        if (acol[A_CRIT] && !acol[A_FIN])
            return perr(ps, acol[A_CRIT], "critical needs a finalizer (finalizer=...)");
        t.size = size;
        t.nrefs = (uint32_t)refs;
        t.critical = acol[A_CRIT] != 0;
    }
    if (hx_program_add_type(p, &t) == HX_NONE)
        return oom(ps, nt->col);
    return true;
}

/* The header ends at the first statement (or at the end of the text):
   resolve alloc:TYPE references, which may point forward. */
static bool close_header(parser *ps)
{
    if (!ps->header_open)
        return true;
    ps->header_open = false;
    for (size_t i = 0; i < ps->nfixes; i++) {
        alloc_fix *f = &ps->fixes[i];
        uint32_t t = hx_program_find_type(ps->p, f->name);
        if (t == HX_NONE) {
            ps->line = f->line;
            return perr(ps, f->col, "unknown type '%s' in alloc:%s", f->name, f->name);
        }
        ps->p->types[f->type].fin_alloc = t;
    }
    return true;
}

/* ==== Statements ====================================================== */

static hx_stmt *emit(parser *ps, hx_stmt_kind k)
{
    hx_stmt *s = hx_program_append(ps->p, k);
    if (!s) {
        oom(ps, ps->tk[0].col);
        return NULL;
    }
    s->pos.line = ps->line;
    s->pos.col = ps->tk[0].col;
    return s;
}

/* dst = new T | new T[N]   (tokens from i = index of 'new') */
static bool parse_new(parser *ps, uint32_t dst, unsigned i)
{
    token *tt = &ps->tk[i + 1];
    if (tt->kind != TK_NAME)
        return expected(ps, tt, "a type name after 'new'");
    char name[HX_NAME_MAX + 1];
    tk_name(tt, name);
    uint32_t ty = hx_program_find_type(ps->p, name);
    if (ty == HX_NONE)
        return perr(ps, tt->col, "unknown type '%s'", name);
    const hx_type *t = &ps->p->types[ty];
    uint64_t length = 0;
    unsigned j = i + 2;
    if (hx_type_is_array(t)) {
        if (ps->tk[j].kind != TK_LBR)
            return perr(ps, ps->tk[j].col, "array type '%s' needs a length: new %s[N]", name, name);
        if (!want(ps, j + 1, TK_NUM, "an array length after '['") ||
            !want(ps, j + 2, TK_RBR, "']' after the array length"))
            return false;
        length = ps->tk[j + 1].num;
        j += 3;
    } else if (ps->tk[j].kind == TK_LBR) {
        return perr(ps, ps->tk[j].col, "type '%s' is not an array type: new %s takes no length",
                    name, name);
    }
    if (!want_eol(ps, j))
        return false;
    hx_stmt *s = emit(ps, HX_ST_NEW);
    if (!s)
        return false;
    s->dst = dst;
    s->type = ty;
    s->length = length;
    ps->ls[dst].type = ty;
    return true;
}

/* NAME = ...  and  NAME.N = ... */
static bool parse_assignment(parser *ps)
{
    if (ps->tk[1].kind == TK_DOT) {             /* obj.N = src|null */
        uint32_t obj, src;
        if (!local_ref(ps, 0, false, "a local name", &obj) ||
            !want(ps, 2, TK_NUM, "a slot number after '.'") ||
            !want(ps, 3, TK_EQ, "'=' after the slot") ||
            !local_ref(ps, 4, true, "a local or null", &src) || !want_eol(ps, 5) ||
            !slot_check(ps, obj, 2))
            return false;
        hx_stmt *s = emit(ps, HX_ST_STORE);
        if (!s)
            return false;
        s->obj = obj;
        s->slot = ps->tk[2].num;
        s->src = src;
        return true;
    }
    token *r = &ps->tk[2];
    bool more = ps->tk[3].kind != TK_EOL;
    if (tk_is(r, "handle") && more) {           /* h = handle KIND x */
        static const char *const kinds[HX_HANDLE_KIND_COUNT] = { "strong", "pinned", "weak", "weak_long" };
        int kind = -1;
        for (int k = 0; k < HX_HANDLE_KIND_COUNT; k++)
            if (tk_is(&ps->tk[3], kinds[k]))
                kind = k;
        if (kind < 0)
            return expected(ps, &ps->tk[3], "a handle kind (strong, pinned, weak, weak_long)");
        uint32_t obj = 0, h = 0;
        if (!local_ref(ps, 4, false, "a local name", &obj) || !want_eol(ps, 5) ||
            !handle_bind(ps, 0, &h))
            return false;
        hx_stmt *s = emit(ps, HX_ST_HANDLE);
        if (!s)
            return false;
        s->handle = h;
        s->hkind = (hx_handle_kind)kind;
        s->obj = obj;
        return true;
    }
    uint32_t dst;
    if (!local_bind(ps, 0, &dst))
        return false;
    if (tk_is(r, "new") && more)
        return parse_new(ps, dst, 2);
    if (tk_is(r, "target") && more) {           /* dst = target h */
        uint32_t h;
        if (!handle_ref(ps, 3, &h) || !want_eol(ps, 4))
            return false;
        hx_stmt *s = emit(ps, HX_ST_TARGET);
        if (!s)
            return false;
        s->dst = dst;
        s->handle = h;
        ps->ls[dst].type = HX_NONE;
        return true;
    }
    if (tk_is(r, "static") && more) {           /* dst = static sN */
        uint32_t st;
        if (!static_slot(ps, 3, &st) || !want_eol(ps, 4))
            return false;
        hx_stmt *s = emit(ps, HX_ST_STATIC_GET);
        if (!s)
            return false;
        s->dst = dst;
        s->stat = st;
        ps->ls[dst].type = HX_NONE;
        return true;
    }
    if (r->kind != TK_NAME || tk_is(r, "null"))
        return expected(ps, r, "new, handle, target, static or a local after '='");
    uint32_t src;
    if (!local_ref(ps, 2, false, "a local name", &src))
        return false;
    if (ps->tk[3].kind == TK_DOT) {             /* dst = src.N */
        if (!want(ps, 4, TK_NUM, "a slot number after '.'") || !want_eol(ps, 5) ||
            !slot_check(ps, src, 4))
            return false;
        hx_stmt *s = emit(ps, HX_ST_LOAD);
        if (!s)
            return false;
        s->dst = dst;
        s->obj = src;
        s->slot = ps->tk[4].num;
        ps->ls[dst].type = HX_NONE;
        return true;
    }
    if (!want_eol(ps, 3))                       /* dst = src */
        return false;
    hx_stmt *s = emit(ps, HX_ST_COPY);
    if (!s)
        return false;
    s->dst = dst;
    s->src = src;
    ps->ls[dst].type = ps->ls[src].type;
    return true;
}

/* drop / suppress / reregister x */
static bool parse_unary_local(parser *ps, hx_stmt_kind k)
{
    uint32_t obj;
    if (!local_ref(ps, 1, false, "a local name", &obj) || !want_eol(ps, 2))
        return false;
    hx_stmt *s = emit(ps, k);
    if (!s)
        return false;
    s->obj = obj;
    if (k == HX_ST_DROP)
        ps->ls[obj].type = HX_NONE;
    return true;
}

static bool parse_collect(parser *ps)
{
    int gen = 2;
    unsigned i = 1;
    if (ps->tk[i].kind == TK_NUM) {
        if (!generation(ps, i, &gen))
            return false;
        i++;
    }
    bool compact = false;
    if (tk_is(&ps->tk[i], "compact_loh")) {
        if (gen != 2)
            return perr(ps, ps->tk[i].col, "compact_loh needs a gen2 collection (collect 2 compact_loh)");
        compact = true;
        i++;
    }
    if (ps->tk[i].kind != TK_EOL)
        return expected(ps, &ps->tk[i], i == 1 ? "a generation 0..2, compact_loh or end of line"
                                             : "compact_loh or end of line");
    hx_stmt *s = emit(ps, HX_ST_COLLECT);
    if (!s)
        return false;
    s->gen = gen;
    s->compact_loh = compact;
    return true;
}

/* ==== Expectations ==================================================== */

static bool parse_expect(parser *ps)
{
    token *w = &ps->tk[1];
    hx_stmt tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.src = HX_NULL;
    unsigned end;
    hx_stmt_kind k;
    if (tk_is(w, "gen")) {
        k = HX_ST_EXPECT_GEN;
        if (!local_ref(ps, 2, false, "a local name", &tmp.obj) || !generation(ps, 3, &tmp.gen))
            return false;
        end = 4;
    } else if (tk_is(w, "loh") || tk_is(w, "soh") || tk_is(w, "null")) {
        k = tk_is(w, "loh") ? HX_ST_EXPECT_LOH : tk_is(w, "soh") ? HX_ST_EXPECT_SOH : HX_ST_EXPECT_NULL;
        if (!local_ref(ps, 2, false, "a local name", &tmp.obj))
            return false;
        end = 3;
    } else if (tk_is(w, "target")) {
        k = HX_ST_EXPECT_TARGET;
        if (!handle_ref(ps, 2, &tmp.handle) ||
            !local_ref(ps, 3, true, "a local or null", &tmp.src))
            return false;
        end = 4;
    } else if (tk_is(w, "finalized")) {
        k = HX_ST_EXPECT_FINALIZED;
        if (!local_ref(ps, 2, false, "a local name", &tmp.obj) ||
            !want(ps, 3, TK_NUM, "a count of finalizer calls"))
            return false;
        tmp.count = ps->tk[3].num;
        end = 4;
    } else if (tk_is(w, "collections")) {
        k = HX_ST_EXPECT_COLLECTIONS;
        if (!generation(ps, 2, &tmp.gen) || !want(ps, 3, TK_NUM, "a collection count"))
            return false;
        tmp.count = ps->tk[3].num;
        end = 4;
    } else if (tk_is(w, "pinned_count")) {
        k = HX_ST_EXPECT_PINNED;
        if (!want(ps, 2, TK_NUM, "a count of pinned objects"))
            return false;
        tmp.count = ps->tk[2].num;
        end = 3;
    } else if (tk_is(w, "oom")) {
        k = HX_ST_EXPECT_OOM;
        end = 2;
    } else {
        return expected(ps, w, "an expectation (gen, loh, soh, null, target, finalized, "
                        "collections, pinned_count, oom) after 'expect'");
    }
    if (!want_eol(ps, end))
        return false;
    hx_stmt *s = emit(ps, k);
    if (!s)
        return false;
    hx_pos pos = s->pos;
    tmp.kind = k;
    *s = tmp;
    s->pos = pos;
    return true;
}

/* ==== Driver ========================================================== */

static bool parse_statement(parser *ps)
{
    token *t0 = &ps->tk[0];
    if (t0->kind == TK_NAME && (ps->tk[1].kind == TK_EQ || ps->tk[1].kind == TK_DOT))
        return close_header(ps) && parse_assignment(ps);
    if (t0->kind != TK_NAME)
        return expected(ps, t0, "a statement");
    if (tk_is(t0, "heap") || tk_is(t0, "type")) {
        if (!ps->header_open)
            return perr(ps, t0->col, "'%.*s' must come before the first statement",
                        (int)t0->len, t0->s);
        return tk_is(t0, "heap") ? parse_heap(ps) : parse_type(ps);
    }
    if (!close_header(ps))
        return false;
    if (tk_is(t0, "drop"))
        return parse_unary_local(ps, HX_ST_DROP);
    if (tk_is(t0, "suppress"))
        return parse_unary_local(ps, HX_ST_SUPPRESS);
    if (tk_is(t0, "reregister"))
        return parse_unary_local(ps, HX_ST_REREGISTER);
    if (tk_is(t0, "free")) {
        uint32_t h;
        if (!handle_ref(ps, 1, &h) || !want_eol(ps, 2))
            return false;
        hx_stmt *s = emit(ps, HX_ST_FREE);
        if (s)
            s->handle = h;
        return s != NULL;
    }
    if (tk_is(t0, "static")) {
        uint32_t st, src;
        if (!static_slot(ps, 1, &st) || !want(ps, 2, TK_EQ, "'=' after the static slot") ||
            !local_ref(ps, 3, true, "a local or null", &src) || !want_eol(ps, 4))
            return false;
        hx_stmt *s = emit(ps, HX_ST_STATIC_SET);
        if (!s)
            return false;
        s->stat = st;
        s->src = src;
        return true;
    }
    if (tk_is(t0, "collect"))
        return parse_collect(ps);
    if (tk_is(t0, "finalize"))
        return want_eol(ps, 1) && emit(ps, HX_ST_FINALIZE) != NULL;
    if (tk_is(t0, "thread")) {
        if (!want(ps, 1, TK_NUM, "a thread number"))
            return false;
        if (ps->tk[1].num >= HX_THREADS)
            return perr(ps, ps->tk[1].col, "thread %llu out of range 0..%d",
                        (unsigned long long)ps->tk[1].num, HX_THREADS - 1);
        if (!want_eol(ps, 2))
            return false;
        hx_stmt *s = emit(ps, HX_ST_THREAD);
        if (s)
            s->thread = (uint32_t)ps->tk[1].num;
        return s != NULL;
    }
    if (tk_is(t0, "expect"))
        return parse_expect(ps);
    return expected(ps, t0, "a statement");
}

bool hx_parse(const char *text, size_t len, const char *file, hx_program *out, hx_diag *d)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.file = file ? file : "<text>";
    ps.d = d;
    ps.p = out;
    ps.header_open = true;
    memset(d, 0, sizeof *d);
    hx_program_init(out);
    bool ok = true;
    size_t i = 0;
    while (ok && i < len) {
        if (ps.line == UINT32_MAX - 1) {
            ok = perr(&ps, 1, "too many lines");
            break;
        }
        ps.line++;
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        const char *nul = memchr(text + i, '\0', n);
        if (nul) {
            ok = perr(&ps, (uint32_t)(nul - (text + i)) + 1, "unexpected byte 0x00");
            break;
        }
        ok = lex_line(&ps, text + i, n) && (ps.tk[0].kind == TK_EOL || parse_statement(&ps));
        i += n + 1;
    }
    if (ok)
        ok = close_header(&ps);
    if (ok && !hx_program_check(out, d)) {
        /* the parser's own checks should have caught it: report anyway */
        d->file = ps.file;
        ok = false;
    }
    free(ps.fixes);
    free(ps.ls);
    hx_name_index_free(&ps.names);
    if (!ok)
        hx_program_free(out);
    return ok;
}

int hx_read_file(const char *path, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    int err = 0;
    if (!b)
        err = ENOMEM;
    while (!err) {
        if (n == cap) {
            char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(b, cap * 2 + 1);
            if (!nb) {
                err = ENOMEM;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (err) {
        free(b);
        return err;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

/* ==== Printer (.text.canonical) ======================================= */
/* One line per item: the heap line only when some value differs from its
   default (and then only those keys, in hx_heap_key order, profile last),
   the types in table order, the statements.  Single spaces; heap values
   use the m or k suffix when they divide exactly; every other number is
   decimal.  hx_program_renumber (program.c) mirrors this layout. */

static void fmt_size(char *b, size_t n, uint64_t v)
{
    if (v && v % 1048576u == 0)
        snprintf(b, n, "%llum", (unsigned long long)(v / 1048576u));
    else if (v && v % 1024u == 0)
        snprintf(b, n, "%lluk", (unsigned long long)(v / 1024u));
    else
        snprintf(b, n, "%llu", (unsigned long long)v);
}

static const char *lname(const hx_program *p, uint32_t x)
{
    if (x == HX_NULL)
        return "null";
    return x < p->nlocals ? p->locals[x] : "?";
}

static const char *hname(const hx_program *p, uint32_t h)
{
    return h < p->nhandles ? p->handles[h] : "?";
}

void hx_type_format(const hx_program *p, const hx_type *t, char *buf, size_t len)
{
    if (hx_type_is_array(t)) {
        snprintf(buf, len, "type %s array elem=%s", t->name,
                 t->kind == HX_TYPE_REF_ARRAY ? "ref" : "1");
        return;
    }
    char refs[32] = "", fin[128] = "";
    if (t->nrefs)
        snprintf(refs, sizeof refs, " refs=%u", (unsigned)t->nrefs);
    switch (t->fin) {
    case HX_FIN_COUNT: case HX_FIN_REREGISTER:
        snprintf(fin, sizeof fin, " finalizer=%s", hx_fin_kind_name(t->fin));
        break;
    case HX_FIN_RESURRECT: case HX_FIN_RESURRECT_REREGISTER:
        snprintf(fin, sizeof fin, " finalizer=%s:s%u", hx_fin_kind_name(t->fin),
                 (unsigned)t->fin_static);
        break;
    case HX_FIN_ALLOC:
        snprintf(fin, sizeof fin, " finalizer=alloc:%s",
                 t->fin_alloc < p->ntypes ? p->types[t->fin_alloc].name : "?");
        break;
    default:
        break;
    }
    snprintf(buf, len, "type %s size=%llu%s%s%s", t->name, (unsigned long long)t->size, refs,
             fin, t->critical ? " critical" : "");
}

void hx_stmt_format(const hx_program *p, const hx_stmt *s, char *buf, size_t len)
{
    unsigned long long u;
    switch (s->kind) {
    case HX_ST_NEW: {
        const hx_type *t = s->type < p->ntypes ? &p->types[s->type] : NULL;
        if (t && hx_type_is_array(t))
            snprintf(buf, len, "%s = new %s[%llu]", lname(p, s->dst), t->name,
                     (unsigned long long)s->length);
        else
            snprintf(buf, len, "%s = new %s", lname(p, s->dst), t ? t->name : "?");
        break;
    }
    case HX_ST_STORE:
        snprintf(buf, len, "%s.%llu = %s", lname(p, s->obj), (unsigned long long)s->slot,
                 lname(p, s->src));
        break;
    case HX_ST_LOAD:
        snprintf(buf, len, "%s = %s.%llu", lname(p, s->dst), lname(p, s->obj),
                 (unsigned long long)s->slot);
        break;
    case HX_ST_COPY:
        snprintf(buf, len, "%s = %s", lname(p, s->dst), lname(p, s->src));
        break;
    case HX_ST_DROP:
        snprintf(buf, len, "drop %s", lname(p, s->obj));
        break;
    case HX_ST_HANDLE:
        snprintf(buf, len, "%s = handle %s %s", hname(p, s->handle),
                 hx_handle_kind_name(s->hkind), lname(p, s->obj));
        break;
    case HX_ST_FREE:
        snprintf(buf, len, "free %s", hname(p, s->handle));
        break;
    case HX_ST_TARGET:
        snprintf(buf, len, "%s = target %s", lname(p, s->dst), hname(p, s->handle));
        break;
    case HX_ST_STATIC_SET:
        snprintf(buf, len, "static s%u = %s", (unsigned)s->stat, lname(p, s->src));
        break;
    case HX_ST_STATIC_GET:
        snprintf(buf, len, "%s = static s%u", lname(p, s->dst), (unsigned)s->stat);
        break;
    case HX_ST_SUPPRESS:
        snprintf(buf, len, "suppress %s", lname(p, s->obj));
        break;
    case HX_ST_REREGISTER:
        snprintf(buf, len, "reregister %s", lname(p, s->obj));
        break;
    case HX_ST_COLLECT:
        if (s->gen == 2 && !s->compact_loh)
            snprintf(buf, len, "collect");
        else
            snprintf(buf, len, "collect %d%s", s->gen, s->compact_loh ? " compact_loh" : "");
        break;
    case HX_ST_FINALIZE:
        snprintf(buf, len, "finalize");
        break;
    case HX_ST_THREAD:
        snprintf(buf, len, "thread %u", (unsigned)s->thread);
        break;
    case HX_ST_EXPECT_GEN:
        snprintf(buf, len, "expect gen %s %d", lname(p, s->obj), s->gen);
        break;
    case HX_ST_EXPECT_LOH:
        snprintf(buf, len, "expect loh %s", lname(p, s->obj));
        break;
    case HX_ST_EXPECT_SOH:
        snprintf(buf, len, "expect soh %s", lname(p, s->obj));
        break;
    case HX_ST_EXPECT_NULL:
        snprintf(buf, len, "expect null %s", lname(p, s->obj));
        break;
    case HX_ST_EXPECT_TARGET:
        snprintf(buf, len, "expect target %s %s", hname(p, s->handle), lname(p, s->src));
        break;
    case HX_ST_EXPECT_FINALIZED:
        u = s->count;
        snprintf(buf, len, "expect finalized %s %llu", lname(p, s->obj), u);
        break;
    case HX_ST_EXPECT_COLLECTIONS:
        u = s->count;
        snprintf(buf, len, "expect collections %d %llu", s->gen, u);
        break;
    case HX_ST_EXPECT_PINNED:
        u = s->count;
        snprintf(buf, len, "expect pinned_count %llu", u);
        break;
    case HX_ST_EXPECT_OOM:
        snprintf(buf, len, "expect oom");
        break;
    default:
        snprintf(buf, len, "# unknown statement kind %d", (int)s->kind);
        break;
    }
}

bool hx_print(const hx_program *p, FILE *out)
{
    char line[512], v[32];
    hx_heap_config def;
    hx_heap_default(&def);
    bool heap = def.profile != p->heap.profile || p->heap.fail_reserve || p->heap.fail_commit;
    for (unsigned k = 0; k < HX_KEY_COUNT; k++)
        heap = heap || def.value[k] != p->heap.value[k];
    if (heap) {
        fputs("heap", out);
        for (unsigned k = 0; k < HX_KEY_COUNT; k++)
            if (def.value[k] != p->heap.value[k]) {
                fmt_size(v, sizeof v, p->heap.value[k]);
                fprintf(out, " %s=%s", hx_heap_key_name((hx_heap_key)k), v);
            }
        if (p->heap.profile != def.profile)
            fprintf(out, " profile=%s", p->heap.profile == HX_PROFILE_CLR ? "clr" : "strict");
        if (p->heap.fail_reserve)
            fprintf(out, " fail_reserve=%llu", (unsigned long long)p->heap.fail_reserve);
        if (p->heap.fail_commit)
            fprintf(out, " fail_commit=%llu", (unsigned long long)p->heap.fail_commit);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < p->ntypes; i++) {
        hx_type_format(p, &p->types[i], line, sizeof line);
        fprintf(out, "%s\n", line);
    }
    for (size_t i = 0; i < p->nstmts; i++) {
        hx_stmt_format(p, &p->stmts[i], line, sizeof line);
        fprintf(out, "%s\n", line);
    }
    return !ferror(out);
}

char *hx_print_string(const hx_program *p, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    bool ok = hx_print(p, f);
    if (fclose(f) != 0)
        ok = false;
    if (!ok) {
        free(buf);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}
