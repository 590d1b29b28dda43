/* gen.c -- random valid programs by decoding random bytes (.gen.decode).
 * Validity comes from the decoder's fuzz mode (.codec.valid); cutting the
 * program to its first ops statements keeps it, since every statement's
 * operands depend only on the statements before it. */
#include "gen.h"
#include "codec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t hx_gen_next(uint64_t *state)
{
    return hx_rng_next(state);
}

/* .gen.wide-old: a third of the programs of WIDE_MIN_OPS statements or more
 * start with a wide old reference array whose slots at and around card
 * boundaries hold the only references to young objects, then a gen-0
 * collection: the card scan must visit the first and the last slot of
 * every set card, also inside an object that starts in an earlier card.
 * The runtime's card covers WIDE_CARD bytes (.policy.card), WIDE_CARD / 8
 * slots; the array's address decides which slot indices are the first and
 * last of a card, so the block stores at WIDE_STORES slot indices
 * r, r + 1, ... (mod the slots of a card) from a random r, each in a card of
 * its own (two cards apart, so each set card is a run of one).  The
 * program's last statements make room: a prefix of a generated program is
 * one.  Not drawn when a `new` may give null (a hard limit or an injected
 * fault, .codec.oom).  The block's locals are new names. */
#define WIDE_MIN_OPS 60u
#define WIDE_CARD 256u
#define WIDE_STORES 8u
#define WIDE_STMTS (7u + 2u * WIDE_STORES)

static uint32_t wide_type(hx_program *p, const char *name, hx_type_kind kind)
{
    uint32_t t = hx_program_find_type(p, name);
    if (t != HX_NONE && p->types[t].kind == kind && p->types[t].fin == HX_FIN_NONE &&
        (kind != HX_TYPE_FIXED || p->types[t].size <= 32))
        return t;
    char nm[HX_NAME_MAX + 1];
    for (unsigned i = 0;; i++) {
        snprintf(nm, sizeof nm, "%sW%u", name, i);
        if (hx_program_find_type(p, nm) == HX_NONE)
            break;
    }
    hx_type ty;
    memset(&ty, 0, sizeof ty);
    ty.name = nm;
    ty.kind = kind;
    ty.size = kind == HX_TYPE_FIXED ? HX_MIN_OBJECT : 0;
    return hx_program_add_type(p, &ty);
}

static uint32_t wide_local(hx_program *p, const char *base)
{
    char nm[HX_NAME_MAX + 1];
    for (unsigned i = 0;; i++) {
        snprintf(nm, sizeof nm, "%s%u", base, i);
        if (hx_program_find_local(p, nm) == HX_NONE && hx_program_find_handle(p, nm) == HX_NONE)
            return hx_program_add_local(p, nm);
    }
}

static bool hx_gen_wide_old(uint64_t seed, hx_program *p)
{
    uint64_t st = seed ^ 0x776964652d6f6c64ULL;     /* its own stream */
    uint64_t r = hx_gen_next(&st);
    const hx_heap_config *h = &p->heap;
    size_t n = p->nstmts;
    /* a program with blocks keeps its statements: cutting its tail could
       cut a block (.prog.loop) */
    if (r % 3 != 0 || n < WIDE_MIN_OPS || h->value[HX_KEY_HARD_LIMIT] != 0 ||
        h->fail_reserve != 0 || h->fail_commit != 0 || hx_program_has_loops(p))
        return true;
    const uint64_t per_card = WIDE_CARD / 8u, stride = 2u * per_card + 1u;
    uint64_t r0 = (r >> 8) % per_card;
    uint64_t len = r0 + (WIDE_STORES - 1u) * stride + 1u + (r >> 16) % per_card;
    int age = (r >> 24) % 2 ? 2 : 1;                 /* the array's generation */
    uint32_t refs = wide_type(p, "Refs", HX_TYPE_REF_ARRAY);
    uint32_t leaf = wide_type(p, "Leaf", HX_TYPE_FIXED);
    uint32_t w = wide_local(p, "wide"), y = wide_local(p, "young");
    if (refs == HX_NONE || leaf == HX_NONE || w == HX_NONE || y == HX_NONE)
        return false;
    int depth = 0;                                  /* the kept prefix closes */
    for (size_t i = 0; i < n - WIDE_STMTS; i++)     /* every `repeat` block */
        depth += hx_stmt_opens(p->stmts[i].kind) ? 1 : hx_stmt_closes(p->stmts[i].kind) ? -1 : 0;
    if (depth != 0)
        return true;
    hx_program_remove(p, n - WIDE_STMTS, WIDE_STMTS);
    n = p->nstmts;
    hx_stmt *s;
#define WIDE_ADD(k) if (!(s = hx_program_append(p, (k)))) return false
    WIDE_ADD(HX_ST_NEW);
    s->dst = w, s->type = refs, s->length = len;
    for (int g = 0; g < 2; g++) {                    /* gen 1 (collect 0) or 2 */
        WIDE_ADD(HX_ST_COLLECT);
        s->gen = g == 0 ? 0 : age - 1;
    }
    for (uint64_t j = 0; j < WIDE_STORES; j++) {
        WIDE_ADD(HX_ST_NEW);
        s->dst = y, s->type = leaf;
        WIDE_ADD(HX_ST_STORE);
        s->obj = w, s->slot = r0 + j * stride, s->src = y;
    }
    WIDE_ADD(HX_ST_DROP);
    s->obj = y;
    WIDE_ADD(HX_ST_COLLECT);
    s->gen = 0;
    WIDE_ADD(HX_ST_LOAD);
    s->dst = y, s->obj = w, s->slot = r0;
    WIDE_ADD(HX_ST_LOAD);
    s->dst = y, s->obj = w, s->slot = r0 + (WIDE_STORES - 1u) * stride;
#undef WIDE_ADD
    /* the block goes first */
    size_t b = p->nstmts - n;                       /* WIDE_STMTS */
    hx_stmt *tmp = malloc(b * sizeof *tmp);
    if (!tmp)
        return false;
    memcpy(tmp, p->stmts + n, b * sizeof *tmp);
    memmove(p->stmts + b, p->stmts, n * sizeof *tmp);
    memcpy(p->stmts, tmp, b * sizeof *tmp);
    free(tmp);
    return true;
}

bool hx_gen(uint64_t seed, size_t ops, hx_program *out)
{
    hx_program_init(out);
    /* about 3 bytes per statement; grow the stream until it is enough */
    size_t len = 64 + ops * 4;
    for (;;) {
        uint8_t *bytes = malloc(len);
        if (!bytes)
            return false;
        uint64_t st = seed;
        for (size_t i = 0; i < len; i += 8) {
            uint64_t r = hx_gen_next(&st);
            for (size_t k = 0; k < 8 && i + k < len; k++)
                bytes[i + k] = (uint8_t)(r >> (8 * k));
        }
        bytes[1] = (uint8_t)(bytes[1] & 0x7f);   /* flags: always fuzz mode */
        hx_program_free(out);
        hx_decode_opts o = { ops, NULL };   /* the statement bound is ops */
        bool ok = hx_decode_opt(bytes, len, &o, out);
        free(bytes);
        if (!ok)
            return false;
        if (out->nstmts >= ops || len > (size_t)1 << 30)
            break;
        len *= 2;
    }
    if (out->nstmts > ops)
        hx_program_remove(out, ops, out->nstmts - ops);
    if (!hx_gen_wide_old(seed, out))
        return false;
    hx_program_compact_tables(out);
    hx_program_renumber(out);
    return true;
}

/* ==== Programs that reach scale (.gen.scale) =========================== */

#include "text.h"

#include <stdio.h>
#include <string.h>

/* The shape's statements, as text (types first, then statements); names
   start with Sc / sc_, which no decoded program uses. */
static int scale_shape(uint64_t seed, unsigned shape, char *types, size_t tn, char *body,
                       size_t bn)
{
    uint64_t st = seed ^ 0x5ca1e5ca1eULL;
    uint64_t r = hx_gen_next(&st);
    switch (shape) {
    case HX_GEN_SCALE_CHAIN: {          /* >= 2^20 nodes in one chain */
        uint64_t depth = ((uint64_t)1 << 20) + r % 65536;
        snprintf(types, tn, "type ScNode size=32 refs=2\n");
        return snprintf(body, bn,
                        "sc_h = new ScNode\nrepeat %llu {\n  sc_n = new ScNode\n  sc_n.%u = sc_h\n"
                        "  sc_h = sc_n\n}\ndrop sc_n\ncollect\nrepeat %u {\n  collect 0\n}\n%s"
                        "collect\n",
                        (unsigned long long)depth, (unsigned)(r >> 20) % 2,
                        1 + (unsigned)(r >> 24) % 4, (r >> 30) % 2 ? "drop sc_h\n" : "");
    }
    case HX_GEN_SCALE_WIDE: {           /* an old array referring to young objects */
        uint64_t w = ((uint64_t)1 << 18) + r % ((uint64_t)3 << 18);
        snprintf(types, tn, "type ScLeaf size=24\ntype ScRefs array elem=ref\n");
        return snprintf(body, bn,
                        "sc_a = new ScRefs[%llu]\ncollect\nrepeat %llu {\n  sc_x = new ScLeaf\n"
                        "  sc_a.i = sc_x\n}\ncollect 0\nrepeat %llu {\n  sc_a.i = null\n}\ncollect\n",
                        (unsigned long long)w, (unsigned long long)w,
                        (unsigned long long)(w / 2));
    }
    case HX_GEN_SCALE_SEGMENTS: {       /* large objects over many segments */
        unsigned n = 256 + (unsigned)(r % 768);
        snprintf(types, tn, "type ScBlob array elem=1\ntype ScRefs array elem=ref\n");
        return snprintf(body, bn,
                        "sc_keep = new ScRefs[%u]\nrepeat %u {\n  sc_b = new ScBlob[%u]\n"
                        "  sc_keep.i = sc_b\n  sc_t = new ScBlob[%u]\n}\ncollect\n"
                        "repeat %u {\n  sc_keep.i = null\n}\ncollect 2 compact_loh\ncollect\n",
                        n, n, 85000 + (unsigned)(r >> 16) % 200000, 1000 + (unsigned)(r >> 8) % 60000,
                        n / 2);
    }
    case HX_GEN_SCALE_FRAGMENT: {       /* gen2 and LOH holes between survivors */
        unsigned big = 16 + (unsigned)(r % 48);
        unsigned small = 1u << (18 + (unsigned)(r >> 8) % 2);
        snprintf(types, tn, "type ScLeaf size=24\ntype ScBlob array elem=1\n"
                            "type ScRefs array elem=ref\n");
        return snprintf(body, bn,
                        "sc_s = new ScRefs[%u]\nsc_l = new ScRefs[%u]\nrepeat %u {\n"
                        "  sc_b = new ScBlob[%u]\n  sc_l.i = sc_b\n  repeat %u {\n"
                        "    sc_x = new ScLeaf\n  }\n}\nrepeat %u {\n  sc_x = new ScLeaf\n"
                        "  sc_s.i = sc_x\n}\ncollect\ncollect\nrepeat %u {\n  sc_l.i = null\n}\n"
                        "repeat %u {\n  sc_s.i = null\n}\ncollect 2 compact_loh\ncollect\n",
                        small, big, big, 90000 + (unsigned)(r >> 12) % 100000, small / big, small,
                        big / 2, small / 2);
    }
    default: {                          /* a long run of collections */
        unsigned live = 1u << (14 + (unsigned)(r % 3));
        snprintf(types, tn, "type ScNode size=32 refs=2\n");
        return snprintf(body, bn,
                        "sc_h = new ScNode\nrepeat %u {\n  sc_n = new ScNode\n  sc_n.0 = sc_h\n"
                        "  sc_h = sc_n\n}\nrepeat %u {\n  collect %u\n  sc_n = new ScNode\n"
                        "  sc_n.1 = sc_h\n  sc_h = sc_n\n}\ncollect\n",
                        live, 500 + (unsigned)(r >> 8) % 500, (unsigned)(r >> 20) % 2);
    }
    }
}

bool hx_gen_scale(uint64_t seed, size_t ops, hx_program *out)
{
    hx_program base;
    if (!hx_gen(seed, ops, &base))
        return false;
    /* the shape must not run out of memory (every `new` of it is used) */
    base.heap.value[HX_KEY_HARD_LIMIT] = 0;
    base.heap.fail_reserve = base.heap.fail_commit = 0;
    size_t n = 0;
    char *text = hx_print_string(&base, &n);
    hx_program_free(&base);
    if (!text)
        return false;
    char types[256], body[1024];
    scale_shape(seed, (unsigned)(seed % HX_GEN_SCALE_SHAPES), types, sizeof types, body,
                sizeof body);
    /* the base's header, the shape's types, the base's statements, the
       shape's statements */
    size_t cap = n + strlen(types) + strlen(body) + 1;
    char *all = malloc(cap);
    if (!all) {
        free(text);
        return false;
    }
    char *stmts = text;
    /* header lines: `heap` and `type` lines come first in printed text */
    while (strncmp(stmts, "heap ", 5) == 0 || strncmp(stmts, "type ", 5) == 0) {
        char *nl = strchr(stmts, '\n');
        if (!nl)
            break;
        stmts = nl + 1;
    }
    size_t hn = (size_t)(stmts - text);
    memcpy(all, text, hn);
    snprintf(all + hn, cap - hn, "%s%s%s", types, stmts, body);
    free(text);
    hx_diag d;
    bool ok = hx_parse(all, strlen(all), "<gen-scale>", out, &d);
    free(all);
    if (ok)
        hx_program_renumber(out);
    return ok;
}
