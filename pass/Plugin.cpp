// Plugin.cpp — the plugin's entry point: puts RewriteAllocations at the start of clang's pipeline and
// DescribeSites, then StripLineDirectives, at its end (all at every -O level), and names them for opt -passes=
// (tmtrace-rewrite, tmtrace-describe, tmtrace-strip-line-directives) so tests can run each alone.
#include "DescribeSites.h"
#include "RewriteAllocations.h"
#include "StripLineDirectives.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

using namespace llvm;

extern "C" __attribute__((visibility("default"))) PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "tmtrace", "0.1.0", [](PassBuilder &PB) {
            PB.registerPipelineStartEPCallback([](ModulePassManager &MPM, OptimizationLevel Level) {
              MPM.addPass(tmtrace::RewriteAllocationsPass(/*PreserveRecursion=*/Level != OptimizationLevel::O0));
            });
            PB.registerOptimizerLastEPCallback([](ModulePassManager &MPM, OptimizationLevel) {
              MPM.addPass(tmtrace::DescribeSitesPass());
              // After the site records exist: the line directives tmtrace added are no longer needed.
              MPM.addPass(tmtrace::StripLineDirectivesPass());
            });
            PB.registerPipelineParsingCallback(
                [](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
                  if (Name == "tmtrace-rewrite") {
                    MPM.addPass(tmtrace::RewriteAllocationsPass());
                    return true;
                  }
                  if (Name == "tmtrace-describe") {
                    MPM.addPass(tmtrace::DescribeSitesPass());
                    return true;
                  }
                  if (Name == "tmtrace-strip-line-directives") {
                    MPM.addPass(tmtrace::StripLineDirectivesPass());
                    return true;
                  }
                  return false;
                });
          }};
}
