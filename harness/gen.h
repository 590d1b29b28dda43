/* gen.h -- random valid programs (gcfuzz gen, randomized tests).
 *
 * .gen.decode: a program is drawn by decoding pseudo-random bytes (splitmix64
 * seeded with the seed) in the fuzz mode of the binary format, so generated
 * programs have the fuzzers' distribution: small heaps, the preset types,
 * live operands, sizes around the LOH threshold, the gen0 budget and the
 * segment size.  The byte stream grows until the program has the requested
 * number of statements; it is then cut to exactly that many and unused
 * table entries are dropped.  Same seed and count, same program.
 *
 * Generated programs are valid in every execution (.codec.valid): no
 * statement can make a program error at run time, so they run in the
 * strict executor (no fuzz skipping), under --stress too, and every
 * `finalize` ends (.codec.fin-chain).
 *
 * .gen.wide-old (gen.c): a third of the programs of 60 statements or more
 * (those whose `new` cannot give null) begin with a wide reference array
 * aged to gen 1 or 2, young objects referenced only from slots around its
 * card boundaries (the first and last slot of a card, each set card alone),
 * and a gen-0 collection; the program's last statements make room.
 */
#ifndef HX_GEN_H
#define HX_GEN_H

#include "program.h"

/* Fill *out (initialised by the call) with a valid program of exactly ops
   statements.  Returns false only when memory runs out. */
bool hx_gen(uint64_t seed, size_t ops, hx_program *out);

/* .gen.scale: a generated program of ops statements (hx_gen, with no hard
   limit and no fault injection) followed by one shape that reaches scale,
   chosen by seed % HX_GEN_SCALE_SHAPES: a chain of 2^20 to 2^20 + 65535
   nodes kept live through collections; a reference array of 256k to 1M
   slots, old, filled with young objects through the block index; 256 to
   1023 large objects over many segments, half kept; gen2 and LOH
   fragmentation (survivors between dead objects, then half cleared and
   compacting collections); and a run of 500 to 999 collections with 16k
   to 64k live objects.  Built with `repeat` blocks, so the text stays a
   few lines (`gcfuzz gen --scale`).  Returns false when memory runs out. */
enum {
    HX_GEN_SCALE_CHAIN = 0, HX_GEN_SCALE_WIDE, HX_GEN_SCALE_SEGMENTS, HX_GEN_SCALE_FRAGMENT,
    HX_GEN_SCALE_COLLECTIONS, HX_GEN_SCALE_SHAPES
};
bool hx_gen_scale(uint64_t seed, size_t ops, hx_program *out);

/* The generator's PRNG (splitmix64), for callers that need more draws. */
uint64_t hx_gen_next(uint64_t *state);

#endif /* HX_GEN_H */
