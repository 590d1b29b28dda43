/* check_rt_loh.c -- the large object heap: free-list reuse, coalescing,
 * sweeping, one-shot compaction. */
#include "check_rt_core.h"

typedef struct loh_free_list {
    size_t n;
    mgc_ref obj[16];
    size_t size[16];
} loh_free_list;

static bool loh_free_fn(const mgc_object_info *info, void *ctx)
{
    loh_free_list *l = ctx;
    if (info->large && info->free && l->n < 16) {
        l->obj[l->n] = info->obj;
        l->size[l->n++] = info->size;
    }
    return true;
}

static loh_free_list loh_frees(mgc_heap *h)
{
    loh_free_list l;
    memset(&l, 0, sizeof l);
    mgc_walk(h, MGC_WALK_FREE, loh_free_fn, &l);
    return l;
}

START_TEST(test_loh_reuse_and_coalesce)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    mgc_ref r[5] = { NULL, NULL, NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 5), MGC_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mgc_alloc(h, 0, blob, 100000, &r[i]), MGC_OK);   /* 100024 bytes each */
    /* allocated in address order in one segment */
    for (int i = 1; i < 4; i++)
        ck_assert_ptr_eq(r[i], (uint8_t *)r[i - 1] + 100024);
    mgc_ref a = r[0], b = r[1], d = r[3];
    memset(mgc_payload(d, NULL), 0x77, 100000);
    r[0] = NULL;
    r[1] = NULL;                          /* two adjacent dead blocks */
    ck_assert_int_eq(mgc_collect(h, 1, 0), MGC_OK);
    ck_assert_uint_eq(loh_frees(h).n, 0); /* gen1 GCs leave the LOH alone */
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    loh_free_list l = loh_frees(h);
    ck_assert_uint_eq(l.n, 1);            /* coalesced into one block */
    ck_assert_ptr_eq(l.obj[0], a);
    ck_assert_uint_eq(l.size[0], 2 * 100024);
    gcf_core_verify(h);
    /* first fit reuses the block: a 150000-byte array lands at a's address,
       the rest stays free */
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 150000, &r[0]), MGC_OK);
    ck_assert_ptr_eq(r[0], a);
    l = loh_frees(h);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_uint_eq(l.size[0], 2 * 100024 - 150024);
    /* freeing it again coalesces with the remainder */
    r[0] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    l = loh_frees(h);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_uint_eq(l.size[0], 2 * 100024);
    /* free the third: the block grows to three objects */
    r[2] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    l = loh_frees(h);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_uint_eq(l.size[0], 3 * 100024);
    ck_assert_ptr_eq(r[3], d);            /* large objects never move */
    uint8_t *p = mgc_payload(r[3], NULL);
    for (int i = 0; i < 100000; i += 999)
        ck_assert_uint_eq(p[i], 0x77);
    (void)b;
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

START_TEST(test_loh_compaction_once)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    const mgc_type *node = gcf_core_fixed(h, "Node", 24, 1);
    mgc_ref r[4] = { NULL, NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, r, 4), MGC_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(mgc_alloc(h, 0, blob, 90000, &r[i]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r[3]), MGC_OK);
    mgc_store(h, r[3], 0, r[2]);          /* a small object refers to the large one */
    mgc_ref first = r[0];
    memset(mgc_payload(r[2], NULL), 0x31, 90000);
    r[0] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_uint_eq(loh_frees(h).n, 1);
    ck_assert_int_eq(mgc_collect(h, 2, MGC_COLLECT_COMPACT_LOH), MGC_OK);
    ck_assert_uint_eq(loh_frees(h).n, 0);
    ck_assert_ptr_eq(r[1], first);        /* slid down */
    ck_assert_ptr_eq(r[2], (uint8_t *)first + mgc_object_size(r[1]));
    ck_assert_ptr_eq(mgc_load(h, r[3], 0), r[2]);   /* the reference followed */
    uint8_t *p = mgc_payload(r[2], NULL);
    for (int i = 0; i < 90000; i += 101)
        ck_assert_uint_eq(p[i], 0x31);
    ck_assert(mgc_is_large(h, r[2]));
    /* used once: the next gen2 GC does not compact */
    r[1] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_uint_eq(loh_frees(h).n, 1);
    ck_assert_int_eq(mgc_collect(h, 0, MGC_COLLECT_COMPACT_LOH), MGC_OK);   /* ignored below gen2 */
    ck_assert_uint_eq(loh_frees(h).n, 1);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

Suite *make_loh_suite(void)
{
    Suite *s = suite_create("loh");
    TCase *tc = tcase_create("loh");
    tcase_add_test(tc, test_loh_reuse_and_coalesce);
    tcase_add_test(tc, test_loh_compaction_once);
    suite_add_tcase(s, tc);
    return s;
}
