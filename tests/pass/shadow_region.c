// Where an activation takes its shadow-stack slot at -O2 (protocol in runtime/tmtrace_abi.h): in the nearest
// block that dominates every pushed call and lies on no cycle, given back on every way out of the region it
// dominates. Paths without a pushed call pay nothing; a loop takes the slot once; a call that is not pushed
// stays a tail call; an allocation made while the slot is held clears the slot's site first.
// RUN: %clang -O2 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s
#include <stdlib.h>

void external(int);
int pure_leaf(int) __attribute__((const));

// The base case returns without touching the shadow stack; the recursive case takes the slot, pushes both calls,
// and gives the slot back on its edge to the shared return block.
// CHECK-LABEL: define {{.*}} @fib_indirect(
// CHECK-NEXT: icmp ult i32 %0, 2
// CHECK-NEXT: br i1 %{{[0-9]+}}, label %[[BASE:[0-9]+]], label %[[REC:[0-9]+]]
// CHECK: [[BASE]]:
// CHECK-NOT: tmtrace
// CHECK: br label %[[RET:[0-9]+]]
// On x86-64 the shadow is addressed relative to %fs (address space 257) from its initial-exec offset, and an
// entry as a byte offset from it (d0 & 255) * 16 + 8, which x86 addressing takes as base + index + 8.
// CHECK: [[REC]]:
// CHECK-NEXT: %[[TPOFF:[0-9]+]] = call i64 asm "movq __tmtrace_shadow@gottpoff(%rip), $0", "=r"() #[[ASMATTR:[0-9]+]]
// CHECK-NEXT: %[[DEPTH:[0-9]+]] = inttoptr i64 %[[TPOFF]] to ptr addrspace(257)
// CHECK-NEXT: %[[D0:[0-9]+]] = load i64, ptr addrspace(257) %[[DEPTH]]
// CHECK-NEXT: %[[D1:[0-9]+]] = add i64 %[[D0]], 1
// CHECK-NEXT: %[[SLOT:[0-9]+]] = and i64 %[[D0]], 255
// CHECK-NEXT: %[[OFFSET:[0-9]+]] = shl i64 %[[SLOT]], 4
// CHECK-NEXT: %[[ENTRY:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[SITE:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[ENTRY]], i64 8
// CHECK-NEXT: %[[FRAMEFIELD:[0-9]+]] = getelementptr inbounds { ptr, i64 }, ptr addrspace(257) %[[SITE]], i32 0, i32 1
// CHECK: store volatile ptr null, ptr addrspace(257) %[[SITE]]
// CHECK-NEXT: store volatile i64 %[[D1]], ptr addrspace(257) %[[DEPTH]]
// CHECK: store volatile i64 %[[FRAME:[0-9]+]], ptr addrspace(257) %[[FRAMEFIELD]]
// CHECK-NEXT: store volatile ptr getelementptr {{.*}}, ptr addrspace(257) %[[SITE]]
// CHECK-NEXT: call i64 %
// CHECK: store volatile i64 %[[FRAME]], ptr addrspace(257) %[[FRAMEFIELD]]
// CHECK-NEXT: store volatile ptr getelementptr {{.*}}, ptr addrspace(257) %[[SITE]]
// CHECK-NEXT: call i64 %
// CHECK: store i64 %[[D0]], ptr addrspace(257) %[[DEPTH]]
// CHECK-NEXT: br label %[[RET]]
// CHECK: [[RET]]:
// CHECK-NEXT: phi
// CHECK-NEXT: ret i64
typedef unsigned long (*fib_fn)(unsigned n, const void *self);
unsigned long fib_indirect(unsigned n, const void *self) {
  fib_fn next = *(const fib_fn *)self;
  return n < 2 ? n : next(n - 1, self) + next(n - 2, self);
}

// The slot is taken once, before the loop (the loop's blocks are on a cycle), not on every iteration; in the
// loop only the frame key and the site are stored; it is given back after the loop.
// CHECK-LABEL: define {{.*}} @loop(
// CHECK: load i64, ptr addrspace(257) %[[DEPTH:[0-9]+]]
// CHECK: store volatile i64 %{{[0-9]+}}, ptr addrspace(257) %[[DEPTH]]
// CHECK-NEXT: icmp sgt i32 %0, 0
// CHECK-NEXT: br i1
// CHECK: store i64 %{{[0-9]+}}, ptr addrspace(257) %[[DEPTH]]
// CHECK-NEXT: ret void
// CHECK: phi i32
// CHECK-NEXT: store volatile i64
// CHECK-NEXT: store volatile ptr
// CHECK-NEXT: tail call void @external(
// CHECK-NOT: ptr addrspace(257) %[[DEPTH]]
// CHECK: br i1
// CHECK-NEXT: }
void loop(int n) {
  for (int i = 0; i < n; i++)
    external(i);
}

// After a pushed call the slot still holds that call's site: it is cleared before the allocation (which carries
// its own). The call that cannot allocate right before the return comes after the slot is given back, so it
// stays a tail call.
// CHECK-LABEL: define {{.*}} @allocates_after_call(
// CHECK: call void @external(i32 noundef 1)
// CHECK-NEXT: store volatile ptr null
// CHECK-NEXT: call {{.*}}ptr @__tmtrace_malloc(
// CHECK: store i64
// CHECK-NEXT: tail call void @free(
// CHECK-NEXT: ret void
void allocates_after_call(int x) {
  external(1);
  char *p = malloc(16);
  external(p[0]);
  free(p);
}
// The offset is read by an asm that neither throws nor touches memory (the optimizer may drop or reuse it).
// CHECK: attributes #[[ASMATTR]] = { nounwind memory(none) }
