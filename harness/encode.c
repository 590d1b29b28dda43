/* encode.c -- program -> bytes (exact mode of the binary format).
 *
 * .codec.exact: the encoder replays the decoder's state walk
 * (.codec.state) and, for every operand, writes the byte the decoder maps
 * back to it: a candidate position when the operand is among the preferred
 * candidates, else the escape byte HX_CODEC_ESC and the exact index.  Types are explicit,
 * every local and handle is pre-declared in table order with its name, and
 * statements use the direct opcodes 0xE8 + kind.  Nothing written here
 * reaches a repair path of decode.c, so hx_decode gives back the program.
 */
#include "codec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ==== Byte writer ===================================================== */

typedef struct writer {
    uint8_t *b;
    size_t n, cap;
    bool oom;
} writer;

static void wr_u8(writer *w, uint8_t v)
{
    if (w->oom)
        return;
    if (!HX_RESERVE(w->b, w->cap, w->n + 1, 256)) {
        w->oom = true;
        return;
    }
    w->b[w->n++] = v;
}

static void wr_var(writer *w, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        wr_u8(w, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void wr_name(writer *w, const char *s)
{
    size_t n = strlen(s);
    wr_u8(w, (uint8_t)n);
    for (size_t i = 0; i < n; i++)
        wr_u8(w, (uint8_t)s[i]);
}

/* ==== Operands (mirrors of decode.c op_*) ============================== */

#define ESC HX_CODEC_ESC

static void enc_escape(writer *w, uint64_t idx)
{
    wr_u8(w, ESC);
    wr_var(w, idx);
}

static void enc_obj(writer *w, hx_cstate *cs, const hx_program *p, hx_cand c, uint32_t x)
{
    uint32_t j = hx_cstate_rank(cs, p, c == HX_CAND_SLOTTED ? HX_SET_SLOTTED : HX_SET_OBJECT, x);
    if (j < ESC)
        wr_u8(w, (uint8_t)j);
    else
        enc_escape(w, x);
}

static void enc_val(writer *w, hx_cstate *cs, const hx_program *p, uint32_t x)
{
    if (x == HX_NULL) {
        wr_u8(w, 0);
        return;
    }
    uint32_t j = hx_cstate_rank(cs, p, HX_SET_OBJECT, x);
    if (j < ESC - 0x20)
        wr_u8(w, (uint8_t)(0x20 + j));
    else
        enc_escape(w, x);
}

static void enc_handle_use(writer *w, hx_cstate *cs, const hx_program *p, uint32_t h)
{
    uint32_t j = hx_cstate_rank(cs, p, HX_SET_LIVE, h);
    if (j < ESC)
        wr_u8(w, (uint8_t)j);
    else
        enc_escape(w, h);
}

/* ==== Sections ========================================================= */

static void enc_heap(writer *w, const hx_heap_config *h)
{
    for (unsigned k = 0; k < HX_KEY_COUNT; k++) {
        unsigned n = hx_codec_heap_npresets((hx_heap_key)k), sel = n;
        for (unsigned i = 0; i < n && sel == n; i++)
            if (hx_codec_heap_preset((hx_heap_key)k, i) == h->value[k])
                sel = i;
        if (sel < n) {
            wr_u8(w, (uint8_t)sel);
        } else {
            wr_u8(w, 0xFF);
            wr_var(w, h->value[k]);
        }
    }
    wr_u8(w, h->profile == HX_PROFILE_CLR ? 3 : 0);
}

static void enc_type(writer *w, const hx_type *t)
{
    wr_u8(w, (uint8_t)t->kind);
    if (t->kind != HX_TYPE_FIXED)
        return;
    wr_var(w, t->size);
    wr_var(w, t->nrefs);
    wr_u8(w, (uint8_t)t->fin);
    if (t->fin == HX_FIN_RESURRECT || t->fin == HX_FIN_RESURRECT_REREGISTER)
        wr_u8(w, (uint8_t)t->fin_static);
    if (t->fin == HX_FIN_ALLOC)
        wr_var(w, t->fin_alloc);
    if (t->fin != HX_FIN_NONE)
        wr_u8(w, t->critical ? 1 : 0);
}

static void enc_operand(writer *w, hx_cstate *cs, const hx_program *p, const hx_stmt *s,
                        const hx_bin_el *e)
{
    switch (e->bn) {
    case HX_BN_ALLOC:
        enc_escape(w, s->dst);
        if (s->type < 0xFF) {
            wr_u8(w, (uint8_t)s->type);
        } else {
            wr_u8(w, 0xFF);
            wr_var(w, s->type);
        }
        if (hx_type_is_array(&p->types[s->type])) {
            wr_u8(w, 0xFF);
            wr_var(w, s->length);
        }
        break;
    case HX_BN_DST:
    case HX_BN_HANDLE_BIND:
        enc_escape(w, hx_stmt_get(s, e->field));
        break;
    case HX_BN_OBJ:
    case HX_BN_BOUND:       /* exact mode reads a bound operand as an object */
        enc_obj(w, cs, p, HX_CAND_OBJECT, (uint32_t)hx_stmt_get(s, e->field));
        break;
    case HX_BN_SLOTTED:
        enc_obj(w, cs, p, HX_CAND_SLOTTED, s->obj);
        break;
    case HX_BN_VAL:
        enc_val(w, cs, p, (uint32_t)hx_stmt_get(s, e->field));
        break;
    case HX_BN_HANDLE:
        enc_handle_use(w, cs, p, s->handle);
        break;
    case HX_BN_SLOT:
        wr_u8(w, s->islot ? HX_CODEC_SLOT_I : 0xFF);    /* .codec.loop */
        wr_var(w, s->slot);
        break;
    case HX_BN_REPEAT:
        wr_u8(w, 0xFF);
        wr_var(w, s->count);
        break;
    case HX_BN_HKIND:
    case HX_BN_STATIC:
    case HX_BN_THREAD:
    case HX_BN_GEN:
        wr_u8(w, (uint8_t)hx_stmt_get(s, e->field));
        break;
    case HX_BN_COUNT:
        wr_var(w, s->count);
        break;
    case HX_BN_COLLECT:
        wr_u8(w, (uint8_t)(s->gen + (s->compact_loh ? 3 : 0)));
        break;
    case HX_BN_END:
    default:
        break;
    }
}

static void enc_stmt(writer *w, hx_cstate *cs, const hx_program *p, const hx_stmt *s)
{
    unsigned k = (unsigned)s->kind;
    if (k < 0x100u - 0xE8u) {
        wr_u8(w, (uint8_t)(0xE8u + k));
    } else {                            /* .codec.loop: the extension opcode */
        wr_u8(w, HX_CODEC_OP_EXT);
        wr_u8(w, (uint8_t)(k - (0x100u - 0xE8u)));
    }
    for (const hx_bin_el *e = hx_stmt_table[s->kind].bin; e->bn != HX_BN_END; e++)
        enc_operand(w, cs, p, s, e);
}

/* ==== Driver =========================================================== */

bool hx_encode(const hx_program *p, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!hx_program_check(p, NULL) || p->ntypes > HX_CODEC_MAX_TYPES ||
        p->nlocals > HX_CODEC_MAX_PREDECL || p->nhandles > HX_CODEC_MAX_PREDECL)
        return false;
    writer w;
    memset(&w, 0, sizeof w);
    wr_u8(&w, HX_CODEC_VERSION);
    bool fault = p->heap.fail_reserve || p->heap.fail_commit;
    wr_u8(&w, HX_CODEC_EXACT_TAG | HX_CODEC_F_NAMES | HX_CODEC_F_EXPECT | HX_CODEC_F_TYPES |
                  (fault ? HX_CODEC_F_FAULT : 0));
    enc_heap(&w, &p->heap);
    if (fault) {                        /* .heap.fault */
        wr_var(&w, p->heap.fail_reserve);
        wr_var(&w, p->heap.fail_commit);
    }
    wr_var(&w, p->ntypes);
    for (uint32_t i = 0; i < p->ntypes; i++)
        enc_type(&w, &p->types[i]);
    wr_var(&w, p->nlocals);
    wr_var(&w, p->nhandles);
    for (uint32_t i = 0; i < p->ntypes; i++)
        wr_name(&w, p->types[i].name);
    for (uint32_t i = 0; i < p->nlocals; i++)
        wr_name(&w, p->locals[i]);
    for (uint32_t i = 0; i < p->nhandles; i++)
        wr_name(&w, p->handles[i]);
    hx_cstate cs;
    hx_cstate_init(&cs);
    if (!hx_cstate_reserve(&cs, p))
        w.oom = true;
    for (size_t i = 0; i < p->nstmts && !w.oom; i++) {
        enc_stmt(&w, &cs, p, &p->stmts[i]);
        hx_cstate_step(&cs, p, &p->stmts[i]);
    }
    hx_cstate_free(&cs);
    if (w.oom) {
        free(w.b);
        return false;
    }
    *out = w.b;
    *len = w.n;
    return true;
}
