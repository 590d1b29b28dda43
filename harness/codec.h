/* codec.h -- the binary program format (fuzzer inputs).
 *
 * Total (.codec.total): every byte string, the empty one included, decodes
 * into a program that passes hx_program_check.  Versioned (.codec.version):
 * the first byte is the format version (HX_CODEC_VERSION), bumped with
 * every layout change.  hx_decode itself reads every value with this
 * build's layout (the fuzzers feed it any bytes); the tools that read a
 * file a user gives (gcfuzz decode, repro, minimize, triage) ask
 * hx_codec_version_ok first and refuse an input of another version with a
 * clear message (docs/format.md, .dec.exit 65).  Exact (.codec.exact): hx_encode writes any valid program so that
 * hx_decode gives it back (hx_program_equal).
 *
 * Two modes share one layout (docs/format.md has the byte-level layout):
 *   - fuzz mode (any flags byte whose high nibble is not 0xA): valid in
 *     every execution (.codec.valid: no statement can make a program error
 *     at run time; decode.c tracks bound, dropped and certainly non-null
 *     locals and live handles, and `new` under a hard limit gives a local
 *     that may be null, .codec.oom; no finalizer allocates an object whose
 *     own finalizer allocates, so every drain ends, .codec.fin-chain); the
 *     heap is
 *     drawn from small configurations, the types are a preset table plus a
 *     few drawn ones, operands are chosen among locals that are bound and
 *     statically non-null (and have reference slots when a slot is used),
 *     sizes often land on and around the LOH threshold, the gen0 budget and
 *     the segment size, and no expectation is decoded;
 *   - exact mode (flags 0xA0 | bits): what hx_encode writes: explicit types,
 *     names and pre-declared name tables, expectations allowed.  The same
 *     operand bytes still prefer live operands, so mutated seeds stay
 *     meaningful.
 */
#ifndef HX_CODEC_H
#define HX_CODEC_H

#include "program.h"

#define HX_CODEC_VERSION      4
#define HX_CODEC_VERSION_MIN  2       /* oldest version read: 3 only adds the
                                         fault section (flag bit 3), which no
                                         version-2 input has; 4 adds loops
                                         (.codec.loop), and an input whose
                                         version byte is below 4 decodes as
                                         it did before: no extension opcode,
                                         no `i` slot */
#define HX_CODEC_VERSION_LOOP 4       /* first version with the extension opcode */
#define HX_CODEC_OP_EXT       0xE7u   /* version >= 4: opcode byte 0xE7 is the
                                         extension opcode, the next byte b
                                         names kind 24 + b % (kinds - 24);
                                         below 4 it is a weighted opcode */
#define HX_CODEC_SLOT_I       0xFEu   /* exact mode, in a block: slot `i+K`, K a var */
#define HX_CODEC_EXACT_TAG    0xA0u   /* flags high nibble of exact mode */
#define HX_CODEC_F_NAMES      0x01u   /* exact: a names section follows */
#define HX_CODEC_F_EXPECT     0x02u   /* exact: expectations decode */
#define HX_CODEC_F_TYPES      0x04u   /* exact: explicit type table */
#define HX_CODEC_F_FAULT      0x08u   /* exact: fault injection keys follow the heap */
#define HX_CODEC_FUZZ_FAULT   0x38u   /* fuzz: flags with all these bits set a fault */
#define HX_CODEC_MAX_TYPES    256     /* types an input can declare */
#define HX_CODEC_MAX_PREDECL  16384   /* pre-declared locals / handles */
#define HX_CODEC_ESC          0xF8u   /* operand bytes >= this: exact index */

/* Bounds (.codec.limits, docs/format.md "Bounds").  Every decoded input,
   in either mode, stays within them, so no byte string (and no mutation of
   one) can make a program that needs more than a bounded amount of memory
   or time; hand-written .gcp programs keep the full ranges of the text
   form, and hx_encode refuses programs beyond the bounds
   (hx_codec_within_limits tells).
   - at most HX_CODEC_MAX_STMTS statements (the rest of the input is
     ignored);
   - an instance (fixed type or array) is at most HX_CODEC_MAX_OBJECT bytes:
     larger fixed sizes and array lengths are reduced modulo;
   - the `new` statements, with what the allocating finalizers they arm can
     allocate, allocate at most HX_CODEC_MAX_TOTAL bytes in objects with at
     most HX_CODEC_MAX_SLOTS reference slots in all: past either an array's
     length is reduced modulo 64 (then to 0), and a `new` that still does
     not fit (or a `reregister` of an allocating finalizer) decodes as
     `collect 0`;
   - segment_size at most HX_CODEC_MAX_SEGMENT (0 means the default),
     hard_limit at most HX_CODEC_MAX_HARD, loh_threshold at most
     HX_CODEC_MAX_LOH_THRESHOLD (larger values are reduced modulo);
   - no allocating finalizer allocates an object whose own finalizer
     allocates (.codec.fin-chain), so every drain allocates at most once per
     pending entry;
   - loops (.codec.loop): a statement inside `repeat` blocks counts once per
     iteration (the product of the counts around it) towards the totals
     above and towards HX_CODEC_MAX_EXEC statements executed inside blocks
     (each `}` once per iteration) and HX_CODEC_MAX_HEAVY collections and
     drains executed inside blocks (a `new` of at least
     1/HX_CODEC_HEAVY_NEW_DIV of the gen0 budget, when there is one, counts
     as one too: such allocations collect every few executions,
     .codec.heavy-new); a `repeat` whose count does not fit is
     reduced modulo, a statement in a block that does not fit decodes as
     the `}` closing it, blocks nest at most HX_LOOP_DEPTH_MAX deep, a `}`
     with no block open decodes as `finalize` and the blocks still open at
     the end are closed.  Fuzz mode gives every `repeat` at least one
     iteration.  The statements outside blocks are bounded by
     HX_CODEC_MAX_STMTS. */
#define HX_CODEC_MAX_STMTS        1024u
#define HX_CODEC_MAX_SLOTS        65536u
#define HX_CODEC_MAX_OBJECT       (((uint64_t)8 << 20) + 4096)  /* 8 MiB + 4 KiB */
#define HX_CODEC_MAX_TOTAL        ((uint64_t)16 << 20)          /* 16 MiB */
#define HX_CODEC_MAX_SEGMENT      ((uint64_t)8 << 20)           /* 8 MiB */
#define HX_CODEC_MAX_HARD         ((uint64_t)64 << 20)          /* 64 MiB */
#define HX_CODEC_MAX_LOH_THRESHOLD ((uint64_t)1 << 20)          /* 1 MiB */
#define HX_CODEC_MAX_EXEC         ((uint64_t)1 << 11)           /* statements run in blocks */
#define HX_CODEC_MAX_HEAVY        ((uint64_t)256)               /* collect / finalize run in blocks */
#define HX_CODEC_HEAVY_NEW_DIV    16u                           /* .codec.heavy-new */

/* Whether p is within the bounds above (then decode(encode(p)) == p for p
   in normal form). */
bool hx_codec_within_limits(const hx_program *p);
/* NULL when p is within them, else which bound it passes (static text). */
const char *hx_codec_beyond_limits(const hx_program *p);

/* Whether data[0..len) carries a format version this build reads
   (HX_CODEC_VERSION_MIN..HX_CODEC_VERSION; the empty input counts as
   current).  *version gets byte 0 (HX_CODEC_VERSION for
   the empty input). */
bool hx_codec_version_ok(const uint8_t *data, size_t len, unsigned *version);

/* Decode data[0..len) into *out (initialised by the call).  Returns false
   only when memory runs out (*out is then empty).  Positions are those of
   the canonical text (hx_program_renumber). */
bool hx_decode(const uint8_t *data, size_t len, hx_program *out);

/* The same with options: max_stmts replaces HX_CODEC_MAX_STMTS when not 0
   (`gcfuzz gen --ops N` asks for N statements; the other bounds stay);
   steps, when not NULL, receives the decoder's count of elementary steps
   (bytes read, candidate-tree steps, statements: the complexity test). */
typedef struct hx_decode_opts {
    size_t max_stmts;
    uint64_t *steps;
    /* .codec.loop: when not 0, replace HX_CODEC_MAX_EXEC, HX_CODEC_MAX_HEAVY
       and HX_CODEC_MAX_TOTAL / HX_CODEC_MAX_SLOTS (`gcfuzz gen --scale`
       asks for programs that reach scale; fuzzer inputs keep the bounds) */
    uint64_t max_exec, max_heavy, max_total, max_slots;
} hx_decode_opts;
bool hx_decode_opt(const uint8_t *data, size_t len, const hx_decode_opts *o, hx_program *out);

/* Encode a valid program (hx_program_check) into a malloc'd buffer.
   Returns false if p is invalid or memory runs out. */
bool hx_encode(const hx_program *p, uint8_t **out, size_t *len);

/* ---- shared between decode.c and encode.c (.codec.state) ------------ */
/* What the decoder knows about each local while it walks the statements;
   the encoder replays the same walk to choose the bytes. */
typedef struct hx_cstate_local {
    bool bound;             /* assigned and not dropped */
    bool nonnull;           /* bound by new, or a copy of a non-null local */
    uint32_t type;          /* static type (.prog.static-type) or HX_NONE */
    uint64_t length;        /* array length when type is an array type */
} hx_cstate_local;

/* Candidate sets (.codec.linear): the decoder picks the k-th member of a
   set in table order and the encoder asks for a member's position, each in
   O(log n) through a Fenwick tree of member counts per set, so decoding
   and encoding take time O(n log n) in the input length. */
typedef enum hx_cset {
    HX_SET_OBJECT = 0,      /* locals bound and certainly non-null */
    HX_SET_SLOTTED,         /* ... whose static type has reference slots */
    HX_SET_BOUND,           /* locals bound (null or not) */
    HX_SET_LIVE,            /* handles named and not freed since */
    HX_SET_COUNT
} hx_cset;

typedef struct hx_cstate {
    hx_cstate_local *locals;
    size_t locals_cap;      /* a power of two (or 0) */
    bool *handle_named;     /* named by an earlier handle statement */
    bool *handle_live;      /* named and not freed since */
    size_t handles_cap;     /* a power of two (or 0) */
    uint32_t *tree[HX_SET_COUNT];   /* Fenwick trees, 1-based, cap + 1 */
    uint32_t count[HX_SET_COUNT];   /* members of each set */
    uint64_t ops;           /* tree steps so far (the complexity test) */
} hx_cstate;

/* Candidate filters for object operands. */
typedef enum hx_cand {
    HX_CAND_OBJECT = 0,     /* bound and non-null */
    HX_CAND_SLOTTED = 1     /* ... and its static type has reference slots */
} hx_cand;

void hx_cstate_init(hx_cstate *cs);
void hx_cstate_free(hx_cstate *cs);
/* Room for every local and handle of p (call after adding any). */
bool hx_cstate_reserve(hx_cstate *cs, const hx_program *p);
/* Members of set s. */
static inline uint32_t hx_cstate_count(const hx_cstate *cs, hx_cset s) { return cs->count[s]; }
/* The member at position k (k < hx_cstate_count) in table order. */
uint32_t hx_cstate_nth(hx_cstate *cs, hx_cset s, uint64_t k);
/* The position of x in set s, or HX_NONE when x is not a member. */
uint32_t hx_cstate_rank(hx_cstate *cs, const hx_program *p, hx_cset s, uint32_t x);
/* Apply statement s (already in p) to the state. */
void hx_cstate_step(hx_cstate *cs, const hx_program *p, const hx_stmt *s);
/* Local x may hold null from now on (.codec.oom). */
void hx_cstate_maybe_null(hx_cstate *cs, const hx_program *p, uint32_t x);
/* Can a store / load use local x with the given slot in a valid program? */
bool hx_cstate_has_slots(const hx_cstate *cs, const hx_program *p, uint32_t x);

/* The preset tables of fuzz mode (docs/format.md). */
uint64_t hx_codec_heap_preset(hx_heap_key k, unsigned sel);
unsigned hx_codec_heap_npresets(hx_heap_key k);

#endif /* HX_CODEC_H */
