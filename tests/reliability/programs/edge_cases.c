/* edge_cases.c — allocation edge cases through the pass's entry points, each checked against what glibc does
 * and against the traces: malloc(0), realloc to 0 and from NULL, huge requests (NULL and ENOMEM, nothing traced,
 * the old block intact), calloc overflow, large alignments, malloc_usable_size, and frees of blocks allocated
 * before tracing started or while it was stopped. Run with start=0. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>

#include "reliability.h"

static struct traces_total here(unsigned line)
{
    tmtrace_snapshot *snap = snapshot_or_die();
    struct traces_total total = traces_at(snap, __FILE__, line);
    tmtrace_snapshot_free(snap);
    return total;
}

static size_t current(void)
{
    size_t current, peak;
    tmtrace_get_traced_memory(&current, &peak);
    return current;
}

#define EXPECT_TRACES(line, count_, size_)                                                                       \
    do {                                                                                                         \
        struct traces_total t_ = here(line);                                                                     \
        CHECK(t_.count == (count_) && t_.size == (size_), "line %u: %zu traces, %zu B", (unsigned)(line),        \
              t_.count, t_.size);                                                                                \
    } while (0)

int main(void)
{
    start_watchdog(30);
    static char stdout_buffer[BUFSIZ]; /* stdio allocates no buffer of its own: current counts only ours */
    setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    /* Before tracing starts (start=0): these blocks are freed while tracing. */
    void *before_start = malloc(100);
    CHECK(!tmtrace_is_tracing() && current() == 0, "tracing before tmtrace_start");
    CHECK(tmtrace_start(25) == 0, "start: %s", tmtrace_last_error());
    free(before_start);
    CHECK(current() == 0, "freeing a block from before start changed current to %zu", current());
    printf("free of a block from before start: current 0\n");

    enum { LINE_ZERO = __LINE__ + 1 };
    void *zero = malloc(0);
    CHECK(zero != NULL, "malloc(0) returned NULL");
    EXPECT_TRACES(LINE_ZERO, 1, 0);
    free(zero);
    EXPECT_TRACES(LINE_ZERO, 0, 0);
    printf("malloc(0): one trace of 0 B, gone after free\n");

    enum { LINE_FROM_NULL = __LINE__ + 1 };
    void *grown = realloc(NULL, 48);
    EXPECT_TRACES(LINE_FROM_NULL, 1, 48);
    errno = 0;
    void *shrunk = realloc(grown, 0); /* glibc frees and returns NULL */
    CHECK(shrunk == NULL && errno == 0, "realloc(p, 0) returned %p, errno %d", shrunk, errno);
    EXPECT_TRACES(LINE_FROM_NULL, 0, 0);
    CHECK(current() == 0, "current %zu after realloc to 0", current());
    printf("realloc(NULL, 48): traced; realloc(p, 0): freed, untraced\n");

    enum { LINE_KEPT = __LINE__ + 1 };
    char *kept = malloc(64);
    memset(kept, 'k', 64);
    size_t huge = SIZE_MAX / 2;
    errno = 0;
    CHECK(malloc(huge) == NULL && errno == ENOMEM, "malloc(huge): errno %d", errno);
    errno = 0;
    CHECK(calloc(SIZE_MAX / 8, 16) == NULL && errno == ENOMEM, "calloc overflow: errno %d", errno);
    errno = 0;
    CHECK(realloc(kept, huge) == NULL && errno == ENOMEM, "realloc(p, huge): errno %d", errno);
    CHECK(kept[0] == 'k' && kept[63] == 'k', "realloc failure changed the block");
    errno = 0;
    void *aligned_huge = NULL;
    CHECK(posix_memalign(&aligned_huge, 4096, huge) == ENOMEM && aligned_huge == NULL, "posix_memalign(huge)");
    errno = 0;
    CHECK(aligned_alloc(1 << 16, huge) == NULL && errno == ENOMEM, "aligned_alloc(huge): errno %d", errno);
    CHECK(posix_memalign(&aligned_huge, 3, 8) == EINVAL, "posix_memalign with alignment 3");
    EXPECT_TRACES(LINE_KEPT, 1, 64);
    CHECK(current() == 64, "current %zu after failed requests", current());
    free(kept);
    printf("huge malloc, calloc overflow, huge realloc, huge aligned: NULL with ENOMEM, nothing traced, "
           "old block intact\n");

    enum { LINE_ALIGNED = __LINE__ + 1 };
    void *a1 = aligned_alloc(1 << 12, 1 << 13), *a2 = memalign(1 << 20, 10), *a3 = NULL;
    enum { LINE_POSIX_MEMALIGN = __LINE__ + 1 };
    CHECK(posix_memalign(&a3, 1 << 16, 100) == 0, "posix_memalign");
    CHECK((uintptr_t)a1 % (1 << 12) == 0 && (uintptr_t)a2 % (1 << 20) == 0 && (uintptr_t)a3 % (1 << 16) == 0,
          "misaligned: %p %p %p", a1, a2, a3);
    EXPECT_TRACES(LINE_ALIGNED, 2, (1 << 13) + 10);
    EXPECT_TRACES(LINE_POSIX_MEMALIGN, 1, 100);
    CHECK(malloc_usable_size(a2) >= 10 && malloc_usable_size(a3) >= 100, "usable sizes %zu %zu",
          malloc_usable_size(a2), malloc_usable_size(a3));
    memset(a3, 0, malloc_usable_size(a3)); /* the whole usable size belongs to the program */
    free(a1);
    free(a2);
    free(a3);
    CHECK(current() == 0, "current %zu after the aligned frees", current());
    printf("alignments 4 KiB, 1 MiB, 64 KiB: aligned, traced with the requested sizes, usable size >= request\n");

    tmtrace_stop();
    void *while_stopped = malloc(200);
    CHECK(tmtrace_start(25) == 0, "start: %s", tmtrace_last_error());
    enum { LINE_AFTER_RESTART = __LINE__ + 1 };
    void *after_restart = malloc(300);
    free(while_stopped);
    CHECK(current() == 300, "current %zu after freeing a block allocated while stopped", current());
    EXPECT_TRACES(LINE_AFTER_RESTART, 1, 300);
    free(after_restart);
    printf("free of a block allocated while stopped: current unchanged\n");
    fflush(stdout);
    check_current_is_sum_of_traces("at the end");
    return 0;
}
