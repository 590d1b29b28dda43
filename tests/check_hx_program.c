/* check_hx_program.c -- the program IR (harness/program.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "testutil.h"

static hx_program small_program(void)
{
    hx_program p;
    hx_t_parse_ok("type Node size=32 refs=2\n"
                  "type Blob array elem=1\n"
                  "type Maker size=24 finalizer=alloc:Blob\n"
                  "type Unused size=24\n"
                  "a = new Node\n"
                  "b = new Blob[100]\n"
                  "a.0 = b\n"
                  "h = handle weak a\n"
                  "c = target h\n"
                  "m = new Maker\n"
                  "thread 5\n", &p);
    return p;
}

START_TEST(test_defaults)
{
    hx_program p;
    hx_program_init(&p);
    ck_assert_uint_eq(p.sig, HX_PROGRAM_SIG);
    ck_assert_uint_eq(p.heap.value[HX_KEY_GEN0_BUDGET], 256 * 1024);
    ck_assert_uint_eq(p.heap.value[HX_KEY_GEN1_BUDGET], 2 * 1024 * 1024);
    ck_assert_uint_eq(p.heap.value[HX_KEY_GEN2_BUDGET], 10 * 1024 * 1024);
    ck_assert_uint_eq(p.heap.value[HX_KEY_LOH_BUDGET], 16 * 1024 * 1024);
    ck_assert_uint_eq(p.heap.value[HX_KEY_LOH_THRESHOLD], 85000);
    ck_assert_uint_eq(p.heap.value[HX_KEY_SEGMENT_SIZE], 4 * 1024 * 1024);
    ck_assert_uint_eq(p.heap.value[HX_KEY_HARD_LIMIT], 0);
    ck_assert_int_eq(p.heap.profile, HX_PROFILE_STRICT);
    ck_assert(hx_program_check(&p, NULL));
    ck_assert_uint_eq(hx_program_threads(&p), 1);
    ck_assert_str_eq(hx_heap_key_name(HX_KEY_SEGMENT_SIZE), "segment_size");
    ck_assert_str_eq(hx_stmt_kind_name(HX_ST_EXPECT_PINNED), "expect_pinned_count");
    ck_assert_str_eq(hx_handle_kind_name(HX_HANDLE_WEAK_LONG), "weak_long");
    hx_program_free(&p);
}
END_TEST

START_TEST(test_sizes_and_helpers)
{
    hx_program p = small_program();
    const hx_type *blob = &p.types[1];
    ck_assert_uint_eq(hx_type_instance_size(blob, 84976), 85000);
    hx_type refs = { .name = "R", .kind = HX_TYPE_REF_ARRAY };
    ck_assert_uint_eq(hx_type_instance_size(&refs, 10622), 85000);
    ck_assert_uint_eq(hx_type_instance_size(&p.types[0], 99), 32);
    ck_assert_uint_eq(hx_program_threads(&p), 6);
    uint32_t rd[2];
    ck_assert_uint_eq(hx_stmt_reads_locals(&p.stmts[2], rd), 2);    /* a.0 = b */
    ck_assert_uint_eq(rd[0], 0);
    ck_assert_uint_eq(rd[1], 1);
    ck_assert_uint_eq(hx_stmt_binds_local(&p.stmts[4]), 2);         /* c = target h */
    ck_assert_uint_eq(hx_stmt_binds_local(&p.stmts[2]), HX_NONE);
    ck_assert(hx_stmt_uses_handle(&p.stmts[3]));
    ck_assert(!hx_stmt_uses_handle(&p.stmts[0]));
    hx_program_free(&p);
}
END_TEST

START_TEST(test_copy_equal_remove)
{
    hx_program p = small_program(), q;
    ck_assert(hx_program_copy(&q, &p));
    ck_assert(hx_program_equal(&p, &q));
    q.stmts[1].length = 101;
    ck_assert(!hx_program_equal(&p, &q));
    q.stmts[1].length = 100;
    q.stmts[0].pos.line = 99;                 /* positions do not count */
    q.stmts[0].slot = 7;                      /* nor fields the kind does not use */
    ck_assert(hx_program_equal(&p, &q));
    hx_program_remove(&q, 1, 2);
    ck_assert_uint_eq(q.nstmts, p.nstmts - 2);
    ck_assert_int_eq(q.stmts[1].kind, HX_ST_HANDLE);
    ck_assert(!hx_program_equal(&p, &q));
    hx_program_remove(&q, 0, 1000);
    ck_assert_uint_eq(q.nstmts, 0);
    hx_program_free(&q);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_compact_tables)
{
    hx_program p = small_program();
    /* drop "a = new Node" .. "c = target h": Node and h, a, b, c unused */
    hx_program_remove(&p, 0, 5);
    hx_program_compact_tables(&p);
    ck_assert(hx_program_check(&p, NULL));
    ck_assert_uint_eq(p.ntypes, 2);           /* Maker and Blob (alloc:Blob) */
    ck_assert_str_eq(p.types[0].name, "Blob");
    ck_assert_str_eq(p.types[1].name, "Maker");
    ck_assert_uint_eq(p.types[1].fin_alloc, 0);
    ck_assert_uint_eq(p.nlocals, 1);
    ck_assert_str_eq(p.locals[0], "m");
    ck_assert_uint_eq(p.nhandles, 0);
    ck_assert_uint_eq(p.stmts[0].type, 1);
    hx_t_assert_roundtrip(&p);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_normal_form_order)
{
    hx_program p = small_program();
    /* remove "a = new Node": now b is mentioned before a */
    hx_program_remove(&p, 0, 1);
    hx_program_normalize(&p);
    ck_assert_str_eq(p.locals[0], "b");
    ck_assert_str_eq(p.locals[1], "a");
    ck_assert_uint_eq(p.ntypes, 4);           /* normalize keeps the types */
    ck_assert_uint_eq(p.stmts[1].obj, 1);     /* a.0 = b */
    ck_assert_uint_eq(p.stmts[1].src, 0);
    hx_t_assert_roundtrip(&p);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_check_rejects)
{
    hx_diag d;
    hx_program p = small_program();
    p.stmts[2].slot = 2;                              /* Node has 2 slots */
    ck_assert(!hx_program_check(&p, &d));
    ck_assert_str_eq(d.msg, "slot 2 out of range: 'a' is a Node with 2 reference slots");
    ck_assert_uint_eq(d.pos.line, 7);
    hx_program_free(&p);

    p = small_program();
    p.types[1].fin = HX_FIN_COUNT;
    ck_assert(!hx_program_check(&p, &d));
    ck_assert_str_eq(d.msg, "array type 'Blob' cannot have a finalizer");
    hx_program_free(&p);

    p = small_program();
    hx_program_remove(&p, 3, 1);                      /* handle statement */
    ck_assert(!hx_program_check(&p, &d));
    ck_assert_str_eq(d.msg, "handle 'h' used before any 'handle' statement names it");
    hx_program_free(&p);

    p = small_program();
    hx_stmt *s = hx_program_append(&p, HX_ST_COLLECT);
    ck_assert_int_eq(s->gen, 2);
    s->gen = 1;
    s->compact_loh = true;
    ck_assert(!hx_program_check(&p, &d));
    ck_assert_str_eq(d.msg, "compact_loh needs a gen2 collection");
    hx_program_free(&p);

    p = small_program();
    p.heap.value[HX_KEY_LOH_THRESHOLD] = 1000;
    ck_assert(!hx_program_check(&p, &d));
    hx_program_free(&p);

    p = small_program();
    ck_assert_uint_ne(hx_program_handle(&p, "a"), HX_NONE);   /* clashes with local a */
    ck_assert(!hx_program_check(&p, &d));
    ck_assert_str_eq(d.msg, "'a' names two locals or handles");
    hx_program_free(&p);

    p = small_program();
    s = hx_program_append(&p, HX_ST_THREAD);
    s->thread = HX_THREADS;
    ck_assert(!hx_program_check(&p, &d));
    hx_program_free(&p);
}
END_TEST

START_TEST(test_renumber)
{
    hx_program p = small_program();
    for (size_t i = 0; i < p.nstmts; i++)
        p.stmts[i].pos.line = 0;
    hx_program_renumber(&p);
    ck_assert_uint_eq(p.types[0].pos.line, 1);      /* default heap: no heap line */
    ck_assert_uint_eq(p.stmts[0].pos.line, 5);
    p.heap.value[HX_KEY_GEN0_BUDGET] = 4096;
    hx_program_renumber(&p);
    ck_assert_uint_eq(p.stmts[0].pos.line, 6);
    char *t = hx_print_string(&p, NULL);
    /* line 6 of the text is the first statement */
    const char *line = t;
    for (int i = 1; i < 6; i++)
        line = strchr(line, '\n') + 1;
    ck_assert(strncmp(line, "a = new Node\n", 13) == 0);
    free(t);
    hx_program_free(&p);
}
END_TEST

Suite *make_hx_program_suite(void)
{
    Suite *s = suite_create("hx_program");
    TCase *tc = tcase_create("program");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_sizes_and_helpers);
    tcase_add_test(tc, test_copy_equal_remove);
    tcase_add_test(tc, test_compact_tables);
    tcase_add_test(tc, test_normal_form_order);
    tcase_add_test(tc, test_check_rejects);
    tcase_add_test(tc, test_renumber);
    suite_add_tcase(s, tc);
    return s;
}
