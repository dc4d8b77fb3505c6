// DescribeSites.cpp — see DescribeSites.h. Runs once per module: a module that went through it is marked, so a
// second pipeline over the same IR (an LTO backend that loaded the plugin) does not push calls twice.
#include "DescribeSites.h"

#include "AllocationFunctions.h"
#include "ShadowStack.h"
#include "SiteTable.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace tmtrace {

static const char *const DescribedMarker = "tmtrace.described";

PreservedAnalyses DescribeSitesPass::run(Module &M, ModuleAnalysisManager &) {
  if (M.getNamedMetadata(DescribedMarker))
    return PreservedAnalyses::all();
  M.getOrInsertNamedMetadata(DescribedMarker);

  SiteTable Sites(M);
  for (Function &F : M)
    for (Instruction &I : instructions(F)) {
      auto *Call = dyn_cast<CallBase>(&I);
      Function *Callee = Call ? Call->getCalledFunction() : nullptr;
      if (!Callee || !takesSiteArgument(Callee->getName()) || Call->arg_size() == 0)
        continue;
      unsigned SiteArg = Call->arg_size() - 1;
      // Only the placeholders of RewriteAllocations; a site the program passes itself is left alone.
      if (isa<ConstantPointerNull>(Call->getArgOperand(SiteArg)))
        Sites.assign(*Call, SiteArg, Call->getDebugLoc().get(), F);
    }
  instrumentShadowStack(M, Sites);
  Sites.finalize();
  return PreservedAnalyses::none();
}

} // namespace tmtrace
