// AllocationAnalysis.h — which calls and which functions of a module may reach an allocation: a call to an
// allocation entry point, to an external function not known to be allocation-free, an indirect call, or a call
// to a function of the module that may allocate. Used late to decide what the shadow stack pushes, and early to
// decide which recursion must stay recursion.
#ifndef TMTRACE_PASS_ALLOCATIONANALYSIS_H
#define TMTRACE_PASS_ALLOCATIONANALYSIS_H

#include "llvm/ADT/DenseSet.h"

namespace llvm {
class CallBase;
class Function;
class Module;
} // namespace llvm

namespace tmtrace {

enum class CallKind {
  NoAllocation,  // intrinsics, inline asm, known allocation-free callees
  CarriesSite,   // an allocation entry point or track call: allocates, site passed as an argument
  MayAllocate,   // must be pushed
  ModuleCallee,  // a function defined here: pushed if that function may allocate
};

struct CallClassifier {
  // What `Call` is; for CallKind::ModuleCallee, `Defined` is the callee.
  CallKind classify(const llvm::CallBase &Call, llvm::Function *&Defined) const;
};

// The functions of M that may allocate: those with a direct reason, then everything that calls them.
llvm::DenseSet<const llvm::Function *> functionsThatMayAllocate(llvm::Module &M, const CallClassifier &C);

} // namespace tmtrace

#endif
