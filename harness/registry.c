/* registry.c -- the built-in targets by name, and target libraries
 * (.tgt.registry, .tgt.entry; docs/targets.md).
 *
 * A built-in target is one line of hx_builtin_targets; a target from
 * elsewhere is a shared library exporting HX_TARGET_ENTRY_SYMBOL
 * (include/gcfuzz/target.h), loaded by hx_target_load for --target-lib.
 */
#include "target.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static const hx_target_entry hx_builtin_targets[] = {
    {"mgc", &hx_target_mgc, "our runtime, compacting (the default)"},
    {"mgc-sweep", &hx_target_mgc_sweep, "our runtime as a non-moving mark-sweep collector"},
    {"mgc-sched", &hx_target_mgc_sched,
     "our runtime, each `thread N` section on its own OS thread, in program order (docs/threads.md)"},
    {"mgc-fin", &hx_target_mgc_fin,
     "mgc-sched with the runtime's finalizer thread; `finalize` waits for it (docs/threads.md)"},
};
#define HX_NBUILTIN (sizeof hx_builtin_targets / sizeof hx_builtin_targets[0])

const hx_target_entry *hx_target_registry(size_t *n)
{
    *n = HX_NBUILTIN;
    return hx_builtin_targets;
}

const hx_target_ops *hx_target_by_name(const char *name)
{
    if (!name)
        return &hx_target_mgc;
    for (size_t i = 0; i < HX_NBUILTIN; i++)
        if (strcmp(name, hx_builtin_targets[i].name) == 0)
            return hx_builtin_targets[i].ops;
    if (strncmp(name, "faulty:", 7) == 0) {
        hx_fault f = hx_fault_from_name(name + 7);
        return f == HX_FAULT_KIND_COUNT ? NULL : hx_target_faulty(f);
    }
    return NULL;
}

const char *hx_caps_skipped(uint32_t caps, char *buf, size_t len)
{
    static const struct { uint32_t cap; const char *what; } skips[] = {
        {HX_CAP_GENERATIONS, "C3 and `expect gen` (no generations: every collection is full)"},
        {HX_CAP_COMPLETE, "C2 extra objects, C7 uncleared weak handles (conservative: "
                          "unreachable objects may survive)"},
        {HX_CAP_LOH, "C4 and `expect loh/soh` (no large object heap)"},
        {HX_CAP_BUDGETS, "C8 budget triggers (own schedule: the clr profile is used)"},
        {HX_CAP_PINNED_COUNT, "C5 pinned counts"},
        {HX_CAP_PROMOTED, "C8 promoted bytes"},
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof skips / sizeof skips[0]; i++) {
        if (caps & skips[i].cap)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? "; " : "", skips[i].what);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* The first required member (docs/targets.md "What each member is for")
   the ops leave NULL, or NULL when all are there. */
static const char *hx_missing_member(const hx_target_ops *o)
{
#define HX_REQ(m) if (!o->m) return #m;
    HX_REQ(name) HX_REQ(create) HX_REQ(destroy) HX_REQ(register_type) HX_REQ(alloc)
    HX_REQ(set_local) HX_REQ(get_local) HX_REQ(store) HX_REQ(load) HX_REQ(handle_alloc)
    HX_REQ(handle_free) HX_REQ(handle_get) HX_REQ(handle_peek) HX_REQ(static_set)
    HX_REQ(static_get) HX_REQ(static_peek) HX_REQ(suppress) HX_REQ(reregister)
    HX_REQ(collect) HX_REQ(run_finalizers) HX_REQ(generation) HX_REQ(is_large)
    HX_REQ(collection_count) HX_REQ(walk)
#undef HX_REQ
    return NULL;
}

const hx_target_ops *hx_target_load(const char *path, hx_load_error *why, char *err,
                                    size_t errlen)
{
    *why = HX_LOAD_OPEN;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(err, errlen, "cannot load target library %s: %s", path, dlerror());
        return NULL;
    }
    hx_target_entry_fn entry;
    void *sym = dlsym(lib, HX_TARGET_ENTRY_SYMBOL);
    memcpy(&entry, &sym, sizeof entry);          /* POSIX: data to function pointer */
    if (!sym) {
        snprintf(err, errlen, "%s: no entry function %s (include/gcfuzz/target.h)", path,
                 HX_TARGET_ENTRY_SYMBOL);
        dlclose(lib);
        return NULL;
    }
    const hx_target_ops *ops = entry();
    if (!ops) {
        snprintf(err, errlen, "%s: %s returned no target", path, HX_TARGET_ENTRY_SYMBOL);
        dlclose(lib);
        return NULL;
    }
    if (ops->api_version < HX_TARGET_API_VERSION_MIN || ops->api_version > HX_TARGET_API_VERSION) {
        *why = HX_LOAD_VERSION;
        snprintf(err, errlen,
                 "%s: target interface version %u, this gcfuzz speaks versions %u to %u "
                 "(rebuild the target against this gcfuzz's gcfuzz/target.h)",
                 path, (unsigned)ops->api_version, (unsigned)HX_TARGET_API_VERSION_MIN,
                 (unsigned)HX_TARGET_API_VERSION);
        dlclose(lib);
        return NULL;
    }
    if (ops->api_version < HX_TARGET_API_VERSION) {
        /* .tgt.version-compat: a version-2 or version-3 ops is shorter; the
           members added since are NULL in a copy of the current layout
           (kept, as the library is, for the life of the process) */
        hx_target_ops *full = calloc(1, sizeof *full);
        if (!full) {
            snprintf(err, errlen, "%s: out of memory", path);
            dlclose(lib);
            return NULL;
        }
        memcpy(full, ops,
               ops->api_version == 2 ? HX_TARGET_OPS_V2_SIZE : HX_TARGET_OPS_V3_SIZE);
        ops = full;
    }
    const char *missing = hx_missing_member(ops);
    if (missing) {
        snprintf(err, errlen, "%s: the target leaves the required member `%s` NULL", path,
                 missing);
        dlclose(lib);
        return NULL;
    }
    *why = HX_LOAD_OK;
    return ops;                                   /* the library stays loaded */
}
