/* afl_mutator.c -- the structure-aware mutator (mutator.h) as an AFL++
 * custom mutator library (AFL_CUSTOM_MUTATOR_LIBRARY=libgcf_afl_mutator.so,
 * set by ci/campaign --engine afl for fuzz_program).
 *
 * afl-fuzz calls afl_custom_fuzz next to its own mutations (which stay on:
 * AFL_CUSTOM_MUTATOR_ONLY is not set, so byte-level havoc and splicing keep
 * their share); with a second input (add_buf) a third of the calls splice
 * the two programs.  A call with no structured mutation that fits returns
 * 0 and afl-fuzz goes on with its own.
 */
#include "mutator.h"

#include <stdlib.h>
#include <string.h>

typedef struct afl_state afl_state_t;

typedef struct gcf_afl {
    uint64_t rng;
    uint8_t *buf;
    size_t cap;
} gcf_afl;

void *afl_custom_init(afl_state_t *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(afl_state_t *afl, unsigned int seed)
{
    (void)afl;
    gcf_afl *m = calloc(1, sizeof *m);
    if (m)
        m->rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 1;
    return m;
}

static uint64_t next(gcf_afl *m)
{
    uint64_t z = (m->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
    gcf_afl *m = data;
    if (max_size > m->cap) {
        uint8_t *b = realloc(m->buf, max_size);
        if (!b)
            return 0;
        m->buf = b;
        m->cap = max_size;
    }
    uint64_t r = next(m);
    size_t n = 0;
    if (add_buf && add_buf_size && r % 3 == 0)
        n = gcf_cross_bytes(buf, buf_size, add_buf, add_buf_size, m->buf, max_size, next(m), NULL);
    if (!n)
        n = gcf_mut_bytes(buf, buf_size, m->buf, max_size, next(m), GCF_MUT_ANY, NULL, NULL);
    *out_buf = m->buf;
    return n;
}

void afl_custom_deinit(void *data)
{
    gcf_afl *m = data;
    if (m)
        free(m->buf);
    free(m);
}
