/* check_orc_model.c -- the oracle's objects, types, statements, program
 * errors and root paths (docs/semantics.md sections 1, 2, 5, 8, 12). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include "oracle.h"
#include "check_orc_util.h"

enum { A = 0, B = 1, C = 2, D = 3 };   /* local indices */

/* .obj.size .obj.fixed .dec.alloc-size */
START_TEST(sizes)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 40, 2, ORC_FIN_NONE, 0, false);
    orc_type_id odd = orc_t_fixed(m, "Odd", 25, 1, ORC_FIN_NONE, 0, false);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_type_id refs = orc_t_array(m, "Refs", ORC_TYPE_REFS);
    ck_assert_uint_eq(orc_instance_size(m, node, 99), 40);
    ck_assert_uint_eq(orc_instance_size(m, odd, 0), 25);
    ck_assert_uint_eq(orc_aligned_size(25), 32);
    ck_assert_uint_eq(orc_instance_size(m, blob, 10), 34);
    ck_assert_uint_eq(orc_aligned_size(34), 40);
    ck_assert_uint_eq(orc_instance_size(m, refs, 3), 48);
    orc_id r = orc_t_new(m, A, refs, 3);
    orc_obj_info i = orc_t_info(m, r);
    ck_assert_uint_eq(i.nslots, 3);
    ck_assert_uint_eq(i.size, 48);
    ck_assert_uint_eq(i.length, 3);
    orc_id b = orc_t_new(m, B, blob, 10);
    i = orc_t_info(m, b);
    ck_assert_uint_eq(i.nslots, 0);
    ck_assert_uint_eq(i.aligned, 40);
    orc_id o = orc_t_new(m, C, odd, 0);
    ck_assert_uint_eq(orc_t_info(m, o).aligned, 32);
    ORC_T_CHECK(m);
    orc_destroy(m);
}
END_TEST

/* .obj.loh .obj.loh-gen .obj.birth: 84975 vs 84976 bytes */
START_TEST(loh_boundary)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    orc_type_id refs = orc_t_array(m, "Refs", ORC_TYPE_REFS);
    orc_type_id big = orc_t_fixed(m, "Big", 85000, 0, ORC_FIN_NONE, 0, false);
    orc_id small = orc_t_new(m, A, blob, 84975);
    orc_id large = orc_t_new(m, B, blob, 84976);
    orc_obj_info si = orc_t_info(m, small), li = orc_t_info(m, large);
    ck_assert_uint_eq(si.size, 84999);
    ck_assert(!si.large);
    ck_assert_int_eq(si.gen, 0);
    ck_assert_uint_eq(li.size, 85000);
    ck_assert(li.large);
    ck_assert_int_eq(li.gen, 2);
    /* reference arrays: 24 + 8 * 10622 = 85000 */
    ck_assert(orc_instance_is_large(m, refs, 10622));
    ck_assert(!orc_instance_is_large(m, refs, 10621));
    ck_assert(orc_t_info(m, orc_t_new(m, C, big, 0)).large);
    ORC_T_CHECK(m);
    orc_destroy(m);
}
END_TEST

/* .obj.loh-threshold: configurable upward only */
START_TEST(loh_threshold_config)
{
    orc_config c;
    orc_config_default(&c);
    ck_assert_uint_eq(c.loh_threshold, 85000);
    ck_assert_uint_eq(c.gen0_budget, 256 * 1024);
    c.loh_threshold = 84999;
    ck_assert_ptr_null(orc_create(&c));
    c.loh_threshold = 100000;
    c.gen0_budget = 0;
    orc_model *m = orc_create(&c);
    ck_assert_ptr_nonnull(m);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    ck_assert(!orc_t_info(m, orc_t_new(m, A, blob, 84976)).large);
    ck_assert(orc_t_info(m, orc_t_new(m, B, blob, 100000 - 24)).large);
    orc_destroy(m);
}
END_TEST

/* type descriptions outside the contract are refused */
START_TEST(type_errors)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_desc d;
    memset(&d, 0, sizeof d);
    d.name = "T";
    d.kind = ORC_TYPE_FIXED;
    d.size = 16;
    ck_assert_int_eq(orc_type_add(m, &d, NULL), ORC_E_ARG);          /* < 24 */
    d.size = 32;
    d.nrefs = 3;                                                      /* 16 + 24 > 32 */
    ck_assert_int_eq(orc_type_add(m, &d, NULL), ORC_E_ARG);
    d.nrefs = 2;
    d.critical = true;                                                /* no finalizer */
    ck_assert_int_eq(orc_type_add(m, &d, NULL), ORC_E_ARG);
    d.critical = false;
    d.fin = ORC_FIN_RESURRECT;
    d.fin_static = ORC_STATICS;
    ck_assert_int_eq(orc_type_add(m, &d, NULL), ORC_E_ARG);
    d.fin = ORC_FIN_NONE;
    d.kind = ORC_TYPE_BYTES;
    d.fin = ORC_FIN_COUNT;                                            /* .fin.no-arrays */
    ck_assert_int_eq(orc_type_add(m, &d, NULL), ORC_E_ARG);
    ck_assert_uint_eq(orc_type_count(m), 0);
    /* alloc:T naming a type that never comes is refused at first use */
    memset(&d, 0, sizeof d);
    d.name = "Al";
    d.kind = ORC_TYPE_FIXED;
    d.size = 24;
    d.fin = ORC_FIN_ALLOC;
    d.fin_alloc = 7;
    orc_type_id al;
    ck_assert_int_eq(orc_type_add(m, &d, &al), ORC_OK);
    ck_assert_int_eq(orc_alloc(m, A, al, 0, NULL), ORC_E_ARG);
    orc_destroy(m);
}
END_TEST

/* .prog.error .prog.object .prog.value .prog.slot .handle.double-free */
START_TEST(program_errors)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 32, 2, ORC_FIN_NONE, 0, false);
    orc_type_id blob = orc_t_array(m, "Blob", ORC_TYPE_BYTES);
    ck_assert_int_eq(orc_store(m, A, 0, ORC_LOCAL_NONE), ORC_E_UNBOUND_LOCAL);
    orc_id a = orc_t_new(m, A, node, 0);
    ck_assert_int_eq(orc_store(m, A, 0, B), ORC_E_UNBOUND_LOCAL);   /* value unbound */
    ck_assert_int_eq(orc_store(m, A, 2, ORC_LOCAL_NONE), ORC_E_BAD_SLOT);
    ORC_T_OK(orc_load(m, B, A, 1));                                   /* b = null */
    ck_assert_uint_eq(orc_t_local(m, B), ORC_NULL);
    ck_assert_int_eq(orc_load(m, C, B, 0), ORC_E_NULL_LOCAL);
    ck_assert_int_eq(orc_suppress(m, B), ORC_E_NULL_LOCAL);
    ck_assert_int_eq(orc_reregister(m, B), ORC_E_NULL_LOCAL);
    ck_assert_int_eq(orc_handle_alloc(m, 0, ORC_HANDLE_STRONG, B), ORC_E_NULL_LOCAL);
    ORC_T_OK(orc_copy(m, C, B));                                      /* null may be copied */
    ORC_T_OK(orc_store(m, A, 0, B));                                  /* and stored */
    ORC_T_OK(orc_static_set(m, 3, B));
    ORC_T_OK(orc_drop(m, B));                                         /* null may be dropped */
    ck_assert_int_eq(orc_drop(m, B), ORC_E_DROPPED_LOCAL);
    ck_assert_int_eq(orc_copy(m, D, B), ORC_E_DROPPED_LOCAL);
    ck_assert_int_eq(orc_static_set(m, ORC_STATICS, A), ORC_E_BAD_STATIC);
    ck_assert_int_eq(orc_static_get(m, D, ORC_STATICS), ORC_E_BAD_STATIC);
    orc_t_new(m, D, blob, 5);
    ck_assert_int_eq(orc_store(m, D, 0, A), ORC_E_BAD_SLOT);          /* byte arrays: no slots */
    /* handles */
    ck_assert_int_eq(orc_handle_target(m, C, 0), ORC_E_UNBOUND_HANDLE);
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_STRONG, A));
    ORC_T_OK(orc_handle_free(m, 0));
    ck_assert_int_eq(orc_handle_free(m, 0), ORC_E_FREED_HANDLE);
    ck_assert_int_eq(orc_handle_target(m, C, 0), ORC_E_FREED_HANDLE);
    ck_assert(orc_is_program_error(ORC_E_FREED_HANDLE));
    ck_assert(!orc_is_program_error(ORC_E_ILLEGAL));
    /* errors change nothing */
    ck_assert_uint_eq(orc_obj_slot(m, a, 0), ORC_NULL);
    ck_assert_uint_eq(orc_t_local(m, C), ORC_NULL);
    ck_assert_str_eq(orc_status_name(ORC_E_BAD_SLOT), "bad-slot");
    ORC_T_CHECK(m);
    orc_destroy(m);
}
END_TEST

/* .root.drop: a dropped local keeps its last object for expectations only */
START_TEST(drop_keeps_name)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 1, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    ORC_T_OK(orc_drop(m, A));
    orc_id named = ORC_NULL;
    ck_assert_int_eq(orc_local_get(m, A, &named), ORC_LOCAL_DROPPED);
    ck_assert_uint_eq(named, a);
    ORC_T_OK(orc_collect(m, 0, false));
    ck_assert(!orc_t_info(m, a).alive);
    ck_assert_uint_eq(orc_t_info(m, a).reclaimed_gc, 1);
    ck_assert_int_eq(orc_local_get(m, 9, &named), ORC_LOCAL_UNBOUND);
    ck_assert_uint_eq(named, ORC_NULL);
    orc_destroy(m);
}
END_TEST

/* statements, statics, loads and copies bind what they should */
START_TEST(statements_bind)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 32, 2, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_id b = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_store(m, A, 1, B));
    ck_assert_uint_eq(orc_obj_slot(m, a, 1), b);
    uint64_t ns = 9;
    const orc_id *sl = orc_obj_slots(m, a, &ns);
    ck_assert(sl != NULL);
    ck_assert_uint_eq(ns, 2);
    ck_assert_uint_eq(sl[0], ORC_NULL);
    ck_assert_uint_eq(sl[1], b);
    ck_assert(orc_obj_slots(m, b + 100, &ns) == NULL);
    ck_assert_uint_eq(ns, 0);
    ORC_T_OK(orc_load(m, C, A, 1));
    ck_assert_uint_eq(orc_t_local(m, C), b);
    ORC_T_OK(orc_static_set(m, 5, A));
    ck_assert_uint_eq(orc_static_value(m, 5), a);
    ORC_T_OK(orc_static_get(m, D, 5));
    ck_assert_uint_eq(orc_t_local(m, D), a);
    ORC_T_OK(orc_copy(m, C, D));
    ck_assert_uint_eq(orc_t_local(m, C), a);
    ORC_T_OK(orc_thread(m, 3));
    orc_id e = orc_t_new(m, 7, node, 0);
    ck_assert_uint_eq(orc_t_info(m, e).birth_thread, 3);
    ck_assert_uint_eq(orc_local_limit(m), 8);
    ck_assert_uint_eq(orc_live_count(m), 3);
    ck_assert_uint_eq(orc_live_next(m, ORC_NULL), a);
    ck_assert_uint_eq(orc_live_next(m, a), b);
    ck_assert_uint_eq(orc_live_next(m, e), ORC_NULL);
    uint32_t nl = 0;
    const orc_id *live = orc_live_ids(m, &nl);
    ck_assert_uint_eq(nl, 3);
    ck_assert_uint_eq(live[0], a);
    ck_assert_uint_eq(live[1], b);
    ck_assert_uint_eq(live[2], e);
    ck_assert_uint_eq(orc_last_id(m), e);
    orc_destroy(m);
}
END_TEST

/* .prog.handle-rebind: the old handle stays allocated and roots its target */
START_TEST(handle_rebind)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 0, ORC_FIN_NONE, 0, false);
    orc_id a = orc_t_new(m, A, node, 0);
    orc_id b = orc_t_new(m, B, node, 0);
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_STRONG, A));
    ORC_T_OK(orc_handle_alloc(m, 0, ORC_HANDLE_WEAK, B));
    ORC_T_OK(orc_drop(m, A));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_collect(m, 2, false));
    ck_assert(orc_t_info(m, a).alive);      /* the leaked strong handle */
    ck_assert(!orc_t_info(m, b).alive);
    orc_handle_info hi;
    ck_assert_int_eq(orc_handle_get(m, 0, &hi), ORC_OK);
    ck_assert(hi.bound && !hi.freed);
    ck_assert_int_eq(hi.kind, ORC_HANDLE_WEAK);
    ck_assert_uint_eq(hi.target, ORC_NULL);
    orc_destroy(m);
}
END_TEST

/* operations out of sequence are API misuse, not program errors */
START_TEST(sequence_errors)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 24, 1, ORC_FIN_NONE, 0, false);
    ck_assert_int_eq(orc_alloc_end(m, false, NULL), ORC_E_STATE);
    ck_assert_int_eq(orc_alloc_begin(m, A, node, 0, NULL), ORC_OK);
    ck_assert_int_eq(orc_alloc_begin(m, B, node, 0, NULL), ORC_E_STATE);
    ck_assert_int_eq(orc_collect(m, 0, false), ORC_E_STATE);
    ck_assert_int_eq(orc_copy(m, B, A), ORC_E_STATE);
    ck_assert_int_eq(orc_finalize_begin(m, 0), ORC_E_STATE);
    ck_assert_int_eq(orc_alloc_end(m, false, NULL), ORC_OK);
    ck_assert_int_eq(orc_finalize_call_end(m), ORC_E_STATE);
    ck_assert_int_eq(orc_finalize_end(m), ORC_E_STATE);
    orc_gc_request rq = { .gen = 3, .reason = ORC_REASON_INDUCED };
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ARG);
    rq.gen = 1;
    rq.compact_loh = true;
    ck_assert_int_eq(orc_gc(m, &rq), ORC_E_ARG);
    ck_assert_uint_eq(orc_gc_total(m), 0);
    orc_destroy(m);
}
END_TEST

static const char *name_local(void *ctx, uint32_t local)
{
    (void)ctx;
    static const char *names[] = { "a", "b", "c", "d" };
    return local < 4 ? names[local] : NULL;
}

/* .orc.root-path */
START_TEST(root_path)
{
    orc_model *m = orc_t_model(ORC_PROFILE_STRICT);
    orc_type_id node = orc_t_fixed(m, "Node", 32, 2, ORC_FIN_NONE, 0, false);
    orc_t_new(m, A, node, 0);
    orc_t_new(m, B, node, 0);
    orc_id c = orc_t_new(m, C, node, 0);
    ORC_T_OK(orc_store(m, A, 1, B));
    ORC_T_OK(orc_store(m, B, 0, C));
    ORC_T_OK(orc_drop(m, B));
    ORC_T_OK(orc_drop(m, C));
    orc_root_path p;
    ck_assert_int_eq(orc_root_path_find(m, c, &p), ORC_OK);
    ck_assert_int_eq(p.root, ORC_ROOT_LOCAL);
    ck_assert_uint_eq(p.index, A);
    ck_assert_uint_eq(p.nsteps, 2);
    char buf[128];
    size_t n = orc_root_path_format(&p, name_local, NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "local a -> slot 1 -> slot 0");
    ck_assert_uint_eq(n, strlen(buf));
    n = orc_root_path_format(&p, NULL, NULL, buf, 8);      /* truncated, terminated */
    ck_assert_uint_eq(strlen(buf), 7);
    ck_assert_uint_gt(n, 7);
    /* via a static: one step, shorter than the local's two */
    ORC_T_OK(orc_load(m, D, A, 1));
    ORC_T_OK(orc_static_set(m, 2, D));
    ORC_T_OK(orc_drop(m, D));
    ck_assert_int_eq(orc_root_path_find(m, c, &p), ORC_OK);
    orc_root_path_format(&p, name_local, NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "static s2 -> slot 0");
    /* equal lengths: locals come before statics */
    ORC_T_OK(orc_load(m, D, A, 1));
    ck_assert_int_eq(orc_root_path_find(m, c, &p), ORC_OK);
    orc_root_path_format(&p, name_local, NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "local d -> slot 0");
    ORC_T_OK(orc_drop(m, D));
    ORC_T_OK(orc_static_set(m, 2, ORC_LOCAL_NONE));
    ck_assert_int_eq(orc_root_path_find(m, c, &p), ORC_OK);
    orc_root_path_format(&p, name_local, NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "local a -> slot 1 -> slot 0");
    ORC_T_OK(orc_store(m, A, 1, ORC_LOCAL_NONE));
    ck_assert_int_eq(orc_root_path_find(m, c, &p), ORC_OK);
    ck_assert_int_eq(p.root, ORC_ROOT_NONE);
    orc_destroy(m);
}
END_TEST

/* .orc.independent: no oracle source includes the runtime's headers.  The
   sources are found next to this file (CMake passes absolute paths). */
START_TEST(independent_of_runtime)
{
    char dir[1024];
    const char *me = __FILE__;
    const char *slash = strrchr(me, '/');
    if (!slash)
        return;                                  /* relative build: nothing to scan */
    snprintf(dir, sizeof dir, "%.*s/../oracle", (int)(slash - me), me);
    DIR *d = opendir(dir);
    if (!d)
        return;
    unsigned scanned = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        ck_assert_ptr_nonnull(f);
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "#include", 8) != 0)
                continue;
            if (strstr(line, "mgc.h") || strstr(line, "runtime/") || strstr(line, "internal.h") ||
                strstr(line, "types.h"))
                ck_abort_msg("%s includes a runtime header: %s", e->d_name, line);
        }
        fclose(f);
        scanned++;
    }
    closedir(d);
    ck_assert_uint_ge(scanned, 5);
}
END_TEST

Suite *make_orc_model_suite(void)
{
    Suite *s = suite_create("orc_model");
    TCase *tc = tcase_create("orc_model");
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, loh_boundary);
    tcase_add_test(tc, loh_threshold_config);
    tcase_add_test(tc, type_errors);
    tcase_add_test(tc, program_errors);
    tcase_add_test(tc, drop_keeps_name);
    tcase_add_test(tc, statements_bind);
    tcase_add_test(tc, handle_rebind);
    tcase_add_test(tc, sequence_errors);
    tcase_add_test(tc, root_path);
    tcase_add_test(tc, independent_of_runtime);
    suite_add_tcase(s, tc);
    return s;
}
