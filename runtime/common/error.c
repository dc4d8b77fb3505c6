/* error.c — tmtrace_last_error(): one message per thread, in static TLS so that reporting never allocates. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

#include <tmtrace/tmtrace.h>

static __thread char last_error[1024];

int tm_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

const char *tmtrace_last_error(void)
{
    return last_error;
}
