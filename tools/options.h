/* options.h -- the options every command that runs programs shares (run,
 * repro, heap, conformance, minimize, triage), parsed with getopt_long:
 * one table fragment per group and one handler, so an option means the
 * same and fails with the same message in every command.
 *
 * A command builds its table from the fragments and its own entries
 * (values from GCF_OPT_LOCAL up), then for each getopt_long result calls
 * gcf_opt_common, gcf_opt_limit for the groups it includes, and
 * gcf_opt_error for '?' and ':' (optstring starting with ':'). */
#ifndef GCF_OPTIONS_H
#define GCF_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include "exec.h"

enum {
    GCF_OPT_PROFILE = 0x100, GCF_OPT_STRESS, GCF_OPT_VERIFY, GCF_OPT_FULL, GCF_OPT_TRACE,
    GCF_OPT_TARGET, GCF_OPT_TARGET_LIB, GCF_OPT_FUZZ, GCF_OPT_ANY_VERSION,
    GCF_OPT_TIMEOUT, GCF_OPT_RSS_MB, GCF_OPT_ROUNDS, GCF_OPT_MAX_TESTS, GCF_OPT_MIN_SECONDS,
    GCF_OPT_LOCAL = 0x200       /* a command's own long options start here */
};

/* The execution options: what to run on (--target, --target-lib), how
   (--profile, --stress, --verify, --full), --any-version, -q/--quiet and
   -h/--help ('q' and 'h' belong in the optstring). */
#define GCF_COMMON_LONGOPTS                                                   \
    { "profile", required_argument, NULL, GCF_OPT_PROFILE },                  \
    { "stress", no_argument, NULL, GCF_OPT_STRESS },                          \
    { "verify", no_argument, NULL, GCF_OPT_VERIFY },                          \
    { "full", no_argument, NULL, GCF_OPT_FULL },                              \
    { "target", required_argument, NULL, GCF_OPT_TARGET },                    \
    { "target-lib", required_argument, NULL, GCF_OPT_TARGET_LIB },            \
    { "any-version", no_argument, NULL, GCF_OPT_ANY_VERSION },                \
    { "quiet", no_argument, NULL, 'q' },                                      \
    { "help", no_argument, NULL, 'h' }

/* Options of the commands that run in-process (not triage's children):
   --trace, --fuzz. */
#define GCF_INPROC_LONGOPTS                                                   \
    { "trace", no_argument, NULL, GCF_OPT_TRACE },                            \
    { "fuzz", no_argument, NULL, GCF_OPT_FUZZ }

/* The limits of bounded replay (minimize, triage). */
#define GCF_LIMIT_LONGOPTS                                                    \
    { "timeout", required_argument, NULL, GCF_OPT_TIMEOUT },                  \
    { "rss-mb", required_argument, NULL, GCF_OPT_RSS_MB },                    \
    { "rounds", required_argument, NULL, GCF_OPT_ROUNDS },                    \
    { "max-tests", required_argument, NULL, GCF_OPT_MAX_TESTS },              \
    { "min-seconds", required_argument, NULL, GCF_OPT_MIN_SECONDS }

#define GCF_END_LONGOPTS { NULL, 0, NULL, 0 }

typedef struct gcf_common_opts {
    hx_exec_options o;
    bool quiet;
    bool any_version;           /* binary inputs of any format version */
    const char *target_name, *target_lib, *profile_name;   /* NULL: default */
} gcf_common_opts;

typedef struct gcf_limit_opts {
    unsigned timeout;           /* seconds per child run, 1..86400 */
    uint64_t rss_mb;            /* MiB per child run, 16..2^30 */
    unsigned rounds;            /* confirmation runs, 1..1000 */
    uint64_t max_tests;         /* candidate budget, 1..10^7 */
    unsigned min_seconds;       /* time budget, 0..864000 */
} gcf_limit_opts;

/* Not an option of the group: the caller handles it. */
#define GCF_OPT_NOT_MINE (-1)

/* Before a command's getopt_long loop: scan from argv[1] (argv[0] is the
   command), with getopt_long's own messages off (gcf_opt_error). */
static inline void gcf_opt_begin(void)
{
    optind = 1;
    opterr = 0;
}

void gcf_common_opts_init(gcf_common_opts *c);
/* getopt_long's result ch with optarg: 0 when handled, GCF_OPT_NOT_MINE, or
   64 after a message naming the option and the bad value.  'q' is handled;
   'h' is not (each command prints its own help). */
int gcf_opt_common(const char *cmd, int ch, const char *arg, gcf_common_opts *c);
/* The same for the limits; the caller sets their defaults. */
int gcf_opt_limit(const char *cmd, int ch, const char *arg, gcf_limit_opts *l);
/* The message for getopt_long's '?' (unknown option, or a value given to
   an option that takes none) or ':' (a value missing), naming the option
   as written; returns 64.  Call it right after getopt_long returned. */
int gcf_opt_error(const char *cmd, int ch, char **argv);
/* --target/--target-lib into c->o.target (after the options); 0 or the
   exit status of gcf_target_select. */
int gcf_opt_select_target(const char *cmd, gcf_common_opts *c);

#endif /* GCF_OPTIONS_H */
