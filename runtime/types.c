/* types.c -- type descriptors and object accessors.
 *
 * A type is split as CoreCLR splits MethodTable and EEClass: the hot part
 * (struct mgc_type: kind, size, reference slots) lives in the high-frequency
 * loader heap, the cold part (name, finalizer) in the low-frequency one.
 * .obj.layout: an object is a header word, a type pointer (where mgc_ref
 * points), then fields; arrays keep their length in the word after the type
 * pointer.  Minimum 24 bytes, 8-aligned.
 * .obj.free: free space inside segments is a "free object" of the internal
 * free type (a byte array whose length covers the gap) so every segment can
 * be walked object by object.
 */
#include "internal.h"
#include <string.h>

bool mgc_type_check(const mgc_heap *heap, const mgc_type *t)
{
    if (!t || ((uintptr_t)t & 7u) != 0 || !mgc_loader_contains(&heap->hf, t))
        return false;
    if (t->sig != MGC_SIG_TYPE)
        return false;
    switch (t->kind) {
    case MGC_KIND_FIXED:
        return t->size >= MGC_MIN_OBJ && 16u + (size_t)t->nrefs * 8u <= t->size;
    case MGC_KIND_BYTE_ARRAY:
        return t->elem == 1;
    case MGC_KIND_REF_ARRAY:
        return t->elem == 8;
    }
    return false;
}

static mgc_status type_make(mgc_heap *heap, const mgc_type_desc *d, bool is_free, const mgc_type **out)
{
    mgc_type *t = mgc_loader_alloc(&heap->hf, &heap->os, sizeof *t);
    mgc_type_class *c = mgc_loader_alloc(&heap->lf, &heap->os, sizeof *c);
    const char *name = d->name ? d->name : "";
    char *nm = c ? mgc_loader_alloc(&heap->lf, &heap->os, strlen(name) + 1) : NULL;
    if (!t || !c || !nm)
        return MGC_E_OOM;
    memcpy(nm, name, strlen(name) + 1);
    c->name = nm;
    c->finalizer = d->finalizer;
    c->finalizer_ctx = d->finalizer_ctx;
    c->critical = d->critical;
    t->sig = MGC_SIG_TYPE;
    t->id = is_free ? 0 : ++heap->ntypes;
    t->kind = d->kind;
    t->size = d->kind == MGC_KIND_FIXED ? d->size : MGC_ARRAY_BASE;
    t->elem = d->kind == MGC_KIND_BYTE_ARRAY ? 1 : d->kind == MGC_KIND_REF_ARRAY ? 8 : 0;
    t->nrefs = d->kind == MGC_KIND_FIXED ? d->nrefs : 0;
    t->has_finalizer = d->finalizer != NULL;
    t->is_free = is_free;
    t->fast_size = d->kind == MGC_KIND_FIXED && !t->has_finalizer && !is_free ? mgc_align8(d->size) : 0;
    t->cls = c;
    *out = t;
    return MGC_OK;
}

mgc_status mgc_types_init(mgc_heap *heap)
{
    mgc_type_desc d = { .name = "Free", .kind = MGC_KIND_BYTE_ARRAY };
    return type_make(heap, &d, true, &heap->free_type);
}

mgc_status mgc_type_register(mgc_heap *heap, const mgc_type_desc *desc, const mgc_type **out)
{
    MGC_AVER(mgc_heap_check(heap));
    if (out)
        *out = NULL;
    if (!desc || !out)
        return MGC_E_BAD_ARG;
    switch (desc->kind) {
    case MGC_KIND_FIXED:
        /* No upper bound on the declared size: a type too big for any
           segment (above MGC_MAX_OBJECT) is still a valid type, as with
           arrays; each allocation of it takes the large-object path and
           fails with MGC_E_OOM after one out-of-memory collection
           (.dec.oom, .dec.oom-size).  Refusing it here made valid
           programs (format: sizes up to 2^40) fail at setup. */
        if (desc->size < MGC_MIN_OBJ || desc->nrefs > (desc->size - 16u) / 8u)
            return MGC_E_BAD_ARG;
        break;
    case MGC_KIND_BYTE_ARRAY:
    case MGC_KIND_REF_ARRAY:
        if (desc->finalizer)
            return MGC_E_BAD_ARG;
        break;
    default:
        return MGC_E_BAD_ARG;
    }
    mgc_heap_lock(heap);
    mgc_status st = type_make(heap, desc, false, out);
    mgc_heap_unlock(heap);
    return st;
}

const char *mgc_type_name(const mgc_type *t)
{
    return t ? t->cls->name : NULL;
}

size_t mgc_type_raw_size(const mgc_type *t, size_t length)
{
    if (t->kind == MGC_KIND_FIXED)
        return t->size;
    /* saturating: a size that does not fit is "too big for any heap" and
       goes through the large-object path to MGC_E_OOM (.dec.oom) */
    if (length > (SIZE_MAX - 64u) / t->elem)
        return SIZE_MAX & ~(size_t)7u;
    return MGC_ARRAY_BASE + length * t->elem;
}

size_t mgc_type_instance_size(const mgc_type *t, size_t length)
{
    MGC_AVER(t && t->sig == MGC_SIG_TYPE);
    size_t raw = mgc_type_raw_size(t, length);
    return raw > SIZE_MAX - 7u ? SIZE_MAX & ~(size_t)7u : mgc_align8(raw);
}

/* ===================== object accessors ============================== */

size_t mgc_ref_count(mgc_ref obj)
{
    MGC_AVER(obj != NULL);
    return mgc_obj_nslots(obj);
}

const mgc_type *mgc_type_of(mgc_ref obj)
{
    MGC_AVER(obj != NULL);
    return mgc_obj_type(obj);
}

size_t mgc_object_size(mgc_ref obj)
{
    MGC_AVER(obj != NULL);
    return mgc_obj_size(obj);
}

size_t mgc_array_length(mgc_ref obj)
{
    MGC_AVER(obj != NULL);
    return mgc_obj_type(obj)->kind == MGC_KIND_FIXED ? 0 : mgc_obj_length(obj);
}

uint8_t *mgc_payload(mgc_ref obj, size_t *len)
{
    MGC_AVER(obj != NULL);
    size_t n;
    uint8_t *p = mgc_obj_payload(obj, &n);
    if (len)
        *len = n;
    return p;
}

mgc_ref mgc_load(mgc_heap *heap, mgc_ref obj, size_t i)
{
    MGC_AVER(obj != NULL && i < mgc_obj_nslots(obj));
    (void)heap;
    return mgc_obj_slots(obj)[i];
}

void mgc_make_free(mgc_heap *heap, uint8_t *p, size_t size)
{
    MGC_AVER(size >= MGC_MIN_OBJ && size % 8 == 0);
    mgc_os_unpoison(p, MGC_MIN_OBJ);
    uint64_t *w = (uint64_t *)p;
    w[0] = 0;
    w[1] = (uint64_t)(uintptr_t)heap->free_type;
    w[2] = size - MGC_ARRAY_BASE;
    mgc_os_poison(p + MGC_MIN_OBJ, size - MGC_MIN_OBJ);
}
