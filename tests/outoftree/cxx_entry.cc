// The public headers from C++: both compile, and the entry keeps C
// linkage.  The ops leave every member NULL, so gcfuzz finds the entry and
// then refuses the target for its first missing required member (exit 69).
#include <gcfuzz/target.h>
#include <mgc.h>

static hx_target_ops cxx_ops() {
    hx_target_ops o = {};
    o.api_version = HX_TARGET_API_VERSION;
    o.caps = HX_CAPS_ALL;
    o.name = "cxx";
    return o;
}
static const hx_target_ops ops = cxx_ops();

HX_TARGET_DEFINE_ENTRY(ops)
