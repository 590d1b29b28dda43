/* check_rt_alloc.c -- allocation: fast and slow paths, contexts, the LOH
 * boundary, budget triggers, out of memory, loader heaps. */
#include "check_rt_core.h"
#include <stdint.h>

/* Fast path: consecutive allocations in one window are adjacent; the slow
   path starts new windows; every object is zeroed, walkable and gen0. */
START_TEST(test_fast_and_slow_paths)
{
    mgc_config cfg = gcf_core_config();
    cfg.segment_size = 64u * 1024u;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 40, 2);   /* aligned to 40 */
    enum { N = 2000 };
    static mgc_ref objs[N];
    size_t adjacent = 0, jumps = 0;
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &objs[i]), MGC_OK);
        ck_assert_ptr_nonnull(objs[i]);
        ck_assert_uint_eq(mgc_object_size(objs[i]), 40);
        ck_assert_ptr_eq(mgc_load(h, objs[i], 0), NULL);
        ck_assert_ptr_eq(mgc_load(h, objs[i], 1), NULL);
        size_t plen;
        uint8_t *pl = mgc_payload(objs[i], &plen);
        ck_assert_uint_eq(plen, 40 - 16 - 16);
        for (size_t k = 0; k < plen; k++)
            ck_assert_uint_eq(pl[k], 0);
        memset(pl, 0xab, plen);
        if (i > 0) {
            if ((uint8_t *)objs[i] == (uint8_t *)objs[i - 1] + 40)
                adjacent++;
            else
                jumps++;
        }
    }
    /* 2000 x 40 bytes = 80000 bytes: several windows (refilled by the slow
       path, adjacent while a segment lasts) in two 64 KiB segments; almost
       every allocation is a bump of the previous one */
    ck_assert_uint_gt(jumps, 0);
    ck_assert_uint_gt(adjacent, N - 100);
    gcf_core_count c = gcf_core_walk(h);
    ck_assert_uint_eq(c.objects, N);
    ck_assert_uint_eq(c.gen[0], N);
    for (size_t i = 0; i < N; i += 97) {
        ck_assert(mgc_is_object(h, objs[i]));
        ck_assert_int_eq(mgc_generation(h, objs[i]), 0);
    }
    ck_assert(!mgc_is_object(h, (uint8_t *)objs[5] + 8));
    gcf_core_verify(h);
    mgc_stats st;
    mgc_get_stats(h, &st);
    ck_assert_uint_eq(st.allocated_bytes, (uint64_t)N * 40);
    ck_assert_uint_eq(st.gen_size[0], (uint64_t)N * 40);
    mgc_heap_destroy(h);
}
END_TEST

/* Two threads interleaved: each thread's objects are adjacent in its own
   window; the heap stays walkable with two live windows. */
START_TEST(test_contexts_per_thread)
{
    mgc_config cfg = gcf_core_config();
    cfg.threads = 3;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 24, 1);
    mgc_ref a0, a1, b0, b1, bad = (mgc_ref)1;
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &a0), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 1, node, 0, &b0), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &a1), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 1, node, 0, &b1), MGC_OK);
    ck_assert_ptr_eq((uint8_t *)a1, (uint8_t *)a0 + 24);
    ck_assert_ptr_eq((uint8_t *)b1, (uint8_t *)b0 + 24);
    ck_assert_ptr_ne(a1, b0);
    ck_assert_int_eq(mgc_alloc(h, 3, node, 0, &bad), MGC_E_BAD_ARG);
    ck_assert_ptr_eq(bad, NULL);
    ck_assert_uint_eq(gcf_core_walk(h).objects, 4);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* SEMANTICS 1: a byte array of 84976 bytes (85000 total) is large, 84975 is
   not; large objects report gen2 from birth. */
START_TEST(test_loh_boundary)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    mgc_ref small, large, rsmall, rlarge;
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 84975, &small), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 84976, &large), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, (85000 - 24) / 8 - 1, &rsmall), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, (85000 - 24) / 8, &rlarge), MGC_OK);
    ck_assert(!mgc_is_large(h, small));
    ck_assert(mgc_is_large(h, large));
    ck_assert(!mgc_is_large(h, rsmall));
    ck_assert(mgc_is_large(h, rlarge));
    ck_assert_int_eq(mgc_generation(h, small), 0);
    ck_assert_int_eq(mgc_generation(h, large), 2);
    ck_assert_uint_eq(mgc_array_length(large), 84976);
    ck_assert_uint_eq(mgc_object_size(large), 85000);
    ck_assert_uint_eq(mgc_object_size(small), 85000);   /* 84999 aligned up */
    gcf_core_find fs = gcf_core_lookup(h, small), fl = gcf_core_lookup(h, large);
    ck_assert(fs.found && fl.found);
    ck_assert(!fs.info.large && fs.info.gen == 0);
    ck_assert(fl.info.large && fl.info.gen == 2);
    ck_assert_uint_eq(fl.info.size, 85000);
    size_t len;
    uint8_t *pl = mgc_payload(large, &len);
    ck_assert_uint_eq(len, 84976);
    for (size_t i = 0; i < len; i += 101)
        ck_assert_uint_eq(pl[i], 0);
    /* the threshold moves upward only */
    mgc_config bad = gcf_core_config();
    bad.loh_threshold = 1000;
    mgc_heap *hb = (mgc_heap *)1;
    ck_assert_int_eq(mgc_heap_create(&bad, &hb), MGC_E_BAD_ARG);
    ck_assert_ptr_eq(hb, NULL);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* SEMANTICS 6 with .dec.promo-acc: budget collections fire exactly before the
   allocation the rule predicts, with the predicted generation, while two
   threads interleave (windows must not let an allocation pass the budget). */
START_TEST(test_budget_trigger_exact)
{
    mgc_config cfg = gcf_core_config();
    cfg.gen0_budget = 10000;
    cfg.gen1_budget = 15000;
    cfg.gen2_budget = 30000;
    cfg.threads = 2;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *node = gcf_core_fixed(h, "Node", 48, 1);
    const mgc_type *pair = gcf_core_fixed(h, "Pair", 72, 0);
    enum { N = 3000 };
    static mgc_ref roots[N];
    memset(roots, 0, sizeof roots);
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, roots, N), MGC_OK);
    uint64_t counter = 0;
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    ev.alloc_counter = &counter;
    mgc_set_event_callback(h, gcf_core_event_fn, &ev);
    /* the model: all objects stay rooted */
    uint64_t g0 = 0, g1 = 0, p1 = 0, p2 = 0;
    size_t expected = 0;
    int exp_gen[256];
    uint64_t exp_at[256];
    for (size_t i = 0; i < N; i++) {
        const mgc_type *t = (i % 3 == 2) ? pair : node;
        uint64_t s = (t == pair) ? 72 : 48;
        if (g0 + s > cfg.gen0_budget && expected < 256) {
            int gen = 0;
            if (p1 > cfg.gen1_budget) gen = 1;
            if (p2 > cfg.gen2_budget) gen = 2;
            exp_gen[expected] = gen;
            exp_at[expected] = i;
            expected++;
            uint64_t from0 = g0, from1 = g1;
            if (gen == 0) { g1 += from0; p1 += from0; }
            else { g1 = from0; }
            if (gen >= 1) p1 = 0;
            if (gen == 2) p2 = 0; else if (gen == 1) p2 += from1;
            g0 = 0;
        }
        g0 += s;
        counter = i;
        ck_assert_int_eq(mgc_alloc(h, (unsigned)(i % 2), t, 0, &roots[i]), MGC_OK);
    }
    ck_assert_uint_ge(expected, 10);
    ck_assert_uint_eq(ev.n, expected);
    for (size_t k = 0; k < expected; k++) {
        ck_assert_msg(ev.at_alloc[k] == exp_at[k], "GC %zu fired before allocation %llu, expected %llu",
                      k, (unsigned long long)ev.at_alloc[k], (unsigned long long)exp_at[k]);
        ck_assert_int_eq(ev.gen[k], exp_gen[k]);
        ck_assert_int_eq(ev.reason[k], MGC_REASON_ALLOC_SMALL);
    }
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* A large allocation that passes loh_budget triggers a gen2 collection. */
START_TEST(test_loh_budget_trigger)
{
    mgc_config cfg = gcf_core_config();
    cfg.loh_budget = 300000;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    mgc_set_event_callback(h, gcf_core_event_fn, &ev);
    mgc_ref r;
    for (int i = 0; i < 3; i++)            /* 3 x 100024 = 300072 > 300000 at the third */
        ck_assert_int_eq(mgc_alloc(h, 0, blob, 100000, &r), MGC_OK);
    ck_assert_uint_eq(ev.n, 1);
    ck_assert_int_eq(ev.gen[0], 2);
    ck_assert_int_eq(ev.reason[0], MGC_REASON_ALLOC_LARGE);
    ck_assert_uint_eq(mgc_collection_count(h, 2), 1);
    ck_assert_uint_eq(mgc_collection_count(h, 0), 1);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* .dec.oom: an injected commit failure runs one full collection with reason
   out_of_memory; a second failure (the retry's reserve) gives MGC_E_OOM and
   *out = NULL, and the heap still verifies and keeps working. */
START_TEST(test_injected_commit_failure)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    const mgc_type *node = gcf_core_fixed(h, "Node", 32, 1);
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    mgc_set_event_callback(h, gcf_core_event_fn, &ev);
    mgc_ref keep = NULL;
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, &keep, 1), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &keep), MGC_OK);
    /* only the commit fails: the retry after the OOM collection succeeds */
    mgc_ref r = NULL;
    mgc_fault_inject(h, 0, 1);
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 200000, &r), MGC_OK);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(ev.n, 1);
    ck_assert_int_eq(ev.reason[0], MGC_REASON_OOM);
    ck_assert_int_eq(ev.gen[0], 2);
    /* commit fails, then the retry's reserve fails: out of memory */
    r = (mgc_ref)0x10;
    mgc_fault_inject(h, 2, 1);
    mgc_status st = mgc_alloc(h, 0, blob, 5000000, &r);
    ck_assert_int_eq(st, MGC_E_OOM);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_uint_eq(ev.n, 2);
    ck_assert_int_eq(ev.reason[1], MGC_REASON_OOM);
    gcf_core_verify(h);
    ck_assert_int_eq(mgc_generation(h, keep), 2);
    /* the heap keeps working */
    mgc_fault_inject(h, 0, 0);
    ck_assert_int_eq(mgc_alloc(h, 0, blob, 5000000, &r), MGC_OK);
    ck_assert_int_eq(mgc_alloc(h, 0, node, 0, &r), MGC_OK);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* An array too big for any segment follows the large-object path: the LOH
   budget collection, then one out-of-memory collection, then MGC_E_OOM. */
START_TEST(test_oversized_allocation)
{
    mgc_config cfg = gcf_core_config();
    cfg.loh_budget = 1u << 20;
    cfg.segment_size = 1;                 /* clamped up to a few pages */
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *refs = gcf_core_array(h, "Refs", MGC_KIND_REF_ARRAY);
    static gcf_core_events ev;
    memset(&ev, 0, sizeof ev);
    mgc_set_event_callback(h, gcf_core_event_fn, &ev);
    mgc_ref r = (mgc_ref)0x10;
    ck_assert_int_eq(mgc_alloc(h, 0, refs, (size_t)22394988348ull, &r), MGC_E_OOM);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_uint_eq(ev.n, 2);
    ck_assert_int_eq(ev.reason[0], MGC_REASON_ALLOC_LARGE);
    ck_assert_int_eq(ev.reason[1], MGC_REASON_OOM);
    ck_assert_int_eq(ev.gen[0], 2);
    ck_assert_int_eq(ev.gen[1], 2);
    r = (mgc_ref)0x10;
    ck_assert_int_eq(mgc_alloc(h, 0, refs, SIZE_MAX / 2, &r), MGC_E_OOM);   /* size overflows */
    ck_assert_ptr_eq(r, NULL);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, 10, &r), MGC_OK);
    /* .dec.oom-size: a fixed type bigger than any object the heap can hold
       is accepted; allocating it is an out-of-memory allocation (one
       out_of_memory collection, MGC_E_OOM) and the heap goes on. */
    mgc_type_desc bd = { .name = "Giant", .kind = MGC_KIND_FIXED,
                         .size = ((size_t)1 << 40) - 16u, .nrefs = 4 };
    const mgc_type *giant = NULL;
    ck_assert_int_eq(mgc_type_register(h, &bd, &giant), MGC_OK);
    ck_assert_ptr_nonnull(giant);
    ck_assert_uint_eq(mgc_type_instance_size(giant, 0), bd.size);
    size_t before = ev.n;
    r = (mgc_ref)0x10;
    ck_assert_int_eq(mgc_alloc(h, 0, giant, 0, &r), MGC_E_OOM);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_uint_eq(ev.n, before + 2);                 /* budget + out_of_memory */
    ck_assert_int_eq(ev.reason[before + 1], MGC_REASON_OOM);
    ck_assert_int_eq(mgc_alloc(h, 0, refs, 10, &r), MGC_OK);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* hard_limit bounds the committed GC heap: allocation fails with MGC_E_OOM
   (never aborts) once live data fills it; the heap verifies. */
START_TEST(test_hard_limit)
{
    mgc_config cfg = gcf_core_config();
    cfg.hard_limit = 2u * 1024u * 1024u;
    cfg.segment_size = 256u * 1024u;
    mgc_heap *h = gcf_core_heap(&cfg);
    const mgc_type *blob = gcf_core_array(h, "Blob", MGC_KIND_BYTE_ARRAY);
    enum { N = 64 };
    static mgc_ref roots[N];
    memset(roots, 0, sizeof roots);
    ck_assert_int_eq(mgc_thread_set_locals(h, 0, roots, N), MGC_OK);
    size_t ok = 0;
    mgc_status st = MGC_OK;
    for (size_t i = 0; i < N && st == MGC_OK; i++) {
        st = mgc_alloc(h, 0, blob, i % 2 ? 100000 : 20000, &roots[i]);
        if (st == MGC_OK)
            ok++;
        else
            ck_assert_ptr_eq(roots[i], NULL);
    }
    ck_assert_int_eq(st, MGC_E_OOM);
    ck_assert_uint_gt(ok, 10);
    mgc_stats s;
    mgc_get_stats(h, &s);
    ck_assert_uint_le(s.gc_committed, cfg.hard_limit);
    gcf_core_verify(h);
    mgc_heap_destroy(h);
}
END_TEST

/* Loader heaps: two heaps, 64 KiB reserved each, committed a page at a time. */
START_TEST(test_loader_heaps)
{
    mgc_config cfg = gcf_core_config();
    mgc_heap *h = gcf_core_heap(&cfg);
    mgc_stats s0, s1;
    mgc_get_stats(h, &s0);
    ck_assert_uint_eq(s0.loader_reserved, 2u * 64u * 1024u);
    ck_assert_uint_gt(s0.loader_committed, 0);
    ck_assert_uint_le(s0.loader_committed, 2u * 4096u * 4u);
    char name[32];
    for (int i = 0; i < 400; i++) {
        snprintf(name, sizeof name, "Type%d", i);
        const mgc_type *t = gcf_core_fixed(h, name, 24 + 8u * (unsigned)(i % 5), (unsigned)(i % 2));
        ck_assert_str_eq(mgc_type_name(t), name);
    }
    mgc_get_stats(h, &s1);
    ck_assert_uint_gt(s1.loader_committed, s0.loader_committed);
    ck_assert_uint_ge(s1.loader_reserved, s0.loader_reserved);
    ck_assert_uint_eq(s1.loader_committed % 4096u, 0);
    mgc_type_desc bad = { .name = "Bad", .kind = MGC_KIND_FIXED, .size = 24, .nrefs = 2 };
    const mgc_type *t = (const mgc_type *)1;
    ck_assert_int_eq(mgc_type_register(h, &bad, &t), MGC_E_BAD_ARG);
    ck_assert_ptr_eq(t, NULL);
    /* fault injection reaches the loader heaps too */
    mgc_fault_inject(h, 1, 1);
    int failures = 0;
    for (int i = 0; i < 200; i++) {
        mgc_type_desc d = { .name = "Many", .kind = MGC_KIND_FIXED, .size = 24 };
        if (mgc_type_register(h, &d, &t) == MGC_E_OOM)
            failures++;
    }
    ck_assert_int_ge(failures, 1);
    mgc_heap_destroy(h);
}
END_TEST

Suite *make_alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fast_and_slow_paths);
    tcase_add_test(tc, test_contexts_per_thread);
    tcase_add_test(tc, test_loh_boundary);
    tcase_add_test(tc, test_budget_trigger_exact);
    tcase_add_test(tc, test_loh_budget_trigger);
    tcase_add_test(tc, test_injected_commit_failure);
    tcase_add_test(tc, test_oversized_allocation);
    tcase_add_test(tc, test_hard_limit);
    tcase_add_test(tc, test_loader_heaps);
    suite_add_tcase(s, tc);
    return s;
}
