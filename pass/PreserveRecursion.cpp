// PreserveRecursion.cpp — see PreserveRecursion.h.
#include "PreserveRecursion.h"

#include "AllocationAnalysis.h"

#include "llvm/ADT/SCCIterator.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/CallGraph.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace tmtrace {

bool preserveRecursion(Module &M, ModuleAnalysisManager &AM) {
  CallGraph &CG = AM.getResult<CallGraphAnalysis>(M);
  // A cycle that cannot allocate never appears in a traceback: the optimizer may keep turning it into a loop.
  DenseSet<const Function *> MayAllocate = functionsThatMayAllocate(M, CallClassifier());
  bool Changed = false;
  for (scc_iterator<CallGraph *> SCC = scc_begin(&CG); !SCC.isAtEnd(); ++SCC) {
    SmallPtrSet<const Function *, 8> Cycle;
    for (CallGraphNode *Node : *SCC)
      if (Function *F = Node->getFunction(); F && MayAllocate.contains(F))
        Cycle.insert(F);
    if (Cycle.empty() || (Cycle.size() == 1 && !SCC.hasCycle()))
      continue;
    for (const Function *F : Cycle)
      for (Instruction &I : instructions(const_cast<Function &>(*F))) {
        auto *Call = dyn_cast<CallInst>(&I);
        if (Call && !Call->isMustTailCall() && Cycle.contains(Call->getCalledFunction())) {
          Call->setTailCallKind(CallInst::TCK_NoTail);
          Changed = true;
        }
      }
  }
  return Changed;
}

} // namespace tmtrace
