/* check_rt_handles.c -- the handle table, static slots and pinning
 * (docs/semantics.md section 5, docs/runtime-finalization.md handles). */
#include "check_rt_finutil.h"

static uint64_t handle_count(mgc_heap *heap)
{
    mgc_stats st;
    mgc_get_stats(heap, &st);
    return st.handles;
}

START_TEST(test_alloc_get_set_free)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[1]), MGC_OK);
    mgc_handle h[4];
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(mgc_handle_alloc(e->heap, (mgc_handle_kind)k, e->loc[0], &h[k]), MGC_OK);
        ck_assert_uint_ne(h[k], 0);
        for (int j = 0; j < k; j++)
            ck_assert_uint_ne(h[j], h[k]);
    }
    ck_assert_uint_eq(handle_count(e->heap), 4);
    mgc_ref r = NULL;
    ck_assert_int_eq(mgc_handle_get(e->heap, h[2], &r), MGC_OK);
    ck_assert_ptr_eq(r, e->loc[0]);
    ck_assert_int_eq(mgc_handle_set(e->heap, h[2], e->loc[1]), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, h[2], &r), MGC_OK);
    ck_assert_ptr_eq(r, e->loc[1]);
    ck_assert_int_eq(mgc_handle_set(e->heap, h[2], NULL), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, h[2], &r), MGC_OK);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK, NULL, &h[2]), MGC_OK);
    ck_assert_uint_eq(handle_count(e->heap), 5);
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(mgc_handle_free(e->heap, h[k]), MGC_OK);
    ck_assert_uint_eq(handle_count(e->heap), 1);
    gcf_verify_ok(e);
    gcf_fin_env_free(e);
}
END_TEST

/* .handle.double-free, .hnd.encoding */
START_TEST(test_bad_handles)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);
    mgc_handle h, h2;
    mgc_ref r = (mgc_ref)1;
    ck_assert_int_eq(mgc_handle_get(e->heap, 0, &r), MGC_E_BAD_HANDLE);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(mgc_handle_get(e->heap, 12345, &r), MGC_E_BAD_HANDLE);
    ck_assert_int_eq(mgc_handle_free(e->heap, 0xffffffffu), MGC_E_BAD_HANDLE);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG, e->loc[0], &h), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(e->heap, h), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(e->heap, h), MGC_E_BAD_HANDLE);       /* double free */
    ck_assert_int_eq(mgc_handle_get(e->heap, h, &r), MGC_E_BAD_HANDLE);    /* use after free */
    ck_assert_int_eq(mgc_handle_set(e->heap, h, e->loc[0]), MGC_E_BAD_HANDLE);
    /* the slot is reused (it is the only free one): a new value, old stays bad */
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK, e->loc[0], &h2), MGC_OK);
    ck_assert_uint_ne(h2, h);
    ck_assert_uint_eq(h2 & 0xfffffu, h & 0xfffffu);
    ck_assert_int_eq(mgc_handle_get(e->heap, h, &r), MGC_E_BAD_HANDLE);
    ck_assert_int_eq(mgc_handle_free(e->heap, h), MGC_E_BAD_HANDLE);
    ck_assert_int_eq(mgc_handle_get(e->heap, h2, &r), MGC_OK);
    ck_assert_ptr_eq(r, e->loc[0]);
    ck_assert_uint_eq(handle_count(e->heap), 1);
    /* bad arguments */
    ck_assert_int_eq(mgc_handle_alloc(e->heap, (mgc_handle_kind)4, NULL, &h), MGC_E_BAD_ARG);
    int notobj[8] = {0};
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG, &notobj[2], &h), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG,
                                      (uint8_t *)e->loc[0] + 8, &h), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_handle_set(e->heap, h2, &notobj[2]), MGC_E_BAD_ARG);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG, NULL, NULL), MGC_E_BAD_ARG);
    ck_assert_uint_eq(handle_count(e->heap), 1);
    gcf_verify_ok(e);
    gcf_fin_env_free(e);
}
END_TEST

/* .root.handles / .weak.short: strong roots and are updated when the
   target moves; weak follows a reachable target and is cleared for a dead
   one; a gen0 GC leaves a weak handle to a gen1 object alone. */
START_TEST(test_handles_across_collections)
{
    gcf_fin_env *e = gcf_fin_env_new();
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[10 + i]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);  /* kept by strong */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[1]), MGC_OK);  /* garbage */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[2]), MGC_OK);  /* child of 0 */
    mgc_store(e->heap, e->loc[0], 1, e->loc[2]);
    mgc_ref old0 = e->loc[0];
    mgc_handle hs, hw, hd, hc;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG, e->loc[0], &hs), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK, e->loc[0], &hw), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK, e->loc[1], &hd), MGC_OK);
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_WEAK_LONG, e->loc[2], &hc), MGC_OK);
    for (int i = 0; i < GCF_NLOCALS; i++)
        e->loc[i] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_ref s = NULL, w = NULL, d = (mgc_ref)1, c = NULL;
    ck_assert_int_eq(mgc_handle_get(e->heap, hs, &s), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hw, &w), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hd, &d), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hc, &c), MGC_OK);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_ne(s, old0);                  /* slid over the garbage in front */
    ck_assert_ptr_eq(w, s);
    ck_assert_ptr_null(d);
    ck_assert_ptr_eq(mgc_load(e->heap, s, 1), c);
    ck_assert_int_eq(mgc_generation(e->heap, s), 1);
    /* the strong handle goes: a gen0 GC does not touch the gen1 target */
    ck_assert_int_eq(mgc_handle_free(e->heap, hs), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hw, &w), MGC_OK);
    ck_assert_ptr_eq(w, s);
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hw, &w), MGC_OK);
    ck_assert_int_eq(mgc_handle_get(e->heap, hc, &c), MGC_OK);
    ck_assert_ptr_null(w);
    ck_assert_ptr_null(c);
    gcf_verify_ok(e);
    gcf_fin_env_free(e);
}
END_TEST

static void count_slot(mgc_heap *heap, void **slot, void *ctx)
{
    (void)heap; (void)slot;
    (*(size_t *)ctx)++;
}

/* .root.statics, .hnd.statics */
START_TEST(test_statics)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[5]), MGC_OK);   /* garbage */
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);
    mgc_ref old = e->loc[0];
    ck_assert_int_eq(mgc_static_set(e->heap, 63, e->loc[0]), MGC_OK);
    ck_assert_int_eq(mgc_static_set(e->heap, 64, e->loc[0]), MGC_E_BAD_ARG);
    int notobj[4];
    ck_assert_int_eq(mgc_static_set(e->heap, 1, &notobj[1]), MGC_E_BAD_ARG);
    ck_assert_ptr_null(mgc_static_get(e->heap, 64));
    ck_assert_ptr_null(mgc_static_get(e->heap, 1));
    ck_assert_ptr_eq(mgc_static_get(e->heap, 63), old);
    e->loc[0] = e->loc[5] = NULL;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_ref now = mgc_static_get(e->heap, 63);
    ck_assert_ptr_nonnull(now);
    ck_assert_ptr_ne(now, old);
    ck_assert(mgc_is_object(e->heap, now));
    ck_assert_int_eq(mgc_generation(e->heap, now), 1);
    size_t n = 0;
    mgc_handles_enum(e->heap, MGC_ENUM_STATICS, count_slot, &n);
    ck_assert_uint_eq(n, MGC_STATIC_SLOTS);
    n = 0;
    mgc_handles_enum(e->heap, 0xfu, count_slot, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(mgc_static_set(e->heap, 63, NULL), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.gen_size[0] + st.gen_size[1] + st.gen_size[2], 0);
    gcf_fin_env_free(e);
}
END_TEST

typedef struct free_find { uint8_t *block_end; size_t size; bool found; } free_find;

static bool find_free_before(const mgc_object_info *info, void *ctx)
{
    free_find *f = ctx;
    if (info->free && (uint8_t *)info->obj - 8 + info->size == f->block_end) {
        f->found = true;
        f->size = info->size;
    }
    return true;
}

/* .handle.pin: k0 g g g P g g g k1 -> k0 stays, P stays, the three garbage
   objects in front of P become one 120-byte free object, k1 slides down to
   right after P.  pinned_count is 1. */
START_TEST(test_pinned_does_not_move)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[10 + i]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[1]), MGC_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[13 + i]), MGC_OK);
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[2]), MGC_OK);
    uint8_t *k0 = e->loc[0], *p = e->loc[1], *k1 = e->loc[2];
    ck_assert_ptr_eq(p, k0 + 4 * 40);           /* contiguous bump allocation */
    ck_assert_ptr_eq(k1, p + 4 * 40);
    mgc_handle hp;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_PINNED, e->loc[1], &hp), MGC_OK);
    e->loc[1] = NULL;
    for (int i = 10; i < 16; i++)
        e->loc[i] = NULL;
    uint64_t gc_before = e->gc_events;
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    ck_assert_uint_eq(e->gc_events, gc_before + 1);
    mgc_ref pr = NULL;
    ck_assert_int_eq(mgc_handle_get(e->heap, hp, &pr), MGC_OK);
    ck_assert_ptr_eq(pr, p);
    ck_assert_ptr_eq(e->loc[0], k0);
    ck_assert_ptr_eq(e->loc[2], p + 40);        /* compacted behind the plug */
    ck_assert_int_eq(mgc_generation(e->heap, pr), 0);   /* pinned: keeps gen0 */
    ck_assert_int_eq(mgc_generation(e->heap, e->loc[2]), 1);
    free_find f = {p - 8, 0, false};
    mgc_walk(e->heap, MGC_WALK_FREE, find_free_before, &f);
    ck_assert(f.found);
    ck_assert_uint_eq(f.size, 120);
    mgc_stats st;
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.pinned_last_gc, 1);
    /* a second pinned handle to the same object counts too
       (.handle.pin-count); the target is still gen0 */
    mgc_handle hp2;
    ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_PINNED, pr, &hp2), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.pinned_last_gc, 2);
    ck_assert_int_eq(mgc_collect(e->heap, 1, 0), MGC_OK);
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.pinned_last_gc, 2);
    ck_assert_int_eq(mgc_handle_get(e->heap, hp, &pr), MGC_OK);
    ck_assert_ptr_eq(pr, p);
    ck_assert_int_eq(mgc_generation(e->heap, pr), 0);
    ck_assert_int_eq(mgc_handle_free(e->heap, hp), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(e->heap, hp2), MGC_OK);
    ck_assert_int_eq(mgc_collect(e->heap, 2, 0), MGC_OK);
    mgc_get_stats(e->heap, &st);
    ck_assert_uint_eq(st.pinned_last_gc, 0);
    gcf_verify_ok(e);
    gcf_fin_env_free(e);
}
END_TEST

START_TEST(test_verify_catches_table_corruption)
{
    gcf_fin_env *e = gcf_fin_env_new();
    ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[0]), MGC_OK);
    mgc_handle h[4];
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(mgc_handle_alloc(e->heap, MGC_HANDLE_STRONG, e->loc[0], &h[k]), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(e->heap, h[1]), MGC_OK);
    ck_assert_int_eq(mgc_handle_free(e->heap, h[2]), MGC_OK);
    char err[256];
    struct mgc_handles *t = e->heap->handles;
    ck_assert_int_eq(mgc_handles_verify(e->heap, err, sizeof err), MGC_OK);
    /* interior pointer as a target */
    void *saved = t->slots[0].target;
    t->slots[0].target = (uint8_t *)saved + 8;
    ck_assert_int_eq(mgc_handles_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "not an object") != NULL, "%s", err);
    ck_assert_int_eq(mgc_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    t->slots[0].target = saved;
    /* free-list cycle */
    uint32_t link = t->slots[2].next_free;
    t->slots[2].next_free = 1;
    ck_assert_int_eq(mgc_handles_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    t->slots[2].next_free = link;
    /* a live slot on the free list */
    t->slots[1].live = 1;
    t->live++;
    t->nfree--;
    ck_assert_int_eq(mgc_handles_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    t->slots[1].live = 0;
    t->live--;
    t->nfree++;
    /* a bad static */
    int notobj[4];
    t->statics[7] = &notobj[0];
    ck_assert_int_eq(mgc_handles_verify(e->heap, err, sizeof err), MGC_E_VERIFY);
    ck_assert_msg(strstr(err, "static s7") != NULL, "%s", err);
    t->statics[7] = NULL;
    ck_assert_int_eq(mgc_handles_verify(e->heap, err, sizeof err), MGC_OK);
    gcf_fin_env_free(e);
}
END_TEST

/* Randomized: a model of live handles against the table, through growth
   and FIFO reuse; every freed value stays bad. */
START_TEST(test_random_alloc_free)
{
    uint64_t seed = gcf_test_seed("test_random_alloc_free");
    gcf_rng rng = {seed};
    gcf_fin_env *e = gcf_fin_env_new();
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mgc_alloc(e->heap, 0, e->plain, 0, &e->loc[i]), MGC_OK);
    enum { MAXH = 600 };
    const int STEPS = gcf_under_valgrind() ? 800 : 3000;
    mgc_handle live[MAXH];
    int target[MAXH];
    size_t nlive = 0;
    mgc_handle dead[MAXH];
    size_t ndead = 0;
    for (int step = 0; step < STEPS; step++) {
        unsigned op = (unsigned)gcf_rng_below(&rng, 10);
        if ((op < 6 || nlive == 0) && nlive < MAXH) {
            int ti = (int)gcf_rng_below(&rng, 4);
            mgc_handle h;
            ck_assert_int_eq(mgc_handle_alloc(e->heap, (mgc_handle_kind)gcf_rng_below(&rng, 4),
                                              e->loc[ti], &h), MGC_OK);
            for (size_t i = 0; i < nlive; i++)
                ck_assert_uint_ne(live[i], h);
            live[nlive] = h;
            target[nlive++] = ti;
        } else if (op < 9 && nlive > 0) {
            size_t i = (size_t)gcf_rng_below(&rng, nlive);
            ck_assert_int_eq(mgc_handle_free(e->heap, live[i]), MGC_OK);
            if (ndead < MAXH)
                dead[ndead++] = live[i];
            live[i] = live[--nlive];
            target[i] = target[nlive];
        } else if (nlive > 0) {
            size_t i = (size_t)gcf_rng_below(&rng, nlive);
            int ti = (int)gcf_rng_below(&rng, 4);
            ck_assert_int_eq(mgc_handle_set(e->heap, live[i], e->loc[ti]), MGC_OK);
            target[i] = ti;
        }
    }
    ck_assert_uint_eq(handle_count(e->heap), nlive);
    ck_assert_int_eq(mgc_collect(e->heap, 0, 0), MGC_OK);   /* targets move */
    for (size_t i = 0; i < nlive; i++) {
        mgc_ref r = NULL;
        ck_assert_int_eq(mgc_handle_get(e->heap, live[i], &r), MGC_OK);
        ck_assert_msg(r == e->loc[target[i]], "handle %zu (seed %llu)", i, (unsigned long long)seed);
    }
    /* a freed value is bad unless the same value was issued again, which
       needs 4096 reuses of one slot */
    for (size_t i = 0; i < ndead; i++) {
        bool reissued = false;
        for (size_t j = 0; j < nlive; j++)
            reissued |= live[j] == dead[i];
        if (!reissued) {
            mgc_ref r;
            ck_assert_int_eq(mgc_handle_get(e->heap, dead[i], &r), MGC_E_BAD_HANDLE);
        }
    }
    gcf_verify_ok(e);
    gcf_fin_env_free(e);
}
END_TEST

Suite *make_handles_suite(void)
{
    Suite *s = suite_create("handles");
    TCase *tc = tcase_create("handles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_alloc_get_set_free);
    tcase_add_test(tc, test_bad_handles);
    tcase_add_test(tc, test_handles_across_collections);
    tcase_add_test(tc, test_statics);
    tcase_add_test(tc, test_pinned_does_not_move);
    tcase_add_test(tc, test_verify_catches_table_corruption);
    tcase_add_test(tc, test_random_alloc_free);
    suite_add_tcase(s, tc);
    return s;
}
