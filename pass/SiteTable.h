// SiteTable.h — the module's static site records (struct tmtrace_site in runtime/tmtrace_abi.h): one record per
// distinct location and inline level, all in one private array, registered with the runtime by a module
// constructor. Users of the table assign records to operands; finalize() emits the array and patches them.
#ifndef TMTRACE_PASS_SITETABLE_H
#define TMTRACE_PASS_SITETABLE_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace llvm {
class DILocation;
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
  struct Record {
    std::string Filename;
    std::string Function; // "" for none
    int InlinedAt;        // index of the record this one was inlined into, or -1
    uint32_t Line, Column, Flags;
  };
  using Key = std::tuple<std::string, std::string, int, uint32_t, uint32_t>;

  unsigned recordFor(const llvm::DILocation *Loc, const llvm::Function &F);
  unsigned intern(Record R);
  llvm::Constant *stringConstant(const std::string &S);

  llvm::Module &M;
  std::vector<Record> Records;
  std::map<Key, unsigned> Index;
  llvm::StringMap<llvm::Constant *> Strings;
  struct Patch {
    llvm::User *U;
    unsigned OperandNo;
    unsigned RecordIndex;
  };
  std::vector<Patch> Patches;
};

} // namespace tmtrace

#endif
