/* types.h -- every internal struct of the runtime, in one place.
 * Sections are owned as described in internal.h (CORE / FIN). */
#ifndef MGC_TYPES_H
#define MGC_TYPES_H

#include "mgc.h"
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Assertion levels: MGC_ASSERT_LEVEL 1 (default build), 3 (debug build:
   every collection verifies the heap).  Set by CMake. */
#ifndef MGC_ASSERT_LEVEL
#define MGC_ASSERT_LEVEL 1
#endif

/* Object header: the finalizer-run bit (CoreCLR BIT_SBLK_FINALIZER_RUN). */
#define MGC_HDR_FINALIZER_RUN ((uint64_t)1 << 30)

/* ======================= FIN structs ================================== */
/* (handle table, finalization queues, finalizer thread: owned by FIN) */

/* ======================= CORE structs ================================= */
/* (segments, generations, allocation contexts, card table, struct mgc_heap:
   owned by CORE; struct mgc_heap embeds the FIN structs above) */

#endif /* MGC_TYPES_H */
