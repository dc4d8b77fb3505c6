// AllocationAnalysis.cpp — see AllocationAnalysis.h.
#include "AllocationAnalysis.h"

#include "AllocationFunctions.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace tmtrace {

CallKind CallClassifier::classify(const CallBase &Call, Function *&Defined) const {
  Defined = nullptr;
  if (Call.isInlineAsm())
    return CallKind::NoAllocation;
  // Memory attributes on the call itself (e.g. from __attribute__((const)) on a declaration).
  if (Call.onlyReadsMemory() || Call.onlyAccessesArgMemory())
    return CallKind::NoAllocation;
  Function *Callee = dyn_cast<Function>(Call.getCalledOperand()->stripPointerCasts());
  if (!Callee)
    return CallKind::MayAllocate; // indirect
  if (takesSiteArgument(Callee->getName()))
    return CallKind::CarriesSite;
  if (Callee->isDeclaration())
    return isKnownNonAllocating(*Callee) ? CallKind::NoAllocation : CallKind::MayAllocate;
  if (Callee->isInterposable()) // another definition may win at link time
    return CallKind::MayAllocate;
  Defined = Callee;
  return CallKind::ModuleCallee;
}

DenseSet<const Function *> functionsThatMayAllocate(Module &M, const CallClassifier &C) {
  DenseSet<const Function *> MayAllocate;
  DenseMap<const Function *, SmallVector<const Function *, 4>> Callers;
  SmallVector<const Function *, 64> Worklist;
  for (Function &F : M) {
    if (F.isDeclaration())
      continue;
    bool Direct = false;
    for (Instruction &I : instructions(F)) {
      auto *Call = dyn_cast<CallBase>(&I);
      if (!Call)
        continue;
      Function *Defined;
      CallKind Kind = C.classify(*Call, Defined);
      if (Kind == CallKind::CarriesSite || Kind == CallKind::MayAllocate)
        Direct = true;
      else if (Kind == CallKind::ModuleCallee)
        Callers[Defined].push_back(&F);
    }
    if (Direct && MayAllocate.insert(&F).second)
      Worklist.push_back(&F);
  }
  while (!Worklist.empty()) {
    const Function *F = Worklist.pop_back_val();
    for (const Function *Caller : Callers.lookup(F))
      if (MayAllocate.insert(Caller).second)
        Worklist.push_back(Caller);
  }
  return MayAllocate;
}

} // namespace tmtrace
