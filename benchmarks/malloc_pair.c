/* malloc_pair.c — the tracer's hot-path microbenchmark: malloc/free pairs (sizes 16-256 B) in 1 and 2 threads,
 * for glibc alone and for libtmtrace at frames=1 and frames=25, printed as ns/pair and ratios.
 *
 * The program re-runs itself: once plain (glibc) and once per configuration with libtmtrace preloaded
 * (LD_PRELOAD, TMTRACE_OPTIONS=frames=N, followed by this program's own TMTRACE_OPTIONS if set), so the same
 * binary and loop are measured every time. Each measuring
 * thread first fills the shadow call-site stack as 30 levels of instrumented callers would (found through
 * dlsym, so the plain run needs no tmtrace symbol), so frames=25 really captures 25 frames; the allocations
 * themselves come from this uninstrumented loop, i.e. the interposed path. Best of 5 runs per cell.
 *
 * Time is each thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), averaged over the threads: on a shared
 * machine, wall time also counts the moments other processes hold the core, while contention between our
 * threads (a cache line bouncing between them) still shows up as CPU time. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmtrace_abi.h"

#define PAIRS_PER_THREAD 4000000L
#define SHADOW_DEPTH 30
#define RUNS 5

extern char **environ;

static tmtrace_site caller_sites[SHADOW_DEPTH];

static void fill_shadow_stack(void)
{
    struct tmtrace_shadow *shadow = dlsym(RTLD_DEFAULT, "__tmtrace_shadow"); /* this thread's instance */
    if (!shadow)
        return;
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0) + 64 * SHADOW_DEPTH;
    for (unsigned d = 0; d < SHADOW_DEPTH; d++) {
        caller_sites[d] = (tmtrace_site){"bench.c", "caller", NULL, 100 + d, 1, 0, 0};
        shadow->entries[d] = (struct tmtrace_shadow_entry){&caller_sites[d], frame - 64 * d};
    }
    shadow->depth = SHADOW_DEPTH;
}

static double thread_cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static pthread_barrier_t start_together;

/* One measuring thread: stores its CPU ns per pair in *arg. */
static void *pairs(void *arg)
{
    fill_shadow_stack();
    pthread_barrier_wait(&start_together);
    double start = thread_cpu_ns();
    for (long i = 0; i < PAIRS_PER_THREAD; i++) {
        void *volatile p = malloc(16 + (size_t)(i & 15) * 16);
        free(p);
    }
    *(double *)arg = (thread_cpu_ns() - start) / PAIRS_PER_THREAD;
    return NULL;
}

/* Child: CPU ns per pair, averaged over `threads` threads running at once. */
static int child(int threads)
{
    pthread_t t[2];
    double ns[2] = {0, 0};
    pthread_barrier_init(&start_together, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, pairs, &ns[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    printf("%.3f\n", threads == 2 ? (ns[0] + ns[1]) / 2 : ns[0]);
    return 0;
}

/* Runs this program as a child with `preload` (NULL: glibc) and TMTRACE_OPTIONS=frames=<frames>[:<ours>]. */
static double run_child(const char *self, const char *preload, int frames, int threads)
{
    char threads_arg[16], preload_env[4200], options_env[4200];
    snprintf(threads_arg, sizeof threads_arg, "%d", threads);
    char *argv[] = {(char *)self, "--child", threads_arg, NULL};
    char *envp[4] = {NULL};
    int n = 0;
    if (preload) {
        snprintf(preload_env, sizeof preload_env, "LD_PRELOAD=%s", preload);
        const char *extra = getenv("TMTRACE_OPTIONS"); /* e.g. membarrier=0, to measure the fallback */
        snprintf(options_env, sizeof options_env, "TMTRACE_OPTIONS=frames=%d%s%s", frames, extra ? ":" : "",
                 extra ? extra : "");
        envp[n++] = preload_env;
        envp[n++] = options_env;
    }
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, self, &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    char buf[64] = {0};
    ssize_t got = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return atof(buf);
}

static double best_of(const char *self, const char *preload, int frames, int threads)
{
    double best = -1;
    for (int r = 0; r < RUNS; r++) {
        double ns = run_child(self, preload, frames, threads);
        if (ns < 0)
            return -1;
        if (best < 0 || ns < best)
            best = ns;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0) {
        int threads = atoi(argv[2]);
        return threads == 1 || threads == 2 ? child(threads) : 1;
    }
    const char *lib = argc > 1 ? argv[1] : TMTRACE_LIBRARY;
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return 1;
    self[len] = '\0';
    printf("malloc/free pairs, sizes 16-256 B, %ld pairs per thread, thread CPU time, best of %d runs; library %s\n",
           PAIRS_PER_THREAD, RUNS, lib);
    printf("threads  glibc ns/pair  frames=1 ns/pair (x glibc)  frames=25 ns/pair (x glibc)\n");
    double cells[2][3];
    for (int threads = 1; threads <= 2; threads++) {
        double *c = cells[threads - 1];
        c[0] = best_of(self, NULL, 1, threads);
        c[1] = best_of(self, lib, 1, threads);
        c[2] = best_of(self, lib, 25, threads);
        if (c[0] < 0 || c[1] < 0 || c[2] < 0) {
            fprintf(stderr, "malloc_pair: a child run failed\n");
            return 1;
        }
        printf("%7d  %13.1f  %16.1f (%5.2fx)  %17.1f (%5.2fx)\n", threads, c[0], c[1], c[1] / c[0], c[2],
               c[2] / c[0]);
    }
    printf("2 threads vs 1 (per-thread ns/pair): glibc %.2fx, frames=1 %.2fx, frames=25 %.2fx\n",
           cells[1][0] / cells[0][0], cells[1][1] / cells[0][1], cells[1][2] / cells[0][2]);
    return 0;
}
