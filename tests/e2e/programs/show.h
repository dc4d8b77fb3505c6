/* show.h — what the e2e programs print: where a block was allocated, read back through the public API
 * (tmtrace_get_object_traceback), one frame per line, oldest first, as "file:line function". */
#ifndef TMTRACE_E2E_SHOW_H
#define TMTRACE_E2E_SHOW_H

#include <stdio.h>

#include <tmtrace/tmtrace.h>

static void show_frame(const tmtrace_frame *frame)
{
    printf("  %s:%u %s\n", frame->filename, frame->lineno, frame->function);
}

/* Every frame of the block's traceback. */
static void show_traceback(const char *label, const void *block)
{
    tmtrace_traceback *tb = tmtrace_get_object_traceback(block);
    if (!tb) {
        printf("%s: not traced\n", label);
        return;
    }
    printf("%s: %zu frames of %zu\n", label, tmtrace_traceback_nframe(tb), tmtrace_traceback_total_nframe(tb));
    for (size_t i = 0; i < tmtrace_traceback_nframe(tb); i++)
        show_frame(tmtrace_traceback_frame(tb, i));
    tmtrace_traceback_free(tb);
}

/* Only the innermost frame outside system headers (the user's line of a std::vector growth). */
static void show_user_frame(const char *label, const void *block)
{
    tmtrace_traceback *tb = tmtrace_get_object_traceback(block);
    if (!tb) {
        printf("%s: not traced\n", label);
        return;
    }
    printf("%s: user frame\n", label);
    show_frame(tmtrace_traceback_user_frame(tb));
    tmtrace_traceback_free(tb);
}

#endif
