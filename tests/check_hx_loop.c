/* check_hx_loop.c -- `repeat N { ... }` blocks (.prog.loop, .codec.loop)
 * through the parser, the printer, the checker, the binary format and the
 * executor. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "codec.h"
#include "exec.h"
#include "gen.h"
#include "minimize.h"
#include "testutil.h"

static const char chain[] =
    "type Node size=32 refs=2\n"
    "type Refs array elem=ref\n"
    "head = new Node\n"
    "arr = new Refs[300]\n"
    "repeat 150 {\n"
    "  n = new Node\n"
    "  n.0 = head\n"
    "  head = n\n"
    "  arr.i = n\n"
    "  repeat 2 {\n"
    "    x = arr.i+7\n"
    "    n.i = x\n"
    "  }\n"
    "}\n"
    "drop n\n"
    "repeat 0 {\n"
    "  drop head\n"
    "}\n"
    "collect\n"
    "repeat 3 {\n"
    "  collect 0\n"
    "}\n";

START_TEST(test_loop_parse_print)
{
    hx_program p;
    hx_t_parse_ok(chain, &p);
    ck_assert(hx_program_has_loops(&p));
    ck_assert_int_eq(p.stmts[2].kind, HX_ST_REPEAT);
    ck_assert_uint_eq(p.stmts[2].count, 150);
    ck_assert(p.stmts[6].islot);
    ck_assert_uint_eq(p.stmts[6].slot, 0);
    ck_assert(p.stmts[8].islot);
    ck_assert_uint_eq(p.stmts[8].slot, 7);
    ck_assert_uint_eq(p.stmts[3].pos.col, 3);
    /* canonical text: the input itself (indented bodies) */
    char *t = hx_print_string(&p, NULL);
    ck_assert_str_eq(t, chain);
    free(t);
    hx_t_assert_roundtrip(&p);
    hx_program_renumber(&p);
    ck_assert_uint_eq(p.stmts[8].pos.col, 5);
    ck_assert_uint_eq(hx_program_block_end(&p, 2), 11);
    ck_assert_uint_eq(hx_program_block_end(&p, 7), 10);
    /* each statement once per iteration around it, a `}` once per
       iteration of its block: what the executor counts */
    uint64_t want = 2 + (1 + 150) + 150 * (4 + (1 + 2) + 2 * 2) + 1 + 1 + 1 + (1 + 3) + 3;
    ck_assert_uint_eq(hx_program_exec_count(&p), want);
    hx_program_free(&p);
}
END_TEST

static void parse_err(const char *text, const char *want, unsigned line, unsigned col)
{
    hx_program p;
    hx_diag d;
    ck_assert_msg(!hx_parse(text, strlen(text), "t.gcp", &p, &d), "accepted: %s", text);
    ck_assert_msg(strstr(d.msg, want) != NULL, "message '%s' lacks '%s'", d.msg, want);
    ck_assert_uint_eq(d.pos.line, line);
    ck_assert_uint_eq(d.pos.col, col);
}

START_TEST(test_loop_errors)
{
    parse_err("type N size=24\nrepeat 3 {\na = new N\n", "without its closing", 2, 1);
    parse_err("type N size=24\n}\n", "without a repeat block", 2, 1);
    parse_err("type N size=32 refs=2\na = new N\na.i = null\n", "outside a repeat", 3, 3);
    parse_err("type N size=32 refs=2\na = new N\nrepeat 3 x\n", "expected '{'", 3, 10);
    parse_err("type N size=32 refs=2\na = new N\nrepeat 3 {\na.i = null\n}\n",
              "out of range", 4, 3);
    parse_err("type N size=32 refs=2\na = new N\nrepeat 2 {\na.i+1 = null\n}\n",
              "out of range", 4, 3);
    parse_err("repeat {\n}\n", "repetition count", 1, 8);
    char deep[512] = "";
    for (int i = 0; i <= HX_LOOP_DEPTH_MAX; i++)
        strcat(deep, "repeat 1 {\n");
    parse_err(deep, "nested deeper", HX_LOOP_DEPTH_MAX + 1, 1);
    /* old names stay names */
    hx_program p;
    hx_t_parse_ok("type N size=32 refs=2\nrepeat = new N\ni = new N\nrepeat.1 = i\n"
                  "drop repeat\n", &p);
    ck_assert_uint_eq(p.nstmts, 4);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_loop_check)
{
    hx_program p;
    hx_t_parse_ok(chain, &p);
    /* unbalanced programs fail the structural check */
    hx_program q;
    ck_assert(hx_program_copy(&q, &p));
    hx_program_remove(&q, 2, 1);
    ck_assert(!hx_program_check(&q, NULL));
    hx_program_free(&q);
    ck_assert(hx_program_copy(&q, &p));
    hx_program_remove(&q, 11, 1);
    ck_assert(!hx_program_check(&q, NULL));
    hx_program_free(&q);
    /* `i` outside a block */
    ck_assert(hx_program_copy(&q, &p));
    ck_assert(q.stmts[6].islot);
    q.stmts[16] = q.stmts[6];
    ck_assert(!hx_program_check(&q, NULL));
    hx_program_free(&q);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_loop_codec_exact)
{
    hx_program p;
    hx_t_parse_ok(chain, &p);
    ck_assert_ptr_null(hx_codec_beyond_limits(&p));
    uint8_t *b;
    size_t n;
    ck_assert(hx_encode(&p, &b, &n));
    ck_assert_uint_eq(b[0], HX_CODEC_VERSION);
    hx_program q;
    ck_assert(hx_decode(b, n, &q));
    ck_assert(hx_program_equal(&p, &q));
    free(b);
    hx_program_free(&q);
    hx_program_free(&p);
    /* a million-node chain is beyond the fuzzer inputs' bounds */
    hx_t_parse_ok("type N size=32 refs=2\nh = new N\nrepeat 1m {\n  n = new N\n  n.0 = h\n"
                  "  h = n\n}\n", &p);
    ck_assert_ptr_nonnull(hx_codec_beyond_limits(&p));
    hx_program_free(&p);
}
END_TEST

/* Byte 0xE7 is an ordinary opcode below version 4 (old inputs decode as
   they did) and the extension opcode from 4 on. */
START_TEST(test_loop_codec_versions)
{
    uint8_t b[] = { 3, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    0xE7, 0x05 };
    hx_program p;
    ck_assert(hx_decode(b, sizeof b, &p));
    ck_assert_uint_eq(p.nstmts, 1);
    ck_assert_int_eq(p.stmts[0].kind, HX_ST_THREAD);
    ck_assert_uint_eq(p.stmts[0].thread, 5);
    hx_program_free(&p);
    b[0] = 4;                               /* `}` with no block: finalize */
    ck_assert(hx_decode(b, sizeof b, &p));
    ck_assert_uint_eq(p.nstmts, 1);
    ck_assert_int_eq(p.stmts[0].kind, HX_ST_FINALIZE);
    hx_program_free(&p);
    /* fuzz mode: repeat 4 { new Node } closed at the end of the input */
    uint8_t c[] = { 4, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    0xE7, 0x00, 3, 0x00, 0x00, 0x00 };
    ck_assert(hx_decode(c, sizeof c, &p));
    ck_assert_uint_eq(p.nstmts, 3);
    ck_assert_int_eq(p.stmts[0].kind, HX_ST_REPEAT);
    ck_assert_uint_eq(p.stmts[0].count, 4);
    ck_assert_int_eq(p.stmts[1].kind, HX_ST_NEW);
    ck_assert_int_eq(p.stmts[2].kind, HX_ST_END);
    hx_program_free(&p);
}
END_TEST

static hx_exec_status run(const hx_program *p, bool fuzz, hx_exec_outcome *r)
{
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.no_views = true;
    o.fuzz = fuzz;
    return hx_exec_run(p, "loop.gcp", &o, r);
}

START_TEST(test_loop_exec)
{
    hx_program p;
    hx_t_parse_ok(chain, &p);
    hx_exec_outcome r;
    ck_assert_int_eq(run(&p, false, &r), HX_EXEC_PASS);
    ck_assert_uint_eq(r.steps, hx_program_exec_count(&p));
    ck_assert_uint_ge(r.objects, 151);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
    /* the index moves: slot i of a 3-slot array is out of range in the
       fourth iteration, a program error at that statement */
    hx_t_parse_ok("type N size=32 refs=2\ntype R array elem=ref\na = new N\nr = new R[3]\n"
                  "repeat 4 {\n  r.i = a\n}\n", &p);
    ck_assert_int_eq(run(&p, false, &r), HX_EXEC_BAD_PROGRAM);
    ck_assert_str_eq(r.fail.check, "PE");
    ck_assert_uint_eq(r.fail.pos.line, 6);
    ck_assert_uint_eq(r.steps, 1 + 1 + 1 + 3 * 2 + 1);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
    /* expectations see every iteration's effect */
    hx_t_parse_ok("type N size=32 refs=2\nh = new N\nrepeat 100 {\n  n = new N\n  n.0 = h\n"
                  "  h = n\n}\ndrop n\ncollect\nexpect gen h 1\nrepeat 2 {\n  collect\n}\n"
                  "expect collections 2 3\n", &p);
    ck_assert_int_eq(run(&p, false, &r), HX_EXEC_PASS);
    ck_assert_uint_eq(r.objects, 101);
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
}
END_TEST

/* Generated programs with blocks run clean: fuzz mode keeps every operand
   valid in every iteration (.codec.loop-valid). */
START_TEST(test_loop_generated_valid)
{
    uint64_t seed = gcf_test_seed("loop generated");
    int with = 0, n = gcf_under_valgrind() ? 10 : 150;
    for (int i = 0; i < n; i++) {
        hx_program p;
        ck_assert(hx_gen(seed + (uint64_t)i, 150, &p));
        if (!hx_program_has_loops(&p)) {
            hx_program_free(&p);
            continue;
        }
        with++;
        hx_exec_outcome r;
        hx_exec_status st = run(&p, false, &r);
        ck_assert_msg(st == HX_EXEC_PASS, "seed %llu: %s %s",
                      (unsigned long long)(seed + (uint64_t)i), r.fail.stmt_text, r.fail.message);
        ck_assert_uint_eq(r.steps, hx_program_exec_count(&p));
        hx_exec_outcome_free(&r);
        hx_program_free(&p);
    }
    ck_assert_int_gt(with, n / 10);
}
END_TEST

/* The minimizer shrinks counts and bodies, removes and unwraps blocks:
   here the failure needs a block of at least 37 iterations holding a
   collection. */
static bool needs_block(const hx_program *p, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < p->nstmts; i++)
        if (p->stmts[i].kind == HX_ST_REPEAT && p->stmts[i].count >= 37)
            for (size_t j = i + 1; j < hx_program_block_end(p, i); j++)
                if (p->stmts[j].kind == HX_ST_COLLECT)
                    return true;
    return false;
}

START_TEST(test_loop_minimize)
{
    hx_program p, out;
    hx_t_parse_ok("type N size=32 refs=2\ntype R array elem=ref\nr = new R[5000]\n"
                  "repeat 3 {\n  a = new N\n}\nrepeat 5000 {\n  x = new N\n  r.i = x\n"
                  "  repeat 2 {\n    collect 0\n    x.i = x\n  }\n  drop x\n}\ncollect\n", &p);
    ck_assert(needs_block(&p, NULL));
    hx_min_stats st;
    ck_assert_int_eq(hx_minimize(&p, needs_block, NULL, NULL, &out, &st), HX_MIN_OK);
    char *t = hx_print_string(&out, NULL);
    ck_assert_str_eq(t, "repeat 37 {\n  collect\n}\n");
    free(t);
    hx_program_free(&out);
    hx_program_free(&p);
}
END_TEST

Suite *make_hx_loop_suite(void)
{
    Suite *s = suite_create("hx_loop");
    TCase *tc = tcase_create("loop");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_loop_parse_print);
    tcase_add_test(tc, test_loop_errors);
    tcase_add_test(tc, test_loop_check);
    tcase_add_test(tc, test_loop_codec_exact);
    tcase_add_test(tc, test_loop_codec_versions);
    tcase_add_test(tc, test_loop_exec);
    tcase_add_test(tc, test_loop_generated_valid);
    tcase_add_test(tc, test_loop_minimize);
    suite_add_tcase(s, tc);
    return s;
}
