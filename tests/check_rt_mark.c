/* check_rt_mark.c -- marking at scale and mark-stack overflow recovery
 * (.mark.overflow): a chain of a million objects (no recursion, any stack
 * size), a reference array wider than the default mark stack, old-to-young
 * references found through the cards, each with the default stack and with
 * a stack of one entry.  Every survivor's payload is checked after every
 * collection, and what is unreachable must be gone. */
#include "check_rt_core.h"
#include <stdio.h>

/* The full scale in optimized builds; under memcheck, and with assertion
   level 2 or more (every store checks that both ends are objects, a walk of
   gen0), a scale that still finishes in seconds. */
static bool small_scale(void)
{
#if MGC_ASSERT_LEVEL >= 2
    return true;
#else
    return gcf_under_valgrind();
#endif
}

static size_t chain_len(void)
{
    return small_scale() ? 5000u : 1000000u;
}

static void put_index(mgc_ref obj, uint64_t v)
{
    size_t len;
    uint8_t *p = mgc_payload(obj, &len);
    if (len < 8)
        ck_abort_msg("payload of %zu bytes", len);
    memcpy(p, &v, 8);
}

static uint64_t get_index(mgc_ref obj)
{
    size_t len;
    uint8_t *p = mgc_payload(obj, &len);
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t overflows(mgc_heap *h)
{
    mgc_stats st;
    mgc_get_stats(h, &st);
    return st.mark_overflows;
}

/* The chain from *head holds n nodes with payloads n-1 .. 0.  (Loops over
   a million objects test first and assert once: every ck_assert costs a
   write.) */
static void check_chain(mgc_heap *h, mgc_ref head, size_t n)
{
    size_t k = 0;
    for (mgc_ref o = head; o; o = mgc_load(h, o, 0), k++)
        if (get_index(o) != n - 1 - k)
            ck_abort_msg("node %zu holds %llu", k, (unsigned long long)get_index(o));
    ck_assert_uint_eq(k, n);
}

static void deep_chain(size_t stack_entries)
{
    mgc_config cfg = gcf_core_config();
    cfg.mark_stack_entries = stack_entries;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 32, 1);   /* 1 ref, 16 payload bytes */
    mgc_ref loc[2] = { NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, loc, 2), MGC_OK);
    size_t n = chain_len();
    for (size_t i = 0; i < n; i++) {
        if (mgc_alloc(h, 0, node, 0, &loc[1]) != MGC_OK)
            ck_abort_msg("allocation %zu failed", i);
        put_index(loc[1], i);
        mgc_store(h, loc[1], 0, loc[0]);
        loc[0] = loc[1];
    }
    loc[1] = NULL;
    /* a few million bytes of garbage between the nodes' segments */
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(mgc_alloc(h, 0, blob, 4000, &loc[1]), MGC_OK);
    loc[1] = NULL;
    for (int g = 0; g <= 2; g++) {
        ck_assert_int_eq(mgc_collect(h, g, 0), MGC_OK);
        check_chain(h, loc[0], n);
        ck_assert_uint_eq(gcf_core_walk(h).objects, n);
    }
    gcf_core_verify(h);
    /* the tail half dies */
    mgc_ref mid = loc[0];
    for (size_t k = 0; k + 1 < n / 2; k++)
        mid = mgc_load(h, mid, 0);
    mgc_store(h, mid, 0, NULL);
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_uint_eq(gcf_core_walk(h).objects, n / 2);
    loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_uint_eq(gcf_core_walk(h).objects, 0);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}

START_TEST(test_deep_chain)
{
    deep_chain(0);
}
END_TEST

START_TEST(test_deep_chain_tiny_stack)
{
    deep_chain(1);
}
END_TEST

/* A reference array wider than the default stack (65536 entries): every
   element a node with a small chain behind it.  Collections of every
   generation, then old-to-young references through the cards. */
static void wide_array(size_t stack_entries, bool expect_overflow)
{
    mgc_config cfg = gcf_core_config();
    cfg.mark_stack_entries = stack_entries;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 32, 1);
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    mgc_ref loc[3] = { NULL, NULL, NULL };
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, loc, 3), MGC_OK);
    size_t w = small_scale() ? 2000u : 200000u;
    ck_assert_int_eq(mgc_alloc(h, 0, refs, w, &loc[0]), MGC_OK);
    for (size_t i = 0; i < w; i++) {
        if (mgc_alloc(h, 0, node, 0, &loc[1]) != MGC_OK || mgc_alloc(h, 0, node, 0, &loc[2]) != MGC_OK)
            ck_abort_msg("allocation %zu failed", i);
        put_index(loc[1], i);
        put_index(loc[2], w + i);
        mgc_store(h, loc[1], 0, loc[2]);
        if (i % 3 != 2)                      /* every third element dies */
            mgc_store(h, loc[0], i, loc[1]);
    }
    loc[1] = loc[2] = NULL;
    size_t live = 1 + 2 * (w - w / 3);
    uint64_t before = overflows(h);
    for (int g = 0; g <= 2; g++) {
        ck_assert_int_eq(mgc_collect(h, g, 0), MGC_OK);
        ck_assert_uint_eq(gcf_core_walk(h).objects, live);
        for (size_t i = 0; i < w; i++) {
            mgc_ref e = mgc_load(h, loc[0], i);
            if (i % 3 == 2 ? e != NULL
                           : !e || get_index(e) != i || get_index(mgc_load(h, e, 0)) != w + i)
                ck_abort_msg("gen%d collection: element %zu wrong", g, i);
        }
    }
    gcf_core_verify(h);
    if (expect_overflow)
        ck_assert_uint_gt(overflows(h), before);
    /* the array and its nodes are in gen2: new young nodes reachable only
       through its cards */
    for (size_t i = 0; i < w; i += 3) {
        if (mgc_alloc(h, 0, node, 0, &loc[1]) != MGC_OK)
            ck_abort_msg("allocation %zu failed", i);
        put_index(loc[1], 2 * w + i);
        mgc_store(h, loc[0], i + 2 < w ? i + 2 : i, loc[1]);
    }
    loc[1] = NULL;
    before = overflows(h);
    ck_assert_int_eq(mgc_collect(h, 0, 0), MGC_OK);
    gcf_core_verify(h);
    for (size_t i = 0; i < w; i += 3) {
        mgc_ref e = mgc_load(h, loc[0], i + 2 < w ? i + 2 : i);
        if (!e || get_index(e) != 2 * w + i || mgc_generation(h, e) != 1)
            ck_abort_msg("young element %zu lost through the cards", i);
    }
    if (expect_overflow && stack_entries == 1)
        ck_assert_uint_gt(overflows(h), before);
    loc[0] = NULL;
    ck_assert_int_eq(mgc_collect(h, 2, 0), MGC_OK);
    ck_assert_uint_eq(gcf_core_walk(h).objects, 0);
    mgc_heap_destroy(h);
}

START_TEST(test_wide_array)
{
    wide_array(0, !small_scale());
}
END_TEST

START_TEST(test_wide_array_tiny_stack)
{
    wide_array(1, true);
}
END_TEST

Suite *make_mark_suite(void)
{
    Suite *s = suite_create("mark");
    TCase *tc = tcase_create("scale");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_deep_chain);
    tcase_add_test(tc, test_deep_chain_tiny_stack);
    tcase_add_test(tc, test_wide_array);
    tcase_add_test(tc, test_wide_array_tiny_stack);
    suite_add_tcase(s, tc);
    return s;
}
