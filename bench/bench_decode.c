/* bench_decode.c -- decoding time of the binary program format by input
 * size (.codec.linear), as a table: random inputs of 16 KiB to 1 MiB (and
 * more with --max), in fuzz mode and in exact mode, decoded with the
 * statement bound lifted (so the whole input is decoded, as `gcfuzz
 * decode` of a long input would if the bound allowed it).  CPU time of the
 * process (CLOCK_PROCESS_CPUTIME_ID), best of --repeat runs; the decoder's
 * own step count shows the shape independently of the machine.
 *   bench_decode [--max KIB] [--repeat N] [--seed S]
 */
#include "codec.h"
#include "gen.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t max_kib = 1024;
    int repeat = 3;
    uint64_t seed = 1;
    static const struct option opts[] = {
        {"max", required_argument, NULL, 'm'},
        {"repeat", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:r:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': max_kib = strtoull(optarg, NULL, 10); break;
        case 'r': repeat = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default:
            printf("usage: bench_decode [--max KIB] [--repeat N] [--seed S]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (repeat < 1 || max_kib < 16) {
        fprintf(stderr, "bench_decode: --repeat >= 1 and --max >= 16\n");
        return 2;
    }
    printf("%-6s %9s %10s %12s %10s %12s\n", "mode", "input", "statements", "steps", "cpu ms",
           "ns per byte");
    for (int mode = 0; mode < 2; mode++) {
        for (size_t kib = 16; kib <= max_kib; kib *= 4) {
            size_t n = kib * 1024;
            uint8_t *b = malloc(n);
            if (!b)
                return 1;
            uint64_t st = seed;
            for (size_t i = 0; i < n; i += 8) {
                uint64_t r = hx_gen_next(&st);
                for (size_t k = 0; k < 8 && i + k < n; k++)
                    b[i + k] = (uint8_t)(r >> (8 * k));
            }
            /* exact mode without names or explicit types, so the input is
               statements (a names section would swallow most of it) */
            b[1] = mode ? (uint8_t)(HX_CODEC_EXACT_TAG | HX_CODEC_F_EXPECT) : (uint8_t)(b[1] & 0x7f);
            double best = 1e30;
            uint64_t steps = 0;
            size_t stmts = 0;
            for (int r = 0; r < repeat; r++) {
                hx_program p;
                hx_decode_opts o = { SIZE_MAX, &steps };
                double t0 = cpu_seconds();
                if (!hx_decode_opt(b, n, &o, &p)) {
                    fprintf(stderr, "bench_decode: out of memory\n");
                    return 1;
                }
                double t = cpu_seconds() - t0;
                best = t < best ? t : best;
                stmts = p.nstmts;
                hx_program_free(&p);
            }
            printf("%-6s %6zu KiB %10zu %12llu %10.1f %12.1f\n", mode ? "exact" : "fuzz", kib,
                   stmts, (unsigned long long)steps, best * 1e3, best * 1e9 / (double)n);
            free(b);
        }
    }
    return 0;
}
