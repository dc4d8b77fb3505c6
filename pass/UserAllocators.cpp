// UserAllocators.cpp — reads the user allocator file. One declaration per line:
//   alloc <function>(<role>, ...) [domain=<number>[:<name>]]
//   free  <function>(<role>, ...) [domain=<number>[:<name>]]
// roles: size, count, ptr, _ (ignored). '#' starts a comment. Every problem names FILE:LINE.
#include "UserAllocators.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <mutex>

using namespace llvm;

namespace tmtrace {

static cl::opt<std::string> AllocatorsFileOption(
    "tmtrace-allocators", cl::desc("tmtrace: file naming user allocation and free functions"),
    cl::value_desc("file"), cl::init(""));

static bool isIdentifier(StringRef S) {
  if (S.empty())
    return false;
  for (char C : S)
    if (!(isalnum(static_cast<unsigned char>(C)) || C == '_' || C == '$' || C == '.'))
      return false;
  return !isdigit(static_cast<unsigned char>(S[0]));
}

// `S` split at its first blank (space or tab), the rest without leading blanks.
static std::pair<StringRef, StringRef> splitAtBlank(StringRef S) {
  size_t Blank = S.find_first_of(" \t");
  if (Blank == StringRef::npos)
    return {S, StringRef()};
  return {S.substr(0, Blank), S.substr(Blank).ltrim()};
}

// Parses "alloc name(a, b) domain=N:name" into `A`; returns "" or what is wrong.
static std::string parseLine(StringRef Line, std::string &Function, UserAllocator &A) {
  StringRef Kind, Rest;
  std::tie(Kind, Rest) = splitAtBlank(Line);
  if (Kind == "free")
    A.IsFree = true;
  else if (Kind != "alloc")
    return "unknown kind '" + Kind.str() + "' (expected 'alloc' or 'free')";
  Rest = Rest.trim();
  size_t Open = Rest.find('('), Close = Rest.find(')');
  if (Open == StringRef::npos || Close == StringRef::npos || Close < Open)
    return "expected '<function>(<roles>)' after '" + Kind.str() + "'";
  StringRef Name = Rest.substr(0, Open).trim();
  if (!isIdentifier(Name))
    return "bad function name '" + Name.str() + "'";
  Function = Name.str();

  StringRef Params = Rest.slice(Open + 1, Close).trim();
  if (!Params.empty()) {
    SmallVector<StringRef, 8> Roles;
    Params.split(Roles, ',');
    for (unsigned I = 0; I < Roles.size(); ++I) {
      StringRef Role = Roles[I].trim();
      int *Slot = Role == "size" ? &A.SizeArg : Role == "count" ? &A.CountArg : Role == "ptr" ? &A.PtrArg : nullptr;
      if (!Slot && Role != "_")
        return "unknown role '" + Role.str() + "' (expected size, count, ptr or _)";
      if (Slot && *Slot >= 0)
        return "role '" + Role.str() + "' given twice";
      if (Slot)
        *Slot = static_cast<int>(I);
    }
    A.NumParams = Roles.size();
  }
  if (A.IsFree && (A.PtrArg < 0 || A.SizeArg >= 0 || A.CountArg >= 0))
    return "a free function needs exactly the role 'ptr' (and '_' for the other parameters)";
  if (!A.IsFree && A.SizeArg < 0)
    return "an alloc function needs the role 'size'";

  StringRef Options = Rest.substr(Close + 1).trim();
  bool HasDomain = false;
  while (!Options.empty()) {
    StringRef Option;
    std::tie(Option, Options) = splitAtBlank(Options);
    if (!Option.consume_front("domain="))
      return "unknown option '" + Option.str() + "' (expected domain=<number>[:<name>])";
    if (HasDomain)
      return "domain given twice";
    HasDomain = true;
    StringRef Number, DomainName;
    std::tie(Number, DomainName) = Option.split(':');
    unsigned long long Value;
    if (Number.getAsInteger(10, Value) || Value > UINT32_MAX)
      return "bad domain number '" + Number.str() + "'";
    if (Option.contains(':') && !isIdentifier(DomainName))
      return "bad domain name '" + DomainName.str() + "'";
    A.Domain = static_cast<uint32_t>(Value);
    A.DomainName = DomainName.str();
  }
  return "";
}

bool parseUserAllocatorFile(StringRef Path, UserAllocatorFile &Out, std::string &Error) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buffer = MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer) {
    Error = Path.str() + ": cannot read the tmtrace allocator file: " + Buffer.getError().message();
    return false;
  }
  std::map<uint32_t, std::string> DomainNames;
  SmallVector<StringRef, 64> Lines;
  (*Buffer)->getBuffer().split(Lines, '\n');
  for (unsigned I = 0; I < Lines.size(); ++I) {
    std::string Where = Path.str() + ":" + std::to_string(I + 1);
    StringRef Line = Lines[I].split('#').first.trim();
    if (Line.empty())
      continue;
    std::string Function;
    UserAllocator A;
    A.Where = Where;
    std::string Problem = parseLine(Line, Function, A);
    if (Problem.empty() && Out.ByFunction.count(Function))
      Problem = "'" + Function + "' is declared twice (first at " + Out.ByFunction[Function].Where + ")";
    if (Problem.empty() && !A.DomainName.empty()) {
      auto It = DomainNames.emplace(A.Domain, A.DomainName).first;
      if (It->second != A.DomainName)
        Problem = "domain " + std::to_string(A.Domain) + " was named '" + It->second + "' before, not '" +
                  A.DomainName + "'";
    }
    if (!Problem.empty()) {
      Error = Where + ": " + Problem;
      return false;
    }
    Out.ByFunction[Function] = std::move(A);
  }
  // A domain named on one line is named for all of its functions.
  for (auto &Entry : Out.ByFunction) {
    auto It = DomainNames.find(Entry.second.Domain);
    if (It != DomainNames.end())
      Entry.second.DomainName = It->second;
  }
  return true;
}

const UserAllocatorFile *userAllocatorsFromCommandLine(std::string &Error) {
  if (AllocatorsFileOption.empty())
    return nullptr;
  // clang may compile several modules in one process (e.g. -fembed-bitcode, offloading): parse once.
  static std::mutex Lock;
  static std::map<std::string, std::pair<UserAllocatorFile, std::string>> Cache;
  std::lock_guard<std::mutex> Guard(Lock);
  auto Found = Cache.find(AllocatorsFileOption);
  if (Found == Cache.end()) {
    std::pair<UserAllocatorFile, std::string> Parsed;
    if (!parseUserAllocatorFile(AllocatorsFileOption, Parsed.first, Parsed.second) && Parsed.second.empty())
      Parsed.second = "cannot parse " + AllocatorsFileOption;
    Found = Cache.emplace(AllocatorsFileOption, std::move(Parsed)).first;
  }
  Error = Found->second.second;
  return Error.empty() ? &Found->second.first : nullptr;
}

} // namespace tmtrace
