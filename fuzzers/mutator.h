/* mutator.h -- structure-aware mutation of fuzz_program inputs.
 *
 * An input is decoded into the program IR (harness/program.h), changed at
 * the level of statements, types and the heap line, and encoded again with
 * the project's encoder (hx_encode, exact mode).  Every result is a valid
 * program (hx_program_check), in normal form (hx_program_compact_tables)
 * and within the codec's bounds (hx_codec_within_limits), so hx_decode of
 * the bytes gives back exactly the program the mutation built
 * (.codec.exact; the round-trip test fuzzers/mutator_test.c checks it).
 *
 * The libFuzzer entry points (LLVMFuzzerCustomMutator,
 * LLVMFuzzerCustomCrossOver) and the AFL++ custom-mutator entry points are
 * thin layers over gcf_mut_bytes / gcf_cross_bytes (docs/benchmarks.md
 * "mutator" has the measured choice of the default mode).
 */
#ifndef GCF_MUTATOR_H
#define GCF_MUTATOR_H

#include "program.h"

typedef enum gcf_mut_op {
    GCF_MUT_INSERT = 0,     /* a new statement, operands among bound locals */
    GCF_MUT_DELETE,         /* a statement or a block of them */
    GCF_MUT_DUPLICATE,      /* a statement or a block, copied elsewhere */
    GCF_MUT_MOVE,           /* a statement or a block, moved */
    GCF_MUT_GROW,           /* a `new` repeated: a run of allocations */
    GCF_MUT_OPERAND,        /* a local, handle, slot, static slot or thread */
    GCF_MUT_TYPE,           /* the type of a `new`, or a type's definition */
    GCF_MUT_LENGTH,         /* an array length, towards the size boundaries */
    GCF_MUT_HANDLE_KIND,    /* strong / pinned / weak / weak_long */
    GCF_MUT_COLLECT,        /* a collect's generation and compact_loh */
    GCF_MUT_HEAP,           /* a key of the heap line */
    GCF_MUT_SPLICE,         /* statements of another program (crossover) */
    GCF_MUT_LOOP,           /* a run of statements wrapped in `repeat N { }`, or a
                               block's count scaled (.prog.loop) */
    GCF_MUT_OP_COUNT,
    GCF_MUT_ANY = -1
} gcf_mut_op;

const char *gcf_mut_op_name(gcf_mut_op op);

/* Apply one mutation of kind op (GCF_MUT_ANY: drawn; GCF_MUT_SPLICE needs
   gcf_mut_splice) to the valid program p, drawing from *rng.  On success
   p is the mutated program: valid, in normal form, within the codec's
   bounds and different from before.  On failure (no such mutation
   applies, or the attempts gave an invalid program) p is unchanged.
   Returns the kind applied, or -1. */
int gcf_mut_program(hx_program *p, int op, uint64_t *rng);

/* Insert statements of b into a (a block of b at a point of a, or a's
   start followed by b's end); names and types of b are mapped onto a's by
   name where they agree.  Same contract as gcf_mut_program. */
bool gcf_mut_splice(hx_program *a, const hx_program *b, uint64_t *rng);

/* Bytes to bytes: decode data, mutate (op as above), encode into out
   (at most max bytes).  Returns the length written, or 0 when no
   structured mutation gave a program that fits.  When intended is not
   NULL it receives (initialised by the call, on success only) the
   program the bytes encode; *applied gets the kind. */
size_t gcf_mut_bytes(const uint8_t *data, size_t size, uint8_t *out, size_t max,
                     uint64_t seed, int op, hx_program *intended, int *applied);
/* The same for a crossover of two inputs. */
size_t gcf_cross_bytes(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                       uint8_t *out, size_t max, uint64_t seed, hx_program *intended);

/* Mutation modes of the fuzzer entry points (GCF_MUTATOR=byte|struct|mix). */
typedef enum gcf_mut_mode {
    GCF_MODE_BYTE = 0,      /* libFuzzer's own byte mutations only (default) */
    GCF_MODE_STRUCT,        /* structured, byte-level for GCF_MUTATOR_BYTE_SHARE percent */
} gcf_mut_mode;

#endif /* GCF_MUTATOR_H */
