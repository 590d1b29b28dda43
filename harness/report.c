/* report.c -- failure reports (.report.shape).
 *
 * The first line is the signature alone: `C3 collect gen-mismatch` (check
 * id, statement kind, detail kind).  It names no address, object number or
 * line, so the same bug gives the same line in every program that shows
 * it: deduplication and the minimizer's predicate compare this line.
 * Then: the failing step and statement with its position, what differed
 * (expected vs actual), the oracle's root path to the object concerned,
 * the last collection event, and the target's SOS views at that moment.
 */
#include "exec.h"

#include <string.h>

void hx_failure_sign(hx_failure *f)
{
    const char *kind = f->stmt_kind < HX_ST_KIND_COUNT ? hx_stmt_kind_name(f->stmt_kind) : "setup";
    snprintf(f->signature, sizeof f->signature, "%s %s %s", f->check, kind, f->detail);
}

void hx_report_program_error(FILE *out, const char *file, const hx_exec_outcome *r)
{
    const hx_failure *f = &r->fail;
    fprintf(out, "%s:%u:%u: %s (%s)\n", file ? file : "<program>", f->pos.line, f->pos.col,
            f->message, f->detail);
}

void hx_report_print(FILE *out, const char *file, const hx_exec_outcome *r)
{
    const hx_failure *f = &r->fail;
    if (r->status == HX_EXEC_PASS)
        return;
    if (r->status == HX_EXEC_BAD_PROGRAM) {
        hx_report_program_error(out, file, r);
        return;
    }
    fprintf(out, "%s\n", f->signature);
    fprintf(out, "  program:   %s\n", file ? file : "<program>");
    fprintf(out, "  step:      %zu (line %u, column %u)\n", f->step, f->pos.line, f->pos.col);
    fprintf(out, "  statement: %s\n", f->stmt_text);
    fprintf(out, "  check:     %s\n", f->message);
    if (f->obj)
        fprintf(out, "  root path: object %u <- %s\n", f->obj, f->root_path[0] ? f->root_path : "?");
    fprintf(out, "  last GC:   %s\n", f->last_gc[0] ? f->last_gc : "(none)");
    if (f->views) {
        fprintf(out, "  target views at the failure:\n");
        const char *p = f->views;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(out, "    %.*s\n", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
    }
}

int hx_check_level(void)
{
    return GCF_HX_CHECK_LEVEL;
}
