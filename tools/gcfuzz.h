/* gcfuzz.h -- what the gcfuzz subcommands share: exit statuses, the
 * command table and small helpers (tools/gcfuzz.c, tools/cmd_format.c). */
#ifndef GCF_GCFUZZ_H
#define GCF_GCFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "options.h"
#include "program.h"

/* The project version of CMakeLists.txt's project(), given by
   tools/CMakeLists.txt as a compile definition. */
#ifndef GCF_VERSION
#error "GCF_VERSION is defined by the build (tools/CMakeLists.txt)"
#endif

/* .dec.exit (docs/decisions.md) */
enum {
    GCF_EXIT_OK = 0,            /* everything passed */
    GCF_EXIT_FAIL = 1,          /* a check or an expectation failed */
    GCF_EXIT_BAD_PROGRAM = 2,   /* syntax error or program error (file:line:col) */
    GCF_EXIT_USAGE = 64,        /* bad command line */
    GCF_EXIT_VERSION = 65,      /* a binary input of another format version */
    GCF_EXIT_NOINPUT = 66,      /* an input file cannot be read */
    GCF_EXIT_TARGET = 69,       /* --target-lib: the library cannot be used */
    GCF_EXIT_CANTCREAT = 73,    /* an output file cannot be written */
    GCF_EXIT_TARGET_VERSION = 76 /* --target-lib: another target interface version */
};

/* One declaration per command of commands.def. */
#define GCF_CMD(name, fn, help) int fn(int argc, char **argv);
#include "commands.def"
#undef GCF_CMD

/* ---- helpers (gcfuzz.c) ---- */
/* "gcfuzz CMD: message" and a pointer to --help on stderr; returns 64. */
int gcf_usage_error(const char *cmd, const char *fmt, ...);
/* Parse a decimal (or 0x hex) unsigned number; false if malformed. */
bool gcf_parse_u64(const char *s, uint64_t *out);

/* ---- targets (target_select.c) ---- */
struct hx_target_ops;
/* --target NAME (NULL: the default) or --target-lib PATH into *out; 0, or
   the exit status after a message: 64 (unknown name, both given),
   GCF_EXIT_TARGET (library cannot be loaded or lacks a required member),
   GCF_EXIT_TARGET_VERSION (built against another gcfuzz/target.h). */
int gcf_target_select(const char *cmd, const char *name, const char *lib,
                      const struct hx_target_ops **out);

/* ---- expected deviations (expectations.c, .tgt.expect) ---- */
typedef struct gcf_expect {
    char *scenario, *signature, *reason;
    unsigned line;
    bool seen;                  /* the scenario ran */
} gcf_expect;
typedef struct gcf_expect_set {
    gcf_expect *e;
    size_t n, cap;
} gcf_expect_set;
/* Read an expectations file; 0, or 64 after a file:line:col message, or
   66 (unreadable). */
int gcf_expect_load(const char *path, gcf_expect_set *set);
gcf_expect *gcf_expect_find(gcf_expect_set *set, const char *scenario);
void gcf_expect_free(gcf_expect_set *set);

/* ---- CoreCLR (cmd_clr.c) ---- */
/* gen --clr-observable: one program (count 0) to out ("-"/NULL: stdout),
   or count programs clr-SEED.gcp into the folder out. */
int gcf_gen_clr(uint64_t seed, uint64_t ops, uint64_t count, const char *out);

/* ---- program files (cmd_format.c): the one loader of every command ---- */
/* Read and parse a .gcp file ("-" = stdin).  On failure prints the reason
   (file:line:col: message for syntax errors) and returns
   GCF_EXIT_BAD_PROGRAM or GCF_EXIT_NOINPUT; 0 on success. */
int gcf_load_text(const char *path, hx_program *p);
/* Read and decode a binary input (always valid); 0, GCF_EXIT_NOINPUT (also
   when memory runs out while decoding: no input fails to decode), or
   GCF_EXIT_VERSION when byte 0 is not this build's format version and
   any_version is false (the message says which version it is). */
int gcf_load_binary(const char *path, hx_program *p, bool any_version);
/* The message for an input of another format version. */
void gcf_version_error(const char *path, unsigned version);
/* Write bytes to path ("-" = stdout); 0 or GCF_EXIT_CANTCREAT. */
int gcf_write_output(const char *path, const void *data, size_t len);

/* ---- bounded replay (cmd_triage.c) ---- */
/* gcfuzz minimize: input replayed and every candidate run in a child of
   gcfuzz triage --child under the limits, keeping the triage signature of
   whatever finding it is (check, crash, sanitizer, timeout, out of memory);
   the result (or, if it does not give the signature in every one of rounds
   runs, the input) is written to out as text with a `# minimized:` header.
   Returns 0, 1 (no finding, or nothing could be kept), 2 (bad program),
   or a load or write exit status. */
typedef struct gcf_min_request {
    const char *input, *out;
    gcf_common_opts c;          /* target, profile, checks, --any-version: forwarded */
    gcf_limit_opts lim;         /* per run, confirmation runs, the search's budgets */
    bool fuzz;                  /* as the fuzzers run (else expect lines count) */
} gcf_min_request;
int gcf_minimize_bounded(const gcf_min_request *rq);

#endif /* GCF_GCFUZZ_H */
