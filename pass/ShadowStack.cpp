// ShadowStack.cpp — see ShadowStack.h. AllocationAnalysis decides which functions and calls may allocate; only
// calls that may allocate are pushed, and only functions that push pay for the entry load.
#include "ShadowStack.h"

#include "AllocationAnalysis.h"
#include "SiteTable.h"

#include "tmtrace_abi.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

#include <cstddef>

using namespace llvm;

namespace tmtrace {

static_assert(offsetof(struct tmtrace_shadow, depth) == 0 && offsetof(struct tmtrace_shadow, entries) == 8 &&
                  sizeof(struct tmtrace_shadow_entry) == 16,
              "the pass emits tmtrace_shadow as { i64, [CAPACITY x { ptr, i64 }] }");

namespace {

struct ShadowLayout {
  GlobalVariable *Shadow;
  StructType *Type;   // { i64 depth, [N x { ptr site, i64 frame }] }
  StructType *Entry;
};

ShadowLayout declareShadow(Module &M) {
  LLVMContext &Ctx = M.getContext();
  Type *I64 = Type::getInt64Ty(Ctx);
  StructType *Entry = StructType::get(Ctx, {PointerType::getUnqual(Ctx), I64});
  StructType *Shadow = StructType::get(Ctx, {I64, ArrayType::get(Entry, TMTRACE_SHADOW_CAPACITY)});
  auto *GV = dyn_cast_or_null<GlobalVariable>(M.getNamedValue("__tmtrace_shadow"));
  if (!GV) {
    GV = new GlobalVariable(M, Shadow, false, GlobalValue::ExternalLinkage, nullptr, "__tmtrace_shadow", nullptr,
                            GlobalValue::InitialExecTLSModel);
  }
  return {GV, Shadow, Entry};
}

// Instruments one function: d0 and the frame address at entry; around each pushed call the protocol of
// tmtrace_abi.h; depth = d0 again at landing pads and after returns_twice calls (setjmp).
void instrumentFunction(Function &F, ArrayRef<CallBase *> Pushed, const ShadowLayout &Layout, SiteTable &Sites) {
  LLVMContext &Ctx = F.getContext();
  Type *I64 = Type::getInt64Ty(Ctx);
  // The thread's shadow address is computed once, alone at the end of the entry block's allocas, and the rest of
  // the entry block moves to a block of its own: -O0's FastISel cannot select a TLS address and falls back to
  // SelectionDAG for the whole block that holds one, so that block is kept tiny.
  BasicBlock &EntryBlock = F.getEntryBlock();
  BasicBlock::iterator AfterAllocas = EntryBlock.getFirstInsertionPt();
  while (isa<AllocaInst>(*AfterAllocas))
    ++AfterAllocas;
  IRBuilder<> IRB(&EntryBlock, AfterAllocas);
  Value *Shadow = IRB.CreateThreadLocalAddress(Layout.Shadow);
  SplitBlock(&EntryBlock, std::next(cast<Instruction>(Shadow)->getIterator()));
  IRB.SetInsertPoint(&*EntryBlock.getSingleSuccessor()->getFirstInsertionPt());
  Value *Depth = IRB.CreateStructGEP(Layout.Type, Shadow, 0, "tmtrace.depth");
  LoadInst *D0 = IRB.CreateLoad(I64, Depth, "tmtrace.d0");
  Value *D1 = IRB.CreateAdd(D0, ConstantInt::get(I64, 1));
  Value *Slot = IRB.CreateAnd(D0, ConstantInt::get(I64, TMTRACE_SHADOW_MASK));
  Value *Entry = IRB.CreateInBoundsGEP(Layout.Type, Shadow, {IRB.getInt64(0), IRB.getInt32(1), Slot},
                                       "tmtrace.entry");
  Value *SiteField = IRB.CreateStructGEP(Layout.Entry, Entry, 0);
  Value *FrameField = IRB.CreateStructGEP(Layout.Entry, Entry, 1);
  Value *Frame = IRB.CreatePtrToInt(
      IRB.CreateIntrinsic(Intrinsic::frameaddress, {IRB.getPtrTy(F.getAddressSpace())}, {IRB.getInt32(0)}), I64,
      "tmtrace.frame");

  Constant *NoSite = ConstantPointerNull::get(PointerType::getUnqual(Ctx));
  for (CallBase *Call : Pushed) {
    IRB.SetInsertPoint(Call);
    // Depth first, then the entry, so that a signal handler interrupting the push uses the slot above instead of
    // a half-written entry. Volatile keeps that order (the compiler never reorders volatile accesses among
    // themselves; a signal fence would too, but makes -O0's FastISel fall back to SelectionDAG).
    IRB.CreateStore(D1, Depth, /*isVolatile=*/true);
    StoreInst *SiteStore = IRB.CreateStore(NoSite, SiteField, /*isVolatile=*/true);
    Sites.assign(*SiteStore, 0, Call->getDebugLoc().get(), F);
    IRB.CreateStore(Frame, FrameField, /*isVolatile=*/true);
    if (auto *Invoke = dyn_cast<InvokeInst>(Call))
      IRB.SetInsertPoint(Invoke->getNormalDest(), Invoke->getNormalDest()->getFirstInsertionPt());
    else
      IRB.SetInsertPoint(Call->getNextNode());
    IRB.CreateStore(D0, Depth);
  }

  // Exceptions and longjmp may arrive with the depth of a deeper frame: restore ours.
  for (BasicBlock &BB : F) {
    for (Instruction &I : BB) {
      if (auto *Pad = dyn_cast<LandingPadInst>(&I)) {
        IRB.SetInsertPoint(Pad->getNextNode());
        IRB.CreateStore(D0, Depth);
      } else if (auto *Call = dyn_cast<CallInst>(&I); Call && Call->hasFnAttr(Attribute::ReturnsTwice)) {
        IRB.SetInsertPoint(Call->getNextNode());
        IRB.CreateStore(D0, Depth);
      }
    }
  }
}

} // namespace

bool instrumentShadowStack(Module &M, SiteTable &Sites) {
  CallClassifier C;
  DenseSet<const Function *> MayAllocate = functionsThatMayAllocate(M, C);
  if (MayAllocate.empty())
    return false;
  ShadowLayout Layout{};
  bool Changed = false;
  for (Function &F : M) {
    if (!MayAllocate.contains(&F) || F.hasFnAttribute(Attribute::Naked) ||
        F.hasFnAttribute(Attribute::DisableSanitizerInstrumentation))
      continue;
    SmallVector<CallBase *, 16> Pushed;
    for (Instruction &I : instructions(F)) {
      auto *Call = dyn_cast<CallBase>(&I);
      if (!Call || isa<CallBrInst>(Call))
        continue;
      if (auto *CI = dyn_cast<CallInst>(Call); CI && CI->isMustTailCall())
        continue; // nothing may follow a musttail call
      Function *Defined;
      CallKind Kind = C.classify(*Call, Defined);
      if (Kind == CallKind::MayAllocate || (Kind == CallKind::ModuleCallee && MayAllocate.contains(Defined)))
        Pushed.push_back(Call);
    }
    if (Pushed.empty())
      continue;
    if (!Layout.Shadow)
      Layout = declareShadow(M);
    instrumentFunction(F, Pushed, Layout, Sites);
    Changed = true;
  }
  return Changed;
}

} // namespace tmtrace
