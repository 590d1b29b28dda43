/* stmt_doc -- docs/format.md's statement tables, generated from the
 * statement table (harness/stmts.def, .prog.table).
 *
 *   stmt_doc                  print the generated regions
 *   stmt_doc --check FILE     exit 1 when FILE's regions differ from them
 *   stmt_doc --write FILE     rewrite FILE's regions in place
 *
 * A region runs from a line `<!-- stmts:NAME begin -->` to the line
 * `<!-- stmts:NAME end -->`; NAME is `text` (section 1) or `binary`
 * (section 3).  Exit status: 0 done (and up to date), 1 stale, 64 usage
 * error, 66 FILE unreadable, 73 FILE unwritable. */
#include "program.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    char *s;
    size_t n;
    FILE *f;
} buf;

static void buf_open(buf *b)
{
    b->s = NULL;
    b->n = 0;
    b->f = open_memstream(&b->s, &b->n);
    if (!b->f) {
        perror("stmt_doc");
        exit(70);
    }
}

static void buf_close(buf *b)
{
    if (fclose(b->f) != 0) {
        perror("stmt_doc");
        exit(70);
    }
}

/* The metavariable a text element stands for in the documentation. */
static const char *meta(const hx_text_el *e)
{
    switch (e->tx) {
    case HX_TX_WORD: return e->word;
    case HX_TX_EQ: return "=";
    case HX_TX_DOT: return ".";
    case HX_TX_BIND: case HX_TX_LOCAL:
        return e->field == HX_FIELD_dst ? "y" : e->field == HX_FIELD_obj ? "x" : "v";
    case HX_TX_LOCAL_OR_NULL: return "v\\|null";   /* a table cell: the bar escaped */
    case HX_TX_HANDLE_BIND: case HX_TX_HANDLE: return "h";
    case HX_TX_HKIND: return "KIND";
    case HX_TX_SLOT: return "N";
    case HX_TX_STATIC: return "sN";
    case HX_TX_THREAD: return "N";
    case HX_TX_GEN: return "G";
    case HX_TX_COUNT: return "N";
    case HX_TX_TYPE: return "T";
    case HX_TX_COLLECT: return "[G] [compact_loh]";
    default: return "?";
    }
}

static const char *bin_doc(hx_bn bn)
{
    switch (bn) {
    case HX_BN_DST: return "dst";
    case HX_BN_OBJ: return "obj";
    case HX_BN_SLOTTED: return "obj (with slots)";
    case HX_BN_BOUND: return "value (exact mode: obj)";
    case HX_BN_VAL: return "val";
    case HX_BN_HANDLE_BIND: return "handle-dst";
    case HX_BN_HANDLE: return "handle-use";
    case HX_BN_HKIND: return "u8 kind % 4";
    case HX_BN_SLOT: return "u8 slot (0xFF: var; in a block, 0xFE: var K, `i+K`)";
    case HX_BN_REPEAT: return "u8 count (0xFF: var)";
    case HX_BN_STATIC: return "u8 static slot";
    case HX_BN_THREAD: return "u8 thread";
    case HX_BN_GEN: return "u8 % 3";
    case HX_BN_COUNT: return "var";
    case HX_BN_ALLOC:
        return "dst, u8 type (0xFF: var), for arrays u8 size (0xFF: var length; see \"Bounds\")";
    case HX_BN_COLLECT:
        return "u8: generation = x % 3, compact_loh when generation 2 and (x / 3) odd";
    default: return "?";
    }
}

static void gen_text(FILE *f)
{
    fprintf(f, "| text | kind | meaning |\n|------|------|---------|\n");
    for (unsigned k = 0; k < HX_ST_KIND_COUNT; k++) {
        const hx_stmt_info *in = &hx_stmt_table[k];
        fputs("| `", f);
        bool glue = true;
        for (const hx_text_el *e = in->text; e->tx != HX_TX_END; e++) {
            bool dot = e->tx == HX_TX_DOT;
            fprintf(f, "%s%s", glue || dot ? "" : " ", meta(e));
            glue = dot;
        }
        fprintf(f, "` | %s | %s |\n", in->name, in->doc);
    }
}

static void gen_binary(FILE *f)
{
    fputs("Opcodes: a byte below 0xE8 picks a statement kind by weight (", f);
    unsigned total = 0;
    for (unsigned k = 0; k < HX_ST_KIND_COUNT; k++)
        if (hx_stmt_table[k].weight) {
            fprintf(f, "%s%s %u", total ? ", " : "", hx_stmt_table[k].name,
                    hx_stmt_table[k].weight);
            total += hx_stmt_table[k].weight;
        }
    fprintf(f, "; out of %u); 0xE8 + k is kind k exactly:\n\n", total);
    fprintf(f, "| k | kind | operands |\n|---|------|----------|\n");
    for (unsigned k = 0; k < HX_ST_KIND_COUNT; k++) {
        const hx_stmt_info *in = &hx_stmt_table[k];
        fprintf(f, "| %u | %s | ", k, in->name);
        if (in->bin[0].bn == HX_BN_END)
            fputs("-", f);
        for (const hx_bin_el *e = in->bin; e->bn != HX_BN_END; e++)
            fprintf(f, "%s%s", e == in->bin ? "" : ", ", bin_doc(e->bn));
        fputs(" |\n", f);
    }
}

typedef struct region {
    const char *name;
    void (*gen)(FILE *);
} region;

static const region regions[] = { { "text", gen_text }, { "binary", gen_binary } };

/* FILE's text with every region replaced by its generated content. */
static char *regenerate(const char *path, const char *in, size_t len, size_t *outlen)
{
    buf o;
    buf_open(&o);
    const char *p = in, *end = in + len;
    unsigned seen = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        fwrite(p, 1, n, o.f);
        const region *r = NULL;
        char mark[64];
        for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
            snprintf(mark, sizeof mark, "<!-- stmts:%s begin -->", regions[i].name);
            if (n >= strlen(mark) && strncmp(p, mark, strlen(mark)) == 0)
                r = &regions[i];
        }
        p += n;
        if (!r)
            continue;
        seen++;
        snprintf(mark, sizeof mark, "<!-- stmts:%s end -->", r->name);
        const char *e = strstr(p, mark);
        if (!e) {
            fprintf(stderr, "%s: no '%s' after the region's begin line\n", path, mark);
            exit(65);
        }
        r->gen(o.f);
        p = e;
    }
    if (seen != sizeof regions / sizeof regions[0]) {
        fprintf(stderr, "%s: expected %zu stmts regions, found %u\n", path,
                sizeof regions / sizeof regions[0], seen);
        exit(65);
    }
    buf_close(&o);
    *outlen = o.n;
    return o.s;
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
            regions[i].gen(stdout);
        return ferror(stdout) ? 73 : 0;
    }
    if (argc != 3 || (strcmp(argv[1], "--check") != 0 && strcmp(argv[1], "--write") != 0)) {
        fprintf(stderr, "usage: stmt_doc [--check FILE | --write FILE]\n");
        return 64;
    }
    char *in;
    size_t len;
    if (hx_read_file(argv[2], &in, &len) != 0) {
        fprintf(stderr, "stmt_doc: cannot read %s\n", argv[2]);
        return 66;
    }
    size_t olen;
    char *out = regenerate(argv[2], in, len, &olen);
    int rc = 0;
    if (strcmp(argv[1], "--check") == 0) {
        if (olen != len || memcmp(in, out, len) != 0) {
            fprintf(stderr, "%s: the statement tables are stale (harness/stmts.def changed): "
                    "run 'stmt_doc --write %s' (the docs/format-tables target)\n",
                    argv[2], argv[2]);
            rc = 1;
        }
    } else if (olen != len || memcmp(in, out, len) != 0) {
        FILE *f = fopen(argv[2], "wb");
        if (!f || fwrite(out, 1, olen, f) != olen || fclose(f) != 0) {
            fprintf(stderr, "stmt_doc: cannot write %s\n", argv[2]);
            rc = 73;
        }
    }
    free(in);
    free(out);
    return rc;
}
