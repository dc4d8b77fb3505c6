// Source-level truth: pairs clang deletes or fuses at -O2 stay traced, because the rewrite runs first;
// and the landing pad of a caught exception takes the function's shadow-stack slot again.
// RUN: %clangxx -O2 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s
#include <cstdlib>
#include <cstring>

void may_throw();

// CHECK-LABEL: define {{.*}} @_Z10elided_newv(
// CHECK: call {{.*}}ptr @__tmtrace_new(i64 noundef 4, ptr {{.*}}@__tmtrace_sites
// CHECK: call void @_ZdlPvm(
int elided_new() {
  int *p = new int(5);
  int v = *p;
  delete p;
  return v;
}

// CHECK-LABEL: define {{.*}} @_Z13malloc_memsetm(
// CHECK: call {{.*}}ptr @__tmtrace_malloc(i64 noundef %{{[0-9]+}}, ptr {{.*}}@__tmtrace_sites
// CHECK-NOT: calloc
// CHECK: call void @llvm.memset
void *malloc_memset(size_t n) {
  void *p = malloc(n);
  memset(p, 0, n);
  return p;
}

// CHECK-LABEL: define {{.*}} @_Z13unused_mallocv(
// CHECK: call {{.*}}ptr @__tmtrace_malloc(i64 noundef 10, ptr {{.*}}@__tmtrace_sites
// CHECK: call void @free(
int unused_malloc() {
  void *p = malloc(10);
  free(p);
  return 0;
}

// CHECK-LABEL: define {{.*}} @_Z7catchesv(
// CHECK: %[[D0:[0-9]+]] = load i64, ptr addrspace(257) %[[DEPTH:[0-9]+]]
// CHECK: %[[OFFSET:[0-9]+]] = shl i64 %{{[0-9]+}}, 4
// CHECK: store volatile ptr null, ptr addrspace(257) %{{[0-9]+}}
// CHECK-NEXT: store volatile i64 %[[D1:[0-9]+]], ptr addrspace(257) %[[DEPTH]]
// CHECK: invoke void @_Z9may_throwv()
// CHECK-NEXT: to label %[[OK:[0-9]+]] unwind label %[[LPAD:[0-9]+]]
// CHECK: [[LPAD]]:
// CHECK-NEXT: landingpad
// CHECK-NEXT: catch ptr null
// CHECK-NEXT: %[[ENTRY:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[DEPTH]], i64 %[[OFFSET]]
// CHECK-NEXT: %[[SITE:[0-9]+]] = getelementptr inbounds i8, ptr addrspace(257) %[[ENTRY]], i64 8
// CHECK-NEXT: store volatile ptr null, ptr addrspace(257) %[[SITE]]
// CHECK-NEXT: store volatile i64 %[[D1]], ptr addrspace(257) %[[DEPTH]]
// CHECK: [[OK]]:
// CHECK-NEXT: phi
// CHECK-NEXT: store i64 %[[D0]], ptr addrspace(257) %[[DEPTH]]
int catches() {
  try {
    may_throw();
  } catch (...) {
    return 1;
  }
  return 0;
}
