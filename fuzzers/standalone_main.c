/* standalone_main.c -- replay main for fuzz drivers built without libFuzzer.
 *
 * Calls the driver's LLVMFuzzerTestOneInput once per file named on the
 * command line; a directory argument replays every regular file in it (in
 * name order, so runs are deterministic).  Options that libFuzzer would
 * take (arguments starting with '-') are ignored, so the same command
 * lines work with both builds.  Exit 0 when every input ran; 66 when an
 * input cannot be read.  A failing input aborts inside the driver.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, unsigned long *count)
{
    char *buf;
    size_t n;
    int err = hx_read_file(path, &buf, &n);
    if (err) {
        fprintf(stderr, "standalone: cannot read %s: %s\n", path, strerror(err));
        return 66;
    }
    /* an exactly sized copy, so ASan sees reads past the end */
    uint8_t *exact = malloc(n ? n : 1);
    int rc = 66;
    if (exact) {
        memcpy(exact, buf, n);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        (*count)++;
        rc = 0;
    }
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, unsigned long *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "standalone: cannot open %s: %s\n", dir, strerror(errno));
        return 66;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (!HX_RESERVE(names, cap, n + 1, 64))
            break;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n])
            break;
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = replay_file(names[i], count);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    unsigned long count = 0;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        if (argv[i][0] == '-')
            continue;                       /* a libFuzzer option */
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "standalone: cannot read %s: %s\n", argv[i], strerror(errno));
            rc = 66;
        } else if (S_ISDIR(st.st_mode)) {
            rc = replay_dir(argv[i], &count);
        } else {
            rc = replay_file(argv[i], &count);
        }
    }
    fprintf(stderr, "standalone: %lu input%s replayed\n", count, count == 1 ? "" : "s");
    return rc;
}
