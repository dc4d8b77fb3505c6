// The shadow-stack protocol of runtime/tmtrace_abi.h around calls that may allocate, nothing elsewhere, and the
// site records (absolute file, line, column, function) of pushed calls and allocations.
// RUN: %clang -O0 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o %t.ll
// RUN: %FileCheck %s < %t.ll
// RUN: %FileCheck %s --check-prefix=SITES -DFILE=%s < %t.ll
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// SITES: @__tmtrace_sites = private constant [5 x { ptr, ptr, ptr, i32, i32, i32, i32 }]
// SITES-SAME: [{ ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.1, ptr null, i32 [[@LINE+12]], i32 39, i32 0, i32 0 },
// SITES-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.2, ptr null, i32 [[@LINE+19]], i32 3, i32 0, i32 0 },
// SITES-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.3, ptr null, i32 [[@LINE+27]], i32 10, i32 0, i32 0 },
// SITES-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.4, ptr null, i32 [[@LINE+29]], i32 41, i32 0, i32 0 },
// SITES-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.5, ptr null, i32 [[@LINE+32]], i32 5, i32 0, i32 0 }], align 8
// SITES-NEXT: @tmtrace.str = private unnamed_addr constant [{{[0-9]+}} x i8] c"[[FILE]]\00", align 1
// SITES-NEXT: @tmtrace.str.1 = private unnamed_addr constant [10 x i8] c"allocates\00", align 1
// SITES-NEXT: @tmtrace.str.2 = private unnamed_addr constant [15 x i8] c"calls_external\00", align 1
// SITES-NEXT: @tmtrace.str.3 = private unnamed_addr constant [17 x i8] c"calls_allocating\00", align 1
// SITES-NEXT: @tmtrace.str.4 = private unnamed_addr constant [15 x i8] c"calls_indirect\00", align 1
// SITES-NEXT: @tmtrace.str.5 = private unnamed_addr constant [21 x i8] c"repairs_after_setjmp\00", align 1
// SITES: @llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 1, ptr @tmtrace.module_ctor, ptr null }]
static char *allocates(void) { return malloc(4); }

void external(void);
static jmp_buf env;

int leaf(int x) { return x * 3; }

void calls_external(void) {
  external();
}

// strlen is known not to allocate, leaf provably does not: no push, no entry load.
size_t non_allocating(const char *s) { return strlen(s) + (size_t)leaf(2); }

// Pushed: a call to a module function that allocates; not pushed: the leaf.
char *calls_allocating(void) {
  leaf(1);
  return allocates();
}

void calls_indirect(void (*fn)(void)) { fn(); }

void repairs_after_setjmp(void) {
  if (setjmp(env) == 0)
    external();
}

// The registration constructor passes the ABI version, the module's file and the bounds of the array.
// SITES: define internal void @tmtrace.module_ctor()
// SITES-NEXT: call i32 @__tmtrace_register_module(i32 2, ptr @tmtrace.str, ptr @__tmtrace_sites, ptr getelementptr inbounds ([5 x { ptr, ptr, ptr, i32, i32, i32, i32 }], ptr @__tmtrace_sites, i64 0, i64 5))
// SITES: define internal void @tmtrace.module_dtor()
// SITES-NEXT: call void @__tmtrace_unregister_module(ptr @__tmtrace_sites, ptr getelementptr inbounds ([5 x { ptr, ptr, ptr, i32, i32, i32, i32 }], ptr @__tmtrace_sites, i64 0, i64 5))

// CHECK-LABEL: define {{.*}} @leaf(
// CHECK-NOT: tmtrace
// CHECK: ret i32

// At -O0 the slot is taken in the entry block, before its first call, in code that FastISel selects whole (no
// SelectionDAG fallback): the frame key (frame address + 8: the return address's slot on x86-64, which
// llvm.addressofreturnaddress gives at -O2) goes to a stack object of its own, and one call to the module's
// tmtrace.take fills the activation's state { slot, shadow, d0 }. Before the call, the frame key, then the site,
// each reloaded from the stack; the depth given back from the state before the return.
// CHECK-LABEL: define {{.*}} @calls_external(
// CHECK-NEXT: %[[STATE:[0-9]+]] = alloca [3 x ptr], align 8
// CHECK-NEXT: %[[FRAMEVAR:[0-9]+]] = alloca i64, align 8
// CHECK-NEXT: %[[FA:[0-9]+]] = call ptr @llvm.frameaddress.p0(i32 0)
// CHECK-NEXT: %[[FP:[0-9]+]] = ptrtoint ptr %[[FA]] to i64
// CHECK-NEXT: %[[FRAME:[0-9]+]] = add i64 %[[FP]], 8
// CHECK-NEXT: store i64 %[[FRAME]], ptr %[[FRAMEVAR]]
// CHECK-NEXT: call void @tmtrace.take(ptr %[[STATE]])
// CHECK-NEXT: %[[SITE:[0-9]+]] = load ptr, ptr %[[STATE]]
// CHECK-NEXT: %[[KEY:[0-9]+]] = load i64, ptr %[[FRAMEVAR]]
// CHECK-NEXT: %[[FRAMEFIELD:[0-9]+]] = getelementptr inbounds { ptr, i64 }, ptr %[[SITE]], i32 0, i32 1
// CHECK-NEXT: store volatile i64 %[[KEY]], ptr %[[FRAMEFIELD]]
// CHECK-NEXT: store volatile ptr getelementptr inbounds ({{.*}}, ptr @__tmtrace_sites, i64 0, i64 1), ptr %[[SITE]]
// CHECK-NEXT: call void @external()
// CHECK-NEXT: %[[SHADOWFIELD:[0-9]+]] = getelementptr inbounds ptr, ptr %[[STATE]], i64 1
// CHECK-NEXT: %[[SHADOW:[0-9]+]] = load ptr, ptr %[[SHADOWFIELD]]
// CHECK-NEXT: %[[D0FIELD:[0-9]+]] = getelementptr inbounds ptr, ptr %[[STATE]], i64 2
// CHECK-NEXT: %[[D0:[0-9]+]] = load i64, ptr %[[D0FIELD]]
// CHECK-NEXT: store i64 %[[D0]], ptr %[[SHADOW]]
// CHECK-NEXT: ret void

// CHECK-LABEL: define {{.*}} @non_allocating(
// CHECK-NOT: tmtrace
// CHECK: ret i64

// CHECK-LABEL: define {{.*}} @calls_allocating(
// CHECK: call void @tmtrace.take(ptr %[[STATE:[0-9]+]])
// CHECK-NEXT: call i32 @leaf(i32 noundef 1)
// CHECK-NEXT: %[[SITE:[0-9]+]] = load ptr, ptr %[[STATE]]
// CHECK-NEXT: load i64
// CHECK-NEXT: getelementptr
// CHECK-NEXT: store volatile i64
// CHECK-NEXT: store volatile ptr getelementptr inbounds ({{.*}}, ptr @__tmtrace_sites, i64 0, i64 2), ptr %[[SITE]]
// CHECK-NEXT: call ptr @allocates()
// CHECK-NEXT: getelementptr inbounds ptr, ptr %[[STATE]], i64 1
// CHECK-NEXT: load ptr
// CHECK-NEXT: getelementptr inbounds ptr, ptr %[[STATE]], i64 2
// CHECK-NEXT: load i64
// CHECK-NEXT: store i64
// CHECK-NEXT: ret ptr

// The allocation carries its site as an argument and is not pushed (record 0: the constant folds to the array).
// CHECK-LABEL: define internal ptr @allocates(
// CHECK-NEXT: call noalias ptr @__tmtrace_malloc(i64 noundef 4, ptr @__tmtrace_sites)
// CHECK-NEXT: ret ptr

// CHECK-LABEL: define {{.*}} @calls_indirect(
// CHECK: store volatile i64
// CHECK-NEXT: store volatile ptr getelementptr inbounds ({{.*}}, ptr @__tmtrace_sites, i64 0, i64 3)
// CHECK-NEXT: call void %{{[0-9]+}}()
// CHECK-NEXT: getelementptr

// setjmp itself is not pushed; after it (it returns twice) the slot is taken again, from the state.
// CHECK-LABEL: define {{.*}} @repairs_after_setjmp(
// CHECK: call void @tmtrace.take(ptr %[[STATE:[0-9]+]])
// CHECK-NEXT: call i32 @_setjmp(ptr noundef @env)
// CHECK-NEXT: call void @tmtrace.take_again(ptr %[[STATE]])
// CHECK: store volatile i64
// CHECK-NEXT: store volatile ptr getelementptr inbounds ({{.*}}, ptr @__tmtrace_sites, i64 0, i64 4), ptr
// CHECK-NEXT: call void @external()
// CHECK: store i64
// CHECK-NEXT: ret void

// Taking the slot (tmtrace_abi.h): the module's only TLS access at -O0 (-O2 code reads the TLS address in
// place, see shadow_region.c); the state filled; site cleared, then the depth raised.
// CHECK-LABEL: define internal void @tmtrace.take(ptr %0)
// CHECK-NEXT: %[[SHADOWFIELD:[0-9]+]] = getelementptr inbounds ptr, ptr %0, i64 1
// CHECK-NEXT: %[[D0FIELD:[0-9]+]] = getelementptr inbounds ptr, ptr %0, i64 2
// CHECK-NEXT: %[[SHADOW:[0-9]+]] = call ptr @llvm.threadlocal.address.p0(ptr @__tmtrace_shadow)
// CHECK-NEXT: %[[D0:[0-9]+]] = load i64, ptr %[[SHADOW]]
// CHECK-NEXT: %[[INDEX:[0-9]+]] = and i64 %[[D0]], 255
// CHECK-NEXT: %[[SLOT:[0-9]+]] = getelementptr inbounds { i64, [256 x { ptr, i64 }] }, ptr %[[SHADOW]], i64 0, i32 1, i64 %[[INDEX]]
// CHECK-NEXT: store ptr %[[SLOT]], ptr %0
// CHECK-NEXT: store ptr %[[SHADOW]], ptr %[[SHADOWFIELD]]
// CHECK-NEXT: store i64 %[[D0]], ptr %[[D0FIELD]]
// CHECK-NEXT: store volatile ptr null, ptr %[[SLOT]]
// CHECK-NEXT: %[[D1:[0-9]+]] = add i64 %[[D0]], 1
// CHECK-NEXT: store volatile i64 %[[D1]], ptr %[[SHADOW]]
// CHECK-NEXT: ret void

// Taking the same slot again, from the state.
// CHECK-LABEL: define internal void @tmtrace.take_again(ptr %0)
// CHECK-NEXT: %[[SHADOWFIELD:[0-9]+]] = getelementptr inbounds ptr, ptr %0, i64 1
// CHECK-NEXT: %[[D0FIELD:[0-9]+]] = getelementptr inbounds ptr, ptr %0, i64 2
// CHECK-NEXT: %[[SLOT:[0-9]+]] = load ptr, ptr %0
// CHECK-NEXT: %[[SHADOW:[0-9]+]] = load ptr, ptr %[[SHADOWFIELD]]
// CHECK-NEXT: %[[D0:[0-9]+]] = load i64, ptr %[[D0FIELD]]
// CHECK-NEXT: store volatile ptr null, ptr %[[SLOT]]
// CHECK-NEXT: %[[D1:[0-9]+]] = add i64 %[[D0]], 1
// CHECK-NEXT: store volatile i64 %[[D1]], ptr %[[SHADOW]]
// CHECK-NEXT: ret void
