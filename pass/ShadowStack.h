// ShadowStack.h — maintains the runtime's per-thread shadow stack of call sites (protocol in
// runtime/tmtrace_abi.h) around every call that may reach an allocation. Functions that cannot allocate, and
// calls that cannot, cost nothing.
#ifndef TMTRACE_PASS_SHADOWSTACK_H
#define TMTRACE_PASS_SHADOWSTACK_H

namespace llvm {
class Module;
}

namespace tmtrace {

class SiteTable;

// Instruments `M`; each pushed call's site record is assigned through `Sites`. Returns true if it changed M.
bool instrumentShadowStack(llvm::Module &M, SiteTable &Sites);

} // namespace tmtrace

#endif
