// StripLineDirectives.cpp — see StripLineDirectives.h.
#include "StripLineDirectives.h"

#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"

using namespace llvm;

namespace tmtrace {

static cl::opt<bool> KeepLineDirectivesOption(
    "tmtrace-keep-line-directives",
    cl::desc("tmtrace: keep -gline-directives-only debug info in the output (the user asked for it)"),
    cl::init(false));

// Whether the module has debug info and all of it is line directives only (the rule, without the option).
static bool hasOnlyLineDirectives(const Module &M) {
  bool Any = false;
  for (const DICompileUnit *CU : M.debug_compile_units()) {
    if (CU->getEmissionKind() != DICompileUnit::DebugDirectivesOnly)
      return false;
    Any = true;
  }
  return Any;
}

PreservedAnalyses StripLineDirectivesPass::run(Module &M, ModuleAnalysisManager &) {
  if (KeepLineDirectivesOption || !hasOnlyLineDirectives(M) || !StripDebugInfo(M))
    return PreservedAnalyses::all();
  return PreservedAnalyses::none();
}

} // namespace tmtrace
