/* check_hx_codec.c -- the binary program format (harness/decode.c, encode.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_hx_util.h"
#include "codec.h"
#include "gen.h"
#include "testutil.h"

static void fill_random(gcf_rng *r, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)gcf_rng_next(r);
}

/* decode -> valid, printable, re-parsable, equal after the round trip */
static void assert_decodes_valid(const uint8_t *b, size_t n, hx_program *p)
{
    ck_assert(hx_decode(b, n, p));
    hx_diag d;
    char msg[512] = "";
    bool ok = hx_program_check(p, &d);
    if (!ok)
        hx_diag_format(&d, msg, sizeof msg);
    ck_assert_msg(ok, "decoded program invalid: %s", msg);
    hx_t_assert_roundtrip(p);
}

START_TEST(test_decode_total_random)
{
    uint64_t seed = gcf_test_seed("decoder totality");
    gcf_rng r = { seed };
    int iters = gcf_under_valgrind() ? 300 : 5000;
    size_t stmts = 0;
    for (int it = 0; it < iters; it++) {
        size_t n = (size_t)gcf_rng_below(&r, 400);
        uint8_t *b = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(b);
        fill_random(&r, b, n);
        if (it % 3 == 0 && n > 1)
            b[1] = (uint8_t)(HX_CODEC_EXACT_TAG | (b[1] & 0x0f));   /* exact mode too */
        hx_program p;
        assert_decodes_valid(b, n, &p);
        stmts += p.nstmts;
        hx_program_free(&p);
        free(b);
    }
    ck_assert_uint_gt(stmts, (size_t)iters * 10);   /* inputs become real programs */
}
END_TEST

START_TEST(test_decode_edge_inputs)
{
    hx_program p;
    assert_decodes_valid(NULL, 0, &p);                   /* empty input */
    ck_assert_uint_eq(p.nstmts, 0);
    ck_assert_uint_gt(p.ntypes, 0);
    hx_program_free(&p);
    uint8_t ff[300], zero[300];
    memset(ff, 0xff, sizeof ff);
    memset(zero, 0, sizeof zero);
    assert_decodes_valid(ff, sizeof ff, &p);
    hx_program_free(&p);
    assert_decodes_valid(zero, sizeof zero, &p);
    ck_assert_uint_gt(p.nstmts, 0);
    hx_program_free(&p);
    /* every version byte decodes, and with the same layout: from version
       4 on this build's, below it without the extension opcode
       (.codec.loop; check_hx_loop.c has an input they read apart) */
    uint8_t b[64];
    gcf_rng r = { 7 };
    fill_random(&r, b, sizeof b);
    b[1] = 0x11;
    hx_program ref, old;
    b[0] = HX_CODEC_VERSION;
    ck_assert(hx_decode(b, sizeof b, &ref));
    b[0] = HX_CODEC_VERSION_LOOP - 1;
    ck_assert(hx_decode(b, sizeof b, &old));
    for (int v = 0; v < 256; v++) {
        b[0] = (uint8_t)v;
        assert_decodes_valid(b, sizeof b, &p);
        ck_assert(hx_program_equal(&p, v >= HX_CODEC_VERSION_LOOP ? &ref : &old));
        hx_program_free(&p);
    }
    hx_program_free(&ref);
    hx_program_free(&old);
}
END_TEST

static void assert_exact(const hx_program *p)
{
    uint8_t *b;
    size_t n;
    ck_assert(hx_encode(p, &b, &n));
    ck_assert_uint_eq(b[0], HX_CODEC_VERSION);
    hx_program q;
    ck_assert(hx_decode(b, n, &q));
    char *t1 = hx_print_string(p, NULL), *t2 = hx_print_string(&q, NULL);
    ck_assert_msg(hx_program_equal(p, &q), "decode(encode(p)) != p\n--- p\n%s--- q\n%s", t1, t2);
    free(t1);
    free(t2);
    hx_program_free(&q);
    free(b);
}

START_TEST(test_encode_format_examples)
{
    char *all = hx_t_format_all();
    hx_program p;
    hx_t_parse_ok(all, &p);
    assert_exact(&p);
    hx_program_free(&p);
    free(all);
    /* names that the decoder's defaults would otherwise give other things,
       unbound and dropped locals, freed handles, a huge type index */
    const char *odd =
        "heap gen0_budget=12345 loh_threshold=90000 segment_size=3 hard_limit=1k profile=clr\n"
        "type l1 size=24\n"
        "type T0 size=100 refs=3 finalizer=alloc:l1 critical\n"
        "l1 = new T0\n"
        "h1 = handle pinned l0\n"
        "free h1\n"
        "h0 = handle weak_long l1\n"
        "x = target h1\n"
        "expect target h1 x\n"
        "drop l1\n"
        "l1.2 = l1\n"
        "static s40 = l1\n"
        "thread 63\n"
        "expect finalized zz 77777777\n";
    hx_t_parse_ok(odd, &p);
    assert_exact(&p);
    hx_program_free(&p);
}
END_TEST

START_TEST(test_encode_generated)
{
    uint64_t seed = gcf_test_seed("encode generated");
    int n = gcf_under_valgrind() ? 20 : 300;
    for (int i = 0; i < n; i++) {
        hx_program p;
        ck_assert(hx_gen(seed * 31 + (uint64_t)i, 1 + (size_t)i % 200, &p));
        assert_exact(&p);
        hx_program_free(&p);
    }
}
END_TEST

START_TEST(test_encode_decoded_exact_inputs)
{
    /* programs decoded from exact-mode random bytes (names, expectations,
       explicit types) survive encode/decode too */
    uint64_t seed = gcf_test_seed("encode decoded");
    gcf_rng r = { seed };
    int iters = gcf_under_valgrind() ? 50 : 1000;
    for (int it = 0; it < iters; it++) {
        uint8_t b[256];
        fill_random(&r, b, sizeof b);
        b[1] = (uint8_t)(HX_CODEC_EXACT_TAG | (b[1] & 0x0f));
        hx_program p;
        ck_assert(hx_decode(b, (size_t)gcf_rng_below(&r, sizeof b), &p));
        assert_exact(&p);
        hx_program_free(&p);
    }
}
END_TEST

START_TEST(test_mutated_encodings_stay_valid)
{
    uint64_t seed = gcf_test_seed("mutated encodings");
    gcf_rng r = { seed };
    char *all = hx_t_format_all();
    hx_program p;
    hx_t_parse_ok(all, &p);
    uint8_t *b;
    size_t n;
    ck_assert(hx_encode(&p, &b, &n));
    int iters = gcf_under_valgrind() ? 100 : 2000;
    for (int it = 0; it < iters; it++) {
        uint8_t *m = malloc(n);
        ck_assert_ptr_nonnull(m);
        memcpy(m, b, n);
        for (int e = 0; e < 3; e++)
            m[gcf_rng_below(&r, n)] = (uint8_t)gcf_rng_next(&r);
        hx_program q;
        assert_decodes_valid(m, (size_t)gcf_rng_below(&r, n + 1), &q);
        hx_program_free(&q);
        free(m);
    }
    free(b);
    free(all);
    hx_program_free(&p);
}
END_TEST

/* The fuzz-mode distribution: live operands, sizes at the boundaries,
   small heaps, every statement kind, no expectations. */
START_TEST(test_fuzz_distribution)
{
    uint64_t seed = gcf_test_seed("fuzz distribution");
    gcf_rng r = { seed };
    int iters = gcf_under_valgrind() ? 100 : 1000;
    size_t uses = 0, live_uses = 0, obj_uses = 0, near_loh = 0, small_seg = 0, news = 0;
    size_t kinds[HX_ST_KIND_COUNT] = {0};
    for (int it = 0; it < iters; it++) {
        uint8_t b[200];
        fill_random(&r, b, sizeof b);
        b[1] &= 0x7f;                                   /* fuzz mode */
        hx_program p;
        ck_assert(hx_decode(b, sizeof b, &p));
        if (p.heap.value[HX_KEY_SEGMENT_SIZE] <= 256 * 1024)
            small_seg++;
        hx_cstate cs;
        hx_cstate_init(&cs);
        ck_assert(hx_cstate_reserve(&cs, &p));
        for (size_t i = 0; i < p.nstmts; i++) {
            const hx_stmt *s = &p.stmts[i];
            kinds[s->kind]++;
            /* object operands: bound and non-null; values (copy, drop, a
               stored value): bound, null allowed (.codec.valid) */
            uint32_t rd[2];
            unsigned k = hx_stmt_reads_locals(s, rd);
            for (unsigned j = 0; j < k; j++) {
                bool value = s->kind == HX_ST_COPY || s->kind == HX_ST_DROP ||
                             s->kind == HX_ST_STATIC_SET || (s->kind == HX_ST_STORE && j == 1);
                const hx_cstate_local *l = &cs.locals[rd[j]];
                uses++;
                live_uses += l->bound && (value || l->nonnull);
                obj_uses += !value;
            }
            if (s->kind == HX_ST_NEW) {
                news++;
                uint64_t size = hx_type_instance_size(&p.types[s->type], s->length);
                uint64_t thr = p.heap.value[HX_KEY_LOH_THRESHOLD];
                if (size + 8 >= thr && size <= thr + 8)
                    near_loh++;
            }
            hx_cstate_step(&cs, &p, s);
            if (s->kind == HX_ST_NEW && p.heap.value[HX_KEY_HARD_LIMIT] != 0)
                hx_cstate_maybe_null(&cs, &p, s->dst);  /* .codec.oom */
        }
        hx_cstate_free(&cs);
        hx_program_free(&p);
    }
    ck_assert_uint_gt(uses, 1000);
    ck_assert_msg(live_uses == uses, "valid operands %zu of %zu", live_uses, uses);
    ck_assert_msg(obj_uses * 100 >= uses * 30, "object operands %zu of %zu", obj_uses, uses);
    ck_assert_msg(near_loh * 100 >= news * 2, "LOH-edge sizes %zu of %zu", near_loh, news);
    ck_assert_uint_ge(small_seg * 100, (size_t)iters * 60);
    for (int k = 0; k < HX_ST_KIND_COUNT; k++) {
        if (hx_stmt_is_expect(k))
            ck_assert_uint_eq(kinds[k], 0);
        else
            ck_assert_msg(kinds[k] > 0, "kind %s never decoded", hx_stmt_kind_name(k));
    }
}
END_TEST

/* .codec.limits: every decoded input, in either mode, is within the
   bounds (hx_codec_within_limits, which also checks the allocation total
   and the statement count); the bounds are reached, not avoided; programs
   beyond them are told apart, and those within round trip exactly. */
START_TEST(test_decode_size_limits)
{
    uint64_t seed = gcf_test_seed("decode size limits");
    gcf_rng r = { seed };
    int iters = gcf_under_valgrind() ? 100 : 2000;
    size_t big_types = 0, big_news = 0, collects_past_total = 0;
    for (int it = 0; it < iters; it++) {
        uint8_t b[400];
        fill_random(&r, b, sizeof b);
        /* exact mode with explicit types, or fuzz mode; var bytes made
           large often */
        if (it % 2)
            b[1] = (uint8_t)(HX_CODEC_EXACT_TAG | HX_CODEC_F_TYPES | (b[1] & 0x0b));
        else
            b[1] &= 0x7f;
        for (size_t k = 2; k < sizeof b; k++)
            if (gcf_rng_below(&r, 3) == 0)
                b[k] |= 0x80;
        hx_program p;
        ck_assert(hx_decode(b, sizeof b, &p));
        const char *why = hx_codec_beyond_limits(&p);
        ck_assert_msg(why == NULL, "input %d (seed %llu): %s", it, (unsigned long long)seed, why);
        for (uint32_t t = 0; t < p.ntypes; t++)
            big_types += p.types[t].size > (1u << 20);
        for (size_t k = 0; k < p.nstmts; k++) {
            const hx_stmt *s = &p.stmts[k];
            if (s->kind == HX_ST_NEW)
                big_news += hx_type_instance_size(&p.types[s->type], s->length) > (4u << 20);
        }
        hx_program_free(&p);
    }
    ck_assert_uint_gt(big_types, 0);           /* the limits are reached, not avoided */
    ck_assert_uint_gt(big_news, 0);
    (void)collects_past_total;
    static const struct { const char *text; bool within; } cases[] = {
        { "type A size=8m\na = new A\n", true },
        { "type A size=8392705\na = new A\n", false },             /* 8 MiB + 4 KiB + 1 */
        { "type A size=1000000000 refs=3\n", false },
        { "type B array elem=1\nb = new B[8m]\nc = new B[8m]\n", false },  /* 48 bytes too many */
        { "type B array elem=1\nb = new B[8388584]\nc = new B[8388584]\n", true }, /* 16 MiB */
        { "heap hard_limit=1m\ntype B array elem=1\nb = new B[8858370023]\n", false },
        { "type R array elem=ref\nb = new R[1000000000]\n", false },
        { "heap segment_size=16m\n", false },
        { "heap hard_limit=65m\n", false },
        { "heap hard_limit=64m segment_size=8m\n", true },
        { "type M finalizer=alloc:M\n", false },
        { "type M finalizer=alloc:N\ntype N finalizer=alloc:L\ntype L\n", false },
        { "type M finalizer=alloc:N\ntype N finalizer=count\n", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hx_program p;
        hx_t_parse_ok(cases[i].text, &p);
        ck_assert_msg(hx_codec_within_limits(&p) == cases[i].within, "case %zu", i);
        if (cases[i].within)
            assert_exact(&p);
        hx_program_free(&p);
    }
}
END_TEST

/* The allocation total (16 MiB): b0, f and m charge 8 MiB + 24, 3 MiB and
   24 + 3 MiB (m's finalizer allocates an F).  Past it an array is small
   (length modulo 64); a
   fixed type that no longer fits, and a reregister of an allocating
   finalizer, decode as `collect 0`. */
START_TEST(test_decode_total_bound)
{
    hx_program p;
    hx_t_parse_ok("type B array elem=1\ntype F size=3m\ntype M size=24 finalizer=alloc:F\n"
                  "b0 = new B[8m]\nf = new F\nm = new M\n", &p);
    ck_assert(hx_codec_within_limits(&p));
    uint8_t *b;
    size_t n;
    ck_assert(hx_encode(&p, &b, &n));
    hx_program_free(&p);
    /* append, in exact form: b3 = new B[8m] (opcode new, fresh dst escape,
       type 0, length escape + var), then f2 = new F, then reregister m */
    uint8_t tail[] = { 0xE8, 0xF8, 0x03, 0x00, 0xFF, 0x80, 0x80, 0x80, 0x04,
                       0xE8, 0xF8, 0x04, 0x01,
                       0xE8 + HX_ST_REREGISTER, 0xF8, 0x02 };
    uint8_t *all = malloc(n + sizeof tail);
    ck_assert_ptr_nonnull(all);
    memcpy(all, b, n);
    memcpy(all + n, tail, sizeof tail);
    ck_assert(hx_decode(all, n + sizeof tail, &p));
    ck_assert_uint_eq(p.nstmts, 6);
    ck_assert_int_eq(p.stmts[3].kind, HX_ST_NEW);
    ck_assert_uint_eq(p.stmts[3].length, (8u << 20) % 64);
    ck_assert_int_eq(p.stmts[4].kind, HX_ST_COLLECT);
    ck_assert_int_eq(p.stmts[4].gen, 0);
    ck_assert_int_eq(p.stmts[5].kind, HX_ST_COLLECT);
    ck_assert(hx_codec_within_limits(&p));
    hx_program_free(&p);
    free(all);
    free(b);
}
END_TEST

/* The statement bound: a long input gives HX_CODEC_MAX_STMTS statements,
   and hx_decode_opt can lift it (gcfuzz gen). */
START_TEST(test_decode_stmt_bound)
{
    size_t n = 8 * HX_CODEC_MAX_STMTS + 16;   /* collect: opcode + 1 byte */
    uint8_t *b = calloc(n, 1);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 10; i < n; i++)
        b[i] = 0xE8 + HX_ST_COLLECT;        /* every byte a statement */
    hx_program p;
    ck_assert(hx_decode(b, n, &p));
    ck_assert_uint_eq(p.nstmts, HX_CODEC_MAX_STMTS);
    hx_program_free(&p);
    hx_decode_opts o = { 3 * HX_CODEC_MAX_STMTS, NULL };
    ck_assert(hx_decode_opt(b, n, &o, &p));
    ck_assert_uint_eq(p.nstmts, 3 * HX_CODEC_MAX_STMTS);
    hx_program_free(&p);
    free(b);
}
END_TEST

/* .codec.linear: decoding takes O(n log n) steps; random inputs four times
   longer take less than 5 times the steps (the old decoder, which rescanned
   every local for each operand, took about 16 times).  Counts steps, not
   time. */
START_TEST(test_decode_linear)
{
    uint64_t seed = gcf_test_seed("decode linear");
    for (int mode = 0; mode < 2; mode++) {
        uint64_t steps[2];
        size_t base = gcf_under_valgrind() ? 16 * 1024 : 64 * 1024;
        size_t sizes[2] = { base, 4 * base };
        for (int k = 0; k < 2; k++) {
            gcf_rng r = { seed };
            uint8_t *b = malloc(sizes[k]);
            ck_assert_ptr_nonnull(b);
            fill_random(&r, b, sizes[k]);
            b[1] = mode ? (uint8_t)(HX_CODEC_EXACT_TAG | HX_CODEC_F_EXPECT) : (uint8_t)(b[1] & 0x7f);
            hx_program p;
            hx_decode_opts o = { SIZE_MAX, &steps[k] };
            ck_assert(hx_decode_opt(b, sizes[k], &o, &p));
            ck_assert_uint_gt(p.nstmts, sizes[k] / 16);
            hx_program_free(&p);
            free(b);
        }
        ck_assert_msg(steps[1] < 5 * steps[0], "mode %d: %llu steps for %zu KiB, %llu for %zu KiB",
                      mode, (unsigned long long)steps[0], sizes[0] / 1024,
                      (unsigned long long)steps[1], sizes[1] / 1024);
    }
}
END_TEST

START_TEST(test_encode_rejects_invalid)
{
    hx_program p;
    hx_program_init(&p);
    hx_stmt *s = hx_program_append(&p, HX_ST_DROP);
    ck_assert_ptr_nonnull(s);
    s->obj = 3;                                         /* no such local */
    uint8_t *b = (uint8_t *)&p;
    size_t n = 1;
    ck_assert(!hx_encode(&p, &b, &n));
    ck_assert_ptr_null(b);
    ck_assert_uint_eq(n, 0);
    hx_program_free(&p);
}
END_TEST

Suite *make_hx_codec_suite(void)
{
    Suite *s = suite_create("hx_codec");
    TCase *tc = tcase_create("codec");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_decode_total_random);
    tcase_add_test(tc, test_decode_edge_inputs);
    tcase_add_test(tc, test_encode_format_examples);
    tcase_add_test(tc, test_encode_generated);
    tcase_add_test(tc, test_encode_decoded_exact_inputs);
    tcase_add_test(tc, test_mutated_encodings_stay_valid);
    tcase_add_test(tc, test_fuzz_distribution);
    tcase_add_test(tc, test_decode_size_limits);
    tcase_add_test(tc, test_decode_total_bound);
    tcase_add_test(tc, test_decode_stmt_bound);
    tcase_add_test(tc, test_decode_linear);
    tcase_add_test(tc, test_encode_rejects_invalid);
    suite_add_tcase(s, tc);
    return s;
}
