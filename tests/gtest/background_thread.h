// background_thread.h — a thread started before main that keeps allocating (and leaking) while tests run.
#ifndef TMTRACE_TESTS_GTEST_BACKGROUND_THREAD_H
#define TMTRACE_TESTS_GTEST_BACKGROUND_THREAD_H

// How many blocks the background thread has allocated so far.
unsigned long BackgroundAllocations();

#endif
