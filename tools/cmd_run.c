/* cmd_run.c -- the executor's commands of gcfuzz: run, repro, minimize,
 * conformance, heap.
 *
 * Exit statuses (.dec.exit): 0 everything passed, 1 a check or an
 * expectation failed, 2 a bad program, 64 a usage error, 65 a binary input
 * of another format version (repro, minimize), 66 an input file that
 * cannot be read.
 */
#include "gcfuzz.h"
#include "exec.h"
#include "text.h"
#include "codec.h"
#include "minimize.h"
#include "freerun.h"
#include "options.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GCF_EX_USAGE GCF_EXIT_USAGE
#define GCF_EX_NOINPUT GCF_EXIT_NOINPUT

/* ---- shared options ------------------------------------------------------ */

static const char gcf_exec_opts_help[] =
    "  --profile strict|clr  override the program's profile\n"
    "  --stress              a collection before every allocation (like GCStress;\n"
    "                        the oracle is told; expectations are not checked)\n"
    "  --verify              the target's heap verification after every step (C9)\n"
    "  --full                the complete C1-C9 comparison after every step (default:\n"
    "                        after collections, finalizer drains and the last step;\n"
    "                        other steps check roots and the objects they touched)\n"
    "  --trace               print each step with its collection events\n"
    "  --target NAME         mgc (default), mgc-sweep, mgc-sched (each `thread N`\n"
    "                        section on its own OS thread, docs/threads.md),\n"
    "                        mgc-fin (the runtime's finalizer thread runs the\n"
    "                        finalizers, `finalize` waits for it), or\n"
    "                        faulty:<fault> (executor self-tests)\n"
    "  --finalizer-thread    (run) the same as --target mgc-fin\n"
    "  --target-lib PATH.so  a target from a shared library (include/gcfuzz/target.h;\n"
    "                        exit 69 if it cannot be loaded, 76 if built against\n"
    "                        another interface version)\n"
    "  --fuzz                run as the fuzzers do: skip statements whose operands\n"
    "                        are null at run time, ignore expect lines\n"
    "  -q, --quiet           print only failures and the summary\n"
    "  --any-version         (repro, minimize) decode a binary input whatever its\n"
    "                        format version byte (fuzzer artifacts); else an input\n"
    "                        of another version is refused with exit status 65\n";

typedef struct gcf_run_args {
    gcf_common_opts c;
    gcf_limit_opts lim;       /* minimize */
    const char *out;          /* minimize -o */
    const char *expect_path;  /* conformance --expect */
    bool free_running;        /* run --free-running */
    bool finthread;           /* run --finalizer-thread (target mgc-fin) */
    bool have_seed;           /* run --seed */
    uint64_t seed;
    uint64_t repeat;          /* run --repeat (free-running runs per program) */
    char **files;             /* the operands, in argv */
    int nfiles;
} gcf_run_args;

/* The checks a target's capability flags turn off, as one line. */
static void gcf_print_skipped(const hx_target_ops *t)
{
    char skipped[512];
    if (t && *hx_caps_skipped(t->caps, skipped, sizeof skipped))
        printf("target %s: not checked: %s\n", t->name, skipped);
}

enum { GCF_OPT_EXPECT = GCF_OPT_LOCAL, GCF_OPT_FREE, GCF_OPT_SEED, GCF_OPT_REPEAT,
       GCF_OPT_FINTHREAD };

/* run, repro, heap: the execution options only */
static const struct option gcf_run_longopts[] = {
    GCF_COMMON_LONGOPTS, GCF_INPROC_LONGOPTS, GCF_END_LONGOPTS
};
/* run: also the free-running mode */
static const struct option gcf_runcmd_longopts[] = {
    GCF_COMMON_LONGOPTS,
    GCF_INPROC_LONGOPTS,
    { "free-running", no_argument, NULL, GCF_OPT_FREE },
    { "finalizer-thread", no_argument, NULL, GCF_OPT_FINTHREAD },
    { "seed", required_argument, NULL, GCF_OPT_SEED },
    { "repeat", required_argument, NULL, GCF_OPT_REPEAT },
    GCF_END_LONGOPTS
};
static const struct option gcf_conformance_longopts[] = {
    GCF_COMMON_LONGOPTS,
    GCF_INPROC_LONGOPTS,
    { "expect", required_argument, NULL, GCF_OPT_EXPECT },
    GCF_END_LONGOPTS
};
static const struct option gcf_minimize_longopts[] = {
    GCF_COMMON_LONGOPTS,
    GCF_INPROC_LONGOPTS,
    GCF_LIMIT_LONGOPTS,
    GCF_END_LONGOPTS
};

/* Parses the options (argv[0] is the command; options and operands may
   come in any order); returns -1 to go on, else an exit status. */
static int gcf_parse_args(int argc, char **argv, const char *usage, gcf_run_args *a)
{
    const char *cmd = argv[0];
    bool minimize = strcmp(cmd, "minimize") == 0;
    const struct option *lo = minimize ? gcf_minimize_longopts
                            : strcmp(cmd, "conformance") == 0 ? gcf_conformance_longopts
                            : strcmp(cmd, "run") == 0 ? gcf_runcmd_longopts
                                                      : gcf_run_longopts;
    memset(a, 0, sizeof *a);
    gcf_common_opts_init(&a->c);
    a->lim.rounds = 5;
    a->lim.timeout = 10;
    a->lim.rss_mb = 2048;
    a->lim.max_tests = 5000;
    a->lim.min_seconds = 300;
    gcf_opt_begin();
    int ch;
    while ((ch = getopt_long(argc, argv, minimize ? ":qho:" : ":qh", lo, NULL)) != -1) {
        int rc = gcf_opt_common(cmd, ch, optarg, &a->c);
        if (rc == GCF_OPT_NOT_MINE && minimize)
            rc = gcf_opt_limit(cmd, ch, optarg, &a->lim);
        if (rc != GCF_OPT_NOT_MINE) {
            if (rc)
                return rc;
            continue;
        }
        switch (ch) {
        case 'h': printf("%s%s", usage, gcf_exec_opts_help); return 0;
        case 'o': a->out = optarg; break;
        case GCF_OPT_EXPECT: a->expect_path = optarg; break;
        case GCF_OPT_FREE: a->free_running = true; break;
        case GCF_OPT_FINTHREAD: a->finthread = true; break;
        case GCF_OPT_SEED:
            if (!gcf_parse_u64(optarg, &a->seed)) {
                fprintf(stderr, "gcfuzz %s: --seed needs a number, got '%s'\n", cmd, optarg);
                return GCF_EX_USAGE;
            }
            a->have_seed = true;
            break;
        case GCF_OPT_REPEAT:
            if (!gcf_parse_u64(optarg, &a->repeat) || a->repeat < 1 || a->repeat > 1000000) {
                fprintf(stderr, "gcfuzz %s: --repeat needs a number 1..1000000, got '%s'\n", cmd,
                        optarg);
                return GCF_EX_USAGE;
            }
            break;
        default: return gcf_opt_error(cmd, ch, argv);
        }
    }
    if ((a->have_seed || a->repeat) && !a->free_running) {
        fprintf(stderr, "gcfuzz %s: --seed and --repeat go with --free-running\n", cmd);
        return GCF_EX_USAGE;
    }
    if (a->free_running &&
        (a->c.target_name || a->c.target_lib || a->c.profile_name || a->c.o.stress ||
         a->c.o.full_check || a->c.o.trace || a->c.o.fuzz)) {
        fprintf(stderr, "gcfuzz %s: --free-running runs our runtime with its own checks; "
                        "--target, --target-lib, --profile, --stress, --full, --trace and --fuzz "
                        "do not apply\n", cmd);
        return GCF_EX_USAGE;
    }
    /* --finalizer-thread: target mgc-fin (docs/threads.md, .tgt.finthread) */
    if (a->finthread) {
        if (a->free_running || a->c.target_lib ||
            (a->c.target_name && strcmp(a->c.target_name, "mgc-fin") != 0)) {
            fprintf(stderr, "gcfuzz %s: --finalizer-thread is the target mgc-fin; it does not go "
                            "with --free-running, --target-lib or another --target\n", cmd);
            return GCF_EX_USAGE;
        }
        a->c.target_name = "mgc-fin";
    }
    if (!a->repeat)
        a->repeat = 1;
    /* getopt_long has moved the operands after the options */
    a->files = argv + optind;
    a->nfiles = argc - optind;
    int rc = gcf_opt_select_target(cmd, &a->c);
    if (rc)
        return rc;
    /* .tgt.caps: say what is not checked (conformance: before its
       summary, even with -q) */
    if ((a->c.target_name || a->c.target_lib) && !a->c.quiet && strcmp(cmd, "conformance") != 0)
        gcf_print_skipped(a->c.o.target);
    return -1;
}

static bool gcf_is_text_name(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".gcp") == 0;
}

static int gcf_status_exit(hx_exec_status s)
{
    return s == HX_EXEC_PASS ? 0 : s == HX_EXEC_FAIL ? 1 : 2;
}

static int gcf_worse(int a, int b)
{
    int rank_a = a == 0 ? 0 : a == 1 ? 1 : 2, rank_b = b == 0 ? 0 : b == 1 ? 1 : 2;
    return rank_b > rank_a ? b : a;
}

static double gcf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --free-running (harness/freerun.c, docs/threads.md): the program's
   thread sections at once; --repeat N runs on seeds S..S+N-1 (S: --seed,
   else a hash of the program's canonical text, so a file replays with the
   seed its report names) and stops at the first finding. */
static int gcf_run_free(const char *path, const hx_program *p, const gcf_run_args *a)
{
    uint64_t seed = a->seed;
    if (!a->have_seed) {
        size_t len = 0;
        char *text = hx_print_string(p, &len);
        seed = 1469598103934665603ULL;
        for (size_t i = 0; text && i < len; i++)
            seed = (seed ^ (unsigned char)text[i]) * 1099511628211ULL;
        free(text);
    }
    hx_exec_outcome r;
    hx_freerun_stats st;
    hx_exec_status s = HX_EXEC_PASS;
    uint64_t k = 0;
    for (;;) {
        hx_freerun_options o = { seed + k, false };
        s = hx_freerun_run(p, path, &o, &r, &st);
        if (s != HX_EXEC_PASS || k + 1 >= a->repeat)
            break;
        hx_exec_outcome_free(&r);
        k++;
    }
    if (s == HX_EXEC_PASS) {
        if (!a->c.quiet)
            printf("PASS %s (free-running: %u threads, %llu run(s) from seed %llu; last run: %zu "
                   "steps, %llu skipped, %llu collections, %llu finalizer calls)\n",
                   path, st.threads, (unsigned long long)a->repeat, (unsigned long long)seed,
                   r.steps, (unsigned long long)st.skipped, (unsigned long long)r.gcs,
                   (unsigned long long)r.fin_calls);
    } else if (s == HX_EXEC_BAD_PROGRAM) {
        hx_report_program_error(stderr, path, &r);
    } else {
        hx_report_print(stdout, path, &r);
        printf("reproduce: gcfuzz run --free-running --seed %llu %s\n",
               (unsigned long long)(seed + k), path);
    }
    hx_exec_outcome_free(&r);
    return gcf_status_exit(s);
}

/* Run one loaded program and print its result; returns the exit status. */
static int gcf_run_one(const char *path, const hx_program *p, const gcf_run_args *a,
                       bool views_at_end)
{
    if (a->free_running)
        return gcf_run_free(path, p, a);
    hx_exec_outcome r;
    hx_exec_status s = views_at_end ? hx_exec_run_views(p, path, &a->c.o, &r)
                                    : hx_exec_run(p, path, &a->c.o, &r);
    if (s == HX_EXEC_PASS) {
        if (!a->c.quiet)
            printf("PASS %s (%zu steps, %llu collections, %llu finalizer calls)\n", path, r.steps,
                   (unsigned long long)r.gcs, (unsigned long long)r.fin_calls);
        if (views_at_end && r.final_views)
            fputs(r.final_views, stdout);
    } else if (s == HX_EXEC_BAD_PROGRAM) {
        hx_report_program_error(stderr, path, &r);
    } else {
        hx_report_print(stdout, path, &r);
    }
    hx_exec_outcome_free(&r);
    return gcf_status_exit(s);
}

/* A scenario with an expected deviation (.tgt.expect): GCF_EXPECTED when
   it fails with the listed signature (one XFAIL line); 0 when it passes
   (a STALE line); else the failure is reported as gcf_run_one would. */
enum { GCF_EXPECTED = -2 };
static int gcf_run_expected(const char *path, const hx_program *p, const gcf_run_args *a,
                            gcf_expect *xe)
{
    hx_exec_outcome r;
    hx_exec_status s = hx_exec_run(p, path, &a->c.o, &r);
    int rc = gcf_status_exit(s);
    if (s == HX_EXEC_PASS) {
        printf("STALE %s: expected `%s` (%s), but it passed\n", path, xe->signature, xe->reason);
    } else if (strcmp(r.fail.signature, xe->signature) == 0) {
        if (!a->c.quiet)
            printf("XFAIL %s: %s (%s)\n", path, xe->signature, xe->reason);
        rc = GCF_EXPECTED;
    } else {
        printf("NEW %s: failed with `%s`, expected `%s`\n", path, r.fail.signature,
               xe->signature);
        if (s == HX_EXEC_BAD_PROGRAM)
            hx_report_program_error(stderr, path, &r);
        else
            hx_report_print(stdout, path, &r);
    }
    hx_exec_outcome_free(&r);
    return rc;
}

/* ---- run ----------------------------------------------------------------- */

int gcf_cmd_run(int argc, char **argv)
{
    gcf_run_args a;
    int rc = gcf_parse_args(argc, argv,
                            "usage: gcfuzz run [options] FILE...\n"
                            "Runs .gcp programs on the runtime and the oracle in lockstep,\n"
                            "checking C1-C9 after every step and every expect line.\n"
                            "--free-running: every `thread N` section at once on its own OS\n"
                            "thread, with the checks that hold in every interleaving\n"
                            "(docs/threads.md); --seed S picks where threads yield (default: a\n"
                            "hash of the program), --repeat N runs N times on seeds S, S+1, ...\n"
                            "Exit: 0 all passed, 1 a check or expectation failed, 2 a bad program.\n",
                            &a);
    if (rc >= 0)
        return rc;
    if (a.nfiles == 0) {
        fprintf(stderr, "gcfuzz run: no program given (see --help)\n");
        return GCF_EX_USAGE;
    }
    int worst = 0;
    double t0 = gcf_now(), last = t0;
    for (int i = 0; i < a.nfiles; i++) {
        hx_program p;
        hx_program_init(&p);
        int lr = gcf_load_text(a.files[i], &p);
        if (lr == GCF_EX_NOINPUT) {
            hx_program_free(&p);
            return GCF_EX_NOINPUT;
        }
        int r = lr ? lr : gcf_run_one(a.files[i], &p, &a, false);
        worst = gcf_worse(worst, r);
        hx_program_free(&p);
        double now = gcf_now();
        if (a.nfiles > 1 && now - last > 3.0) {
            fprintf(stderr, "gcfuzz run: %d/%d programs (%.0f s)\n", i + 1, a.nfiles, now - t0);
            last = now;
        }
    }
    return worst;
}

/* ---- repro ------------------------------------------------------------------ */

int gcf_cmd_repro(int argc, char **argv)
{
    gcf_run_args a;
    int rc = gcf_parse_args(argc, argv,
                            "usage: gcfuzz repro [options] FILE\n"
                            "Decodes a fuzzer input (any bytes), prints it as .gcp text, then runs\n"
                            "it as the fuzzer does (statements whose operands are null are skipped).\n",
                            &a);
    if (rc >= 0)
        return rc;
    if (a.nfiles != 1) {
        fprintf(stderr, "gcfuzz repro: exactly one input file (see --help)\n");
        return GCF_EX_USAGE;
    }
    hx_program p;
    hx_program_init(&p);
    int lr = gcf_load_binary(a.files[0], &p, a.c.any_version);
    if (lr) {
        hx_program_free(&p);
        return lr;
    }
    hx_print(&p, stdout);
    printf("# ---- run ----\n");
    fflush(stdout);
    a.c.o.fuzz = true;
    int r = gcf_run_one(a.files[0], &p, &a, false);
    hx_program_free(&p);
    return r;
}

/* ---- heap -------------------------------------------------------------------- */

int gcf_cmd_heap(int argc, char **argv)
{
    gcf_run_args a;
    int rc = gcf_parse_args(argc, argv,
                            "usage: gcfuzz heap [options] FILE\n"
                            "Runs a .gcp program and prints the runtime's SOS-style views\n"
                            "(eeheap, finalizequeue) after the last step.\n",
                            &a);
    if (rc >= 0)
        return rc;
    if (a.nfiles != 1) {
        fprintf(stderr, "gcfuzz heap: exactly one program (see --help)\n");
        return GCF_EX_USAGE;
    }
    hx_program p;
    hx_program_init(&p);
    int lr = gcf_load_text(a.files[0], &p);
    int r = lr ? lr : gcf_run_one(a.files[0], &p, &a, true);
    hx_program_free(&p);
    return r;
}

/* ---- conformance ----------------------------------------------------------- */

static int gcf_strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int gcf_cmd_conformance(int argc, char **argv)
{
    gcf_run_args a;
    int rc = gcf_parse_args(argc, argv,
                            "usage: gcfuzz conformance [options] [--expect FILE] [DIR]\n"
                            "Runs every NNN-topic.gcp scenario in DIR (default: conformance)\n"
                            "and prints `N passed, M failed`.  Exit 0 when all passed.\n"
                            "  --expect FILE         the target's expected deviations, one\n"
                            "                        `SCENARIO | SIGNATURE | REASON` a line: a\n"
                            "                        scenario failing with its listed signature\n"
                            "                        is reported as expected (XFAIL); one that\n"
                            "                        passes, fails otherwise, or is not in DIR\n"
                            "                        fails the run (STALE, or a new failure)\n",
                            &a);
    if (rc >= 0)
        return rc;
    gcf_expect_set ex = {0};
    if (a.expect_path) {
        rc = gcf_expect_load(a.expect_path, &ex);
        if (rc)
            return rc;
    }
    const char *dir = a.nfiles ? a.files[0] : "conformance";
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "gcfuzz conformance: cannot open %s: %s\n", dir, strerror(errno));
        gcf_expect_free(&ex);
        return GCF_EX_NOINPUT;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!gcf_is_text_name(e->d_name))
            continue;
        char *name = strdup(e->d_name);
        if (!name || !HX_PUSH(names, n, cap, name)) {
            free(name);
            break;
        }
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, gcf_strcmp_ptr);
    size_t passed = 0, failed = 0, xfailed = 0, stale = 0;
    int worst = 0;
    double t0 = gcf_now(), last = t0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        hx_program p;
        hx_program_init(&p);
        int lr = gcf_load_text(path, &p);
        char scen[256];
        snprintf(scen, sizeof scen, "%.*s", (int)(strlen(names[i]) - 4), names[i]);
        gcf_expect *xe = a.expect_path ? gcf_expect_find(&ex, scen) : NULL;
        int r = lr ? (lr == GCF_EX_NOINPUT ? 2 : lr)
              : xe ? gcf_run_expected(path, &p, &a, xe)
                   : gcf_run_one(path, &p, &a, false);
        hx_program_free(&p);
        if (xe) {
            xe->seen = true;
            if (r == GCF_EXPECTED) {
                xfailed++;
                free(names[i]);
                continue;
            }
            if (r == 0) {
                stale++;
                r = 1;
                free(names[i]);
                worst = gcf_worse(worst, r);
                continue;
            }
        }
        if (r == 0)
            passed++;
        else
            failed++;
        worst = gcf_worse(worst, r);
        double now = gcf_now();
        if (a.c.quiet && now - last > 3.0) {
            fprintf(stderr, "gcfuzz conformance: %zu/%zu scenarios (%.0f s)\n", i + 1, n, now - t0);
            last = now;
        }
        free(names[i]);
    }
    free(names);
    for (size_t i = 0; i < ex.n; i++)
        if (!ex.e[i].seen) {
            printf("STALE %s:%u: scenario %s is not in %s\n", a.expect_path, ex.e[i].line,
                   ex.e[i].scenario, dir);
            stale++;
            worst = gcf_worse(worst, 1);
        }
    gcf_print_skipped(a.c.o.target);
    if (a.expect_path)
        printf("%zu passed, %zu failed, %zu expected deviations, %zu stale expectations\n",
               passed, failed, xfailed, stale);
    else
        printf("%zu passed, %zu failed\n", passed, failed);
    gcf_expect_free(&ex);
    return failed || stale ? (worst ? worst : 1) : 0;
}

/* ---- minimize --------------------------------------------------------------- */

static const char gcf_min_help[] =
    "usage: gcfuzz minimize [options] FILE -o OUT\n"
    "Shrinks a failing program (text .gcp, or fuzzer bytes) while it keeps failing\n"
    "with the same signature, and writes it to OUT as text under a `# minimized:\n"
    "SIGNATURE` line.  Every failure kind is kept: a check failure (C3 collect\n"
    "gen-mismatch), a crash or sanitizer report (SEGV fz_planted_crash < ...), a\n"
    "timeout (TIMEOUT finalize) or out of memory (OOM new <=64K), with the\n"
    "signatures of gcfuzz triage: the input and every candidate run in a child\n"
    "process under the limits below.  The result must give the signature in each\n"
    "of --rounds runs, else the input is written instead.\n"
    "  --rounds N            confirmation runs (default 5)\n"
    "  --timeout S           seconds per run, CPU and wall (default 10)\n"
    "  --rss-mb N            memory limit per run in MiB (default 2048)\n"
    "  --max-tests N         candidate budget (default 5000)\n"
    "  --min-seconds S       time budget of the search (default 300)\n"
    "Exit: 0 written, 1 the input does not fail (or nothing could be kept),\n"
    "2 a bad program, 64 usage, 65 another format version, 66 unreadable input,\n"
    "73 OUT not writable.\n";

int gcf_cmd_minimize(int argc, char **argv)
{
    gcf_run_args a;
    int rc = gcf_parse_args(argc, argv, gcf_min_help, &a);
    if (rc >= 0)
        return rc;
    if (a.nfiles != 1 || !a.out) {
        fprintf(stderr, "gcfuzz minimize: need FILE and -o OUT (see --help)\n");
        return GCF_EX_USAGE;
    }
    gcf_min_request rq;
    memset(&rq, 0, sizeof rq);
    rq.input = a.files[0];
    rq.out = a.out;
    rq.c = a.c;
    rq.lim = a.lim;
    rq.fuzz = a.c.o.fuzz || !gcf_is_text_name(a.files[0]);
    rc = gcf_minimize_bounded(&rq);
    return rc;
}
