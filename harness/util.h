/* util.h -- the harness side's small containers and its PRNG, header-only:
 * growable arrays (HX_RESERVE, HX_PUSH), an open-addressing index of
 * entries kept elsewhere (hx_index) with its hash functions, and splitmix64
 * (hx_rng_next).  harness/, tools/, fuzzers/ and bench/ use these instead of
 * writing their own.  The runtime (runtime/) keeps its own, and so does the
 * oracle (oracle/model.c orc_grow): the oracle includes nothing of the
 * harness, which runs it (data flows one way: harness -> oracle).
 */
#ifndef HX_UTIL_H
#define HX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ==== Growable arrays ==================================================== */

/* Grow the array at *pp (a T **, passed as void *; *cap elements of elem
   bytes) so it holds at least need elements, doubling from initial (or
   from *cap).  With zero the new elements are zeroed.  Returns false, with
   the array and *cap unchanged, when memory runs out or the size would
   overflow. */
static inline bool hx_reserve_(void *pp, size_t *cap, size_t need, size_t elem,
                               size_t initial, bool zero)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : (initial ? initial : 1);
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return false;
        nc *= 2;
    }
    if (nc > SIZE_MAX / elem)
        return false;
    void *p;
    memcpy(&p, pp, sizeof p);
    void *np = realloc(p, nc * elem);
    if (!np)
        return false;
    if (zero)
        memset((char *)np + *cap * elem, 0, (nc - *cap) * elem);
    memcpy(pp, &np, sizeof np);
    *cap = nc;
    return true;
}

/* HX_RESERVE(arr, cap, need, initial): arr a T * lvalue, cap a size_t. */
#define HX_RESERVE(arr, cap, need, initial) \
    hx_reserve_(&(arr), &(cap), (need), sizeof *(arr), (initial), false)
#define HX_RESERVE_ZERO(arr, cap, need, initial) \
    hx_reserve_(&(arr), &(cap), (need), sizeof *(arr), (initial), true)
/* Append value to arr[0..n) (n and cap size_t lvalues); false when memory
   runs out (nothing appended). */
#define HX_PUSH(arr, n, cap, value) \
    (HX_RESERVE(arr, cap, (n) + 1, 16) ? ((arr)[(n)++] = (value), true) : false)

/* ==== Word copies ======================================================= */

/* Copy n pointer-sized words from src to dst (not overlapping): up to four
   by fixed-size copies the compiler inlines (for the one to four slots most
   objects have, a library call per object costs more than the copy), more
   in one memcpy. */
static inline void hx_copy_words(void *dst, const void *src, size_t n)
{
    if (n > 4) {
        memcpy(dst, src, n * sizeof(uintptr_t));
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy((char *)dst + i * sizeof(uintptr_t), (const char *)src + i * sizeof(uintptr_t),
               sizeof(uintptr_t));
}

/* ==== Hashing and the index ============================================== */

/* FNV-1a over a NUL-terminated string. */
static inline uint64_t hx_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

/* A 64-bit key (an address, an id), multiplied by the golden ratio; the
   index masks the bits from 17 up. */
static inline uint64_t hx_hash_u64(uint64_t x)
{
    return (x * 0x9e3779b97f4a7c15ULL) >> 17;
}

/* A set of entry numbers (the entries live in the caller's arrays) found
   by their keys' hashes: open addressing with linear probing, a power-of-
   two number of slots, at most half full.  A slot holds 1 + the entry
   number, 0 when empty. */
typedef struct hx_index {
    size_t *slot;
    size_t cap, n;
} hx_index;

static inline void hx_index_init(hx_index *ix)
{
    memset(ix, 0, sizeof *ix);
}

static inline void hx_index_free(hx_index *ix)
{
    free(ix->slot);
    hx_index_init(ix);
}

/* Forget every entry, keeping the slots. */
static inline void hx_index_clear(hx_index *ix)
{
    if (ix->cap)
        memset(ix->slot, 0, ix->cap * sizeof *ix->slot);
    ix->n = 0;
}

/* The probe sequence of hash h: i = hx_index_first(ix, h); while
   ix->slot[i] (entry ix->slot[i] - 1) ...; i = hx_index_next(ix, i).
   Only on an index with slots (cap > 0). */
static inline size_t hx_index_first(const hx_index *ix, uint64_t h)
{
    return (size_t)h & (ix->cap - 1);
}

static inline size_t hx_index_next(const hx_index *ix, size_t i)
{
    return (i + 1) & (ix->cap - 1);
}

/* Insert entry (not there yet) under hash h; the index must have room
   (hx_index_reserve). */
static inline void hx_index_put(hx_index *ix, uint64_t h, size_t entry)
{
    size_t i = hx_index_first(ix, h);
    while (ix->slot[i])
        i = hx_index_next(ix, i);
    ix->slot[i] = entry + 1;
    ix->n++;
}

/* Room for need entries at most half full (at least min_cap slots, a power
   of two), rehashing the entries with hash_of(ctx, entry).  false when
   memory runs out (the index is unchanged). */
static inline bool hx_index_reserve(hx_index *ix, size_t need, size_t min_cap,
                                    uint64_t (*hash_of)(const void *ctx, size_t entry),
                                    const void *ctx)
{
    size_t nc = ix->cap ? ix->cap : (min_cap ? min_cap : 16);
    while (need > nc / 2) {
        if (nc > SIZE_MAX / 4)
            return false;
        nc *= 2;
    }
    if (nc == ix->cap)
        return true;
    size_t *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return false;
    hx_index old = *ix;
    ix->slot = ns;
    ix->cap = nc;
    ix->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slot[i])
            hx_index_put(ix, hash_of(ctx, old.slot[i] - 1), old.slot[i] - 1);
    free(old.slot);
    return true;
}

/* Forget every entry and size the index for need entries (at least
   min_cap slots); false when memory runs out (the index is then empty,
   with no slots). */
static inline bool hx_index_reset(hx_index *ix, size_t need, size_t min_cap)
{
    size_t nc = min_cap ? min_cap : 16;
    while (need > nc / 2) {
        if (nc > SIZE_MAX / 4)
            return false;
        nc *= 2;
    }
    if (nc != ix->cap) {
        hx_index_free(ix);
        ix->slot = malloc(nc * sizeof *ix->slot);
        if (!ix->slot)
            return false;
        ix->cap = nc;
    }
    hx_index_clear(ix);
    return true;
}

/* The entry under hash h for which same(ctx, entry, key), or SIZE_MAX. */
static inline size_t hx_index_find(const hx_index *ix, uint64_t h,
                                   bool (*same)(const void *ctx, size_t entry, const void *key),
                                   const void *ctx, const void *key)
{
    if (!ix->cap)
        return SIZE_MAX;
    for (size_t i = hx_index_first(ix, h); ix->slot[i]; i = hx_index_next(ix, i))
        if (same(ctx, ix->slot[i] - 1, key))
            return ix->slot[i] - 1;
    return SIZE_MAX;
}

/* ==== PRNG =============================================================== */

/* splitmix64: the state advances by a constant, the output is a mix of it;
   every seed (0 too) gives a full-period stream.  gcfuzz gen's programs
   are drawn from it (.gen.decode), so its output must never change. */
static inline uint64_t hx_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A number in [0, n) (0 when n is 0), by modulo as the fuzzers always
   drew it. */
static inline uint64_t hx_rng_below(uint64_t *state, uint64_t n)
{
    return n ? hx_rng_next(state) % n : 0;
}

#endif /* HX_UTIL_H */
