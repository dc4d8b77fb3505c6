// alloc_variants.cpp — every allocation function the pass rewrites, each at its own line in main: the C family
// (including reallocarray, memalign, valloc, pvalloc, strndup) and every operator new variant (array, nothrow,
// aligned, aligned nothrow). Each block's one frame is its exact line; after the matching free or delete of each
// variant, the traced memory is back where it started.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <new>

#include "show.h"

struct alignas(64) Aligned {
    char bytes[64];
};

static size_t traced_now()
{
    size_t current, peak;
    tmtrace_get_traced_memory(&current, &peak);
    return current;
}

int main()
{
    std::printf("variants\n"); // stdout's buffer exists before the baseline
    size_t before = traced_now();
    int *array = new int[10];
    int *nothrow = new (std::nothrow) int;
    int *nothrow_array = new (std::nothrow) int[3];
    Aligned *aligned = new Aligned;
    Aligned *aligned_array = new Aligned[2];
    Aligned *aligned_nothrow = new (std::nothrow) Aligned;
    Aligned *aligned_nothrow_array = new (std::nothrow) Aligned[2];
    void *rearray = reallocarray(nullptr, 3, 5);
    void *page = valloc(10);
    void *rounded_page = pvalloc(10);
    void *memaligned = memalign(32, 10);
    void *aligned_c = aligned_alloc(32, 32);
    void *posix_aligned = nullptr;
    if (posix_memalign(&posix_aligned, 32, 10) != 0)
        return 1;
    char *prefix = strndup("abcdef", 3);
    show_traceback("new[]", array);
    show_traceback("new nothrow", nothrow);
    show_traceback("new[] nothrow", nothrow_array);
    show_traceback("new aligned", aligned);
    show_traceback("new[] aligned", aligned_array);
    show_traceback("new aligned nothrow", aligned_nothrow);
    show_traceback("new[] aligned nothrow", aligned_nothrow_array);
    show_traceback("reallocarray", rearray);
    show_traceback("valloc", page);
    show_traceback("pvalloc", rounded_page);
    show_traceback("memalign", memaligned);
    show_traceback("aligned_alloc", aligned_c);
    show_traceback("posix_memalign", posix_aligned);
    show_traceback("strndup", prefix);
    delete[] array;
    delete nothrow;
    delete[] nothrow_array;
    delete aligned;
    delete[] aligned_array;
    delete aligned_nothrow;
    delete[] aligned_nothrow_array;
    std::free(rearray);
    std::free(page);
    std::free(rounded_page);
    std::free(memaligned);
    std::free(aligned_c);
    std::free(posix_aligned);
    std::free(prefix);
    std::printf("traced after the frees: %+lld B\n", (long long)traced_now() - (long long)before);
    std::fflush(stdout);
    return 0;
}
