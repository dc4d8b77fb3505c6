// ShadowStack.cpp — see ShadowStack.h. AllocationAnalysis decides which functions and calls may allocate; only
// calls that may allocate are pushed, and only the paths of a function that reach one take a slot.
#include "ShadowStack.h"

#include "AllocationAnalysis.h"
#include "SiteTable.h"

#include "tmtrace_abi.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SCCIterator.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"
#include "llvm/TargetParser/Triple.h"
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

// The calls of one function that the protocol touches.
struct FunctionCalls {
  SmallVector<CallBase *, 16> Pushed;      // may allocate: each gets { frame, site } stored in the slot
  SmallVector<CallBase *, 8> CarriesSite;  // allocation entry points: the slot's site is cleared before them
};

// Whether the function's control flow rules out holding the slot in a region smaller than the whole function:
// landing pads and setjmp must restore the slot wherever they are; indirectbr and callbr edges cannot be split.
bool needsWholeFunction(Function &F) {
  if (F.hasOptNone()) // -O0: the simplest code, which FastISel selects (see the entry-block split below)
    return true;
  for (BasicBlock &BB : F) {
    if (BB.isEHPad() || isa<IndirectBrInst>(BB.getTerminator()) || isa<CallBrInst>(BB.getTerminator()))
      return true;
    for (Instruction &I : BB)
      if (auto *Call = dyn_cast<CallInst>(&I); Call && Call->hasFnAttr(Attribute::ReturnsTwice))
        return true;
  }
  return false;
}

// The block where the activation takes its slot: the nearest common dominator of the pushed calls, moved up the
// dominator tree until it lies on no cycle of the CFG (a slot taken inside a loop would be taken again on every
// iteration without having been given back). Paths that never reach a pushed call (e.g. the base case of a
// recursion) then touch the shadow stack not at all.
BasicBlock *homeBlock(Function &F, ArrayRef<CallBase *> Pushed, const DominatorTree &DT) {
  if (needsWholeFunction(F))
    return &F.getEntryBlock();
  BasicBlock *Home = Pushed.front()->getParent();
  for (CallBase *Call : Pushed.drop_front())
    Home = DT.findNearestCommonDominator(Home, Call->getParent());
  SmallPtrSet<const BasicBlock *, 16> OnCycle;
  for (scc_iterator<Function *> SCC = scc_begin(&F); !SCC.isAtEnd(); ++SCC)
    if (SCC.hasCycle())
      OnCycle.insert(SCC->begin(), SCC->end());
  while (OnCycle.contains(Home))
    Home = DT.getNode(Home)->getIDom()->getBlock(); // the entry block has no predecessor, so is on no cycle
  return Home;
}

// Where the slot is given back before `Ret`: before the call right in front of it when that call is not pushed,
// so that it stays a tail call (a musttail call must be followed by the return alone).
Instruction *releasePoint(ReturnInst *Ret, const DenseSet<CallBase *> &PushedSet) {
  if (CallInst *MustTail = Ret->getParent()->getTerminatingMustTailCall())
    return MustTail;
  if (auto *Call = dyn_cast_or_null<CallInst>(Ret->getPrevNonDebugInstruction()); Call && !PushedSet.contains(Call))
    return Call;
  return Ret;
}

// Instruments one function with the protocol of tmtrace_abi.h: the slot is taken in the home block and given
// back on every way out of the region that block dominates.
void instrumentFunction(Function &F, FunctionCalls Calls, const ShadowLayout &Layout, SiteTable &Sites) {
  LLVMContext &Ctx = F.getContext();
  Type *I64 = Type::getInt64Ty(Ctx);
  DominatorTree DT(F);
  // Code that never runs is left alone (and has no dominator to take a slot in).
  auto Unreachable = [&](CallBase *Call) { return !DT.isReachableFromEntry(Call->getParent()); };
  erase_if(Calls.Pushed, Unreachable);
  erase_if(Calls.CarriesSite, Unreachable);
  if (Calls.Pushed.empty())
    return;
  BasicBlock *Home = homeBlock(F, Calls.Pushed, DT);
  DenseSet<CallBase *> PushedSet(Calls.Pushed.begin(), Calls.Pushed.end());

  // Everything that depends on the dominator tree is decided before the CFG changes.
  SmallVector<Instruction *, 8> Releases;                      // give the slot back before these
  SmallVector<std::pair<BasicBlock *, BasicBlock *>, 4> Exits; // ... and on these edges out of the region
  for (BasicBlock &BB : F) {
    if (!DT.isReachableFromEntry(&BB) || !DT.dominates(Home, &BB))
      continue;
    Instruction *Term = BB.getTerminator();
    if (auto *Ret = dyn_cast<ReturnInst>(Term)) {
      Releases.push_back(releasePoint(Ret, PushedSet));
      continue;
    }
    SmallPtrSet<BasicBlock *, 4> Seen;
    for (BasicBlock *Succ : successors(&BB))
      if (!DT.dominates(Home, Succ) && Seen.insert(Succ).second)
        Exits.push_back({&BB, Succ});
  }
  SmallVector<CallBase *, 8> Cleared; // entry-point calls that run while the slot is held
  for (CallBase *Call : Calls.CarriesSite)
    if (DT.dominates(Home, Call->getParent()) && !is_contained(Releases, Call))
      Cleared.push_back(Call);

  // The thread's shadow address is computed alone in its block: -O0's FastISel cannot select a TLS address and
  // falls back to SelectionDAG for the whole block that holds one, so that block is kept tiny. In the entry
  // block it goes after the allocas, which must stay there.
  BasicBlock::iterator At = Home->getFirstInsertionPt();
  while (isa<AllocaInst>(*At))
    ++At;
  IRBuilder<> IRB(Home, At);
  Value *Shadow = IRB.CreateThreadLocalAddress(Layout.Shadow);
  BasicBlock *Body = SplitBlock(Home, std::next(cast<Instruction>(Shadow)->getIterator()));
  IRB.SetInsertPoint(&*Body->getFirstInsertionPt());
  Value *Depth = IRB.CreateStructGEP(Layout.Type, Shadow, 0, "tmtrace.depth");
  LoadInst *D0 = IRB.CreateLoad(I64, Depth, "tmtrace.d0");
  Value *D1 = IRB.CreateAdd(D0, ConstantInt::get(I64, 1));
  Value *Slot = IRB.CreateAnd(D0, ConstantInt::get(I64, TMTRACE_SHADOW_MASK));
  Value *Entry = IRB.CreateInBoundsGEP(Layout.Type, Shadow, {IRB.getInt64(0), IRB.getInt32(1), Slot},
                                       "tmtrace.entry");
  Value *SiteField = IRB.CreateStructGEP(Layout.Entry, Entry, 0);
  Value *FrameField = IRB.CreateStructGEP(Layout.Entry, Entry, 1);
  // The address of the return address on x86-64 (no frame pointer needed); the frame address elsewhere.
  Intrinsic::ID FrameKey = Triple(F.getParent()->getTargetTriple()).getArch() == Triple::x86_64
                               ? Intrinsic::addressofreturnaddress
                               : Intrinsic::frameaddress;
  CallInst *FrameAddress =
      FrameKey == Intrinsic::frameaddress
          ? IRB.CreateIntrinsic(FrameKey, {IRB.getPtrTy(F.getAddressSpace())}, {IRB.getInt32(0)})
          : IRB.CreateIntrinsic(FrameKey, {IRB.getPtrTy(F.getAddressSpace())}, {});
  Value *Frame = IRB.CreatePtrToInt(FrameAddress, I64, "tmtrace.frame");
  Constant *NoSite = ConstantPointerNull::get(PointerType::getUnqual(Ctx));

  // Taking the slot, and taking it again where an exception or longjmp lands with a deeper depth. The site is
  // cleared before the depth is raised, so that a signal handler never reads a site left by another activation.
  auto take = [&](IRBuilder<> &B) {
    B.CreateStore(NoSite, SiteField, /*isVolatile=*/true);
    B.CreateStore(D1, Depth, /*isVolatile=*/true);
  };
  take(IRB);
  for (BasicBlock &BB : F) {
    for (Instruction &I : BB) {
      if (auto *Pad = dyn_cast<LandingPadInst>(&I)) {
        IRBuilder<> At(Pad->getNextNode());
        take(At);
      } else if (auto *Call = dyn_cast<CallInst>(&I); Call && Call->hasFnAttr(Attribute::ReturnsTwice)) {
        IRBuilder<> At(Call->getNextNode());
        take(At);
      }
    }
  }

  // Before each pushed call: the frame, then the site (a signal handler in between sees the previous site, never
  // a half-written entry). Storing the frame again at every call, not once per activation, repairs the slot after
  // deeper recursion reused it (the ring wrapped) or a signal handler took it before the depth was raised.
  for (CallBase *Call : Calls.Pushed) {
    IRB.SetInsertPoint(Call);
    IRB.CreateStore(Frame, FrameField, /*isVolatile=*/true);
    StoreInst *SiteStore = IRB.CreateStore(NoSite, SiteField, /*isVolatile=*/true);
    Sites.assign(*SiteStore, 0, Call->getDebugLoc().get(), F);
  }
  // An allocation entry point receives its own site: this activation's slot must not add a frame for it.
  for (CallBase *Call : Cleared) {
    IRB.SetInsertPoint(Call);
    IRB.CreateStore(NoSite, SiteField, /*isVolatile=*/true);
  }

  for (Instruction *I : Releases) {
    IRB.SetInsertPoint(I);
    IRB.CreateStore(D0, Depth);
  }
  for (auto [From, To] : Exits) {
    if (From == Home)
      From = Body; // the split above moved Home's terminator
    // All of From's edges to To at once (a switch may have several); such an edge is critical, or To would be
    // in the region.
    BasicBlock *Edge = From->getSingleSuccessor()
                           ? From
                           : SplitCriticalEdge(From->getTerminator(), GetSuccessorNumber(From, To),
                                               CriticalEdgeSplittingOptions().setMergeIdenticalEdges());
    IRB.SetInsertPoint(Edge->getTerminator());
    IRB.CreateStore(D0, Depth);
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
    FunctionCalls Calls;
    for (Instruction &I : instructions(F)) {
      auto *Call = dyn_cast<CallBase>(&I);
      if (!Call || isa<CallBrInst>(Call))
        continue;
      if (auto *CI = dyn_cast<CallInst>(Call); CI && CI->isMustTailCall())
        continue; // nothing may follow a musttail call: the slot is given back before it
      Function *Defined;
      CallKind Kind = C.classify(*Call, Defined);
      if (Kind == CallKind::MayAllocate || (Kind == CallKind::ModuleCallee && MayAllocate.contains(Defined)))
        Calls.Pushed.push_back(Call);
      else if (Kind == CallKind::CarriesSite)
        Calls.CarriesSite.push_back(Call);
    }
    if (Calls.Pushed.empty())
      continue;
    if (!Layout.Shadow)
      Layout = declareShadow(M);
    instrumentFunction(F, Calls, Layout, Sites);
    Changed = true;
  }
  return Changed;
}

} // namespace tmtrace
