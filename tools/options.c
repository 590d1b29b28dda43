/* options.c -- the options the commands that run programs share
 * (tools/options.h). */
#include "options.h"
#include "gcfuzz.h"

#include <string.h>

void gcf_common_opts_init(gcf_common_opts *c)
{
    memset(c, 0, sizeof *c);
    hx_exec_options_default(&c->o);
}

int gcf_opt_common(const char *cmd, int ch, const char *arg, gcf_common_opts *c)
{
    switch (ch) {
    case GCF_OPT_PROFILE:
        if (strcmp(arg, "strict") == 0)
            c->o.profile = HX_PROFILE_STRICT;
        else if (strcmp(arg, "clr") == 0)
            c->o.profile = HX_PROFILE_CLR;
        else
            return gcf_usage_error(cmd, "--profile takes strict or clr, not '%s'", arg);
        c->profile_name = arg;
        return 0;
    case GCF_OPT_STRESS: c->o.stress = true; return 0;
    case GCF_OPT_VERIFY: c->o.verify_each = true; return 0;
    case GCF_OPT_FULL: c->o.full_check = true; return 0;
    case GCF_OPT_TRACE: c->o.trace = true; return 0;
    case GCF_OPT_FUZZ: c->o.fuzz = true; return 0;
    case GCF_OPT_ANY_VERSION: c->any_version = true; return 0;
    case GCF_OPT_TARGET: c->target_name = arg; return 0;
    case GCF_OPT_TARGET_LIB: c->target_lib = arg; return 0;
    case 'q': c->quiet = true; return 0;
    default: return GCF_OPT_NOT_MINE;
    }
}

/* An unsigned number in lo..hi into *out, else a usage error. */
static int limit_value(const char *cmd, const char *opt, const char *what, const char *arg,
                       uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v;
    if (!gcf_parse_u64(arg, &v) || v < lo || v > hi)
        return gcf_usage_error(cmd, "%s takes %s (%llu..%llu), not '%s'", opt, what,
                               (unsigned long long)lo, (unsigned long long)hi, arg);
    *out = v;
    return 0;
}

int gcf_opt_limit(const char *cmd, int ch, const char *arg, gcf_limit_opts *l)
{
    uint64_t v = 0;
    int rc;
    switch (ch) {
    case GCF_OPT_TIMEOUT:
        if ((rc = limit_value(cmd, "--timeout", "seconds", arg, 1, 86400, &v)) == 0)
            l->timeout = (unsigned)v;
        return rc;
    case GCF_OPT_RSS_MB:
        if ((rc = limit_value(cmd, "--rss-mb", "MiB", arg, 16, (uint64_t)1 << 30, &v)) == 0)
            l->rss_mb = v;
        return rc;
    case GCF_OPT_ROUNDS:
        if ((rc = limit_value(cmd, "--rounds", "a number of runs", arg, 1, 1000, &v)) == 0)
            l->rounds = (unsigned)v;
        return rc;
    case GCF_OPT_MAX_TESTS:
        if ((rc = limit_value(cmd, "--max-tests", "a number of candidates", arg, 1, 10000000,
                              &v)) == 0)
            l->max_tests = v;
        return rc;
    case GCF_OPT_MIN_SECONDS:
        if ((rc = limit_value(cmd, "--min-seconds", "seconds", arg, 0, 864000, &v)) == 0)
            l->min_seconds = (unsigned)v;
        return rc;
    default:
        return GCF_OPT_NOT_MINE;
    }
}

int gcf_opt_error(const char *cmd, int ch, char **argv)
{
    /* getopt_long has moved optind past the option (and past its separate
       value), except after an unknown letter inside a cluster such as -qx;
       optopt is the short option's letter, the long option's value, or 0
       for an unknown long option. */
    const char *last = argv[optind - 1];
    bool is_long = strncmp(last, "--", 2) == 0 &&
                   (ch == ':' || strchr(last, '=') || !(optopt > 0 && optopt < 0x100));
    char shortopt[3] = { '-', (char)optopt, 0 };
    const char *name = is_long || !(optopt > 0 && optopt < 0x100) ? last : shortopt;
    if (ch == ':')
        return gcf_usage_error(cmd, "option '%s' needs a value", name);
    return gcf_usage_error(cmd, "unknown option '%s'", name);
}

int gcf_opt_select_target(const char *cmd, gcf_common_opts *c)
{
    if (!c->target_name && !c->target_lib)
        return 0;
    return gcf_target_select(cmd, c->target_name, c->target_lib, &c->o.target);
}
