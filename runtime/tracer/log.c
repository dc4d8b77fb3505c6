/* log.c — where the runtime's messages go (log_path): stderr, stdout or FILE.<pid>, written with write(2)
 * from stack buffers so that logging never allocates and works inside hooks. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracer.h"

static int log_fd = 2;

void tm_log_write(const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(log_fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

void tm_log(const char *fmt, ...)
{
    char buf[1200];
    static const char prefix[] = "tmtrace: ";
    memcpy(buf, prefix, sizeof prefix - 1);
    size_t cap = sizeof buf - (sizeof prefix - 1) - 1; /* room for the '\n' */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + sizeof prefix - 1, cap, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (sizeof prefix - 1) + ((size_t)n < cap ? (size_t)n : cap - 1);
    buf[len++] = '\n';
    tm_log_write(buf, len);
}

void tm_log_open(const char *log_path)
{
    if (strcmp(log_path, "stderr") == 0 || log_path[0] == '\0') {
        log_fd = 2;
        return;
    }
    if (strcmp(log_path, "stdout") == 0) {
        log_fd = 1;
        return;
    }
    /* Like the sanitizers: one file per process, so that forked children and parallel runs do not mix. */
    char path[TM_STR_OPTION_MAX + 32];
    snprintf(path, sizeof path, "%s.%ld", log_path, (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        log_fd = 2;
        tm_log("cannot open log file '%s': %s; logging to stderr", path, strerror(err));
        return;
    }
    log_fd = fd;
}
