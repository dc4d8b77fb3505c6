/* build_snapshots.c — writes the snapshots the HTML report tests open, with the model's builder
 * (tmtrace_snapshot_new / add_frame / add_traceback / add_trace) and dump. Reads a tab-separated spec:
 *   snapshot PATH LIMIT CURRENT PEAK        starts a snapshot (dumped to PATH at the next one or at the end)
 *   domain   D NAME                         names a domain
 *   trace    DOMAIN SIZE TOTAL_NFRAME FILE LINE COLUMN FUNCTION [FILE LINE COLUMN FUNCTION]...
 *                                           one trace; frames most recent first
 *   many     N DEPTH                        N traces with N distinct DEPTH-frame tracebacks (a 10-ary tree of
 *                                           /src/levelK.c:LINE frames under one root), sizes 16..1552 B
 * Usage: build_snapshots SPEC. Exit 0, or 1 with a message naming the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tmtrace/tmtrace.h>

enum { MAX_FIELDS = 4 + 4 * 64 };

static int finish(tmtrace_snapshot *snap, const char *path)
{
    if (!snap)
        return 0;
    int rc = tmtrace_snapshot_dump(snap, path);
    if (rc < 0)
        fprintf(stderr, "build_snapshots: %s\n", tmtrace_last_error());
    tmtrace_snapshot_free(snap);
    return rc;
}

static int add_many(tmtrace_snapshot *snap, unsigned long n, unsigned depth)
{
    int32_t ids[64];
    if (depth < 1 || depth > 64)
        return -1;
    for (unsigned long i = 0; i < n; i++) {
        unsigned long place = 1;
        for (unsigned k = depth; k-- > 1;) { /* k = depth-1 is the most recent frame: the lowest digit */
            char file[32];
            snprintf(file, sizeof file, "/src/level%u.c", k);
            ids[depth - 1 - k] = tmtrace_snapshot_add_frame(snap, file, (unsigned)(i / place % 10) + 1, 0, "", 0);
            place *= 10;
        }
        ids[depth - 1] = tmtrace_snapshot_add_frame(snap, "/src/main.c", 1, 0, "main", 0);
        int32_t tb = tmtrace_snapshot_add_traceback(snap, ids, depth, depth);
        if (tb < 0 || tmtrace_snapshot_add_trace(snap, 0, (i % 97 + 1) * 16, tb) < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: build_snapshots SPEC\n", stderr);
        return 1;
    }
    FILE *spec = fopen(argv[1], "r");
    if (!spec) {
        perror(argv[1]);
        return 1;
    }
    tmtrace_snapshot *snap = NULL;
    char path[4096] = "", line[16384];
    int status = 0;
    for (unsigned lineno = 1; status == 0 && fgets(line, sizeof line, spec); lineno++) {
        line[strcspn(line, "\n")] = '\0';
        char *field[MAX_FIELDS];
        size_t n = 0;
        for (char *p = line, *tab; n < MAX_FIELDS; p = tab + 1) {
            field[n++] = p;
            if (!(tab = strchr(p, '\t')))
                break;
            *tab = '\0';
        }
        int ok;
        if (strcmp(field[0], "snapshot") == 0 && n == 5) {
            ok = finish(snap, path) == 0;
            snprintf(path, sizeof path, "%s", field[1]);
            snap = tmtrace_snapshot_new((unsigned)strtoul(field[2], NULL, 10));
            if (snap)
                tmtrace_snapshot_set_traced_memory(snap, strtoull(field[3], NULL, 10), strtoull(field[4], NULL, 10));
            ok = ok && snap;
        } else if (strcmp(field[0], "domain") == 0 && n == 3 && snap) {
            ok = tmtrace_snapshot_set_domain_name(snap, (unsigned)strtoul(field[1], NULL, 10), field[2]) == 0;
        } else if (strcmp(field[0], "trace") == 0 && n >= 8 && (n - 4) % 4 == 0 && snap) {
            int32_t ids[64];
            size_t nframe = (n - 4) / 4;
            ok = 1;
            for (size_t f = 0; f < nframe && ok; f++) {
                char **fr = &field[4 + 4 * f];
                ids[f] = tmtrace_snapshot_add_frame(snap, fr[0], (unsigned)strtoul(fr[1], NULL, 10),
                                                    (unsigned)strtoul(fr[2], NULL, 10), fr[3], 0);
                ok = ids[f] >= 0;
            }
            int32_t tb = ok ? tmtrace_snapshot_add_traceback(snap, ids, nframe, strtoul(field[3], NULL, 10)) : -1;
            ok = tb >= 0 && tmtrace_snapshot_add_trace(snap, (unsigned)strtoul(field[1], NULL, 10),
                                                       strtoull(field[2], NULL, 10), tb) == 0;
        } else if (strcmp(field[0], "many") == 0 && n == 3 && snap) {
            ok = add_many(snap, strtoul(field[1], NULL, 10), (unsigned)strtoul(field[2], NULL, 10)) == 0;
        } else {
            fprintf(stderr, "build_snapshots: %s:%u: bad line\n", argv[1], lineno);
            status = 1;
            break;
        }
        if (!ok) {
            fprintf(stderr, "build_snapshots: %s:%u: %s\n", argv[1], lineno, tmtrace_last_error());
            status = 1;
        }
    }
    fclose(spec);
    if (finish(snap, path) < 0)
        status = 1;
    return status;
}
