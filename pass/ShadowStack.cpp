// ShadowStack.cpp — see ShadowStack.h. AllocationAnalysis decides which functions and calls may allocate; only
// calls that may allocate are pushed, and only the paths of a function that reach one take a slot.
#include "ShadowStack.h"

#include "AllocationAnalysis.h"
#include "SiteTable.h"

#include "tmtrace_abi.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/DepthFirstIterator.h"
#include "llvm/ADT/SCCIterator.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
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
  Function *Take = nullptr, *TakeAgain = nullptr; // -O0's helpers, see slotHelper()
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

// DataFlowSanitizer and -fsanitize-coverage=trace-loads,trace-stores run after the pass and treat a pointer of any
// address space as an address (DFSan loads and stores its shadow at offset ^ mask: a crash), and they leave no
// trace in the IR the pass sees: the wrapper sets this option for them.
static cl::opt<bool> ShadowTLSAddressOption(
    "tmtrace-shadow-tls-address",
    cl::desc("tmtrace: address the shadow stack through its TLS address, never relative to %fs"), cl::init(false));

// The thread's shadow in optimized code. On x86-64 ELF it is a pointer relative to the %fs segment (address space
// 257) whose value is the shadow's offset from the thread pointer, the same in every thread (initial-exec, so
// static TLS). A TLS address that several blocks use is otherwise materialized as an absolute pointer (thread
// pointer + offset, then + entry): 4 more instructions per activation in calls.c's walk. The offset is written
// as the TLS address minus llvm.thread.pointer, which the back end folds to the initial-exec GOT load alone.
Value *segmentRelativeShadow(IRBuilder<> &IRB, Function &F, const ShadowLayout &Layout) {
  Value *Absolute = IRB.CreateThreadLocalAddress(Layout.Shadow);
  Triple T(F.getParent()->getTargetTriple());
  if (ShadowTLSAddressOption || T.getArch() != Triple::x86_64 || !T.isOSBinFormatELF() || T.isX32() ||
      F.hasFnAttribute("indirect-tls-seg-refs") || // -mno-tls-direct-seg-refs: no %fs-relative operands
      // Sanitizers that map every access to shadow memory would take the offset for an address (ASan and TSan
      // leave other address spaces alone).
      F.hasFnAttribute(Attribute::SanitizeMemory) || F.hasFnAttribute(Attribute::SanitizeHWAddress) ||
      F.hasFnAttribute(Attribute::SanitizeNumericalStability))
    return Absolute;
  constexpr unsigned FS = 257; // X86's address space of %fs-relative pointers
  Value *ThreadPointer = IRB.CreateIntrinsic(Intrinsic::thread_pointer, {}, {});
  Value *Offset = IRB.CreateSub(IRB.CreatePtrToInt(Absolute, IRB.getInt64Ty()),
                                IRB.CreatePtrToInt(ThreadPointer, IRB.getInt64Ty()), "tmtrace.tpoff");
  // Frozen, so that CodeGenPrepare does not look through it and sink the TLS address into every block that stores.
  return IRB.CreateIntToPtr(IRB.CreateFreeze(Offset), PointerType::get(F.getContext(), FS), "tmtrace.shadow");
}

// The frame key (tmtrace_abi.h): the address of the return address on x86-64, the frame address elsewhere. In
// optnone functions on x86-64 it is the frame address + 8, the same address (the frame pointer is pushed right
// below the return address), because FastISel selects llvm.frameaddress but not llvm.addressofreturnaddress.
Value *frameKey(IRBuilder<> &IRB, Function &F) {
  Triple T(F.getParent()->getTargetTriple());
  Type *I64 = IRB.getInt64Ty();
  PointerType *Ptr = IRB.getPtrTy(F.getAddressSpace());
  bool X86_64 = T.getArch() == Triple::x86_64;
  if (X86_64 && !(F.hasOptNone() && T.isOSBinFormatELF()))
    return IRB.CreatePtrToInt(IRB.CreateIntrinsic(Intrinsic::addressofreturnaddress, {Ptr}, {}), I64,
                              "tmtrace.frame");
  Value *FrameAddress = IRB.CreatePtrToInt(
      IRB.CreateIntrinsic(Intrinsic::frameaddress, {Ptr}, {IRB.getInt32(0)}), I64, X86_64 ? "" : "tmtrace.frame");
  return X86_64 ? IRB.CreateAdd(FrameAddress, ConstantInt::get(I64, 8), "tmtrace.frame") : FrameAddress;
}

// The calls of one function that the protocol touches.
struct FunctionCalls {
  SmallVector<CallBase *, 16> Pushed;      // may allocate: each gets { frame, site } stored in the slot
  SmallVector<CallBase *, 8> CarriesSite;  // allocation entry points: the slot's site is cleared before them
};

// Whether the function's control flow rules out holding the slot in a region smaller than the whole function:
// landing pads and setjmp must restore the slot wherever they are; indirectbr and callbr edges cannot be split.
bool needsWholeFunction(Function &F) {
  for (BasicBlock &BB : F) {
    if (BB.isEHPad() || isa<IndirectBrInst>(BB.getTerminator()) || isa<CallBrInst>(BB.getTerminator()))
      return true;
    for (Instruction &I : BB)
      if (auto *Call = dyn_cast<CallInst>(&I); Call && Call->hasFnAttr(Attribute::ReturnsTwice))
        return true;
  }
  return false;
}

// Where an exception or longjmp lands with the depth of a deeper frame, so that the slot is taken again right
// after: landing pads and returns_twice calls (setjmp).
SmallVector<Instruction *, 4> landings(Function &F) {
  SmallVector<Instruction *, 4> Landings;
  for (Instruction &I : instructions(F))
    if (isa<LandingPadInst>(I) || (isa<CallInst>(I) && cast<CallInst>(I).hasFnAttr(Attribute::ReturnsTwice)))
      Landings.push_back(&I);
  return Landings;
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
void instrumentFunction(Function &F, FunctionCalls Calls, ShadowLayout &Layout, SiteTable &Sites) {
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

  // In the entry block, after the allocas, which must stay there. Depth and site are the first fields of their
  // structs (static_assert above): their addresses are the struct's, with no instruction to select.
  BasicBlock::iterator At = Home->getFirstInsertionPt();
  while (isa<AllocaInst>(*At))
    ++At;
  IRBuilder<> IRB(Home, At);
  Value *Depth = segmentRelativeShadow(IRB, F, Layout);
  LoadInst *D0 = IRB.CreateLoad(I64, Depth, "tmtrace.d0");
  Value *D1 = IRB.CreateAdd(D0, ConstantInt::get(I64, 1));
  Value *Slot = IRB.CreateAnd(D0, ConstantInt::get(I64, TMTRACE_SHADOW_MASK));
  // The slot's fields. Relative to %fs, each store gets its own address computation, base + index + 8 or 16 (a
  // byte offset: x86 has no scale of 16), in its own block: CodeGenPrepare would otherwise sink one into every
  // block that uses it, and run over the whole function again.
  Value *EntryOffset = nullptr, *SiteField = nullptr, *FrameField = nullptr;
  if (Depth->getType()->getPointerAddressSpace() == 0) {
    SiteField = IRB.CreateInBoundsGEP(Layout.Type, Depth, {IRB.getInt64(0), IRB.getInt32(1), Slot}, "tmtrace.entry");
    FrameField = IRB.CreateStructGEP(Layout.Entry, SiteField, 1);
  } else {
    EntryOffset = IRB.CreateShl(Slot, 4);
  }
  auto field = [&](IRBuilder<> &B, bool Frame) -> Value * {
    if (!EntryOffset)
      return Frame ? FrameField : SiteField;
    uint64_t Offset = offsetof(struct tmtrace_shadow, entries) + (Frame ? offsetof(struct tmtrace_shadow_entry, frame)
                                                                        : offsetof(struct tmtrace_shadow_entry, site));
    return B.CreateInBoundsGEP(B.getInt8Ty(), B.CreateInBoundsGEP(B.getInt8Ty(), Depth, EntryOffset),
                               B.getInt64(Offset));
  };
  Value *Frame = frameKey(IRB, F);
  Constant *NoSite = ConstantPointerNull::get(PointerType::getUnqual(Ctx));

  // Taking the slot, and taking it again where an exception or longjmp lands with a deeper depth. The site is
  // cleared before the depth is raised, so that a signal handler never reads a site left by another activation.
  auto take = [&](IRBuilder<> &B) {
    B.CreateStore(NoSite, field(B, false), /*isVolatile=*/true);
    B.CreateStore(D1, Depth, /*isVolatile=*/true);
  };
  take(IRB);
  for (Instruction *Landing : landings(F)) {
    IRBuilder<> At(Landing->getNextNode());
    take(At);
  }

  // Before each pushed call: the frame, then the site (a signal handler in between sees the previous site, never
  // a half-written entry). Storing the frame again at every call, not once per activation, repairs the slot after
  // deeper recursion reused it (the ring wrapped) or a signal handler took it before the depth was raised.
  for (CallBase *Call : Calls.Pushed) {
    IRB.SetInsertPoint(Call);
    IRB.CreateStore(Frame, field(IRB, true), /*isVolatile=*/true);
    StoreInst *SiteStore = IRB.CreateStore(NoSite, field(IRB, false), /*isVolatile=*/true);
    Sites.assign(*SiteStore, 0, Call->getDebugLoc().get(), F);
  }
  // An allocation entry point receives its own site: this activation's slot must not add a frame for it.
  for (CallBase *Call : Cleared) {
    IRB.SetInsertPoint(Call);
    IRB.CreateStore(NoSite, field(IRB, false), /*isVolatile=*/true);
  }

  for (Instruction *I : Releases) {
    IRB.SetInsertPoint(I);
    IRB.CreateStore(D0, Depth);
  }
  for (auto [From, To] : Exits) {
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

// -O0 (optnone functions). FastISel selects the code, and its compile time grows with every instruction, every
// value live across blocks (spilled at its definition and reloaded in each block that uses it) and every
// SelectionDAG fallback (a TLS address is one). So the protocol's per-activation work is one call to a
// module-local helper, which keeps what the activation needs in a stack object, its "state"
// { ptr slot, ptr shadow, i64 d0 }, and the frame key in a stack object of its own (an alloca's address needs no
// instruction); instructions elsewhere reload from them. The run-time cost is a call and a return per activation.

// The state's words.
enum StateWord { StateSlot, StateShadow, StateD0, StateWords };

// tmtrace.take(state) takes the slot and fills the state; tmtrace.take_again(state) takes the same
// slot again from the state (landing pads, after setjmp). Both do what `take` does in tmtrace_abi.h.
Function *slotHelper(Module &M, ShadowLayout &Layout, bool Again) {
  Function *&Helper = Again ? Layout.TakeAgain : Layout.Take;
  if (Helper)
    return Helper;
  LLVMContext &Ctx = M.getContext();
  Type *I64 = Type::getInt64Ty(Ctx);
  PointerType *Ptr = PointerType::getUnqual(Ctx);
  Helper = Function::Create(FunctionType::get(Type::getVoidTy(Ctx), {Ptr}, false), GlobalValue::InternalLinkage,
                            Again ? "tmtrace.take_again" : "tmtrace.take", M);
  Helper->addFnAttr(Attribute::NoUnwind);
  Helper->setUWTableKind(UWTableKind::Default); // unwinders (profilers) may stop in it
  IRBuilder<> IRB(BasicBlock::Create(Ctx, "", Helper));
  Value *State = Helper->getArg(0);
  Value *ShadowField = IRB.CreateConstInBoundsGEP1_64(Ptr, State, StateShadow);
  Value *D0Field = IRB.CreateConstInBoundsGEP1_64(Ptr, State, StateD0);
  Value *Slot, *Shadow, *D0;
  if (Again) {
    Slot = IRB.CreateLoad(Ptr, State);
    Shadow = IRB.CreateLoad(Ptr, ShadowField);
    D0 = IRB.CreateLoad(I64, D0Field);
  } else {
    Shadow = IRB.CreateThreadLocalAddress(Layout.Shadow); // the only TLS access of the module at -O0
    D0 = IRB.CreateLoad(I64, Shadow);
    Value *Index = IRB.CreateAnd(D0, ConstantInt::get(I64, TMTRACE_SHADOW_MASK));
    Slot = IRB.CreateInBoundsGEP(Layout.Type, Shadow, {IRB.getInt64(0), IRB.getInt32(1), Index});
    IRB.CreateStore(Slot, State);
    IRB.CreateStore(Shadow, ShadowField);
    IRB.CreateStore(D0, D0Field);
  }
  IRB.CreateStore(ConstantPointerNull::get(Ptr), Slot, /*isVolatile=*/true);
  IRB.CreateStore(IRB.CreateAdd(D0, ConstantInt::get(I64, 1)), Shadow, /*isVolatile=*/true);
  IRB.CreateRetVoid();
  return Helper;
}

// Instruments one optnone function: the slot is taken in the entry block, before its first call (values the
// entry block computed before that are not live across the helper's call), and given back before every return.
void instrumentOptNone(Function &F, FunctionCalls Calls, ShadowLayout &Layout, SiteTable &Sites) {
  LLVMContext &Ctx = F.getContext();
  Module &M = *F.getParent();
  PointerType *Ptr = PointerType::getUnqual(Ctx);
  // Code that never runs is left alone.
  df_iterator_default_set<BasicBlock *> Reachable;
  for (BasicBlock *BB : depth_first_ext(&F, Reachable))
    (void)BB;
  auto Unreachable = [&](CallBase *Call) { return !Reachable.contains(Call->getParent()); };
  erase_if(Calls.Pushed, Unreachable);
  erase_if(Calls.CarriesSite, Unreachable);
  if (Calls.Pushed.empty())
    return;
  DenseSet<CallBase *> PushedSet(Calls.Pushed.begin(), Calls.Pushed.end());
  SmallVector<Instruction *, 8> Releases;
  for (BasicBlock *BB : Reachable)
    if (auto *Ret = dyn_cast<ReturnInst>(BB->getTerminator()))
      Releases.push_back(releasePoint(Ret, PushedSet));

  BasicBlock &Entry = F.getEntryBlock();
  IRBuilder<> IRB(&Entry, Entry.begin());
  AllocaInst *State = IRB.CreateAlloca(ArrayType::get(Ptr, StateWords), nullptr, "tmtrace.state");
  AllocaInst *FrameVar = IRB.CreateAlloca(IRB.getInt64Ty(), nullptr, "tmtrace.frame");
  BasicBlock::iterator At = Entry.getFirstInsertionPt();
  while (!At->isTerminator() && !(isa<CallBase>(*At) && !isa<DbgInfoIntrinsic>(*At)))
    ++At;
  IRB.SetInsertPoint(&Entry, At);
  IRB.CreateStore(frameKey(IRB, F), FrameVar);
  IRB.CreateCall(slotHelper(M, Layout, false), {State});
  SmallVector<BasicBlock *, 16> Stored{&Entry}; // blocks with instrumentation before their terminator
  for (Instruction *Landing : landings(F)) {
    IRB.SetInsertPoint(Landing->getNextNode());
    IRB.CreateCall(slotHelper(M, Layout, true), {State});
    Stored.push_back(Landing->getParent());
  }

  // Before each pushed call: the frame key, then the site (why both, and in this order: tmtrace_abi.h).
  Constant *NoSite = ConstantPointerNull::get(Ptr);
  for (CallBase *Call : Calls.Pushed) {
    IRB.SetInsertPoint(Call);
    Value *Slot = IRB.CreateLoad(Ptr, State); // StateSlot
    Value *Frame = IRB.CreateLoad(IRB.getInt64Ty(), FrameVar);
    IRB.CreateStore(Frame, IRB.CreateStructGEP(Layout.Entry, Slot, 1), /*isVolatile=*/true);
    StoreInst *SiteStore = IRB.CreateStore(NoSite, Slot, /*isVolatile=*/true);
    Sites.assign(*SiteStore, 0, Call->getDebugLoc().get(), F);
    Stored.push_back(Call->getParent());
  }
  for (CallBase *Call : Calls.CarriesSite)
    if (!is_contained(Releases, Call)) {
      IRB.SetInsertPoint(Call);
      IRB.CreateStore(NoSite, IRB.CreateLoad(Ptr, State), /*isVolatile=*/true); // the site of StateSlot
      Stored.push_back(Call->getParent());
    }
  for (Instruction *I : Releases) {
    IRB.SetInsertPoint(I);
    Value *Shadow = IRB.CreateLoad(Ptr, IRB.CreateConstInBoundsGEP1_64(Ptr, State, StateShadow));
    IRB.CreateStore(IRB.CreateLoad(IRB.getInt64Ty(), IRB.CreateConstInBoundsGEP1_64(Ptr, State, StateD0)), Shadow);
  }

  // FastISel selects a block from its end and leaves the rest of the block to SelectionDAG where it fails,
  // which it does at every invoke: an invoke gets a block of its own, so that the code before it is not
  // selected by SelectionDAG.
  for (BasicBlock *BB : Stored)
    if (isa<InvokeInst>(BB->getTerminator()))
      SplitBlock(BB, BB->getTerminator());
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
    if (F.hasOptNone())
      instrumentOptNone(F, Calls, Layout, Sites);
    else
      instrumentFunction(F, Calls, Layout, Sites);
    Changed = true;
  }
  return Changed;
}

} // namespace tmtrace
