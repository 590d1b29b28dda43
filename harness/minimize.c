/* minimize.c -- delta debugging and operand simplification (.min.phases). */
#include "minimize.h"

#include <stdlib.h>
#include <string.h>

typedef struct minimizer {
    hx_min_pred pred;
    void *ctx;
    const hx_min_opts *opts;
    size_t max_tests;
    hx_min_stats st;
    hx_program cur;         /* the smallest failing program so far */
    bool nomem;
} minimizer;

const char *hx_min_status_name(hx_min_status s)
{
    switch (s) {
    case HX_MIN_OK: return "ok";
    case HX_MIN_NOT_FAILING: return "not-failing";
    case HX_MIN_FLAKY: return "flaky";
    case HX_MIN_NOMEM: return "out-of-memory";
    }
    return "?";
}

static void progress(minimizer *m, const char *phase)
{
    m->st.stmts_after = m->cur.nstmts;
    if (m->opts && m->opts->progress)
        m->opts->progress(phase, &m->st, m->opts->progress_ctx);
}

static bool budget_left(const minimizer *m)
{
    return m->st.tests < m->max_tests && !m->nomem;
}

/* Test cand; on success it replaces cur (cand is consumed either way). */
static bool try_candidate(minimizer *m, hx_program *cand, const char *phase)
{
    bool keep = false;
    if (budget_left(m) && hx_program_check(cand, NULL)) {
        m->st.tests++;
        keep = m->pred(cand, m->ctx);
    }
    if (keep) {
        hx_program_free(&m->cur);
        m->cur = *cand;             /* take ownership */
        m->st.accepted++;
        progress(m, phase);
    } else {
        hx_program_free(cand);
    }
    return keep;
}

/* ==== Phase 1: ddmin over statements ================================== */

static void ddmin(minimizer *m)
{
    size_t n = 2;
    while (m->cur.nstmts >= 1 && budget_left(m)) {
        size_t len = m->cur.nstmts;
        if (n > len)
            n = len;
        size_t chunk = (len + n - 1) / n;
        bool reduced = false;
        for (size_t start = 0; start < m->cur.nstmts && budget_left(m);) {
            hx_program cand;
            if (!hx_program_copy(&cand, &m->cur)) {
                m->nomem = true;
                return;
            }
            hx_program_remove(&cand, start, chunk);
            if (try_candidate(m, &cand, "ddmin"))
                reduced = true;     /* same start now holds the next chunk */
            else
                start += chunk;
        }
        if (reduced) {
            if (n > 2)
                n--;
            continue;
        }
        if (n >= m->cur.nstmts)
            break;
        n *= 2;
    }
}

/* ==== Phase 2: operand simplification ================================= */

typedef bool (*edit_fn)(hx_program *p, size_t i, unsigned variant);

/* Apply edit(i, variant) to a copy and keep it if it still fails. */
static bool try_edit(minimizer *m, edit_fn edit, size_t i, unsigned variant)
{
    hx_program cand;
    if (!hx_program_copy(&cand, &m->cur)) {
        m->nomem = true;
        return false;
    }
    if (!edit(&cand, i, variant)) {
        hx_program_free(&cand);
        return false;
    }
    return try_candidate(m, &cand, "simplify");
}

/* A number of statement i (f: an array's length, a block's count): try
   lo, then bisect for the smallest value that still fails (assuming
   failure is monotonic in the size, which boundary bugs such as the LOH
   threshold and scale bugs are); ~log2(value) predicate calls. */
static bool try_number(minimizer *m, size_t i, hx_field f, uint64_t v)
{
    hx_program cand;
    if (!hx_program_copy(&cand, &m->cur)) {
        m->nomem = true;
        return false;
    }
    hx_stmt_set(&cand.stmts[i], f, v);
    return try_candidate(m, &cand, "simplify");
}

static bool shrink_number(minimizer *m, size_t i, hx_field f, uint64_t lo)
{
    if (try_number(m, i, f, lo))
        return true;
    uint64_t hi = hx_stmt_get(&m->cur.stmts[i], f);     /* lo passes, hi fails */
    bool changed = false;
    while (hi - lo > 1 && budget_left(m)) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (try_number(m, i, f, mid)) {
            hi = mid;
            changed = true;
        } else {
            lo = mid;
        }
    }
    return changed;
}

/* Array lengths, from 0. */
static bool shrink_length(minimizer *m, size_t i)
{
    if (m->cur.stmts[i].length == 0)    /* only an array allocation has a length */
        return false;
    return shrink_number(m, i, HX_FIELD_length, 0);
}

/* Operand simplification v of statement i (.min.phases): its operands
   in table order (stmts.def), each offering the edits of its element: a
   value operand becomes null, a static slot s0, a thread 0, a collection
   loses compact_loh and then becomes a plain gen2 one.  Expectations keep
   their operands: they state what a run must show. */
static bool edit_stmt(hx_program *p, size_t i, unsigned v)
{
    hx_stmt *s = &p->stmts[i];
    if ((unsigned)s->kind >= HX_ST_KIND_COUNT || hx_stmt_is_expect(s->kind))
        return false;
    for (const hx_text_el *e = hx_stmt_table[s->kind].text; e->tx != HX_TX_END; e++) {
        switch (e->tx) {
        case HX_TX_LOCAL_OR_NULL:
            if (v-- == 0) {
                if (hx_stmt_get(s, e->field) == HX_NULL) return false;
                hx_stmt_set(s, e->field, HX_NULL);
                return true;
            }
            break;
        case HX_TX_STATIC:
            if (v-- == 0) {
                if (s->stat == 0) return false;
                s->stat = 0;
                return true;
            }
            break;
        case HX_TX_THREAD:
            if (v-- == 0) {
                if (s->thread == 0) return false;
                s->thread = 0;
                return true;
            }
            break;
        case HX_TX_COLLECT:
            if (v == 0) {
                if (!s->compact_loh) return false;
                s->compact_loh = false;
                return true;
            }
            if (v == 1) {
                if (s->gen == 2) return false;
                s->gen = 2;
                return true;
            }
            v -= 2;
            break;
        default:
            break;
        }
    }
    return false;
}

static bool edit_type(hx_program *p, size_t i, unsigned v)
{
    if (i >= p->ntypes)
        return false;
    hx_type *t = &p->types[i];
    if (t->kind != HX_TYPE_FIXED)
        return false;
    uint64_t min = HX_OBJ_BASE + 8 * (uint64_t)t->nrefs;
    if (min < HX_MIN_OBJECT)
        min = HX_MIN_OBJECT;
    switch (v) {
    case 0:
        if (t->size == min) return false;
        t->size = min;
        return true;
    case 1:
        if (!t->critical) return false;
        t->critical = false;
        return true;
    case 2:
        if (t->fin == HX_FIN_NONE || t->fin == HX_FIN_COUNT) return false;
        t->fin = HX_FIN_COUNT;
        t->fin_static = t->fin_alloc = 0;
        return true;
    case 3:
        if (t->fin == HX_FIN_NONE) return false;
        t->fin = HX_FIN_NONE;
        t->critical = false;
        t->fin_static = t->fin_alloc = 0;
        return true;
    default:
        return false;
    }
}

static bool edit_heap(hx_program *p, size_t k, unsigned v)
{
    if (v != 0)
        return false;
    if (k == HX_KEY_COUNT) {
        if (p->heap.profile == HX_PROFILE_STRICT) return false;
        p->heap.profile = HX_PROFILE_STRICT;
        return true;
    }
    if (k > HX_KEY_COUNT) {             /* fault injection keys: off */
        uint64_t *f = k == HX_KEY_COUNT + 1 ? &p->heap.fail_reserve : &p->heap.fail_commit;
        if (*f == 0)
            return false;
        *f = 0;
        return true;
    }
    uint64_t d = hx_heap_default_value((hx_heap_key)k);
    if (p->heap.value[k] == d)
        return false;
    p->heap.value[k] = d;
    return true;
}

/* ==== Blocks (.prog.loop) ============================================== */

/* Variant 0: remove block i whole; 1: unwrap it (hx_program_unwrap_block:
   its body runs once, a slot `i+K` of its own statements becomes K). */
static bool edit_block(hx_program *p, size_t i, unsigned v)
{
    if (v == 1)
        return hx_program_unwrap_block(p, i);
    if (i >= p->nstmts || !hx_stmt_opens(p->stmts[i].kind))
        return false;
    size_t end = hx_program_block_end(p, i);
    if (end == HX_NONE)
        return false;
    hx_program_remove(p, i, end - i + 1);
    return true;
}

/* A block's count, from 1. */
static bool shrink_count(minimizer *m, size_t i)
{
    if (!hx_stmt_opens(m->cur.stmts[i].kind) || m->cur.stmts[i].count <= 1)
        return false;
    return shrink_number(m, i, HX_FIELD_count, 1);
}

static bool shrink_block(minimizer *m, size_t i)
{
    if (!hx_stmt_opens(m->cur.stmts[i].kind))
        return false;
    return try_edit(m, edit_block, i, 0) || try_edit(m, edit_block, i, 1) ||
           shrink_count(m, i);
}

static void simplify(minimizer *m)
{
    for (bool changed = true; changed && budget_left(m);) {
        changed = false;
        for (size_t i = 0; i < m->cur.nstmts && budget_left(m); i++) {
            if (shrink_block(m, i)) {
                changed = true;
                if (i >= m->cur.nstmts)
                    break;
            }
            changed |= shrink_length(m, i);
            for (unsigned v = 0; v < 2; v++)
                changed |= try_edit(m, edit_stmt, i, v);
        }
        for (size_t i = 0; i < m->cur.ntypes && budget_left(m); i++)
            for (unsigned v = 0; v < 4; v++)
                changed |= try_edit(m, edit_type, i, v);
        for (size_t k = 0; k <= HX_KEY_COUNT + 2 && budget_left(m); k++)
            changed |= try_edit(m, edit_heap, k, 0);
    }
}

/* ==== Driver =========================================================== */

hx_min_status hx_minimize(const hx_program *in, hx_min_pred pred, void *ctx,
                          const hx_min_opts *opts, hx_program *out, hx_min_stats *stats)
{
    minimizer m;
    memset(&m, 0, sizeof m);
    m.pred = pred;
    m.ctx = ctx;
    m.opts = opts;
    m.max_tests = opts && opts->max_tests ? opts->max_tests : 100000;
    unsigned rechecks = opts && opts->rechecks ? opts->rechecks : 3;
    m.st.stmts_before = in->nstmts;
    hx_program_init(out);
    if (!hx_program_copy(&m.cur, in))
        return HX_MIN_NOMEM;
    m.st.tests++;
    if (!pred(&m.cur, ctx)) {
        m.st.stmts_after = in->nstmts;
        if (stats)
            *stats = m.st;
        *out = m.cur;
        return HX_MIN_NOT_FAILING;
    }
    /* blocks first: a smaller count makes every later test cheaper */
    for (size_t i = 0; i < m.cur.nstmts && budget_left(&m); i++)
        shrink_count(&m, i);
    ddmin(&m);
    progress(&m, "ddmin done");
    simplify(&m);
    progress(&m, "simplify done");
    /* phase 3: drop unused table entries */
    hx_program cand;
    if (!m.nomem && hx_program_copy(&cand, &m.cur)) {
        hx_program_compact_tables(&cand);
        if (!hx_program_equal(&cand, &m.cur))
            try_candidate(&m, &cand, "tables");
        else
            hx_program_free(&cand);
    }
    if (m.nomem) {
        hx_program_free(&m.cur);
        return HX_MIN_NOMEM;
    }
    /* phase 4: re-check */
    hx_min_status status = HX_MIN_OK;
    for (unsigned r = 0; r < rechecks; r++) {
        m.st.tests++;
        if (!pred(&m.cur, ctx)) {
            status = HX_MIN_FLAKY;
            break;
        }
    }
    hx_program_renumber(&m.cur);
    if (status == HX_MIN_FLAKY) {
        hx_program_free(&m.cur);
        if (!hx_program_copy(&m.cur, in))
            return HX_MIN_NOMEM;
    }
    m.st.stmts_after = m.cur.nstmts;
    progress(&m, "done");
    if (stats)
        *stats = m.st;
    *out = m.cur;
    return status;
}
