// AllocationFunctions.h — which functions allocate, which certainly do not, and the runtime entry point that
// replaces each allocation function (runtime/tmtrace_abi.h). Pure knowledge, no IR changes.
#ifndef TMTRACE_PASS_ALLOCATIONFUNCTIONS_H
#define TMTRACE_PASS_ALLOCATIONFUNCTIONS_H

#include "llvm/ADT/StringRef.h"

namespace llvm {
class Function;
class CallBase;
} // namespace llvm

namespace tmtrace {

// An allocation function and its entry point. The entry point takes the first `KeptArgs` arguments of the
// original (operator new's std::nothrow_t& is dropped: the entry point knows it is the nothrow variant) and
// then the site record.
struct AllocationFunction {
  llvm::StringRef Original;
  llvm::StringRef EntryPoint;
  unsigned OriginalArgs;
  unsigned KeptArgs;
};

// The allocation function `F` is, if its name and arity match one; nullptr otherwise.
const AllocationFunction *lookupAllocationFunction(const llvm::Function &F);

// True for the runtime entry points that receive a site record as their last argument (the allocation entry
// points and __tmtrace_track_at): calls to them carry their site and are never pushed on the shadow stack.
bool takesSiteArgument(llvm::StringRef Name);

// Names of the runtime's user-allocator hooks.
inline constexpr const char *TrackAtName = "__tmtrace_track_at";
inline constexpr const char *UntrackAtName = "__tmtrace_untrack_at";

// True when a direct call to the declared (not defined here) function `F` cannot allocate: intrinsics,
// frees and deletes, the string/memory/math routines of libc, and anything whose memory attributes rule out
// touching the allocator's state.
bool isKnownNonAllocating(const llvm::Function &F);

} // namespace tmtrace

#endif
