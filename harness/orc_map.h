/* orc_map.h -- the oracle's view of a program: its heap line as an
 * orc_config, its types as orc_type_desc, and the explicit maps between
 * the harness's enums and the oracle's and the target interface's
 * (.hx.enum-map, enum_map.h).  One mapping for the executor (exec.c) and
 * the CoreCLR comparison (clr.c).  The oracle itself knows nothing of the
 * runtime; the runtime's side of the maps is in target_mgc.c. */
#ifndef HX_ORC_MAP_H
#define HX_ORC_MAP_H

#include "enum_map.h"
#include "oracle.h"
#include "program.h"
#include "target.h"

#include <stdbool.h>

/* program type kind -> oracle, target interface */
#define HX_MAP_TYPE_ORC(X) \
    X(HX_TYPE_FIXED, ORC_TYPE_FIXED) X(HX_TYPE_BYTE_ARRAY, ORC_TYPE_BYTES) \
    X(HX_TYPE_REF_ARRAY, ORC_TYPE_REFS)
HX_ENUM_MAP(hx_orc_type_kind, hx_type_kind, orc_type_kind, HX_MAP_TYPE_ORC, HX_TYPE_REF_ARRAY + 1)
#define HX_MAP_TYPE_TARGET(X) \
    X(HX_TYPE_FIXED, HX_TT_FIXED) X(HX_TYPE_BYTE_ARRAY, HX_TT_BYTES) X(HX_TYPE_REF_ARRAY, HX_TT_REFS)
HX_ENUM_MAP(hx_target_type_kind, hx_type_kind, hx_ttype_kind, HX_MAP_TYPE_TARGET,
            HX_TYPE_REF_ARRAY + 1)

/* finalizer behaviour -> oracle, target interface */
#define HX_MAP_FIN_ORC(X) \
    X(HX_FIN_NONE, ORC_FIN_NONE) X(HX_FIN_COUNT, ORC_FIN_COUNT) \
    X(HX_FIN_RESURRECT, ORC_FIN_RESURRECT) X(HX_FIN_REREGISTER, ORC_FIN_REREGISTER) \
    X(HX_FIN_RESURRECT_REREGISTER, ORC_FIN_RESURRECT_REREGISTER) X(HX_FIN_ALLOC, ORC_FIN_ALLOC)
HX_ENUM_MAP(hx_orc_fin_kind, hx_fin_kind, orc_fin_kind, HX_MAP_FIN_ORC, HX_FIN_KIND_COUNT)
#define HX_MAP_FIN_TARGET(X) \
    X(HX_FIN_NONE, HX_TF_NONE) X(HX_FIN_COUNT, HX_TF_COUNT) \
    X(HX_FIN_RESURRECT, HX_TF_RESURRECT) X(HX_FIN_REREGISTER, HX_TF_REREGISTER) \
    X(HX_FIN_RESURRECT_REREGISTER, HX_TF_RESURRECT_REREGISTER) X(HX_FIN_ALLOC, HX_TF_ALLOC)
HX_ENUM_MAP(hx_target_fin_kind, hx_fin_kind, hx_tfin, HX_MAP_FIN_TARGET, HX_FIN_KIND_COUNT)

/* handle kind -> oracle (the target interface passes hx_handle_kind as an
   int: the same numbering) */
#define HX_MAP_HANDLE_ORC(X) \
    X(HX_HANDLE_STRONG, ORC_HANDLE_STRONG) X(HX_HANDLE_PINNED, ORC_HANDLE_PINNED) \
    X(HX_HANDLE_WEAK, ORC_HANDLE_WEAK) X(HX_HANDLE_WEAK_LONG, ORC_HANDLE_WEAK_LONG)
HX_ENUM_MAP(hx_orc_handle_kind, hx_handle_kind, orc_handle_kind, HX_MAP_HANDLE_ORC,
            HX_HANDLE_KIND_COUNT)

/* collection reason: target events -> oracle */
#define HX_MAP_REASON_ORC(X) \
    X(HX_REASON_INDUCED, ORC_REASON_INDUCED) X(HX_REASON_ALLOC_SMALL, ORC_REASON_ALLOC_SMALL) \
    X(HX_REASON_ALLOC_LARGE, ORC_REASON_ALLOC_LARGE) X(HX_REASON_OOM, ORC_REASON_OOM)
HX_ENUM_MAP(hx_orc_reason, hx_reason, orc_reason, HX_MAP_REASON_ORC, HX_REASON_OOM + 1)

/* The heap line's settings on top of orc_config_default; clr selects the
   clr profile, else strict. */
void hx_orc_config(const hx_program *p, bool clr, orc_config *oc);

/* One program type as the oracle describes it (names are borrowed). */
void hx_orc_type(const hx_type *ty, orc_type_desc *od);

#endif
