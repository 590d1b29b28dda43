/* clrgc.cpp -- a target hosting CoreCLR's standalone collector.
 *
 * The target loads libclrgc.so (segments) or libclrgcexp.so (regions),
 * checks its interface version (clrgc_abi.h), and plays the execution
 * engine: it implements IGCToCLR (suspension for a single-threaded host,
 * root enumeration of the program's locals and statics and of the object
 * whose finalizer runs, allocation contexts, the write-barrier parameters
 * the collector publishes, finalization signals, configuration through the
 * collector's config calls) and drives IGCHeap and IGCHandleManager:
 * allocation, GarbageCollect, generations, collection counts, handles,
 * finalization and heap walks.  Objects carry method tables generated from
 * the program's types.  Stores go through a card-marking write barrier
 * built from the published parameters (docs/targets.md, "clrgc").
 *
 * A collector keeps its heap in globals and cannot be initialized twice in
 * one process, so the process has one collector (the first library loaded)
 * and one target at a time; destroying a target empties the heap (every
 * root and handle dropped, queued finalizers discarded without running,
 * two full collections) and the next target reports collection counts
 * from where the previous one ended.
 */
#include "clrgc_abi.h"

#include <dlfcn.h>
#include <glob.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "gcfuzz/target.h"

using namespace clrabi;

namespace {

/* ---- generated types ------------------------------------------------------ */
/* One block per program type: the series (when the type has references),
   their count, the method table, then what the target needs to map an
   object back to its program type. */
struct TypeBlock {
    GcDescSeries series[1];
    size_t nseries;
    MethodTable mt;
    uint32_t index;          /* program type index */
    uint32_t target_serial;  /* the target that registered it */
    hx_target_type desc;
};

constexpr uint32_t kMaxThreads = 64;
constexpr uint64_t kLohThreshold = 85000;   /* the collector's default */
constexpr size_t kArrayDataOffset = 16;  /* method-table word + length word */

enum class BarrierMode { Correct, ObjectCard };

struct Host;

}  // namespace

struct hx_target {
    Host *host;
    uint32_t serial;
    BarrierMode barrier;
    hx_event_fn ev;
    void *ev_ctx;
    std::vector<Object *> locals;
    std::vector<Object *> statics;
    std::vector<TypeBlock *> types;
    std::unordered_map<const MethodTable *, uint32_t> type_of;
    struct Handle { OBJECTHANDLE h; HandleType type; bool live; };
    std::vector<Handle> handles;           /* id = index + 1 */
    uint64_t loh_threshold;
    uint64_t fin_limit, fin_calls;
    unsigned fin_tid;
    int base_count[3];
    /* what the running operation is, for the reason of a collection */
    enum class Ctx { None, AllocSmall, AllocLarge, Collect } ctx;
    bool compact_loh;
    size_t pinned_at_start;
    std::vector<hx_addr> scratch;
};

namespace {

struct Host final : IGCToCLR {
    /* the library */
    std::string path;
    void *lib = nullptr;
    VersionInfo version{};
    IGCHeap *heap = nullptr;
    IGCHandleManager *handles = nullptr;
    alignas(16) uint8_t dac_vars[8192];
    IGCToCLREventSink sink;
    MethodTable free_mt{};
    /* published write-barrier parameters */
    uint8_t *card_table = nullptr;
    uint8_t *card_bundle_table = nullptr;
    uint8_t *lowest = nullptr, *highest = nullptr;
    uint8_t *eph_low = nullptr, *eph_high = nullptr;
    bool upper_check = true;
    uint8_t *write_watch = nullptr;
    uint8_t *region_table = nullptr;
    unsigned stomps = 0;
    /* the single-threaded engine */
    AllocContext contexts[kMaxThreads]{};
    unsigned cur_tid = 0;
    bool preemptive = false;
    bool in_gc = false;
    bool finalization_pending = false;
    Object *running = nullptr;     /* the object whose finalizer runs (a root) */
    hx_target *target = nullptr;   /* the live target, if any */
    uint32_t serials = 0;
    uint64_t gen0size = 0;

    /* ---- IGCToCLR ---- */
    void SuspendEE(int) override
    {
        in_gc = true;
        heap->SetGCInProgress(true);
    }
    void RestartEE(bool) override
    {
        heap->SetGCInProgress(false);
        heap->SetWaitForGCEvent();
        in_gc = false;
    }
    void GcScanRoots(promote_func *fn, int, int, ScanContext *sc) override
    {
        if (target) {
            for (Object *&o : target->locals)
                if (o)
                    fn(&o, sc, 0);
            for (Object *&o : target->statics)
                if (o)
                    fn(&o, sc, 0);
        }
        if (running)
            fn(&running, sc, 0);
    }
    void GcStartWork(int, int) override {}
    void BeforeGcScanRoots(int, bool, bool) override {}
    void AfterGcScanRoots(int, int, ScanContext *) override {}
    void GcDone(int) override {}
    bool RefCountedHandleCallbacks(Object *) override { return false; }
    void SyncBlockCacheWeakPtrScan(void *, uintptr_t, uintptr_t) override {}
    void SyncBlockCacheDemote(int) override {}
    void SyncBlockCachePromotionsGranted(int) override {}
    uint32_t GetActiveSyncBlockCount() override { return 0; }
    bool IsPreemptiveGCDisabled() override { return !preemptive; }
    bool EnablePreemptiveGC() override
    {
        bool was = !preemptive;
        preemptive = true;
        return was;
    }
    void DisablePreemptiveGC() override { preemptive = false; }
    Thread *GetThread() override { return reinterpret_cast<Thread *>(&contexts[cur_tid]); }
    AllocContext *GetAllocContext() override { return &contexts[cur_tid]; }
    void GcEnumAllocContexts(enum_alloc_context_func *fn, void *param) override
    {
        for (AllocContext &c : contexts)
            fn(&c, param);
    }
    uint8_t *GetLoaderAllocatorObjectForGC(Object *) override { return nullptr; }
    bool CreateThread(void (*)(void *), void *, bool, const char *) override { return false; }
    void DiagGCStart(int gen, bool) override;
    void DiagUpdateGenerationBounds() override {}
    void DiagGCEnd(size_t, int gen, int reason, bool) override;
    void DiagWalkFReachableObjects(void *) override {}
    void DiagWalkSurvivors(void *, bool) override {}
    void DiagWalkUOHSurvivors(void *, int) override {}
    void DiagWalkBGCSurvivors(void *) override {}
    void StompWriteBarrier(WriteBarrierParameters *a) override
    {
        stomps++;
        switch (a->operation) {
        case WriteBarrierOp::Initialize:
        case WriteBarrierOp::StompResize:
            card_table = reinterpret_cast<uint8_t *>(a->card_table);
            card_bundle_table = reinterpret_cast<uint8_t *>(a->card_bundle_table);
            lowest = a->lowest_address;
            highest = a->highest_address;
            upper_check = a->requires_upper_bounds_check;
            region_table = a->region_to_generation_table;
            if (a->operation == WriteBarrierOp::Initialize ||
                (a->ephemeral_low && a->ephemeral_high)) {
                eph_low = a->ephemeral_low;
                eph_high = a->ephemeral_high;
            }
            if (a->write_watch_table)
                write_watch = a->write_watch_table;
            break;
        case WriteBarrierOp::StompEphemeral:
            eph_low = a->ephemeral_low;
            eph_high = a->ephemeral_high;
            break;
        case WriteBarrierOp::SwitchToWriteWatch:
            write_watch = a->write_watch_table;
            break;
        case WriteBarrierOp::SwitchToNonWriteWatch:
            write_watch = nullptr;
            break;
        }
    }
    void EnableFinalization(bool has_work) override { finalization_pending |= has_work; }
    void HandleFatalError(unsigned code) override
    {
        fprintf(stderr, "clrgc: the collector reported a fatal error (exit code %#x)\n", code);
        fflush(stderr);
        abort();
    }
    bool EagerFinalized(Object *) override { return false; }
    MethodTable *GetFreeObjectMethodTable() override { return &free_mt; }
    bool GetBooleanConfigValue(const char *priv, const char *pub, bool *value) override;
    bool GetIntConfigValue(const char *priv, const char *pub, int64_t *value) override;
    bool GetStringConfigValue(const char *, const char *, const char **) override { return false; }
    void FreeStringConfigValue(const char *) override {}
    bool IsGCThread() override { return in_gc; }
    bool WasCurrentThreadCreatedByGC() override { return false; }
    void WalkAsyncPinnedForPromotion(Object *, ScanContext *, promote_func *) override {}
    void WalkAsyncPinned(Object *, void *, void (*)(Object *, Object *, void *)) override {}
    IGCToCLREventSink *EventSink() override { return &sink; }
    uint32_t GetTotalNumSizedRefHandles() override { return 0; }
    bool AnalyzeSurvivorsRequested(int) override { return false; }
    void AnalyzeSurvivorsFinished(size_t, int, uint64_t, void (*)()) override {}
    void VerifySyncTableEntry() override {}
    void UpdateGCEventStatus(int, int, int, int) override {}
    void LogStressMsg(unsigned, unsigned, const void *) override {}
    uint32_t GetCurrentProcessCpuCount() override { return 1; }
    void DiagAddNewRegion(int, uint8_t *, uint8_t *, uint8_t *) override {}
    void LogErrorToHost(const char *message) override
    {
        fprintf(stderr, "clrgc: collector error: %s\n", message ? message : "(none)");
    }
    [[noreturn]] static void later(int n)
    {
        fprintf(stderr, "clrgc: the collector called IGCToCLR method %d past the %d this engine "
                        "implements (a newer interface version)\n", 51 + n, 50);
        fflush(stderr);
        abort();
    }
    void later0() override { later(0); }
    void later1() override { later(1); }
    void later2() override { later(2); }
    void later3() override { later(3); }
};

Host *g_host = nullptr;

/* ---- configuration (.clrgc.config) ---------------------------------------- */
/* What the collector asks for, by its private key: workstation,
   non-concurrent (a single-threaded host has no background GC thread), the
   collector's own large object threshold (85000: the engine passes the LOH
   flag from the same threshold; the collector also sizes the space it
   keeps free at the end of the ephemeral segment from it), and a small
   fixed gen0 budget so programs see allocation collections.  DOTNET_<key> in the environment (hexadecimal, as the .NET
   host reads it) overrides any of them. */
bool env_config(const char *priv, uint64_t *out)
{
    if (!priv)
        return false;
    std::string name = std::string("DOTNET_") + priv;
    const char *v = getenv(name.c_str());
    if (!v || !*v)
        return false;
    char *end = nullptr;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 16);
    if (errno || *end) {
        fprintf(stderr, "clrgc: ignoring %s=%s (not a hexadecimal number)\n", name.c_str(), v);
        return false;
    }
    *out = x;
    return true;
}

bool Host::GetBooleanConfigValue(const char *priv, const char *, bool *value)
{
    uint64_t v;
    if (env_config(priv, &v)) {
        *value = v != 0;
        return true;
    }
    if (priv && (strcasecmp(priv, "gcConcurrent") == 0 || strcasecmp(priv, "gcServer") == 0)) {
        *value = false;
        return true;
    }
    return false;
}

bool Host::GetIntConfigValue(const char *priv, const char *, int64_t *value)
{
    uint64_t v;
    if (env_config(priv, &v)) {
        *value = (int64_t)v;
        return true;
    }
    if (!priv)
        return false;
    if (strcasecmp(priv, "GCgen0size") == 0 && gen0size) {
        *value = (int64_t)gen0size;
        return true;
    }
    if (strcasecmp(priv, "GCHeapAffinitizeMask") == 0 || strcasecmp(priv, "GCHeapCount") == 0) {
        *value = 1;
        return true;
    }
    return false;
}

/* ---- events --------------------------------------------------------------- */
void emit(hx_target *t, hx_event_kind kind, int gen, hx_reason reason, size_t pinned,
          hx_addr obj)
{
    if (!t || !t->ev)
        return;
    hx_event e{};
    e.kind = kind;
    e.gen = gen;
    e.reason = reason;
    e.compact_loh = kind != HX_EV_FINALIZER_CALL && kind != HX_EV_FIN_ALLOC && t->compact_loh &&
                    gen == 2 && reason == HX_REASON_INDUCED;
    e.pinned = pinned;
    e.obj = obj;
    t->ev(t->ev_ctx, &e);
}

int gen_of(Host *h, Object *o)
{
    unsigned g = h->heap->WhichGeneration(o);
    return g > 2 ? 2 : (int)g;
}

/* .handle.pin-count: pinned handles whose target the collection condemns
   (counted per handle, before the collection moves anything). */
void Host::DiagGCStart(int gen, bool)
{
    hx_target *t = target;
    if (!t)
        return;
    size_t n = 0;
    for (auto &hd : t->handles) {
        if (!hd.live || hd.type != kHandlePinned)
            continue;
        Object *o = *static_cast<Object **>(hd.h);
        if (o && gen_of(this, o) <= gen)
            n++;
    }
    t->pinned_at_start = n;
    emit(t, HX_EV_GC_START, gen, HX_REASON_INDUCED, 0, 0);
}

void Host::DiagGCEnd(size_t, int gen, int reason, bool)
{
    hx_target *t = target;
    if (!t)
        return;
    hx_reason r;
    switch (reason) {
    case kReasonOosSoh:
    case kReasonOosLoh:
        r = HX_REASON_OOM;
        break;
    case kReasonInduced:
    case kReasonInducedNoForce:
    case kReasonInducedCompacting:
    case kReasonInducedAggressive:
        r = HX_REASON_INDUCED;
        break;
    case kReasonAllocLoh:
        r = HX_REASON_ALLOC_LARGE;
        break;
    case kReasonAllocSoh:
        r = HX_REASON_ALLOC_SMALL;
        break;
    default:
        r = t->ctx == hx_target::Ctx::Collect ? HX_REASON_INDUCED
          : t->ctx == hx_target::Ctx::AllocLarge ? HX_REASON_ALLOC_LARGE : HX_REASON_ALLOC_SMALL;
        break;
    }
    emit(t, HX_EV_GC_END, gen, r, t->pinned_at_start, 0);
}

/* ---- loading -------------------------------------------------------------- */
/* The newest shared/Microsoft.NETCore.App/<version>/<file> of the dotnet
   installs this machine has. */
std::string find_library(const char *file)
{
    std::vector<std::string> roots;
    if (const char *r = getenv("DOTNET_ROOT"))
        roots.emplace_back(r);
    if (const char *home = getenv("HOME"))
        roots.emplace_back(std::string(home) + "/.dotnet");
    roots.emplace_back("/usr/share/dotnet");
    roots.emplace_back("/usr/lib/dotnet");
    roots.emplace_back("/usr/local/share/dotnet");
    roots.emplace_back("/opt/dotnet");
    for (const std::string &root : roots) {
        std::string pat = root + "/shared/Microsoft.NETCore.App/*/" + file;
        glob_t g;
        if (glob(pat.c_str(), 0, nullptr, &g) != 0)
            continue;
        std::vector<std::string> hits(g.gl_pathv, g.gl_pathv + g.gl_pathc);
        globfree(&g);
        /* version directories compare by their numeric parts */
        auto key = [](const std::string &p) {
            std::vector<unsigned long> k;
            const char *s = p.c_str();
            while (*s) {
                if (*s >= '0' && *s <= '9') {
                    char *e;
                    k.push_back(strtoul(s, &e, 10));
                    s = e;
                } else {
                    s++;
                }
            }
            return k;
        };
        std::sort(hits.begin(), hits.end(),
                  [&](const std::string &a, const std::string &b) { return key(a) < key(b); });
        if (!hits.empty())
            return hits.back();
    }
    return {};
}

/* The collector for `path` (empty: found in the dotnet install), loaded and
   initialized once per process.  NULL, with a message, when it cannot be. */
Host *host_for(const std::string &want)
{
    if (g_host) {
        if (!want.empty() && want != g_host->path) {
            fprintf(stderr, "clrgc: this process already hosts %s; one collector per process "
                            "(asked for %s)\n", g_host->path.c_str(), want.c_str());
            return nullptr;
        }
        return g_host;
    }
    std::string path = want;
    if (path.empty()) {
        fprintf(stderr, "clrgc: no libclrgc.so found (set GCF_CLRGC_LIB or install the .NET "
                        "runtime)\n");
        return nullptr;
    }
    void *lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "clrgc: cannot load %s: %s\n", path.c_str(), dlerror());
        return nullptr;
    }
    auto vi = reinterpret_cast<GC_VersionInfoFn>(dlsym(lib, "GC_VersionInfo"));
    auto init = reinterpret_cast<GC_InitializeFn>(dlsym(lib, "GC_Initialize"));
    if (!vi || !init) {
        fprintf(stderr, "clrgc: %s exports no GC_VersionInfo/GC_Initialize: not a standalone "
                        "collector\n", path.c_str());
        dlclose(lib);
        return nullptr;
    }
    VersionInfo v{kEeMajor, 0, 0, "gcfuzz clrgc target"};
    vi(&v);
    if (v.major != kGcMajor || v.minor < kGcMinMinor) {
        fprintf(stderr, "clrgc: %s implements GC interface %u.%u (%s); this target was written "
                        "for major version %u, minor %u or later, and refuses to drive it\n",
                path.c_str(), v.major, v.minor, v.name ? v.name : "?", kGcMajor, kGcMinMinor);
        dlclose(lib);
        return nullptr;
    }
    Host *h = new Host();
    h->path = path;
    h->lib = lib;
    h->version = v;
    h->free_mt.base_size = 3 * sizeof(void *);
    h->free_mt.flags = kMtHasComponentSize | kMtIsArray | 1u;
    h->gen0size = 256 * 1024;
    if (const char *s = getenv("GCF_CLRGC_GEN0SIZE"))
        h->gen0size = strtoull(s, nullptr, 0);
    memset(h->dac_vars, 0, sizeof h->dac_vars);
    int32_t hr = init(h, &h->heap, &h->handles, h->dac_vars);
    if (hr != 0 || !h->heap || !h->handles) {
        fprintf(stderr, "clrgc: GC_Initialize of %s failed (%#x)\n", path.c_str(), (unsigned)hr);
        return nullptr;      /* the library keeps pointers into h: never freed */
    }
    hr = h->heap->Initialize();
    if (hr != 0) {
        fprintf(stderr, "clrgc: IGCHeap::Initialize of %s failed (%#x)\n", path.c_str(),
                (unsigned)hr);
        return nullptr;
    }
    if (!h->handles->Initialize()) {
        fprintf(stderr, "clrgc: IGCHandleManager::Initialize of %s failed\n", path.c_str());
        return nullptr;
    }
    if (!h->card_table) {
        fprintf(stderr, "clrgc: %s published no card table (StompWriteBarrier)\n", path.c_str());
        return nullptr;
    }
    g_host = h;
    return h;
}

/* ---- objects ---------------------------------------------------------------- */
inline MethodTable *mt_of(Object *o) { return *reinterpret_cast<MethodTable **>(o); }
inline uint32_t *hdr_bits(Object *o) { return reinterpret_cast<uint32_t *>(o) - 1; }
inline uint32_t &array_length(Object *o) { return reinterpret_cast<uint32_t *>(o)[2]; }

const TypeBlock *block_of(const hx_target *t, Object *o)
{
    auto it = t->type_of.find(mt_of(o));
    return it == t->type_of.end() ? nullptr : t->types[it->second];
}

uint64_t unaligned_size(const TypeBlock *b, uint64_t length)
{
    if (b->desc.kind == HX_TT_FIXED)
        return b->desc.size;
    return 24 + length * (b->desc.kind == HX_TT_REFS ? 8 : 1);
}

Object **slot_addr(Object *o, const TypeBlock *b, uint64_t i)
{
    size_t off = b->desc.kind == HX_TT_FIXED ? 8 : kArrayDataOffset;
    return reinterpret_cast<Object **>(reinterpret_cast<uint8_t *>(o) + off + 8 * i);
}

uint64_t nslots_of(Object *o, const TypeBlock *b)
{
    if (b->desc.kind == HX_TT_FIXED)
        return b->desc.nrefs;
    return b->desc.kind == HX_TT_REFS ? array_length(o) : 0;
}

uint8_t *payload_of(Object *o, const TypeBlock *b, size_t *len)
{
    uint8_t *p = reinterpret_cast<uint8_t *>(o);
    switch (b->desc.kind) {
    case HX_TT_FIXED:
        *len = (size_t)(b->desc.size - 16 - 8 * (uint64_t)b->desc.nrefs);
        return p + 8 + 8 * (size_t)b->desc.nrefs;
    case HX_TT_BYTES:
        *len = array_length(o);
        return p + kArrayDataOffset;
    default:
        *len = 0;
        return p + kArrayDataOffset + 8 * (size_t)array_length(o);
    }
}

bool fill_object(hx_target *t, Object *o, hx_tobject *out)
{
    memset(out, 0, sizeof *out);
    const TypeBlock *b = block_of(t, o);
    if (!b)
        return false;
    out->addr = reinterpret_cast<hx_addr>(o);
    out->type = b->index;
    out->length = b->desc.kind == HX_TT_FIXED ? 0 : array_length(o);
    out->size = unaligned_size(b, out->length);
    out->gen = gen_of(t->host, o);
    out->large = !t->host->heap->IsHeapPointer(o, true);
    uint64_t n = nslots_of(o, b);
    t->scratch.resize(n ? n : 1);
    for (uint64_t i = 0; i < n; i++)
        t->scratch[i] = reinterpret_cast<hx_addr>(*slot_addr(o, b, i));
    out->nslots = n;
    out->slots = t->scratch.data();
    out->payload = payload_of(o, b, &out->payload_len);
    return true;
}

/* ---- the write barrier (.clrgc.barrier) --------------------------------------- */
/* What the engine's barrier does after a reference store into the heap,
   from the parameters the collector published: the store is interesting
   when the stored reference points into the ephemeral range (below its
   upper end only when the collector asked for the upper check); then the
   card byte of the written slot, the card-bundle byte covering it, and,
   with software write watch, the page's byte are set. */
void barrier(Host *h, BarrierMode mode, Object **slot, Object *val, Object *obj)
{
    uint8_t *dst = reinterpret_cast<uint8_t *>(slot);
    if (dst < h->lowest || dst >= h->highest)
        return;
    if (h->write_watch) {
        uint8_t *w = h->write_watch + ((uintptr_t)dst >> kWriteWatchShift);
        if (*w == 0)
            *w = 0xFF;
    }
    uint8_t *v = reinterpret_cast<uint8_t *>(val);
    if (v < h->eph_low || (h->upper_check && v >= h->eph_high))
        return;
    /* the test-only wrong barrier marks the card of the object's start, as
       an engine that takes the object instead of the slot would */
    uintptr_t at = mode == BarrierMode::ObjectCard ? (uintptr_t)obj : (uintptr_t)dst;
    uint8_t *card = h->card_table + (at >> kCardByteShift);
    if (*card != 0xFF)
        *card = 0xFF;
    if (h->card_bundle_table) {
        uint8_t *bundle = h->card_bundle_table + (at >> kCardBundleByteShift);
        if (*bundle != 0xFF)
            *bundle = 0xFF;
    }
}

bool card_set(Host *h, const void *slot)
{
    uintptr_t a = (uintptr_t)slot;
    const uint32_t *words = reinterpret_cast<const uint32_t *>(h->card_table);
    return (words[a >> kCardWordShift] >> ((a >> kCardShift) & 31)) & 1u;
}

/* ---- the target's operations ---------------------------------------------------- */
Object *src_of(hx_target *t, uint32_t src)
{
    return src == HX_NO_LOCAL || src >= t->locals.size() ? nullptr : t->locals[src];
}

hx_target *create_with(const hx_target_config *cfg, hx_event_fn ev, void *ev_ctx,
                       const std::string &path, BarrierMode mode)
{
    Host *h = host_for(path);
    if (!h)
        return nullptr;
    if (h->target) {
        fprintf(stderr, "clrgc: one target per process at a time\n");
        return nullptr;
    }
    if (cfg->threads > kMaxThreads) {
        fprintf(stderr, "clrgc: %u threads; this target hosts at most %u\n", cfg->threads,
                kMaxThreads);
        return nullptr;
    }
    hx_target *t = new hx_target();
    t->host = h;
    t->serial = ++h->serials;
    t->barrier = mode;
    t->ev = ev;
    t->ev_ctx = ev_ctx;
    t->locals.assign(cfg->nlocals, nullptr);
    t->loh_threshold = cfg->loh_threshold ? cfg->loh_threshold : kLohThreshold;
    if (t->loh_threshold != kLohThreshold) {
        fprintf(stderr, "clrgc: the program's loh_threshold is %" PRIu64 "; the hosted collector "
                        "runs with %" PRIu64 " (set once per process)\n",
                t->loh_threshold, kLohThreshold);
        delete t;
        return nullptr;
    }
    t->fin_limit = cfg->fin_drain_limit;
    t->fin_calls = 0;
    t->fin_tid = 0;
    t->ctx = hx_target::Ctx::None;
    t->compact_loh = false;
    t->pinned_at_start = 0;
    for (int g = 0; g < 3; g++)
        t->base_count[g] = h->heap->CollectionCount(g, 0);
    h->target = t;
    return t;
}

/* The heap emptied for the next target: roots and handles dropped, queued
   finalizers discarded unrun, two full blocking collections (the second
   reclaims what the first found finalizable). */
void tgt_destroy(hx_target *t)
{
    if (!t)
        return;
    Host *h = t->host;
    h->target = nullptr;
    for (auto &hd : t->handles)
        if (hd.live)
            h->handles->DestroyHandleOfType(hd.h, hd.type);
    for (int round = 0; round < 2; round++) {
        h->heap->GarbageCollect(2, false, kCollectionBlocking);
        while (Object *o = h->heap->GetNextFinalizable())
            (void)o;
    }
    h->finalization_pending = false;
    h->running = nullptr;
    delete t;
}

hx_tstatus tgt_register_type(hx_target *t, const hx_target_type *ty)
{
    size_t nseries = (ty->kind == HX_TT_REFS || (ty->kind == HX_TT_FIXED && ty->nrefs)) ? 1 : 0;
    if (ty->kind == HX_TT_FIXED && (ty->size < 24 || 16 + 8 * (uint64_t)ty->nrefs > ty->size))
        return HX_T_ERROR;
    auto *b = static_cast<TypeBlock *>(calloc(1, sizeof(TypeBlock)));
    if (!b)
        return HX_T_ERROR;
    b->desc = *ty;
    b->desc.name = nullptr;
    b->index = (uint32_t)t->types.size();
    b->target_serial = t->serial;
    uint32_t flags = 0;
    uint32_t base;
    if (ty->kind == HX_TT_FIXED) {
        /* a base size past 32 bits cannot be described: such a type is
           registered, and its allocation fails (alloc_object) */
        base = ty->size > UINT32_MAX - 7 ? 0 : (uint32_t)((ty->size + 7) & ~(uint64_t)7);
        if (ty->fin != HX_TF_NONE) {
            flags |= kMtHasFinalizer;
            if (ty->critical)
                flags |= kMtHasCriticalFinalizer;
        }
        if (nseries) {
            b->series[0].offset = 8;
            b->series[0].size = (size_t)(8 * (uint64_t)ty->nrefs) - base;
        }
    } else {
        base = 24;
        flags |= kMtHasComponentSize | kMtIsArray | (ty->kind == HX_TT_REFS ? 8u : 1u);
        if (nseries) {
            b->series[0].offset = kArrayDataOffset;
            b->series[0].size = (size_t)0 - base;
        }
    }
    if (nseries)
        flags |= kMtContainsPointers;
    b->nseries = nseries;
    b->mt.flags = flags;
    b->mt.base_size = base;
    /* blocks live as long as the process: dead objects of earlier targets
       may still name them until the heap is swept */
    t->types.push_back(b);
    t->type_of[&b->mt] = b->index;
    return HX_T_OK;
}

/* Allocation as the engine's allocator does it: the fast path bumps the
   thread's allocation context; the collector's Alloc refills it (and may
   collect), places large objects, and registers finalizable ones. */
Object *alloc_object(hx_target *t, unsigned tid, uint32_t type, uint64_t length)
{
    Host *h = t->host;
    const TypeBlock *b = t->types[type];
    uint64_t size = unaligned_size(b, length);
    if (b->desc.kind != HX_TT_FIXED && length > UINT32_MAX)
        return nullptr;
    uint64_t asize = (size + 7) & ~(uint64_t)7;
    /* what a method table or the collector's size arithmetic cannot hold is
       out of memory, as CoreCLR's allocator reports it */
    if (b->mt.base_size == 0 || asize > ((uint64_t)1 << 40))
        return nullptr;
    bool large = size >= t->loh_threshold;
    uint32_t flags = 0;
    if (b->desc.fin != HX_TF_NONE && b->desc.kind == HX_TT_FIXED)
        flags |= kAllocFinalize;
    if (b->nseries)
        flags |= kAllocContainsRef;
    if (large)
        flags |= kAllocLargeObjectHeap;
    AllocContext *ac = &h->contexts[tid];
    Object *o = nullptr;
    if (!flags || flags == kAllocContainsRef) {
        if (ac->alloc_ptr && asize <= (uint64_t)(ac->alloc_limit - ac->alloc_ptr)) {
            o = reinterpret_cast<Object *>(ac->alloc_ptr);
            ac->alloc_ptr += asize;
        }
    }
    if (!o) {
        auto saved = t->ctx;
        t->ctx = large ? hx_target::Ctx::AllocLarge : hx_target::Ctx::AllocSmall;
        h->cur_tid = tid;
        o = h->heap->Alloc(ac, (size_t)asize, flags);
        h->cur_tid = 0;
        t->ctx = saved;
        if (!o)
            return nullptr;
    }
    *reinterpret_cast<MethodTable **>(o) = const_cast<MethodTable *>(&b->mt);
    if (b->desc.kind != HX_TT_FIXED)
        array_length(o) = (uint32_t)length;
    return o;
}

hx_tstatus tgt_alloc(hx_target *t, unsigned tid, uint32_t type, uint64_t length, uint32_t dst)
{
    if (type >= t->types.size() || dst >= t->locals.size() || tid >= kMaxThreads)
        return HX_T_ERROR;
    Object *o = alloc_object(t, tid, type, length);
    t->locals[dst] = o;
    return o ? HX_T_OK : HX_T_OOM;
}

void tgt_set_local(hx_target *t, uint32_t dst, uint32_t src) { t->locals[dst] = src_of(t, src); }
hx_addr tgt_get_local(hx_target *t, uint32_t l) { return reinterpret_cast<hx_addr>(src_of(t, l)); }

void tgt_store(hx_target *t, uint32_t obj, uint64_t slot, uint32_t src)
{
    Object *o = src_of(t, obj);
    const TypeBlock *b = o ? block_of(t, o) : nullptr;
    if (!b || slot >= nslots_of(o, b))
        return;
    Object **p = slot_addr(o, b, slot);
    Object *v = src_of(t, src);
    *p = v;
    if (v)
        barrier(t->host, t->barrier, p, v, o);
}

void tgt_load(hx_target *t, uint32_t dst, uint32_t obj, uint64_t slot)
{
    Object *o = src_of(t, obj);
    const TypeBlock *b = o ? block_of(t, o) : nullptr;
    t->locals[dst] = (b && slot < nslots_of(o, b)) ? *slot_addr(o, b, slot) : nullptr;
}

HandleType handle_type(int kind)
{
    switch (kind) {
    case 0: return kHandleStrong;
    case 1: return kHandlePinned;
    case 2: return kHandleWeakShort;
    default: return kHandleWeakLong;
    }
}

hx_tstatus tgt_handle_alloc(hx_target *t, int kind, uint32_t src, uint32_t *out)
{
    *out = 0;
    if (kind < 0 || kind > 3)
        return HX_T_ERROR;
    HandleType ty = handle_type(kind);
    OBJECTHANDLE h = t->host->handles->CreateGlobalHandleOfType(src_of(t, src), ty);
    if (!h)
        return HX_T_ERROR;
    t->handles.push_back({h, ty, true});
    *out = (uint32_t)t->handles.size();
    return HX_T_OK;
}

hx_target::Handle *handle_at(hx_target *t, uint32_t id)
{
    if (id == 0 || id > t->handles.size() || !t->handles[id - 1].live)
        return nullptr;
    return &t->handles[id - 1];
}

hx_tstatus tgt_handle_free(hx_target *t, uint32_t id)
{
    hx_target::Handle *hd = handle_at(t, id);
    if (!hd)
        return HX_T_BAD_HANDLE;
    t->host->handles->DestroyHandleOfType(hd->h, hd->type);
    hd->live = false;
    return HX_T_OK;
}

hx_tstatus tgt_handle_get(hx_target *t, uint32_t id, uint32_t dst)
{
    hx_target::Handle *hd = handle_at(t, id);
    t->locals[dst] = hd ? *static_cast<Object **>(hd->h) : nullptr;
    return hd ? HX_T_OK : HX_T_BAD_HANDLE;
}

hx_addr tgt_handle_peek(hx_target *t, uint32_t id)
{
    hx_target::Handle *hd = handle_at(t, id);
    return hd ? reinterpret_cast<hx_addr>(*static_cast<Object **>(hd->h)) : 0;
}

void tgt_static_set(hx_target *t, uint32_t idx, uint32_t src)
{
    if (idx >= t->statics.size())
        t->statics.resize((size_t)idx + 1, nullptr);
    t->statics[idx] = src_of(t, src);
}

void tgt_static_get(hx_target *t, uint32_t idx, uint32_t dst)
{
    t->locals[dst] = idx < t->statics.size() ? t->statics[idx] : nullptr;
}

hx_addr tgt_static_peek(hx_target *t, uint32_t idx)
{
    return idx < t->statics.size() ? reinterpret_cast<hx_addr>(t->statics[idx]) : 0;
}

bool has_finalizer(hx_target *t, Object *o)
{
    return o && (mt_of(o)->flags & kMtHasFinalizer) && block_of(t, o);
}

/* GC.SuppressFinalize: the collector sets the finalizer-run bit. */
void tgt_suppress(hx_target *t, uint32_t obj)
{
    Object *o = src_of(t, obj);
    if (has_finalizer(t, o))
        t->host->heap->SetFinalizationRun(o);
}

/* GC.ReRegisterForFinalize as the engine implements it: a set bit is
   cleared; otherwise the object gets one more queue entry. */
void reregister(hx_target *t, Object *o)
{
    if (!has_finalizer(t, o))
        return;
    if (*hdr_bits(o) & kHdrFinalizerRun)
        __atomic_and_fetch(hdr_bits(o), ~kHdrFinalizerRun, __ATOMIC_SEQ_CST);
    else
        t->host->heap->RegisterForFinalization(-1, o);
}

void tgt_reregister(hx_target *t, uint32_t obj) { reregister(t, src_of(t, obj)); }

hx_tstatus tgt_collect(hx_target *t, int gen, bool compact_loh)
{
    if (gen < 0 || gen > 2)
        return HX_T_ERROR;
    Host *h = t->host;
    t->ctx = hx_target::Ctx::Collect;
    t->compact_loh = compact_loh && gen == 2;
    if (t->compact_loh)
        h->heap->SetLOHCompactionMode(kLohCompactOnce);
    int32_t hr = h->heap->GarbageCollect(gen, false, kCollectionBlocking);
    t->compact_loh = false;
    t->ctx = hx_target::Ctx::None;
    return hr == 0 ? HX_T_OK : HX_T_ERROR;
}

/* The finalizer thread's loop, run synchronously: take f-reachable objects
   until there are none (normal before critical: the collector's order);
   an object whose finalizer-run bit is set is skipped and the bit cleared;
   the object is a root while its behaviour runs. */
hx_tstatus tgt_run_finalizers(hx_target *t, unsigned tid)
{
    Host *h = t->host;
    if (tid >= kMaxThreads)
        return HX_T_ERROR;
    t->fin_tid = tid;
    t->fin_calls = 0;
    h->finalization_pending = false;
    while (Object *o = h->heap->GetNextFinalizable()) {
        if (*hdr_bits(o) & kHdrFinalizerRun) {
            __atomic_and_fetch(hdr_bits(o), ~kHdrFinalizerRun, __ATOMIC_SEQ_CST);
            continue;
        }
        const TypeBlock *b = block_of(t, o);
        if (!b)
            continue;
        if (t->fin_limit && ++t->fin_calls > t->fin_limit)
            continue;        /* .tgt.drain-limit */
        h->running = o;
        emit(t, HX_EV_FINALIZER_CALL, 0, HX_REASON_INDUCED, 0, reinterpret_cast<hx_addr>(o));
        auto resurrect = [&] {
            if (b->desc.fin_static >= t->statics.size())
                t->statics.resize((size_t)b->desc.fin_static + 1, nullptr);
            t->statics[b->desc.fin_static] = h->running;
        };
        switch (b->desc.fin) {
        case HX_TF_RESURRECT:
            resurrect();
            break;
        case HX_TF_REREGISTER:
            reregister(t, h->running);
            break;
        case HX_TF_RESURRECT_REREGISTER:
            resurrect();
            reregister(t, h->running);
            break;
        case HX_TF_ALLOC: {
            Object *fresh = nullptr;
            if (b->desc.fin_alloc < t->types.size())
                fresh = alloc_object(t, tid, b->desc.fin_alloc, 0);
            emit(t, HX_EV_FIN_ALLOC, 0, HX_REASON_INDUCED, 0, reinterpret_cast<hx_addr>(fresh));
            break;
        }
        default:
            break;
        }
        h->running = nullptr;
    }
    return t->fin_limit && t->fin_calls > t->fin_limit ? HX_T_LIMIT : HX_T_OK;
}

int tgt_generation(hx_target *t, hx_addr obj)
{
    return obj ? gen_of(t->host, reinterpret_cast<Object *>(obj)) : -1;
}

bool tgt_is_large(hx_target *t, hx_addr obj)
{
    return obj && !t->host->heap->IsHeapPointer(reinterpret_cast<Object *>(obj), true);
}

uint64_t tgt_collection_count(hx_target *t, int gen)
{
    if (gen < 0 || gen > 2)
        return 0;
    return (uint64_t)(t->host->heap->CollectionCount(gen, 0) - t->base_count[gen]);
}

struct WalkCtx {
    hx_target *t;
    hx_walk_fn fn;
    void *ctx;
    std::vector<Object *> objs;
};

bool collect_one(Object *o, void *vctx)
{
    auto *w = static_cast<WalkCtx *>(vctx);
    if (mt_of(o) != &w->t->host->free_mt)
        w->objs.push_back(o);
    return true;
}

/* Every object in address order, allocation contexts handled by the
   collector; gathered first so the callback may call back into the
   target. */
void heap_objects(hx_target *t, std::vector<Object *> &out)
{
    WalkCtx w{t, nullptr, nullptr, {}};
    t->host->heap->DiagWalkHeapWithACHandling(collect_one, &w, 2, true);
    out.swap(w.objs);
}

void tgt_walk(hx_target *t, hx_walk_fn fn, void *ctx)
{
    std::vector<Object *> objs;
    heap_objects(t, objs);
    for (Object *o : objs) {
        hx_tobject ob;
        if (fill_object(t, o, &ob))
            fn(ctx, &ob);
    }
}

int tgt_fin_bit(hx_target *t, hx_addr obj)
{
    (void)t;
    return obj ? (*hdr_bits(reinterpret_cast<Object *>(obj)) & kHdrFinalizerRun) != 0 : -1;
}

/* C9: every object has one of this target's method tables (or the free
   one), every reference names an object of the heap, and every reference
   from an older generation into a younger one has its card set -- the
   invariant the collector's ephemeral collections rely on. */
hx_tstatus tgt_verify(hx_target *t, char *err, size_t errlen)
{
    std::vector<Object *> objs;
    heap_objects(t, objs);
    std::unordered_map<uintptr_t, int> gens;
    gens.reserve(objs.size() * 2);
    for (Object *o : objs) {
        if (!block_of(t, o)) {
            snprintf(err, errlen, "object %p has method table %p, not one of this program's",
                     (void *)o, (void *)mt_of(o));
            return HX_T_ERROR;
        }
        gens[(uintptr_t)o] = gen_of(t->host, o);
    }
    for (Object *o : objs) {
        const TypeBlock *b = block_of(t, o);
        int go = gens[(uintptr_t)o];
        uint64_t n = nslots_of(o, b);
        for (uint64_t i = 0; i < n; i++) {
            Object **p = slot_addr(o, b, i);
            Object *v = *p;
            if (!v)
                continue;
            auto it = gens.find((uintptr_t)v);
            if (it == gens.end()) {
                snprintf(err, errlen, "slot %" PRIu64 " of object %p (gen %d) names %p, which "
                         "is not an object of the heap", i, (void *)o, go, (void *)v);
                return HX_T_ERROR;
            }
            if (it->second < go && !card_set(t->host, p)) {
                snprintf(err, errlen, "slot %" PRIu64 " of object %p (gen %d) names %p (gen %d) "
                         "but its card is clear", i, (void *)o, go, (void *)v, it->second);
                return HX_T_ERROR;
            }
        }
    }
    return HX_T_OK;
}

bool tgt_object(hx_target *t, hx_addr addr, hx_tobject *out)
{
    return addr && fill_object(t, reinterpret_cast<Object *>(addr), out);
}

uint8_t *tgt_payload(hx_target *t, uint32_t local, size_t *len)
{
    *len = 0;
    Object *o = src_of(t, local);
    const TypeBlock *b = o ? block_of(t, o) : nullptr;
    return b ? payload_of(o, b, len) : nullptr;
}

std::string env_path(const char *file)
{
    if (const char *p = getenv("GCF_CLRGC_LIB"); p && *p && strcmp(file, "libclrgc.so") == 0)
        return p;
    if (const char *p = getenv("GCF_CLRGC_REGIONS_LIB"); p && *p &&
                                                          strcmp(file, "libclrgcexp.so") == 0)
        return p;
    return find_library(file);
}

hx_target *create_segments(const hx_target_config *c, hx_event_fn ev, void *ctx)
{
    return create_with(c, ev, ctx, env_path("libclrgc.so"), BarrierMode::Correct);
}
hx_target *create_regions(const hx_target_config *c, hx_event_fn ev, void *ctx)
{
    return create_with(c, ev, ctx, env_path("libclrgcexp.so"), BarrierMode::Correct);
}
hx_target *create_bad_barrier(const hx_target_config *c, hx_event_fn ev, void *ctx)
{
    return create_with(c, ev, ctx, env_path("libclrgc.so"), BarrierMode::ObjectCard);
}

hx_target_ops make_ops(const char *name, hx_target *(*create)(const hx_target_config *,
                                                                hx_event_fn, void *))
{
    hx_target_ops o{};
    o.api_version = HX_TARGET_API_VERSION;
    /* no HX_CAP_BUDGETS: the collector sizes its own budgets, so programs
       run under the clr profile (.clr.budgets) */
    o.caps = HX_CAP_GENERATIONS | HX_CAP_COMPLETE | HX_CAP_LOH | HX_CAP_PINNED_COUNT;
    o.name = name;
    o.create = create;
    o.destroy = tgt_destroy;
    o.register_type = tgt_register_type;
    o.alloc = tgt_alloc;
    o.set_local = tgt_set_local;
    o.get_local = tgt_get_local;
    o.store = tgt_store;
    o.load = tgt_load;
    o.handle_alloc = tgt_handle_alloc;
    o.handle_free = tgt_handle_free;
    o.handle_get = tgt_handle_get;
    o.handle_peek = tgt_handle_peek;
    o.static_set = tgt_static_set;
    o.static_get = tgt_static_get;
    o.static_peek = tgt_static_peek;
    o.suppress = tgt_suppress;
    o.reregister = tgt_reregister;
    o.collect = tgt_collect;
    o.run_finalizers = tgt_run_finalizers;
    o.generation = tgt_generation;
    o.is_large = tgt_is_large;
    o.collection_count = tgt_collection_count;
    o.walk = tgt_walk;
    o.fin_walk = nullptr;      /* the collector enumerates f-reachable entries only */
    o.fin_bit = tgt_fin_bit;
    o.verify = tgt_verify;
    o.dump = nullptr;
    o.payload = tgt_payload;
    o.object = tgt_object;
    o.fin_counts = nullptr;
    o.reset = nullptr;
    return o;
}

const hx_target_ops ops_segments = make_ops("clrgc", create_segments);
const hx_target_ops ops_regions = make_ops("clrgc-regions", create_regions);
const hx_target_ops ops_bad_barrier = make_ops("clrgc-bad-barrier", create_bad_barrier);

}  // namespace

/* The plug-in's entry (.tgt.entry): one library per variant, chosen when
   it is built (targets/clrgc/CMakeLists.txt): GCF_CLRGC_VARIANT 0 is
   "clrgc" (libclrgc.so, segments), 1 "clrgc-regions" (libclrgcexp.so),
   2 the test-only "clrgc-bad-barrier". */
#ifndef GCF_CLRGC_VARIANT
#define GCF_CLRGC_VARIANT 0
#endif
extern "C" HX_TARGET_EXPORT const hx_target_ops *gcfuzz_target_entry(void)
{
#if GCF_CLRGC_VARIANT == 1
    return &ops_regions;
#elif GCF_CLRGC_VARIANT == 2
    return &ops_bad_barrier;
#else
    return &ops_segments;
#endif
}
