/* clrgc_abi.h -- the standalone CoreCLR collector's binary interface, as
 * far as the clrgc target uses it.
 *
 * A standalone collector (libclrgc.so, libclrgcexp.so) exports two C
 * functions: GC_VersionInfo, which takes the execution engine's interface
 * version and returns the collector's, and GC_Initialize, which takes the
 * engine's IGCToCLR object and returns the collector's IGCHeap and
 * IGCHandleManager.  The three are C++ objects called through their
 * virtual tables (Itanium C++ ABI on Linux: one slot per virtual function,
 * in declaration order, no destructor slots in IGCHeap).
 *
 * These declarations follow GC interface major version 5 (the collector's
 * side, IGCHeap) and execution-engine interface major version 2 (our side,
 * IGCToCLR), from the collector's interface definitions in dotnet/runtime
 * (src/coreclr/gc/gcinterface.h, gcinterface.ee.h, env/gcenv.object.h,
 * gcdesc.h).  Slots the target never calls are declared as placeholders
 * (`unusedNN`), so only their number matters; a later minor version may
 * only add slots at the end.
 */
#ifndef GCF_CLRGC_ABI_H
#define GCF_CLRGC_ABI_H

#include <cstddef>
#include <cstdint>

namespace clrabi {

/* Interface versions these declarations were written for. */
constexpr uint32_t kGcMajor = 5;       /* IGCHeap, collector side */
constexpr uint32_t kGcMinMinor = 3;    /* first minor with every slot used here */
constexpr uint32_t kEeMajor = 2;       /* IGCToCLR, our side (new method table flags) */

struct VersionInfo {
    uint32_t major, minor, build;
    const char *name;
};

/* ---- objects ------------------------------------------------------------ */
/* An object reference points at the method-table word; the 8-byte header
   (padding, then 32 sync-block bits) sits just before it.  Arrays keep a
   32-bit element count right after the method-table word. */
constexpr uint32_t kHdrFinalizerRun = 0x40000000u;   /* header bit */

constexpr uint32_t kMtHasComponentSize = 0x80000000u;
constexpr uint32_t kMtContainsPointers = 0x01000000u;
constexpr uint32_t kMtHasFinalizer = 0x00100000u;
constexpr uint32_t kMtIsArray = 0x00080000u;
constexpr uint32_t kMtHasCriticalFinalizer = 0x00000002u;   /* non-arrays only */

/* The part of a method table the collector reads: flags (the low 16 bits
   are the component size when kMtHasComponentSize is set), the base size
   (header included, at least 24) and a pointer it does not use.  When the
   type contains pointers, a pointer-series descriptor grows downwards in
   front of it: the word just before the method table is the number of
   series; below it each series is {size, start offset}, the highest
   address holding the series with the highest offset.  A series covers
   [obj + offset, obj + offset + size + object size): its stored size is
   the run's length in bytes minus the base size, so one series with size
   -base_size covers the whole element area of a reference array. */
struct MethodTable {
    uint32_t flags;
    uint32_t base_size;
    void *related;
};
struct GcDescSeries {
    size_t size;
    size_t offset;
};

struct Object;               /* opaque: a pointer at the method-table word */
struct Thread;               /* opaque to the collector */
struct ScanContext;          /* filled by the collector; passed back unchanged */
using OBJECTHANDLE = void *; /* points at the slot holding the object */

enum HandleType : int {
    kHandleWeakShort = 0,
    kHandleWeakLong = 1,
    kHandleStrong = 2,
    kHandlePinned = 3,
};

enum AllocFlags : uint32_t {
    kAllocFinalize = 1,
    kAllocContainsRef = 2,
    kAllocLargeObjectHeap = 32,
};

constexpr int kCollectionBlocking = 2;
constexpr int kLohCompactOnce = 2;

/* gc_alloc_context: the engine owns one per thread; the collector hands
   out [alloc_ptr, alloc_limit) for bump allocation. */
struct AllocContext {
    uint8_t *alloc_ptr;
    uint8_t *alloc_limit;
    int64_t alloc_bytes;
    int64_t alloc_bytes_uoh;
    void *gc_reserved_1;
    void *gc_reserved_2;
    int alloc_count;
};

/* The collector's reasons (DiagGCEnd). */
enum GcReason : int {
    kReasonAllocSoh = 0, kReasonInduced = 1, kReasonAllocLoh = 4,
    kReasonOosSoh = 5, kReasonOosLoh = 6, kReasonInducedNoForce = 7,
    kReasonInducedCompacting = 10, kReasonInducedAggressive = 17,
};

enum class WriteBarrierOp : int {
    StompResize = 0, StompEphemeral = 1, Initialize = 2,
    SwitchToWriteWatch = 3, SwitchToNonWriteWatch = 4,
};

struct WriteBarrierParameters {
    WriteBarrierOp operation;
    bool is_runtime_suspended;
    bool requires_upper_bounds_check;
    uint32_t *card_table;            /* indexed by absolute address */
    uint32_t *card_bundle_table;     /* indexed by absolute address */
    uint8_t *lowest_address;
    uint8_t *highest_address;
    uint8_t *ephemeral_low;
    uint8_t *ephemeral_high;
    uint8_t *write_watch_table;      /* indexed by absolute address >> 12 */
    uint8_t *region_to_generation_table;
    uint8_t region_shr;
    bool region_use_bitwise_write_barrier;
};

/* Card geometry on 64-bit hosts: one card bit per 256 bytes, so one card
   byte per 2048 bytes (the engine marks whole bytes); one card-bundle byte
   per 2 MiB; one software-write-watch byte per 4 KiB page. */
constexpr unsigned kCardShift = 8;
constexpr unsigned kCardByteShift = 11;
constexpr unsigned kCardWordShift = 13;
constexpr unsigned kCardBundleByteShift = 21;
constexpr unsigned kWriteWatchShift = 12;

using promote_func = void(Object **, ScanContext *, uint32_t);
using enum_alloc_context_func = void(AllocContext *, void *);
using walk_fn = bool (*)(Object *, void *);

/* ---- the collector's side ------------------------------------------------ */
class IGCHandleStore {
public:
    virtual void unused00() = 0;    /* Uproot */
    virtual bool ContainsHandle(OBJECTHANDLE h) = 0;
    virtual OBJECTHANDLE CreateHandleOfType(Object *obj, HandleType type) = 0;
};

class IGCHandleManager {
public:
    virtual bool Initialize() = 0;
    virtual void Shutdown() = 0;
    virtual IGCHandleStore *GetGlobalHandleStore() = 0;
    virtual IGCHandleStore *CreateHandleStore() = 0;
    virtual void DestroyHandleStore(IGCHandleStore *store) = 0;
    virtual OBJECTHANDLE CreateGlobalHandleOfType(Object *obj, HandleType type) = 0;
    virtual OBJECTHANDLE CreateDuplicateHandle(OBJECTHANDLE h) = 0;
    virtual void DestroyHandleOfType(OBJECTHANDLE h, HandleType type) = 0;
    virtual void DestroyHandleOfUnknownType(OBJECTHANDLE h) = 0;
    virtual void unused09() = 0;    /* SetExtraInfoForHandle */
    virtual void unused10() = 0;    /* GetExtraInfoFromHandle */
    virtual void StoreObjectInHandle(OBJECTHANDLE h, Object *obj) = 0;
};

/* IGCHeap: 88 slots in version 5.3; the comments number them from 1. */
class IGCHeap {
public:
    virtual void unused01() = 0;    /* IsValidSegmentSize */
    virtual void unused02() = 0;    /* IsValidGen0MaxSize */
    virtual void unused03() = 0;    /* GetValidSegmentSize */
    virtual void unused04() = 0;    /* SetReservedVMLimit */
    virtual void unused05() = 0;    /* WaitUntilConcurrentGCComplete */
    virtual void unused06() = 0;    /* IsConcurrentGCInProgress */
    virtual void unused07() = 0;    /* TemporaryEnableConcurrentGC */
    virtual void unused08() = 0;    /* TemporaryDisableConcurrentGC */
    virtual bool IsConcurrentGCEnabled() = 0;                          /* 9 */
    virtual void unused10() = 0;    /* WaitUntilConcurrentGCCompleteAsync */
    virtual size_t GetNumberOfFinalizable() = 0;                       /* 11 */
    virtual Object *GetNextFinalizable() = 0;                          /* 12 */
    virtual void unused13() = 0;    /* GetMemoryInfo */
    virtual void unused14() = 0;    /* GetMemoryLoad */
    virtual void unused15() = 0;    /* GetGcLatencyMode */
    virtual void unused16() = 0;    /* SetGcLatencyMode */
    virtual int GetLOHCompactionMode() = 0;                            /* 17 */
    virtual void SetLOHCompactionMode(int mode) = 0;                   /* 18 */
    virtual void unused19() = 0;    /* RegisterForFullGCNotification */
    virtual void unused20() = 0;    /* CancelFullGCNotification */
    virtual void unused21() = 0;    /* WaitForFullGCApproach */
    virtual void unused22() = 0;    /* WaitForFullGCComplete */
    virtual unsigned WhichGeneration(Object *obj) = 0;                 /* 23 */
    virtual int CollectionCount(int gen, int bgc_fgc) = 0;             /* 24 */
    virtual void unused25() = 0;    /* StartNoGCRegion */
    virtual void unused26() = 0;    /* EndNoGCRegion */
    virtual size_t GetTotalBytesInUse() = 0;                           /* 27 */
    virtual void unused28() = 0;    /* GetTotalAllocatedBytes */
    virtual int32_t GarbageCollect(int gen, bool low_memory, int mode) = 0;  /* 29 */
    virtual unsigned GetMaxGeneration() = 0;                           /* 30 */
    virtual void SetFinalizationRun(Object *obj) = 0;                  /* 31 */
    virtual bool RegisterForFinalization(int gen, Object *obj) = 0;    /* 32 */
    virtual void unused33() = 0;    /* GetLastGCPercentTimeInGC */
    virtual void unused34() = 0;    /* GetLastGCGenerationSize */
    virtual int32_t Initialize() = 0;                                  /* 35 */
    virtual void unused36() = 0;    /* IsPromoted */
    virtual bool IsHeapPointer(void *p, bool small_heap_only) = 0;     /* 37 */
    virtual void unused38() = 0;    /* GetCondemnedGeneration */
    virtual void unused39() = 0;    /* IsGCInProgressHelper */
    virtual unsigned GetGcCount() = 0;                                 /* 40 */
    virtual void unused41() = 0;    /* IsThreadUsingAllocationContextHeap */
    virtual bool IsEphemeral(Object *obj) = 0;                         /* 42 */
    virtual void unused43() = 0;    /* WaitUntilGCComplete */
    virtual void unused44() = 0;    /* FixAllocContext */
    virtual void unused45() = 0;    /* GetCurrentObjSize */
    virtual void SetGCInProgress(bool in_progress) = 0;                /* 46 */
    virtual void unused47() = 0;    /* RuntimeStructuresValid */
    virtual void unused48() = 0;    /* SetSuspensionPending */
    virtual void unused49() = 0;    /* SetYieldProcessorScalingFactor */
    virtual void unused50() = 0;    /* Shutdown */
    virtual void unused51() = 0;    /* GetLastGCStartTime */
    virtual void unused52() = 0;    /* GetLastGCDuration */
    virtual void unused53() = 0;    /* GetNow */
    virtual Object *Alloc(AllocContext *ctx, size_t size, uint32_t flags) = 0;  /* 54 */
    virtual void unused55() = 0;    /* PublishObject */
    virtual void SetWaitForGCEvent() = 0;                              /* 56 */
    virtual void ResetWaitForGCEvent() = 0;                            /* 57 */
    virtual void unused58() = 0;    /* IsLargeObject */
    virtual void unused59() = 0;    /* ValidateObjectMember */
    virtual void unused60() = 0;    /* NextObj */
    virtual void unused61() = 0;    /* GetContainingObject */
    virtual void unused62() = 0;    /* DiagWalkObject */
    virtual void unused63() = 0;    /* DiagWalkObject2 */
    virtual void unused64() = 0;    /* DiagWalkHeap */
    virtual void unused65() = 0;    /* DiagWalkSurvivorsWithType */
    virtual void unused66() = 0;    /* DiagWalkFinalizeQueue */
    virtual void unused67() = 0;    /* DiagScanFinalizeQueue */
    virtual void unused68() = 0;    /* DiagScanHandles */
    virtual void unused69() = 0;    /* DiagScanDependentHandles */
    virtual void unused70() = 0;    /* DiagDescrGenerations */
    virtual void unused71() = 0;    /* DiagTraceGCSegments */
    virtual void unused72() = 0;    /* DiagGetGCSettings */
    virtual void unused73() = 0;    /* StressHeap */
    virtual void unused74() = 0;    /* RegisterFrozenSegment */
    virtual void unused75() = 0;    /* UnregisterFrozenSegment */
    virtual void unused76() = 0;    /* IsInFrozenSegment */
    virtual void unused77() = 0;    /* ControlEvents */
    virtual void unused78() = 0;    /* ControlPrivateEvents */
    virtual unsigned GetGenerationWithRange(Object *obj, uint8_t **start, uint8_t **allocated,
                                            uint8_t **reserved) = 0;   /* 79 */
    virtual void unused80() = 0;    /* GetTotalPauseDuration */
    virtual void unused81() = 0;    /* EnumerateConfigurationValues */
    virtual void unused82() = 0;    /* UpdateFrozenSegment */
    virtual void unused83() = 0;    /* RefreshMemoryLimit */
    virtual void unused84() = 0;    /* EnableNoGCRegionCallback */
    virtual void unused85() = 0;    /* GetExtraWorkForFinalization */
    virtual uint64_t GetGenerationBudget(int gen) = 0;                 /* 86 */
    virtual size_t GetLOHThreshold() = 0;                              /* 87 */
    virtual void DiagWalkHeapWithACHandling(walk_fn fn, void *ctx, int gen,
                                            bool walk_large) = 0;      /* 88 */
};

/* ---- our side: the execution engine --------------------------------------- */
/* Event sink: 38 methods, all returning nothing; the target's are no-ops
   (the collector calls them only for enabled events). */
class IGCToCLREventSink {
public:
#define GCF_CLR_SINK_SLOT(n) virtual void sink##n() {}
    GCF_CLR_SINK_SLOT(00) GCF_CLR_SINK_SLOT(01) GCF_CLR_SINK_SLOT(02) GCF_CLR_SINK_SLOT(03)
    GCF_CLR_SINK_SLOT(04) GCF_CLR_SINK_SLOT(05) GCF_CLR_SINK_SLOT(06) GCF_CLR_SINK_SLOT(07)
    GCF_CLR_SINK_SLOT(08) GCF_CLR_SINK_SLOT(09) GCF_CLR_SINK_SLOT(10) GCF_CLR_SINK_SLOT(11)
    GCF_CLR_SINK_SLOT(12) GCF_CLR_SINK_SLOT(13) GCF_CLR_SINK_SLOT(14) GCF_CLR_SINK_SLOT(15)
    GCF_CLR_SINK_SLOT(16) GCF_CLR_SINK_SLOT(17) GCF_CLR_SINK_SLOT(18) GCF_CLR_SINK_SLOT(19)
    GCF_CLR_SINK_SLOT(20) GCF_CLR_SINK_SLOT(21) GCF_CLR_SINK_SLOT(22) GCF_CLR_SINK_SLOT(23)
    GCF_CLR_SINK_SLOT(24) GCF_CLR_SINK_SLOT(25) GCF_CLR_SINK_SLOT(26) GCF_CLR_SINK_SLOT(27)
    GCF_CLR_SINK_SLOT(28) GCF_CLR_SINK_SLOT(29) GCF_CLR_SINK_SLOT(30) GCF_CLR_SINK_SLOT(31)
    GCF_CLR_SINK_SLOT(32) GCF_CLR_SINK_SLOT(33) GCF_CLR_SINK_SLOT(34) GCF_CLR_SINK_SLOT(35)
    GCF_CLR_SINK_SLOT(36) GCF_CLR_SINK_SLOT(37)
    /* spare slots for sinks of later minor versions */
    GCF_CLR_SINK_SLOT(38) GCF_CLR_SINK_SLOT(39) GCF_CLR_SINK_SLOT(40) GCF_CLR_SINK_SLOT(41)
#undef GCF_CLR_SINK_SLOT
    virtual ~IGCToCLREventSink() = default;
};

/* IGCToCLR, execution-engine interface major version 2: 50 methods in this
   order.  Implemented by the target (clrgc.cpp). */
class IGCToCLR {
public:
    virtual void SuspendEE(int reason) = 0;
    virtual void RestartEE(bool finished_gc) = 0;
    virtual void GcScanRoots(promote_func *fn, int condemned, int max_gen, ScanContext *sc) = 0;
    virtual void GcStartWork(int condemned, int max_gen) = 0;
    virtual void BeforeGcScanRoots(int condemned, bool is_bgc, bool is_concurrent) = 0;
    virtual void AfterGcScanRoots(int condemned, int max_gen, ScanContext *sc) = 0;
    virtual void GcDone(int condemned) = 0;
    virtual bool RefCountedHandleCallbacks(Object *obj) = 0;
    virtual void SyncBlockCacheWeakPtrScan(void *proc, uintptr_t a, uintptr_t b) = 0;
    virtual void SyncBlockCacheDemote(int max_gen) = 0;
    virtual void SyncBlockCachePromotionsGranted(int max_gen) = 0;
    virtual uint32_t GetActiveSyncBlockCount() = 0;
    virtual bool IsPreemptiveGCDisabled() = 0;
    virtual bool EnablePreemptiveGC() = 0;
    virtual void DisablePreemptiveGC() = 0;
    virtual Thread *GetThread() = 0;
    virtual AllocContext *GetAllocContext() = 0;
    virtual void GcEnumAllocContexts(enum_alloc_context_func *fn, void *param) = 0;
    virtual uint8_t *GetLoaderAllocatorObjectForGC(Object *obj) = 0;
    virtual bool CreateThread(void (*start)(void *), void *arg, bool suspendable,
                              const char *name) = 0;
    virtual void DiagGCStart(int gen, bool induced) = 0;
    virtual void DiagUpdateGenerationBounds() = 0;
    virtual void DiagGCEnd(size_t index, int gen, int reason, bool concurrent) = 0;
    virtual void DiagWalkFReachableObjects(void *gc_ctx) = 0;
    virtual void DiagWalkSurvivors(void *gc_ctx, bool compacting) = 0;
    virtual void DiagWalkUOHSurvivors(void *gc_ctx, int gen) = 0;
    virtual void DiagWalkBGCSurvivors(void *gc_ctx) = 0;
    virtual void StompWriteBarrier(WriteBarrierParameters *args) = 0;
    virtual void EnableFinalization(bool has_work) = 0;
    virtual void HandleFatalError(unsigned exit_code) = 0;
    virtual bool EagerFinalized(Object *obj) = 0;
    virtual MethodTable *GetFreeObjectMethodTable() = 0;
    virtual bool GetBooleanConfigValue(const char *priv, const char *pub, bool *value) = 0;
    virtual bool GetIntConfigValue(const char *priv, const char *pub, int64_t *value) = 0;
    virtual bool GetStringConfigValue(const char *priv, const char *pub, const char **value) = 0;
    virtual void FreeStringConfigValue(const char *value) = 0;
    virtual bool IsGCThread() = 0;
    virtual bool WasCurrentThreadCreatedByGC() = 0;
    virtual void WalkAsyncPinnedForPromotion(Object *obj, ScanContext *sc, promote_func *fn) = 0;
    virtual void WalkAsyncPinned(Object *obj, void *ctx, void (*fn)(Object *, Object *, void *)) = 0;
    virtual IGCToCLREventSink *EventSink() = 0;
    virtual uint32_t GetTotalNumSizedRefHandles() = 0;
    virtual bool AnalyzeSurvivorsRequested(int condemned) = 0;
    virtual void AnalyzeSurvivorsFinished(size_t index, int condemned, uint64_t promoted,
                                          void (*report_bounds)()) = 0;
    virtual void VerifySyncTableEntry() = 0;
    virtual void UpdateGCEventStatus(int pub_level, int pub_kw, int priv_level, int priv_kw) = 0;
    virtual void LogStressMsg(unsigned level, unsigned facility, const void *msg) = 0;
    virtual uint32_t GetCurrentProcessCpuCount() = 0;
    virtual void DiagAddNewRegion(int gen, uint8_t *start, uint8_t *end, uint8_t *reserved) = 0;
    virtual void LogErrorToHost(const char *message) = 0;
    /* Methods of later minor versions land here; the target fills these
       slots with a function that stops with a clear message. */
    virtual void later0() = 0;
    virtual void later1() = 0;
    virtual void later2() = 0;
    virtual void later3() = 0;
};

/* The two exports. */
using GC_VersionInfoFn = void (*)(VersionInfo *inout);
using GC_InitializeFn = int32_t (*)(IGCToCLR *ee, IGCHeap **heap, IGCHandleManager **handles,
                                    void *dac_vars);

}  // namespace clrabi

#endif
