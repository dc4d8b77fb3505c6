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
// On x86-64 the shadow is addressed relative to %fs (address space 257): its offset from the thread pointer
// (the TLS address minus llvm.thread.pointer, which the back end folds to the initial-exec GOT load), and each
// field of the entry as shadow + (d0 & 255) * 16 + 8 or 16, computed where it is stored.
// CHECK: [[REC]]:
// CHECK-NEXT: %[[TLS:[0-9]+]] = call ptr @llvm.threadlocal.address.p0(ptr @__tmtrace_shadow)
// CHECK-NEXT: %[[TP:[0-9]+]] = call ptr @llvm.thread.pointer()
// CHECK-NEXT: %[[TLSINT:[0-9]+]] = ptrtoint ptr %[[TLS]] to i64
// CHECK-NEXT: %[[TPINT:[0-9]+]] = ptrtoint ptr %[[TP]] to i64
// CHECK-NEXT: %[[TPOFF:[0-9]+]] = sub i64 %[[TLSINT]], %[[TPINT]]
// CHECK-NEXT: %[[FROZEN:[0-9]+]] = freeze i64 %[[TPOFF]]
// CHECK-NEXT: %[[DEPTH:[0-9]+]] = inttoptr i64 %[[FROZEN]] to ptr addrspace(257)
// CHECK-NEXT: %[[D0:[0-9]+]] = load i64, ptr addrspace(257) %[[DEPTH]]
// CHECK-NEXT: %[[D1:[0-9]+]] = add i64 %[[D0]], 1
// CHECK-NEXT: %[[SLOT:[0-9]+]] = and i64 %[[D0]], 255
// CHECK-NEXT: %[[OFFSET:[0-9]+]] = shl i64 %[[SLOT]], 4
// CHECK-NEXT: %[[FA:[0-9]+]] = call ptr @llvm.addressofreturnaddress.p0()
// CHECK-NEXT: %[[FRAME:[0-9]+]] = ptrtoint ptr %[[FA]] to i64
// CHECK-NEXT: %[[E0:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[SITE0:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[E0]], i64 8
// CHECK-NEXT: store volatile ptr null, ptr addrspace(257) %[[SITE0]]
// CHECK-NEXT: store volatile i64 %[[D1]], ptr addrspace(257) %[[DEPTH]]
// CHECK: %[[E1:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[FRAME1:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[E1]], i64 16
// CHECK-NEXT: store volatile i64 %[[FRAME]], ptr addrspace(257) %[[FRAME1]]
// CHECK-NEXT: %[[E2:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[SITE1:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[E2]], i64 8
// CHECK-NEXT: store volatile ptr getelementptr {{.*}}, ptr addrspace(257) %[[SITE1]]
// CHECK-NEXT: call i64 %
// CHECK: %[[E3:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[FRAME2:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[E3]], i64 16
// CHECK-NEXT: store volatile i64 %[[FRAME]], ptr addrspace(257) %[[FRAME2]]
// CHECK-NEXT: %[[E4:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[SITE2:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[E4]], i64 8
// CHECK-NEXT: store volatile ptr getelementptr {{.*}}, ptr addrspace(257) %[[SITE2]]
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
// CHECK-NEXT: getelementptr
// CHECK-NEXT: getelementptr
// CHECK-NEXT: store volatile i64
// CHECK-NEXT: getelementptr
// CHECK-NEXT: getelementptr
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
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
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
