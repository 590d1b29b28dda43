/* fake_gc.c -- a library that looks like a standalone collector of another
   interface version (4.0): the clrgc target must refuse it with a clear
   message and never call its GC_Initialize. */
#include <stdint.h>
#include <stdlib.h>

struct gcf_fake_version {
    uint32_t major, minor, build;
    const char *name;
};

__attribute__((visibility("default"))) void GC_VersionInfo(struct gcf_fake_version *v)
{
    v->major = 4;
    v->minor = 0;
    v->build = 0;
    v->name = "fake collector";
}

__attribute__((visibility("default"))) int32_t GC_Initialize(void *ee, void **heap, void **handles,
                                                             void *dac)
{
    (void)ee; (void)heap; (void)handles; (void)dac;
    abort();
}
