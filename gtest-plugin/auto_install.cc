// auto_install.cc — installs the listener before main when the library is linked. The linker script
// libtmtrace_gtest.so (EXTERN) and the CMake target (--undefined) pull this archive member in by the symbol
// below; without it the static constructor, referenced by nothing, would stay in the archive.
#include <tmtrace/gtest.h>

extern "C" {
extern const int tmtrace_gtest_auto_install;
const int tmtrace_gtest_auto_install = 1;
}

namespace {
struct AutoInstall {
    AutoInstall() { tmtrace::gtest::InstallLeakCheckListener(); }
} auto_install;
}  // namespace
