/* mutator_test.c -- round trip of the structure-aware mutator (ctest
 * fuzzers/mutator-roundtrip).
 *
 * Every output of the mutator and of the crossover must decode (hx_decode)
 * to exactly the program the mutation built (hx_program_equal), which must
 * be valid and differ from the input's program; every kind of mutation
 * must apply to a fair share of the inputs; chains of mutations (inputs
 * that are themselves mutator outputs) keep the round trip; the libFuzzer
 * entry points give decodable, changed inputs.  Inputs: generated programs
 * (hx_gen), the conformance programs, and random bytes (fuzz mode).
 *
 *   mutator_test [SEED [ROUNDS]]   (default seed 1; GCF_TEST_SEED also works)
 * The seed is printed; a failure names it and the input.
 */
#include "codec.h"
#include "gen.h"
#include "mutator.h"
#include "text.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed);

#define MAX_OUT 8192

typedef struct input {
    char name[128];
    uint8_t *b;
    size_t n;
} input;

static input *inputs;
static size_t ninputs, cap;
static uint64_t seed0;
static int failures;

static void add_input(const char *name, uint8_t *b, size_t n)
{
    if (!HX_RESERVE(inputs, cap, ninputs + 1, 64)) {
        perror("realloc");
        exit(2);
    }
    input *in = &inputs[ninputs++];
    snprintf(in->name, sizeof in->name, "%s", name);
    in->b = b;
    in->n = n;
}

static void add_program(const char *name, const hx_program *p)
{
    uint8_t *b;
    size_t n;
    if (!hx_codec_within_limits(p) || !hx_encode(p, &b, &n))
        return;   /* a program the binary format cannot hold (`# seed: none`) */
    add_input(name, b, n);
}

static void fail(const char *what, const char *input, uint64_t seed, int op)
{
    fprintf(stderr, "mutator_test: FAIL (test seed %llu): %s; input %s, mutation seed %llu, "
            "kind %s\n", (unsigned long long)seed0, what, input, (unsigned long long)seed,
            op >= 0 ? gcf_mut_op_name(op) : "crossover");
    failures++;
}

/* out decodes to intended; intended is valid and is not the input's program */
static bool check_roundtrip(const uint8_t *out, size_t n, const hx_program *intended,
                            const uint8_t *in, size_t in_n, const char *name, uint64_t seed, int op)
{
    hx_program back, orig;
    if (!hx_decode(out, n, &back) || !hx_decode(in, in_n, &orig)) {
        fail("out of memory", name, seed, op);
        return false;
    }
    bool ok = true;
    if (!hx_program_check(intended, NULL)) {
        fail("the intended program is invalid", name, seed, op);
        ok = false;
    } else if (!hx_program_equal(&back, intended)) {
        fail("the output does not decode to the intended program", name, seed, op);
        fprintf(stderr, "--- intended:\n");
        hx_print(intended, stderr);
        fprintf(stderr, "--- decoded:\n");
        hx_print(&back, stderr);
        ok = false;
    } else if (hx_program_equal(&back, &orig)) {
        fail("the mutation did not change the program", name, seed, op);
        ok = false;
    }
    hx_program_free(&back);
    hx_program_free(&orig);
    return ok;
}

static void load_conformance(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/conformance", GCF_SOURCE_DIR);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "mutator_test: cannot open %s\n", dir);
        exit(2);
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".gcp"))
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text;
        size_t len;
        if (hx_read_file(path, &text, &len) != 0)
            continue;
        hx_program p;
        hx_diag dg;
        if (hx_parse(text, len, path, &p, &dg)) {
            add_program(e->d_name, &p);
            hx_program_free(&p);
        }
        free(text);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    const char *env = getenv("GCF_TEST_SEED");
    seed0 = argc > 1 ? strtoull(argv[1], NULL, 0) : env && *env ? strtoull(env, NULL, 0) : 1;
    unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 6;
    printf("mutator_test: seed %llu, %u rounds (rerun: mutator_test %llu %u)\n",
           (unsigned long long)seed0, rounds, (unsigned long long)seed0, rounds);
    uint64_t rng = seed0;

    /* inputs */
    static const size_t sizes[] = {3, 10, 40, 120};
    for (unsigned i = 0; i < 16; i++) {
        hx_program p;
        size_t ops = sizes[i % 4];
        uint64_t s = hx_gen_next(&rng);
        if (!hx_gen(s, ops, &p))
            return 2;
        char name[64];
        snprintf(name, sizeof name, "gen seed %llu ops %zu", (unsigned long long)s, ops);
        add_program(name, &p);
        hx_program_free(&p);
    }
    load_conformance();
    for (unsigned i = 0; i < 12; i++) {
        size_t n = 1 + hx_gen_next(&rng) % 300;
        uint8_t *b = malloc(n);
        for (size_t k = 0; k < n; k++)
            b[k] = (uint8_t)hx_gen_next(&rng);
        b[0] = HX_CODEC_VERSION;
        char name[64];
        snprintf(name, sizeof name, "random bytes %u (%zu)", i, n);
        add_input(name, b, n);
    }
    add_input("empty", NULL, 0);
    printf("mutator_test: %zu inputs\n", ninputs);

    /* every kind on every input */
    uint8_t *out = malloc(MAX_OUT);
    unsigned long tried[GCF_MUT_OP_COUNT] = {0}, applied[GCF_MUT_OP_COUNT] = {0};
    for (unsigned r = 0; r < rounds; r++)
        for (size_t i = 0; i < ninputs; i++)
            for (int op = 0; op < GCF_MUT_OP_COUNT; op++) {
                if (op == GCF_MUT_SPLICE)
                    continue;
                uint64_t s = hx_gen_next(&rng);
                hx_program want;
                int got = -1;
                tried[op]++;
                size_t n = gcf_mut_bytes(inputs[i].b, inputs[i].n, out, MAX_OUT, s, op, &want, &got);
                if (!n)
                    continue;
                applied[op]++;
                if (got != op)
                    fail("another kind was applied", inputs[i].name, s, op);
                check_roundtrip(out, n, &want, inputs[i].b, inputs[i].n, inputs[i].name, s, op);
                hx_program_free(&want);
            }
    /* crossover of every input with another one */
    for (unsigned r = 0; r < rounds; r++)
        for (size_t i = 0; i < ninputs; i++) {
            size_t j = hx_gen_next(&rng) % ninputs;
            uint64_t s = hx_gen_next(&rng);
            hx_program want;
            tried[GCF_MUT_SPLICE]++;
            size_t n = gcf_cross_bytes(inputs[i].b, inputs[i].n, inputs[j].b, inputs[j].n, out,
                                       MAX_OUT, s, &want);
            if (!n)
                continue;
            applied[GCF_MUT_SPLICE]++;
            check_roundtrip(out, n, &want, inputs[i].b, inputs[i].n, inputs[i].name, s, -1);
            hx_program_free(&want);
        }
    /* each kind applies to at least an eighth of the inputs (an edit that never
       gives a valid program would be dead weight in a campaign) */
    for (int op = 0; op < GCF_MUT_OP_COUNT; op++) {
        printf("  %-12s %5lu of %5lu applied\n", gcf_mut_op_name(op), applied[op], tried[op]);
        if (applied[op] * 8 < tried[op]) {
            fprintf(stderr, "mutator_test: FAIL (test seed %llu): %s applied to fewer than an "
                    "eighth of the inputs\n", (unsigned long long)seed0, gcf_mut_op_name(op));
            failures++;
        }
    }

    /* chains: 200 mutations in a row from each generated program, each
       step's output the next step's input */
    size_t chained = 0;
    for (size_t i = 0; i < 16 && i < ninputs; i++) {
        uint8_t *cur = malloc(MAX_OUT);
        size_t cn = inputs[i].n;
        if (cn)
            memcpy(cur, inputs[i].b, cn);
        for (unsigned step = 0; step < 200; step++) {
            uint64_t s = hx_gen_next(&rng);
            hx_program want;
            int got = -1;
            size_t n = gcf_mut_bytes(cur, cn, out, MAX_OUT, s, GCF_MUT_ANY, &want, &got);
            if (!n)
                continue;
            char name[160];
            snprintf(name, sizeof name, "%s after %u steps", inputs[i].name, step);
            if (!check_roundtrip(out, n, &want, cur, cn, name, s, got)) {
                hx_program_free(&want);
                break;
            }
            hx_program_free(&want);
            memcpy(cur, out, n);
            cn = n;
            chained++;
        }
        free(cur);
    }
    printf("mutator_test: %zu chained mutations\n", chained);
    if (chained < 16 * 100) {
        fprintf(stderr, "mutator_test: FAIL: only %zu of %u chained mutations applied\n",
                chained, 16 * 200);
        failures++;
    }

    /* the libFuzzer entry points (structured only: no byte share) */
    setenv("GCF_MUTATOR", "struct", 1);
    setenv("GCF_MUTATOR_BYTE_SHARE", "0", 1);
    unsigned changed = 0;
    for (size_t i = 0; i < ninputs; i++) {
        memset(out, 0, MAX_OUT);
        if (inputs[i].n) /* the empty input has no buffer */
            memcpy(out, inputs[i].b, inputs[i].n);
        unsigned s = (unsigned)hx_gen_next(&rng);
        size_t n = LLVMFuzzerCustomMutator(out, inputs[i].n, 4096, s);
        if (n > 4096) {
            fail("the entry point wrote past max_size", inputs[i].name, s, -1);
            continue;
        }
        hx_program a, b;
        hx_decode(out, n, &a);
        hx_decode(inputs[i].b, inputs[i].n, &b);
        if (!hx_program_check(&a, NULL))
            fail("the entry point's output decodes to an invalid program", inputs[i].name, s, -1);
        changed += !hx_program_equal(&a, &b);
        hx_program_free(&a);
        hx_program_free(&b);
        size_t j = (i + 1) % ninputs;
        n = LLVMFuzzerCustomCrossOver(inputs[i].b, inputs[i].n, inputs[j].b, inputs[j].n, out,
                                      4096, s);
        if (n > 4096)
            fail("the crossover wrote past max_out", inputs[i].name, s, -1);
    }
    printf("mutator_test: the entry point changed %u of %zu programs\n", changed, ninputs);
    if (changed * 10 < ninputs * 9) {
        fprintf(stderr, "mutator_test: FAIL: the entry point changed too few programs\n");
        failures++;
    }
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i].b);
    free(inputs);
    free(out);
    if (failures) {
        fprintf(stderr, "mutator_test: %d failure(s); rerun: mutator_test %llu %u\n", failures,
                (unsigned long long)seed0, rounds);
        return 1;
    }
    printf("mutator_test: ok\n");
    return 0;
}
