/* A target library built for another interface version: gcfuzz must
   refuse it with exit status 76 before calling any member. */
#include <gcfuzz/target.h>

static const hx_target_ops bad_ops = {
    .api_version = HX_TARGET_API_VERSION + 1,
    .name = "bad-version",
};

HX_TARGET_DEFINE_ENTRY(bad_ops)
