/* orc_map.h -- the oracle's view of a program: its heap line as an
 * orc_config and its types as orc_type_desc.  One mapping for the executor
 * (exec.c) and the CoreCLR comparison (clr.c). */
#ifndef HX_ORC_MAP_H
#define HX_ORC_MAP_H

#include "oracle.h"
#include "program.h"

#include <stdbool.h>

/* The heap line's settings on top of orc_config_default; clr selects the
   clr profile, else strict. */
void hx_orc_config(const hx_program *p, bool clr, orc_config *oc);

/* One program type as the oracle describes it (names are borrowed). */
void hx_orc_type(const hx_type *ty, orc_type_desc *od);

#endif
