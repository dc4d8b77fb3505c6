// PreserveRecursion.h — keeps recursion visible in tracebacks: calls between the functions of one call-graph
// cycle that may allocate are marked `notail`, so tail-recursion elimination cannot turn them into loops (each
// level of recursion stays a call, pushed on the shadow stack, as the source wrote it). Run early, after the
// allocation rewrite and before inlining can fold mutual recursion into self-recursion. Cycles that cannot
// allocate are left to the optimizer.
#ifndef TMTRACE_PASS_PRESERVERECURSION_H
#define TMTRACE_PASS_PRESERVERECURSION_H

#include "llvm/IR/PassManager.h"

namespace tmtrace {

// Returns true if it marked any call.
bool preserveRecursion(llvm::Module &M, llvm::ModuleAnalysisManager &AM);

} // namespace tmtrace

#endif
