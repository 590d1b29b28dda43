/* cmd_clr.c -- the CoreCLR side of gcfuzz (docs/clr.md): `gen
 * --clr-observable` programs and `clrdiff`, which compares the CoreCLR
 * runner's observations with the oracle's clr-profile predictions. */
#include "gcfuzz.h"
#include "options.h"
#include "clr.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int write_program(const hx_program *p, const char *path)
{
    size_t len;
    char *t = hx_print_string(p, &len);
    if (!t) {
        fprintf(stderr, "gcfuzz gen: out of memory\n");
        return GCF_EXIT_FAIL;
    }
    int rc = gcf_write_output(path ? path : "-", t, len);
    free(t);
    return rc;
}

int gcf_gen_clr(uint64_t seed, uint64_t ops, uint64_t count, const char *out)
{
    if (count == 0) {
        hx_program p;
        if (!hx_gen_clr(seed, (size_t)ops, &p)) {
            fprintf(stderr, "gcfuzz gen: out of memory\n");
            return GCF_EXIT_FAIL;
        }
        int rc = write_program(&p, out);
        hx_program_free(&p);
        return rc;
    }
    if (!out || strcmp(out, "-") == 0)
        return gcf_usage_error("gen", "--count needs -o DIR");
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gcfuzz gen: %s: %s\n", out, strerror(errno));
        return GCF_EXIT_CANTCREAT;
    }
    for (uint64_t i = 0; i < count; i++) {
        hx_program p;
        if (!hx_gen_clr(seed + i, (size_t)ops, &p)) {
            fprintf(stderr, "gcfuzz gen: out of memory\n");
            return GCF_EXIT_FAIL;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/clr-%llu.gcp", out, (unsigned long long)(seed + i));
        int rc = write_program(&p, path);
        hx_program_free(&p);
        if (rc)
            return rc;
    }
    return GCF_EXIT_OK;
}

static int clrdiff_usage(void)
{
    printf("usage: gcfuzz clrdiff [-v] [--allow CATEGORY,...] OBSERVATIONS\n\n"
           "Read the CoreCLR runner's observation lines (`gcp-clr observe PROGRAMS`,\n"
           "\"-\" for stdin), replay each program on the oracle in the clr profile\n"
           "following CoreCLR's finalizer calls, and compare every observed\n"
           "expectation with the oracle's value.  Prints each disagreement with the\n"
           "program and its first differing expectation, then a summary.  Exit 0\n"
           "when nothing disagrees, 1 on a disagreement, 2 when the observations or a\n"
           "program cannot be read.  -v also names the programs that agree and the\n"
           "first place CoreCLR's finalizer order leaves the strict order.\n"
           "Unpinned objects CoreCLR keeps in their generation are followed only when\n"
           "the runner's `mate` lines show them next to a pinned survivor.\n"
           "Categories: gen, gen-pinning (a younger generation with no observed pinned\n"
           "neighbour, though a collection since the object's birth saw a pinned\n"
           "object), pinned_count, finalizer, other.  --allow lists categories\n"
           "whose disagreements are known and do not fail (they are still printed).\n");
    return GCF_EXIT_OK;
}

int gcf_cmd_clrdiff(int argc, char **argv)
{
    static const char *const cats[5] = { "gen", "gen-pinning", "pinned_count", "finalizer", "other" };
    bool verbose = false, allowed[5] = { false };
    const char *in = NULL;
    enum { O_ALLOW = GCF_OPT_LOCAL };
    static const struct option lo[] = {
        { "allow", required_argument, NULL, O_ALLOW },
        { "help", no_argument, NULL, 'h' },
        GCF_END_LONGOPTS
    };
    gcf_opt_begin();
    int ch;
    while ((ch = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
        if (ch == 'h')
            return clrdiff_usage();
        if (ch == 'v') {
            verbose = true;
            continue;
        }
        if (ch != O_ALLOW)
            return gcf_opt_error("clrdiff", ch, argv);
        char list[256];
        snprintf(list, sizeof list, "%s", optarg);
        for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
            int k = 0;
            while (k < 5 && strcmp(tok, cats[k]) != 0)
                k++;
            if (k == 5)
                return gcf_usage_error("clrdiff", "unknown category '%s'", tok);
            allowed[k] = true;
        }
    }
    if (argc - optind > 1)
        return gcf_usage_error("clrdiff", "one observation file only");
    if (optind < argc)
        in = argv[optind];
    if (!in)
        return gcf_usage_error("clrdiff", "missing OBSERVATIONS");
    FILE *f = strcmp(in, "-") == 0 ? stdin : fopen(in, "r");
    if (!f) {
        fprintf(stderr, "gcfuzz clrdiff: %s: %s\n", in, strerror(errno));
        return GCF_EXIT_NOINPUT;
    }
    hx_clr_stats st;
    int rc = hx_clr_compare_file(f, in, stdout, verbose, &st);
    if (f != stdin)
        fclose(f);
    printf("clrdiff: %u programs, %u disagree (gen %lu, gen-pinning %lu, pinned_count %lu, "
           "finalizer %lu, other %lu); "
           "%lu expectations compared, %lu not observable; clr profile: %lu pinned demotions, "
           "%lu plug-mate demotions (%lu directly next to the pinned object), "
           "%lu no-promotion collections; %lu escalated collections followed; %lu finalizer calls "
           "followed, %lu not in the strict order; %u programs ran differently on CoreCLR "
           "from run to run (%u further runs compared)\n",
           st.programs, st.disagreeing, st.by_category[0], st.by_category[1], st.by_category[2],
           st.by_category[3], st.by_category[4], st.compared, st.not_observable, st.demotions, st.mate_demotions, st.mate_plug,
           st.no_promotion,
           st.escalations, st.fin_calls, st.strict_order_differs, st.varied, st.variants_extra);
    if (rc == 2)
        return GCF_EXIT_BAD_PROGRAM;
    unsigned long unexplained = 0, known = 0;
    for (int k = 0; k < 5; k++)
        *(allowed[k] ? &known : &unexplained) += st.by_category[k];
    if (known)
        printf("clrdiff: %lu disagreement(s) in allowed categories, %lu unexplained\n", known,
               unexplained);
    return unexplained ? GCF_EXIT_FAIL : GCF_EXIT_OK;
}
