/* options_program.c — what hostile TMTRACE_OPTIONS leave: whether tracing runs, with which limit, and that an
 * allocation is still traced at its line (the run must always go on). */
#include "reliability.h"

int main(void)
{
    enum { LINE_BLOCK = __LINE__ + 1 };
    void *block = malloc(10);
    tmtrace_traceback *tb = tmtrace_get_object_traceback(block);
    printf("tracing=%d limit=%d block=%s\n", tmtrace_is_tracing(), tmtrace_get_traceback_limit(),
           !tmtrace_is_tracing() ? "untraced" : tb && frame_is(allocation_frame(tb), __FILE__, LINE_BLOCK) ? "traced at its line" : "WRONG");
    tmtrace_traceback_free(tb);
    free(block);
    return 0;
}
