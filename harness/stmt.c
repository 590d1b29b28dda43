/* stmt.c -- the statement table (stmts.def, .prog.table) as data, and the
 * field accessors every walker of operands uses. */
#include "program.h"

#define HX_UNPAREN(...) __VA_ARGS__

/* ---- the fields each row uses, from its text and from its binary form --- */
#define HX_BIT(f) (1u << HX_FIELD_##f)

#define TX_WORD(w)
#define TX_EQ
#define TX_DOT
#define TX_BIND(f)          | HX_BIT(f)
#define TX_LOCAL(f)         | HX_BIT(f)
#define TX_LOCAL_OR_NULL(f) | HX_BIT(f)
#define TX_HANDLE_BIND      | HX_BIT(handle)
#define TX_HANDLE           | HX_BIT(handle)
#define TX_HKIND            | HX_BIT(hkind)
#define TX_SLOT             | HX_BIT(slot) | HX_BIT(islot)
#define TX_STATIC           | HX_BIT(stat)
#define TX_THREAD           | HX_BIT(thread)
#define TX_GEN              | HX_BIT(gen)
#define TX_COUNT(w)         | HX_BIT(count)
#define TX_TYPE             | HX_BIT(type) | HX_BIT(length)
#define TX_COLLECT          | HX_BIT(gen) | HX_BIT(compact_loh)
#define BN_DST              | HX_BIT(dst)
#define BN_OBJ(f)           | HX_BIT(f)
#define BN_SLOTTED          | HX_BIT(obj)
#define BN_BOUND(f)         | HX_BIT(f)
#define BN_VAL(f)           | HX_BIT(f)
#define BN_HANDLE_BIND      | HX_BIT(handle)
#define BN_HANDLE           | HX_BIT(handle)
#define BN_HKIND            | HX_BIT(hkind)
#define BN_SLOT             | HX_BIT(slot) | HX_BIT(islot)
#define BN_STATIC           | HX_BIT(stat)
#define BN_THREAD           | HX_BIT(thread)
#define BN_GEN              | HX_BIT(gen)
#define BN_COUNT            | HX_BIT(count)
#define BN_ALLOC            | HX_BIT(dst) | HX_BIT(type) | HX_BIT(length)
#define BN_COLLECT          | HX_BIT(gen) | HX_BIT(compact_loh)
#define BN_REPEAT           | HX_BIT(count)

enum {
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc) \
    TXF_##ID = 0u HX_UNPAREN text, BNF_##ID = 0u HX_UNPAREN binary,
#include "stmts.def"
#undef HX_STMT
};

/* The text and the binary form of a row carry the same operands. */
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc) \
    _Static_assert(TXF_##ID == BNF_##ID, "stmts.def: " #ID ": text and binary operands differ");
#include "stmts.def"
#undef HX_STMT

/* Expectations have no fuzz weight (fuzz mode decodes none). */
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc)                   \
    _Static_assert(!((flags) & HX_SF_EXPECT) || (weight) == 0,                    \
                   "stmts.def: " #ID ": expectations have no fuzz weight");
#include "stmts.def"
#undef HX_STMT

/* The fuzz weights share the opcode bytes below 0xE8 (.codec.opcodes). */
_Static_assert(0
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc) + (weight)
#include "stmts.def"
#undef HX_STMT
               == 0xE8, "stmts.def: the fuzz weights must sum to 0xE8");
_Static_assert(HX_ST_KIND_COUNT <= 0x100 - 0xE8 + 0x100,
               "stmts.def: too many kinds for the direct and the extension opcodes");

#undef TX_WORD
#undef TX_EQ
#undef TX_DOT
#undef TX_BIND
#undef TX_LOCAL
#undef TX_LOCAL_OR_NULL
#undef TX_HANDLE_BIND
#undef TX_HANDLE
#undef TX_HKIND
#undef TX_SLOT
#undef TX_STATIC
#undef TX_THREAD
#undef TX_GEN
#undef TX_COUNT
#undef TX_TYPE
#undef TX_COLLECT
#undef BN_DST
#undef BN_OBJ
#undef BN_SLOTTED
#undef BN_BOUND
#undef BN_VAL
#undef BN_HANDLE_BIND
#undef BN_HANDLE
#undef BN_HKIND
#undef BN_SLOT
#undef BN_STATIC
#undef BN_THREAD
#undef BN_GEN
#undef BN_COUNT
#undef BN_ALLOC
#undef BN_COLLECT
#undef BN_REPEAT

/* ---- the element arrays ------------------------------------------------ */
#define TX_WORD(w)          { HX_TX_WORD, HX_FIELD_none, w },
#define TX_EQ               { HX_TX_EQ, HX_FIELD_none, NULL },
#define TX_DOT              { HX_TX_DOT, HX_FIELD_none, NULL },
#define TX_BIND(f)          { HX_TX_BIND, HX_FIELD_##f, NULL },
#define TX_LOCAL(f)         { HX_TX_LOCAL, HX_FIELD_##f, NULL },
#define TX_LOCAL_OR_NULL(f) { HX_TX_LOCAL_OR_NULL, HX_FIELD_##f, NULL },
#define TX_HANDLE_BIND      { HX_TX_HANDLE_BIND, HX_FIELD_handle, NULL },
#define TX_HANDLE           { HX_TX_HANDLE, HX_FIELD_handle, NULL },
#define TX_HKIND            { HX_TX_HKIND, HX_FIELD_hkind, NULL },
#define TX_SLOT             { HX_TX_SLOT, HX_FIELD_slot, NULL },
#define TX_STATIC           { HX_TX_STATIC, HX_FIELD_stat, NULL },
#define TX_THREAD           { HX_TX_THREAD, HX_FIELD_thread, NULL },
#define TX_GEN              { HX_TX_GEN, HX_FIELD_gen, NULL },
#define TX_COUNT(w)         { HX_TX_COUNT, HX_FIELD_count, w },
#define TX_TYPE             { HX_TX_TYPE, HX_FIELD_type, NULL },
#define TX_COLLECT          { HX_TX_COLLECT, HX_FIELD_gen, NULL },
#define BN_DST              { HX_BN_DST, HX_FIELD_dst },
#define BN_OBJ(f)           { HX_BN_OBJ, HX_FIELD_##f },
#define BN_SLOTTED          { HX_BN_SLOTTED, HX_FIELD_obj },
#define BN_BOUND(f)         { HX_BN_BOUND, HX_FIELD_##f },
#define BN_VAL(f)           { HX_BN_VAL, HX_FIELD_##f },
#define BN_HANDLE_BIND      { HX_BN_HANDLE_BIND, HX_FIELD_handle },
#define BN_HANDLE           { HX_BN_HANDLE, HX_FIELD_handle },
#define BN_HKIND            { HX_BN_HKIND, HX_FIELD_hkind },
#define BN_SLOT             { HX_BN_SLOT, HX_FIELD_slot },
#define BN_STATIC           { HX_BN_STATIC, HX_FIELD_stat },
#define BN_THREAD           { HX_BN_THREAD, HX_FIELD_thread },
#define BN_GEN              { HX_BN_GEN, HX_FIELD_gen },
#define BN_COUNT            { HX_BN_COUNT, HX_FIELD_count },
#define BN_ALLOC            { HX_BN_ALLOC, HX_FIELD_dst },
#define BN_COLLECT          { HX_BN_COLLECT, HX_FIELD_gen },
#define BN_REPEAT           { HX_BN_REPEAT, HX_FIELD_count },

#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc)                     \
    static const hx_text_el text_##ID[] = { HX_UNPAREN text { HX_TX_END, HX_FIELD_none, NULL } }; \
    static const hx_bin_el bin_##ID[] = { HX_UNPAREN binary { HX_BN_END, HX_FIELD_none } };
#include "stmts.def"
#undef HX_STMT

const hx_stmt_info hx_stmt_table[HX_ST_KIND_COUNT] = {
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc) \
    [HX_ST_##ID] = { #ID, name, weight, flags, text_##ID, bin_##ID, doc, TXF_##ID },
#include "stmts.def"
#undef HX_STMT
};

/* ---- field access ------------------------------------------------------ */

uint64_t hx_stmt_get(const hx_stmt *s, hx_field f)
{
    switch (f) {
    case HX_FIELD_dst: return s->dst;
    case HX_FIELD_obj: return s->obj;
    case HX_FIELD_src: return s->src;
    case HX_FIELD_handle: return s->handle;
    case HX_FIELD_type: return s->type;
    case HX_FIELD_length: return s->length;
    case HX_FIELD_slot: return s->slot;
    case HX_FIELD_count: return s->count;
    case HX_FIELD_stat: return s->stat;
    case HX_FIELD_thread: return s->thread;
    case HX_FIELD_gen: return (uint64_t)(int64_t)s->gen;
    case HX_FIELD_compact_loh: return s->compact_loh;
    case HX_FIELD_hkind: return (uint64_t)s->hkind;
    case HX_FIELD_islot: return s->islot;
    default: return 0;
    }
}

void hx_stmt_set(hx_stmt *s, hx_field f, uint64_t v)
{
    switch (f) {
    case HX_FIELD_dst: s->dst = (uint32_t)v; break;
    case HX_FIELD_obj: s->obj = (uint32_t)v; break;
    case HX_FIELD_src: s->src = (uint32_t)v; break;
    case HX_FIELD_handle: s->handle = (uint32_t)v; break;
    case HX_FIELD_type: s->type = (uint32_t)v; break;
    case HX_FIELD_length: s->length = v; break;
    case HX_FIELD_slot: s->slot = v; break;
    case HX_FIELD_count: s->count = v; break;
    case HX_FIELD_stat: s->stat = (uint32_t)v; break;
    case HX_FIELD_thread: s->thread = (uint32_t)v; break;
    case HX_FIELD_gen: s->gen = (int)(int64_t)v; break;
    case HX_FIELD_compact_loh: s->compact_loh = v != 0; break;
    case HX_FIELD_hkind: s->hkind = (hx_handle_kind)v; break;
    case HX_FIELD_islot: s->islot = v != 0; break;
    default: break;
    }
}

void hx_stmt_static_type(const hx_stmt *s, uint32_t *stype)
{
    const hx_stmt_info *in = hx_stmt_info_of(s->kind);
    if (!in)
        return;
    if (in->flags & HX_SF_UNBIND)
        stype[s->obj] = HX_NONE;
    if (!hx_stmt_has(s->kind, HX_FIELD_dst))
        return;
    if (hx_stmt_has(s->kind, HX_FIELD_type))
        stype[s->dst] = s->type;
    else if (in->flags & HX_SF_COPY)
        stype[s->dst] = stype[s->src];
    else
        stype[s->dst] = HX_NONE;
}
