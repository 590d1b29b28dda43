/* bench_throughput.c -- executions per second of the fuzz harness's
 * execution path (docs/benchmarks.md, "Fuzzing throughput").
 *
 * Input sets: the seed corpus (every .bin file of the build's generated
 * corpora/fuzz_program: the conformance suite, the regressions and eight
 * generated programs, corpora/CMakeLists.txt) and programs
 * the generator makes (hx_gen, seeds 1..--programs) of 50, 200, 800 and
 * 1600 statements.  Every execution of a seed goes through
 * LLVMFuzzerTestOneInput (fuzzers/fuzz_program.c, linked in), the same code
 * a libFuzzer campaign runs, so decoding, heap set-up and the checks are
 * all counted.  Generated programs (the larger ones exceed the binary
 * format's statement bound, docs/format.md "Bounds") run through
 * hx_exec_run with the driver's options (fuzz mode, GCF_FULL_CHECK, the
 * heap kept and reset between executions), so their rows count no
 * decoding.  Rates are CPU time of the process
 * (CLOCK_PROCESS_CPUTIME_ID).  us/stmt divides by the program's
 * statements, us/step by the statements an execution runs: the generator
 * writes repeat blocks into longer programs, so a program of 1600
 * statements runs several thousand (steps/input).
 *
 * A second pass runs the same inputs through hx_exec_run under a sampling
 * profile (bt_on_sample) to split the time: runtime (target operations of
 * the statements, collections included), heap set-up (creating or
 * resetting the target's heap, registering types, destroying it), oracle (the model, the
 * oracle's side of every collection and the executor's bookkeeping of the
 * statements), checks (the checks after each step, including the target
 * calls they make), rest (decoding, the oracle's and the executor's own
 * set-up).
 *
 * GCF_FULL_CHECK=1 (read by the fuzz driver and by this program) runs the
 * complete comparison after every step, for the before/after comparison.
 *
 * Not a test: it prints a table and exits 0 (2 on a usage or input error,
 * 1 if an input fails a check, which a benchmark input never should).
 */
#include "codec.h"
#include "exec.h"
#include "gen.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef GCF_SEED_DIR
#define GCF_SEED_DIR "corpora/fuzz_program"
#endif

typedef struct bt_input {
    uint8_t *data;              /* the binary input (corpus), or NULL */
    size_t len;
    hx_program prog;            /* decoded / generated */
    size_t stmts;
    size_t steps;               /* statements executed (a repeat body counts each time) */
} bt_input;

typedef struct bt_set {
    char name[48];
    bt_input *in;
    size_t n, cap;
    size_t stmts;               /* sum over the inputs */
    size_t steps;               /* sum over the inputs */
} bt_set;

static double bt_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The statements one execution of p runs, as the driver runs it: a
   generated program's repeat blocks make it many more than p->nstmts. */
static size_t bt_steps(const hx_program *p)
{
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;
    hx_exec_outcome r;
    hx_exec_run(p, "bench-input", &o, &r);
    size_t n = r.steps;
    hx_exec_outcome_free(&r);
    return n;
}

/* Takes data (may be NULL) and p. */
static bool bt_add(bt_set *s, uint8_t *data, size_t len, hx_program *p)
{
    size_t n = p->nstmts, steps = bt_steps(p);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        bt_input *v = realloc(s->in, cap * sizeof *v);
        if (!v)
            return false;
        s->in = v;
        s->cap = cap;
    }
    s->in[s->n++] = (bt_input){data, len, *p, n, steps};
    s->stmts += n;
    s->steps += steps;
    return true;
}

static int bt_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool bt_load_corpus(bt_set *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_throughput: cannot open %s\n", dir);
        return false;
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".bin") != 0)
            continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(names, cap * sizeof *v);
            if (!v)
                break;
            names = v;
        }
        names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof *names, bt_name_cmp);   /* a fixed order */
    bool ok = true;
    for (size_t i = 0; i < nn; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        free(names[i]);
        if (!f || !ok) {
            if (f)
                fclose(f);
            continue;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
        hx_program p;
        if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len && hx_decode(buf, (size_t)len, &p))
            ok = bt_add(s, buf, (size_t)len, &p);
        else
            free(buf);   /* not a program: the driver ignores it too */
        fclose(f);
    }
    free(names);
    snprintf(s->name, sizeof s->name, "seed corpus");
    return ok && s->n > 0;
}

static bool bt_load_gen(bt_set *s, size_t ops, unsigned programs)
{
    snprintf(s->name, sizeof s->name, "generated, %zu stmts", ops);
    for (unsigned k = 1; k <= programs; k++) {
        hx_program p;
        if (!hx_gen(k, ops, &p) || !bt_add(s, NULL, 0, &p))
            return false;
    }
    return true;
}

/* ---- the split pass: a sampling profile ---------------------------------

   Reading a clock costs 0.1-4 us on some virtual machines (no vDSO clock,
   trapped rdtsc), more than many of the calls measured, so the split is
   sampled instead: SIGPROF every millisecond of process CPU time
   (setitimer ITIMER_PROF) counts where the run is.  The executor keeps
   hx_exec_prof.phase (set-up, statement, check), a wrapper around the
   runtime's target keeps bt_in_rt (inside a runtime call and not in the
   executor's event handler); neither reads a clock. */

static const hx_target_ops *bt_in = &hx_target_mgc;
static hx_exec_prof bt_prof;
static volatile sig_atomic_t bt_in_rt;
static volatile unsigned long bt_samples[3][2];   /* [phase][in runtime] */
static hx_event_fn bt_ev_fn;
static void *bt_ev_ctx;

static void bt_on_sample(int sig)
{
    (void)sig;
    int ph = bt_prof.phase;
    if (ph >= 0 && ph < 3)
        bt_samples[ph][bt_in_rt > 0]++;
}

/* the executor's event handler (the oracle's collections) is not the runtime */
static void bt_event(void *ctx, const hx_event *ev)
{
    (void)ctx;
    sig_atomic_t save = bt_in_rt;
    bt_in_rt = 0;
    bt_ev_fn(bt_ev_ctx, ev);
    bt_in_rt = save;
}

#define BT_BEGIN bt_in_rt++
#define BT_END bt_in_rt--
#define BT_WRAP(ret, name, params, args)                                 \
    static ret bt_##name params                                          \
    {                                                                    \
        BT_BEGIN;                                                        \
        ret r_ = bt_in->name args;                                       \
        BT_END;                                                          \
        return r_;                                                       \
    }
#define BT_WRAPV(name, params, args)                                     \
    static void bt_##name params                                         \
    {                                                                    \
        BT_BEGIN;                                                        \
        bt_in->name args;                                                \
        BT_END;                                                          \
    }

static hx_target *bt_create(const hx_target_config *c, hx_event_fn ev, void *ctx)
{
    bt_ev_fn = ev;
    bt_ev_ctx = ctx;
    BT_BEGIN;
    hx_target *t = bt_in->create(c, bt_event, NULL);
    BT_END;
    return t;
}
static bool bt_reset(hx_target *t, const hx_target_config *c, hx_event_fn ev, void *ctx)
{
    bt_ev_fn = ev;
    bt_ev_ctx = ctx;
    BT_BEGIN;
    bool ok = bt_in->reset(t, c, bt_event, NULL);
    BT_END;
    return ok;
}
BT_WRAPV(destroy, (hx_target *t), (t))
BT_WRAP(hx_tstatus, register_type, (hx_target *t, const hx_target_type *ty), (t, ty))
BT_WRAP(hx_tstatus, alloc, (hx_target *t, unsigned tid, uint32_t ty, uint64_t n, uint32_t d),
        (t, tid, ty, n, d))
BT_WRAPV(set_local, (hx_target *t, uint32_t d, uint32_t s), (t, d, s))
BT_WRAP(hx_addr, get_local, (hx_target *t, uint32_t l), (t, l))
BT_WRAPV(store, (hx_target *t, uint32_t o, uint64_t i, uint32_t s), (t, o, i, s))
BT_WRAPV(load, (hx_target *t, uint32_t d, uint32_t o, uint64_t i), (t, d, o, i))
BT_WRAP(hx_tstatus, handle_alloc, (hx_target *t, int k, uint32_t s, uint32_t *o), (t, k, s, o))
BT_WRAP(hx_tstatus, handle_free, (hx_target *t, uint32_t h), (t, h))
BT_WRAP(hx_tstatus, handle_get, (hx_target *t, uint32_t h, uint32_t d), (t, h, d))
BT_WRAP(hx_addr, handle_peek, (hx_target *t, uint32_t h), (t, h))
BT_WRAPV(static_set, (hx_target *t, uint32_t i, uint32_t s), (t, i, s))
BT_WRAPV(static_get, (hx_target *t, uint32_t i, uint32_t d), (t, i, d))
BT_WRAP(hx_addr, static_peek, (hx_target *t, uint32_t i), (t, i))
BT_WRAPV(suppress, (hx_target *t, uint32_t o), (t, o))
BT_WRAPV(reregister, (hx_target *t, uint32_t o), (t, o))
BT_WRAP(hx_tstatus, collect, (hx_target *t, int g, bool c), (t, g, c))
BT_WRAP(hx_tstatus, run_finalizers, (hx_target *t, unsigned tid), (t, tid))
BT_WRAP(int, generation, (hx_target *t, hx_addr a), (t, a))
BT_WRAP(bool, is_large, (hx_target *t, hx_addr a), (t, a))
BT_WRAP(uint64_t, collection_count, (hx_target *t, int g), (t, g))
BT_WRAPV(walk, (hx_target *t, hx_walk_fn fn, void *c), (t, fn, c))
BT_WRAPV(fin_walk, (hx_target *t, hx_fin_fn fn, void *c), (t, fn, c))
BT_WRAP(int, fin_bit, (hx_target *t, hx_addr a), (t, a))
BT_WRAP(hx_tstatus, verify, (hx_target *t, char *e, size_t n), (t, e, n))
BT_WRAP(hx_tstatus, dump, (hx_target *t, hx_view v, FILE *f), (t, v, f))
BT_WRAP(uint8_t *, payload, (hx_target *t, uint32_t l, size_t *n), (t, l, n))
BT_WRAP(bool, object, (hx_target *t, hx_addr a, hx_tobject *o), (t, a, o))
BT_WRAP(bool, object_part, (hx_target *t, hx_addr a, uint64_t f, uint32_t n, hx_tobject *o),
        (t, a, f, n, o))
BT_WRAPV(fin_counts, (hx_target *t, uint64_t *r, uint64_t *f), (t, r, f))

static hx_target_ops bt_ops = {
    .name = "mgc (timed)", .create = bt_create, .reset = bt_reset, .destroy = bt_destroy,
    .register_type = bt_register_type, .alloc = bt_alloc, .set_local = bt_set_local,
    .get_local = bt_get_local, .store = bt_store, .load = bt_load,
    .handle_alloc = bt_handle_alloc, .handle_free = bt_handle_free,
    .handle_get = bt_handle_get, .handle_peek = bt_handle_peek, .static_set = bt_static_set,
    .static_get = bt_static_get, .static_peek = bt_static_peek, .suppress = bt_suppress,
    .reregister = bt_reregister, .collect = bt_collect, .run_finalizers = bt_run_finalizers,
    .generation = bt_generation, .is_large = bt_is_large,
    .collection_count = bt_collection_count, .walk = bt_walk, .fin_walk = bt_fin_walk,
    .fin_bit = bt_fin_bit, .verify = bt_verify, .dump = bt_dump, .payload = bt_payload,
    .object = bt_object, .object_part = bt_object_part, .fin_counts = bt_fin_counts,
};

/* Optional members the runtime's target has beyond the ones wrapped above
   are passed through untimed only if they exist; the table is completed
   by bt_ops_init. */
static void bt_ops_init(void);

/* ---- the passes ------------------------------------------------------- */

typedef struct bt_row {
    double exec_s, us_exec, us_stmt, us_step;
    unsigned long execs;
    double rt, setup, orc, chk, rest;   /* shares, percent */
    double full_per_exec, step_per_exec;
    unsigned long samples;
} bt_row;

/* One execution as the fuzz driver does it: binary inputs through the
   driver itself; generated programs (beyond the binary format's statement
   bound, docs/format.md) through the executor with the driver's options
   (fuzz mode, the heap kept between executions: .exec.keep). */
static hx_exec_keep bt_keep_timed, bt_keep_split;

static void bt_exec_one(const bt_input *in, bool full)
{
    if (in->data) {
        LLVMFuzzerTestOneInput(in->data, in->len);
        return;
    }
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;
    o.full_check = full;
    o.keep = &bt_keep_timed;
    hx_exec_outcome r;
    hx_exec_run(&in->prog, "bench-input", &o, &r);
    hx_exec_outcome_free(&r);
}

static void bt_throughput(const bt_set *s, bool full, double min_s, bt_row *row)
{
    /* whole rounds over the set until min_s of CPU time */
    unsigned long rounds = 0;
    double t0 = bt_cpu(), d;
    do {
        for (size_t i = 0; i < s->n; i++)
            bt_exec_one(&s->in[i], full);
        rounds++;
        d = bt_cpu() - t0;
    } while (d < min_s);
    row->execs = rounds * s->n;
    row->exec_s = (double)row->execs / d;
    row->us_exec = d * 1e6 / (double)row->execs;
    row->us_stmt = s->stmts ? d * 1e6 / ((double)rounds * (double)s->stmts) : 0;
    row->us_step = s->steps ? d * 1e6 / ((double)rounds * (double)s->steps) : 0;
}

static bool bt_split(const bt_set *s, bool full, double min_s, bt_row *row)
{
    memset(&bt_prof, 0, sizeof bt_prof);
    memset((void *)bt_samples, 0, sizeof bt_samples);
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.fuzz = true;
    o.full_check = full;
    o.target = &bt_ops;
    o.prof = &bt_prof;
    o.keep = &bt_keep_split;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = bt_on_sample;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_PROF, &it, NULL);
    double t0 = bt_cpu();
    unsigned long execs = 0;
    bool ok = true;
    do {
        for (size_t i = 0; i < s->n && ok; i++) {
            hx_program p;
            if (s->in[i].data && !hx_decode(s->in[i].data, s->in[i].len, &p))
                continue;
            hx_exec_outcome r;
            hx_exec_status st =
                hx_exec_run(s->in[i].data ? &p : &s->in[i].prog, "bench-input", &o, &r);
            if (s->in[i].data)
                hx_program_free(&p);
            if (st == HX_EXEC_FAIL) {
                fprintf(stderr, "bench_throughput: %s input %zu fails: %s\n", s->name, i,
                        r.fail.signature);
                ok = false;
            }
            hx_exec_outcome_free(&r);
            execs++;
        }
    } while (ok && bt_cpu() - t0 < min_s);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    hx_exec_keep_free(&bt_keep_split);
    double n = 0;
    for (int p = 0; p < 3; p++)
        n += (double)bt_samples[p][0] + (double)bt_samples[p][1];
    if (n < 1)
        n = 1;
    row->rt = 100.0 * (double)bt_samples[HX_PROF_STEP][1] / n;
    row->setup = 100.0 * (double)bt_samples[HX_PROF_OTHER][1] / n;
    row->orc = 100.0 * (double)bt_samples[HX_PROF_STEP][0] / n;
    row->chk = 100.0 * ((double)bt_samples[HX_PROF_CHECK][0] + (double)bt_samples[HX_PROF_CHECK][1]) / n;
    row->rest = 100.0 * (double)bt_samples[HX_PROF_OTHER][0] / n;
    row->samples = (unsigned long)n;
    row->full_per_exec = (double)bt_prof.full_checks / (double)(execs ? execs : 1);
    row->step_per_exec = (double)bt_prof.step_checks / (double)(execs ? execs : 1);
    return ok;
}

static void bt_usage(FILE *f)
{
    fprintf(f,
            "usage: bench_throughput [--corpus DIR] [--programs N] [--min-time S] [--full]\n"
            "Executions per second of the fuzz driver on the seed corpus and on generated\n"
            "programs of 50/200/800/1600 statements, and where the time goes.\n"
            "  --corpus DIR    seed corpus (default %s)\n"
            "  --programs N    generated programs per size (default 4)\n"
            "  --min-time S    CPU seconds per row and pass (default 1.0)\n"
            "  --full          complete comparison after every step (as GCF_FULL_CHECK=1)\n",
            GCF_SEED_DIR);
}

int main(int argc, char **argv)
{
    const char *corpus = GCF_SEED_DIR;
    unsigned programs = 4;
    double min_s = 1.0;
    bool full = false;
    static const struct option longopts[] = {
        {"corpus", required_argument, NULL, 'c'}, {"programs", required_argument, NULL, 'n'},
        {"min-time", required_argument, NULL, 't'}, {"full", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "c:n:t:fh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            corpus = optarg;
            break;
        case 'n':
            programs = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            min_s = strtod(optarg, NULL);
            break;
        case 'f':
            full = true;
            break;
        case 'h':
            bt_usage(stdout);
            return 0;
        default:
            bt_usage(stderr);
            return 2;
        }
    }
    if (optind != argc || programs == 0 || !(min_s > 0)) {
        bt_usage(stderr);
        return 2;
    }
    if (full)
        setenv("GCF_FULL_CHECK", "1", 1);   /* the driver reads it */
    else if (getenv("GCF_FULL_CHECK") && getenv("GCF_FULL_CHECK")[0] == '1')
        full = true;
    bt_ops_init();
    static const size_t sizes[] = {50, 200, 800, 1600};
    enum { NSETS = 1 + sizeof sizes / sizeof sizes[0] };
    bt_set sets[NSETS];
    memset(sets, 0, sizeof sets);
    if (!bt_load_corpus(&sets[0], corpus))
        return 2;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        if (!bt_load_gen(&sets[k + 1], sizes[k], programs)) {
            fprintf(stderr, "bench_throughput: out of memory generating programs\n");
            return 2;
        }
    printf("fuzz driver throughput (%s checks; CPU time, min %.1f s per row)\n\n",
           full ? "complete C1-C9 after every step (--full)" : "default", min_s);
    printf("| input set | inputs | stmts/input | steps/input | execs | exec/s | us/exec | us/stmt "
           "| us/step | runtime %% | heap set-up %% | oracle %% | checks %% | rest %% | samples "
           "| complete checks/exec | step checks/exec |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    int rc = 0;
    for (int k = 0; k < NSETS; k++) {
        bt_row row;
        memset(&row, 0, sizeof row);
        bt_throughput(&sets[k], full, min_s, &row);
        if (!bt_split(&sets[k], full, min_s, &row))
            rc = 1;
        printf("| %s | %zu | %.1f | %.1f | %lu | %.0f | %.1f | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f "
               "| %.0f | %lu | %.1f | %.1f |\n",
               sets[k].name, sets[k].n, (double)sets[k].stmts / (double)sets[k].n,
               (double)sets[k].steps / (double)sets[k].n, row.execs, row.exec_s, row.us_exec,
               row.us_stmt, row.us_step, row.rt, row.setup, row.orc, row.chk,
               row.rest, row.samples,
               row.full_per_exec, row.step_per_exec);
        fflush(stdout);
    }
    hx_exec_keep_free(&bt_keep_timed);
    for (int k = 0; k < NSETS; k++) {
        for (size_t i = 0; i < sets[k].n; i++) {
            free(sets[k].in[i].data);
            hx_program_free(&sets[k].in[i].prog);
        }
        free(sets[k].in);
    }
    return rc;
}

static void bt_ops_init(void)
{
    /* a target without an optional member keeps it NULL in the wrapper */
    if (!bt_in->reset)
        bt_ops.reset = NULL;
    if (!bt_in->fin_walk)
        bt_ops.fin_walk = NULL;
    if (!bt_in->fin_bit)
        bt_ops.fin_bit = NULL;
    if (!bt_in->verify)
        bt_ops.verify = NULL;
    if (!bt_in->dump)
        bt_ops.dump = NULL;
    if (!bt_in->payload)
        bt_ops.payload = NULL;
    if (!bt_in->object)
        bt_ops.object = NULL;
    if (!bt_in->object_part)
        bt_ops.object_part = NULL;
    if (!bt_in->fin_counts)
        bt_ops.fin_counts = NULL;
}
