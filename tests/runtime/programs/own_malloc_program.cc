// own_malloc_program.cc — an executable with a malloc family of its own (a header before each block, which its
// free checks), linked with libtmtrace: the runtime cannot trace heap blocks (mode "unavailable"), and every
// operator new must hand out blocks of this malloc, since delete's free is this one. Prints
// "own-malloc-program: ok" when every check passed; its free aborts on a block it did not allocate.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
void *__libc_malloc(size_t);
void __libc_free(void *);

namespace {
constexpr unsigned long kMagic = 0x6f776e6d616c6cUL;
unsigned long allocated; // blocks this malloc handed out and that are not freed yet
} // namespace

void *malloc(size_t n)
{
    unsigned long *h = static_cast<unsigned long *>(__libc_malloc(n + 16));
    if (!h)
        return nullptr;
    h[0] = kMagic;
    h[1] = n;
    allocated++;
    return h + 2;
}

void free(void *p)
{
    if (!p)
        return;
    unsigned long *h = static_cast<unsigned long *>(p) - 2;
    if (h[0] != kMagic) {
        fputs("own-malloc-program: free of a block its malloc did not allocate\n", stderr);
        abort();
    }
    h[0] = 0;
    allocated--;
    __libc_free(h);
}

void *calloc(size_t n, size_t size)
{
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    void *q = malloc(n);
    if (!q)
        return nullptr;
    size_t old = static_cast<unsigned long *>(p)[-1];
    memcpy(q, p, old < n ? old : n);
    free(p);
    return q;
}
}

#define CHECK(cond)                                                                                              \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            printf("own-malloc-program: failed: %s (line %d)\n", #cond, __LINE__);                                \
            return 1;                                                                                            \
        }                                                                                                        \
    } while (0)

int main()
{
    unsigned long before = allocated;
    void *volatile one = ::operator new(24);
    CHECK(allocated == before + 1);
    ::operator delete(one);
    void *volatile many = ::operator new[](100);
    CHECK(allocated == before + 1);
    ::operator delete[](many);
    void *volatile quiet = ::operator new(8, std::nothrow);
    CHECK(quiet != nullptr && allocated == before + 1);
    ::operator delete(quiet, std::nothrow);
    void *volatile empty = ::operator new(0);
    CHECK(allocated == before + 1);
    ::operator delete(empty);
    CHECK(allocated == before);
    printf("own-malloc-program: ok\n");
    return 0;
}
