// HostVersion.cpp — stops a clang of another major that loads the plugin (clang-14 --config=tmtrace.cfg, or
// -fpass-plugin= by hand) with a message that says so. Without it the first call into LLVM ends the compiler
// with "symbol lookup error: ... undefined symbol: _ZN4llvm...", or worse, runs against another ABI. The
// wrappers and tmtrace_instrument() check the version before; this is for everything else. It runs when the
// plugin is loaded, before any LLVM code.
#include "llvm/Config/llvm-config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

namespace {

// The host's LLVM major: LLVMGetVersion exists since LLVM 16. Without it, 0 when a symbol the plugin calls is
// missing too (an older LLVM), LLVM_VERSION_MAJOR otherwise (a host that does not export the C API: the
// dynamic linker has what the plugin needs, so let it run).
unsigned hostMajor() {
  using GetVersion = void (*)(unsigned *, unsigned *, unsigned *);
  if (auto Get = reinterpret_cast<GetVersion>(dlsym(RTLD_DEFAULT, "LLVMGetVersion"))) {
    unsigned Major = 0, Minor = 0, Patch = 0;
    Get(&Major, &Minor, &Patch);
    return Major;
  }
  // SmallVector<unsigned>'s growth, in the signature LLVM has had since 15 (clang-14 lacks it).
  return dlsym(RTLD_DEFAULT, "_ZN4llvm15SmallVectorBaseIjE13mallocForGrowEPvmmRm") ? LLVM_VERSION_MAJOR : 0;
}

__attribute__((constructor)) void stopInAnotherLLVM() {
  unsigned Major = hostMajor();
  if (Major == LLVM_VERSION_MAJOR)
    return;
  Dl_info Self;
  const char *Path = dladdr(reinterpret_cast<void *>(&hostMajor), &Self) && Self.dli_fname ? Self.dli_fname
                                                                                            : "libtmtrace_pass.so";
  if (Major)
    fprintf(stderr, "error: tmtrace: %s is built for clang %d and cannot run in clang %u; use clang-%d\n", Path,
            LLVM_VERSION_MAJOR, Major, LLVM_VERSION_MAJOR);
  else
    fprintf(stderr, "error: tmtrace: %s is built for clang %d and cannot run in this older clang; use clang-%d\n",
            Path, LLVM_VERSION_MAJOR, LLVM_VERSION_MAJOR);
  // Inside the dynamic loader: leave without running the compiler's exit handlers.
  _exit(1);
}

} // namespace
