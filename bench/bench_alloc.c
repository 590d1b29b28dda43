/* bench_alloc.c -- allocation throughput and collection pauses of the mgc
 * runtime, side by side with glibc malloc/free and the Boehm collector.
 *
 * Two workloads, each run on every allocator with the same seed:
 *   trees  GCBench (Boyer, Ellis, Kovac): a stretch tree, a long-lived tree
 *          and array, then short-lived binary trees of increasing depth built
 *          top-down (populate) and bottom-up (make).
 *   mixed  objects of 100-4000 bytes (byte arrays, records with reference
 *          slots, reference arrays, records and arrays owning up to four
 *          byte-array children), one unit in 30 survives in a ring that
 *          replaces its entries at random, one unit in 500 is a large object
 *          (85000-340000 bytes).
 * The random choices of a workload are drawn by one planner
 * (.bench.same-work), so every allocator does the same allocations in the
 * same order; a checksum over the surviving objects' contents is compared
 * between allocators and a mismatch fails the run (exit status 1).
 *
 * Every (workload, allocator, repeat) runs in a fresh child process
 * (.bench.isolation): peak RSS is that child's own (wait4), one allocator's
 * heap never shares the address space with another's, and a crash of one
 * run is reported in its row instead of ending the benchmark.
 *
 * mgc rules followed here (include/mgc.h): a collection may move small
 * objects, so no mgc_ref lives in a C variable across an allocation; every
 * object under construction is held in a registered local slot
 * (mgc_thread_set_locals) and re-read from the slot or its parent's field
 * after each allocation (.bench.roots).
 *
 * Usage: bench_alloc [--scale X] [--repeat R] [--seed S] [--csv]
 *                    [--workload trees|mixed|all] [--alloc mgc,malloc,boehm]
 *                    [--gen0-budget BYTES] [--threads LIST]
 * --threads: allocation throughput with 1, 2, 4... allocating threads
 * instead (.bench.threads).
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mgc.h"

#ifdef HAVE_BOEHM
#include <gc.h>
#endif

/* ===================================================================== */
/* Section: common definitions                                           */
/* ===================================================================== */

enum { BENCH_EXIT_OK = 0, BENCH_EXIT_FAIL = 1, BENCH_EXIT_USAGE = 64 };

typedef enum bench_alloc_id { BA_MGC = 0, BA_MALLOC = 1, BA_BOEHM = 2, BA_COUNT = 3 } bench_alloc_id;
typedef enum bench_work_id { BW_TREES = 0, BW_MIXED = 1, BW_COUNT = 2 } bench_work_id;

static const char *const bench_alloc_names[BA_COUNT] = {"mgc", "malloc", "boehm"};
static const char *const bench_work_names[BW_COUNT] = {"trees", "mixed"};

typedef struct bench_options {
    double scale;             /* work size multiplier (1 = the documented default) */
    unsigned repeat;          /* runs per cell; the median (by wall time) is shown */
    uint64_t seed;
    bool csv;
    bool work[BW_COUNT];
    bool alloc[BA_COUNT];
    size_t gen0_budget;       /* 0: the runtime's default (dynamic budgets) */
    unsigned threads[8];      /* --threads: thread counts of the thread table */
    unsigned nthreads;        /* 0: the workload table */
} bench_options;

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: a pause measured with it leaves out the
   time the process was preempted (the machine may be shared). */
static double bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64: small, fast, fully determined by the seed. */
typedef struct bench_rng { uint64_t s; } bench_rng;

static uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint32_t bench_rng_range(bench_rng *r, uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)(bench_rng_next(r) % ((uint64_t)hi - lo + 1));
}

static uint64_t bench_mix(uint64_t ck, uint64_t v)
{
    return ck * 1000003u + v + 1u;
}

/* ---- pause recording ------------------------------------------------- */
typedef struct bench_pauses {
    double *v;                /* seconds */
    size_t n, cap;
} bench_pauses;

static void bench_pauses_push(bench_pauses *p, double dt)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        double *v = realloc(p->v, cap * sizeof *v);
        if (v == NULL)
            return;           /* a lost sample is better than a failed run */
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = dt;
}

typedef struct bench_pause_summary {
    uint64_t n;
    double total, mean, p50, p99, max;   /* seconds */
} bench_pause_summary;

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double bench_percentile(const double *v, size_t n, double pct)
{
    size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

static void bench_pauses_summarize(bench_pauses *p, bench_pause_summary *out)
{
    memset(out, 0, sizeof *out);
    out->n = p->n;
    if (p->n == 0)
        return;
    qsort(p->v, p->n, sizeof p->v[0], bench_cmp_double);
    for (size_t i = 0; i < p->n; i++)
        out->total += p->v[i];
    out->mean = out->total / (double)p->n;
    out->p50 = bench_percentile(p->v, p->n, 50.0);
    out->p99 = bench_percentile(p->v, p->n, 99.0);
    out->max = p->v[p->n - 1];
}

/* ---- one run's result (sent from the child to the parent) ---------- */
typedef struct bench_result {
    int ok;                   /* 1: the run completed */
    char err[200];
    double wall;              /* seconds of workload (heap setup excluded) */
    uint64_t allocs, bytes;   /* allocations and bytes requested */
    uint64_t checksum;
    double heap_peak;         /* bytes: mgc gc_committed, Boehm heap size,
                                 malloc arena + mmapped, sampled */
    double rss_peak;          /* bytes, filled by the parent (wait4) */
    double cpu;               /* seconds of user + system time of the whole
                                 child (setup included), from wait4 */
    uint64_t gcs[3];          /* mgc_collection_count(g): a GC of gen N counts
                                 for gens 0..N (SEMANTICS 3 step 9) */
    bench_pause_summary young;   /* mgc: gen0 GCs; Boehm: every GC */
    bench_pause_summary all;     /* every collection */
    bench_pause_summary young_cpu;  /* mgc gen0 GCs, thread CPU time */
    double lib_gc_ms;         /* Boehm GC_get_full_gc_total_time, else -1 */
    int have_stats;
    mgc_stats stats;          /* mgc: counters at the end of the workload */
} bench_result;

static void bench_fail(bench_result *res, const char *fmt, const char *what)
{
    res->ok = 0;
    snprintf(res->err, sizeof res->err, fmt, what);
}

/* ---- heap-size sampling every BENCH_SAMPLE_EVERY allocations -------- */
/* .bench.sample: mgc_get_stats walks the heap, so sampling is rare and the
   time it takes is subtracted from the wall time (for every allocator). */
#define BENCH_SAMPLE_EVERY (1u << 20)

typedef struct bench_meter {
    uint64_t allocs, bytes;
    uint32_t countdown;
    double heap_peak;
    double sample_time;       /* seconds spent sampling */
    double (*heap_now)(void *ctx);
    void *heap_ctx;
} bench_meter;

static void bench_meter_sample(bench_meter *m)
{
    double t0 = bench_now();
    double h = m->heap_now(m->heap_ctx);
    if (h > m->heap_peak)
        m->heap_peak = h;
    m->countdown = BENCH_SAMPLE_EVERY;
    m->sample_time += bench_now() - t0;
}

static inline void bench_meter_count(bench_meter *m, size_t bytes)
{
    m->allocs++;
    m->bytes += bytes;
    if (--m->countdown == 0)
        bench_meter_sample(m);
}

/* ===================================================================== */
/* Section: workload parameters and the mixed-workload planner           */
/* ===================================================================== */

/* GCBench's constants (.bench.gcbench). */
#define TREES_STRETCH_DEPTH 18
#define TREES_LONG_LIVED_DEPTH 16
#define TREES_ARRAY_SIZE 500000
#define TREES_MIN_DEPTH 4
#define TREES_MAX_DEPTH 16

static long trees_tree_size(int depth)
{
    return (1L << (depth + 1)) - 1;
}

/* Trees built per depth and direction: GCBench's 2 * size(stretch) /
   size(depth), times the scale. */
static long trees_iterations(int depth, double scale)
{
    double n = scale * 2.0 * (double)trees_tree_size(TREES_STRETCH_DEPTH) /
               (double)trees_tree_size(depth);
    return n < 1.0 ? 1 : (long)n;
}

/* Mixed workload (.bench.mixed). */
#define MIXED_UNITS_BASE 1000000.0  /* units at scale 1 */
#define MIXED_RING 2048             /* surviving units kept at once */
#define MIXED_SURVIVE_ONE_IN 30
#define MIXED_LARGE_ONE_IN 500
#define MIXED_MIN_SIZE 100
#define MIXED_MAX_SIZE 4000
#define MIXED_LARGE_MIN 85000
#define MIXED_LARGE_MAX 340000
#define MIXED_MAX_CHILDREN 4
#define MIXED_RECORD_REFS 4
#define MIXED_RECORD_TYPES 8

static const uint32_t mixed_record_sizes[MIXED_RECORD_TYPES] = {
    128, 256, 512, 1024, 1536, 2048, 3072, 4000};

typedef enum mixed_kind {
    MK_BYTES = 0,             /* byte array, 100-4000 bytes */
    MK_RECORD = 1,            /* fixed type with 4 reference slots */
    MK_REFS = 2,              /* reference array, 100-4000 bytes */
    MK_LARGE = 3              /* byte array >= 85000 bytes (LOH) */
} mixed_kind;

/* One object: its total size is the mgc size (header and type pointer
   included); malloc and Boehm are asked for the same number of bytes. */
typedef struct mixed_obj_plan {
    mixed_kind kind;
    uint32_t size;
    uint32_t length;          /* array elements (bytes or references) */
    uint32_t type_index;      /* MK_RECORD: index into mixed_record_sizes */
    uint32_t stamp;           /* written at both ends of the payload */
} mixed_obj_plan;

typedef struct mixed_unit_plan {
    mixed_obj_plan obj;
    unsigned nchildren;       /* byte arrays referenced from obj's slots */
    mixed_obj_plan child[MIXED_MAX_CHILDREN];
    bool survive;
    uint32_t ring_index;
} mixed_unit_plan;

static void mixed_plan_bytes(bench_rng *r, mixed_obj_plan *o)
{
    o->kind = MK_BYTES;
    o->size = bench_rng_range(r, MIXED_MIN_SIZE, MIXED_MAX_SIZE);
    o->length = o->size - 24;
    o->type_index = 0;
    o->stamp = (uint32_t)bench_rng_next(r);
}

/* .bench.same-work: the only source of the mixed workload's choices. */
static void mixed_plan_unit(bench_rng *r, mixed_unit_plan *u)
{
    mixed_obj_plan *o = &u->obj;
    u->nchildren = 0;
    if (bench_rng_next(r) % MIXED_LARGE_ONE_IN == 0) {
        o->kind = MK_LARGE;
        o->size = bench_rng_range(r, MIXED_LARGE_MIN, MIXED_LARGE_MAX);
        o->length = o->size - 24;
        o->type_index = 0;
        o->stamp = (uint32_t)bench_rng_next(r);
    } else {
        switch (bench_rng_next(r) % 4) {
        case 0: case 1:
            mixed_plan_bytes(r, o);
            break;
        case 2:
            o->kind = MK_RECORD;
            o->type_index = (uint32_t)(bench_rng_next(r) % MIXED_RECORD_TYPES);
            o->size = mixed_record_sizes[o->type_index];
            o->length = 0;
            o->stamp = (uint32_t)bench_rng_next(r);
            break;
        default:
            o->kind = MK_REFS;
            o->length = (bench_rng_range(r, MIXED_MIN_SIZE, MIXED_MAX_SIZE) - 24) / 8;
            o->size = 24 + 8 * o->length;
            o->type_index = 0;
            o->stamp = 0;
            break;
        }
        if (o->kind == MK_RECORD || o->kind == MK_REFS) {
            u->nchildren = (unsigned)(bench_rng_next(r) % (MIXED_MAX_CHILDREN + 1));
            for (unsigned c = 0; c < u->nchildren; c++)
                mixed_plan_bytes(r, &u->child[c]);
        }
    }
    u->survive = bench_rng_next(r) % MIXED_SURVIVE_ONE_IN == 0;
    u->ring_index = u->survive ? (uint32_t)(bench_rng_next(r) % MIXED_RING) : 0;
}

static uint64_t mixed_units(double scale)
{
    double n = MIXED_UNITS_BASE * scale;
    return n < 1.0 ? 1 : (uint64_t)n;
}

/* Payload stamps: 4 bytes at the start and 4 at the end. */
static void stamp_payload(uint8_t *p, size_t len, uint32_t stamp)
{
    uint32_t back = stamp ^ 0xA5A5A5A5u;
    memcpy(p, &stamp, 4);
    memcpy(p + len - 4, &back, 4);
}

static uint64_t read_stamps(uint64_t ck, const uint8_t *p, size_t len)
{
    uint32_t front, back;
    memcpy(&front, p, 4);
    memcpy(&back, p + len - 4, 4);
    return bench_mix(bench_mix(ck, front), back);
}

/* ===================================================================== */
/* Section: mgc                                                          */
/* ===================================================================== */

#define MGC_SLOTS 64

typedef struct bench_mgc {
    mgc_heap *heap;
    mgc_ref slots[MGC_SLOTS];        /* thread 0's registered locals */
    const mgc_type *node;            /* trees: 2 refs + i, j */
    const mgc_type *bytes, *refs;
    const mgc_type *record[MIXED_RECORD_TYPES];
    /* collection clock (.bench.pause) */
    double gc_t0, gc_c0;
    int gc_gen;
    bench_pauses pauses[3];
    bench_pauses gen0_cpu;
    bench_meter meter;
} bench_mgc;

static void bench_mgc_event(mgc_heap *heap, const mgc_event *ev, void *ctx)
{
    bench_mgc *m = ctx;
    (void)heap;
    if (ev->kind == MGC_EV_GC_START) {
        m->gc_gen = ev->gen;
        m->gc_c0 = bench_thread_cpu();
        m->gc_t0 = bench_now();
    } else if (ev->kind == MGC_EV_GC_END && ev->gen >= 0 && ev->gen <= 2) {
        bench_pauses_push(&m->pauses[ev->gen], bench_now() - m->gc_t0);
        if (ev->gen == 0)
            bench_pauses_push(&m->gen0_cpu, bench_thread_cpu() - m->gc_c0);
    }
}

static double bench_mgc_heap_now(void *ctx)
{
    bench_mgc *m = ctx;
    mgc_stats s;
    mgc_get_stats(m->heap, &s);
    return (double)s.gc_committed;
}

static mgc_status bench_mgc_setup(bench_mgc *m, const bench_options *opt, bench_result *res)
{
    mgc_config cfg;
    mgc_config_default(&cfg);
    cfg.threads = 1;
    if (opt->gen0_budget)
        cfg.gen0_budget = opt->gen0_budget;
    mgc_status st = mgc_heap_create(&cfg, &m->heap);
    if (st != MGC_OK) {
        bench_fail(res, "mgc_heap_create: %s", mgc_status_name(st));
        return st;
    }
    mgc_type_desc node = {.name = "Node", .kind = MGC_KIND_FIXED, .size = 40, .nrefs = 2};
    mgc_type_desc bytes = {.name = "Byte[]", .kind = MGC_KIND_BYTE_ARRAY};
    mgc_type_desc refs = {.name = "Object[]", .kind = MGC_KIND_REF_ARRAY};
    static const char *const record_names[MIXED_RECORD_TYPES] = {
        "Record128", "Record256", "Record512", "Record1024",
        "Record1536", "Record2048", "Record3072", "Record4000"};
    if ((st = mgc_type_register(m->heap, &node, &m->node)) == MGC_OK &&
        (st = mgc_type_register(m->heap, &bytes, &m->bytes)) == MGC_OK)
        st = mgc_type_register(m->heap, &refs, &m->refs);
    for (unsigned i = 0; st == MGC_OK && i < MIXED_RECORD_TYPES; i++) {
        mgc_type_desc rec = {.name = record_names[i], .kind = MGC_KIND_FIXED,
                             .size = mixed_record_sizes[i], .nrefs = MIXED_RECORD_REFS};
        st = mgc_type_register(m->heap, &rec, &m->record[i]);
    }
    if (st == MGC_OK)
        st = mgc_thread_set_locals(m->heap, 0, m->slots, MGC_SLOTS);
    if (st != MGC_OK) {
        bench_fail(res, "mgc setup: %s", mgc_status_name(st));
        return st;
    }
    mgc_set_event_callback(m->heap, bench_mgc_event, m);
    m->meter.heap_now = bench_mgc_heap_now;
    m->meter.heap_ctx = m;
    m->meter.countdown = BENCH_SAMPLE_EVERY;
    return MGC_OK;
}

/* One allocation into a registered slot. */
static inline mgc_status bench_mgc_new(bench_mgc *m, const mgc_type *t, size_t length,
                                       size_t size, unsigned slot)
{
    mgc_status st = mgc_alloc(m->heap, 0, t, length, &m->slots[slot]);
    bench_meter_count(&m->meter, size);
    return st;
}

/* ---- trees on mgc (.bench.roots) ------------------------------------ */
enum { MT_LONG = 0, MT_ARRAY = 1, MT_TREE = 2, MT_REC = 3 };
#define MGC_NODE_SIZE 40

/* The node in slots[level] gets two children, then each child is
   populated; slots[level + 1] holds the child being worked on. */
static mgc_status trees_mgc_populate(bench_mgc *m, unsigned level, int depth)
{
    mgc_status st;
    if (depth <= 0)
        return MGC_OK;
    depth--;
    if ((st = bench_mgc_new(m, m->node, 0, MGC_NODE_SIZE, level + 1)) != MGC_OK)
        return st;
    mgc_store(m->heap, m->slots[level], 0, m->slots[level + 1]);
    if ((st = bench_mgc_new(m, m->node, 0, MGC_NODE_SIZE, level + 1)) != MGC_OK)
        return st;
    mgc_store(m->heap, m->slots[level], 1, m->slots[level + 1]);
    for (size_t i = 0; i < 2; i++) {
        m->slots[level + 1] = mgc_load(m->heap, m->slots[level], i);
        if ((st = trees_mgc_populate(m, level + 1, depth)) != MGC_OK)
            return st;
    }
    m->slots[level + 1] = NULL;
    return MGC_OK;
}

/* Build a tree bottom-up into slots[level]; the left subtree waits in
   slots[level + 1] while the right one is built from slots[level + 2] up. */
static mgc_status trees_mgc_make(bench_mgc *m, unsigned level, int depth)
{
    mgc_status st;
    if (depth <= 0)
        return bench_mgc_new(m, m->node, 0, MGC_NODE_SIZE, level);
    if ((st = trees_mgc_make(m, level + 1, depth - 1)) != MGC_OK ||
        (st = trees_mgc_make(m, level + 2, depth - 1)) != MGC_OK ||
        (st = bench_mgc_new(m, m->node, 0, MGC_NODE_SIZE, level)) != MGC_OK)
        return st;
    mgc_store(m->heap, m->slots[level], 0, m->slots[level + 1]);
    mgc_store(m->heap, m->slots[level], 1, m->slots[level + 2]);
    m->slots[level + 1] = m->slots[level + 2] = NULL;
    return MGC_OK;
}

/* No allocation happens here, so plain C references are safe. */
static uint64_t trees_mgc_count(bench_mgc *m, mgc_ref node)
{
    if (node == NULL)
        return 0;
    return 1 + trees_mgc_count(m, mgc_load(m->heap, node, 0)) +
           trees_mgc_count(m, mgc_load(m->heap, node, 1));
}

static void trees_mgc(bench_mgc *m, const bench_options *opt, bench_result *res)
{
    mgc_status st;
    uint64_t ck = 0;
    /* Stretch the heap. */
    if ((st = trees_mgc_make(m, MT_REC, TREES_STRETCH_DEPTH)) != MGC_OK)
        goto oom;
    m->slots[MT_REC] = NULL;
    /* Long-lived tree and array. */
    if ((st = bench_mgc_new(m, m->node, 0, MGC_NODE_SIZE, MT_LONG)) != MGC_OK)
        goto oom;
    m->slots[MT_REC] = m->slots[MT_LONG];
    if ((st = trees_mgc_populate(m, MT_REC, TREES_LONG_LIVED_DEPTH)) != MGC_OK)
        goto oom;
    m->slots[MT_REC] = NULL;
    size_t array_bytes = (size_t)TREES_ARRAY_SIZE * sizeof(double);
    if ((st = bench_mgc_new(m, m->bytes, array_bytes, 24 + array_bytes, MT_ARRAY)) != MGC_OK)
        goto oom;
    {
        size_t len;
        uint8_t *p = mgc_payload(m->slots[MT_ARRAY], &len);
        for (size_t i = 1; i < TREES_ARRAY_SIZE / 2; i++) {
            double v = 1.0 / (double)i;
            memcpy(p + i * sizeof v, &v, sizeof v);
        }
    }
    /* Short-lived trees. */
    for (int d = TREES_MIN_DEPTH; d <= TREES_MAX_DEPTH; d += 2) {
        long iters = trees_iterations(d, opt->scale);
        for (long i = 0; i < iters; i++) {
            if ((st = bench_mgc_new(m, m->node, 0, MGC_NODE_SIZE, MT_TREE)) != MGC_OK)
                goto oom;
            m->slots[MT_REC] = m->slots[MT_TREE];
            if ((st = trees_mgc_populate(m, MT_REC, d)) != MGC_OK)
                goto oom;
            if (i == 0)
                ck = bench_mix(ck, trees_mgc_count(m, m->slots[MT_TREE]));
            m->slots[MT_TREE] = m->slots[MT_REC] = NULL;
        }
        for (long i = 0; i < iters; i++) {
            if ((st = trees_mgc_make(m, MT_REC, d)) != MGC_OK)
                goto oom;
            if (i == 0)
                ck = bench_mix(ck, trees_mgc_count(m, m->slots[MT_REC]));
            m->slots[MT_REC] = NULL;
        }
    }
    /* The long-lived data must still be intact. */
    ck = bench_mix(ck, trees_mgc_count(m, m->slots[MT_LONG]));
    {
        size_t len;
        double v;
        uint8_t *p = mgc_payload(m->slots[MT_ARRAY], &len);
        memcpy(&v, p + 1000 * sizeof v, sizeof v);
        ck = bench_mix(ck, v == 1.0 / 1000.0);
    }
    res->checksum = ck;
    res->ok = 1;
    return;
oom:
    bench_fail(res, "mgc_alloc: %s", mgc_status_name(st));
}

/* ---- mixed on mgc (.bench.roots) ------------------------------------ */
enum { MM_RING = 0, MM_UNIT = 1, MM_CHILD = 2 };

static uint64_t mixed_mgc_verify(bench_mgc *m, uint64_t ck, mgc_ref obj)
{
    size_t len;
    const mgc_type *t = mgc_type_of(obj);
    if (t == m->refs) {
        ck = bench_mix(ck, mgc_array_length(obj));
    } else {
        uint8_t *p = mgc_payload(obj, &len);
        ck = read_stamps(ck, p, len);
    }
    if (t == m->bytes)
        return ck;
    for (size_t i = 0; i < MIXED_MAX_CHILDREN; i++) {
        mgc_ref c = mgc_load(m->heap, obj, i);
        if (c != NULL) {
            uint8_t *p = mgc_payload(c, &len);
            ck = read_stamps(ck, p, len);
        }
    }
    return ck;
}

static mgc_status mixed_mgc_object(bench_mgc *m, const mixed_obj_plan *o, unsigned slot)
{
    const mgc_type *t = o->kind == MK_RECORD ? m->record[o->type_index]
                        : o->kind == MK_REFS ? m->refs : m->bytes;
    mgc_status st = bench_mgc_new(m, t, o->length, o->size, slot);
    if (st == MGC_OK && o->kind != MK_REFS) {
        size_t len;
        uint8_t *p = mgc_payload(m->slots[slot], &len);
        stamp_payload(p, len, o->stamp);
    }
    return st;
}

static void mixed_mgc(bench_mgc *m, const bench_options *opt, bench_result *res)
{
    mgc_status st;
    uint64_t ck = 0, units = mixed_units(opt->scale);
    bench_rng rng = {opt->seed};
    mixed_unit_plan u;
    if ((st = bench_mgc_new(m, m->refs, MIXED_RING, 24 + 8 * MIXED_RING, MM_RING)) != MGC_OK)
        goto oom;
    for (uint64_t n = 0; n < units; n++) {
        mixed_plan_unit(&rng, &u);
        if ((st = mixed_mgc_object(m, &u.obj, MM_UNIT)) != MGC_OK)
            goto oom;
        for (unsigned c = 0; c < u.nchildren; c++) {
            if ((st = mixed_mgc_object(m, &u.child[c], MM_CHILD)) != MGC_OK)
                goto oom;
            mgc_store(m->heap, m->slots[MM_UNIT], c, m->slots[MM_CHILD]);
        }
        m->slots[MM_CHILD] = NULL;
        if (u.survive) {
            mgc_ref old = mgc_load(m->heap, m->slots[MM_RING], u.ring_index);
            if (old != NULL)
                ck = mixed_mgc_verify(m, ck, old);
            mgc_store(m->heap, m->slots[MM_RING], u.ring_index, m->slots[MM_UNIT]);
        }
        m->slots[MM_UNIT] = NULL;
    }
    for (size_t i = 0; i < MIXED_RING; i++) {
        mgc_ref old = mgc_load(m->heap, m->slots[MM_RING], i);
        if (old != NULL)
            ck = mixed_mgc_verify(m, ck, old);
    }
    res->checksum = ck;
    res->ok = 1;
    return;
oom:
    bench_fail(res, "mgc_alloc: %s", mgc_status_name(st));
}

static void bench_run_mgc(bench_work_id w, const bench_options *opt, bench_result *res)
{
    static bench_mgc m;       /* static: the slot array must not move */
    if (bench_mgc_setup(&m, opt, res) != MGC_OK)
        return;
    double t0 = bench_now();
    if (w == BW_TREES)
        trees_mgc(&m, opt, res);
    else
        mixed_mgc(&m, opt, res);
    res->wall = bench_now() - t0 - m.meter.sample_time;
    bench_meter_sample(&m.meter);
    res->allocs = m.meter.allocs;
    res->bytes = m.meter.bytes;
    res->heap_peak = m.meter.heap_peak;
    for (int g = 0; g < 3; g++)
        res->gcs[g] = mgc_collection_count(m.heap, g);
    bench_pauses all = {0};
    for (int g = 0; g < 3; g++)
        for (size_t i = 0; i < m.pauses[g].n; i++)
            bench_pauses_push(&all, m.pauses[g].v[i]);
    bench_pauses_summarize(&m.pauses[0], &res->young);
    bench_pauses_summarize(&m.gen0_cpu, &res->young_cpu);
    bench_pauses_summarize(&all, &res->all);
    res->lib_gc_ms = -1;
    mgc_get_stats(m.heap, &res->stats);
    res->have_stats = 1;
    mgc_heap_destroy(m.heap);
}

/* ===================================================================== */
/* Section: glibc malloc/free                                            */
/* ===================================================================== */

/* GCBench's node (the C version's layout). */
typedef struct cnode {
    struct cnode *left, *right;
    int i, j;
} cnode;

/* A mixed-workload object: a 16-byte prefix, reference slots, payload;
   the total is the planned size. */
typedef struct cobj {
    uint32_t kind, nrefs;
    uint64_t len;             /* payload bytes */
    struct cobj *refs[];
} cobj;

static uint8_t *cobj_payload(cobj *o)
{
    return (uint8_t *)(o->refs + o->nrefs);
}

/* The same code serves malloc and Boehm: only allocation and dropping
   differ (.bench.c-allocators). */
typedef struct bench_callocator {
    void *(*alloc)(size_t size);          /* may return uninitialized memory */
    void *(*alloc_atomic)(size_t size);   /* memory holding no pointers */
    void (*release)(void *p);             /* NULL: the collector reclaims */
    bench_meter meter;
} bench_callocator;

static cnode *trees_c_node(bench_callocator *a, cnode *l, cnode *r)
{
    cnode *n = a->alloc(sizeof *n);
    if (n == NULL)
        return NULL;
    bench_meter_count(&a->meter, sizeof *n);
    n->left = l;
    n->right = r;
    n->i = n->j = 0;
    return n;
}

static bool trees_c_populate(bench_callocator *a, int depth, cnode *node)
{
    if (depth <= 0)
        return true;
    depth--;
    if ((node->left = trees_c_node(a, NULL, NULL)) == NULL ||
        (node->right = trees_c_node(a, NULL, NULL)) == NULL)
        return false;
    return trees_c_populate(a, depth, node->left) && trees_c_populate(a, depth, node->right);
}

static cnode *trees_c_make(bench_callocator *a, int depth)
{
    if (depth <= 0)
        return trees_c_node(a, NULL, NULL);
    cnode *l = trees_c_make(a, depth - 1);
    cnode *r = l ? trees_c_make(a, depth - 1) : NULL;
    return r ? trees_c_node(a, l, r) : NULL;
}

static void trees_c_drop(bench_callocator *a, cnode *n)
{
    if (n == NULL || a->release == NULL)
        return;
    trees_c_drop(a, n->left);
    trees_c_drop(a, n->right);
    a->release(n);
}

static uint64_t trees_c_count(const cnode *n)
{
    return n == NULL ? 0 : 1 + trees_c_count(n->left) + trees_c_count(n->right);
}

static void trees_c(bench_callocator *a, const bench_options *opt, bench_result *res)
{
    uint64_t ck = 0;
    cnode *t = trees_c_make(a, TREES_STRETCH_DEPTH);
    if (t == NULL)
        goto oom;
    trees_c_drop(a, t);
    cnode *long_lived = trees_c_node(a, NULL, NULL);
    if (long_lived == NULL || !trees_c_populate(a, TREES_LONG_LIVED_DEPTH, long_lived))
        goto oom;
    size_t array_bytes = (size_t)TREES_ARRAY_SIZE * sizeof(double);
    double *array = a->alloc_atomic(array_bytes);
    if (array == NULL)
        goto oom;
    bench_meter_count(&a->meter, array_bytes);
    for (size_t i = 1; i < TREES_ARRAY_SIZE / 2; i++)
        array[i] = 1.0 / (double)i;
    for (int d = TREES_MIN_DEPTH; d <= TREES_MAX_DEPTH; d += 2) {
        long iters = trees_iterations(d, opt->scale);
        for (long i = 0; i < iters; i++) {
            t = trees_c_node(a, NULL, NULL);
            if (t == NULL || !trees_c_populate(a, d, t))
                goto oom;
            if (i == 0)
                ck = bench_mix(ck, trees_c_count(t));
            trees_c_drop(a, t);
        }
        for (long i = 0; i < iters; i++) {
            if ((t = trees_c_make(a, d)) == NULL)
                goto oom;
            if (i == 0)
                ck = bench_mix(ck, trees_c_count(t));
            trees_c_drop(a, t);
        }
    }
    ck = bench_mix(ck, trees_c_count(long_lived));
    ck = bench_mix(ck, array[1000] == 1.0 / 1000.0);
    trees_c_drop(a, long_lived);
    if (a->release)
        a->release(array);
    res->checksum = ck;
    res->ok = 1;
    return;
oom:
    bench_fail(res, "%s: out of memory", "allocation");
}

static cobj *mixed_c_object(bench_callocator *a, const mixed_obj_plan *p)
{
    uint32_t nrefs = p->kind == MK_RECORD ? MIXED_RECORD_REFS
                     : p->kind == MK_REFS ? p->length : 0;
    bool atomic = nrefs == 0;
    cobj *o = atomic ? a->alloc_atomic(p->size) : a->alloc(p->size);
    if (o == NULL)
        return NULL;
    bench_meter_count(&a->meter, p->size);
    o->kind = (uint32_t)p->kind;
    o->nrefs = nrefs;
    o->len = p->size - sizeof(cobj) - (size_t)nrefs * sizeof(cobj *);
    if (nrefs)
        memset(o->refs, 0, (size_t)nrefs * sizeof(cobj *));
    if (p->kind != MK_REFS)
        stamp_payload(cobj_payload(o), o->len, p->stamp);
    return o;
}

static uint64_t mixed_c_verify(uint64_t ck, cobj *o)
{
    if (o->kind == MK_REFS)
        ck = bench_mix(ck, o->nrefs);
    else
        ck = read_stamps(ck, cobj_payload(o), o->len);
    uint32_t n = o->nrefs < MIXED_MAX_CHILDREN ? o->nrefs : MIXED_MAX_CHILDREN;
    for (uint32_t i = 0; i < n; i++)
        if (o->refs[i] != NULL)
            ck = read_stamps(ck, cobj_payload(o->refs[i]), o->refs[i]->len);
    return ck;
}

static void mixed_c_drop(bench_callocator *a, cobj *o)
{
    if (o == NULL || a->release == NULL)
        return;
    uint32_t n = o->nrefs < MIXED_MAX_CHILDREN ? o->nrefs : MIXED_MAX_CHILDREN;
    for (uint32_t i = 0; i < n; i++)
        if (o->refs[i] != NULL)
            a->release(o->refs[i]);
    a->release(o);
}

static void mixed_c(bench_callocator *a, const bench_options *opt, bench_result *res)
{
    uint64_t ck = 0, units = mixed_units(opt->scale);
    bench_rng rng = {opt->seed};
    mixed_unit_plan u;
    /* The ring is a heap object here too (Boehm scans it). */
    cobj **ring = a->alloc(MIXED_RING * sizeof *ring);
    if (ring == NULL)
        goto oom;
    bench_meter_count(&a->meter, MIXED_RING * sizeof *ring);
    memset(ring, 0, MIXED_RING * sizeof *ring);
    for (uint64_t n = 0; n < units; n++) {
        mixed_plan_unit(&rng, &u);
        cobj *o = mixed_c_object(a, &u.obj);
        if (o == NULL)
            goto oom;
        for (unsigned c = 0; c < u.nchildren; c++)
            if ((o->refs[c] = mixed_c_object(a, &u.child[c])) == NULL)
                goto oom;
        if (u.survive) {
            cobj *old = ring[u.ring_index];
            if (old != NULL) {
                ck = mixed_c_verify(ck, old);
                mixed_c_drop(a, old);
            }
            ring[u.ring_index] = o;
        } else {
            mixed_c_drop(a, o);
        }
    }
    for (size_t i = 0; i < MIXED_RING; i++) {
        if (ring[i] != NULL) {
            ck = mixed_c_verify(ck, ring[i]);
            mixed_c_drop(a, ring[i]);
        }
    }
    if (a->release)
        a->release(ring);
    res->checksum = ck;
    res->ok = 1;
    return;
oom:
    bench_fail(res, "%s: out of memory", "allocation");
}

static double bench_malloc_heap_now(void *ctx)
{
    (void)ctx;
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.arena + mi.hblkhd);
}

static void bench_run_malloc(bench_work_id w, const bench_options *opt, bench_result *res)
{
    bench_callocator a = {.alloc = malloc, .alloc_atomic = malloc, .release = free};
    a.meter.heap_now = bench_malloc_heap_now;
    a.meter.countdown = BENCH_SAMPLE_EVERY;
    double t0 = bench_now();
    if (w == BW_TREES)
        trees_c(&a, opt, res);
    else
        mixed_c(&a, opt, res);
    res->wall = bench_now() - t0 - a.meter.sample_time;
    bench_meter_sample(&a.meter);
    res->allocs = a.meter.allocs;
    res->bytes = a.meter.bytes;
    res->heap_peak = a.meter.heap_peak;
    res->lib_gc_ms = -1;
}

/* ===================================================================== */
/* Section: Boehm collector                                              */
/* ===================================================================== */

#ifdef HAVE_BOEHM
static struct {
    double t0;
    bench_pauses pauses;
} boehm_clock;

static void bench_boehm_event(GC_EventType ev)
{
    if (ev == GC_EVENT_START)
        boehm_clock.t0 = bench_now();
    else if (ev == GC_EVENT_END)
        bench_pauses_push(&boehm_clock.pauses, bench_now() - boehm_clock.t0);
}

static void *bench_boehm_alloc(size_t size) { return GC_MALLOC(size); }
static void *bench_boehm_alloc_atomic(size_t size) { return GC_MALLOC_ATOMIC(size); }

static double bench_boehm_heap_now(void *ctx)
{
    (void)ctx;
    return (double)GC_get_heap_size();
}

static void bench_run_boehm(bench_work_id w, const bench_options *opt, bench_result *res)
{
    GC_INIT();
    GC_start_performance_measurement();
    GC_set_on_collection_event(bench_boehm_event);
    bench_callocator a = {.alloc = bench_boehm_alloc, .alloc_atomic = bench_boehm_alloc_atomic,
                          .release = NULL};
    a.meter.heap_now = bench_boehm_heap_now;
    a.meter.countdown = BENCH_SAMPLE_EVERY;
    GC_word gc0 = GC_get_gc_no();
    double t0 = bench_now();
    if (w == BW_TREES)
        trees_c(&a, opt, res);
    else
        mixed_c(&a, opt, res);
    res->wall = bench_now() - t0 - a.meter.sample_time;
    bench_meter_sample(&a.meter);
    res->allocs = a.meter.allocs;
    res->bytes = a.meter.bytes;
    res->heap_peak = a.meter.heap_peak;
    /* Every Boehm collection is full: it counts for all three generations,
       as a gen2 collection does in mgc_collection_count. */
    res->gcs[0] = res->gcs[1] = res->gcs[2] = GC_get_gc_no() - gc0;
    bench_pauses_summarize(&boehm_clock.pauses, &res->young);
    res->all = res->young;
    res->lib_gc_ms = (double)GC_get_full_gc_total_time();
}
#endif

/* ===================================================================== */
/* Section: runs in child processes (.bench.isolation)                   */
/* ===================================================================== */

static void bench_child(bench_alloc_id a, bench_work_id w, const bench_options *opt, int fd)
{
    bench_result res;
    memset(&res, 0, sizeof res);
    switch (a) {
    case BA_MGC: bench_run_mgc(w, opt, &res); break;
    case BA_MALLOC: bench_run_malloc(w, opt, &res); break;
    case BA_BOEHM:
#ifdef HAVE_BOEHM
        bench_run_boehm(w, opt, &res);
#else
        bench_fail(&res, "%s", "not built (libgc not found)");
#endif
        break;
    default: break;
    }
    const char *p = (const char *)&res;
    size_t left = sizeof res;
    while (left > 0) {
        ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(3);
        p += k;
        left -= (size_t)k;
    }
    _exit(0);
}

static void bench_run_one(bench_alloc_id a, bench_work_id w, const bench_options *opt,
                          bench_result *res)
{
    int fds[2];
    memset(res, 0, sizeof *res);
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        bench_fail(res, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        bench_fail(res, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        bench_child(a, w, opt, fds[1]);
    }
    close(fds[1]);
    char *p = (char *)res;
    size_t got = 0;
    while (got < sizeof *res) {
        ssize_t k = read(fds[0], p + got, sizeof *res - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    if (got < sizeof *res) {
        memset(res, 0, sizeof *res);
        if (WIFSIGNALED(status))
            snprintf(res->err, sizeof res->err, "crashed (signal %d: %s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(res->err, sizeof res->err, "exited with status %d without a result",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return;
    }
    res->rss_peak = (double)ru.ru_maxrss * 1024.0;
    res->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* ===================================================================== */
/* Section: report                                                       */
/* ===================================================================== */

static const bench_result *bench_median(bench_result *runs, unsigned n, double *spread)
{
    const bench_result *ok[64];
    unsigned k = 0;
    for (unsigned i = 0; i < n && k < 64; i++)
        if (runs[i].ok)
            ok[k++] = &runs[i];
    *spread = 0;
    if (k == 0)
        return &runs[0];
    for (unsigned i = 1; i < k; i++)           /* insertion sort by wall */
        for (unsigned j = i; j > 0 && ok[j]->wall < ok[j - 1]->wall; j--) {
            const bench_result *t = ok[j];
            ok[j] = ok[j - 1];
            ok[j - 1] = t;
        }
    const bench_result *med = ok[(k - 1) / 2];
    if (med->wall > 0)
        *spread = (ok[k - 1]->wall - ok[0]->wall) / med->wall * 100.0;
    return med;
}

#define MB (1024.0 * 1024.0)
#define MS(x) ((x) * 1e3)

static void bench_print_text(const bench_options *opt, bench_result *runs[BW_COUNT][BA_COUNT])
{
    printf("\n%-6s %-7s %8s %6s %7s %10s %9s %9s %8s %16s %7s %7s %7s %7s %8s %6s\n",
           "work", "alloc", "wall s", "+-%", "cpu s", "Malloc/s", "MB/s", "RSS MB", "heap MB",
           "GCs g0/g1/g2", "p.mean", "p50", "p99", "p.max", "maxpause", "GC %");
    printf("%-6s %-7s %8s %6s %7s %10s %9s %9s %8s %16s %7s %7s %7s %7s %8s %6s\n",
           "", "", "", "", "", "", "", "", "", "(GCs of gen N)", "ms", "ms", "ms", "ms", "ms", "");
    for (int w = 0; w < BW_COUNT; w++) {
        if (!opt->work[w])
            continue;
        for (int a = 0; a < BA_COUNT; a++) {
            if (!opt->alloc[a])
                continue;
            double spread;
            const bench_result *r = bench_median(runs[w][a], opt->repeat, &spread);
            if (!r->ok) {
                printf("%-6s %-7s FAILED: %s\n", bench_work_names[w], bench_alloc_names[a], r->err);
                continue;
            }
            char gcs[40] = "-", mean[16] = "-", p50[16] = "-", p99[16] = "-", pmax[16] = "-",
                 amax[16] = "-", gcp[16] = "-";
            if (a != BA_MALLOC)
                snprintf(gcs, sizeof gcs, "%" PRIu64 "/%" PRIu64 "/%" PRIu64,
                         r->gcs[0] - r->gcs[1], r->gcs[1] - r->gcs[2], r->gcs[2]);
            if (a != BA_MALLOC) {
                if (r->young.n) {
                    snprintf(mean, sizeof mean, "%.3f", MS(r->young.mean));
                    snprintf(p50, sizeof p50, "%.3f", MS(r->young.p50));
                    snprintf(p99, sizeof p99, "%.3f", MS(r->young.p99));
                    snprintf(pmax, sizeof pmax, "%.3f", MS(r->young.max));
                }
                if (r->all.n)
                    snprintf(amax, sizeof amax, "%.3f", MS(r->all.max));
                snprintf(gcp, sizeof gcp, "%.1f", r->wall > 0 ? r->all.total / r->wall * 100 : 0);
            }
            printf("%-6s %-7s %8.3f %6.1f %7.3f %10.2f %9.1f %9.1f %8.1f %16s %7s %7s %7s %7s %8s %6s\n",
                   bench_work_names[w], bench_alloc_names[a], r->wall, spread, r->cpu,
                   (double)r->allocs / r->wall / 1e6, (double)r->bytes / MB / r->wall,
                   r->rss_peak / MB, r->heap_peak / MB, gcs, mean, p50, p99, pmax, amax, gcp);
        }
    }
    printf("\npauses: mgc gen0 collections (GC_START..GC_END events); boehm every collection"
           " (GC_EVENT_START..END).\n");
    for (int w = 0; w < BW_COUNT; w++) {
        if (!opt->work[w] || !opt->alloc[BA_MGC])
            continue;
        double spread;
        const bench_result *r = bench_median(runs[w][BA_MGC], opt->repeat, &spread);
        if (r->ok && r->young_cpu.n)
            printf("mgc %s: gen0 pause on-CPU (thread CPU clock) mean %.3f p50 %.3f p99 %.3f"
                   " max %.3f ms\n", bench_work_names[w], MS(r->young_cpu.mean),
                   MS(r->young_cpu.p50), MS(r->young_cpu.p99), MS(r->young_cpu.max));
    }
    for (int w = 0; w < BW_COUNT; w++) {
        if (!opt->work[w] || !opt->alloc[BA_BOEHM])
            continue;
        double spread;
        const bench_result *r = bench_median(runs[w][BA_BOEHM], opt->repeat, &spread);
        if (r->ok)
            printf("boehm %s: GC_get_gc_no %" PRIu64 ", GC_get_full_gc_total_time %.0f ms\n",
                   bench_work_names[w], r->gcs[2], r->lib_gc_ms);
    }
}

static void bench_print_csv(const bench_options *opt, bench_result *runs[BW_COUNT][BA_COUNT])
{
    printf("workload,allocator,ok,wall_s,spread_pct,cpu_s,allocs,bytes,allocs_per_s,mb_per_s,"
           "rss_peak_mb,heap_peak_mb,gen0_gcs,gen1_gcs,gen2_gcs,young_n,young_mean_ms,young_p50_ms,"
           "young_p99_ms,young_max_ms,young_cpu_p50_ms,young_cpu_p99_ms,young_cpu_max_ms,"
           "all_max_ms,gc_total_s,lib_gc_ms,checksum\n");
    for (int w = 0; w < BW_COUNT; w++) {
        if (!opt->work[w])
            continue;
        for (int a = 0; a < BA_COUNT; a++) {
            if (!opt->alloc[a])
                continue;
            double spread;
            const bench_result *r = bench_median(runs[w][a], opt->repeat, &spread);
            double wall = r->wall > 0 ? r->wall : 1;
            printf("%s,%s,%d,%.4f,%.1f,%.4f,%" PRIu64 ",%" PRIu64 ",%.0f,%.1f,%.1f,%.1f,"
                   "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%.4f,"
                   "%.4f,%.4f,%.4f,%.4f,%.4f,%.0f,%016" PRIx64 "\n",
                   bench_work_names[w], bench_alloc_names[a], r->ok, r->wall, spread, r->cpu,
                   r->allocs,
                   r->bytes, (double)r->allocs / wall, (double)r->bytes / MB / wall,
                   r->rss_peak / MB, r->heap_peak / MB, r->gcs[0] - r->gcs[1],
                   r->gcs[1] - r->gcs[2], r->gcs[2],
                   r->young.n, MS(r->young.mean), MS(r->young.p50), MS(r->young.p99),
                   MS(r->young.max), MS(r->young_cpu.p50), MS(r->young_cpu.p99),
                   MS(r->young_cpu.max), MS(r->all.max), r->all.total, r->lib_gc_ms, r->checksum);
        }
    }
}

static void bench_print_mgc_stats(const bench_options *opt, bench_result *runs[BW_COUNT][BA_COUNT])
{
    if (!opt->alloc[BA_MGC])
        return;
    for (int w = 0; w < BW_COUNT; w++) {
        if (!opt->work[w])
            continue;
        double spread;
        const bench_result *r = bench_median(runs[w][BA_MGC], opt->repeat, &spread);
        if (!r->ok || !r->have_stats)
            continue;
        const mgc_stats *s = &r->stats;
        printf("\nmgc heap statistics after %s (mgc_get_stats):\n", bench_work_names[w]);
        printf("  collections gen0/gen1/gen2   %" PRIu64 " / %" PRIu64 " / %" PRIu64
               "  (induced %" PRIu64 ")\n",
               s->collections[0], s->collections[1], s->collections[2], s->induced);
        printf("  gen0/gen1/gen2 size          %.2f / %.2f / %.2f MB\n",
               s->gen_size[0] / MB, s->gen_size[1] / MB, s->gen_size[2] / MB);
        printf("  LOH size                     %.2f MB\n", s->loh_size / MB);
        printf("  promoted from gen0/gen1      %.2f / %.2f MB (last GC)\n",
               s->promoted_gen0 / MB, s->promoted_gen1 / MB);
        printf("  GC committed / reserved      %.2f / %.2f MB\n",
               s->gc_committed / MB, s->gc_reserved / MB);
        printf("  loader committed / reserved  %.1f / %.1f KB\n",
               s->loader_committed / 1024.0, s->loader_reserved / 1024.0);
        printf("  allocated bytes (total)      %.1f MB\n", s->allocated_bytes / MB);
        printf("  budgets gen0/gen1/gen2/LOH   %.2f / %.2f / %.2f / %.2f MB (%s)\n", s->budget[0] / MB,
               s->budget[1] / MB, s->budget[2] / MB, s->budget[3] / MB,
               s->budget_dynamic == 0xfu ? "dynamic" : s->budget_dynamic == 0 ? "fixed" : "gen0 fixed");
        printf("  last survival gen0/1/2/LOH   %.1f / %.1f / %.1f / %.1f %%\n", s->survival_permille[0] / 10.0,
               s->survival_permille[1] / 10.0, s->survival_permille[2] / 10.0, s->survival_permille[3] / 10.0);
    }
}

/* All allocators of a workload must have done the same work. */
static bool bench_check_same_work(const bench_options *opt,
                                  bench_result *runs[BW_COUNT][BA_COUNT])
{
    bool good = true;
    for (int w = 0; w < BW_COUNT; w++) {
        if (!opt->work[w])
            continue;
        uint64_t ref = 0;
        int have = -1;
        for (int a = 0; a < BA_COUNT; a++) {
            if (!opt->alloc[a])
                continue;
            for (unsigned i = 0; i < opt->repeat; i++) {
                const bench_result *r = &runs[w][a][i];
                if (!r->ok) {
                    good = false;
                    continue;
                }
                if (have < 0) {
                    ref = r->checksum;
                    have = a;
                } else if (r->checksum != ref) {
                    fprintf(stderr, "bench_alloc: %s: checksum of %s (%016" PRIx64
                            ") differs from %s (%016" PRIx64 "): not the same work\n",
                            bench_work_names[w], bench_alloc_names[a], r->checksum,
                            bench_alloc_names[have], ref);
                    good = false;
                }
            }
        }
    }
    return good;
}

/* ===================================================================== */
/* Section: allocation throughput with N threads (.bench.threads)        */
/* ===================================================================== */
/* --threads LIST: for each N, a fresh child process (.bench.isolation)
   starts N threads that each do the same work: TH_ALLOCS_PER_THREAD
   (times --scale) 40-byte nodes, built as binary trees of depth
   TH_TREE_DEPTH bottom-up (mgc_store links the children), one tree in
   TH_KEEP_EVERY kept in a per-thread ring of TH_RING trees (replacing an
   older one), the others dropped at once.  mgc: one heap (default
   configuration, N allocation contexts); each thread attaches with its own
   context (mgc_thread_attach) and registers its own locals, so collections
   stop every thread (docs/threads.md).  malloc: the same trees with
   malloc, dropped trees freed.  Printed: wall time, the process's CPU time
   (wait4), allocations per wall second and per CPU second, and mgc's
   collections.  On a machine with fewer free CPUs than N, only the per-CPU
   rate compares. */
#include <pthread.h>

#define TH_MAX 16
#define TH_TREE_DEPTH 7                       /* 255 nodes a tree */
#define TH_KEEP_EVERY 16
#define TH_RING 64
#define TH_ALLOCS_PER_THREAD 4000000.0
#define TH_SLOTS (2 * TH_TREE_DEPTH + 2)     /* make(level, d) uses up to level + 2d */

typedef struct th_result {
    bool ok;
    char err[128];
    uint64_t allocs;
    uint64_t checksum;
    double wall;
    uint64_t gcs[3];
    double cpu;                               /* parent: wait4 */
} th_result;

typedef struct th_shared {
    mgc_heap *heap;                            /* mgc only */
    const mgc_type *node, *refs;
    long trees;                                /* per thread */
    pthread_barrier_t start;
} th_shared;

typedef struct th_worker {
    th_shared *sh;
    unsigned tid;
    mgc_ref slots[TH_SLOTS + 1];               /* [0] ring, [1..] tree levels */
    uint64_t allocs, checksum;
    mgc_status st;
    pthread_t th;
} th_worker;

/* mgc: a tree of depth d bottom-up into slots[level] (as trees_mgc_make). */
static mgc_status th_mgc_make(th_worker *w, unsigned level, int depth)
{
    mgc_heap *h = w->sh->heap;
    mgc_status st;
    if (depth <= 0) {
        w->allocs++;
        return mgc_alloc(h, w->tid, w->sh->node, 0, &w->slots[level]);
    }
    if ((st = th_mgc_make(w, level + 1, depth - 1)) != MGC_OK ||
        (st = th_mgc_make(w, level + 2, depth - 1)) != MGC_OK)
        return st;
    w->allocs++;
    if ((st = mgc_alloc(h, w->tid, w->sh->node, 0, &w->slots[level])) != MGC_OK)
        return st;
    mgc_store(h, w->slots[level], 0, w->slots[level + 1]);
    mgc_store(h, w->slots[level], 1, w->slots[level + 2]);
    w->slots[level + 1] = w->slots[level + 2] = NULL;
    return MGC_OK;
}

static uint64_t th_mgc_count(mgc_heap *h, mgc_ref n)
{
    return n ? 1 + th_mgc_count(h, mgc_load(h, n, 0)) + th_mgc_count(h, mgc_load(h, n, 1)) : 0;
}

static void *th_mgc_main(void *arg)
{
    th_worker *w = arg;
    mgc_heap *h = w->sh->heap;
    w->st = mgc_thread_attach(h, w->tid);
    if (w->st == MGC_OK)
        w->st = mgc_thread_set_locals(h, w->tid, w->slots, TH_SLOTS + 1);
    if (w->st == MGC_OK)
        w->st = mgc_alloc(h, w->tid, w->sh->refs, TH_RING, &w->slots[0]);
    /* wait for the others in preemptive mode: a collection need not wait */
    mgc_thread_enter_preemptive(h);
    pthread_barrier_wait(&w->sh->start);
    mgc_thread_enter_cooperative(h);
    for (long i = 0; w->st == MGC_OK && i < w->sh->trees; i++) {
        if ((w->st = th_mgc_make(w, 1, TH_TREE_DEPTH)) != MGC_OK)
            break;
        if (i % TH_KEEP_EVERY == 0)
            mgc_store(h, w->slots[0], (size_t)(i / TH_KEEP_EVERY) % TH_RING, w->slots[1]);
        w->slots[1] = NULL;
    }
    if (w->st == MGC_OK)
        for (size_t k = 0; k < TH_RING; k++)
            w->checksum = bench_mix(w->checksum, th_mgc_count(h, mgc_load(h, w->slots[0], k)));
    mgc_thread_detach(h);
    return NULL;
}

/* malloc: the same trees (two pointers and two ints, as trees_c). */
typedef struct th_cnode { struct th_cnode *l, *r; int i, j; } th_cnode;

static th_cnode *th_c_make(uint64_t *allocs, int depth)
{
    th_cnode *l = NULL, *r = NULL;
    if (depth > 0) {
        if (!(l = th_c_make(allocs, depth - 1)) || !(r = th_c_make(allocs, depth - 1)))
            return NULL;                       /* out of memory: the run fails */
    }
    th_cnode *n = malloc(sizeof *n);
    if (!n)
        return NULL;
    (*allocs)++;
    n->l = l;
    n->r = r;
    n->i = n->j = 0;
    return n;
}

static uint64_t th_c_count(const th_cnode *n) { return n ? 1 + th_c_count(n->l) + th_c_count(n->r) : 0; }

static void th_c_free(th_cnode *n)
{
    if (!n)
        return;
    th_c_free(n->l);
    th_c_free(n->r);
    free(n);
}

typedef struct th_cworker {
    th_shared *sh;
    th_cnode *ring[TH_RING];
    uint64_t allocs, checksum;
    bool ok;
    pthread_t th;
} th_cworker;

static void *th_c_main(void *arg)
{
    th_cworker *w = arg;
    pthread_barrier_wait(&w->sh->start);
    w->ok = true;
    for (long i = 0; i < w->sh->trees; i++) {
        th_cnode *t = th_c_make(&w->allocs, TH_TREE_DEPTH);
        if (!t) {
            w->ok = false;
            break;
        }
        if (i % TH_KEEP_EVERY == 0) {
            th_cnode **slot = &w->ring[(i / TH_KEEP_EVERY) % TH_RING];
            th_c_free(*slot);
            *slot = t;
        } else {
            th_c_free(t);
        }
    }
    for (size_t k = 0; k < TH_RING; k++) {
        w->checksum = bench_mix(w->checksum, th_c_count(w->ring[k]));
        th_c_free(w->ring[k]);
    }
    return NULL;
}

static long th_trees(const bench_options *opt)
{
    long nodes = (1L << (TH_TREE_DEPTH + 1)) - 1;
    long t = (long)(TH_ALLOCS_PER_THREAD * opt->scale / (double)nodes);
    return t < TH_KEEP_EVERY * TH_RING ? TH_KEEP_EVERY * TH_RING : t;
}

static void th_run_child(bench_alloc_id a, unsigned n, const bench_options *opt, th_result *res)
{
    th_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.trees = th_trees(opt);
    if (pthread_barrier_init(&sh.start, NULL, n + 1) != 0) {
        snprintf(res->err, sizeof res->err, "pthread_barrier_init failed");
        return;
    }
    static th_worker mw[TH_MAX];
    static th_cworker cw[TH_MAX];
    memset(mw, 0, sizeof mw);
    memset(cw, 0, sizeof cw);
    if (a == BA_MGC) {
        mgc_config cfg;
        mgc_config_default(&cfg);
        cfg.threads = n;
        if (opt->gen0_budget)
            cfg.gen0_budget = opt->gen0_budget;
        mgc_type_desc node = {.name = "Node", .kind = MGC_KIND_FIXED, .size = 40, .nrefs = 2};
        mgc_type_desc refs = {.name = "Object[]", .kind = MGC_KIND_REF_ARRAY};
        mgc_status st = mgc_heap_create(&cfg, &sh.heap);
        if (st == MGC_OK && (st = mgc_type_register(sh.heap, &node, &sh.node)) == MGC_OK)
            st = mgc_type_register(sh.heap, &refs, &sh.refs);
        if (st != MGC_OK) {
            snprintf(res->err, sizeof res->err, "mgc setup: %s", mgc_status_name(st));
            return;
        }
    }
    unsigned started = 0;
    for (unsigned t = 0; t < n; t++) {
        int rc;
        if (a == BA_MGC) {
            mw[t].sh = &sh;
            mw[t].tid = t;
            rc = pthread_create(&mw[t].th, NULL, th_mgc_main, &mw[t]);
        } else {
            cw[t].sh = &sh;
            rc = pthread_create(&cw[t].th, NULL, th_c_main, &cw[t]);
        }
        if (rc != 0) {
            snprintf(res->err, sizeof res->err, "pthread_create: %s", strerror(rc));
            _exit(3);                          /* the others wait at the barrier */
        }
        started++;
    }
    pthread_barrier_wait(&sh.start);
    double t0 = bench_now();
    for (unsigned t = 0; t < started; t++)
        pthread_join(a == BA_MGC ? mw[t].th : cw[t].th, NULL);
    res->wall = bench_now() - t0;
    res->ok = true;
    for (unsigned t = 0; t < n; t++) {
        if (a == BA_MGC) {
            res->allocs += mw[t].allocs;
            res->checksum = bench_mix(res->checksum, mw[t].checksum);
            if (mw[t].st != MGC_OK) {
                res->ok = false;
                snprintf(res->err, sizeof res->err, "thread %u: %s", t, mgc_status_name(mw[t].st));
            }
        } else {
            res->allocs += cw[t].allocs;
            res->checksum = bench_mix(res->checksum, cw[t].checksum);
            if (!cw[t].ok) {
                res->ok = false;
                snprintf(res->err, sizeof res->err, "thread %u: malloc failed", t);
            }
        }
    }
    if (a == BA_MGC) {
        for (int g = 0; g < 3; g++)
            res->gcs[g] = mgc_collection_count(sh.heap, g);
        mgc_heap_destroy(sh.heap);
    }
    pthread_barrier_destroy(&sh.start);
}

static void th_run_one(bench_alloc_id a, unsigned n, const bench_options *opt, th_result *res)
{
    memset(res, 0, sizeof *res);
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        snprintf(res->err, sizeof res->err, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        snprintf(res->err, sizeof res->err, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        th_result r;
        memset(&r, 0, sizeof r);
        th_run_child(a, n, opt, &r);
        _exit(write(fds[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 3);
    }
    close(fds[1]);
    ssize_t got;
    while ((got = read(fds[0], res, sizeof *res)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    if (got != (ssize_t)sizeof *res) {
        memset(res, 0, sizeof *res);
        snprintf(res->err, sizeof res->err, "child died (status 0x%x)", status);
        return;
    }
    res->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* The table of --threads: one row per (allocator, N), the median run by
   CPU time of --repeat runs; rates per wall second and per CPU second;
   `x1 cpu` is the per-CPU rate over the same allocator's first N. */
static int th_main(const bench_options *opt)
{
    printf("gcfuzz allocation benchmark, threads: scale %g, repeat %u (median by CPU time)\n"
           "each thread: %ld binary trees of depth %d built bottom-up (%ld nodes of 40 bytes"
           " each), 1 in %d kept in a ring of %d\n\n",
           opt->scale, opt->repeat, th_trees(opt), TH_TREE_DEPTH, (1L << (TH_TREE_DEPTH + 1)) - 1,
           TH_KEEP_EVERY, TH_RING);
    printf("%-7s %7s %10s %8s %8s %10s %10s %10s %7s %14s\n", "alloc", "threads", "Mallocs",
           "wall s", "cpu s", "M/wall s", "M/cpu s", "M/cpu/thr", "x1 cpu", "GCs g0/g1/g2");
    bool fail = false;
    for (int a = 0; a < 2; a++) {
        if (!opt->alloc[a])
            continue;
        double first = 0;
        for (unsigned k = 0; k < opt->nthreads; k++) {
            unsigned n = opt->threads[k];
            th_result runs[64];
            unsigned nok = 0;
            for (unsigned r = 0; r < opt->repeat; r++) {
                th_result res;
                th_run_one((bench_alloc_id)a, n, opt, &res);
                fprintf(stderr, "  [%u/%u] %-6s %u threads %s %.3f s cpu\n", r + 1, opt->repeat,
                        bench_alloc_names[a], n, res.ok ? "ok" : "FAILED", res.cpu);
                if (!res.ok) {
                    fprintf(stderr, "        %s\n", res.err);
                    fail = true;
                    continue;
                }
                if (nok > 0 && res.checksum != runs[0].checksum) {
                    fprintf(stderr, "bench_alloc: %s %u threads: checksum differs between runs\n",
                            bench_alloc_names[a], n);
                    fail = true;
                }
                runs[nok++] = res;
            }
            if (nok == 0) {
                printf("%-7s %7u %10s\n", bench_alloc_names[a], n, "FAILED");
                continue;
            }
            for (unsigned i = 1; i < nok; i++)            /* insertion sort by CPU time */
                for (unsigned j = i; j > 0 && runs[j].cpu < runs[j - 1].cpu; j--) {
                    th_result t = runs[j];
                    runs[j] = runs[j - 1];
                    runs[j - 1] = t;
                }
            const th_result *m = &runs[nok / 2];
            double ma = (double)m->allocs / 1e6;
            double per_cpu = m->cpu > 0 ? ma / m->cpu : 0;
            if (k == 0)
                first = per_cpu;
            char gcs[48] = "-";
            if (a == BA_MGC)
                snprintf(gcs, sizeof gcs, "%" PRIu64 "/%" PRIu64 "/%" PRIu64, m->gcs[0], m->gcs[1], m->gcs[2]);
            printf("%-7s %7u %10.2f %8.3f %8.3f %10.2f %10.2f %10.2f %7.2f %14s\n", bench_alloc_names[a], n, ma,
                   m->wall, m->cpu, m->wall > 0 ? ma / m->wall : 0, per_cpu, per_cpu / n,
                   first > 0 ? per_cpu / first : 0, gcs);
        }
    }
    printf("\nM/wall s, M/cpu s: millions of allocations per second of wall time / of the process's CPU time"
           " (user + system, wait4); x1 cpu: M/cpu s over the first row's of the same allocator.\n");
    return fail ? BENCH_EXIT_FAIL : BENCH_EXIT_OK;
}

/* ===================================================================== */
/* Section: options and main                                             */
/* ===================================================================== */

static void bench_usage(FILE *f)
{
    fprintf(f,
            "usage: bench_alloc [--scale X] [--repeat R] [--seed S] [--csv]\n"
            "                   [--workload trees|mixed|all] [--alloc LIST]\n"
            "                   [--gen0-budget BYTES] [--threads LIST]\n"
            "  --scale X        work size multiplier (default 1)\n"
            "  --repeat R       runs per workload and allocator; the median by wall\n"
            "                   time is shown (default 3)\n"
            "  --seed S         seed of the mixed workload (default 1)\n"
            "  --csv            print CSV instead of the table\n"
            "  --workload W     trees, mixed or all (default all)\n"
            "  --alloc LIST     comma-separated subset of mgc,malloc,boehm\n"
            "  --gen0-budget B  a fixed mgc gen0 budget in bytes (default: the runtime's\n"
            "                   dynamic budgets)\n"
            "  --threads LIST   instead of the workloads: allocation throughput with each\n"
            "                   comma-separated number of allocating threads (1..16),\n"
            "                   mgc and malloc (e.g. --threads 1,2,4)\n");
}

static bool bench_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end != '\0' || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static int bench_parse(int argc, char **argv, bench_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->scale = 1.0;
    opt->repeat = 3;
    opt->seed = 1;
    for (int w = 0; w < BW_COUNT; w++)
        opt->work[w] = true;
    for (int a = 0; a < BA_COUNT; a++)
        opt->alloc[a] = true;
#ifndef HAVE_BOEHM
    opt->alloc[BA_BOEHM] = false;       /* not built: left out */
#endif
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            bench_usage(stdout);
            exit(BENCH_EXIT_OK);
        } else if (strcmp(arg, "--csv") == 0) {
            opt->csv = true;
            continue;
        }
        if (val == NULL) {
            fprintf(stderr, "bench_alloc: unknown option or missing value: %s\n", arg);
            return -1;
        }
        i++;
        if (strcmp(arg, "--scale") == 0) {
            char *end;
            opt->scale = strtod(val, &end);
            if (*end != '\0' || !(opt->scale > 0) || opt->scale > 1000) {
                fprintf(stderr, "bench_alloc: --scale wants a number in (0, 1000]: %s\n", val);
                return -1;
            }
        } else if (strcmp(arg, "--repeat") == 0) {
            if (!bench_parse_u64(val, &u) || u < 1 || u > 64) {
                fprintf(stderr, "bench_alloc: --repeat wants 1..64: %s\n", val);
                return -1;
            }
            opt->repeat = (unsigned)u;
        } else if (strcmp(arg, "--seed") == 0) {
            if (!bench_parse_u64(val, &opt->seed)) {
                fprintf(stderr, "bench_alloc: --seed wants an unsigned integer: %s\n", val);
                return -1;
            }
        } else if (strcmp(arg, "--gen0-budget") == 0) {
            if (!bench_parse_u64(val, &u) || u < 4096) {
                fprintf(stderr, "bench_alloc: --gen0-budget wants bytes >= 4096: %s\n", val);
                return -1;
            }
            opt->gen0_budget = (size_t)u;
        } else if (strcmp(arg, "--threads") == 0) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", val);
            opt->nthreads = 0;
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                if (!bench_parse_u64(tok, &u) || u < 1 || u > TH_MAX || opt->nthreads == 8) {
                    fprintf(stderr, "bench_alloc: --threads wants up to 8 counts of 1..%d: %s\n",
                            TH_MAX, val);
                    return -1;
                }
                opt->threads[opt->nthreads++] = (unsigned)u;
            }
            if (opt->nthreads == 0) {
                fprintf(stderr, "bench_alloc: --threads wants a list of thread counts: %s\n", val);
                return -1;
            }
        } else if (strcmp(arg, "--workload") == 0) {
            bool all = strcmp(val, "all") == 0;
            bool any = all;
            for (int w = 0; w < BW_COUNT; w++) {
                opt->work[w] = all || strcmp(val, bench_work_names[w]) == 0;
                any |= opt->work[w];
            }
            if (!any) {
                fprintf(stderr, "bench_alloc: --workload wants trees, mixed or all: %s\n", val);
                return -1;
            }
        } else if (strcmp(arg, "--alloc") == 0) {
            bool want[BA_COUNT] = {false};
            char buf[128];
            snprintf(buf, sizeof buf, "%s", val);
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                int found = -1;
                for (int a = 0; a < BA_COUNT; a++)
                    if (strcmp(tok, bench_alloc_names[a]) == 0)
                        found = a;
                if (found < 0) {
                    fprintf(stderr, "bench_alloc: --alloc: unknown allocator '%s'"
                            " (mgc, malloc, boehm)\n", tok);
                    return -1;
                }
#ifndef HAVE_BOEHM
                if (found == BA_BOEHM) {
                    fprintf(stderr, "bench_alloc: --alloc: boehm was not built"
                            " (libgc not found at configure time)\n");
                    return -1;
                }
#endif
                want[found] = true;
            }
            if (!want[BA_MGC] && !want[BA_MALLOC] && !want[BA_BOEHM]) {
                fprintf(stderr, "bench_alloc: --alloc names no allocator: '%s'\n", val);
                return -1;
            }
            memcpy(opt->alloc, want, sizeof want);
        } else {
            fprintf(stderr, "bench_alloc: unknown option: %s\n", arg);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_options opt;
    if (bench_parse(argc, argv, &opt) != 0) {
        bench_usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    if (opt.nthreads > 0)
        return th_main(&opt);                   /* .bench.threads */
    bench_result *runs[BW_COUNT][BA_COUNT];
    for (int w = 0; w < BW_COUNT; w++)
        for (int a = 0; a < BA_COUNT; a++)
            if ((runs[w][a] = calloc(opt.repeat, sizeof(bench_result))) == NULL) {
                fprintf(stderr, "bench_alloc: out of memory\n");
                return BENCH_EXIT_FAIL;
            }
    if (!opt.csv) {
        printf("gcfuzz allocation benchmark: scale %g, repeat %u (median by wall time), seed %"
               PRIu64 "\n", opt.scale, opt.repeat, opt.seed);
        printf("trees: GCBench, stretch depth %d, long-lived depth %d + %d doubles, depths %d..%d"
               " step 2\n", TREES_STRETCH_DEPTH, TREES_LONG_LIVED_DEPTH, TREES_ARRAY_SIZE,
               TREES_MIN_DEPTH, TREES_MAX_DEPTH);
        printf("mixed: %" PRIu64 " units of %d-%d bytes, 1 in %d survives (ring of %d),"
               " 1 in %d large (%d-%d bytes)\n", mixed_units(opt.scale), MIXED_MIN_SIZE,
               MIXED_MAX_SIZE, MIXED_SURVIVE_ONE_IN, MIXED_RING, MIXED_LARGE_ONE_IN,
               MIXED_LARGE_MIN, MIXED_LARGE_MAX);
#ifndef HAVE_BOEHM
        printf("boehm: left out (libgc not found at configure time)\n");
#endif
    }
    /* Repeats are interleaved so slow drift of the machine hits every
       allocator alike. */
    for (unsigned r = 0; r < opt.repeat; r++)
        for (int w = 0; w < BW_COUNT; w++)
            for (int a = 0; a < BA_COUNT; a++) {
                if (!opt.work[w] || !opt.alloc[a])
                    continue;
                bench_result *res = &runs[w][a][r];
                bench_run_one((bench_alloc_id)a, (bench_work_id)w, &opt, res);
                fprintf(stderr, "  [%u/%u] %-5s %-6s %s %.3f s\n", r + 1, opt.repeat,
                        bench_work_names[w], bench_alloc_names[a], res->ok ? "ok" : "FAILED",
                        res->wall);
                if (!res->ok)
                    fprintf(stderr, "        %s\n", res->err);
            }
    if (opt.csv)
        bench_print_csv(&opt, runs);
    else
        bench_print_text(&opt, runs);
    bool same = bench_check_same_work(&opt, runs);
    if (!opt.csv) {
        printf("same work (checksums of surviving contents agree, all runs ok): %s\n",
               same ? "yes" : "NO");
        bench_print_mgc_stats(&opt, runs);
    }
    for (int w = 0; w < BW_COUNT; w++)
        for (int a = 0; a < BA_COUNT; a++)
            free(runs[w][a]);
    return same ? BENCH_EXIT_OK : BENCH_EXIT_FAIL;
}
