// StripLineDirectives.h — the last module pass (OptimizerLast, after DescribeSites; every -O level, LTO pre-link
// too): when the module's debug info is only the line directives that tmtrace asked for, it is removed once the
// site records are built, so the object file carries no line table the user did not ask for and the backend
// does not pay for emitting one.
//
// The rule: every DICompileUnit of the module has emission kind DebugDirectivesOnly (-gline-directives-only,
// which the wrapper, tmtrace.cfg and tmtrace_instrument() add when no -g level was chosen). Any other -g level
// keeps all of its debug info. -tmtrace-keep-line-directives (the wrapper passes it when the user wrote
// -gline-directives-only) keeps them too.
#ifndef TMTRACE_PASS_STRIPLINEDIRECTIVES_H
#define TMTRACE_PASS_STRIPLINEDIRECTIVES_H

#include "llvm/IR/PassManager.h"

namespace tmtrace {

class StripLineDirectivesPass : public llvm::PassInfoMixin<StripLineDirectivesPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &AM);
  static bool isRequired() { return true; }
};

} // namespace tmtrace

#endif
