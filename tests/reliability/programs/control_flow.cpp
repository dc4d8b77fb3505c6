// control_flow.cpp — the shadow stack stays exact through non-local control flow: C++ exceptions thrown deeper
// than the shadow stack's ring through instrumented and uninstrumented frames, longjmp out of deep recursion,
// signal handlers that allocate, thread_local destructors that free and allocate at thread exit, and exit()
// from deep inside. After each, the next allocation's traceback is printed: no frame of the abandoned stack may
// appear, and each frame's line is exact.
#include <csetjmp>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "../../e2e/programs/show.h"
#include "reliability.h"

extern "C" void *uninstrumented_call(void *(*callback)(int), int depth);
extern "C" char *uninstrumented_strdup(const char *text);

static void *throw_deep(int depth)
{
    if (depth == 0)
        throw std::runtime_error("from the bottom");
    void *block = uninstrumented_call(throw_deep, depth - 1); // every level crosses an uninstrumented frame
    return block;
}

static void *after_exception()
{
    return malloc(11);
}

static void exceptions()
{
    void *caught = nullptr;
    try {
        throw_deep(600); // 1200 frames: the ring of 256 wraps several times
    } catch (const std::exception &) {
        caught = uninstrumented_strdup("in the handler"); // uninstrumented allocation, blamed on this line
    }
    show_traceback("allocated in the catch block", caught);
    void *block = after_exception();
    show_traceback("after the exception", block);
    delete[] static_cast<char *>(caught);
    free(block);
}

static jmp_buf escape;

static void dive(int depth)
{
    if (depth == 0)
        longjmp(escape, 1);
    dive(depth - 1);
    free(malloc(1)); // never reached: keeps dive an allocating (instrumented) function
}

static void *after_longjmp()
{
    return malloc(22);
}

static void longjmp_out()
{
    if (setjmp(escape) == 0)
        dive(1000);
    void *block = after_longjmp();
    show_traceback("after longjmp from depth 1000", block);
    free(block);
}

static void *volatile from_handler;

static void *handler_allocates()
{
    return malloc(33);
}

static void on_signal(int)
{
    from_handler = handler_allocates();
}

static void *interrupted(int depth)
{
    if (depth == 0) {
        raise(SIGUSR1);
        return malloc(44);
    }
    void *block = interrupted(depth - 1);
    return block;
}

static void signals()
{
    signal(SIGUSR1, on_signal);
    void *block = interrupted(3);
    show_traceback("allocated by the signal handler", from_handler);
    show_traceback("allocated after the handler returned", block);
    free(block);
    free(from_handler);
}

static char *volatile survivor;

// Runs at thread exit (after the tracer's own thread-exit work may have begun): frees the thread's blocks and
// allocates one that outlives the thread.
struct ThreadCache {
    char *blocks[4] = {};
    ~ThreadCache()
    {
        for (char *block : blocks)
            delete[] block;
        survivor = static_cast<char *>(malloc(66));
    }
};
static thread_local ThreadCache cache;

static struct traces_total cache_traces()
{
    tmtrace_snapshot *snap = snapshot_or_die();
    enum { LINE_CACHE_BLOCK = __LINE__ + 9 }; // the `new` in fill_cache
    struct traces_total total = traces_at(snap, __FILE__, LINE_CACHE_BLOCK);
    tmtrace_snapshot_free(snap);
    return total;
}

static void fill_cache()
{
    for (int i = 0; i < 4; i++)
        cache.blocks[i] = new char[100 + i];
    struct traces_total held = cache_traces();
    printf("thread filled its thread_local cache: %zu traces, %zu B\n", held.count, held.size);
}

static void thread_local_destructors()
{
    std::thread(fill_cache).join();
    struct traces_total left = cache_traces();
    printf("thread_local destructor freed the thread's blocks: %zu traces left\n", left.count);
    show_traceback("allocated by the thread_local destructor", survivor);
    free(survivor);
}

static void exit_deep(int depth)
{
    if (depth == 0) {
        void *kept = malloc(55); // alive at exit: the exit report names this line
        (void)kept;
        fflush(stdout);
        exit(0);
    }
    exit_deep(depth - 1);
    free(malloc(1));
}

int main()
{
    exceptions();
    longjmp_out();
    signals();
    thread_local_destructors();
    exit_deep(500);
}
