/* bench_scale.c -- how mgc's gen0 pauses and memory scale with the size of
 * the old generation.
 *
 * For each old-generation size (default 16, 256 and 1024 MiB) a fresh child
 * process (.bench.isolation, as bench_alloc) builds that much old data --
 * 64-byte nodes with four reference slots, each linked to three random
 * older nodes, reachable through a two-level index of reference arrays --
 * and brings it to gen2 with two induced gen2 collections.  Then it
 * allocates young nodes (default 256 MiB of them, most dying at once, one
 * in 50 kept for a while in a 1024-entry ring) while it keeps mutating a
 * small share of the old references: every --mutate'th young node is stored
 * into a random slot of a random old node (an old-to-young reference: a card
 * is set), and as often an old slot is pointed at another old node.  The
 * card table is what keeps a gen0 collection from looking at the whole old
 * generation: the gen0 pause should stay flat as the old generation grows.
 * (.bench.scale)
 *
 * Measured, in the child: every collection's on-CPU time (the thread CPU
 * clock read at the MGC_EV_GC_START and MGC_EV_GC_END events: the collector
 * runs on the allocating thread), by generation; gen0 pauses as p50 / p99 /
 * max (nearest rank); the CPU time of the young phase; the live data (the
 * size counters after a final full collection) and the child's peak RSS.
 * The heap uses the runtime's default configuration (dynamic budgets).
 *
 * bench_scale_phases is the same program over the runtime built with
 * MGC_PHASE_TIMES (.gc.phase-times): it also prints, per size, the mean
 * on-CPU time of every step of a gen0 collection in the young phase.
 *
 * Usage: bench_scale [--old LIST_MIB] [--young MIB] [--mutate N]
 *                    [--seed S] [--csv]
 * Exit status 0; 1 when a run failed; 64 for a usage error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgc.h"

enum { SC_EXIT_OK = 0, SC_EXIT_FAIL = 1, SC_EXIT_USAGE = 64 };

#define SC_MAX_SIZES 8
#define SC_NODE_SIZE 64u              /* header, type, 4 slots, 16 payload bytes */
#define SC_NODE_REFS 4u
#define SC_LEAF 8192u                 /* entries per index leaf (SOH: 65560 bytes) */
#define SC_RING 1024u
#define SC_KEEP_EVERY 50u
#define MIB ((uint64_t)1024 * 1024)
#define SC_NPHASES 9

#ifdef SC_PHASES
/* runtime/collect.c, in the MGC_PHASE_TIMES build only (.gc.phase-times) */
size_t mgc_phase_times(mgc_heap *heap, int gen, uint64_t *ns, const char **names, size_t n, uint64_t *gcs);
#endif

typedef struct sc_options {
    uint64_t old_mib[SC_MAX_SIZES];
    unsigned nold;
    uint64_t young_mib;
    unsigned mutate;
    uint64_t seed;
    bool csv;
} sc_options;

/* What a child reports through its pipe. */
typedef struct sc_result {
    bool ok;
    char error[120];
    uint64_t old_bytes;               /* old generation built (nodes + index) */
    uint64_t live_bytes;              /* all generations after the final gen2 GC */
    double build_cpu, young_cpu;      /* seconds */
    uint64_t gcs[3];                  /* collections of gen N during the young phase */
    double p50, p99, pmax;            /* gen0 pauses on-CPU, ms */
    double g1max, g2max;              /* longest gen1 / gen2 collection, ms */
    uint64_t gen0_budget;             /* in force at the end */
    uint64_t maxrss_kib;              /* filled by the parent (wait4) */
    double mean0;                     /* mean gen0 pause on-CPU, ms */
    unsigned nphases;                 /* bench_scale_phases: steps of a gen0 GC */
    char phase_name[SC_NPHASES][12];
    double phase_us[SC_NPHASES];      /* mean us per gen0 collection, young phase */
} sc_result;

/* ---- pause recording ----------------------------------------------------- */

typedef struct sc_pauses {
    bool on;                          /* record (young phase only) */
    double start;
    double *g0;
    size_t n0, cap0;
    double g1max, g2max;
    uint64_t gcs[3];
    bool oom;
} sc_pauses;

static double sc_thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double sc_process_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sc_on_event(mgc_heap *heap, const mgc_event *ev, void *ctx)
{
    (void)heap;
    sc_pauses *p = ctx;
    if (!p->on)
        return;
    if (ev->kind == MGC_EV_GC_START) {
        p->start = sc_thread_cpu_ms();
        return;
    }
    if (ev->kind != MGC_EV_GC_END)
        return;
    double ms = sc_thread_cpu_ms() - p->start;
    p->gcs[ev->gen]++;
    if (ev->gen == 1 && ms > p->g1max)
        p->g1max = ms;
    if (ev->gen == 2 && ms > p->g2max)
        p->g2max = ms;
    if (ev->gen != 0)
        return;
    if (p->n0 == p->cap0) {
        size_t cap = p->cap0 ? p->cap0 * 2 : 1024;
        double *n = realloc(p->g0, cap * sizeof *n);
        if (!n) {
            p->oom = true;
            return;
        }
        p->g0 = n;
        p->cap0 = cap;
    }
    p->g0[p->n0++] = ms;
}

static int sc_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* nearest rank */
static double sc_percentile(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

/* ---- the workload (child) ------------------------------------------------- */

static uint64_t sc_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 17;
}

enum { L_INDEX, L_LEAF, L_NEW, L_RING, L_COUNT };

typedef struct sc_heap {
    mgc_heap *heap;
    const mgc_type *node, *refs;
    mgc_ref locals[L_COUNT];
    uint64_t nnodes;
} sc_heap;

/* An old node by number (no allocation happens while the raw refs live). */
static mgc_ref sc_old(sc_heap *h, uint64_t i)
{
    mgc_ref leaf = mgc_load(h->heap, h->locals[L_INDEX], (size_t)(i / SC_LEAF));
    return mgc_load(h->heap, leaf, (size_t)(i % SC_LEAF));
}

static __attribute__((noinline)) bool sc_build(sc_heap *h, uint64_t old_bytes, uint64_t *rng, char *err, size_t errlen)
{
    h->nnodes = old_bytes / (SC_NODE_SIZE + 8u);
    if (h->nnodes < 1)
        h->nnodes = 1;
    uint64_t nleaves = (h->nnodes + SC_LEAF - 1) / SC_LEAF;
    if (mgc_alloc(h->heap, 0, h->refs, (size_t)nleaves, &h->locals[L_INDEX]) != MGC_OK)
        goto oom;
    for (uint64_t l = 0, i = 0; l < nleaves; l++) {
        if (mgc_alloc(h->heap, 0, h->refs, SC_LEAF, &h->locals[L_LEAF]) != MGC_OK)
            goto oom;
        mgc_store(h->heap, h->locals[L_INDEX], (size_t)l, h->locals[L_LEAF]);
        for (unsigned j = 0; j < SC_LEAF && i < h->nnodes; j++, i++) {
            if (mgc_alloc(h->heap, 0, h->node, 0, &h->locals[L_NEW]) != MGC_OK)
                goto oom;
            mgc_store(h->heap, h->locals[L_LEAF], j, h->locals[L_NEW]);
            for (unsigned k = 1; k < SC_NODE_REFS && i > 0; k++)
                mgc_store(h->heap, h->locals[L_NEW], k, sc_old(h, sc_rand(rng) % i));
        }
    }
    h->locals[L_LEAF] = h->locals[L_NEW] = NULL;
    if (mgc_collect(h->heap, 2, 0) != MGC_OK || mgc_collect(h->heap, 2, 0) != MGC_OK) {
        snprintf(err, errlen, "collect failed");
        return false;
    }
    return true;
oom:
    snprintf(err, errlen, "out of memory while building the old generation");
    return false;
}

static __attribute__((noinline)) bool sc_young(sc_heap *h, uint64_t young_bytes, unsigned mutate, uint64_t *rng, char *err,
                     size_t errlen)
{
    if (mgc_alloc(h->heap, 0, h->refs, SC_RING, &h->locals[L_RING]) != MGC_OK)
        goto oom;
    uint64_t units = young_bytes / SC_NODE_SIZE;
    for (uint64_t u = 0; u < units; u++) {
        if (mgc_alloc(h->heap, 0, h->node, 0, &h->locals[L_NEW]) != MGC_OK)
            goto oom;
        if (u % SC_KEEP_EVERY == 0)
            mgc_store(h->heap, h->locals[L_RING], (size_t)(sc_rand(rng) % SC_RING), h->locals[L_NEW]);
        if (mutate != 0 && u % mutate == 0) {
            /* a young object into an old slot, and an old slot to an old node */
            mgc_ref o = sc_old(h, sc_rand(rng) % h->nnodes);
            mgc_store(h->heap, o, (size_t)(sc_rand(rng) % SC_NODE_REFS), h->locals[L_NEW]);
            o = sc_old(h, sc_rand(rng) % h->nnodes);
            mgc_store(h->heap, o, (size_t)(sc_rand(rng) % SC_NODE_REFS), sc_old(h, sc_rand(rng) % h->nnodes));
        }
        h->locals[L_NEW] = NULL;
    }
    return true;
oom:
    snprintf(err, errlen, "out of memory in the young phase");
    return false;
}

static void sc_child(const sc_options *opt, uint64_t old_mib, sc_result *res)
{
    memset(res, 0, sizeof *res);
    sc_heap h;
    memset(&h, 0, sizeof h);
    sc_pauses p;
    memset(&p, 0, sizeof p);
    uint64_t rng = opt->seed * 0x9e3779b97f4a7c15ull + old_mib;
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 1;
    if (mgc_heap_create(&cfg, &h.heap) != MGC_OK) {
        snprintf(res->error, sizeof res->error, "mgc_heap_create failed");
        return;
    }
    mgc_type_desc nd = { .name = "Node", .kind = MGC_KIND_FIXED, .size = SC_NODE_SIZE, .nrefs = SC_NODE_REFS };
    mgc_type_desc rd = { .name = "Refs", .kind = MGC_KIND_REF_ARRAY };
    if (mgc_type_register(h.heap, &nd, &h.node) != MGC_OK || mgc_type_register(h.heap, &rd, &h.refs) != MGC_OK ||
        mgc_thread_set_locals(h.heap, 0, h.locals, L_COUNT) != MGC_OK) {
        snprintf(res->error, sizeof res->error, "setup failed");
        goto out;
    }
    mgc_set_event_callback(h.heap, sc_on_event, &p);
    double t0 = sc_process_cpu_s();
    if (!sc_build(&h, old_mib * MIB, &rng, res->error, sizeof res->error))
        goto out;
    double t1 = sc_process_cpu_s();
    mgc_stats st;
    mgc_get_stats(h.heap, &st);
    res->old_bytes = st.gen_size[0] + st.gen_size[1] + st.gen_size[2] + st.loh_size;
#ifdef SC_PHASES
    uint64_t ph0[SC_NPHASES], ph1[SC_NPHASES], g0a = 0, g0b = 0;
    const char *phn[SC_NPHASES];
    size_t nph = mgc_phase_times(h.heap, 0, ph0, phn, SC_NPHASES, &g0a);
#endif
    p.on = true;
    if (!sc_young(&h, opt->young_mib * MIB, opt->mutate, &rng, res->error, sizeof res->error))
        goto out;
    double t2 = sc_process_cpu_s();
    p.on = false;
#ifdef SC_PHASES
    (void)mgc_phase_times(h.heap, 0, ph1, phn, SC_NPHASES, &g0b);
    res->nphases = (unsigned)nph;
    for (size_t i = 0; i < nph; i++) {
        snprintf(res->phase_name[i], sizeof res->phase_name[i], "%s", phn[i]);
        res->phase_us[i] = g0b > g0a ? (double)(ph1[i] - ph0[i]) / 1e3 / (double)(g0b - g0a) : 0;
    }
#endif
    if (p.oom) {
        snprintf(res->error, sizeof res->error, "out of memory for the pause log");
        goto out;
    }
    mgc_get_stats(h.heap, &st);
    res->gen0_budget = st.budget[0];
    if (mgc_collect(h.heap, 2, 0) != MGC_OK) {
        snprintf(res->error, sizeof res->error, "final collect failed");
        goto out;
    }
    mgc_get_stats(h.heap, &st);
    res->live_bytes = st.gen_size[0] + st.gen_size[1] + st.gen_size[2] + st.loh_size;
    char verr[256];
    if (mgc_verify(h.heap, verr, sizeof verr) != MGC_OK) {
        snprintf(res->error, sizeof res->error, "verify: %.100s", verr);
        goto out;
    }
    qsort(p.g0, p.n0, sizeof *p.g0, sc_cmp_double);
    res->p50 = sc_percentile(p.g0, p.n0, 0.50);
    res->p99 = sc_percentile(p.g0, p.n0, 0.99);
    res->pmax = p.n0 ? p.g0[p.n0 - 1] : 0;
    for (size_t i = 0; i < p.n0; i++)
        res->mean0 += p.g0[i] / (double)p.n0;
    res->g1max = p.g1max;
    res->g2max = p.g2max;
    memcpy(res->gcs, p.gcs, sizeof res->gcs);
    res->build_cpu = t1 - t0;
    res->young_cpu = t2 - t1;
    res->ok = true;
out:
    free(p.g0);
    mgc_heap_destroy(h.heap);
}

/* ---- the parent ------------------------------------------------------------ */

static bool sc_run(const sc_options *opt, uint64_t old_mib, sc_result *res)
{
    memset(res, 0, sizeof *res);
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(res->error, sizeof res->error, "pipe failed");
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        snprintf(res->error, sizeof res->error, "fork failed");
        return false;
    }
    if (pid == 0) {
        close(fd[0]);
        sc_result r;
        sc_child(opt, old_mib, &r);
        ssize_t w = write(fd[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], res, sizeof *res);
    close(fd[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    wait4(pid, &status, 0, &ru);
    if (got != (ssize_t)sizeof *res) {
        memset(res, 0, sizeof *res);
        snprintf(res->error, sizeof res->error, "child died (status 0x%x)", status);
        return false;
    }
    res->maxrss_kib = (uint64_t)ru.ru_maxrss;
    return res->ok;
}

static bool sc_parse_list(const char *s, sc_options *opt)
{
    opt->nold = 0;
    while (*s) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || v == 0 || v > 65536 || opt->nold == SC_MAX_SIZES)
            return false;
        opt->old_mib[opt->nold++] = v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return false;
    }
    return opt->nold > 0;
}

static int sc_usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "bench_scale: %s\n", msg);
    fprintf(stderr, "usage: bench_scale [--old MIB,MIB,...] [--young MIB] [--mutate N] [--seed S] [--csv]\n"
                    "  --old LIST    old generation sizes in MiB (default 16,256,1024)\n"
                    "  --young MIB   young allocation measured per size (default 256)\n"
                    "  --mutate N    one old-to-young and one old-to-old store every N young\n"
                    "                nodes (default 64; 0: none)\n"
                    "  --seed S      random seed (default 1)\n"
                    "  --csv         one CSV row per size instead of the table\n");
    return SC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    sc_options opt = { .old_mib = { 16, 256, 1024 }, .nold = 3, .young_mib = 256, .mutate = 64, .seed = 1 };
    static const struct option longopts[] = {
        { "old", required_argument, NULL, 'o' }, { "young", required_argument, NULL, 'y' },
        { "mutate", required_argument, NULL, 'm' }, { "seed", required_argument, NULL, 's' },
        { "csv", no_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'o':
            if (!sc_parse_list(optarg, &opt))
                return sc_usage("--old wants a comma-separated list of sizes in MiB (1..65536)");
            break;
        case 'y':
            opt.young_mib = strtoull(optarg, &end, 10);
            if (!end || *end || opt.young_mib == 0 || opt.young_mib > 1u << 20)
                return sc_usage("--young wants MiB (1..1048576)");
            break;
        case 'm': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (!end || *end || v > 1u << 30)
                return sc_usage("--mutate wants a count");
            opt.mutate = (unsigned)v;
            break;
        }
        case 's':
            opt.seed = strtoull(optarg, &end, 10);
            if (!end || *end)
                return sc_usage("--seed wants a number");
            break;
        case 'c':
            opt.csv = true;
            break;
        case 'h':
            sc_usage(NULL);
            return SC_EXIT_OK;
        default:
            return sc_usage(NULL);
        }
    }
    if (optind != argc)
        return sc_usage("unexpected argument");

    if (opt.csv)
        printf("old_mib,old_mb,live_mb,rss_mb,rss_per_live,build_cpu_s,young_cpu_s,gen0_gcs,gen1_gcs,gen2_gcs,"
               "p50_ms,p99_ms,max_ms,gen1_max_ms,gen2_max_ms,gen0_budget\n");
    else {
        printf("gcfuzz scale benchmark: old generation of 64-byte nodes (4 slots, 3 linked), %" PRIu64
               " MiB of young nodes per size, 1 in %u kept in a ring of %u,\n"
               "one old-to-young and one old-to-old store every %u young nodes; seed %" PRIu64
               "; default configuration (dynamic budgets)\n\n",
               opt.young_mib, SC_KEEP_EVERY, SC_RING, opt.mutate, opt.seed);
        printf("%8s %8s %8s %8s %6s %8s %8s %14s %7s %7s %7s %7s %8s %8s %8s\n", "old MiB", "old MB", "live MB",
               "RSS MB", "RSS/l", "build s", "young s", "GCs g0/g1/g2", "p50", "p99", "max", "p99/x1",
               "g1 max", "g2 max", "g0 bud");
        printf("%8s %8s %8s %8s %6s %8s %8s %14s %7s %7s %7s %7s %8s %8s %8s\n", "", "", "", "", "", "cpu", "cpu",
               "(young phase)", "ms", "ms", "ms", "", "ms", "ms", "KiB");
    }
    int rc = SC_EXIT_OK;
    double p99_first = 0;
    static sc_result all[SC_MAX_SIZES];
    bool done[SC_MAX_SIZES] = { false };
    for (unsigned i = 0; i < opt.nold; i++) {
        sc_result r;
        done[i] = sc_run(&opt, opt.old_mib[i], &all[i]);
        r = all[i];
        if (!done[i]) {
            fprintf(stderr, "bench_scale: old %" PRIu64 " MiB: %s\n", opt.old_mib[i], r.error);
            rc = SC_EXIT_FAIL;
            continue;
        }
        if (i == 0)
            p99_first = r.p99;
        double rss = (double)r.maxrss_kib / 1024.0, live = (double)r.live_bytes / 1e6 * 1e6 / (double)MIB;
        double ratio = p99_first > 0 ? r.p99 / p99_first : 0;
        if (opt.csv)
            printf("%" PRIu64 ",%.1f,%.1f,%.1f,%.2f,%.3f,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
                   ",%.3f,%.3f,%.3f,%.3f,%.3f,%" PRIu64 "\n",
                   opt.old_mib[i], (double)r.old_bytes / (double)MIB, live, rss, rss / live, r.build_cpu,
                   r.young_cpu, r.gcs[0], r.gcs[1], r.gcs[2], r.p50, r.p99, r.pmax, r.g1max, r.g2max,
                   r.gen0_budget);
        else {
            char gcs[32];
            snprintf(gcs, sizeof gcs, "%" PRIu64 "/%" PRIu64 "/%" PRIu64, r.gcs[0], r.gcs[1], r.gcs[2]);
            printf("%8" PRIu64 " %8.1f %8.1f %8.1f %6.2f %8.3f %8.3f %14s %7.3f %7.3f %7.3f %7.2f %8.3f %8.3f %8" PRIu64
                   "\n",
                   opt.old_mib[i], (double)r.old_bytes / (double)MIB, live, rss, rss / live, r.build_cpu,
                   r.young_cpu, gcs, r.p50, r.p99, r.pmax, ratio, r.g1max, r.g2max, r.gen0_budget / 1024u);
        }
        fflush(stdout);
    }
    if (!opt.csv)
        printf("\nMB are MiB.  gen0 pauses on-CPU (thread CPU clock, GC_START..GC_END), nearest-rank "
               "percentiles; p99/x1: p99 over the first size's p99.\n");
#ifdef SC_PHASES
    /* .gc.phase-times: the steps of mgc_gc_run (runtime/collect.c) */
    for (unsigned i = 0; i < opt.nold; i++) {
        if (!done[i])
            continue;
        const sc_result *r = &all[i];
        if (r->nphases == 0) {
            fprintf(stderr, "bench_scale: the runtime reports no collection steps\n");
            return SC_EXIT_FAIL;
        }
        if (i == 0 || all[0].nphases == 0) {
            printf("\nmean on-CPU us per gen0 collection of the young phase, by step of the collection\n%8s", "old MiB");
            for (unsigned k = 0; k < r->nphases; k++)
                printf(" %9s", r->phase_name[k]);
            printf(" %9s %9s\n", "sum", "pause");
        }
        double sum = 0;
        printf("%8" PRIu64, opt.old_mib[i]);
        for (unsigned k = 0; k < r->nphases; k++) {
            printf(" %9.1f", r->phase_us[k]);
            sum += r->phase_us[k];
        }
        printf(" %9.1f %9.1f\n", sum, r->mean0 * 1e3);
    }
    printf("sum: the steps; pause: the mean gen0 pause (GC_START..GC_END, so it includes reading the clock)\n");
#endif
    return rc;
}
