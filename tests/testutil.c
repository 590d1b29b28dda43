#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GCF_DEFAULT_SEED 0x6366757a7aULL

static uint64_t seed_from_env(void)
{
    const char *e = getenv("GCF_SEED");
    if (!e || !*e)
        return GCF_DEFAULT_SEED;
    if (strcmp(e, "random") == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
    }
    return strtoull(e, NULL, 0);
}

void gcf_test_seed_announce(void)
{
    const char *e = getenv("GCF_SEED");
    if (e && *e)
        printf("GCF_SEED=%s\n", e);
}

uint64_t gcf_test_seed(const char *test_name)
{
    uint64_t s = seed_from_env();
    printf("%s: seed %llu (replay with GCF_SEED=%llu)\n", test_name,
           (unsigned long long)s, (unsigned long long)s);
    fflush(stdout);
    return s;
}

uint64_t gcf_rng_next(gcf_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t gcf_rng_below(gcf_rng *r, uint64_t n)
{
    return gcf_rng_next(r) % n;
}

bool gcf_under_valgrind(void)
{
    const char *e = getenv("GCF_VALGRIND");
    return e && strcmp(e, "1") == 0;
}
