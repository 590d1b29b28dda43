/* The out-of-tree target again, as if built against an older header: its
   ops carry interface version OLD_API (2 or 3), so the loader reads only
   that version's members and counts the later ones as NULL
   (.tgt.version-compat): a version-2 target has no statics_peek, a
   version-3 one no object_part.  The header this is built against still
   declares the current layout; only the version number is older, which is
   what the loader looks at. */
#include <gcfuzz/target.h>
#undef HX_TARGET_API_VERSION
#define HX_TARGET_API_VERSION OLD_API
#include TARGET_SOURCE_FILE
