/* gcfuzz.c -- the command-line tool: global options and subcommand
 * dispatch from commands.def.
 *
 *   gcfuzz [--help | --version] COMMAND [ARGS...]
 *   gcfuzz COMMAND --help
 *
 * Exit statuses follow docs/decisions.md .dec.exit (tools/gcfuzz.h).
 */
#include "gcfuzz.h"
#include "codec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gcf_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} gcf_command;

static const gcf_command commands[] = {
#define GCF_CMD(name, fn, help) { #name, fn, help },
#include "commands.def"
#undef GCF_CMD
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int gcf_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "gcfuzz %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'gcfuzz %s --help')\n", cmd);
    return GCF_EXIT_USAGE;
}

bool gcf_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static void list_commands(FILE *f)
{
    fprintf(f, "usage: gcfuzz [--help | --version] COMMAND [ARGS...]\n"
               "       gcfuzz COMMAND --help\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nexit status: 0 passed, 1 a check or expectation failed, 2 bad program,\n"
               "64 usage error, 65 binary input of another format version,\n"
               "66 input unreadable, 73 output unwritable\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        list_commands(stderr);
        return GCF_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0) {
        if (argc > 2 && strcmp(a, "help") == 0) {
            /* gcfuzz help CMD == gcfuzz CMD --help */
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(commands[i].name, argv[2]) == 0) {
                    char *sub[] = { argv[2], "--help", NULL };
                    return commands[i].fn(2, sub);
                }
            fprintf(stderr, "gcfuzz: unknown command '%s'\n", argv[2]);
            return GCF_EXIT_USAGE;
        }
        list_commands(stdout);
        return GCF_EXIT_OK;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("gcfuzz %s (program format: text .gcp, binary version %d)\n", GCF_VERSION,
               HX_CODEC_VERSION);
        return GCF_EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, a) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "gcfuzz: unknown command '%s'\n\n", a);
    list_commands(stderr);
    return GCF_EXIT_USAGE;
}
