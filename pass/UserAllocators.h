// UserAllocators.h — the user allocator file (-fsanitize-tmtrace-allocators=FILE; format in pass/README.md):
// which functions allocate or free blocks, which argument carries the size or the pointer, and in which domain.
#ifndef TMTRACE_PASS_USERALLOCATORS_H
#define TMTRACE_PASS_USERALLOCATORS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace tmtrace {

struct UserAllocator {
  bool IsFree = false;
  unsigned NumParams = 0;
  int SizeArg = -1;  // alloc: the byte count (times CountArg when given)
  int CountArg = -1; // alloc: an element count, calloc-style
  int PtrArg = -1;   // free: the block; alloc: the block being resized, realloc-style
  uint32_t Domain = 0;
  std::string DomainName; // "" when unnamed
  std::string Where;      // "FILE:LINE", for messages about calls that do not match the declaration
};

struct UserAllocatorFile {
  llvm::StringMap<UserAllocator> ByFunction; // keyed by the symbol name (mangled for C++)
};

// Parses the file at `Path`. On failure returns false and sets `Error` to "FILE:LINE: what is wrong" (or
// "FILE: why it cannot be read").
bool parseUserAllocatorFile(llvm::StringRef Path, UserAllocatorFile &Out, std::string &Error);

// The file named by -mllvm -tmtrace-allocators=FILE, parsed once per process; nullptr when no file was given
// or it failed to parse (then `Error` says why).
const UserAllocatorFile *userAllocatorsFromCommandLine(std::string &Error);

} // namespace tmtrace

#endif
