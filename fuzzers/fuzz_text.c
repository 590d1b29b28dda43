/* fuzz_text.c -- libFuzzer driver for the .gcp text parser and printer.
 *
 * Glue only: parse the input as text; when it parses, print it, parse the
 * printed text and abort if the round trip differs (parse(print(p)) != p)
 * or printing is not a fixed point.  Syntax errors are normal outcomes;
 * the parser must never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
    fprintf(stderr, "fuzz_text: %s\n--- printed text ---\n%s\n", what, text ? text : "(none)");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hx_program p, q;
    hx_diag d;
    if (!hx_parse((const char *)data, size, "input.gcp", &p, &d)) {
        if (d.pos.line == 0 || d.pos.col == 0 || d.msg[0] == 0)
            fail("a syntax error without a position or message", NULL);
        return 0;
    }
    size_t n1 = 0, n2 = 0;
    char *t1 = hx_print_string(&p, &n1);
    if (!t1)
        fail("print failed", NULL);
    if (!hx_parse(t1, n1, "printed.gcp", &q, &d)) {
        char msg[512];
        hx_diag_format(&d, msg, sizeof msg);
        fail(msg, t1);
    }
    if (!hx_program_equal(&p, &q))
        fail("parse(print(p)) != p", t1);
    char *t2 = hx_print_string(&q, &n2);
    if (!t2 || n1 != n2 || memcmp(t1, t2, n1) != 0)
        fail("printing is not a fixed point", t1);
    free(t1);
    free(t2);
    hx_program_free(&p);
    hx_program_free(&q);
    return 0;
}
