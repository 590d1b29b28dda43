/* gen.c -- random valid programs by decoding random bytes (.gen.decode).
 * Validity comes from the decoder's fuzz mode (.codec.valid); cutting the
 * program to its first ops statements keeps it, since every statement's
 * operands depend only on the statements before it. */
#include "gen.h"
#include "codec.h"

#include <stdlib.h>

uint64_t hx_gen_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
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
    hx_program_compact_tables(out);
    hx_program_renumber(out);
    return true;
}
