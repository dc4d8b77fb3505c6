/* fork_exec.c — process creation under tracing: fork() while other threads allocate and free (the child must
 * not deadlock on a lock a vanished thread held, keeps tracing, and its counters equal its traces),
 * posix_spawn() and vfork()+exec of an instrumented program (which starts tracing afresh). */
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>

#include "reliability.h"

extern char **environ;
static atomic_int stop_churn;

static void *churn(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg + 1;
    void *kept[64] = {0};
    while (!atomic_load_explicit(&stop_churn, memory_order_relaxed)) {
        unsigned i = (unsigned)rand_r(&seed) % 64;
        free(kept[i]);
        kept[i] = malloc(1 + (size_t)rand_r(&seed) % 4096);
    }
    for (int i = 0; i < 64; i++)
        free(kept[i]);
    return NULL;
}

enum { LINE_CHILD_BLOCK = __LINE__ + 1 };
static void *child_block(size_t size) { return malloc(size); }

/* What every child checks: tracing is on, its new block is traced at its line, and counters add up. */
static void check_child_traces(const char *who)
{
    CHECK(tmtrace_is_tracing(), "%s: not tracing", who);
    void *block = child_block(123);
    tmtrace_traceback *tb = tmtrace_get_object_traceback(block);
    CHECK(tb && frame_is(allocation_frame(tb), __FILE__, LINE_CHILD_BLOCK), "%s: block not traced at its line", who);
    tmtrace_traceback_free(tb);
    tmtrace_snapshot *snap = snapshot_or_die();
    struct traces_total mine = traces_at(snap, __FILE__, LINE_CHILD_BLOCK);
    CHECK(mine.count == 1 && mine.size == 123, "%s: %zu traces, %zu B at the child's line", who, mine.count,
          mine.size);
    tmtrace_snapshot_free(snap);
    free(block);
    check_current_is_sum_of_traces(who);
}

static int wait_for(pid_t pid)
{
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    start_watchdog(60);
    if (argc == 2) { /* started by posix_spawn or vfork+exec */
        check_child_traces(argv[1]);
        printf("%s child: tracing, its block traced at its line\n", argv[1]);
        return 0;
    }
    enum { THREADS = 3, FORKS = 100 };
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, churn, (void *)(uintptr_t)i) == 0, "pthread_create");
    int good = 0;
    for (int i = 0; i < FORKS; i++) {
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            alarm(10); /* a deadlocked child fails its fork, not the whole test's timeout */
            check_child_traces("fork");
            _exit(0);
        }
        good += wait_for(pid) == 0;
    }
    atomic_store(&stop_churn, 1);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("fork with %d allocating threads: %d of %d children traced correctly\n", THREADS, good, FORKS);
    check_current_is_sum_of_traces("parent after the forks");

    fflush(stdout);
    pid_t pid;
    char *spawn_argv[] = {argv[0], "posix_spawn", NULL};
    CHECK(posix_spawn(&pid, argv[0], NULL, NULL, spawn_argv, environ) == 0, "posix_spawn");
    CHECK(wait_for(pid) == 0, "posix_spawn child failed");

    fflush(stdout);
    char *vfork_argv[] = {argv[0], "vfork", NULL};
    pid = vfork();
    if (pid == 0) {
        execve(argv[0], vfork_argv, environ);
        _exit(127);
    }
    CHECK(pid > 0 && wait_for(pid) == 0, "vfork child failed");
    check_current_is_sum_of_traces("parent at the end");
    return 0;
}
