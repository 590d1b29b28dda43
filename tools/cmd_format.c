/* cmd_format.c -- gcfuzz commands on programs and the runtime demo:
 * decode, encode, fmt, gen, demo; and the program-file helpers the other
 * commands share (gcfuzz.h).
 *
 * Sections: file helpers, decode, encode, fmt, gen, demo.
 */
#include "gcfuzz.h"
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "freerun.h"
#include "gen.h"
#include "mgc.h"
#include "text.h"
#include "util.h"

/* ==== File helpers ===================================================== */

/* The name messages give path ("-" is standard input). */
static const char *input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* The first step of both loaders: p initialised, the file's bytes in
   *buf; 0 or GCF_EXIT_NOINPUT after a message. */
static int load_bytes(const char *path, hx_program *p, char **buf, size_t *len)
{
    hx_program_init(p);
    int err = hx_read_file(path, buf, len);
    if (err) {
        fprintf(stderr, "gcfuzz: cannot read %s: %s\n", path, strerror(err));
        return GCF_EXIT_NOINPUT;
    }
    return GCF_EXIT_OK;
}

int gcf_load_text(const char *path, hx_program *p)
{
    char *buf;
    size_t len;
    int rc = load_bytes(path, p, &buf, &len);
    if (rc)
        return rc;
    hx_diag d;
    bool ok = hx_parse(buf, len, input_name(path), p, &d);
    free(buf);
    if (!ok) {
        char msg[512];
        hx_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        return GCF_EXIT_BAD_PROGRAM;
    }
    return GCF_EXIT_OK;
}

void gcf_version_error(const char *path, unsigned version)
{
    fprintf(stderr,
            "%s: binary format version %u, but this build reads version %d (and %d)\n"
            "  (an input written by %s build: re-encode it from its .gcp source with\n"
            "  'gcfuzz encode'; a fuzzer artifact whose first byte was mutated decodes\n"
            "  with --any-version)\n",
            path, version, HX_CODEC_VERSION, HX_CODEC_VERSION_MIN,
            version < HX_CODEC_VERSION ? "an older" : "another");
}

int gcf_load_binary(const char *path, hx_program *p, bool any_version)
{
    char *buf;
    size_t len;
    int rc = load_bytes(path, p, &buf, &len);
    if (rc)
        return rc;
    unsigned version;
    if (!any_version && !hx_codec_version_ok((const uint8_t *)buf, len, &version)) {
        free(buf);
        gcf_version_error(input_name(path), version);
        return GCF_EXIT_VERSION;
    }
    bool ok = hx_decode((const uint8_t *)buf, len, p);
    free(buf);
    if (!ok) {
        fprintf(stderr, "gcfuzz: out of memory decoding %s\n", path);
        return GCF_EXIT_NOINPUT;
    }
    return GCF_EXIT_OK;
}

int gcf_write_output(const char *path, const void *data, size_t len)
{
    bool is_stdout = strcmp(path, "-") == 0;
    FILE *f = is_stdout ? stdout : fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "gcfuzz: cannot write %s: %s\n", path, strerror(errno));
        return GCF_EXIT_CANTCREAT;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = (is_stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, "gcfuzz: cannot write %s: %s\n", path, strerror(errno));
        return GCF_EXIT_CANTCREAT;
    }
    return GCF_EXIT_OK;
}

/* Common option parsing: at most one positional FILE and -o OUT. */
typedef struct io_args {
    const char *in;
    const char *out;
    bool any_version;
} io_args;

/* GCF_EXIT_OK, a usage error, or IO_HELP for -h/--help. */
enum { IO_HELP = -1 };

static int parse_io(const char *cmd, int argc, char **argv, io_args *a, bool need_in)
{
    static const struct option lo[] = {
        { "output", required_argument, NULL, 'o' },
        { "any-version", no_argument, NULL, GCF_OPT_ANY_VERSION },
        { "help", no_argument, NULL, 'h' },
        GCF_END_LONGOPTS
    };
    gcf_opt_begin();
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'o': a->out = optarg; break;
        case GCF_OPT_ANY_VERSION: a->any_version = true; break;
        case 'h': return IO_HELP;
        default: return gcf_opt_error(cmd, ch, argv);
        }
    }
    if (optind < argc)
        a->in = argv[optind++];
    if (optind < argc)
        return gcf_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (need_in && !a->in)
        return gcf_usage_error(cmd, "missing input FILE");
    return GCF_EXIT_OK;
}

static int write_text(const hx_program *p, const char *out)
{
    size_t len;
    char *t = hx_print_string(p, &len);
    if (!t) {
        fprintf(stderr, "gcfuzz: out of memory\n");
        return GCF_EXIT_CANTCREAT;
    }
    int rc = gcf_write_output(out ? out : "-", t, len);
    free(t);
    return rc;
}

/* decode and fmt: load FILE (binary or .gcp text) and print it as
   canonical text. */
static int print_as_text(const char *cmd, int argc, char **argv, bool text_input)
{
    io_args a = {0};
    int rc = parse_io(cmd, argc, argv, &a, text_input);
    if (rc)
        return rc;
    hx_program p;
    rc = text_input ? gcf_load_text(a.in, &p) : gcf_load_binary(a.in ? a.in : "-", &p, a.any_version);
    if (!rc)
        rc = write_text(&p, a.out);
    hx_program_free(&p);
    return rc;
}

/* ==== decode ============================================================ */

static void decode_help(void)
{
    printf("usage: gcfuzz decode [--any-version] [FILE|-] [-o OUT]\n\n"
           "Decode a binary fuzzer input and print it as a .gcp program.  FILE\n"
           "defaults to standard input; OUT to standard output.  An input whose\n"
           "first byte is not this build's format version (%d) is refused (exit 65)\n"
           "unless --any-version is given: then any bytes decode, as in the fuzzers.\n"
           "docs/format.md describes the binary format.\n", HX_CODEC_VERSION);
}

int gcf_cmd_decode(int argc, char **argv)
{
    int rc = print_as_text("decode", argc, argv, false);
    if (rc == IO_HELP)
        decode_help();
    return rc == IO_HELP ? GCF_EXIT_OK : rc;
}

/* ==== encode ============================================================ */

int gcf_cmd_encode(int argc, char **argv)
{
    io_args a = {0};
    int rc = parse_io("encode", argc, argv, &a, true);
    if (rc == IO_HELP) {
        printf("usage: gcfuzz encode FILE -o OUT\n\n"
               "Parse the .gcp program FILE and write it in the binary format to OUT\n"
               "('-' = standard output), so text programs can seed the fuzzers.\n"
               "gcfuzz decode OUT prints the same program again.\n");
        return GCF_EXIT_OK;
    }
    if (rc)
        return rc;
    if (!a.out)
        return gcf_usage_error("encode", "missing -o OUT");
    hx_program p;
    rc = gcf_load_text(a.in, &p);
    if (!rc) {
        uint8_t *b;
        size_t n;
        const char *why = hx_codec_beyond_limits(&p);
        if (why) {
            fprintf(stderr, "gcfuzz encode: %s: %s (docs/format.md, \"Bounds\"); "
                    "the program can run as text only\n", a.in, why);
            rc = GCF_EXIT_BAD_PROGRAM;
        } else if (!hx_encode(&p, &b, &n)) {
            fprintf(stderr, "gcfuzz encode: %s: program too large for the binary format "
                    "(more than %d types or %d names)\n", a.in, HX_CODEC_MAX_TYPES,
                    HX_CODEC_MAX_PREDECL);
            rc = GCF_EXIT_BAD_PROGRAM;
        } else {
            /* .codec.exact: refuse rather than write bytes that decode to a
               different program */
            hx_program back;
            bool same = hx_decode(b, n, &back) && hx_program_equal(&p, &back);
            if (same)
                hx_program_free(&back);
            if (!same) {
                fprintf(stderr, "gcfuzz encode: %s: the program has no exact binary form "
                        "(decode(encode(p)) would differ; see docs/format.md)\n", a.in);
                rc = GCF_EXIT_BAD_PROGRAM;
            } else {
                rc = gcf_write_output(a.out, b, n);
            }
            free(b);
        }
    }
    hx_program_free(&p);
    return rc;
}

/* ==== fmt =============================================================== */

int gcf_cmd_fmt(int argc, char **argv)
{
    int rc = print_as_text("fmt", argc, argv, true);
    if (rc == IO_HELP) {
        printf("usage: gcfuzz fmt FILE [-o OUT]\n\n"
               "Parse the .gcp program FILE ('-' = standard input) and print its\n"
               "canonical text: comments dropped, one space between tokens, heap keys\n"
               "that differ from their defaults only.  Exit 2 with file:line:col on a\n"
               "syntax error.\n");
        return GCF_EXIT_OK;
    }
    return rc;
}

/* ==== gen =============================================================== */

static int gen_usage(void)
{
    printf("usage: gcfuzz gen --seed N --ops K [--scale | --free-running [--threads T]] [-o OUT]\n"
           "       gcfuzz gen --clr-observable --seed N --ops K [--count C -o DIR]\n\n"
           "Print a random valid program of exactly K statements, the same for the\n"
           "same N and K.  Programs are drawn like fuzzer inputs (small heaps, every\n"
           "statement kind, sizes around the LOH threshold and budgets) and carry no\n"
           "expectations, so they must run clean.  Defaults: --ops 100.\n\n"
           "--scale: the program, then one shape that reaches scale written with\n"
           "repeat blocks (by the seed: a chain of over 2^20 nodes, a wide old array,\n"
           "many segments, gen2/LOH fragmentation, a long run of collections;\n"
           "docs/format.md), beyond the fuzzer inputs' bounds.\n\n"
           "--free-running: a program for the free-running mode (`gcfuzz run\n"
           "--free-running`, docs/threads.md): the program of the same seed on T\n"
           "threads (default: 2 to 4, by the seed) with every local and handle owned\n"
           "by one thread and published objects only read; at most K statements.\n\n"
           "--clr-observable: a program using only what CoreCLR observes\n"
           "deterministically (no budgets, no threads, a finalize after every\n"
           "collect), with expectations whose values are the oracle's (clr profile),\n"
           "for the CoreCLR runner (docs/clr.md).  With --count C, C programs of seeds\n"
           "N..N+C-1 are written to DIR as clr-SEED.gcp.\n");
    return GCF_EXIT_OK;
}

int gcf_cmd_gen(int argc, char **argv)
{
    uint64_t seed = 0, ops = 100, count = 0;
    bool have_seed = false, clr = false, free_running = false, scale = false;
    uint64_t threads = 0;
    const char *out = NULL;
    enum { O_SEED = GCF_OPT_LOCAL, O_OPS, O_COUNT, O_CLR, O_FREE, O_THREADS, O_SCALE };
    static const struct option lo[] = {
        { "seed", required_argument, NULL, O_SEED },
        { "ops", required_argument, NULL, O_OPS },
        { "count", required_argument, NULL, O_COUNT },
        { "clr-observable", no_argument, NULL, O_CLR },
        { "free-running", no_argument, NULL, O_FREE },
        { "threads", required_argument, NULL, O_THREADS },
        { "scale", no_argument, NULL, O_SCALE },
        { "help", no_argument, NULL, 'h' },
        GCF_END_LONGOPTS
    };
    gcf_opt_begin();
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", lo, NULL)) != -1) {
        switch (ch) {
        case O_SEED:
            if (!gcf_parse_u64(optarg, &seed))
                return gcf_usage_error("gen", "--seed needs a number, got '%s'", optarg);
            have_seed = true;
            break;
        case O_OPS:
            if (!gcf_parse_u64(optarg, &ops) || ops > 10000000)
                return gcf_usage_error("gen", "--ops needs a number up to 10000000, got '%s'",
                                       optarg);
            break;
        case O_COUNT:
            if (!gcf_parse_u64(optarg, &count) || count == 0 || count > 1000000)
                return gcf_usage_error("gen", "--count needs a number 1..1000000, got '%s'",
                                       optarg);
            break;
        case 'o': out = optarg; break;
        case O_CLR: clr = true; break;
        case O_FREE: free_running = true; break;
        case O_SCALE: scale = true; break;
        case O_THREADS:
            if (!gcf_parse_u64(optarg, &threads) || threads < 2 || threads > HX_THREADS)
                return gcf_usage_error("gen", "--threads needs a number 2..%d, got '%s'",
                                       HX_THREADS, optarg);
            break;
        case 'h': return gen_usage();
        default: return gcf_opt_error("gen", ch, argv);
        }
    }
    if (optind < argc)
        return gcf_usage_error("gen", "unexpected argument '%s'", argv[optind]);
    if (!have_seed)
        return gcf_usage_error("gen", "missing --seed N");
    if (count && !clr)
        return gcf_usage_error("gen", "--count goes with --clr-observable");
    if (threads && !free_running)
        return gcf_usage_error("gen", "--threads goes with --free-running");
    if (clr && free_running)
        return gcf_usage_error("gen", "--clr-observable and --free-running exclude each other");
    if (scale && (clr || free_running))
        return gcf_usage_error("gen", "--scale goes with neither --clr-observable nor --free-running");
    if (clr)
        return gcf_gen_clr(seed, ops, count, out);
    hx_program p;
    if (free_running ? !hx_gen_free(seed, (size_t)ops, (unsigned)threads, &p)
                     : scale ? !hx_gen_scale(seed, (size_t)ops, &p)
                             : !hx_gen(seed, (size_t)ops, &p)) {
        fprintf(stderr, "gcfuzz gen: out of memory\n");
        return GCF_EXIT_FAIL;
    }
    int rc = write_text(&p, out);
    hx_program_free(&p);
    return rc;
}

/* ==== demo ============================================================== */
/* A workload straight through include/mgc.h: a long-lived binary tree, many
   short-lived trees (GCBench-style), byte arrays of mixed sizes including
   large ones, finalizable objects, weak and pinned handles and statics;
   then one full collection, the finalizers, a heap verification and the
   counters. */

#define DEMO_SLOTS 64           /* registered root slots (the demo's locals) */

typedef struct demo {
    mgc_heap *heap;
    const mgc_type *node, *blob, *fin;
    mgc_ref locals[DEMO_SLOTS];
    uint64_t finalized;         /* count finalizer calls */
    uint64_t rng;
} demo;

static void demo_finalizer(mgc_heap *heap, mgc_ref *self, void *ctx)
{
    (void)heap;
    (void)self;
    ((demo *)ctx)->finalized++;
}

static bool demo_ok(mgc_status s, const char *what)
{
    if (s != MGC_OK && s != MGC_E_OOM) {
        fprintf(stderr, "gcfuzz demo: %s: %s\n", what, mgc_status_name(s));
        return false;
    }
    return true;
}

/* Build a tree of the given depth into locals[slot], using the slots
   above it for the subtrees under construction (they are roots). */
static bool demo_tree(demo *d, int depth, unsigned slot)
{
    if (!demo_ok(mgc_alloc(d->heap, 0, d->node, 0, &d->locals[slot]), "alloc node"))
        return false;
    if (depth <= 0 || slot + 1 >= DEMO_SLOTS || !d->locals[slot])
        return true;
    for (unsigned side = 0; side < 2; side++) {
        if (!demo_tree(d, depth - 1, slot + 1))
            return false;
        mgc_store(d->heap, d->locals[slot], side, d->locals[slot + 1]);
        d->locals[slot + 1] = NULL;
    }
    return true;
}

static int demo_usage(void)
{
    printf("usage: gcfuzz demo [--depth D] [--rounds N] [--seed S]\n\n"
           "Run a demo workload on the runtime through its public API: a long-lived\n"
           "binary tree of depth D (default 14), N rounds (default 40) of short-lived\n"
           "trees, byte arrays of mixed sizes (some on the large object heap),\n"
           "finalizable objects, weak and pinned handles and statics; then a full\n"
           "collection, the finalizers and a heap verification.  Prints the heap\n"
           "statistics and collection counts; exit 1 if verification fails.\n");
    return GCF_EXIT_OK;
}

int gcf_cmd_demo(int argc, char **argv)
{
    uint64_t depth = 14, rounds = 40, seed = 1;
    enum { O_DEPTH = GCF_OPT_LOCAL, O_ROUNDS, O_SEED };
    static const struct option lo[] = {
        { "depth", required_argument, NULL, O_DEPTH },
        { "rounds", required_argument, NULL, O_ROUNDS },
        { "seed", required_argument, NULL, O_SEED },
        { "help", no_argument, NULL, 'h' },
        GCF_END_LONGOPTS
    };
    gcf_opt_begin();
    int ch, at;
    while ((ch = getopt_long(argc, argv, ":h", lo, &at)) != -1) {
        uint64_t *dst = ch == O_DEPTH ? &depth : ch == O_ROUNDS ? &rounds
                      : ch == O_SEED ? &seed : NULL;
        if (ch == 'h')
            return demo_usage();
        if (!dst)
            return gcf_opt_error("demo", ch, argv);
        if (!gcf_parse_u64(optarg, dst))
            return gcf_usage_error("demo", "--%s needs a number", lo[at].name);
    }
    if (optind < argc)
        return gcf_usage_error("demo", "unexpected argument '%s'", argv[optind]);
    if (depth > 20 || rounds > 100000)
        return gcf_usage_error("demo", "--depth is at most 20 and --rounds at most 100000");

    demo d;
    memset(&d, 0, sizeof d);
    d.rng = seed;
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 1;
    if (!demo_ok(mgc_heap_create(&cfg, &d.heap), "heap create"))
        return GCF_EXIT_FAIL;
    mgc_type_desc node = { .name = "Node", .kind = MGC_KIND_FIXED, .size = 32, .nrefs = 2 };
    mgc_type_desc blob = { .name = "Blob", .kind = MGC_KIND_BYTE_ARRAY };
    mgc_type_desc fin = { .name = "Fin", .kind = MGC_KIND_FIXED, .size = 48, .nrefs = 1,
                          .finalizer = demo_finalizer, .finalizer_ctx = &d };
    int rc = GCF_EXIT_FAIL;
    if (!demo_ok(mgc_type_register(d.heap, &node, &d.node), "type Node") ||
        !demo_ok(mgc_type_register(d.heap, &blob, &d.blob), "type Blob") ||
        !demo_ok(mgc_type_register(d.heap, &fin, &d.fin), "type Fin") ||
        !demo_ok(mgc_thread_set_locals(d.heap, 0, d.locals, DEMO_SLOTS), "locals"))
        goto out;

    /* phase 1: the long-lived tree in slot 0, a pinned buffer in slot 1 */
    if (!demo_tree(&d, (int)depth, 2))
        goto out;
    d.locals[0] = d.locals[2];
    d.locals[2] = NULL;
    mgc_handle pin = 0, weak[16] = {0};
    if (!demo_ok(mgc_alloc(d.heap, 0, d.blob, 4096, &d.locals[1]), "alloc pinned") ||
        !demo_ok(mgc_handle_alloc(d.heap, MGC_HANDLE_PINNED, d.locals[1], &pin), "pin"))
        goto out;
    unsigned nweak = 0;
    uint64_t large = 0, finalizable = 0;

    /* phase 2: short-lived trees and a mixed allocation stream */
    for (uint64_t r = 0; r < rounds; r++) {
        int sd = 4 + (int)(r % 7);
        if (!demo_tree(&d, sd, 2))
            goto out;
        d.locals[2] = NULL;
        for (int k = 0; k < 64; k++) {
            uint64_t x = hx_rng_next(&d.rng);
            size_t len = (x & 15) == 0 ? 84976 + (size_t)(x >> 8) % 60000   /* LOH */
                       : (size_t)(x >> 8) % 2048;
            unsigned slot = 3 + (unsigned)(x >> 40) % 8;               /* slots 3..10 */
            if (!demo_ok(mgc_alloc(d.heap, 0, d.blob, len, &d.locals[slot]), "alloc blob"))
                goto out;
            large += mgc_type_instance_size(d.blob, len) >= 85000;
            if ((x & 7) == 1) {
                unsigned fs = 11 + (unsigned)(x >> 20) % 8;            /* slots 11..18 */
                if (!demo_ok(mgc_alloc(d.heap, 0, d.fin, 0, &d.locals[fs]), "alloc fin"))
                    goto out;
                finalizable++;
                if (d.locals[fs] && d.locals[slot])
                    mgc_store(d.heap, d.locals[fs], 0, d.locals[slot]);
                if ((x & 0x300) == 0 && nweak < 16 && d.locals[fs] &&
                    !demo_ok(mgc_handle_alloc(d.heap, MGC_HANDLE_WEAK, d.locals[fs],
                                              &weak[nweak++]), "weak handle"))
                    goto out;
                if ((x & 0xC00) == 0)
                    mgc_static_set(d.heap, (unsigned)(x >> 50) % 4, d.locals[fs]);
            }
        }
    }

    /* phase 3: drop the short-lived locals, collect, run finalizers */
    for (unsigned s = 2; s < DEMO_SLOTS; s++)
        d.locals[s] = NULL;
    for (unsigned s = 0; s < 4; s++)
        mgc_static_set(d.heap, s, NULL);
    if (!demo_ok(mgc_collect(d.heap, 2, 0), "collect") ||
        !demo_ok(mgc_run_finalizers(d.heap, 0), "finalize") ||
        !demo_ok(mgc_collect(d.heap, 2, MGC_COLLECT_COMPACT_LOH), "collect compact_loh"))
        goto out;
    unsigned cleared = 0;
    for (unsigned i = 0; i < nweak; i++) {
        mgc_ref t = NULL;
        if (mgc_handle_get(d.heap, weak[i], &t) == MGC_OK && !t)
            cleared++;
        mgc_handle_free(d.heap, weak[i]);
    }
    char err[256] = "";
    mgc_status vs = mgc_verify(d.heap, err, sizeof err);

    mgc_stats st;
    mgc_get_stats(d.heap, &st);
    printf("gcfuzz demo: tree depth %llu, %llu rounds, seed %llu\n",
           (unsigned long long)depth, (unsigned long long)rounds, (unsigned long long)seed);
    printf("  allocated            %llu bytes (%llu large arrays, %llu finalizable objects)\n",
           (unsigned long long)st.allocated_bytes, (unsigned long long)large,
           (unsigned long long)finalizable);
    printf("  collections          gen0 %llu  gen1 %llu  gen2 %llu  (induced %llu)\n",
           (unsigned long long)mgc_collection_count(d.heap, 0),
           (unsigned long long)mgc_collection_count(d.heap, 1),
           (unsigned long long)mgc_collection_count(d.heap, 2),
           (unsigned long long)st.induced);
    printf("  heap after full GC   gen0 %llu  gen1 %llu  gen2 %llu  loh %llu bytes\n",
           (unsigned long long)st.gen_size[0], (unsigned long long)st.gen_size[1],
           (unsigned long long)st.gen_size[2], (unsigned long long)st.loh_size);
    printf("  memory               committed %llu  reserved %llu  (loader %llu / %llu)\n",
           (unsigned long long)st.gc_committed, (unsigned long long)st.gc_reserved,
           (unsigned long long)st.loader_committed, (unsigned long long)st.loader_reserved);
    printf("  last GC              promoted gen0 %llu gen1 %llu, pinned %llu\n",
           (unsigned long long)st.promoted_gen0, (unsigned long long)st.promoted_gen1,
           (unsigned long long)st.pinned_last_gc);
    printf("  finalization         %llu finalizer calls (counted by the demo: %llu), "
           "%u of %u weak handles cleared\n",
           (unsigned long long)st.finalizers_run, (unsigned long long)d.finalized,
           cleared, nweak);
    printf("  handles              %llu live\n", (unsigned long long)st.handles);
    printf("  verify               %s%s%s\n", vs == MGC_OK ? "ok" : mgc_status_name(vs),
           vs == MGC_OK ? "" : ": ", vs == MGC_OK ? "" : err);
    rc = vs == MGC_OK && st.finalizers_run == d.finalized ? GCF_EXIT_OK : GCF_EXIT_FAIL;
    mgc_handle_free(d.heap, pin);
out:
    mgc_heap_destroy(d.heap);
    return rc;
}
