// signal_test.cc — signal tolerance: a handler that allocates, frees, tracks and untracks interrupts the tracer at
// arbitrary points without deadlock or corruption; blocks the handler makes or tracks in domain 0 while its thread
// is inside the tracer go untraced, the blocks it frees or untracks are forgotten, and the counters stay exact.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <atomic>

#include "runtime_test_support.h"

namespace {

using tmtest::Current;

volatile sig_atomic_t handler_runs;

void AllocatingHandler(int)
{
    // malloc is not async-signal-safe: keep glibc out of the way by using a size whose tcache bin the
    // interrupted loop never touches (1000 B; the loop uses 16-215 B), so that only the tracer is re-entered.
    void *p = malloc(1000);
    free(p);
    handler_runs = handler_runs + 1;
}

class Signals : public tmtest::TracerTest {};

// Installs handler for sig (the former action in *saved): sigaction's result.
int Install(int sig, void (*handler)(int), struct sigaction *saved)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(sig, &action, saved);
}

TEST_F(Signals, AllocatingHandlerInterruptsTheTracer)
{
    struct sigaction saved;
    ASSERT_EQ(Install(SIGPROF, AllocatingHandler, &saved), 0);
    size_t before = Current();
    itimerval every_50us = {{0, 50}, {0, 50}};
    ASSERT_EQ(setitimer(ITIMER_PROF, &every_50us, nullptr), 0);
    handler_runs = 0;
    // The timer ticks at the kernel's rate (a few ms): run until it fired 30 times (bounded, in case the
    // machine starves this process of CPU time).
    for (long i = 0; i < 200000000 && handler_runs < 30; i++) {
        void *p = malloc(16 + (size_t)i % 200);
        free(p);
    }
    itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, nullptr);
    sigaction(SIGPROF, &saved, nullptr);
    EXPECT_EQ(Current(), before);
    EXPECT_EQ(handler_runs, 30);
}

// Domain-0 track/untrack from a handler that may interrupt this thread's own malloc/free inside the tracer
// (the handler's operation is then nested in its thread's operation on its table): the handler flips fake blocks
// between tracked and untracked, the interrupted thread churns a heap large enough to rebuild its table often.
constexpr int kFakeBlocks = 64;
alignas(64) char fake_heap[kFakeBlocks * 64]; // never handed out by malloc: the fake blocks' addresses
bool fake_tracked[kFakeBlocks];
size_t fake_size[kFakeBlocks];
int fake_next;
std::atomic<long> flips;
constexpr long kFlips = 5000;
// Traced blocks the handler frees, one per run: 7 blocks of 984 B, taken from glibc's per-thread cache of that
// size (7 places at most), go back to it (no lock, and a bin the interrupted loop never touches).
constexpr int kPoolBlocks = 7;
constexpr size_t kPoolBlockSize = 984;
void *pool[kPoolBlocks];
int pool_freed;

void TrackingHandler(int)
{
    for (int n = 0; n < 4; n++) {
        int i = fake_next;
        fake_next = (fake_next + 7) % kFakeBlocks;
        uintptr_t addr = reinterpret_cast<uintptr_t>(&fake_heap[i * 64]);
        if (fake_tracked[i]) {
            tmtrace_untrack(0, addr);
            fake_tracked[i] = false;
        } else {
            fake_size[i] = 100 + static_cast<size_t>(i);
            // Refused (-1) only when it cannot be recorded now: the block is then simply not traced.
            fake_tracked[i] = tmtrace_track(0, addr, fake_size[i]) == 0;
        }
    }
    if (pool_freed < kPoolBlocks)
        free(pool[pool_freed++]); // inside the tracer or not, its trace goes
    flips.fetch_add(1, std::memory_order_relaxed);
}

// Takes 7 blocks of each of `sizes` sizes (16, 32, ... B) and frees them.
void ChurnCachedBlocks(int sizes)
{
    for (int s = 0; s < sizes; s++) {
        void *blocks[7];
        for (void *&b : blocks)
            b = malloc(16 + 16 * static_cast<size_t>(s));
        for (void *b : blocks)
            free(b);
    }
}

struct Sender {
    pthread_t target;
    std::atomic<bool> stop{false};
};

void *SendSignals(void *arg)
{
    Sender *s = static_cast<Sender *>(arg);
    timespec pause = {0, 20000};
    while (!s->stop.load())
        if (pthread_kill(s->target, SIGUSR1) != 0 || nanosleep(&pause, nullptr) != 0)
            break;
    return nullptr;
}

TEST_F(Signals, TrackingHandlerInterruptsTheTracer)
{
    struct sigaction saved;
    ASSERT_EQ(Install(SIGUSR1, TrackingHandler, &saved), 0);
    memset(fake_tracked, 0, sizeof fake_tracked);
    fake_next = 0;
    flips = 0;
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, nullptr, [](void *) -> void * { return nullptr; }, nullptr), 0);
    pthread_join(thread, nullptr); // glibc keeps a first thread's TLS vector: allocate it before measuring
    const size_t before = Current();
    pool_freed = 0;
    for (void *&p : pool)
        p = malloc(kPoolBlockSize);
    // malloc is not async-signal-safe, and the handler's tmtrace_track may allocate tracer memory: the loop below
    // keeps glibc in its per-thread caches (7 blocks of each of 16 sizes, taken and given back), whose paths take
    // no lock. This fills them first.
    ChurnCachedBlocks(16);

    Sender sender;
    sender.target = pthread_self();
    ASSERT_EQ(pthread_create(&thread, nullptr, SendSignals, &sender), 0);
    // 112 addresses taken and given back: with the handler's tracks, the table fills and is rebuilt now and then.
    // Until the handler ran 5000 times (bounded, in case the machine starves this process of CPU time).
    timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 100; i++)
            ChurnCachedBlocks(16);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (flips.load() < kFlips && now.tv_sec - start.tv_sec < 30);
    sender.stop = true;
    pthread_join(thread, nullptr);
    sigaction(SIGUSR1, &saved, nullptr);

    // Counted before anything below allocates (a failed expectation's message does).
    const size_t current = Current(), snapshot_bytes = tmtest::SnapshotHeapBytes();
    size_t expected = 0;
    for (int i = 0; i < kFakeBlocks; i++)
        expected += fake_tracked[i] ? fake_size[i] : 0;
    EXPECT_EQ(current - before, expected);
    EXPECT_EQ(snapshot_bytes, current);
    for (int i = 0; i < kFakeBlocks; i++)
        EXPECT_EQ(tmtest::FramesOf(&fake_heap[i * 64]) != tmtest::kUntraced, fake_tracked[i]) << "fake block " << i;
    EXPECT_GE(flips.load(), kFlips);
    EXPECT_EQ(pool_freed, kPoolBlocks);
}

} // namespace
