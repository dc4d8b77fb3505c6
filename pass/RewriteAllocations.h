// RewriteAllocations.h — the early module pass (PipelineStart, every -O level): allocation calls become calls
// to the runtime's entry points, user allocator calls get track/untrack calls, all with a null placeholder site
// that DescribeSites fills in once inlining is done; recursive calls are kept calls (PreserveRecursion.h).
#ifndef TMTRACE_PASS_REWRITEALLOCATIONS_H
#define TMTRACE_PASS_REWRITEALLOCATIONS_H

#include "llvm/IR/PassManager.h"

namespace tmtrace {

class RewriteAllocationsPass : public llvm::PassInfoMixin<RewriteAllocationsPass> {
public:
  // Without PreserveRecursion (the -O0 pipeline, whose functions are optnone: nothing turns recursion into a
  // loop), recursive calls are not marked, which saves building the call graph.
  explicit RewriteAllocationsPass(bool PreserveRecursion = true) : PreserveRecursion(PreserveRecursion) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &AM);
  static bool isRequired() { return true; } // runs at -O0 and on optnone functions too

private:
  bool PreserveRecursion;
};

} // namespace tmtrace

#endif
