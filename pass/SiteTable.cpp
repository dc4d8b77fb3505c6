// SiteTable.cpp — see SiteTable.h. Paths are made absolute (DILocation filenames are often relative to the
// compilation directory) and normalized, so that records of the same file from different modules compare equal.
#include "SiteTable.h"

#include "tmtrace_abi.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <cstddef>

using namespace llvm;

namespace tmtrace {

static_assert(sizeof(tmtrace_site) == 40 && offsetof(tmtrace_site, lineno) == 24,
              "the pass emits tmtrace_site as { ptr, ptr, ptr, i32, i32, i32, i32 }");

// Register before the program's own constructors (default priority 65535) allocate, and unregister after its
// destructors; 1 is the priority sanitizers use for their module constructors.
static const int RegistrationPriority = 1;

// Directories whose files are system headers (after normalization): libstdc++ and glibc headers, clang's
// resource headers.
static bool isSystemPath(StringRef Path) {
  return Path.starts_with("/usr/include/") || Path.starts_with("/usr/lib/") ||
         Path.starts_with("/usr/local/include/");
}

static std::string absolutePath(StringRef Directory, StringRef File) {
  // clang's names for what is no file ("<stdin>" for `-`, "<built-in>", "<command line>") stay as they are.
  if (File.starts_with("<") && File.ends_with(">"))
    return std::string(File);
  SmallString<256> Path;
  if (sys::path::is_absolute(File) || Directory.empty())
    Path = File;
  else
    sys::path::append(Path, Directory, File);
  sys::fs::make_absolute(Path); // a relative compilation directory is relative to the compiler's cwd
  sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return std::string(Path);
}

SiteTable::SiteTable(Module &M) : M(M) {}

unsigned SiteTable::internString(StringRef S) {
  auto [It, Inserted] = StringIndex.try_emplace(S, Strings.size());
  if (Inserted)
    Strings.push_back(S.str());
  return It->second;
}

// The absolute path of a DILocation's file and its flags, once per (directory, file) pair: DILocations hold
// their names as uniqued MDStrings, so the strings' addresses identify them.
unsigned SiteTable::pathOf(StringRef Directory, StringRef File, uint32_t &Flags) {
  auto [It, Inserted] = Paths.try_emplace({Directory.data(), File.data()});
  if (Inserted) {
    std::string Path = absolutePath(Directory, File);
    It->second = {internString(File.empty() ? "?" : Path), isSystemPath(Path) ? TMTRACE_SITE_SYSTEM : 0u};
  }
  Flags = It->second.second;
  return It->second.first;
}

unsigned SiteTable::intern(Record R) {
  auto [It, Inserted] = Index.try_emplace(Key{R.Filename, R.Function, R.InlinedAt, R.Line, R.Column}, Records.size());
  if (Inserted)
    Records.push_back(R);
  return It->second;
}

unsigned SiteTable::functionOf(const DISubprogram *SP) {
  return SP && !SP->getName().empty() ? internString(SP->getName()) : NoFunction;
}

unsigned SiteTable::recordFor(const DILocation *Loc, const Function &F) {
  if (!Loc)
    return intern(Record{internString("?"), functionOf(F.getSubprogram()), -1, 0, 0, 0});
  auto Found = ByLocation.find(Loc);
  if (Found != ByLocation.end())
    return Found->second;
  // Outermost first, so that each record can name the one it was inlined into.
  int InlinedAt = Loc->getInlinedAt() ? static_cast<int>(recordFor(Loc->getInlinedAt(), F)) : -1;
  uint32_t Flags;
  unsigned Path = pathOf(Loc->getDirectory(), Loc->getFilename(), Flags);
  unsigned Record = intern(
      {Path, functionOf(Loc->getScope()->getSubprogram()), InlinedAt, Loc->getLine(), Loc->getColumn(), Flags});
  ByLocation[Loc] = Record;
  return Record;
}

void SiteTable::assign(User &U, unsigned OperandNo, const DILocation *Loc, const Function &F) {
  Patches.push_back(Patch{&U, OperandNo, recordFor(Loc, F)});
}

Constant *SiteTable::stringConstant(unsigned String) {
  if (StringConstants.size() <= String)
    StringConstants.resize(Strings.size());
  Constant *&Slot = StringConstants[String];
  if (!Slot) {
    Constant *Data = ConstantDataArray::getString(M.getContext(), Strings[String]);
    auto *GV = new GlobalVariable(M, Data->getType(), true, GlobalValue::PrivateLinkage, Data, "tmtrace.str");
    GV->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    GV->setAlignment(Align(1));
    Slot = GV;
  }
  return Slot;
}

void SiteTable::finalize() {
  if (Patches.empty())
    return;
  LLVMContext &Ctx = M.getContext();
  Type *Ptr = PointerType::getUnqual(Ctx);
  Type *I32 = Type::getInt32Ty(Ctx);
  StructType *SiteType = StructType::get(Ctx, {Ptr, Ptr, Ptr, I32, I32, I32, I32});
  ArrayType *ArrayTy = ArrayType::get(SiteType, Records.size());
  auto *Sites = new GlobalVariable(M, ArrayTy, /*isConstant=*/true, GlobalValue::PrivateLinkage, nullptr,
                                   "__tmtrace_sites");
  Sites->setAlignment(Align(alignof(tmtrace_site)));
  std::vector<Constant *> Addresses(Records.size() + 1); // each record's, once: most are patched in many places
  auto recordAddress = [&](uint64_t I) {
    Constant *&Address = Addresses[I];
    if (!Address) {
      Constant *Indices[] = {ConstantInt::get(Type::getInt64Ty(Ctx), 0), ConstantInt::get(Type::getInt64Ty(Ctx), I)};
      Address = ConstantExpr::getInBoundsGetElementPtr(ArrayTy, Sites, Indices);
    }
    return Address;
  };

  std::vector<Constant *> Elements;
  Elements.reserve(Records.size());
  Constant *Null = ConstantPointerNull::get(cast<PointerType>(Ptr));
  for (const Record &R : Records)
    Elements.push_back(ConstantStruct::get(
        SiteType, {stringConstant(R.Filename), R.Function == NoFunction ? Null : stringConstant(R.Function),
                   R.InlinedAt < 0 ? Null : recordAddress(R.InlinedAt), ConstantInt::get(I32, R.Line),
                   ConstantInt::get(I32, R.Column), ConstantInt::get(I32, R.Flags), ConstantInt::get(I32, 0)}));
  Sites->setInitializer(ConstantArray::get(ArrayTy, Elements));
  for (const Patch &P : Patches)
    P.U->setOperand(P.OperandNo, recordAddress(P.RecordIndex));

  // The module's name for the runtime's messages: the absolute source file.
  std::string ModuleName = M.getSourceFileName();
  auto CUs = M.debug_compile_units();
  ModuleName = absolutePath(CUs.empty() ? StringRef() : (*CUs.begin())->getDirectory(), ModuleName);
  Constant *Begin = recordAddress(0), *End = recordAddress(Records.size());

  FunctionCallee Register =
      M.getOrInsertFunction("__tmtrace_register_module", I32, I32, Ptr, Ptr, Ptr);
  FunctionCallee Unregister =
      M.getOrInsertFunction("__tmtrace_unregister_module", Type::getVoidTy(Ctx), Ptr, Ptr);
  auto makeFunction = [&](const char *Name) {
    Function *Fn = Function::Create(FunctionType::get(Type::getVoidTy(Ctx), false), GlobalValue::InternalLinkage,
                                    Name, M);
    Fn->addFnAttr(Attribute::NoUnwind);
    return Fn;
  };
  Function *Ctor = makeFunction("tmtrace.module_ctor");
  IRBuilder<> IRB(BasicBlock::Create(Ctx, "", Ctor));
  IRB.CreateCall(Register,
                 {ConstantInt::get(I32, TMTRACE_ABI_VERSION), stringConstant(internString(ModuleName)), Begin, End});
  IRB.CreateRetVoid();
  Function *Dtor = makeFunction("tmtrace.module_dtor");
  IRB.SetInsertPoint(BasicBlock::Create(Ctx, "", Dtor));
  IRB.CreateCall(Unregister, {Begin, End});
  IRB.CreateRetVoid();
  appendToGlobalCtors(M, Ctor, RegistrationPriority);
  appendToGlobalDtors(M, Dtor, RegistrationPriority);
}

} // namespace tmtrace
