/* bench_loops.c -- programs that reach scale through `repeat` blocks
 * (.prog.loop): each .gcp file given runs once in lockstep with the oracle
 * (the per-statement check after every statement, the complete comparison
 * after every collection), and a table gives the statements executed, the
 * objects allocated, the checks, the CPU time (getrusage: user + system,
 * meaningful on a loaded machine) and the CPU time per statement.
 *
 *   bench_loops [--stmt-cost N] FILE.gcp...
 *
 * --stmt-cost N (default 1000) adds, after each program, a second run of
 * the same program followed by N cheap statements (stores into an object
 * that stays young) at the heap the program leaves, and reports the cost
 * per statement of those alone (the difference of the two runs, divided by
 * N): the per-statement check's cost at that heap size.  bench/loops/ holds
 * the programs docs/benchmarks.md reports ("Loops and scale").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "exec.h"
#include "program.h"
#include "text.h"

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

typedef struct result {
    hx_exec_status st;
    double cpu;
    size_t steps;
    uint64_t objects, full, step;
} result;

static result run(const hx_program *p, const char *file)
{
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.no_views = true;
    hx_exec_prof prof;
    memset(&prof, 0, sizeof prof);
    o.prof = &prof;
    hx_exec_outcome out;
    result r;
    double t0 = cpu_now();
    r.st = hx_exec_run(p, file, &o, &out);
    r.cpu = cpu_now() - t0;
    r.steps = out.steps;
    r.objects = out.objects;
    r.full = prof.full_checks;
    r.step = prof.step_checks;
    if (r.st != HX_EXEC_PASS)
        fprintf(stderr, "bench_loops: %s: %s (%s)\n", file, out.fail.signature,
                out.fail.message);
    hx_exec_outcome_free(&out);
    return r;
}

/* p followed by `a = new T0x; repeat n { a.0 = null }` with a fresh fixed
   type of one slot: n statements that touch one object each. */
static bool with_tail(const hx_program *p, uint64_t n, hx_program *q)
{
    if (!hx_program_copy(q, p))
        return false;
    hx_type t;
    memset(&t, 0, sizeof t);
    t.name = "BenchTail";
    t.kind = HX_TYPE_FIXED;
    t.size = 24;
    t.nrefs = 1;
    uint32_t ty = hx_program_add_type(q, &t);
    uint32_t a = hx_program_local(q, "bench_tail");
    if (ty == HX_NONE || a == HX_NONE)
        return false;
    hx_stmt *s = hx_program_append(q, HX_ST_NEW);
    if (!s)
        return false;
    s->dst = a;
    s->type = ty;
    if (!(s = hx_program_append(q, HX_ST_REPEAT)))
        return false;
    s->count = n;
    if (!(s = hx_program_append(q, HX_ST_STORE)))
        return false;
    s->obj = a;
    s->src = HX_NULL;
    if (!hx_program_append(q, HX_ST_END))
        return false;
    hx_program_renumber(q);
    return true;
}

int main(int argc, char **argv)
{
    uint64_t tail = 1000;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--stmt-cost") == 0) {
        tail = strtoull(argv[2], NULL, 10);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: bench_loops [--stmt-cost N] FILE.gcp...\n");
        return 64;
    }
    int bad = 0;
    printf("| program | statements executed | objects | complete checks | per-statement checks "
           "| CPU s | CPU us / statement | CPU us / statement after it (%llu more) |\n",
           (unsigned long long)tail);
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int i = first; i < argc; i++) {
        char *text;
        size_t len;
        if (hx_read_file(argv[i], &text, &len) != 0) {
            fprintf(stderr, "bench_loops: cannot read %s\n", argv[i]);
            return 66;
        }
        hx_program p;
        hx_diag d;
        if (!hx_parse(text, len, argv[i], &p, &d)) {
            char msg[400];
            hx_diag_format(&d, msg, sizeof msg);
            fprintf(stderr, "%s\n", msg);
            free(text);
            return 2;
        }
        free(text);
        result r = run(&p, argv[i]);
        double per_tail = 0;
        if (tail) {
            hx_program q;
            if (!with_tail(&p, tail, &q)) {
                fprintf(stderr, "bench_loops: out of memory\n");
                return 1;
            }
            result rt = run(&q, argv[i]);
            per_tail = (rt.cpu - r.cpu) / (double)tail * 1e6;
            bad += rt.st != HX_EXEC_PASS;
            hx_program_free(&q);
        }
        const char *name = strrchr(argv[i], '/');
        printf("| %s | %zu | %llu | %llu | %llu | %.2f | %.2f | %.2f |\n", name ? name + 1 : argv[i],
               r.steps, (unsigned long long)r.objects, (unsigned long long)r.full,
               (unsigned long long)r.step, r.cpu, r.steps ? r.cpu / (double)r.steps * 1e6 : 0.0,
               per_tail);
        fflush(stdout);
        bad += r.st != HX_EXEC_PASS;
        hx_program_free(&p);
    }
    return bad ? 1 : 0;
}
