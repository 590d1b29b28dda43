/* expectations.c -- a target's expected conformance deviations
 * (.tgt.expect, docs/targets.md "Expected deviations").
 *
 * One deviation a line, three fields separated by `|`:
 *
 *     SCENARIO | SIGNATURE | REASON
 *
 * SCENARIO is a scenario's file name without .gcp (003-promotion-ladder),
 * SIGNATURE the failure signature the target gives on it (EX expect_gen
 * oracle; PE ... for a program error), REASON why it is expected, which
 * must not be empty.  `#` starts a comment line; blank lines are skipped.
 */
#include "gcfuzz.h"
#include "exec.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s without leading and trailing blanks, in place. */
static char *gcf_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int gcf_expect_error(const char *path, unsigned line, unsigned col, const char *msg)
{
    fprintf(stderr, "%s:%u:%u: %s (expected: SCENARIO | SIGNATURE | REASON)\n", path, line, col,
            msg);
    return GCF_EXIT_USAGE;
}

int gcf_expect_load(const char *path, gcf_expect_set *set)
{
    memset(set, 0, sizeof *set);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gcfuzz: cannot read %s: %s\n", path, strerror(errno));
        return GCF_EXIT_NOINPUT;
    }
    char buf[1024];
    unsigned line = 0;
    int rc = 0;
    while (!rc && fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = gcf_expect_error(path, line, (unsigned)sizeof buf, "line too long");
            break;
        }
        char *s = gcf_trim(buf);
        if (!*s || *s == '#')
            continue;
        char *bar1 = strchr(s, '|');
        char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        if (!bar1 || !bar2) {
            rc = gcf_expect_error(path, line, bar1 ? (unsigned)(bar1 - buf + 2) : (unsigned)strlen(buf) + 1,
                                  "a line needs three fields");
            break;
        }
        *bar1 = *bar2 = '\0';
        char *scen = gcf_trim(s), *sig = gcf_trim(bar1 + 1), *why = gcf_trim(bar2 + 1);
        unsigned col = !*scen ? (unsigned)(s - buf + 1)
                     : !*sig ? (unsigned)(bar1 - buf + 2)
                     : !*why ? (unsigned)(bar2 - buf + 2) : 0;
        if (col) {
            rc = gcf_expect_error(path, line, col, "empty field");
            break;
        }
        for (size_t i = 0; i < set->n; i++)
            if (strcmp(set->e[i].scenario, scen) == 0) {
                char msg[200];
                snprintf(msg, sizeof msg, "scenario %s already listed on line %u", scen,
                         set->e[i].line);
                rc = gcf_expect_error(path, line, (unsigned)(scen - buf + 1), msg);
                break;
            }
        if (rc)
            break;
        if (!HX_RESERVE(set->e, set->cap, set->n + 1, 16)) {
            rc = GCF_EXIT_FAIL;
            break;
        }
        gcf_expect *e = &set->e[set->n++];
        memset(e, 0, sizeof *e);
        e->scenario = strdup(scen);
        e->signature = strdup(sig);
        e->reason = strdup(why);
        e->line = line;
    }
    fclose(f);
    if (rc)
        gcf_expect_free(set);
    return rc;
}

gcf_expect *gcf_expect_find(gcf_expect_set *set, const char *scenario)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->e[i].scenario, scenario) == 0)
            return &set->e[i];
    return NULL;
}

void gcf_expect_free(gcf_expect_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->e[i].scenario);
        free(set->e[i].signature);
        free(set->e[i].reason);
    }
    free(set->e);
    memset(set, 0, sizeof *set);
}
