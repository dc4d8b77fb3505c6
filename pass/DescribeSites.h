// DescribeSites.h — the late module pass (OptimizerLast, every -O level, LTO pre-link too): gives every
// allocation entry point call its site record, built from its DebugLoc after inlining, and maintains the shadow
// stack around calls that may allocate.
#ifndef TMTRACE_PASS_DESCRIBESITES_H
#define TMTRACE_PASS_DESCRIBESITES_H

#include "llvm/IR/PassManager.h"

namespace tmtrace {

class DescribeSitesPass : public llvm::PassInfoMixin<DescribeSitesPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &AM);
  static bool isRequired() { return true; }
};

} // namespace tmtrace

#endif
