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
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ==== Lexer ========================================================== */

typedef enum tk_kind {
    TK_EOL = 0, TK_NAME, TK_NUM, TK_EQ, TK_DOT, TK_LBR, TK_RBR, TK_COLON,
    TK_BRACE,               /* `{` or `}` (.prog.loop); matched like a keyword */
    TK_PLUS                 /* `+` in a slot `i+K` */
} tk_kind;

typedef struct token {
    tk_kind kind;
    const char *s;          /* source text of the token */
    uint32_t len;
    uint32_t col;           /* 1-based */
    uint64_t num;           /* TK_NUM: value with suffix applied */
} token;

#define MAX_TOKENS 64       /* longer lines are an error at the 65th token */


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
    uint32_t *ls;           /* static type of each local (.text.errors),
                               HX_NONE: unknown */
    size_t ls_cap;
    hx_name_index names;    /* locals and handles */
    unsigned depth;         /* open repeat blocks (.prog.loop) */
    uint64_t loop_count[HX_LOOP_DEPTH_MAX];
    hx_pos loop_pos[HX_LOOP_DEPTH_MAX];
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
            case '{': case '}': t->kind = TK_BRACE; break;
            case '+': t->kind = TK_PLUS; break;
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
    return (t->kind == TK_NAME || t->kind == TK_BRACE) && t->len == n &&
           memcmp(t->s, word, n) == 0;
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
    size_t old = ps->ls_cap;
    if (!HX_RESERVE(ps->ls, ps->ls_cap, ps->p->nlocals, 16))
        return false;
    for (size_t i = old; i < ps->ls_cap; i++)
        ps->ls[i] = HX_NONE;
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

/* Reject a slot the static type of local obj cannot have (.text.errors);
   `i+K` in a repeat of N: K + N - 1. */
static bool slot_check(parser *ps, const hx_stmt *st, unsigned slot_tok)
{
    uint32_t obj = st->obj;
    uint32_t ty = ps->ls[obj];
    if (ty == HX_NONE)
        return true;
    const hx_type *t = &ps->p->types[ty];
    uint64_t slot = st->slot;
    if (st->islot) {
        uint64_t n = ps->loop_count[ps->depth - 1];
        if (n == 0)
            return true;
        slot += n - 1;
    }
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
        if (!HX_RESERVE(ps->fixes, ps->fixes_cap, ps->nfixes + 1, 8))
            return oom(ps, v->col);
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

/* T or T[N] at token i (after the keyword `kw`): type and length. */
static bool parse_type_ref(parser *ps, unsigned *ip, const char *kw, hx_stmt *tmp)
{
    unsigned i = *ip;
    token *tt = &ps->tk[i];
    if (tt->kind != TK_NAME) {
        char what[64];
        snprintf(what, sizeof what, "a type name after '%s'", kw);
        return expected(ps, tt, what);
    }
    char name[HX_NAME_MAX + 1];
    tk_name(tt, name);
    uint32_t ty = hx_program_find_type(ps->p, name);
    if (ty == HX_NONE)
        return perr(ps, tt->col, "unknown type '%s'", name);
    const hx_type *t = &ps->p->types[ty];
    uint64_t length = 0;
    unsigned j = i + 1;
    if (hx_type_is_array(t)) {
        if (ps->tk[j].kind != TK_LBR)
            return perr(ps, ps->tk[j].col, "array type '%s' needs a length: %s %s[N]", name, kw,
                        name);
        if (!want(ps, j + 1, TK_NUM, "an array length after '['") ||
            !want(ps, j + 2, TK_RBR, "']' after the array length"))
            return false;
        length = ps->tk[j + 1].num;
        j += 3;
    } else if (ps->tk[j].kind == TK_LBR) {
        return perr(ps, ps->tk[j].col, "type '%s' is not an array type: %s %s takes no length",
                    name, kw, name);
    }
    tmp->type = ty;
    tmp->length = length;
    *ip = j;
    return true;
}

/* [G] [compact_loh] at token i. */
static bool parse_collect_args(parser *ps, unsigned *ip, hx_stmt *tmp)
{
    unsigned start = *ip, i = start;
    int gen = 2;
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
        return expected(ps, &ps->tk[i], i == start ? "a generation 0..2, compact_loh or end of line"
                                                 : "compact_loh or end of line");
    tmp->gen = gen;
    tmp->compact_loh = compact;
    *ip = i;
    return true;
}

/* What an element is called in "expected ..." messages. */
static const char *el_what(const hx_text_el *e)
{
    switch (e->tx) {
    case HX_TX_BIND: case HX_TX_LOCAL: return "a local name";
    case HX_TX_LOCAL_OR_NULL: return "a local or null";
    case HX_TX_SLOT: return "a slot number after '.'";
    case HX_TX_THREAD: return "a thread number";
    case HX_TX_COUNT: return e->word;
    default: return "?";
    }
}

/* A statement of kind k, its text elements matched from token 0 on
   (.text.table: stmts.def gives every statement's syntax). */
static bool parse_row(parser *ps, hx_stmt_kind k)
{
    hx_stmt tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = k;
    tmp.src = HX_NULL;
    unsigned i = 0, slot_tok = 0;
    const char *kw = "";
    const char *after = "";     /* what the previous operand was, for '=' */
    uint32_t x;
    for (const hx_text_el *e = hx_stmt_table[k].text; e->tx != HX_TX_END; e++) {
        switch (e->tx) {
        case HX_TX_WORD:        /* the first ones chose the row */
            if (!tk_is(&ps->tk[i], e->word)) {
                char what[64];
                snprintf(what, sizeof what, "'%s'", e->word);
                return expected(ps, &ps->tk[i], what);
            }
            kw = e->word;
            i++;
            break;
        case HX_TX_EQ: {
            char what[64];
            snprintf(what, sizeof what, *after ? "'=' after the %s" : "'='", after);
            if (!want(ps, i, TK_EQ, what))
                return false;
            i++;
            break;
        }
        case HX_TX_DOT:
            if (!want(ps, i, TK_DOT, "'.'"))
                return false;
            i++;
            break;
        case HX_TX_BIND:
            if (!local_bind(ps, i++, &x))
                return false;
            hx_stmt_set(&tmp, e->field, x);
            break;
        case HX_TX_LOCAL: case HX_TX_LOCAL_OR_NULL:
            if (!local_ref(ps, i, e->tx == HX_TX_LOCAL_OR_NULL, el_what(e), &x))
                return false;
            i++;
            hx_stmt_set(&tmp, e->field, x);
            break;
        case HX_TX_HANDLE_BIND:
            if (!handle_bind(ps, i++, &tmp.handle))
                return false;
            break;
        case HX_TX_HANDLE:
            if (!handle_ref(ps, i++, &tmp.handle))
                return false;
            break;
        case HX_TX_HKIND: {
            int kind = -1;
            for (int h = 0; h < HX_HANDLE_KIND_COUNT; h++)
                if (tk_is(&ps->tk[i], hx_handle_kind_name((hx_handle_kind)h)))
                    kind = h;
            if (kind < 0)
                return expected(ps, &ps->tk[i], "a handle kind (strong, pinned, weak, weak_long)");
            tmp.hkind = (hx_handle_kind)kind;
            i++;
            break;
        }
        case HX_TX_SLOT:
            slot_tok = i;
            after = "slot";
            if (tk_is(&ps->tk[i], "i")) {       /* .prog.loop: i or i+K */
                if (!ps->depth)
                    return perr(ps, ps->tk[i].col, "slot 'i' outside a repeat block");
                tmp.islot = true;
                i++;
                if (ps->tk[i].kind == TK_PLUS) {
                    if (!want(ps, i + 1, TK_NUM, "a slot offset after 'i+'"))
                        return false;
                    tmp.slot = ps->tk[i + 1].num;
                    i += 2;
                }
                break;
            }
            if (!want(ps, i, TK_NUM, el_what(e)))
                return false;
            tmp.slot = ps->tk[i].num;
            i++;
            break;
        case HX_TX_STATIC:
            if (!static_slot(ps, i++, &tmp.stat))
                return false;
            after = "static slot";
            break;
        case HX_TX_THREAD:
            if (!want(ps, i, TK_NUM, el_what(e)))
                return false;
            if (ps->tk[i].num >= HX_THREADS)
                return perr(ps, ps->tk[i].col, "thread %llu out of range 0..%d",
                            (unsigned long long)ps->tk[i].num, HX_THREADS - 1);
            tmp.thread = (uint32_t)ps->tk[i++].num;
            break;
        case HX_TX_GEN:
            if (!generation(ps, i++, &tmp.gen))
                return false;
            break;
        case HX_TX_COUNT:
            if (!want(ps, i, TK_NUM, el_what(e)))
                return false;
            tmp.count = ps->tk[i++].num;
            break;
        case HX_TX_TYPE:
            if (!parse_type_ref(ps, &i, kw, &tmp))
                return false;
            break;
        case HX_TX_COLLECT:
            if (!parse_collect_args(ps, &i, &tmp))
                return false;
            break;
        case HX_TX_END:
        default:
            break;
        }
    }
    if (!want_eol(ps, i) || (slot_tok && !slot_check(ps, &tmp, slot_tok)))
        return false;
    if (hx_stmt_closes(k) && !ps->depth)
        return perr(ps, ps->tk[0].col, "'}' without a repeat block to close");
    if (hx_stmt_opens(k) && ps->depth == HX_LOOP_DEPTH_MAX)
        return perr(ps, ps->tk[0].col, "repeat blocks nested deeper than %d",
                    HX_LOOP_DEPTH_MAX);
    hx_stmt *s = emit(ps, k);
    if (!s)
        return false;
    hx_pos pos = s->pos;
    *s = tmp;
    s->pos = pos;
    hx_stmt_static_type(s, ps->ls);
    if (hx_stmt_opens(k)) {
        ps->loop_count[ps->depth] = s->count;
        ps->loop_pos[ps->depth++] = s->pos;
    } else if (hx_stmt_closes(k)) {
        ps->depth--;
    }
    return true;
}

/* The row an assignment line (NAME = ... or NAME.N = ...) is: a keyword
   after `=` chooses its row when more tokens follow; otherwise the shape
   of the rest does (`y = x.N` or `y = x`).  .text.names */
static bool parse_assignment(parser *ps)
{
    hx_tx op = ps->tk[1].kind == TK_EQ ? HX_TX_EQ : HX_TX_DOT;
    token *r = &ps->tk[2];
    bool more = ps->tk[3].kind != TK_EOL;
    int keyword = -1, plain = -1, dotted = -1;
    char words[128] = "";
    for (unsigned k = 0; k < HX_ST_KIND_COUNT; k++) {
        const hx_text_el *t = hx_stmt_table[k].text;
        if (t[0].tx == HX_TX_WORD || t[0].tx == HX_TX_END || t[1].tx != op)
            continue;
        if (op == HX_TX_DOT || t[2].tx == HX_TX_END) {
            plain = plain < 0 ? (int)k : plain;
        } else if (t[2].tx == HX_TX_WORD) {
            size_t n = strlen(words);
            snprintf(words + n, sizeof words - n, "%s%s", n ? ", " : "", t[2].word);
            if (keyword < 0 && more && tk_is(r, t[2].word))
                keyword = (int)k;
        } else if (t[3].tx == HX_TX_DOT) {
            dotted = dotted < 0 ? (int)k : dotted;
        } else if (t[3].tx == HX_TX_END) {
            plain = plain < 0 ? (int)k : plain;
        }
    }
    if (keyword >= 0)
        return parse_row(ps, (hx_stmt_kind)keyword);
    if (op == HX_TX_EQ && (r->kind != TK_NAME || tk_is(r, "null"))) {
        if (tk_is(&ps->tk[0], "null"))
            return perr(ps, ps->tk[0].col, "'null' cannot name a local");
        char what[160];
        snprintf(what, sizeof what, "%s or a local after '='", words);
        return expected(ps, r, what);
    }
    if (op == HX_TX_EQ && dotted >= 0 && ps->tk[3].kind == TK_DOT)
        return parse_row(ps, (hx_stmt_kind)dotted);
    if (plain < 0)
        return expected(ps, &ps->tk[0], "a statement");
    return parse_row(ps, (hx_stmt_kind)plain);
}

/* A line that starts with a keyword: the rows whose text starts with it;
   when several do (`expect ...`), the second keyword chooses. */
static bool parse_keyword(parser *ps)
{
    token *t0 = &ps->tk[0];
    bool group = false, expect = false;
    char words[256] = "";
    for (unsigned k = 0; k < HX_ST_KIND_COUNT; k++) {
        const hx_text_el *t = hx_stmt_table[k].text;
        if (t[0].tx != HX_TX_WORD || !tk_is(t0, t[0].word))
            continue;
        if (t[1].tx != HX_TX_WORD)
            return parse_row(ps, (hx_stmt_kind)k);
        if (tk_is(&ps->tk[1], t[1].word))
            return parse_row(ps, (hx_stmt_kind)k);
        group = true;
        expect = (hx_stmt_table[k].flags & HX_SF_EXPECT) != 0;
        size_t n = strlen(words);
        snprintf(words + n, sizeof words - n, "%s%s", n ? ", " : "", t[1].word);
    }
    if (!group)
        return expected(ps, t0, "a statement");
    char what[320];
    snprintf(what, sizeof what, "%s (%s) after '%.*s'", expect ? "an expectation" : "a keyword",
             words, (int)t0->len, t0->s);
    return expected(ps, &ps->tk[1], what);
}

/* ==== Driver ========================================================== */

static bool parse_statement(parser *ps)
{
    token *t0 = &ps->tk[0];
    if (t0->kind == TK_NAME && (ps->tk[1].kind == TK_EQ || ps->tk[1].kind == TK_DOT))
        return close_header(ps) && parse_assignment(ps);
    if (t0->kind != TK_NAME && t0->kind != TK_BRACE)
        return expected(ps, t0, "a statement");
    if (tk_is(t0, "heap") || tk_is(t0, "type")) {
        if (!ps->header_open)
            return perr(ps, t0->col, "'%.*s' must come before the first statement",
                        (int)t0->len, t0->s);
        return tk_is(t0, "heap") ? parse_heap(ps) : parse_type(ps);
    }
    return close_header(ps) && parse_keyword(ps);
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
    if (ok && ps.depth) {
        d->file = ps.file;
        d->pos = ps.loop_pos[ps.depth - 1];
        snprintf(d->msg, sizeof d->msg, "repeat block without its closing '}'");
        ok = false;
    }
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
    size_t cap = 0, n = 0;
    char *b = NULL;
    int err = 0;
    for (;;) {
        /* room for one more byte and the terminating NUL */
        if (!HX_RESERVE(b, cap, n + 2, 4097)) {
            err = ENOMEM;
            break;
        }
        size_t r = fread(b + n, 1, cap - 1 - n, f);
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

/* One element of a statement's text (empty when it prints nothing). */
static void el_format(const hx_program *p, const hx_stmt *s, const hx_text_el *e, char *b,
                      size_t n)
{
    uint64_t v = hx_stmt_get(s, e->field);
    switch (e->tx) {
    case HX_TX_WORD: snprintf(b, n, "%s", e->word); break;
    case HX_TX_EQ: snprintf(b, n, "="); break;
    case HX_TX_DOT: snprintf(b, n, "."); break;
    case HX_TX_BIND: case HX_TX_LOCAL: case HX_TX_LOCAL_OR_NULL:
        snprintf(b, n, "%s", lname(p, (uint32_t)v));
        break;
    case HX_TX_HANDLE_BIND: case HX_TX_HANDLE: snprintf(b, n, "%s", hname(p, s->handle)); break;
    case HX_TX_HKIND: snprintf(b, n, "%s", hx_handle_kind_name(s->hkind)); break;
    case HX_TX_STATIC: snprintf(b, n, "s%u", (unsigned)s->stat); break;
    case HX_TX_GEN: snprintf(b, n, "%d", s->gen); break;
    case HX_TX_SLOT:
        if (s->islot && s->slot)
            snprintf(b, n, "i+%llu", (unsigned long long)v);
        else if (s->islot)
            snprintf(b, n, "i");
        else
            snprintf(b, n, "%llu", (unsigned long long)v);
        break;
    case HX_TX_THREAD: case HX_TX_COUNT:
        snprintf(b, n, "%llu", (unsigned long long)v);
        break;
    case HX_TX_TYPE: {
        const hx_type *t = s->type < p->ntypes ? &p->types[s->type] : NULL;
        if (t && hx_type_is_array(t))
            snprintf(b, n, "%s[%llu]", t->name, (unsigned long long)s->length);
        else
            snprintf(b, n, "%s", t ? t->name : "?");
        break;
    }
    case HX_TX_COLLECT:     /* `collect` alone is a plain gen2 collection */
        if (s->gen == 2 && !s->compact_loh)
            b[0] = 0;
        else
            snprintf(b, n, "%d%s", s->gen, s->compact_loh ? " compact_loh" : "");
        break;
    case HX_TX_END:
    default:
        b[0] = 0;
        break;
    }
}

/* The canonical text of a statement: its elements separated by single
   spaces, `.` written without spaces (.text.canonical). */
void hx_stmt_format(const hx_program *p, const hx_stmt *s, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = 0;
    if ((unsigned)s->kind >= HX_ST_KIND_COUNT) {
        snprintf(buf, len, "# unknown statement kind %d", (int)s->kind);
        return;
    }
    size_t at = 0;
    bool glue = true;
    for (const hx_text_el *e = hx_stmt_table[s->kind].text; e->tx != HX_TX_END; e++) {
        char piece[HX_NAME_MAX * 2 + 32];
        el_format(p, s, e, piece, sizeof piece);
        if (!piece[0])
            continue;
        bool dot = e->tx == HX_TX_DOT;
        int w = snprintf(buf + at, len - at, "%s%s", glue || dot ? "" : " ", piece);
        if (w < 0 || (size_t)w >= len - at)
            return;         /* truncated, still terminated */
        at += (size_t)w;
        glue = dot;
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
    unsigned depth = 0;     /* a block's body is indented by 2 (.prog.loop) */
    for (size_t i = 0; i < p->nstmts; i++) {
        const hx_stmt *s = &p->stmts[i];
        if (hx_stmt_closes(s->kind) && depth)
            depth--;
        hx_stmt_format(p, s, line, sizeof line);
        fprintf(out, "%*s%s\n", (int)(2 * depth), "", line);
        if (hx_stmt_opens(s->kind))
            depth++;
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
