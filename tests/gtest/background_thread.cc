// background_thread.cc — starts, before main, a thread that allocates every 100 us: it keeps the newest 16
// blocks in a ring and drops one of every 8 on the floor, so it both retains and truly leaks memory while
// tests run. Neither may be blamed on a test, since no test started this thread.
#include "background_thread.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace {

std::atomic<unsigned long> allocations{0};

void Run()
{
    void *ring[16] = {};
    for (unsigned long i = 0;; i++) {
        void *block = std::malloc(48);
        if (i % 8 == 0) {
            block = nullptr;  // a leak of the background thread, not of any test
        } else {
            std::free(ring[i % 16]);
            ring[i % 16] = block;
        }
        allocations.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

struct Starter {
    Starter() { std::thread(Run).detach(); }
} starter;

}  // namespace

unsigned long BackgroundAllocations() { return allocations.load(); }
