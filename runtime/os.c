/* os.c -- the operating-system layer: the only file that calls mmap,
 * mprotect, madvise and munmap, and the only one with platform #ifdefs.
 *
 * .os.reserve   address space is reserved PROT_NONE and committed by pages
 *               (mprotect read/write); decommit drops the pages
 *               (madvise DONTNEED) and makes them PROT_NONE again.
 * .os.fault     fault injection: each heap counts its own reserve and commit
 *               calls; the call whose number equals fail_*_at fails.  No
 *               global state.
 * .os.poison    free and reclaimed heap space is poisoned for AddressSanitizer
 *               (MGC_ASAN) and made no-access for Valgrind memcheck
 *               (MGC_VALGRIND), so a stale reference into it is reported.
 */
#include "internal.h"
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef MGC_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef MGC_VALGRIND
#include <valgrind/memcheck.h>
#endif

/* ===================== page size and per-heap state ================== */

size_t mgc_os_page(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096u;
}

void mgc_os_init(mgc_os *os, unsigned fail_reserve_nth, unsigned fail_commit_nth)
{
    memset(os, 0, sizeof *os);
    os->page = mgc_os_page();
    os->fail_reserve_at = fail_reserve_nth;
    os->fail_commit_at = fail_commit_nth;
}

/* ===================== cache size (.os.cache) ========================= */

/* Read a small text file of /sys into buf; false when it cannot. */
static bool read_sys(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t got = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[got] = '\0';
    return got > 0;
}

/* .os.huge: Linux transparent huge pages of the PMD size, when the kernel
   has them enabled ("always" or "madvise"); asked for per range with
   madvise.  Read once per heap (.policy.huge). */
bool mgc_os_huge_pages(size_t size)
{
#ifdef MADV_HUGEPAGE
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
    unsigned long long pmd = 0;
    if (!f)
        return false;
    int got = fscanf(f, "%llu", &pmd);
    fclose(f);
    if (got != 1 || pmd != size)
        return false;
    char mode[128] = "";
    f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return false;
    bool ok = fgets(mode, sizeof mode, f) != NULL && strstr(mode, "[never]") == NULL;
    fclose(f);
    return ok;
#else
    (void)size;
    return false;
#endif
}

void mgc_os_advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

/* .os.cache: the cache description of cpu0 in sysfs (Linux), else sysconf
   (glibc); 0 when neither says.  sysfs first: under some hypervisors
   sysconf reports the sum over all cache instances. */
size_t mgc_os_cache_size(int level)
{
    for (int i = 0; i < 8; i++) {
        char path[96], buf[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (!read_sys(path, buf, sizeof buf))
            break;
        if (atoi(buf) != level)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if (!read_sys(path, buf, sizeof buf) || strncmp(buf, "Instruction", 11) == 0)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (!read_sys(path, buf, sizeof buf))
            continue;
        char *end;
        unsigned long long v = strtoull(buf, &end, 10);
        if (*end == 'K')
            v *= 1024u;
        else if (*end == 'M')
            v *= 1024u * 1024u;
        if (v > 0)
            return (size_t)v;
    }
    long v = -1;
#if defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
    if (level == 2)
        v = sysconf(_SC_LEVEL2_CACHE_SIZE);
    else if (level == 3)
        v = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    return v > 0 ? (size_t)v : 0;
}

/* ===================== reserve / commit / decommit / release ========== */

void *mgc_os_reserve(mgc_os *os, size_t size)
{
    MGC_AVER(size > 0 && size % os->page == 0);
    os->reserve_calls++;
    if (os->fail_reserve_at != 0 && os->reserve_calls == os->fail_reserve_at)
        return NULL;                                   /* .os.fault */
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* user-space addresses fit in 47 bits: the forwarding encoding relies on it */
    MGC_AVER(((uintptr_t)p >> 47) == 0);
    return p;
}

/* .os.align: the same, at an address that is a multiple of align (a power
   of two, a multiple of the page size): a larger range is reserved and the
   parts before and after the aligned one are unmapped. */
void *mgc_os_reserve_aligned(mgc_os *os, size_t size, size_t align)
{
    MGC_AVER(size > 0 && size % os->page == 0 && align % os->page == 0 && (align & (align - 1)) == 0);
    if (align <= os->page)
        return mgc_os_reserve(os, size);
    os->reserve_calls++;
    if (os->fail_reserve_at != 0 && os->reserve_calls == os->fail_reserve_at)
        return NULL;                                   /* .os.fault */
    if (size > SIZE_MAX - align)
        return NULL;
    uint8_t *p = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uint8_t *a = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
    if (a > p)
        (void)munmap(p, (size_t)(a - p));
    if (a + size < p + size + align)
        (void)munmap(a + size, (size_t)(p + size + align - (a + size)));
    MGC_AVER(((uintptr_t)a >> 47) == 0);
    return a;
}

bool mgc_os_commit(mgc_os *os, void *p, size_t size)
{
    MGC_AVER((uintptr_t)p % os->page == 0 && size % os->page == 0);
    os->commit_calls++;
    if (os->fail_commit_at != 0 && os->commit_calls == os->fail_commit_at)
        return false;                                  /* .os.fault */
    if (mprotect(p, size, PROT_READ | PROT_WRITE) != 0)
        return false;
#ifdef MADV_POPULATE_WRITE
    /* .os.populate: committed pages are handed out at once (a window is
       zeroed as it is carved), so fault them in with one call instead of
       one page fault each; a kernel without it faults them in on use */
    (void)madvise(p, size, MADV_POPULATE_WRITE);
#endif
    return true;
}

void mgc_os_decommit(mgc_os *os, void *p, size_t size)
{
    MGC_AVER((uintptr_t)p % os->page == 0 && size % os->page == 0);
    if (size == 0)
        return;
    mgc_os_unpoison(p, size);
    (void)madvise(p, size, MADV_DONTNEED);
    (void)mprotect(p, size, PROT_NONE);
}

bool mgc_os_commit_kept(mgc_os *os)
{
    os->commit_calls++;
    return !(os->fail_commit_at != 0 && os->commit_calls == os->fail_commit_at);
}

bool mgc_os_reserve_again(mgc_os *os)
{
    os->reserve_calls++;
    return !(os->fail_reserve_at != 0 && os->reserve_calls == os->fail_reserve_at);
}

void mgc_os_release(mgc_os *os, void *p, size_t size, size_t committed)
{
    (void)os;
    if (!p)
        return;
    /* The shadow must be clean before the range is reused.  Only committed
       pages were ever poisoned (decommit unpoisons); unpoisoning the whole
       reservation would touch shadow memory for every reserved byte, which
       for a huge reservation costs gigabytes of resident memory. */
    mgc_os_unpoison(p, committed);
    (void)munmap(p, size);
}

/* ===================== poisoning (.os.poison) ========================= */

void mgc_os_poison(void *p, size_t size)
{
    if (size == 0)
        return;
#ifdef MGC_ASAN
    ASAN_POISON_MEMORY_REGION(p, size);
#endif
#ifdef MGC_VALGRIND
    (void)VALGRIND_MAKE_MEM_NOACCESS(p, size);
#endif
    (void)p;
}

void mgc_os_unpoison(void *p, size_t size)
{
    if (size == 0)
        return;
#ifdef MGC_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, size);
#endif
#ifdef MGC_VALGRIND
    (void)VALGRIND_MAKE_MEM_DEFINED(p, size);
#endif
    (void)p;
}
