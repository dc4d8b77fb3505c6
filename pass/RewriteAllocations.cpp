// RewriteAllocations.cpp — see RewriteAllocations.h. Once malloc is __tmtrace_malloc the optimizer no longer
// knows it allocates, so it cannot elide a malloc/free or new/delete pair, fuse malloc+memset into calloc, or
// merge two allocation sites (the calls are also marked nomerge): what is traced is what the source says.
#include "RewriteAllocations.h"

#include "AllocationFunctions.h"
#include "PreserveRecursion.h"
#include "UserAllocators.h"

#include "llvm/IR/AttributeMask.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

using namespace llvm;

namespace tmtrace {

static const char *const RewrittenMarker = "tmtrace.rewritten";

// Attributes that tell LLVM "this is an allocator" (and would let it reason about or delete the call) or that
// describe the allocator's private memory, which the entry points do not share.
static AttributeSet withoutAllocatorAttributes(LLVMContext &Ctx, AttributeSet Set) {
  AttributeMask Mask;
  Mask.addAttribute(Attribute::AllocKind);
  Mask.addAttribute(Attribute::AllocSize);
  Mask.addAttribute(Attribute::AllocAlign);
  Mask.addAttribute(Attribute::AllocatedPointer);
  Mask.addAttribute(Attribute::Builtin);
  Mask.addAttribute(Attribute::Memory);
  Mask.addAttribute("alloc-family");
  Mask.addAttribute("alloc-variant-zeroed");
  return Set.removeAttributes(Ctx, Mask);
}

static void rewriteAllocationCall(CallBase &Call, const AllocationFunction &Alloc) {
  Module &M = *Call.getModule();
  LLVMContext &Ctx = M.getContext();
  FunctionType *OriginalType = Call.getFunctionType();
  SmallVector<Type *, 4> Params(OriginalType->params().take_front(Alloc.KeptArgs));
  Params.push_back(PointerType::getUnqual(Ctx));
  FunctionType *EntryType = FunctionType::get(OriginalType->getReturnType(), Params, false);
  FunctionCallee Entry = M.getOrInsertFunction(Alloc.EntryPoint, EntryType);

  SmallVector<Value *, 4> Args(Call.args().begin(), Call.args().begin() + Alloc.KeptArgs);
  Args.push_back(ConstantPointerNull::get(PointerType::getUnqual(Ctx))); // the site, filled in late
  SmallVector<OperandBundleDef, 1> Bundles;
  Call.getOperandBundlesAsDefs(Bundles);

  CallBase *Replacement;
  if (auto *Invoke = dyn_cast<InvokeInst>(&Call))
    Replacement = InvokeInst::Create(Entry, Invoke->getNormalDest(), Invoke->getUnwindDest(), Args, Bundles, "",
                                     Call.getIterator());
  else
    Replacement = CallInst::Create(Entry, Args, Bundles, "", Call.getIterator());

  AttributeList Original = Call.getAttributes();
  SmallVector<AttributeSet, 4> ParamAttrs;
  for (unsigned I = 0; I < Alloc.KeptArgs; ++I)
    ParamAttrs.push_back(withoutAllocatorAttributes(Ctx, Original.getParamAttrs(I)));
  ParamAttrs.push_back(AttributeSet());
  AttributeSet FnAttrs = withoutAllocatorAttributes(Ctx, Original.getFnAttrs());
  Replacement->setAttributes(AttributeList::get(Ctx, FnAttrs, Original.getRetAttrs(), ParamAttrs));
  Replacement->addFnAttr(Attribute::NoMerge);
  Replacement->setCallingConv(Call.getCallingConv());
  Replacement->setDebugLoc(Call.getDebugLoc());
  Replacement->takeName(&Call);
  Call.replaceAllUsesWith(Replacement);
  Call.eraseFromParent();
}

// Where code that runs after `Call` returns normally goes: after a call, or on a block of its own on an
// invoke's normal edge (that block may have other predecessors).
static BasicBlock::iterator afterNormalReturn(CallBase &Call) {
  if (auto *Invoke = dyn_cast<InvokeInst>(&Call)) {
    BasicBlock *Edge = SplitEdge(Invoke->getParent(), Invoke->getNormalDest());
    return Edge->getFirstInsertionPt();
  }
  return std::next(Call.getIterator());
}

// Returns "" or a message about a call that does not fit the declaration in the allocator file.
static std::string trackUserAllocatorCall(CallBase &Call, const UserAllocator &User) {
  Module &M = *Call.getModule();
  LLVMContext &Ctx = M.getContext();
  StringRef Name = Call.getCalledFunction()->getName();
  if (Call.arg_size() != User.NumParams)
    return User.Where + ": '" + Name.str() + "' is declared with " + std::to_string(User.NumParams) +
           " parameter(s) but called with " + std::to_string(Call.arg_size()) + " in " + M.getSourceFileName();
  auto checkPointer = [&](Value *V, const char *What) -> std::string {
    if (V->getType()->isPointerTy())
      return "";
    return User.Where + ": the " + What + " of '" + Name.str() + "' is not a pointer in " + M.getSourceFileName();
  };
  Type *PtrTy = PointerType::getUnqual(Ctx);
  Type *I32 = Type::getInt32Ty(Ctx), *I64 = Type::getInt64Ty(Ctx);
  FunctionCallee Untrack = M.getOrInsertFunction(UntrackAtName, Type::getVoidTy(Ctx), I32, PtrTy);
  Constant *Domain = ConstantInt::get(I32, User.Domain);

  if (User.IsFree) {
    Value *Block = Call.getArgOperand(User.PtrArg);
    if (std::string Problem = checkPointer(Block, "'ptr' argument"); !Problem.empty())
      return Problem;
    // Before the free: once it returns, another thread may get the same address from the allocator.
    IRBuilder<> IRB(&Call);
    IRB.CreateCall(Untrack, {Domain, Block})->setDebugLoc(Call.getDebugLoc());
    return "";
  }

  if (std::string Problem = checkPointer(&Call, "result"); !Problem.empty())
    return Problem;
  if (User.PtrArg >= 0)
    if (std::string Problem = checkPointer(Call.getArgOperand(User.PtrArg), "'ptr' argument"); !Problem.empty())
      return Problem;
  FunctionCallee Track = M.getOrInsertFunction(TrackAtName, Type::getVoidTy(Ctx), I32, PtrTy, PtrTy, I64, PtrTy);
  Value *OldBlock = User.PtrArg >= 0 ? Call.getArgOperand(User.PtrArg) : nullptr;
  IRBuilder<> IRB(Call.getParent(), afterNormalReturn(Call));
  IRB.SetCurrentDebugLocation(Call.getDebugLoc());
  Value *Size = IRB.CreateZExtOrTrunc(Call.getArgOperand(User.SizeArg), I64);
  if (User.CountArg >= 0)
    Size = IRB.CreateMul(Size, IRB.CreateZExtOrTrunc(Call.getArgOperand(User.CountArg), I64));
  if (OldBlock) {
    // realloc-style: the old block is gone only when the call succeeded.
    Value *Succeeded = IRB.CreateIsNotNull(&Call);
    IRB.CreateCall(Untrack, {Domain, IRB.CreateSelect(Succeeded, OldBlock, ConstantPointerNull::get(
                                                                             cast<PointerType>(PtrTy)))});
  }
  Constant *DomainName = User.DomainName.empty()
                             ? static_cast<Constant *>(ConstantPointerNull::get(cast<PointerType>(PtrTy)))
                             : IRB.CreateGlobalStringPtr(User.DomainName, "tmtrace.domain_name");
  CallInst *TrackCall =
      IRB.CreateCall(Track, {Domain, DomainName, &Call, Size, ConstantPointerNull::get(cast<PointerType>(PtrTy))});
  TrackCall->addFnAttr(Attribute::NoMerge);
  return "";
}

PreservedAnalyses RewriteAllocationsPass::run(Module &M, ModuleAnalysisManager &AM) {
  if (M.getNamedMetadata(RewrittenMarker))
    return PreservedAnalyses::all();
  M.getOrInsertNamedMetadata(RewrittenMarker);

  std::string Error;
  const UserAllocatorFile *UserAllocators = userAllocatorsFromCommandLine(Error);
  if (!Error.empty()) {
    M.getContext().emitError("tmtrace: " + Error);
    return PreservedAnalyses::all();
  }

  SmallVector<std::pair<CallBase *, const AllocationFunction *>, 32> AllocationCalls;
  SmallVector<std::pair<CallBase *, const UserAllocator *>, 8> UserCalls;
  for (Function &F : M)
    for (Instruction &I : instructions(F)) {
      auto *Call = dyn_cast<CallBase>(&I);
      Function *Callee = Call ? Call->getCalledFunction() : nullptr;
      if (!Callee || isa<CallBrInst>(Call))
        continue;
      if (UserAllocators) {
        auto Found = UserAllocators->ByFunction.find(Callee->getName());
        if (Found != UserAllocators->ByFunction.end()) {
          UserCalls.emplace_back(Call, &Found->second);
          continue;
        }
      }
      if (const AllocationFunction *Alloc = lookupAllocationFunction(*Callee))
        AllocationCalls.emplace_back(Call, Alloc);
    }
  for (auto &[Call, User] : UserCalls) {
    std::string Problem = trackUserAllocatorCall(*Call, *User);
    if (!Problem.empty()) {
      M.getContext().emitError("tmtrace: " + Problem);
      return PreservedAnalyses::none();
    }
  }
  for (auto &[Call, Alloc] : AllocationCalls)
    rewriteAllocationCall(*Call, *Alloc);
  // The original declarations may now be unused; leaving them is harmless.
  bool MarkedRecursion = PreserveRecursion && preserveRecursion(M, AM);
  bool Changed = MarkedRecursion || !AllocationCalls.empty() || !UserCalls.empty();
  return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
}

} // namespace tmtrace
