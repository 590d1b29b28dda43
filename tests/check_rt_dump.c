/* check_rt_dump.c -- the SOS-style views (dump.c): each view is captured,
 * parsed line by line and its numbers compared with the heap's own
 * structures and counters, or with hand-worked values. */
#include "check_rt_finutil.h"
#include <stdio.h>

/* ===================== capture and line access ====================== */

typedef struct dump_text {
    char *buf;
    size_t len;
    char **lines;
    size_t nlines;
} dump_text;

static void dump_capture(mgc_heap *heap, mgc_view view, mgc_ref obj, dump_text *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = open_memstream(&t->buf, &t->len);
    ck_assert_ptr_nonnull(f);
    mgc_status st = mgc_dump(heap, view, obj, f);
    fclose(f);
    ck_assert_int_eq(st, MGC_OK);
    size_t cap = 16;
    t->lines = malloc(cap * sizeof *t->lines);
    for (char *p = t->buf, *nl; p && *p; p = nl + 1) {
        nl = strchr(p, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = '\0';
        if (t->nlines == cap)
            t->lines = realloc(t->lines, (cap *= 2) * sizeof *t->lines);
        t->lines[t->nlines++] = p;
    }
}

static void dump_free(dump_text *t)
{
    free(t->lines);
    free(t->buf);
}

/* Index of the first line starting with prefix at or after from; nlines
   if none. */
static size_t dump_find(const dump_text *t, size_t from, const char *prefix)
{
    for (size_t i = from; i < t->nlines; i++)
        if (strncmp(t->lines[i], prefix, strlen(prefix)) == 0)
            return i;
    return t->nlines;
}

static unsigned long long hexdec(const char *s)
{
    unsigned long long h = 0, d = 0;
    ck_assert_msg(sscanf(s, "0x%llx(%llu)", &h, &d) == 2, "not hex(dec): %s", s);
    ck_assert_uint_eq(h, d);
    return h;
}

static unsigned long long after(const dump_text *t, const char *prefix)
{
    size_t i = dump_find(t, 0, prefix);
    ck_assert_msg(i < t->nlines, "no line %s", prefix);
    return hexdec(t->lines[i] + strlen(prefix));
}

/* ===================== eeheap ======================================= */

START_TEST(test_eeheap)
{
    gcf_fin_env *e = gcf_fin_env_new();
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[i]), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);        /* gen2 not empty */
    for (int i = 6; i < 9; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[i]), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);        /* gen1 */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[9]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->bytes, 90000, &e->loc[10]), MGC_OK);
    ck_assert(mgc_is_large(e->heap, e->loc[10]));
    dump_text t;
    dump_capture(e->heap, MGC_VIEW_EEHEAP, NULL, &t);
    ck_assert_str_eq(t.lines[0], "Number of GC Heaps: 1");
    /* generation starts: the generation of known objects begins there */
    const int expect_gen_of[3] = {9, 6, 0};
    for (int g = 0; g < 3; g++) {
        char pre[32];
        snprintf(pre, sizeof pre, "generation %d starts at ", g);
        size_t i = dump_find(&t, 0, pre);
        ck_assert_msg(i < t.nlines, "no %s", pre);
        unsigned long long a = 0;
        size_t segi = 99;
        ck_assert_int_eq(sscanf(t.lines[i] + strlen(pre), "0x%llx (segment %zu)", &a, &segi), 2);
        mgc_segment *s = e->heap->soh;
        for (size_t k = 0; k < segi && s; k++)
            s = s->next;
        ck_assert_ptr_nonnull(s);
        uint8_t *lo, *hi;
        mgc_segment_gen_range(s, g, &lo, &hi);
        ck_assert_uint_eq(a, (uintptr_t)lo);
        ck_assert_int_eq(mgc_generation(e->heap, e->loc[expect_gen_of[g]]), g);
        ck_assert_uint_le(a, (uintptr_t)e->loc[expect_gen_of[g]] - 8);
    }
    /* small object heap rows, one per segment in creation order */
    size_t i = dump_find(&t, 0, "Small object heap");
    ck_assert_uint_lt(i, t.nlines);
    i += 2;
    unsigned long long total = 0;
    size_t nsoh = 0;
    for (mgc_segment *s = e->heap->soh; s; s = s->next, i++, nsoh++) {
        size_t idx;
        unsigned long long b, g1, g0, u, c, r, sz, szd;
        ck_assert_int_eq(sscanf(t.lines[i], " %zu 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx(%llu)",
                                &idx, &b, &g1, &g0, &u, &c, &r, &sz, &szd), 9);
        ck_assert_uint_eq(idx, nsoh);
        ck_assert_uint_eq(b, (uintptr_t)s->base);
        ck_assert_uint_eq(g1, (uintptr_t)s->gen1_start);
        ck_assert_uint_eq(g0, (uintptr_t)s->gen0_start);
        ck_assert_uint_eq(u, (uintptr_t)s->used);
        ck_assert_uint_eq(c, (uintptr_t)s->committed_end);
        ck_assert_uint_eq(r, (uintptr_t)s->reserved_end);
        ck_assert_uint_eq(sz, (uintptr_t)(s->used - s->base));
        ck_assert_uint_eq(szd, sz);
        total += sz;
    }
    ck_assert_uint_ge(nsoh, 1);
    ck_assert_str_eq(t.lines[i], "Large object heap");
    i += 2;
    size_t nloh = 0;
    for (mgc_segment *s = e->heap->loh; s; s = s->next, i++, nloh++) {
        size_t idx;
        unsigned long long b, u, c, r, sz, szd;
        ck_assert_int_eq(sscanf(t.lines[i], " %zu 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx(%llu)",
                                &idx, &b, &u, &c, &r, &sz, &szd), 7);
        ck_assert_uint_eq(b, (uintptr_t)s->base);
        ck_assert_uint_eq(u, (uintptr_t)s->used);
        ck_assert_uint_ge(sz, 90024);
        total += sz;
    }
    ck_assert_uint_eq(nloh, 1);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(after(&t, "Total Size: "), total);
    ck_assert_uint_eq(after(&t, "GC Heap Size: "),
                      st.gen_size[0] + st.gen_size[1] + st.gen_size[2] + st.loh_size);
    ck_assert_uint_eq(after(&t, "Committed: "), st.gc_committed);
    ck_assert_uint_eq(after(&t, "Reserved: "), st.gc_reserved);
    ck_assert_uint_eq(after(&t, "gen0 budget: "), st.budget[0]);
    ck_assert_uint_eq(after(&t, "LOH budget: "), st.budget[3]);
    dump_free(&t);
    gcf_fin_env_free(e);
}
END_TEST

/* ===================== dumpheap -stat =============================== */

typedef struct stat_row { unsigned long long mt; size_t count, size; char name[64]; } stat_row;

static size_t parse_stat_rows(const dump_text *t, size_t i, stat_row *rows, size_t max)
{
    size_t n = 0;
    for (; i < t->nlines && n < max; i++) {
        stat_row r;
        if (sscanf(t->lines[i], "0x%llx %zu %zu %63s", &r.mt, &r.count, &r.size, r.name) != 4)
            break;
        rows[n++] = r;
    }
    return n;
}

/* Sweep-only heap: k1 g g k2 g g g k3 -> two free gaps, 80 + 120 bytes.
   Two CritNode and two Node tie at 80 bytes: by name, CritNode first. */
START_TEST(test_dumpheap_stat)
{
    gcf_fin_env *e = gcf_fin_env_new_cfg(0, MGC_SWEEP_ONLY);
    const int keep[8] = {1, 0, 0, 1, 0, 0, 0, 1};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[i]), MGC_OK);
        if (!keep[i])
            e->loc[i] = NULL;
    }
    gcf_new(e, e->node, 10, 1);
    gcf_new(e, e->node, 11, 2);
    gcf_new(e, e->crit, 12, 3);
    gcf_new(e, e->crit, 13, 4);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    dump_text t;
    dump_capture(e->heap, MGC_VIEW_DUMPHEAP_STAT, NULL, &t);
    ck_assert_str_eq(t.lines[0], "Statistics:");
    stat_row rows[16];
    size_t n = parse_stat_rows(&t, 2, rows, 16);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(rows[0].name, "CritNode");
    ck_assert_uint_eq(rows[0].count, 2);
    ck_assert_uint_eq(rows[0].size, 80);
    ck_assert_uint_eq(rows[0].mt, (uintptr_t)e->crit);
    ck_assert_str_eq(rows[1].name, "Node");
    ck_assert_uint_eq(rows[1].size, 80);
    ck_assert_str_eq(rows[2].name, "Plain");
    ck_assert_uint_eq(rows[2].count, 3);
    ck_assert_uint_eq(rows[2].size, 120);
    ck_assert_str_eq(rows[3].name, "Free");
    ck_assert_uint_eq(rows[3].size, 200);
    ck_assert_uint_ge(rows[3].count, 2);
    ck_assert_uint_le(rows[3].count, 5);
    size_t count = 0, size = 0;
    ck_assert_int_eq(sscanf(t.lines[2 + n], "Total %zu objects, %zu bytes", &count, &size), 2);
    ck_assert_uint_eq(count, 7 + rows[3].count);
    ck_assert_uint_eq(size, 480);
    dump_free(&t);
    gcf_fin_env_free(e);
}
END_TEST

/* ===================== gcroot ======================================= */

/* The root line and the path of gcroot(obj). */
static void gcroot_expect(gcf_fin_env *e, mgc_ref obj, const char *root, size_t pathlen)
{
    dump_text t;
    dump_capture(e->heap, MGC_VIEW_GCROOT, obj, &t);
    ck_assert_uint_ge(t.nlines, 1);
    unsigned long long a = 0;
    ck_assert_int_eq(sscanf(t.lines[0], "gcroot 0x%llx", &a), 1);
    ck_assert_uint_eq(a, (uintptr_t)obj);
    if (!root) {
        ck_assert_str_eq(t.lines[1], "Found 0 roots.");
    } else {
        ck_assert_msg(strcmp(t.lines[1], root) == 0, "root line '%s', want '%s'", t.lines[1], root);
        ck_assert_uint_eq(t.nlines, 3 + pathlen);
        for (size_t k = 0; k < pathlen; k++) {
            const char *l = t.lines[2 + k];
            ck_assert_int_eq(strncmp(l, k ? "  -> 0x" : "  0x", k ? 7 : 4), 0);
        }
        const char *last = t.lines[1 + pathlen];
        const char *hex = strstr(last, "0x");
        ck_assert_int_eq(sscanf(hex, "0x%llx", &a), 1);
        ck_assert_uint_eq(a, (uintptr_t)obj);
        ck_assert_str_eq(t.lines[2 + pathlen], "Found 1 root.");
    }
    dump_free(&t);
}

START_TEST(test_gcroot_kinds)
{
    gcf_fin_env *e = gcf_fin_env_new();
    char want[128];
    /* local: loc[3] -> a -> b */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[3]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[4]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[5]), MGC_OK);
    mgc_store(e->heap, e->loc[3], 0, e->loc[4]);
    mgc_store(e->heap, e->loc[4], 1, e->loc[5]);
    mgc_ref b = e->loc[5];
    e->loc[4] = e->loc[5] = NULL;
    gcroot_expect(e, b, "Root: local thread 0 slot 3", 3);
    /* static s5 directly: shorter than the local path */
    ck_assert_int_eq(mgc_static_set(e->heap, 5, b), MGC_OK);
    gcroot_expect(e, b, "Root: static s5", 1);
    /* a local holding it directly comes first in root order */
    e->loc[7] = b;
    gcroot_expect(e, b, "Root: local thread 0 slot 7", 1);
    e->loc[7] = NULL;
    ck_assert_int_eq(mgc_static_set(e->heap, 5, NULL), MGC_OK);
    e->loc[3] = NULL;
    /* handles */
    mgc_handle hs, hp, hw;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK, b, &hw), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_PINNED, b, &hp), MGC_OK);
    snprintf(want, sizeof want, "Root: handle pinned 0x%08x", (unsigned)hp);
    gcroot_expect(e, b, want, 1);
    ck_assert_int_eq(mgc_handle_free(e->heap, hp), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG, b, &hs), MGC_OK);
    snprintf(want, sizeof want, "Root: handle strong 0x%08x", (unsigned)hs);
    gcroot_expect(e, b, want, 1);
    ck_assert_int_eq(mgc_handle_free(e->heap, hs), MGC_OK);
    /* only a weak handle: no root (gen0: nothing older points at it) */
    gcroot_expect(e, b, NULL, 0);
    ck_assert_int_eq(mgc_handle_free(e->heap, hw), MGC_OK);
    /* f-reachable: a finalizable garbage node and what it references */
    gcf_new(e, e->node, 0, 1);
    gcf_new(e, e->crit, 1, 2);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[2]), MGC_OK);
    mgc_store(e->heap, e->loc[0], 0, e->loc[2]);
    mgc_handle h0, h1, h2;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, e->loc[0], &h0), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, e->loc[1], &h1), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, e->loc[2], &h2), MGC_OK);
    e->loc[0] = e->loc[1] = e->loc[2] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_ref n0, c1, p2;
    mgc_handle_get(e->heap, h0, &n0);
    mgc_handle_get(e->heap, h1, &c1);
    mgc_handle_get(e->heap, h2, &p2);
    gcroot_expect(e, n0, "Root: f-reachable normal", 1);
    gcroot_expect(e, p2, "Root: f-reachable normal", 2);
    gcroot_expect(e, c1, "Root: f-reachable critical", 1);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    mgc_handle_free(e->heap, h0);
    mgc_handle_free(e->heap, h1);
    mgc_handle_free(e->heap, h2);
    /* older generation: o (gen1, no root) -> y (gen0) */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[8]), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[9]), MGC_OK);
    mgc_store(e->heap, e->loc[8], 0, e->loc[9]);
    mgc_ref o = e->loc[8], y = e->loc[9];
    e->loc[8] = e->loc[9] = NULL;
    ck_assert_int_eq(mgc_generation(e->heap, o), 1);
    snprintf(want, sizeof want, "Root: older-generation object 0x%016llx (gen1, card)",
             (unsigned long long)(uintptr_t)o);
    gcroot_expect(e, y, want, 2);
    /* the old object itself has no root */
    gcroot_expect(e, o, NULL, 0);
    /* not an object */
    FILE *f = fopen("/dev/null", "w");
    ck_assert_int_eq(mgc_dump(e->heap, MGC_VIEW_GCROOT, (uint8_t *)y + 8, f), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_dump(e->heap, MGC_VIEW_GCROOT, NULL, f), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_dump(e->heap, (mgc_view)99, NULL, f), MGC_E_BAD_ARG);
    fclose(f);
    gcf_fin_env_free(e);
}
END_TEST

/* gcroot from inside a finalizer names the drain's root slot. */
typedef struct finroot_ctx { char line[160]; bool ran; } finroot_ctx;

static void finroot_finalizer(mgc_heap *heap, mgc_ref *self, void *vctx)
{
    finroot_ctx *c = vctx;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (mgc_dump(heap, MGC_VIEW_GCROOT, *self, f) != MGC_OK)
        strcpy(c->line, "dump failed");
    fclose(f);
    char *nl = buf ? strchr(buf, '\n') : NULL;
    if (nl) {
        char *l2 = nl + 1;
        char *nl2 = strchr(l2, '\n');
        if (nl2)
            *nl2 = '\0';
        snprintf(c->line, sizeof c->line, "%s", l2);
    }
    free(buf);
    c->ran = true;
}

START_TEST(test_gcroot_finalizing)
{
    gcf_fin_env *e = gcf_fin_env_new();
    finroot_ctx c;
    memset(&c, 0, sizeof c);
    mgc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "Probe";
    d.kind = MGC_KIND_FIXED;
    d.size = 24;
    d.nrefs = 1;
    d.finalizer = finroot_finalizer;
    d.finalizer_ctx = &c;
    const mgc_type *probe;
    ck_assert_int_eq(mgc_type_register(e->heap, &d, &probe), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, probe, 0, &e->loc[0]), MGC_OK);
    e->loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    ck_assert(c.ran);
    ck_assert_str_eq(c.line, "Root: finalizing");
    gcf_fin_env_free(e);
}
END_TEST

/* ===================== finalizequeue ================================ */

START_TEST(test_finalizequeue)
{
    gcf_fin_env *e = gcf_fin_env_new();
    gcf_new(e, e->node, 0, 1);                       /* -> gen1, kept */
    ck_assert_int_eq(mgc_reregister_for_finalize(e->heap, e->loc[0]), MGC_OK);  /* 2 entries */
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    gcf_new(e, e->node, 1, 2);                       /* gen0, kept */
    gcf_new(e, e->node, 2, 3);                       /* garbage */
    gcf_new(e, e->node, 3, 4);                       /* garbage */
    gcf_new(e, e->crit, 4, 5);                       /* garbage */
    gcf_new(e, e->crit, 5, 6);                       /* kept */
    e->loc[2] = e->loc[3] = e->loc[4] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    gcf_new(e, e->node, 6, 7);                       /* gen0 */
    /* partitions: gen0 {7}, gen1 {1, 1, 2, 6}, gen2 {}; f-reachable 3, 4 | 5 */
    dump_text t;
    dump_capture(e->heap, MGC_VIEW_FINALIZEQUEUE, NULL, &t);
    const size_t want_part[3] = {1, 4, 0};
    for (int g = 0; g < 3; g++) {
        char l[64];
        snprintf(l, sizeof l, "generation %d has %zu finalizable objects", g, want_part[g]);
        ck_assert_str_eq(t.lines[g], l);
    }
    ck_assert_str_eq(t.lines[3], "Ready for finalization 3 objects (normal 2, critical 1)");
    ck_assert_str_eq(t.lines[4], "f-reachable normal: 2");
    /* printed in take order (.fin.take): the scan met 4 before 3, so the
       segment was [3, 4]; registering 7 moved its first entry to its end */
    for (size_t k = 0; k < 2; k++) {
        unsigned long long a;
        char name[32];
        ck_assert_int_eq(sscanf(t.lines[5 + k], " 0x%llx %31s", &a, name), 2);
        ck_assert_uint_eq(a, (uintptr_t)mgc_finq_seg_get(e->heap, MGC_FSEG_NORMAL, 1 - k));
        ck_assert_uint_eq(gcf_get_id((mgc_ref)(uintptr_t)a), 3 + k);
        ck_assert_str_eq(name, "Node");
    }
    ck_assert_str_eq(t.lines[7], "f-reachable critical: 1");
    unsigned long long a;
    ck_assert_int_eq(sscanf(t.lines[8], " 0x%llx", &a), 1);
    ck_assert_uint_eq(gcf_get_id((mgc_ref)(uintptr_t)a), 5);
    size_t i = dump_find(&t, 0, "Statistics for all finalizable objects");
    ck_assert_uint_eq(i, 9);
    stat_row rows[8];
    size_t n = parse_stat_rows(&t, i + 2, rows, 8);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(rows[0].name, "CritNode");      /* 2 x 40 */
    ck_assert_uint_eq(rows[0].count, 2);
    ck_assert_uint_eq(rows[0].size, 80);
    ck_assert_str_eq(rows[1].name, "Node");          /* 6 entries x 40 */
    ck_assert_uint_eq(rows[1].count, 6);
    ck_assert_uint_eq(rows[1].size, 240);
    ck_assert_str_eq(t.lines[i + 2 + n], "Total 8 objects");
    dump_free(&t);
    ck_assert_int_eq(mgc_run_finalizers(e->heap, 0), MGC_OK);
    gcf_fin_env_free(e);
}
END_TEST

/* ===================== memory map =================================== */

static unsigned long long parse_two(const char *l, const char *name, unsigned long long *committed)
{
    ck_assert_msg(strncmp(l, name, strlen(name)) == 0, "line '%s', want '%s'", l, name);
    const char *p = l + strlen(name);
    while (*p == ' ')
        p++;
    unsigned long long r, rd, c, cd;
    ck_assert_int_eq(sscanf(p, "0x%llx(%llu) 0x%llx(%llu)", &r, &rd, &c, &cd), 4);
    ck_assert_uint_eq(r, rd);
    ck_assert_uint_eq(c, cd);
    ck_assert_uint_le(c, r);
    *committed = c;
    return r;
}

START_TEST(test_memmap)
{
    gcf_fin_env *e = gcf_fin_env_new();
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[i]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->bytes, 100000, &e->loc[4]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->bytes, 200000, &e->loc[5]), MGC_OK);
    dump_text t;
    dump_capture(e->heap, MGC_VIEW_MEMMAP, NULL, &t);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    unsigned long long c, r;
    size_t i = 1;
    r = parse_two(t.lines[i++], "GC heap", &c);
    ck_assert_uint_eq(r, st.gc_reserved);
    ck_assert_uint_eq(c, st.gc_committed);
    unsigned long long seg_r = 0, seg_c = 0;
    size_t nsoh = 0, nloh = 0;
    for (mgc_segment *s = e->heap->soh; s; s = s->next, nsoh++) {
        char name[32];
        snprintf(name, sizeof name, "  soh segment %zu", nsoh);
        unsigned long long sc, sr = parse_two(t.lines[i++], name, &sc);
        ck_assert_uint_eq(sr, (uintptr_t)(s->reserved_end - s->base));
        seg_r += sr;
        seg_c += sc;
    }
    for (mgc_segment *s = e->heap->loh; s; s = s->next, nloh++) {
        char name[32];
        snprintf(name, sizeof name, "  loh segment %zu", nloh);
        unsigned long long sc, sr = parse_two(t.lines[i++], name, &sc);
        ck_assert_uint_eq(sc, (uintptr_t)(s->committed_end - s->base));
        seg_r += sr;
        seg_c += sc;
    }
    ck_assert_uint_ge(nloh, 1);
    size_t nspare = 0;
    for (mgc_segment *s = e->heap->spare; s; s = s->next, nspare++) {
        char name[32];
        snprintf(name, sizeof name, "  spare segment %zu", nspare);
        unsigned long long sc, sr = parse_two(t.lines[i++], name, &sc);
        seg_r += sr;
        seg_c += sc;
    }
    ck_assert_uint_le(seg_r, st.gc_reserved);
    ck_assert_uint_le(seg_c, st.gc_committed);
    unsigned long long lr = parse_two(t.lines[i++], "Loader heaps", &c);
    ck_assert_uint_eq(lr, st.loader_reserved);
    ck_assert_uint_eq(c, st.loader_committed);
    unsigned long long hc, lc;
    unsigned long long hr = parse_two(t.lines[i++], "  loader high-frequency", &hc);
    unsigned long long lfr = parse_two(t.lines[i++], "  loader low-frequency", &lc);
    ck_assert_uint_eq(hr + lfr, st.loader_reserved);
    ck_assert_uint_eq(hc + lc, st.loader_committed);
    ck_assert_uint_gt(hc, 0);
    unsigned long long tc, tr = parse_two(t.lines[i++], "Total", &tc);
    ck_assert_uint_eq(tr, st.gc_reserved + st.loader_reserved);
    ck_assert_uint_eq(tc, st.gc_committed + st.loader_committed);
    ck_assert_uint_eq(i, t.nlines);
    dump_free(&t);
    gcf_fin_env_free(e);
}
END_TEST

Suite *make_dump_suite(void)
{
    Suite *s = suite_create("dump");
    TCase *tc = tcase_create("dump");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_eeheap);
    tcase_add_test(tc, test_dumpheap_stat);
    tcase_add_test(tc, test_gcroot_kinds);
    tcase_add_test(tc, test_gcroot_finalizing);
    tcase_add_test(tc, test_finalizequeue);
    tcase_add_test(tc, test_memmap);
    suite_add_tcase(s, tc);
    return s;
}
