/* loader_heap.c -- loader heaps for type descriptors.
 *
 * As CoreCLR's LoaderHeap: a loader heap reserves 64 KiB blocks of address
 * space (.policy.loader) and commits them one page at a time as descriptors
 * are carved out; memory is never given back before the heap is destroyed.
 * The runtime keeps two: a high-frequency heap (the hot mgc_type records
 * every allocation reads) and a low-frequency heap (names, finalizers).
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

bool mgc_loader_check(const mgc_loader_heap *lh)
{
    if (!lh || lh->sig != MGC_SIG_LOADER)
        return false;
    for (const mgc_loader_block *b = lh->blocks; b; b = b->next)
        if (!(b->base <= b->used && b->used <= b->committed_end && b->committed_end <= b->reserved_end))
            return false;
    return true;
}

void mgc_loader_init(mgc_loader_heap *lh, const char *name)
{
    memset(lh, 0, sizeof *lh);
    lh->sig = MGC_SIG_LOADER;
    lh->name = name;
}

static void release_list(mgc_loader_block *b, mgc_os *os)
{
    while (b) {
        mgc_loader_block *n = b->next;
        mgc_os_release(os, b->base, (size_t)(b->reserved_end - b->base),
                       (size_t)(b->rw_end - b->base));
        free(b);
        b = n;
    }
}

void mgc_loader_destroy(mgc_loader_heap *lh, mgc_os *os)
{
    release_list(lh->blocks, os);
    release_list(lh->pool, os);
    lh->blocks = lh->pool = NULL;
    lh->reserved = lh->committed = 0;
}

/* .heap.reset: blocks are kept oldest first, so a reset heap takes them
   again in the order a fresh heap would have reserved them; kept blocks
   this run did not take are released.  .heap.keep: their pages stay
   read/write (poisoned until committed again). */
void mgc_loader_reset(mgc_loader_heap *lh, mgc_os *os)
{
    mgc_loader_block *old = NULL;
    while (lh->blocks) {                       /* newest first: reverse */
        mgc_loader_block *b = lh->blocks;
        lh->blocks = b->next;
        mgc_os_poison(b->base, (size_t)(b->rw_end - b->base));
        b->used = b->committed_end = b->base;
        b->next = old;
        old = b;
    }
    release_list(lh->pool, os);                /* not taken by this run */
    lh->pool = old;
    lh->reserved = lh->committed = 0;
}

static mgc_loader_block *loader_new_block(mgc_loader_heap *lh, mgc_os *os, size_t need)
{
    size_t size = mgc_policy_loader_reserve();
    if (size < need)
        size = (need + os->page - 1) / os->page * os->page;
    mgc_loader_block *b = NULL;
    for (mgc_loader_block **pp = &lh->pool; *pp; pp = &(*pp)->next)
        if ((size_t)((*pp)->reserved_end - (*pp)->base) == size) {
            if (!mgc_os_reserve_again(os))
                return NULL;                   /* .os.fault, as a fresh reserve */
            b = *pp;
            *pp = b->next;
            break;
        }
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b)
            return NULL;
        b->base = mgc_os_reserve(os, size);
        if (!b->base) {
            free(b);
            return NULL;
        }
        b->rw_end = b->base;
    }
    b->used = b->committed_end = b->base;
    b->reserved_end = b->base + size;
    b->next = lh->blocks;
    lh->blocks = b;
    lh->reserved += size;
    return b;
}

void *mgc_loader_alloc(mgc_loader_heap *lh, mgc_os *os, size_t size)
{
    MGC_AVER(mgc_loader_check(lh));
    size = mgc_align8(size);
    mgc_loader_block *b = lh->blocks;
    if (!b || (size_t)(b->reserved_end - b->used) < size) {
        b = loader_new_block(lh, os, size);
        if (!b)
            return NULL;
    }
    /* commit a page at a time */
    while ((size_t)(b->committed_end - b->used) < size) {
        if (b->committed_end < b->rw_end) {            /* .heap.keep */
            if (!mgc_os_commit_kept(os))
                return NULL;
            mgc_os_unpoison(b->committed_end, os->page);
        } else {
            if (!mgc_os_commit(os, b->committed_end, os->page))
                return NULL;
            b->rw_end = b->committed_end + os->page;
        }
        b->committed_end += os->page;
        lh->committed += os->page;
    }
    void *p = b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

bool mgc_loader_contains(const mgc_loader_heap *lh, const void *p)
{
    const uint8_t *q = p;
    for (const mgc_loader_block *b = lh->blocks; b; b = b->next)
        if (q >= b->base && q < b->used)
            return true;
    return false;
}
