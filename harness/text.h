/* text.h -- the .gcp text format: parser and canonical printer.
 *
 * The syntax is the format contract (docs/format.md states it and lists what the
 * project adds).  The parser never crashes on any input: every error is a
 * diagnostic "file:line:col: message" naming what was expected
 * (.text.errors).  The printer writes the canonical text (.text.canonical):
 * print(parse(t)) is a fixed point after one print, and
 * parse(print(p)) == p (hx_program_equal) for every valid program p.
 */
#ifndef HX_TEXT_H
#define HX_TEXT_H

#include "program.h"

/* Parse len bytes of text (need not be NUL-terminated; NUL bytes are an
   error) into *out, which the call initialises.  file names the input in
   diagnostics (not retained).  On error returns false, fills *d (d->file =
   file) and leaves *out empty (hx_program_free is still safe). */
bool hx_parse(const char *text, size_t len, const char *file, hx_program *out,
              hx_diag *d);

/* Read a whole file ("-" = standard input) into a malloc'd buffer.
   Returns 0 or an errno value (the tool exits 66 on it, .dec.exit). */
int hx_read_file(const char *path, char **buf, size_t *len);

/* Write the canonical text of p.  Returns false on a write error. */
bool hx_print(const hx_program *p, FILE *out);
/* The canonical text as a malloc'd NUL-terminated string (NULL on
   allocation failure); *len (if non-NULL) receives its length. */
char *hx_print_string(const hx_program *p, size_t *len);
/* One statement as it is printed, without newline, into buf (always
   terminated).  For reports: "a.0 = b", "collect 2 compact_loh". */
void hx_stmt_format(const hx_program *p, const hx_stmt *s, char *buf, size_t len);
/* One type line ("type Node size=32 refs=2") into buf. */
void hx_type_format(const hx_program *p, const hx_type *t, char *buf, size_t len);

#endif /* HX_TEXT_H */
