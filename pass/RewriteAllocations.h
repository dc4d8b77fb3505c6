// RewriteAllocations.h — the early module pass (PipelineStart, every -O level): allocation calls become calls
// to the runtime's entry points, user allocator calls get track/untrack calls, all with a null placeholder site
// that DescribeSites fills in once inlining is done; recursive calls are kept calls (PreserveRecursion.h).
#ifndef TMTRACE_PASS_REWRITEALLOCATIONS_H
#define TMTRACE_PASS_REWRITEALLOCATIONS_H

#include "llvm/IR/PassManager.h"

namespace tmtrace {

class RewriteAllocationsPass : public llvm::PassInfoMixin<RewriteAllocationsPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &AM);
  static bool isRequired() { return true; } // runs at -O0 and on optnone functions too
};

} // namespace tmtrace

#endif
