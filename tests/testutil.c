#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int gcf_run_in_child(void (*child)(void *ctx), void *ctx, int *signo)
{
    *signo = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        alarm(120);
        child(ctx);
        _exit(3);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 2;
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 1 ? 1 : 2;
    *signo = WTERMSIG(status);
    return 2;
}

int gcf_catch_thread_plants(int (*run)(int plant, uint64_t seed, unsigned attempt),
                            uint64_t seed, unsigned rounds, unsigned attempts)
{
    static const struct { int plant; const char *name; } plants[] = {
        { 1, "no suspension: mutators run during a collection" },
        { 2, "skipped retiring of other threads' allocation contexts" },
    };
    int failed = 0;
    for (size_t k = 0; k < sizeof plants / sizeof plants[0]; k++) {
        unsigned caught = 0, tries = 0;
        uint64_t s = seed;
        for (unsigned i = 0; i < rounds; i++)
            for (unsigned a = 0; a < attempts; a++) {
                tries++;
                if (run(plants[k].plant, s++, a) != 0) {
                    caught++;
                    break;
                }
            }
        printf("%s: plant %d (%s): caught in %u of %u rounds (%u runs)\n",
               caught == rounds ? "ok" : "FAIL", plants[k].plant, plants[k].name, caught, rounds,
               tries);
        if (caught != rounds)
            failed = 1;
    }
    return failed;
}
