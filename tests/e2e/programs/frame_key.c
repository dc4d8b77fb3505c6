// The frame key a pushed call stores (runtime/tmtrace_abi.h) is, on x86-64 and at every -O level, the address
// where the activation's return address is: at -O0 the pass computes it as frame address + 8, elsewhere with
// llvm.addressofreturnaddress. A callee that the pass does not instrument reads its caller's slot and compares
// the word at the frame key with the caller's return address (frame pointers make __builtin_return_address(1)
// exact). The exit report holds stdout's buffer, which printf allocates in check: it is blamed on the line of
// the innermost instrumented call, callee().
#include <stdint.h>
#include <stdio.h>

// The layout of struct tmtrace_shadow (runtime/tmtrace_abi.h, not an installed header).
extern __thread struct {
  uint64_t depth;
  struct {
    const void *site;
    uintptr_t frame;
  } entries[256];
} __tmtrace_shadow __attribute__((tls_model("initial-exec")));

__attribute__((noinline, disable_sanitizer_instrumentation)) static void check(void) {
  uintptr_t frame = __tmtrace_shadow.entries[(__tmtrace_shadow.depth - 1) & 255].frame;
  printf("caller's frame key holds its return address: %s\n",
         frame != 0 && *(void *const *)frame == __builtin_return_address(1) ? "yes" : "no");
}

// An indirect call is always pushed.
static void (*volatile callee)(void) = check;

__attribute__((noinline)) void caller(void) {
  callee();
  printf("back in caller\n");
}

int main(void) {
  caller();
  return 0;
}
