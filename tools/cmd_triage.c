/* cmd_triage.c -- gcfuzz triage: every kind of finding, replayed in child
 * processes under time and memory limits, signed, minimized, confirmed and
 * filed (docs/REPRODUCING.md "Triage").
 *
 *   gcfuzz triage [options] INPUT|DIR...
 *
 * Each input (a fuzzer artifact in the binary format, or .gcp text) runs
 * in a child process: gcfuzz itself, exec'd as `gcfuzz triage --child`,
 * with RLIMIT_CPU and a wall alarm (timeouts), an RSS watch by the parent
 * (out of memory; plus RLIMIT_AS as a backstop in builds without
 * AddressSanitizer, whose shadow needs a huge address space), and the
 * parent's own wall deadline with SIGKILL behind all of them.  What the
 * child left behind is classified into one stable signature
 * (.triage.signature), free of addresses, object numbers and lines:
 *
 *   divergence   the check signature:            C3 collect gen-mismatch
 *   crash        kind + top frames of our code:  SEGV fz_planted_crash < fz_collect < hx_step
 *                (sanitizer report, or a signal: backtrace + addr2line)
 *   sanitizer    ASan/UBSan/LSan kind + frames:  heap-use-after-free mgc_x < ...
 *   timeout      the statement that did not return: TIMEOUT finalize
 *   out of memory the statement and its size class: OOM new <=64K
 *
 * The program is then cut after the failing statement, minimized with
 * every candidate run in a child (the minimizer keeps the signature,
 * whatever its kind), and confirmed: 5 runs out of 5 (--rounds) must give
 * the same signature, else the finding is reported as flaky.  With --db
 * DIR, findings are filed by signature (.triage.db): a known signature is
 * counted, a new one gets its first input and minimized reproducer.
 *
 * Exit: 0 no input reproduced a finding, 1 at least one finding (new,
 * known or flaky), 64 usage, 66 unreadable input, 65 another format
 * version (without --any-version), 73 the database cannot be written.
 */
#include "gcfuzz.h"
#include "codec.h"
#include "exec.h"
#include "minimize.h"
#include "options.h"
#include "text.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(MGC_ASAN)
#define GCF_TRIAGE_ASAN 1
void __sanitizer_set_death_callback(void (*callback)(void));
#else
#define GCF_TRIAGE_ASAN 0
#endif

#define MARK "==gcfuzz-triage== "
#define CHILD_EXIT_TIMEOUT 86
#define CHILD_EXIT_OOM 87

/* ==== Child side ========================================================= */

static const hx_program *g_prog;
static volatile size_t g_step = SIZE_MAX;
static const char *g_phase = "setup";   /* text mode: "parse", "print" */

/* async-signal-safe output */
static void sw(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void sw_u64(uint64_t v)
{
    char b[24];
    int i = 23;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sw(b + i);
}

/* .triage.size-class: powers of 16 from 256 bytes. */
static const char *size_class(uint64_t n)
{
    static const char *const names[] = { "<=256", "<=4K", "<=64K", "<=1M", "<=16M",
                                         "<=256M", "<=4G", "<=64G", ">64G" };
    uint64_t lim = 256;
    for (unsigned i = 0; i < 8; i++, lim <<= 4)
        if (n <= lim)
            return names[i];
    return names[8];
}

/* "KIND [SIZECLASS]" of the statement running, or "setup". */
static void sw_statement(bool with_size)
{
    size_t i = g_step;
    if (!g_prog || i >= g_prog->nstmts) {
        sw(g_phase);
        return;
    }
    const hx_stmt *s = &g_prog->stmts[i];
    sw(hx_stmt_kind_name(s->kind));
    if (with_size && s->kind == HX_ST_NEW && s->type < g_prog->ntypes) {
        sw(" ");
        sw(size_class(hx_type_instance_size(&g_prog->types[s->type], s->length)));
    }
}

static void sw_step(void)
{
    if (g_step != SIZE_MAX) {
        sw(MARK "STEP ");
        sw_u64(g_step);
        sw("\n");
    }
}

static void on_timeout(int sig)
{
    (void)sig;
    sw("\n" MARK "TIMEOUT ");
    sw_statement(false);
    sw("\n");
    sw_step();
    _exit(CHILD_EXIT_TIMEOUT);
}

static void on_oom(int sig)
{
    (void)sig;
    sw("\n" MARK "OOM ");
    sw_statement(true);
    sw("\n");
    sw_step();
    _exit(CHILD_EXIT_OOM);
}

#if GCF_TRIAGE_ASAN
/* called by the sanitizer runtime before it exits on a report */
static void on_sanitizer_death(void)
{
    sw("\n" MARK "AT ");
    sw_statement(true);
    sw("\n");
    sw_step();
}
#else
static void on_crash(int sig)
{
    const char *name = sig == SIGSEGV ? "SEGV" : sig == SIGBUS ? "BUS" : sig == SIGFPE ? "FPE"
                     : sig == SIGILL ? "ILL" : sig == SIGABRT ? "ABRT" : "SIGNAL";
    sw("\n" MARK "SIGNAL ");
    sw(name);
    sw("\n");
    sw_step();
    void *frames[64];
    int n = backtrace(frames, 64);
    sw(MARK "BACKTRACE\n");
    backtrace_symbols_fd(frames, n, 2);
    sw(MARK "END\n");
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig);
}
#endif

static void child_handlers(unsigned timeout)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_timeout;
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGXCPU, &sa, NULL);
    sa.sa_handler = on_oom;
    sigaction(SIGUSR1, &sa, NULL);
#if GCF_TRIAGE_ASAN
    __sanitizer_set_death_callback(on_sanitizer_death);
#else
    /* the crash handler runs on its own stack, so stack overflows are caught */
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
#endif
    if (timeout)
        alarm(timeout);
}

/* ==== Options ============================================================ */

typedef struct triage_opts {
    gcf_common_opts c;           /* target, profile, checks and --any-version are forwarded
                                    to the children */
    gcf_limit_opts lim;          /* per child run (timeout, rss_mb), confirmation rounds,
                                    the minimizer's budgets */
    const char *db;
    const char *report;
    const char *build;
    const char *out_dir;
    bool child;
    bool text;                   /* inputs are fuzz_text inputs (parser round trip) */
    bool checked;                /* children check expect lines (not --fuzz mode) */
    const char *cmd;             /* command named in progress messages */
    char self[4096];             /* this executable */
    char tmp[64];                /* scratch folder */
} triage_opts;

/* ==== Parent: running one candidate ======================================= */

typedef enum run_kind {
    RK_PASS = 0, RK_CHECK, RK_CRASH, RK_SANITIZER, RK_TIMEOUT, RK_OOM, RK_BAD, RK_ERROR
} run_kind;

static const char *const run_kind_names[] = { "pass", "divergence", "crash", "sanitizer",
                                              "timeout", "out-of-memory", "bad-program",
                                              "error" };

typedef struct run_result {
    run_kind kind;
    char sig[256];
    long step;                   /* failing statement, -1 unknown */
    double cpu;                  /* child CPU seconds */
} run_result;

static bool is_finding(run_kind k) { return k >= RK_CHECK && k <= RK_OOM; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t child_rss(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    unsigned long size = 0, rss = 0;
    int n = fscanf(f, "%lu %lu", &size, &rss);
    fclose(f);
    return n == 2 ? (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static void child_env(void)
{
#if GCF_TRIAGE_ASAN
    const char *a = getenv("ASAN_OPTIONS");
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%shandle_abort=1:abort_on_error=0:symbolize=1:detect_leaks=1",
             a ? a : "", a && *a ? ":" : "");
    setenv("ASAN_OPTIONS", buf, 1);
    const char *u = getenv("UBSAN_OPTIONS");
    snprintf(buf, sizeof buf, "%s%sprint_stacktrace=1:halt_on_error=1", u ? u : "",
             u && *u ? ":" : "");
    setenv("UBSAN_OPTIONS", buf, 1);
    if (!getenv("ASAN_SYMBOLIZER_PATH")) {
        static const char *const cands[] = { "/usr/bin/llvm-symbolizer",
                                             "/usr/lib/llvm-14/bin/llvm-symbolizer",
                                             "/usr/bin/llvm-symbolizer-14" };
        for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
            if (access(cands[i], X_OK) == 0) {
                setenv("ASAN_SYMBOLIZER_PATH", cands[i], 1);
                break;
            }
    }
#endif
}

/* ---- signatures from the child's output (.triage.signature) ---------- */

static bool own_location(const char *loc)
{
    /* our code: runtime/, oracle/, harness/ (tools/ only drives it) */
    return strstr(loc, "/runtime/") || strstr(loc, "/oracle/") || strstr(loc, "/harness/") ||
           strncmp(loc, "runtime/", 8) == 0 || strncmp(loc, "oracle/", 7) == 0 ||
           strncmp(loc, "harness/", 8) == 0;
}

typedef struct frame_list {
    char fn[3][96];
    int n;
} frame_list;

static void add_frame(frame_list *fl, const char *fn, const char *loc)
{
    if (fl->n >= 3 || !fn[0] || !own_location(loc))
        return;
    if (fl->n > 0 && strcmp(fl->fn[fl->n - 1], fn) == 0)
        return;                 /* an inlined copy of the same function */
    snprintf(fl->fn[fl->n++], sizeof fl->fn[0], "%s", fn);
}

/* addr2line for unsymbolized frames: "MODULE OFFSET" pairs; fills fl */
static void symbolize(char mods[][512], uint64_t *offs, int n, frame_list *fl)
{
    for (int i = 0; i < n && fl->n < 3; i++) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%llx 2>/dev/null", mods[i],
                 (unsigned long long)(offs[i] ? offs[i] - 1 : 0));
        FILE *p = popen(cmd, "r");
        if (!p)
            return;
        char fn[256] = "", loc[1024] = "";
        if (fgets(fn, sizeof fn, p) && fgets(loc, sizeof loc, p)) {
            fn[strcspn(fn, "\n")] = 0;
            loc[strcspn(loc, "\n")] = 0;
            if (strcmp(fn, "??") != 0)
                add_frame(fl, fn, loc);
        }
        pclose(p);
    }
}

/* Frames after line index `from` of a sanitizer report ("#N 0x... in FN
   LOC" or "#N 0x... (MODULE+0xOFF)"), up to the first blank line. */
static void sanitizer_frames(char **lines, int nlines, int from, frame_list *fl)
{
    char (*mods)[512] = calloc(32, sizeof *mods);
    uint64_t offs[32];
    int nm = 0;
    bool started = false;
    for (int i = from; i < nlines && fl->n < 3; i++) {
        const char *l = lines[i];
        while (*l == ' ')
            l++;
        if (l[0] != '#') {
            if (started)
                break;
            continue;
        }
        started = true;
        const char *in = strstr(l, " in ");
        if (in) {
            char fn[96] = "", loc[1024] = "";
            if (sscanf(in + 4, "%95s %1023s", fn, loc) >= 1)
                add_frame(fl, fn, loc);
        } else if (mods && nm < 32) {
            const char *par = strchr(l, '(');
            const char *plus = par ? strstr(par, "+0x") : NULL;
            if (par && plus && (size_t)(plus - par - 1) < sizeof mods[0]) {
                memcpy(mods[nm], par + 1, (size_t)(plus - par - 1));
                mods[nm][plus - par - 1] = 0;
                offs[nm] = strtoull(plus + 1, NULL, 16);
                nm++;
            }
        }
    }
    if (mods && fl->n < 3 && nm)
        symbolize(mods, offs, nm, fl);
    free(mods);
}

/* Frames of our crash handler's backtrace_symbols_fd lines:
   "MODULE(+0xOFF) [0x...]" or "MODULE(SYM+0xOFF) [0x...]". */
static void backtrace_frames(char **lines, int nlines, int from, frame_list *fl)
{
    char (*mods)[512] = calloc(64, sizeof *mods);
    uint64_t offs[64];
    int nm = 0;
    for (int i = from; i < nlines && mods && nm < 64; i++) {
        const char *l = lines[i];
        if (strncmp(l, MARK "END", strlen(MARK "END")) == 0)
            break;
        const char *par = strchr(l, '(');
        const char *plus = par ? strstr(par, "+0x") : NULL;
        if (!par || !plus || par - l >= (long)sizeof mods[0])
            continue;
        if (plus != par + 1)
            continue;           /* an exported symbol: not ours (no -rdynamic) */
        memcpy(mods[nm], l, (size_t)(par - l));
        mods[nm][par - l] = 0;
        offs[nm] = strtoull(plus + 1, NULL, 16);
        nm++;
    }
    /* skip the handler's own frames: symbolize everything, own frames only */
    if (mods && nm)
        symbolize(mods, offs, nm, fl);
    free(mods);
}

static void sig_with_frames(run_result *r, const char *kind, const frame_list *fl)
{
    int n = snprintf(r->sig, sizeof r->sig, "%s", kind);
    for (int i = 0; i < fl->n && n < (int)sizeof r->sig; i++)
        n += snprintf(r->sig + n, sizeof r->sig - (size_t)n, "%s%s", i ? " < " : " ",
                      fl->fn[i]);
}

/* Words of a message without numbers, quotes, addresses (UBSan text). */
static void stable_words(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p && *p != '\n' && o + 1 < cap; p++) {
        if (*p == ':' )
            break;
        if ((*p >= '0' && *p <= '9') || *p == '\'' || *p == '"')
            continue;
        out[o++] = *p;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = 0;
}

static void classify(const char *outpath, int status, bool killed_wall, bool killed_rss,
                     run_result *r)
{
    r->kind = RK_ERROR;
    r->sig[0] = 0;
    r->step = -1;
    char *buf = NULL;
    size_t len = 0;
    if (hx_read_file(outpath, &buf, &len) != 0)
        buf = NULL;
    char **lines = NULL;
    int nlines = 0;
    if (buf) {
        size_t cap = 0;
        for (char *p = buf; p && *p;) {
            if (nlines == INT_MAX || !HX_RESERVE(lines, cap, (size_t)nlines + 1, 64))
                break;
            lines[nlines++] = p;
            char *e = strchr(p, '\n');
            if (e) {
                *e = 0;
                p = e + 1;
            } else {
                p = NULL;
            }
        }
    }
    char at[128] = "";
    int san = -1, ub = -1, sigline = -1;
    for (int i = 0; i < nlines; i++) {
        const char *l = lines[i];
        if (strncmp(l, MARK, strlen(MARK)) == 0) {
            const char *m = l + strlen(MARK);
            if (strncmp(m, "CHECK ", 6) == 0) {
                r->kind = RK_CHECK;
                snprintf(r->sig, sizeof r->sig, "%s", m + 6);
            } else if (strncmp(m, "TIMEOUT ", 8) == 0) {
                r->kind = RK_TIMEOUT;
                snprintf(r->sig, sizeof r->sig, "%s", m);
            } else if (strncmp(m, "OOM ", 4) == 0) {
                r->kind = RK_OOM;
                snprintf(r->sig, sizeof r->sig, "%s", m);
            } else if (strncmp(m, "STEP ", 5) == 0) {
                r->step = atol(m + 5);
            } else if (strncmp(m, "AT ", 3) == 0) {
                snprintf(at, sizeof at, "%s", m + 3);
            } else if (strncmp(m, "SIGNAL ", 7) == 0 && sigline < 0) {
                sigline = i;
            } else if (strcmp(m, "BADPROGRAM") == 0) {
                r->kind = RK_BAD;
            }
        } else if (san < 0 && (strstr(l, "ERROR: AddressSanitizer: ") ||
                               strstr(l, "ERROR: LeakSanitizer: "))) {
            san = i;
        } else if (ub < 0 && strstr(l, ": runtime error: ")) {
            ub = i;
        }
    }
    if (r->kind == RK_CHECK || r->kind == RK_TIMEOUT || r->kind == RK_OOM || r->kind == RK_BAD) {
        /* the child's own verdict */
    } else if (san >= 0) {
        const char *what = strstr(lines[san], "Sanitizer: ") + 11;
        bool leak = strstr(lines[san], "LeakSanitizer") != NULL;
        if (strstr(what, "out of memory") || strstr(what, "hard rss limit") ||
            strstr(what, "allocation-size-too-big") || strstr(what, "requested allocation size") ||
            strstr(what, "calloc-overflow") || strstr(what, "rss-limit")) {
            r->kind = RK_OOM;
            snprintf(r->sig, sizeof r->sig, "OOM %s", at[0] ? at : "setup");
        } else {
            char kind[64];
            if (leak)
                snprintf(kind, sizeof kind, "leak");
            else if (sscanf(what, "%63s", kind) != 1)
                snprintf(kind, sizeof kind, "asan");
            frame_list fl = {0};
            sanitizer_frames(lines, nlines, san + 1, &fl);
            r->kind = (strcmp(kind, "SEGV") == 0 || strcmp(kind, "BUS") == 0 ||
                       strcmp(kind, "FPE") == 0 || strcmp(kind, "ILL") == 0 ||
                       strcmp(kind, "ABRT") == 0 || strcmp(kind, "stack-overflow") == 0)
                      ? RK_CRASH : RK_SANITIZER;
            sig_with_frames(r, kind, &fl);
        }
    } else if (ub >= 0) {
        char words[128];
        stable_words(strstr(lines[ub], ": runtime error: ") + 17, words, sizeof words);
        char kind[160];
        snprintf(kind, sizeof kind, "UBSAN %s", words);
        frame_list fl = {0};
        sanitizer_frames(lines, nlines, ub + 1, &fl);
        r->kind = RK_SANITIZER;
        sig_with_frames(r, kind, &fl);
    } else if (sigline >= 0) {
        frame_list fl = {0};
        backtrace_frames(lines, nlines, sigline + 1, &fl);
        r->kind = RK_CRASH;
        sig_with_frames(r, lines[sigline] + strlen(MARK "SIGNAL "), &fl);
    } else if (killed_rss) {
        r->kind = RK_OOM;
        snprintf(r->sig, sizeof r->sig, "OOM unknown");
    } else if (killed_wall) {
        r->kind = RK_TIMEOUT;
        snprintf(r->sig, sizeof r->sig, "TIMEOUT unknown");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r->kind = RK_PASS;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == GCF_EXIT_BAD_PROGRAM) {
        r->kind = RK_BAD;
    } else if (WIFSIGNALED(status)) {
        r->kind = RK_CRASH;
        snprintf(r->sig, sizeof r->sig, "SIGNAL %s", strsignal(WTERMSIG(status)));
    } else {
        r->kind = RK_ERROR;
        snprintf(r->sig, sizeof r->sig, "exit %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    free(lines);
    free(buf);
}

/* Run `gcfuzz triage --child ... FILE` under the limits. */
static bool run_child(const triage_opts *t, const char *file, run_result *r)
{
    char outpath[128], tbuf[32];
    snprintf(outpath, sizeof outpath, "%s/child.out", t->tmp);
    snprintf(tbuf, sizeof tbuf, "%u", t->lim.timeout);
    const char *argv[24];
    int n = 0;
    argv[n++] = t->self;
    argv[n++] = "triage";
    argv[n++] = "--child";
    argv[n++] = "--timeout";
    argv[n++] = tbuf;
    if (t->c.target_name) {
        argv[n++] = "--target";
        argv[n++] = t->c.target_name;
    }
    if (t->c.target_lib) {
        argv[n++] = "--target-lib";
        argv[n++] = t->c.target_lib;
    }
    if (t->c.profile_name) {
        argv[n++] = "--profile";
        argv[n++] = t->c.profile_name;
    }
    if (t->c.o.verify_each)
        argv[n++] = "--verify";
    if (t->c.o.stress)
        argv[n++] = "--stress";
    if (t->c.o.full_check)
        argv[n++] = "--full";
    if (t->checked)
        argv[n++] = "--checked";
    if (t->c.any_version)
        argv[n++] = "--any-version";
    if (t->text)
        argv[n++] = "--text";
    argv[n++] = file;
    argv[n] = NULL;

    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDWR);
        if (fd < 0 || nul < 0)
            _exit(127);
        dup2(nul, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        struct rlimit rl;
        rl.rlim_cur = t->lim.timeout + 1;
        rl.rlim_max = t->lim.timeout + 3;
        setrlimit(RLIMIT_CPU, &rl);
        rl.rlim_cur = rl.rlim_max = 0;
        setrlimit(RLIMIT_CORE, &rl);
#if !GCF_TRIAGE_ASAN
        /* a backstop only: the RSS watch below acts first */
        rl.rlim_cur = rl.rlim_max = (rlim_t)(t->lim.rss_mb * 2 + 2048) << 20;
        setrlimit(RLIMIT_AS, &rl);
#endif
        child_env();
        execv(t->self, (char **)argv);
        _exit(127);
    }
    double t0 = now_s();
    double deadline = t0 + t->lim.timeout + 3.0, rss_kill = 0;
    bool killed_wall = false, killed_rss = false;
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        double now = now_s();
        if (!killed_rss && child_rss(pid) > (t->lim.rss_mb << 20)) {
            killed_rss = true;
            kill(pid, SIGUSR1);       /* the child names its statement and exits */
            rss_kill = now + 2.0;
        }
        if ((killed_rss && now > rss_kill) || now > deadline) {
            killed_wall = !killed_rss;
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
            break;
        }
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    r->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
             (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    classify(outpath, status, killed_wall, killed_rss, r);
    return true;
}

/* ==== Child: run one program ============================================== */

/* --text: what the fuzz_text driver checks (.triage.text): the input
   parses, or its syntax error has a position and a message; a parsed
   program prints, the printed text parses to the same program, and
   printing it again gives the same text. */
static int child_text(triage_opts *t, const char *file)
{
    char *buf;
    size_t len;
    int err = hx_read_file(file, &buf, &len);
    if (err) {
        fprintf(stderr, MARK "BADPROGRAM\n");
        return GCF_EXIT_NOINPUT;
    }
    child_handlers(t->lim.timeout);
    const char *fail = NULL;
    hx_program p, q;
    hx_diag d;
    g_phase = "parse";
    if (t->c.o.target)
        hx_faulty_text_probe(t->c.o.target, buf, len);    /* .tgt.planted-text: tests only */
    if (!hx_parse(buf, len, "input.gcp", &p, &d)) {
        if (d.pos.line == 0 || d.pos.col == 0 || d.msg[0] == 0)
            fail = "syntax-error-without-position";
        free(buf);
        alarm(0);
        if (fail)
            fprintf(stderr, MARK "CHECK TEXT %s\n", fail);
        return fail ? GCF_EXIT_FAIL : 0;
    }
    g_phase = "print";
    size_t n1 = 0, n2 = 0;
    char *t1 = hx_print_string(&p, &n1), *t2 = NULL;
    g_phase = "parse";
    if (!t1)
        fail = "print-failed";
    else if (!hx_parse(t1, n1, "printed.gcp", &q, &d))
        fail = "printed-text-does-not-parse";
    else {
        if (!hx_program_equal(&p, &q))
            fail = "parse-print-differs";
        else {
            g_phase = "print";
            t2 = hx_print_string(&q, &n2);
            if (!t2 || n1 != n2 || memcmp(t1, t2, n1) != 0)
                fail = "print-not-fixed-point";
        }
        hx_program_free(&q);
    }
    alarm(0);
    if (fail)
        fprintf(stderr, "--- printed text ---\n%s\n" MARK "CHECK TEXT %s\n", t1 ? t1 : "", fail);
    free(t1);
    free(t2);
    hx_program_free(&p);
    free(buf);
    return fail ? GCF_EXIT_FAIL : 0;
}

static int child_main(triage_opts *t, const char *file)
{
    if (t->text)
        return child_text(t, file);
    hx_program p;
    size_t n = strlen(file);
    int rc = n > 4 && strcmp(file + n - 4, ".gcp") == 0
                 ? gcf_load_text(file, &p)
                 : gcf_load_binary(file, &p, t->c.any_version);
    if (rc) {
        fprintf(stderr, MARK "BADPROGRAM\n");
        hx_program_free(&p);
        return rc;
    }
    g_prog = &p;
    t->c.o.fuzz = !t->checked;
    t->c.o.no_views = true;
    t->c.o.progress = &g_step;
    child_handlers(t->lim.timeout);
    hx_exec_outcome r;
    hx_exec_status s = hx_exec_run(&p, file, &t->c.o, &r);
    alarm(0);
    g_step = SIZE_MAX;
    if (s == HX_EXEC_FAIL) {
        hx_report_print(stderr, file, &r);
        fprintf(stderr, MARK "CHECK %s\n" MARK "STEP %zu\n", r.fail.signature, r.fail.step);
        rc = GCF_EXIT_FAIL;
    } else if (s != HX_EXEC_PASS) {
        hx_report_program_error(stderr, file, &r);
        fprintf(stderr, MARK "BADPROGRAM\n");
        rc = GCF_EXIT_BAD_PROGRAM;
    }
    hx_exec_outcome_free(&r);
    g_prog = NULL;
    hx_program_free(&p);
    return rc;
}

/* ==== Minimization in children =========================================== */

typedef struct min_ctx {
    const triage_opts *t;
    const char *sig;
    unsigned long runs;
    double t0, last, deadline;
    bool final;                  /* past the search: always run */
} min_ctx;

static bool write_program(const char *path, const hx_program *p, const char *header)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    if (header)
        fputs(header, f);
    hx_print(p, f);
    return fclose(f) == 0;
}

/* Runs the candidate written at path; true if it gives c->sig.  Reports
   progress every 5 s (size: how big the candidate is, in unit). */
static bool min_try(min_ctx *c, const char *path, size_t size, const char *unit)
{
    run_result r;
    if (!run_child(c->t, path, &r))
        return false;
    c->runs++;
    double now = now_s();
    if (!c->t->c.quiet && now - c->last > 5.0) {
        fprintf(stderr, "gcfuzz %s: minimizing, %lu runs, %zu %s (%.0f s)\n", c->t->cmd,
                c->runs, size, unit, now - c->t0);
        c->last = now;
    }
    return is_finding(r.kind) && strcmp(r.sig, c->sig) == 0;
}

static bool min_pred(const hx_program *cand, void *vctx)
{
    min_ctx *c = vctx;
    if (!c->final && now_s() > c->deadline)
        return false;           /* the time budget is spent: keep what we have */
    char path[128];
    snprintf(path, sizeof path, "%s/cand.gcp", c->t->tmp);
    if (!write_program(path, cand, NULL))
        return false;
    return min_try(c, path, cand->nstmts, "statements");
}

static void min_progress(const char *phase, const hx_min_stats *st, void *vctx)
{
    (void)st;
    min_ctx *c = vctx;
    if (strcmp(phase, "simplify done") == 0)
        c->final = true;
}

/* The minimizer with every candidate run in a child under t's limits,
   keeping first's signature whatever its kind (.triage.min): p (loaded,
   valid) is first cut after the failing statement when the cut still gives
   the signature (p then holds the cut program), then minimized into *best
   (always set except HX_MIN_NOMEM).  *runs counts the children. */
static hx_min_status gcf_minimize_in_children(const triage_opts *t, const run_result *first,
                                              hx_program *p, hx_program *best,
                                              unsigned long *runs)
{
    char cut[128];
    /* cut after the failing statement (what follows never ran) */
    if (first->step >= 0 && (size_t)first->step + 1 < p->nstmts) {
        hx_program q;
        if (hx_program_copy(&q, p)) {
            hx_program_remove(&q, (size_t)first->step + 1, q.nstmts - (size_t)first->step - 1);
            snprintf(cut, sizeof cut, "%s/cut.gcp", t->tmp);
            run_result rc2;
            if (hx_program_check(&q, NULL) && write_program(cut, &q, NULL) &&
                run_child(t, cut, &rc2) && is_finding(rc2.kind) &&
                strcmp(rc2.sig, first->sig) == 0) {
                hx_program_free(p);
                *p = q;
            } else {
                hx_program_free(&q);
            }
        }
    }

    min_ctx c = {0};
    c.t = t;
    c.sig = first->sig;
    c.t0 = c.last = now_s();
    c.deadline = c.t0 + t->lim.min_seconds;
    hx_min_opts mo = {0};
    mo.rechecks = 1;
    mo.max_tests = t->lim.max_tests;
    mo.progress = min_progress;
    mo.progress_ctx = &c;
    hx_min_stats ms;
    memset(&ms, 0, sizeof ms);
    hx_min_status st = hx_minimize(p, min_pred, &c, &mo, best, &ms);
    *runs = c.runs;
    return st;
}

/* --text inputs (.triage.text-min): delta debugging of the bytes, first
   with lines as units, then single bytes; a candidate (the text without a
   chunk of units) is kept when its child gives the same signature.
   Chunks of n parts, n doubling up to one unit each, as the program
   minimizer's first phase; the --max-tests and --min-seconds budgets
   apply. */
static bool text_pred(min_ctx *c, const char *text, size_t len)
{
    if (c->runs >= c->t->lim.max_tests || now_s() > c->deadline)
        return false;
    char path[128];
    snprintf(path, sizeof path, "%s/cand.txt", c->t->tmp);
    if (gcf_write_output(path, text, len) != 0)
        return false;
    return min_try(c, path, len, "bytes");
}

/* unit starts of text: line starts (by_line) or every byte; n set */
static size_t *text_units(const char *text, size_t len, bool by_line, size_t *n)
{
    size_t *u = malloc((len + 1) * sizeof *u);
    if (!u)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!by_line || i == 0 || text[i - 1] == '\n')
            u[k++] = i;
    u[k] = len;
    *n = k;
    return u;
}

static bool text_ddmin(min_ctx *c, char **text, size_t *len, bool by_line)
{
    size_t nu;
    size_t *u = text_units(*text, *len, by_line, &nu);
    if (!u)
        return false;
    char *cand = malloc(*len + 1);
    if (!cand) {
        free(u);
        return false;
    }
    size_t parts = 2;
    while (nu >= 1) {
        if (parts > nu)
            parts = nu;
        bool removed = false;
        for (size_t i = 0; i < parts && !removed; i++) {
            size_t from = nu * i / parts, to = nu * (i + 1) / parts;
            if (from == to)
                continue;
            size_t b0 = u[from], b1 = u[to], cl = *len - (b1 - b0);
            memcpy(cand, *text, b0);
            memcpy(cand + b0, *text + b1, *len - b1);
            if (text_pred(c, cand, cl)) {
                memcpy(*text, cand, cl);
                *len = cl;
                removed = true;
            }
        }
        if (removed) {
            free(u);
            u = text_units(*text, *len, by_line, &nu);
            if (!u)
                break;
            if (parts > 2)
                parts--;
            continue;
        }
        if (parts >= nu || c->runs >= c->t->lim.max_tests || now_s() > c->deadline)
            break;
        parts *= 2;
    }
    free(u);
    free(cand);
    return true;
}

/* Minimize the text of file into *out (malloc'd, *outlen bytes), keeping
   sig; false only when out of memory or the file cannot be read. */
static bool text_minimize(const triage_opts *t, const char *file, const char *sig, char **out,
                          size_t *outlen, unsigned long *runs)
{
    char *text;
    size_t len;
    if (hx_read_file(file, &text, &len) != 0)
        return false;
    min_ctx c = {0};
    c.t = t;
    c.sig = sig;
    c.t0 = c.last = now_s();
    c.deadline = c.t0 + t->lim.min_seconds;
    bool ok = text_ddmin(&c, &text, &len, true) && text_ddmin(&c, &text, &len, false);
    *runs = c.runs;
    *out = text;
    *outlen = len;
    return ok;
}

/* ==== Findings database (.triage.db) ===================================== */

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void slug(const char *sig, char *out, size_t cap)
{
    size_t o = 0;
    bool dash = false;
    for (const char *p = sig; *p && o + 12 < cap && o < 60; p++) {
        char c = *p;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum) {
            out[o++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
            dash = false;
        } else if (!dash && o) {
            out[o++] = '-';
            dash = true;
        }
    }
    if (o && out[o - 1] == '-')
        o--;
    snprintf(out + o, cap - o, "-%08x", fnv1a(sig));
}

static void iso_now(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct meta {
    unsigned long count;
    char first_seen[32], last_seen[32], build[128], status[16];
} meta;

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static bool meta_read(const char *dir, meta *m)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/meta", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    memset(m, 0, sizeof *m);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "count=", 6) == 0)
            m->count = strtoul(line + 6, NULL, 10);
        else if (strncmp(line, "first_seen=", 11) == 0)
            copy_str(m->first_seen, sizeof m->first_seen, line + 11);
        else if (strncmp(line, "last_seen=", 10) == 0)
            copy_str(m->last_seen, sizeof m->last_seen, line + 10);
        else if (strncmp(line, "build=", 6) == 0)
            copy_str(m->build, sizeof m->build, line + 6);
        else if (strncmp(line, "status=", 7) == 0)
            copy_str(m->status, sizeof m->status, line + 7);
    }
    fclose(f);
    return true;
}

static bool meta_write(const char *dir, const meta *m, const char *sig, const char *target)
{
    char path[4200], tmp[4210];
    snprintf(path, sizeof path, "%s/meta", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return false;
    fprintf(f, "signature=%s\ncount=%lu\nfirst_seen=%s\nlast_seen=%s\nbuild=%s\nstatus=%s\n"
               "target=%s\n",
            sig, m->count, m->first_seen, m->last_seen, m->build, m->status,
            target ? target : "mgc");
    if (fclose(f) != 0)
        return false;
    return rename(tmp, path) == 0;
}

static bool copy_file(const char *from, const char *to)
{
    char *buf;
    size_t len;
    if (hx_read_file(from, &buf, &len) != 0)
        return false;
    bool ok = gcf_write_output(to, buf, len) == 0;
    free(buf);
    return ok;
}

/* ==== One input ============================================================ */

/* Files a finding (.triage.db): its folder DIR in the database made if
   needed, the meta record updated (count, first and last seen, build,
   status), the first input copied once as first-input + IN_SUFFIX, the
   reproducer REPRO_SRC copied as MINNAME; FINAL gets the reproducer's path.
   Without a database the reproducer goes beside the input (or into
   --out-dir) as NAME + OUT_SUFFIX.  false (after a message) on an error. */
static bool file_finding(const triage_opts *t, const char *dir, meta *m, const char *stamp,
                         bool confirmed, const char *input, const char *in_suffix,
                         const char *repro_src, const char *minname, const char *out_suffix,
                         const char *sig, const char *target, char *final, size_t cap)
{
    if (!t->db) {
        const char *base = strrchr(input, '/');
        base = base ? base + 1 : input;
        if (t->out_dir)
            snprintf(final, cap, "%s/%s%s", t->out_dir, base, out_suffix);
        else
            snprintf(final, cap, "%s%s", input, out_suffix);
        if (!copy_file(repro_src, final)) {
            fprintf(stderr, "gcfuzz triage: cannot write %s\n", final);
            return false;
        }
        return true;
    }
    mkdir(t->db, 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "gcfuzz triage: cannot create %s: %s\n", dir, strerror(errno));
        return false;
    }
    bool had = m->count > 0;
    if (!had)
        snprintf(m->first_seen, sizeof m->first_seen, "%s", stamp);
    m->count++;
    snprintf(m->last_seen, sizeof m->last_seen, "%s", stamp);
    snprintf(m->build, sizeof m->build, "%s", t->build ? t->build : GCF_VERSION);
    snprintf(m->status, sizeof m->status, "%s", confirmed ? "confirmed" : "flaky");
    char path[4200];
    snprintf(path, sizeof path, "%s/first-input%s", dir, in_suffix);
    snprintf(final, cap, "%s/%s", dir, minname);
    if ((!had && !copy_file(input, path)) || !copy_file(repro_src, final) ||
        !meta_write(dir, m, sig, target)) {
        fprintf(stderr, "gcfuzz triage: cannot write the finding into %s\n", dir);
        return false;
    }
    return true;
}

typedef struct totals {
    unsigned inputs, fresh, known, flaky, unreproduced;
    int rc;
} totals;

static void report_line(const triage_opts *t, const char *status, const char *sig,
                        const char *input, const char *repro, unsigned long count,
                        size_t stmts, unsigned same, unsigned rounds)
{
    if (!t->report)
        return;
    FILE *f = fopen(t->report, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%s\t%s\t%lu\t%zu\t%u/%u\n", status, sig, input, repro ? repro : "",
            count, stmts, same, rounds);
    fclose(f);
}

/* Runs `file` rounds times; returns how many gave signature sig. */
static unsigned confirm(const triage_opts *t, const char *file, const char *sig)
{
    unsigned same = 0;
    for (unsigned i = 0; i < t->lim.rounds; i++) {
        run_result r;
        if (run_child(t, file, &r) && is_finding(r.kind) && strcmp(r.sig, sig) == 0)
            same++;
    }
    return same;
}

static int triage_one(triage_opts *t, const char *input, totals *tot)
{
    tot->inputs++;
    run_result first;
    if (!run_child(t, input, &first)) {
        fprintf(stderr, "gcfuzz triage: cannot start a child: %s\n", strerror(errno));
        return 1;
    }
    if (!is_finding(first.kind)) {
        printf("=== %s: does not reproduce (%s%s%s, %.1f s)\n", input,
               run_kind_names[first.kind], first.sig[0] ? ": " : "", first.sig, first.cpu);
        report_line(t, "unreproduced", run_kind_names[first.kind], input, NULL, 0, 0, 0, 0);
        tot->unreproduced++;
        return 0;
    }
    printf("=== %s: %s\n", input, first.sig);
    printf("kind:      %s\n", run_kind_names[first.kind]);
    fflush(stdout);

    char dir[4096] = "";
    meta m;
    memset(&m, 0, sizeof m);
    char stamp[32];
    iso_now(stamp, sizeof stamp);
    if (t->db) {
        char sl[128];
        slug(first.sig, sl, sizeof sl);
        snprintf(dir, sizeof dir, "%s/%s", t->db, sl);
        if (meta_read(dir, &m) && strcmp(m.status, "confirmed") == 0) {
            /* .triage.db: a known signature is counted, not re-reported */
            m.count++;
            snprintf(m.last_seen, sizeof m.last_seen, "%s", stamp);
            if (!meta_write(dir, &m, first.sig, t->c.target_name)) {
                fprintf(stderr, "gcfuzz triage: cannot write %s/meta\n", dir);
                return GCF_EXIT_CANTCREAT;
            }
            printf("status:    known (seen %lu times since %s): %s/min.gcp\n", m.count,
                   m.first_seen, dir);
            char repro[4200];
            snprintf(repro, sizeof repro, "%s/min.gcp", dir);
            report_line(t, "known", first.sig, input, repro, m.count, 0, 0, 0);
            tot->known++;
            return 0;
        }
    }

    if (t->text) {
        /* parser inputs: their bytes minimized (every candidate in a
           child), then confirmed; if the minimized text does not give the
           signature every time, the input itself is the reproducer */
        char *mt = NULL;
        size_t ml = 0, inlen = 0;
        unsigned long runs = 0;
        char minpath[128];
        snprintf(minpath, sizeof minpath, "%s/min.txt", t->tmp);
        char *intext;
        if (hx_read_file(input, &intext, &inlen) == 0)
            free(intext);
        bool have_min = text_minimize(t, input, first.sig, &mt, &ml, &runs) &&
                        gcf_write_output(minpath, mt, ml) == 0;
        free(mt);
        if (have_min)
            printf("minimized: %zu -> %zu bytes (%lu runs in children)\n", inlen, ml, runs);
        unsigned same = have_min ? confirm(t, minpath, first.sig) : 0;
        const char *repro_src = minpath;
        if (same != t->lim.rounds) {
            unsigned same_in = confirm(t, input, first.sig);
            if (have_min && same_in == t->lim.rounds)
                printf("note:      the minimized text reproduced %u/%u; the whole input "
                       "reproduces %u/%u and is the reproducer\n", same, t->lim.rounds, same_in,
                       t->lim.rounds);
            if (same_in == t->lim.rounds || !have_min) {
                same = same_in;
                repro_src = input;
            }
        }
        bool ok = same == t->lim.rounds;
        printf("status:    %s %u/%u%s\n", ok ? "confirmed" : "FLAKY", same, t->lim.rounds,
               ok ? " (new)" : " (not every run gives this signature)");
        char final_repro[4200];
        if (!file_finding(t, dir, &m, stamp, ok, input, "", repro_src, "min.txt", ".min.txt",
                          first.sig, "text", final_repro, sizeof final_repro))
            return GCF_EXIT_CANTCREAT;
        printf("reproducer: %s (replay: gcfuzz triage --text%s%s FILE)\n", final_repro,
               t->c.target_name ? " --target " : "", t->c.target_name ? t->c.target_name : "");
        report_line(t, ok ? "new" : "flaky", first.sig, input, final_repro, m.count ? m.count : 1,
                    0, same, t->lim.rounds);
        if (ok)
            tot->fresh++;
        else
            tot->flaky++;
        return 0;
    }

    /* the program, as the child read it */
    hx_program p;
    size_t nl = strlen(input);
    bool text = nl > 4 && strcmp(input + nl - 4, ".gcp") == 0;
    int lr = text ? gcf_load_text(input, &p) : gcf_load_binary(input, &p, t->c.any_version);
    if (lr) {
        hx_program_free(&p);
        return lr;
    }
    char orig[128];
    snprintf(orig, sizeof orig, "%s/orig.gcp", t->tmp);
    write_program(orig, &p, NULL);

    hx_program best;
    unsigned long runs = 0;
    hx_min_status st = gcf_minimize_in_children(t, &first, &p, &best, &runs);
    if (st == HX_MIN_NOMEM) {
        hx_program_free(&p);
        return 1;
    }
    hx_program_renumber(&best);
    char header[600];
    snprintf(header, sizeof header,
             "# minimized: %s\n# replay: gcfuzz triage%s%s %s<this file>\n", first.sig,
             t->c.target_name ? " --target " : "", t->c.target_name ? t->c.target_name : "",
             t->c.o.verify_each ? "--verify " : "");
    char minpath[128];
    snprintf(minpath, sizeof minpath, "%s/min.gcp", t->tmp);
    write_program(minpath, &best, header);
    size_t stmts = best.nstmts;
    printf("minimized: %zu -> %zu statements (%lu runs in children, %s)\n", p.nstmts, stmts,
           runs, hx_min_status_name(st));
    fflush(stdout);

    /* confirmation: rounds out of rounds with the same signature */
    unsigned same = confirm(t, minpath, first.sig);
    const char *repro_src = minpath;
    bool minimized_ok = same == t->lim.rounds;
    if (!minimized_ok) {
        unsigned same_orig = confirm(t, orig, first.sig);
        if (same_orig == t->lim.rounds) {
            same = same_orig;
            repro_src = orig;
            printf("note:      the minimized program reproduced %u/%u; the whole input "
                   "reproduces %u/%u and is the reproducer\n", same, t->lim.rounds, same_orig,
                   t->lim.rounds);
        }
    }
    bool confirmed = same == t->lim.rounds;
    printf("status:    %s %u/%u%s\n", confirmed ? "confirmed" : "FLAKY", same, t->lim.rounds,
           confirmed ? " (new)" : " (not every run gives this signature)");

    char final_repro[4200];
    if (!file_finding(t, dir, &m, stamp, confirmed, input, text ? ".gcp" : "", repro_src,
                      "min.gcp", ".min.gcp", first.sig, t->c.target_name, final_repro,
                      sizeof final_repro)) {
        hx_program_free(&best);
        hx_program_free(&p);
        return GCF_EXIT_CANTCREAT;
    }
    printf("reproducer: %s\n", final_repro);
    if (!t->c.quiet) {
        char *txt;
        size_t tl;
        if (hx_read_file(final_repro, &txt, &tl) == 0) {
            fwrite(txt, 1, tl, stdout);
            free(txt);
        }
    }
    report_line(t, confirmed ? "new" : "flaky", first.sig, input, final_repro, m.count ? m.count : 1,
                repro_src == minpath ? stmts : p.nstmts, same, t->lim.rounds);
    if (confirmed)
        tot->fresh++;
    else
        tot->flaky++;
    hx_program_free(&best);
    hx_program_free(&p);
    return 0;
}

/* ==== Command ============================================================= */

static const char triage_help[] =
    "usage: gcfuzz triage [options] INPUT|DIR...\n"
    "Replays fuzzer artifacts (binary inputs) or .gcp programs, each in a child\n"
    "process under time and memory limits, and classifies every finding with a\n"
    "stable signature: a check failure (C3 collect gen-mismatch), a crash or\n"
    "sanitizer report (SEGV mgc_plan_phase < mgc_gc_run), a timeout (TIMEOUT\n"
    "collect) or out of memory (OOM new <=64K).  Each finding is minimized (every\n"
    "candidate in a child, keeping the signature) and confirmed: it must give the\n"
    "same signature in every one of --rounds runs, else it is reported as flaky.\n"
    "A DIR stands for its files (libFuzzer's slow-unit-* are skipped).\n"
    "\n"
    "  --timeout S           seconds per run (CPU and wall; default 10)\n"
    "  --rss-mb N            memory limit per run in MiB (default 2048)\n"
    "  --rounds N            confirmation runs (default 5)\n"
    "  --max-tests N         minimizer candidate budget (default 400)\n"
    "  --min-seconds S       minimizer time budget (default 300)\n"
    "  --db DIR              file findings by signature there (count, first and last\n"
    "                        seen, build, first input, minimized reproducer)\n"
    "  --report FILE         append one tab-separated line per input: status\n"
    "                        (new|known|flaky|unreproduced), signature, input,\n"
    "                        reproducer, count, statements, runs with the signature\n"
    "  --build NAME          the build named in the database (default: the version)\n"
    "  -o, --out-dir DIR     without --db: write INPUT.min.gcp there (default: next\n"
    "                        to the input)\n"
    "  --target NAME, --target-lib PATH.so, --profile strict|clr, --verify, --stress,\n"
    "  --full: as for run\n"
    "  --checked             check expect lines and stop at null operands (as run\n"
    "                        does without --fuzz; default: as the fuzzers run)\n"
    "  --any-version         decode binary inputs whatever their version byte\n"
    "  --text                the inputs are fuzz_text inputs: check the parser's round\n"
    "                        trip (signature `TEXT <what>`, or a crash's); their bytes\n"
    "                        are minimized (lines, then bytes; INPUT.min.txt, or\n"
    "                        min.txt in the database), then confirmed\n"
    "  -q, --quiet           do not print the reproducers\n"
    "Exit: 0 nothing reproduced, 1 at least one finding, 64 usage, 65 another\n"
    "format version, 66 unreadable input, 73 database not writable.\n";

static int add_inputs(const char *arg, char ***list, size_t *n, size_t *cap)
{
    struct stat st;
    if (stat(arg, &st) != 0) {
        fprintf(stderr, "gcfuzz triage: cannot read %s: %s\n", arg, strerror(errno));
        return GCF_EXIT_NOINPUT;
    }
    char **names = NULL;
    size_t nn = 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(arg);
        if (!d)
            return GCF_EXIT_NOINPUT;
        struct dirent *e;
        size_t ncap = 0;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || strncmp(e->d_name, "slow-unit-", 10) == 0)
                continue;
            size_t l = strlen(e->d_name);
            if (l > 8 && (strcmp(e->d_name + l - 8, ".min.gcp") == 0 ||
                          strcmp(e->d_name + l - 8, ".min.txt") == 0))
                continue;
            if (!HX_RESERVE(names, ncap, nn + 1, 16))
                break;
            char *path = malloc(strlen(arg) + l + 2);
            if (!path)
                break;
            sprintf(path, "%s/%s", arg, e->d_name);
            struct stat fs;
            if (stat(path, &fs) == 0 && S_ISREG(fs.st_mode))
                names[nn++] = path;
            else
                free(path);
        }
        closedir(d);
        for (size_t i = 1; i < nn; i++)         /* name order: deterministic */
            for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                char *x = names[j];
                names[j] = names[j - 1];
                names[j - 1] = x;
            }
    } else {
        names = malloc(sizeof *names);
        if (names && (names[0] = strdup(arg)))
            nn = 1;
    }
    for (size_t i = 0; i < nn; i++)
        if (!HX_PUSH(*list, *n, *cap, names[i]))
            return GCF_EXIT_NOINPUT;
    free(names);
    return 0;
}

/* The executable and a scratch folder for the children; false (message
   printed) if either cannot be had. */
static bool scratch_make(triage_opts *t)
{
    ssize_t sl = readlink("/proc/self/exe", t->self, sizeof t->self - 1);
    if (sl <= 0) {
        fprintf(stderr, "gcfuzz %s: cannot find its own executable\n", t->cmd);
        return false;
    }
    t->self[sl] = 0;
    snprintf(t->tmp, sizeof t->tmp, "/tmp/gcf-%s.XXXXXX", t->cmd);
    if (!mkdtemp(t->tmp)) {
        fprintf(stderr, "gcfuzz %s: cannot create a scratch folder: %s\n", t->cmd,
                strerror(errno));
        return false;
    }
    return true;
}

static void scratch_remove(const triage_opts *t)
{
    const char *scratch[] = { "child.out", "cand.gcp", "orig.gcp", "cut.gcp", "min.gcp",
                              "cand.txt", "min.txt" };
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", t->tmp, scratch[i]);
        unlink(path);
    }
    rmdir(t->tmp);
}

int gcf_cmd_triage(int argc, char **argv)
{
    triage_opts t;
    memset(&t, 0, sizeof t);
    gcf_common_opts_init(&t.c);
    t.lim = (gcf_limit_opts){ .timeout = 10, .rss_mb = 2048, .rounds = 5, .max_tests = 400,
                              .min_seconds = 300 };
    t.cmd = "triage";
    enum { O_DB = GCF_OPT_LOCAL, O_REPORT, O_BUILD, O_CHILD, O_TEXT, O_CHECKED };
    static const struct option lo[] = {
        GCF_COMMON_LONGOPTS,
        GCF_LIMIT_LONGOPTS,
        { "db", required_argument, NULL, O_DB },
        { "report", required_argument, NULL, O_REPORT },
        { "build", required_argument, NULL, O_BUILD },
        { "out-dir", required_argument, NULL, 'o' },
        { "child", no_argument, NULL, O_CHILD },
        { "text", no_argument, NULL, O_TEXT },
        { "checked", no_argument, NULL, O_CHECKED },
        GCF_END_LONGOPTS
    };
    gcf_opt_begin();
    int ch;
    /* '+': options come before the inputs */
    while ((ch = getopt_long(argc, argv, "+:o:qh", lo, NULL)) != -1) {
        int orc = gcf_opt_common("triage", ch, optarg, &t.c);
        if (orc == GCF_OPT_NOT_MINE)
            orc = gcf_opt_limit("triage", ch, optarg, &t.lim);
        if (orc != GCF_OPT_NOT_MINE) {
            if (orc)
                return orc;
            continue;
        }
        switch (ch) {
        case 'h': printf("%s", triage_help); return GCF_EXIT_OK;
        case 'o': t.out_dir = optarg; break;
        case O_DB: t.db = optarg; break;
        case O_REPORT: t.report = optarg; break;
        case O_BUILD: t.build = optarg; break;
        case O_CHILD: t.child = true; break;
        case O_TEXT: t.text = true; break;
        case O_CHECKED: t.checked = true; break;
        default: return gcf_opt_error("triage", ch, argv);
        }
    }
    int trc = gcf_opt_select_target("triage", &t.c);
    if (trc)
        return trc;
    if (optind >= argc)
        return gcf_usage_error("triage", "no input given");
    if (t.child) {
        if (argc - optind != 1)
            return gcf_usage_error("triage", "--child runs exactly one input");
        return child_main(&t, argv[optind]);
    }
    char **inputs = NULL;
    size_t n = 0, cap = 0;
    for (int i = optind; i < argc; i++) {
        int rc = add_inputs(argv[i], &inputs, &n, &cap);
        if (rc) {
            for (size_t k = 0; k < n; k++)
                free(inputs[k]);
            free(inputs);
            return rc;
        }
    }
    if (!scratch_make(&t)) {
        for (size_t k = 0; k < n; k++)
            free(inputs[k]);
        free(inputs);
        return GCF_EXIT_CANTCREAT;
    }
    totals tot = {0};
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int r = triage_one(&t, inputs[i], &tot);
        if (r && !rc)
            rc = r;
        free(inputs[i]);
    }
    free(inputs);
    scratch_remove(&t);
    printf("triage: %u input%s: %u new, %u known, %u flaky, %u not reproduced\n", tot.inputs,
           tot.inputs == 1 ? "" : "s", tot.fresh, tot.known, tot.flaky, tot.unreproduced);
    if (rc)
        return rc;
    return tot.fresh + tot.known + tot.flaky ? GCF_EXIT_FAIL : GCF_EXIT_OK;
}

/* ==== gcfuzz minimize (tools/cmd_run.c): the same children ================ */

int gcf_minimize_bounded(const gcf_min_request *rq)
{
    triage_opts t;
    memset(&t, 0, sizeof t);
    t.cmd = "minimize";
    t.c = rq->c;
    t.c.quiet = false;          /* the search always reports its progress */
    t.lim = rq->lim;
    t.checked = !rq->fuzz;

    hx_program p, orig;
    size_t nl = strlen(rq->input);
    bool text = nl > 4 && strcmp(rq->input + nl - 4, ".gcp") == 0;
    int rc = text ? gcf_load_text(rq->input, &p)
                  : gcf_load_binary(rq->input, &p, rq->c.any_version);
    if (rc) {
        hx_program_free(&p);
        return rc;
    }
    if (!hx_program_copy(&orig, &p)) {
        hx_program_free(&p);
        return 1;
    }
    if (!scratch_make(&t)) {
        hx_program_free(&orig);
        hx_program_free(&p);
        return GCF_EXIT_CANTCREAT;
    }
    run_result first;
    if (!run_child(&t, rq->input, &first)) {
        fprintf(stderr, "gcfuzz minimize: cannot start a child: %s\n", strerror(errno));
        rc = 1;
    } else if (!is_finding(first.kind)) {
        fprintf(stderr, "gcfuzz minimize: %s does not fail (%s%s%s); nothing to minimize\n",
                rq->input, first.kind == RK_PASS ? "it passes" : run_kind_names[first.kind],
                first.sig[0] ? ": " : "", first.sig);
        rc = first.kind == RK_BAD ? GCF_EXIT_BAD_PROGRAM : GCF_EXIT_FAIL;
    }
    if (rc) {
        scratch_remove(&t);
        hx_program_free(&orig);
        hx_program_free(&p);
        return rc;
    }
    fprintf(stderr, "gcfuzz minimize: signature `%s`, %zu statements\n", first.sig, p.nstmts);
    hx_program best;
    unsigned long runs = 0;
    hx_min_status st = gcf_minimize_in_children(&t, &first, &p, &best, &runs);
    if (st == HX_MIN_NOMEM || st == HX_MIN_NOT_FAILING) {
        fprintf(stderr, "gcfuzz minimize: %s\n", hx_min_status_name(st));
        if (st != HX_MIN_NOMEM)
            hx_program_free(&best);
        scratch_remove(&t);
        hx_program_free(&orig);
        hx_program_free(&p);
        return 1;
    }
    hx_program_renumber(&best);
    char header[300], minpath[128];
    snprintf(header, sizeof header, "# minimized: %s\n", first.sig);
    snprintf(minpath, sizeof minpath, "%s/min.gcp", t.tmp);
    /* accepted only if it gives the signature in every one of rounds runs */
    unsigned same = 0;
    if (st == HX_MIN_OK && write_program(minpath, &best, header))
        same = confirm(&t, minpath, first.sig);
    const hx_program *result = &best;
    if (same != t.lim.rounds) {
        fprintf(stderr, "gcfuzz minimize: the minimized program gave the signature in %u of %u "
                        "re-runs; keeping the input\n", same, t.lim.rounds);
        result = &orig;
    }
    if (!write_program(rq->out, result, header)) {
        fprintf(stderr, "gcfuzz minimize: cannot write %s: %s\n", rq->out, strerror(errno));
        rc = GCF_EXIT_CANTCREAT;
    } else {
        fprintf(stderr, "gcfuzz minimize: %zu -> %zu statements in %lu runs (in children), "
                        "written to %s\n", orig.nstmts, result->nstmts, runs, rq->out);
    }
    scratch_remove(&t);
    hx_program_free(&best);
    hx_program_free(&orig);
    hx_program_free(&p);
    return rc;
}
