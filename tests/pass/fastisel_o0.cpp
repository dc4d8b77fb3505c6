// At -O0 FastISel selects the code; what it cannot select goes to SelectionDAG, which costs compile time. The
// instrumentation adds nothing that it cannot select: the TLS address is read by one module-local function
// (tmtrace.take), the frame key is the frame address + 8, and an invoke after instrumentation stores gets a
// block of its own (FastISel gives up at every invoke and leaves the whole block above it to SelectionDAG). What
// is left for SelectionDAG is what plain clang leaves: the invoke and the landing pad, and the TLS read, once per
// module. The slot is taken again, from the activation's state, right after the landing pad.
// RUN: %clangxx -O0 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s
// RUN: %clangxx -O0 -gline-directives-only -fpass-plugin=%plugin -c %s -o %t.o -Rpass-missed=sdagisel 2>&1 | %FileCheck %s --check-prefix=ISEL
void may_throw();
struct Guard {
  ~Guard();
};

// CHECK-LABEL: define {{.*}} @_Z7pushingv(
// CHECK: call void @tmtrace.take(ptr %[[STATE:[0-9]+]])
// CHECK-NEXT: %[[SITE:[0-9]+]] = load ptr, ptr %[[STATE]]
// CHECK-NEXT: %[[FRAME:[0-9]+]] = load i64, ptr %[[FRAMEVAR:[0-9]+]]
// CHECK-NEXT: %[[FRAMEFIELD:[0-9]+]] = getelementptr inbounds { ptr, i64 }, ptr %[[SITE]], i32 0, i32 1
// CHECK-NEXT: store volatile i64 %[[FRAME]], ptr %[[FRAMEFIELD]]
// CHECK-NEXT: store volatile ptr @__tmtrace_sites, ptr %[[SITE]]
// CHECK-NEXT: br label %[[INVOKE:[0-9]+]]
// CHECK-EMPTY:
// CHECK-NEXT: [[INVOKE]]:
// CHECK-NEXT: invoke void @_Z9may_throwv()
// CHECK-NEXT: to label %[[NORMAL:[0-9]+]] unwind label %[[PAD:[0-9]+]]
// CHECK: [[NORMAL]]:
// CHECK-NEXT: %[[SITE2:[0-9]+]] = load ptr, ptr %[[STATE]]
// CHECK-NEXT: %[[FRAME2:[0-9]+]] = load i64, ptr %[[FRAMEVAR]]
// CHECK-NEXT: %[[FRAMEFIELD2:[0-9]+]] = getelementptr inbounds { ptr, i64 }, ptr %[[SITE2]], i32 0, i32 1
// CHECK-NEXT: store volatile i64 %[[FRAME2]], ptr %[[FRAMEFIELD2]]
// CHECK-NEXT: store volatile ptr getelementptr inbounds ({{.*}}, ptr @__tmtrace_sites, i64 0, i64 1), ptr %[[SITE2]]
// CHECK-NEXT: call void @_ZN5GuardD1Ev(
// CHECK: [[PAD]]:
// CHECK-NEXT: landingpad
// CHECK-NEXT: cleanup
// CHECK-NEXT: call void @tmtrace.take_again(ptr %[[STATE]])
void pushing() {
  Guard g;
  may_throw();
}

// ISEL-NOT: FastISel missed
// ISEL: remark: FastISel missed terminator: invoke void @_Z9may_throwv()
// ISEL-NOT: FastISel missed
// ISEL: remark: FastISel missed: %{{[0-9]+}} = landingpad { ptr, i32 }
// ISEL-NOT: FastISel missed
// ISEL: remark: FastISel missed call: %{{[0-9]+}} = call ptr @llvm.threadlocal.address.p0(ptr @__tmtrace_shadow) (in function: tmtrace.take)
// ISEL-NOT: FastISel missed
