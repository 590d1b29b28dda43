/* program.h -- the program IR shared by the whole harness.
 *
 * A program is what the text parser (text.c) and the binary decoder
 * (decode.c) produce, what the generator (gen.c) builds, what the executor
 * runs and what the minimizer (minimize.c) shrinks.  The text form is the
 * fixed contract; docs/format.md describes it and what the
 * project adds.  This header is an interface other modules code against:
 * changes are additive only.
 *
 * Shape (.prog.shape):
 *   - one heap configuration (the `heap` line; every key has a default and
 *     the IR stores the resulting values, not which keys were written);
 *   - a table of types (the `type` lines), referred to by index;
 *   - two name tables: locals and handles.  Locals share one namespace
 *     whatever thread binds them (docs/decisions.md .dec.locals-global);
 *     a name is either a local or a handle, never both (.prog.names);
 *   - a sequence of statements, each with its source position.
 * Statements refer to locals, handles and types by index (uint32_t).  An
 * operand that may be `null` in the text uses HX_NULL.
 *
 * Validity (.prog.valid, checked by hx_program_check): loh_threshold is at
 * least 85000 and segment_size is not 0; every index is in
 * range, every number is within the limits below, array types have no
 * finalizer, slot indices are < refs for locals whose static type is a
 * fixed type and absent for byte arrays (.prog.static-type: the type of the
 * `new` that last bound the local, followed through copies; programs are
 * straight-line), every handle is named
 * by some `h = handle ...` statement before it is used.  Whether a local is
 * bound and non-null when a statement runs is a run-time matter (the
 * executor reports it: exit status 2, .dec.exit).
 */
#ifndef HX_PROGRAM_H
#define HX_PROGRAM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

/* ---- limits ---------------------------------------------------------- */
#define HX_PROGRAM_SIG   0x48585052u   /* 'HXPR': hx_program.sig */
#define HX_NULL          UINT32_MAX    /* "null" where a local may be null */
#define HX_NONE          UINT32_MAX    /* "no index" in helper results */
#define HX_STATICS       64            /* static slots s0..s63 (the contract
                                          says s0..s15; the runtime has 64,
                                          mgc.h MGC_STATIC_SLOTS) */
#define HX_THREADS       64            /* `thread N`, N in 0..63 (MGC_MAX_THREADS) */
#define HX_NAME_MAX      64            /* longest name, in characters */
#define HX_NUMBER_MAX    ((uint64_t)1 << 40)  /* largest number (1 TiB): keeps
                                          size arithmetic far from overflow */
#define HX_MIN_OBJECT    24            /* smallest object, header included */
#define HX_OBJ_BASE      16            /* header word + type pointer */
#define HX_ARRAY_BASE    24            /* header, type pointer, length */
#define HX_MAX_REFS      4096          /* reference slots of a fixed type */
#define HX_LOOP_DEPTH_MAX 8            /* `repeat` blocks nested at most this
                                          deep (.prog.loop) */

/* ---- source positions ------------------------------------------------ */
/* 1-based line and column of the statement's first token (column of the
   first character).  0/0 for statements built in memory; hx_program_renumber
   assigns the positions they have in the canonical text. */
typedef struct hx_pos {
    uint32_t line;
    uint32_t col;
} hx_pos;

/* A diagnostic: "file:line:col: message".  Filled by the parser and by
   hx_program_check; file is not owned. */
typedef struct hx_diag {
    const char *file;
    hx_pos pos;
    char msg[256];
} hx_diag;

/* Format a diagnostic as "file:line:col: msg" into buf (always terminated). */
void hx_diag_format(const hx_diag *d, char *buf, size_t len);

/* ---- heap configuration (the `heap` line) ---------------------------- */
typedef enum hx_profile {
    HX_PROFILE_STRICT = 0,
    HX_PROFILE_CLR = 1
} hx_profile;

/* Keys in text order; also the order hx_heap_key_name() knows them. */
typedef enum hx_heap_key {
    HX_KEY_GEN0_BUDGET = 0,
    HX_KEY_GEN1_BUDGET,
    HX_KEY_GEN2_BUDGET,
    HX_KEY_LOH_BUDGET,
    HX_KEY_LOH_THRESHOLD,
    HX_KEY_SEGMENT_SIZE,
    HX_KEY_HARD_LIMIT,
    HX_KEY_COUNT            /* number of numeric keys; `profile` is separate */
} hx_heap_key;

typedef struct hx_heap_config {
    /* value[k] for each hx_heap_key; budgets and hard_limit: 0 = no limit
       (.dec.budget-zero).  Defaults: 256k 2m 10m 16m 85000 4m 0. */
    uint64_t value[HX_KEY_COUNT];
    hx_profile profile;     /* default strict */
    /* fault injection (.heap.fault, docs/format.md): the Nth (1-based) OS
       reserve / commit call the runtime makes once the heap is created
       fails, once; 0 = never (default).  At most HX_FAULT_NTH_MAX. */
    uint64_t fail_reserve;
    uint64_t fail_commit;
} hx_heap_config;

#define HX_FAULT_NTH_MAX 1000000u

void hx_heap_default(hx_heap_config *h);
const char *hx_heap_key_name(hx_heap_key k);   /* "gen0_budget", ... */
uint64_t hx_heap_default_value(hx_heap_key k);

/* ---- types (the `type` lines) --------------------------------------- */
typedef enum hx_type_kind {
    HX_TYPE_FIXED = 0,      /* size=S refs=R */
    HX_TYPE_BYTE_ARRAY = 1, /* array elem=1 */
    HX_TYPE_REF_ARRAY = 2   /* array elem=ref */
} hx_type_kind;

typedef enum hx_fin_kind {
    HX_FIN_NONE = 0,
    HX_FIN_COUNT,                /* finalizer=count */
    HX_FIN_RESURRECT,            /* finalizer=resurrect:sN */
    HX_FIN_REREGISTER,           /* finalizer=reregister */
    HX_FIN_RESURRECT_REREGISTER, /* finalizer=resurrect_reregister:sN */
    HX_FIN_ALLOC,                /* finalizer=alloc:TYPE */
    HX_FIN_KIND_COUNT
} hx_fin_kind;

typedef struct hx_type {
    char *name;             /* owned */
    hx_type_kind kind;
    uint64_t size;          /* FIXED: total bytes >= 24, header included */
    uint32_t nrefs;         /* FIXED: slots after the type pointer;
                               16 + 8 * nrefs <= size */
    hx_fin_kind fin;        /* arrays: always HX_FIN_NONE */
    uint32_t fin_static;    /* RESURRECT*: the static slot N (< HX_STATICS) */
    uint32_t fin_alloc;     /* ALLOC: index of the type to allocate (may be
                               this type or one declared later) */
    bool critical;          /* `critical`: needs a finalizer */
    hx_pos pos;             /* the `type` line */
} hx_type;

/* Total size in bytes of an instance (unaligned, .dec.alloc-size); length
   is ignored for fixed types. */
uint64_t hx_type_instance_size(const hx_type *t, uint64_t length);
bool hx_type_is_array(const hx_type *t);
const char *hx_fin_kind_name(hx_fin_kind k);   /* "count", "resurrect", ... */

/* ---- statements ------------------------------------------------------ */
typedef enum hx_handle_kind {      /* same numbering as mgc_handle_kind */
    HX_HANDLE_STRONG = 0,
    HX_HANDLE_PINNED = 1,
    HX_HANDLE_WEAK = 2,
    HX_HANDLE_WEAK_LONG = 3,
    HX_HANDLE_KIND_COUNT
} hx_handle_kind;

const char *hx_handle_kind_name(hx_handle_kind k);  /* "strong", ... */

/* The statement kinds and the operand fields each uses are described once,
 * in stmts.def (.prog.table); the fields a kind does not use are zero
 * (src is HX_NULL).
 * dst, obj and src are local indices; handle is a handle index; type a type
 * index; stat a static slot (< HX_STATICS); thread < HX_THREADS; gen 0..2;
 * slot < nrefs for fixed types (any value <= HX_NUMBER_MAX for ref arrays;
 * byte arrays have no slots, so a statement using one fails at run time);
 * length and count <= HX_NUMBER_MAX.
 */
typedef enum hx_stmt_kind {
#define HX_STMT(ID, fn, name, weight, flags, text, binary, doc) HX_ST_##ID,
#include "stmts.def"
#undef HX_STMT
    HX_ST_KIND_COUNT
} hx_stmt_kind;

/* The first expectation of the original table; kinds added later come
   after the expectations (their opcodes stay), so test with
   hx_stmt_is_expect, never with this bound. */
#define HX_ST_FIRST_EXPECT HX_ST_EXPECT_GEN

typedef struct hx_stmt {
    hx_stmt_kind kind;
    hx_pos pos;
    uint32_t dst;           /* local bound by the statement */
    uint32_t obj;           /* local that must name an object */
    uint32_t src;           /* local or HX_NULL (a stored / compared value) */
    uint32_t handle;        /* handle index */
    uint32_t type;          /* type index (new) */
    uint64_t length;        /* new T[length] (array types only) */
    uint64_t slot;          /* reference slot of store / load */
    uint64_t count;         /* expect finalized / collections / pinned_count */
    uint32_t stat;          /* static slot */
    uint32_t thread;        /* thread N */
    int gen;                /* collect / expect gen / expect collections */
    bool compact_loh;       /* collect 2 compact_loh */
    hx_handle_kind hkind;   /* handle */
    bool islot;             /* store / load inside a `repeat`: the slot is
                               slot + the innermost loop's index (`x.i+K`) */
} hx_stmt;

/* ---- the statement table (stmts.def, .prog.table) ------------------- */
/* Row flags. */
#define HX_SF_EXPECT      0x1u  /* an expectation (checked only in exact runs) */
#define HX_SF_COPY        0x2u  /* dst takes src's binding and static type */
#define HX_SF_UNBIND      0x4u  /* obj is no longer bound afterwards */
#define HX_SF_HANDLE_FREE 0x8u  /* handle is no longer live afterwards */
#define HX_SF_OPEN        0x10u /* opens a `repeat` block (.prog.loop) */
#define HX_SF_CLOSE       0x20u /* closes the innermost open block */

/* The operand fields of hx_stmt. */
typedef enum hx_field {
    HX_FIELD_none = 0,
    HX_FIELD_dst, HX_FIELD_obj, HX_FIELD_src, HX_FIELD_handle, HX_FIELD_type,
    HX_FIELD_length, HX_FIELD_slot, HX_FIELD_count, HX_FIELD_stat, HX_FIELD_thread,
    HX_FIELD_gen, HX_FIELD_compact_loh, HX_FIELD_hkind, HX_FIELD_islot,
    HX_FIELD_COUNT
} hx_field;

/* Elements of the text form (stmts.def TX_*). */
typedef enum hx_tx {
    HX_TX_END = 0, HX_TX_WORD, HX_TX_EQ, HX_TX_DOT, HX_TX_BIND, HX_TX_LOCAL,
    HX_TX_LOCAL_OR_NULL, HX_TX_HANDLE_BIND, HX_TX_HANDLE, HX_TX_HKIND, HX_TX_SLOT,
    HX_TX_STATIC, HX_TX_THREAD, HX_TX_GEN, HX_TX_COUNT, HX_TX_TYPE, HX_TX_COLLECT
} hx_tx;

typedef struct hx_text_el {
    hx_tx tx;
    hx_field field;
    const char *word;       /* WORD: the keyword; COUNT: what the number is */
} hx_text_el;

/* Elements of the binary form (stmts.def BN_*). */
typedef enum hx_bn {
    HX_BN_END = 0, HX_BN_DST, HX_BN_OBJ, HX_BN_SLOTTED, HX_BN_BOUND, HX_BN_VAL,
    HX_BN_HANDLE_BIND, HX_BN_HANDLE, HX_BN_HKIND, HX_BN_SLOT, HX_BN_STATIC,
    HX_BN_THREAD, HX_BN_GEN, HX_BN_COUNT, HX_BN_ALLOC, HX_BN_COLLECT, HX_BN_REPEAT
} hx_bn;

typedef struct hx_bin_el {
    hx_bn bn;
    hx_field field;
} hx_bin_el;

typedef struct hx_stmt_info {
    const char *id;         /* "NEW" */
    const char *name;       /* short name (hx_stmt_kind_name) */
    unsigned weight;        /* fuzz-mode opcode weight */
    unsigned flags;         /* HX_SF_* */
    const hx_text_el *text; /* ends with HX_TX_END */
    const hx_bin_el *bin;   /* ends with HX_BN_END */
    const char *doc;
    unsigned fields;        /* bit f set when field f is an operand */
} hx_stmt_info;

extern const hx_stmt_info hx_stmt_table[HX_ST_KIND_COUNT];

/* The row of kind k (NULL when k is not a kind). */
static inline const hx_stmt_info *hx_stmt_info_of(hx_stmt_kind k)
{
    return (unsigned)k < HX_ST_KIND_COUNT ? &hx_stmt_table[k] : NULL;
}
/* Whether kind k has operand field f. */
static inline bool hx_stmt_has(hx_stmt_kind k, hx_field f)
{
    return (unsigned)k < HX_ST_KIND_COUNT && (hx_stmt_table[k].fields >> f) & 1u;
}
/* Read / write an operand field as a number (gen and booleans included). */
uint64_t hx_stmt_get(const hx_stmt *s, hx_field f);
void hx_stmt_set(hx_stmt *s, hx_field f, uint64_t v);
/* The static type a statement leaves in the locals it binds or unbinds
   (.prog.static-type): stype has one entry per local (HX_NONE: unknown). */
void hx_stmt_static_type(const hx_stmt *s, uint32_t *stype);

/* Short name of a kind, as its first keyword(s): "new", "store", "load",
   "copy", "drop", "handle", "free", "target", "static_set", "static_get",
   "suppress", "reregister", "collect", "finalize", "thread", "expect_gen",
   ...  Used in failure signatures (`C3 collect gen-mismatch`). */
const char *hx_stmt_kind_name(hx_stmt_kind k);
static inline bool hx_stmt_is_expect(hx_stmt_kind k)
{
    return (unsigned)k < HX_ST_KIND_COUNT && (hx_stmt_table[k].flags & HX_SF_EXPECT);
}

/* The local a statement binds (new, load, copy, target, static_get), else
   HX_NONE. */
uint32_t hx_stmt_binds_local(const hx_stmt *s);
/* Locals a statement reads (obj and src where the kind uses them; HX_NULL
   excluded).  Returns how many (0..2) were written to out[]. */
unsigned hx_stmt_reads_locals(const hx_stmt *s, uint32_t out[2]);
/* Whether the statement uses the `handle` field (handle binds it). */
bool hx_stmt_uses_handle(const hx_stmt *s);

/* ---- the program ----------------------------------------------------- */
typedef struct hx_program {
    uint32_t sig;           /* HX_PROGRAM_SIG */
    hx_heap_config heap;
    hx_type *types;
    uint32_t ntypes, types_cap;
    char **locals;          /* local names, owned */
    uint32_t nlocals, locals_cap;
    char **handles;         /* handle names, owned */
    uint32_t nhandles, handles_cap;
    hx_stmt *stmts;
    size_t nstmts, stmts_cap;
} hx_program;

void hx_program_init(hx_program *p);          /* empty, default heap */
void hx_program_free(hx_program *p);          /* releases; p is then empty */
/* Deep copy into dst (dst is initialised by the call; it must not hold a
   program).  Returns false on allocation failure (dst is then empty). */
bool hx_program_copy(hx_program *dst, const hx_program *src);

/* Structural invariants (.prog.valid).  On failure fills d (if non-NULL)
   with the offending statement's position and a message. */
bool hx_program_check(const hx_program *p, hx_diag *d);

/* Write equality: same heap, types (names included), name tables and
   statements; positions are ignored. */
bool hx_program_equal(const hx_program *a, const hx_program *b);

/* Building.  Names are copied.  Each returns the index, or HX_NONE on
   allocation failure.  *_find return HX_NONE when absent. */
uint32_t hx_program_add_type(hx_program *p, const hx_type *t); /* copies t->name */
uint32_t hx_program_find_type(const hx_program *p, const char *name);
uint32_t hx_program_local(hx_program *p, const char *name);    /* find or add */
uint32_t hx_program_find_local(const hx_program *p, const char *name);
uint32_t hx_program_handle(hx_program *p, const char *name);   /* find or add */
uint32_t hx_program_find_handle(const hx_program *p, const char *name);
/* Append a name the caller knows is new (no search: for bulk builders). */
uint32_t hx_program_add_local(hx_program *p, const char *name);
uint32_t hx_program_add_handle(hx_program *p, const char *name);
/* Append a zeroed statement of kind k (src = HX_NULL, gen = 2 for collect);
   returns it or NULL on allocation failure.  The pointer is valid until
   the next append. */
hx_stmt *hx_program_append(hx_program *p, hx_stmt_kind k);
/* Remove statements [from, from + n). */
void hx_program_remove(hx_program *p, size_t from, size_t n);

/* A hash index over the names of locals and handles (one namespace,
   .prog.names), for builders that look names up often (the parser, the
   decoder).  Codes: 2 * i for local i, 2 * i + 1 for handle i.  The index
   points into the program's tables, which must not be renamed while it is
   in use. */
typedef struct hx_name_index {
    hx_index ix;            /* entries: the codes */
} hx_name_index;

void hx_name_index_init(hx_name_index *ix);
void hx_name_index_free(hx_name_index *ix);
bool hx_name_index_add(hx_name_index *ix, const hx_program *p, uint32_t code);
/* The code of name, or HX_NONE. */
uint32_t hx_name_index_find(const hx_name_index *ix, const hx_program *p, const char *name);

/* Normal form (.prog.normal): drop types, locals and handles no statement
   refers to (types reached via alloc:T stay), keep the types' order, put
   locals and handles in order of first mention in the text (the order
   hx_parse gives them), and renumber references.  Parsed and decoded
   programs are in normal form; parse(print(p)) == p holds for programs in
   normal form.  Used by the minimizer and the generator. */
void hx_program_compact_tables(hx_program *p);
/* The same without dropping types: locals and handles only. */
void hx_program_normalize(hx_program *p);

/* Set every statement's and type's position to the one it has in the
   canonical text hx_print writes (text.h). */
void hx_program_renumber(hx_program *p);

/* ---- loops (.prog.loop) ---------------------------------------------- */
/* `repeat N {` (HX_ST_REPEAT, count N) opens a block that `}` (HX_ST_END)
   closes; blocks nest at most HX_LOOP_DEPTH_MAX deep and every block is
   closed (hx_program_check).  The body runs N times (0 included); a
   store or load in it may name the slot `i` or `i+K` (islot): K plus the
   innermost loop's iteration index, 0..N-1. */
static inline bool hx_stmt_opens(hx_stmt_kind k)
{
    return (unsigned)k < HX_ST_KIND_COUNT && (hx_stmt_table[k].flags & HX_SF_OPEN);
}
static inline bool hx_stmt_closes(hx_stmt_kind k)
{
    return (unsigned)k < HX_ST_KIND_COUNT && (hx_stmt_table[k].flags & HX_SF_CLOSE);
}
/* The index of the `}` that closes the block opened at statement i (or
   HX_NONE when unbalanced).  O(body). */
size_t hx_program_block_end(const hx_program *p, size_t i);
/* Unwrap the block opened at statement i: its body stays, to run once, in
   place of the block (the `repeat` and its `}` are removed), and a slot
   `i+K` of the body's own statements (not of blocks nested in it) becomes
   K, the first iteration's.  false, p unchanged, when statement i opens no
   block or the block is not closed.  The minimizer's unwrap edit and the
   free-running projection (which runs no blocks) use it. */
bool hx_program_unwrap_block(hx_program *p, size_t i);
/* How many statements an execution runs: every statement once per
   iteration of the blocks around it, `repeat` and `}` included (`}` once
   per iteration), saturating at UINT64_MAX.  The program must be
   balanced. */
uint64_t hx_program_exec_count(const hx_program *p);
/* Whether the program uses `repeat`. */
bool hx_program_has_loops(const hx_program *p);

/* Mutator threads the program uses: 1 + the largest `thread N` (>= 1). */
unsigned hx_program_threads(const hx_program *p);

#endif /* HX_PROGRAM_H */
