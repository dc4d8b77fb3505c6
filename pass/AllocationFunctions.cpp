// AllocationFunctions.cpp — the table of allocation functions and their entry points, and the list of library
// functions known not to allocate (so that calls to them cost no shadow-stack push).
#include "AllocationFunctions.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Function.h"

using namespace llvm;

namespace tmtrace {

// The mangled operator new names are the Itanium ones for a 64-bit size_t (LP64 targets).
static const AllocationFunction AllocationFunctions[] = {
    {"malloc", "__tmtrace_malloc", 1, 1},
    {"calloc", "__tmtrace_calloc", 2, 2},
    {"realloc", "__tmtrace_realloc", 2, 2},
    {"reallocarray", "__tmtrace_reallocarray", 3, 3},
    {"posix_memalign", "__tmtrace_posix_memalign", 3, 3},
    {"aligned_alloc", "__tmtrace_aligned_alloc", 2, 2},
    {"memalign", "__tmtrace_memalign", 2, 2},
    {"valloc", "__tmtrace_valloc", 1, 1},
    {"pvalloc", "__tmtrace_pvalloc", 1, 1},
    {"strdup", "__tmtrace_strdup", 1, 1},
    {"strndup", "__tmtrace_strndup", 2, 2},
    {"_Znwm", "__tmtrace_new", 1, 1},
    {"_Znam", "__tmtrace_new_array", 1, 1},
    {"_ZnwmRKSt9nothrow_t", "__tmtrace_new_nothrow", 2, 1},
    {"_ZnamRKSt9nothrow_t", "__tmtrace_new_array_nothrow", 2, 1},
    {"_ZnwmSt11align_val_t", "__tmtrace_new_aligned", 2, 2},
    {"_ZnamSt11align_val_t", "__tmtrace_new_array_aligned", 2, 2},
    {"_ZnwmSt11align_val_tRKSt9nothrow_t", "__tmtrace_new_aligned_nothrow", 3, 2},
    {"_ZnamSt11align_val_tRKSt9nothrow_t", "__tmtrace_new_array_aligned_nothrow", 3, 2},
};

const AllocationFunction *lookupAllocationFunction(const Function &F) {
  if (!F.isDeclaration() || F.isVarArg())
    return nullptr;
  StringRef Name = F.getName();
  for (const AllocationFunction &A : AllocationFunctions)
    if (Name == A.Original)
      return F.arg_size() == A.OriginalArgs ? &A : nullptr;
  return nullptr;
}

bool takesSiteArgument(StringRef Name) {
  if (Name == TrackAtName)
    return true;
  for (const AllocationFunction &A : AllocationFunctions)
    if (Name == A.EntryPoint)
      return true;
  return false;
}

// Library functions that never call malloc or operator new. Anything not listed (printf, fopen, qsort with a
// callback, ...) may allocate, or call back into code that does, and is pushed.
static const char *const NonAllocatingNames[] = {
    // frees: the runtime untracks by address, no site needed
    "free", "cfree", "__tmtrace_untrack_at",
    // memory and strings
    "memcpy", "memmove", "memset", "memcmp", "memchr", "memrchr", "bcmp", "bzero", "strlen", "strnlen", "strcmp",
    "strncmp", "strcpy", "strncpy", "stpcpy", "stpncpy", "strcat", "strncat", "strchr", "strrchr", "strstr",
    "strspn", "strcspn", "strpbrk", "strcasecmp", "strncasecmp", "wcslen", "wmemcpy", "wmemset", "wmemcmp",
    // character classes and numbers
    "isalpha", "isdigit", "isspace", "isalnum", "isupper", "islower", "toupper", "tolower", "abs", "labs",
    "llabs", "atoi", "atol", "atoll", "strtol", "strtoul", "strtoll", "strtoull", "strtod", "strtof",
    // math
    "sqrt", "sqrtf", "sin", "sinf", "cos", "cosf", "tan", "exp", "expf", "exp2", "log", "logf", "log2", "log10",
    "pow", "powf", "fabs", "fabsf", "floor", "floorf", "ceil", "ceilf", "round", "fmod", "fmin", "fmax", "atan2",
    // control transfer: the landing site repairs the shadow stack
    "setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "longjmp", "_longjmp", "siglongjmp", "__longjmp_chk",
    // C++ runtime pieces that only release or inspect
    "__cxa_begin_catch", "__cxa_end_catch", "__cxa_free_exception", "__cxa_guard_acquire",
    "__cxa_guard_release", "__cxa_guard_abort", "__cxa_pure_virtual", "_ZSt9terminatev", "__clang_call_terminate",
    // threads and process
    "pthread_self", "pthread_mutex_lock", "pthread_mutex_unlock", "pthread_mutex_trylock", "pthread_equal",
    "getpid", "gettid", "clock_gettime", "__errno_location", "abort", "_exit", "__stack_chk_fail",
    "__assert_fail",
};

bool isKnownNonAllocating(const Function &F) {
  if (F.isIntrinsic())
    return true;
  // malloc writes the allocator's (inaccessible) memory: a function that cannot touch such memory cannot
  // allocate.
  if (F.onlyReadsMemory() || F.onlyAccessesArgMemory())
    return true;
  StringRef Name = F.getName();
  // operator delete in every variant (sized, aligned, nothrow, array).
  if (Name.starts_with("_ZdlPv") || Name.starts_with("_ZdaPv"))
    return true;
  static const StringSet<> Names = [] {
    StringSet<> S;
    for (const char *N : NonAllocatingNames)
      S.insert(N);
    return S;
  }();
  return Names.contains(Name);
}

} // namespace tmtrace
