/* error.h — the per-thread "last error" message behind tmtrace_last_error(), shared by tracer and model. */
#ifndef TMTRACE_COMMON_ERROR_H
#define TMTRACE_COMMON_ERROR_H

/* Formats the message of the failing call; returns -1 so that callers can write `return tm_error(...)`.
 * Never allocates. */
int tm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), visibility("hidden")));

#endif
