/* target_select.c -- --target NAME and --target-lib PATH.so, for every
 * command that runs programs (.tgt.registry, .tgt.entry). */
#include "gcfuzz.h"
#include "target.h"

#include <stdio.h>

int gcf_target_select(const char *cmd, const char *name, const char *lib,
                      const hx_target_ops **out)
{
    if (name && lib)
        return gcf_usage_error(cmd, "--target and --target-lib exclude each other");
    if (lib) {
        char err[600];
        hx_load_error why;
        *out = hx_target_load(lib, &why, err, sizeof err);
        if (!*out) {
            fprintf(stderr, "gcfuzz %s: %s\n", cmd, err);
            return why == HX_LOAD_VERSION ? GCF_EXIT_TARGET_VERSION : GCF_EXIT_TARGET;
        }
        return 0;
    }
    *out = hx_target_by_name(name);
    if (!*out) {
        size_t n;
        const hx_target_entry *r = hx_target_registry(&n);
        fprintf(stderr, "gcfuzz %s: unknown target '%s'; built-in targets:", cmd, name);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s", r[i].name);
        fprintf(stderr, ", faulty:<fault>; or --target-lib PATH.so\n");
        return GCF_EXIT_USAGE;
    }
    return 0;
}
