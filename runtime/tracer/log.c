/* log.c — where the runtime's messages go (log_path): stderr, stdout or FILE.<pid> (opened at the first
 * message; a fork child gets its own), written with write(2) from stack buffers so that logging never
 * allocates and works inside hooks. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracer.h"

static int log_fd = 2;        /* -1: log_file, not opened yet */
static const char *log_file; /* FILE of log_path=FILE */

/* Opens FILE.<pid> on the first message, as the sanitizers do: a process that says nothing leaves no file. */
static void open_log_file(void)
{
    char path[TM_STR_OPTION_MAX + 32];
    snprintf(path, sizeof path, "%s.%ld", log_file, (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int err = errno, unopened = -1;
    if (!__atomic_compare_exchange_n(&log_fd, &unopened, fd < 0 ? 2 : fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (fd >= 0) /* another thread opened it first */
            close(fd);
        return;
    }
    if (fd < 0)
        tm_log("cannot open log file '%s': %s; logging to stderr", path, strerror(err));
}

void tm_log_write(const char *text, size_t len)
{
    if (__atomic_load_n(&log_fd, __ATOMIC_ACQUIRE) < 0)
        open_log_file();
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
    if (log_fd > 2) /* reopening (a fork child): the parent's file stays the parent's */
        close(log_fd);
    log_file = NULL;
    if (strcmp(log_path, "stderr") == 0 || log_path[0] == '\0') {
        log_fd = 2;
    } else if (strcmp(log_path, "stdout") == 0) {
        log_fd = 1;
    } else {
        /* Like the sanitizers: one file per process, so that forked children and parallel runs do not mix. */
        log_file = log_path;
        log_fd = -1;
    }
}
