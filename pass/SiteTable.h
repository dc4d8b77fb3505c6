// SiteTable.h — the module's static site records (struct tmtrace_site in runtime/tmtrace_abi.h): one record per
// distinct location and inline level, all in one private array, registered with the runtime by a module
// constructor. Users of the table assign records to operands; finalize() emits the array and patches them.
#ifndef TMTRACE_PASS_SITETABLE_H
#define TMTRACE_PASS_SITETABLE_H

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace llvm {
class DILocation;
class DISubprogram;
class Function;
class Module;
class User;
class Constant;
} // namespace llvm

namespace tmtrace {

class SiteTable {
public:
  explicit SiteTable(llvm::Module &M);

  // Makes operand `OperandNo` of `U` point to the record of `Loc` (with its inline chain), or to "?":0 when
  // `Loc` is null. `F` is the function holding the instruction (for its name when there is no location).
  void assign(llvm::User &U, unsigned OperandNo, const llvm::DILocation *Loc, const llvm::Function &F);

  // Emits the array and the register/unregister constructor pair, and patches every assigned operand.
  // Does nothing when nothing was assigned.
  void finalize();

private:
  // Strings are interned: a record holds indexes into Strings, so that records compare as integers (function
  // names of template instances run to hundreds of bytes).
  struct Record {
    unsigned Filename;
    unsigned Function; // NoFunction for none
    int InlinedAt;     // index of the record this one was inlined into, or -1
    uint32_t Line, Column, Flags;
  };
  using Key = std::tuple<unsigned, unsigned, int, uint32_t, uint32_t>;
  static constexpr unsigned NoFunction = ~0u;

  unsigned recordFor(const llvm::DILocation *Loc, const llvm::Function &F);
  unsigned intern(Record R);
  unsigned internString(llvm::StringRef S);
  unsigned functionOf(const llvm::DISubprogram *SP); // NoFunction for none or an empty name
  unsigned pathOf(llvm::StringRef Directory, llvm::StringRef File, uint32_t &Flags);
  llvm::Constant *stringConstant(unsigned String);

  llvm::Module &M;
  std::vector<Record> Records;
  llvm::DenseMap<Key, unsigned> Index;
  llvm::DenseMap<const llvm::DILocation *, unsigned> ByLocation; // the same location recurs in inline chains
  std::vector<std::string> Strings;
  llvm::StringMap<unsigned> StringIndex;
  llvm::DenseMap<std::pair<const char *, const char *>, std::pair<unsigned, uint32_t>> Paths; // by MDString data
  std::vector<llvm::Constant *> StringConstants;
  struct Patch {
    llvm::User *U;
    unsigned OperandNo;
    unsigned RecordIndex;
  };
  std::vector<Patch> Patches;
};

} // namespace tmtrace

#endif
