/* check_hx_text.c -- the .gcp parser and printer (harness/text.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "gen.h"
#include "testutil.h"

/* ---- the format contract's examples (docs/format.md) -------------------- */

START_TEST(test_format_examples_parse)
{
    char *all = hx_t_format_all();
    hx_program p;
    hx_t_parse_ok(all, &p);
    ck_assert_uint_eq(p.ntypes, 8);
    ck_assert_uint_eq(p.nstmts, 29);
    /* spot checks of what the parser built */
    const hx_type *blob = &p.types[hx_program_find_type(&p, "Blob")];
    ck_assert_int_eq(blob->kind, HX_TYPE_BYTE_ARRAY);
    const hx_type *both = &p.types[hx_program_find_type(&p, "Both")];
    ck_assert_int_eq(both->fin, HX_FIN_RESURRECT_REREGISTER);
    ck_assert_uint_eq(both->fin_static, 1);
    ck_assert(p.types[hx_program_find_type(&p, "Crit")].critical);
    ck_assert_uint_eq(p.heap.value[HX_KEY_GEN0_BUDGET], 256 * 1024);
    const hx_stmt *s = &p.stmts[1];
    ck_assert_int_eq(s->kind, HX_ST_NEW);
    ck_assert_uint_eq(s->length, 84976);
    ck_assert_uint_eq(s->pos.line, 11);
    ck_assert_uint_eq(s->pos.col, 1);
    ck_assert_int_eq(p.stmts[16].kind, HX_ST_COLLECT);
    ck_assert(p.stmts[16].compact_loh);
    ck_assert_int_eq(p.stmts[15].gen, 2);
    ck_assert_int_eq(p.stmts[18].kind, HX_ST_THREAD);
    ck_assert_uint_eq(p.stmts[18].thread, 2);
    ck_assert_int_eq(p.stmts[24].kind, HX_ST_EXPECT_COLLECTIONS);
    ck_assert_uint_eq(p.stmts[24].count, 3);
    ck_assert_uint_eq(hx_program_threads(&p), 3);
    hx_t_assert_roundtrip(&p);
    hx_program_free(&p);
    free(all);
}
END_TEST

START_TEST(test_format_blocks_roundtrip)
{
    /* each block of the contract's examples on its own (statements need the header) */
    const char *blocks[] = { hx_t_format_header, NULL };
    for (int i = 0; blocks[i]; i++) {
        hx_program p;
        hx_t_parse_ok(blocks[i], &p);
        hx_t_assert_roundtrip(&p);
        hx_program_free(&p);
    }
    char *all = hx_t_format_all();
    hx_program p;
    hx_t_parse_ok(all, &p);
    hx_t_assert_roundtrip(&p);
    hx_program_free(&p);
    free(all);
}
END_TEST

START_TEST(test_canonical_text)
{
    const char *in =
        "# a comment line\n\n"
        "heap   gen0_budget=65536 segment_size=1m   profile=clr # trailing\n"
        "type  N size=32 refs=2\n"
        "type B array elem=1\n"
        "type F finalizer=count\n"
        "x=new N\n"
        "y = new B[ 1k ]\n"
        "x.1=y\n"
        "collect 2\n"
        "collect compact_loh\n";
    const char *want =
        "heap gen0_budget=64k segment_size=1m profile=clr\n"
        "type N size=32 refs=2\n"
        "type B array elem=1\n"
        "type F size=24 finalizer=count\n"
        "x = new N\n"
        "y = new B[1024]\n"
        "x.1 = y\n"
        "collect\n"
        "collect 2 compact_loh\n";
    hx_program p;
    hx_t_parse_ok(in, &p);
    char *t = hx_print_string(&p, NULL);
    ck_assert_str_eq(t, want);
    hx_program q;
    hx_t_parse_ok(t, &q);
    char *t2 = hx_print_string(&q, NULL);
    ck_assert_str_eq(t2, want);               /* fixed point after one print */
    free(t);
    free(t2);
    hx_program_free(&p);
    hx_program_free(&q);
}
END_TEST

START_TEST(test_keywords_as_names)
{
    const char *in =
        "type Node size=32 refs=2\n"
        "drop = new Node\n"
        "new = drop\n"
        "collect.0 = new\n"
        "collect = new Node\n"
        "drop drop\n"
        "target = handle strong new\n"
        "static = target target\n";
    hx_program p;
    hx_t_parse_ok(in, &p);
    ck_assert_int_eq(p.stmts[1].kind, HX_ST_COPY);
    ck_assert_int_eq(p.stmts[4].kind, HX_ST_DROP);
    ck_assert_int_eq(p.stmts[5].kind, HX_ST_HANDLE);
    ck_assert_int_eq(p.stmts[6].kind, HX_ST_TARGET);
    hx_t_assert_roundtrip(&p);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_forward_alloc_and_defaults)
{
    const char *in =
        "type Maker finalizer=alloc:Later\n"
        "type Later refs=3\n"
        "m = new Maker\n";
    hx_program p;
    hx_t_parse_ok(in, &p);
    ck_assert_uint_eq(p.types[0].fin_alloc, 1);
    ck_assert_uint_eq(p.types[0].size, 24);
    ck_assert_uint_eq(p.types[1].size, 40);     /* 16 + 3 * 8 */
    hx_t_assert_roundtrip(&p);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_statics_up_to_63)
{
    hx_program p;
    hx_t_parse_ok("type L size=24\nx = new L\nstatic s63 = x\ny = static s63\n", &p);
    ck_assert_uint_eq(p.stmts[1].stat, 63);
    hx_program_free(&p);
}
END_TEST

/* ---- one test per error message ---------------------------------------- */

static const char HDR[] = "type Node size=32 refs=2\ntype Blob array elem=1\n";

static const struct err_case {
    const char *text;       /* after HDR when with_hdr */
    bool with_hdr;
    const char *want;       /* exact "file:line:col: message" */
} err_cases[] = {
    { "x = new = 3\n", true, "t.gcp:3:9: expected a type name after 'new', got '='" },
    { "x = new Nope\n", true, "t.gcp:3:9: unknown type 'Nope'" },
    { "b = new Blob\n", true, "t.gcp:3:13: array type 'Blob' needs a length: new Blob[N]" },
    { "a = new Node[3]\n", true, "t.gcp:3:13: type 'Node' is not an array type: new Node takes no length" },
    { "b = new Blob[\n", true, "t.gcp:3:14: expected an array length after '[', got end of line" },
    { "b = new Blob[3\n", true, "t.gcp:3:15: expected ']' after the array length, got end of line" },
    { "type A array elem=1 finalizer=count\n", false, "t.gcp:1:21: array type 'A' cannot have a finalizer" },
    { "type A array elem=ref critical\n", false, "t.gcp:1:23: array type 'A' cannot have a finalizer" },
    { "type A array\n", false, "t.gcp:1:8: array type 'A' needs elem=1 or elem=ref" },
    { "type A array elem=2\n", false, "t.gcp:1:19: expected 1 or ref after 'elem=', got '2'" },
    { "type A size=32 array elem=1\n", false, "t.gcp:1:8: array type 'A' cannot have size= or refs= (its size comes from the length)" },
    { "type A size=32 elem=1\n", false, "t.gcp:1:16: elem= needs 'array' (type A array elem=1|ref)" },
    { "type A size=16\n", false, "t.gcp:1:8: size=16 too small: an object is at least 24 bytes" },
    { "type A size=24 refs=2\n", false, "t.gcp:1:16: refs=2 does not fit in size=24 (needs size >= 32)" },
    { "type A refs=5000\n", false, "t.gcp:1:8: refs=5000 too large (at most 4096 reference slots)" },
    { "type A size=24 critical\n", false, "t.gcp:1:16: critical needs a finalizer (finalizer=...)" },
    { "type A size=24 size=32\n", false, "t.gcp:1:16: attribute 'size' given twice" },
    { "type A size=24 colour=3\n", false, "t.gcp:1:16: expected a type attribute (size=, refs=, array, elem=, finalizer=, critical), got 'colour'" },
    { "type A size 24\n", false, "t.gcp:1:13: expected '=' after 'size', got '24'" },
    { "type A size=big\n", false, "t.gcp:1:13: expected a number after 'size=', got 'big'" },
    { "type A finalizer=explode\n", false, "t.gcp:1:18: expected a finalizer behaviour (count, resurrect:sN, reregister, resurrect_reregister:sN, alloc:TYPE), got 'explode'" },
    { "type A finalizer=resurrect s0\n", false, "t.gcp:1:28: expected ':' after 'resurrect', got 's0'" },
    { "type A finalizer=resurrect:s64\n", false, "t.gcp:1:28: static slot s64 out of range s0..s63" },
    { "type A finalizer=alloc:\n", false, "t.gcp:1:24: expected a type name after 'alloc:', got end of line" },
    { "type A finalizer=alloc:Ghost\n", false, "t.gcp:1:24: unknown type 'Ghost' in alloc:Ghost" },
    { "type Node size=24\n", true, "t.gcp:3:6: type 'Node' declared twice" },
    { "type 7\n", false, "t.gcp:1:6: expected a type name after 'type', got '7'" },
    { "a = new Node\ntype X size=24\n", true, "t.gcp:4:1: 'type' must come before the first statement" },
    { "a = new Node\nheap gen0_budget=1k\n", true, "t.gcp:4:1: 'heap' must come before the first statement" },
    { "heap gen0_budget=1k\nheap gen0_budget=2k\n", false, "t.gcp:2:6: heap key 'gen0_budget' given twice" },
    { "heap speed=3\n", false, "t.gcp:1:6: expected a heap key (gen0_budget, gen1_budget, gen2_budget, loh_budget, loh_threshold, segment_size, hard_limit, profile, fail_reserve, fail_commit), got 'speed'" },
    { "heap gen0_budget\n", false, "t.gcp:1:17: expected '=' after 'gen0_budget', got end of line" },
    { "heap gen0_budget=x\n", false, "t.gcp:1:18: expected a number after 'gen0_budget=', got 'x'" },
    { "heap profile=loose\n", false, "t.gcp:1:14: expected a profile (strict or clr), got 'loose'" },
    { "heap loh_threshold=80000\n", false, "t.gcp:1:20: loh_threshold must be at least 85000 (it can only be raised)" },
    { "heap segment_size=0\n", false, "t.gcp:1:19: segment_size must not be 0" },
    { "heap gen0_budget=12q\n", false, "t.gcp:1:18: bad number '12q': expected digits with an optional k or m suffix" },
    { "heap hard_limit=99999999999999\n", false, "t.gcp:1:17: number too large (the largest is 1099511627776)" },
    { "a = new Node\na ! b\n", true, "t.gcp:4:3: unexpected character '!'" },
    { "a = new Node\na \x01 b\n", true, "t.gcp:4:3: unexpected byte 0x01" },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = new Node\n", true, "t.gcp:3:1: name longer than 64 characters" },
    { "hello world\n", true, "t.gcp:3:1: expected a statement, got 'hello'" },
    { "42\n", true, "t.gcp:3:1: expected a statement, got '42'" },
    { "a = new Node extra\n", true, "t.gcp:3:14: expected end of line, got 'extra'" },
    { "a = = b\n", true, "t.gcp:3:5: expected new, handle, target, static or a local after '=', got '='" },
    { "a = null\n", true, "t.gcp:3:5: expected new, handle, target, static or a local after '=', got 'null'" },
    { "null = new Node\n", true, "t.gcp:3:1: 'null' cannot name a local" },
    { "a = new Node\na.x = a\n", true, "t.gcp:4:3: expected a slot number after '.', got 'x'" },
    { "a = new Node\na.0 b\n", true, "t.gcp:4:5: expected '=' after the slot, got 'b'" },
    { "a = new Node\na.0 = 5\n", true, "t.gcp:4:7: expected a local or null, got '5'" },
    { "a = new Node\na.2 = null\n", true, "t.gcp:4:3: slot 2 out of range: 'a' is a Node with 2 reference slots" },
    { "b = new Blob[8]\nc = b.0\n", true, "t.gcp:4:7: slot 0 out of range: 'b' is a Blob, a byte array with no reference slots" },
    { "a = new Node\nh = handle sticky a\n", true, "t.gcp:4:12: expected a handle kind (strong, pinned, weak, weak_long), got 'sticky'" },
    { "free h\n", true, "t.gcp:3:6: unknown handle 'h' (no earlier 'h = handle KIND x')" },
    { "a = new Node\nfree a\n", true, "t.gcp:4:6: 'a' is a local, not a handle" },
    { "a = new Node\nh = handle weak a\ndrop h\n", true, "t.gcp:5:6: 'h' is a handle, not a local" },
    { "a = new Node\na = handle weak a\n", true, "t.gcp:4:1: 'a' is a local, not a handle" },
    { "a = new Node\nh = handle weak a\nexpect target h 3\n", true, "t.gcp:5:17: expected a local or null, got '3'" },
    { "static s99 = null\n", true, "t.gcp:3:8: static slot s99 out of range s0..s63" },
    { "static x0 = null\n", true, "t.gcp:3:8: expected a static slot s0..s63, got 'x0'" },
    { "static s1 null\n", true, "t.gcp:3:11: expected '=' after the static slot, got 'null'" },
    { "collect 3\n", true, "t.gcp:3:9: generation 3 out of range 0..2" },
    { "collect 1 compact_loh\n", true, "t.gcp:3:11: compact_loh needs a gen2 collection (collect 2 compact_loh)" },
    { "collect now\n", true, "t.gcp:3:9: expected a generation 0..2, compact_loh or end of line, got 'now'" },
    { "collect 1 now\n", true, "t.gcp:3:11: expected compact_loh or end of line, got 'now'" },
    { "thread 64\n", true, "t.gcp:3:8: thread 64 out of range 0..63" },
    { "thread\n", true, "t.gcp:3:7: expected a thread number, got end of line" },
    { "finalize now\n", true, "t.gcp:3:10: expected end of line, got 'now'" },
    { "expect colour a\n", true, "t.gcp:3:8: expected an expectation (gen, loh, soh, null, target, finalized, collections, pinned_count, oom) after 'expect', got 'colour'" },
    { "a = new Node\nexpect gen a\n", true, "t.gcp:4:13: expected a generation 0..2, got end of line" },
    { "a = new Node\nexpect finalized a many\n", true, "t.gcp:4:20: expected a count of finalizer calls, got 'many'" },
    { "expect collections 0\n", true, "t.gcp:3:21: expected a collection count, got end of line" },
    { "expect pinned_count\n", true, "t.gcp:3:20: expected a count of pinned objects, got end of line" },
    { "drop\n", true, "t.gcp:3:5: expected a local name, got end of line" },
    { "a = new Node\nnull = handle weak a\n", true, "t.gcp:4:1: 'null' cannot name a handle" },
    { "free 3\n", true, "t.gcp:3:6: expected a handle name, got '3'" },
    { "a = new Node\nb = new Blob[1099511627770]\n", true, "t.gcp:4:1: array length out of range" },
    { "a = new Node\n\nb = a # ok\nc = a d\n", true, "t.gcp:6:7: expected end of line, got 'd'" },
};

START_TEST(test_error_message)
{
    const struct err_case *c = &err_cases[_i];
    char *text = malloc(strlen(HDR) + strlen(c->text) + 1);
    ck_assert_ptr_nonnull(text);
    strcpy(text, c->with_hdr ? HDR : "");
    strcat(text, c->text);
    hx_program p;
    hx_diag d;
    bool ok = hx_parse(text, strlen(text), "t.gcp", &p, &d);
    ck_assert_msg(!ok, "case %d parsed but should fail: %s", _i, c->text);
    char msg[512];
    hx_diag_format(&d, msg, sizeof msg);
    ck_assert_str_eq(msg, c->want);
    ck_assert_uint_eq(p.nstmts, 0);            /* *out left empty */
    hx_program_free(&p);
    free(text);
}
END_TEST

START_TEST(test_nul_byte)
{
    const char text[] = "type L size=24\nx = new L\0y\n";
    hx_program p;
    hx_diag d;
    ck_assert(!hx_parse(text, sizeof text - 1, "n.gcp", &p, &d));
    char msg[256];
    hx_diag_format(&d, msg, sizeof msg);
    ck_assert_str_eq(msg, "n.gcp:2:10: unexpected byte 0x00");
}
END_TEST

START_TEST(test_too_many_tokens)
{
    char line[400] = "heap";
    for (int i = 0; i < 70; i++)
        strcat(line, " =");
    hx_program p;
    hx_diag d;
    ck_assert(!hx_parse(line, strlen(line), "m.gcp", &p, &d));
    ck_assert_str_eq(d.msg, "line too long: more than 64 tokens");
    ck_assert_uint_eq(d.pos.col, 6 + 2 * 63);   /* the 65th token */
}
END_TEST

/* ---- robustness: mutated texts never crash; accepted ones round trip --- */

START_TEST(test_mutations_never_crash)
{
    uint64_t seed = gcf_test_seed("text mutations");
    gcf_rng r = { seed };
    char *base = hx_t_format_all();
    size_t n = strlen(base);
    int iters = gcf_under_valgrind() ? 300 : 3000, accepted = 0;
    static const char alphabet[] = " \n#=.[]:0123456789kmsabhnullnewtype\t\x01\xff";
    for (int it = 0; it < iters; it++) {
        char *t = malloc(n + 1);
        ck_assert_ptr_nonnull(t);
        memcpy(t, base, n + 1);
        int edits = 1 + (int)gcf_rng_below(&r, 4);
        for (int e = 0; e < edits; e++)
            t[gcf_rng_below(&r, n)] = alphabet[gcf_rng_below(&r, sizeof alphabet - 1)];
        hx_program p;
        hx_diag d;
        if (hx_parse(t, n, "mut.gcp", &p, &d)) {
            accepted++;
            ck_assert(hx_program_check(&p, NULL));
            hx_t_assert_roundtrip(&p);
            hx_program_free(&p);
        } else {
            ck_assert_uint_ge(d.pos.line, 1);
            ck_assert_uint_ge(d.pos.col, 1);
            ck_assert(d.msg[0] != 0);
        }
        free(t);
    }
    ck_assert_int_gt(accepted, 0);                /* some mutants stay valid */
    ck_assert_int_lt(accepted, iters);            /* and most are rejected */
    free(base);
}
END_TEST

START_TEST(test_generated_roundtrip)
{
    uint64_t seed = gcf_test_seed("generated text round trip");
    int n = gcf_under_valgrind() ? 20 : 200;
    for (int i = 0; i < n; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + (uint64_t)i, 1 + (size_t)i % 150, &p));
        hx_t_assert_roundtrip(&p);
        hx_program_free(&p);
    }
}
END_TEST

Suite *make_hx_text_suite(void)
{
    Suite *s = suite_create("hx_text");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_format_examples_parse);
    tcase_add_test(tc, test_format_blocks_roundtrip);
    tcase_add_test(tc, test_canonical_text);
    tcase_add_test(tc, test_keywords_as_names);
    tcase_add_test(tc, test_forward_alloc_and_defaults);
    tcase_add_test(tc, test_statics_up_to_63);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_loop_test(te, test_error_message, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
    tcase_add_test(te, test_nul_byte);
    tcase_add_test(te, test_too_many_tokens);
    suite_add_tcase(s, te);
    TCase *tr = tcase_create("robustness");
    tcase_set_timeout(tr, 60);
    tcase_add_test(tr, test_mutations_never_crash);
    tcase_add_test(tr, test_generated_roundtrip);
    suite_add_tcase(s, tr);
    return s;
}
