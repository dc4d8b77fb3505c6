// Recursion stays recursion at -O2: calls within a call-graph cycle are notail, so tail-recursion elimination
// keeps each level a (pushed) call and tracebacks show every level.
// RUN: %clang -O2 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s
// RUN: %clang -O2 -gline-directives-only -S -emit-llvm %s -o - | %FileCheck %s --check-prefix=PLAIN
// At -O0 nothing turns recursion into a loop (every function is optnone): no call is marked.
// RUN: %clang -O0 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefix=O0
// O0-NOT: notail
// O0: call ptr @build(
// O0-NOT: notail
// O0: call ptr @pong(
// O0-NOT: notail
// O0: call ptr @ping(
// O0-NOT: notail
#include <stdlib.h>

// CHECK-LABEL: define {{.*}} @build(
// CHECK: %[[FA:[0-9]+]] = call ptr @llvm.addressofreturnaddress.p0()
// CHECK-NEXT: %[[FRAME:[0-9]+]] = ptrtoint ptr %[[FA]] to i64
// CHECK: store volatile i64 %[[FRAME]]
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: store volatile ptr
// CHECK-NEXT: notail call ptr @build(
// Without the plugin the recursion becomes a loop.
// PLAIN-LABEL: define {{.*}} @build(
// PLAIN-NOT: call ptr @build(
// PLAIN: ret ptr
void *build(int depth) {
  if (depth == 0)
    return malloc(32);
  return build(depth - 1);
}

// Mutual recursion too: the calls of the cycle are marked before inlining merges pong into ping, so the
// resulting self-call stays a call.
// CHECK-LABEL: define {{.*}} @ping(
// CHECK: notail call ptr @ping(
void *pong(int depth);
void *ping(int depth) { return depth == 0 ? malloc(1) : pong(depth - 1); }
void *pong(int depth) { return depth == 0 ? malloc(2) : ping(depth - 1); }

// A cycle that cannot allocate is left to the optimizer: fib's recursion is partly turned into a loop as
// without the plugin, and nothing is pushed.
// CHECK-LABEL: define {{.*}} @fib(
// CHECK-NOT: notail
// CHECK-NOT: store volatile
// CHECK: ret i64
unsigned long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
