// Optimized code on x86-64 ELF addresses the shadow stack relative to %fs: the shadow's initial-exec offset (one
// GOT load) is the base, an entry's byte offset the index. The thread pointer itself (%fs:0) is never read, also
// where the slot is used in blocks other than the one that takes it (walk), and in a function that stores an
// argument before the slot is taken (make, which returns through sret). Where %fs-relative operands are not
// allowed (-mno-tls-direct-seg-refs), under MemorySanitizer (which would map the offset to shadow memory as if
// it were an address), with -tmtrace-shadow-tls-address, and on other targets, the shadow is the TLS address.
// RUN: %clang -O2 -fpass-plugin=%plugin -S %s -o %t.s
// RUN: %FileCheck %s --check-prefix=ASM < %t.s
// RUN: %clang -O2 -fpass-plugin=%plugin -mno-tls-direct-seg-refs -S -emit-llvm %s -o %t.noseg.ll
// RUN: %FileCheck %s --check-prefix=TLS < %t.noseg.ll
// RUN: %clang -O2 -fpass-plugin=%plugin -fsanitize=memory -S -emit-llvm %s -o %t.msan.ll
// RUN: %FileCheck %s --check-prefix=TLS < %t.msan.ll
// DataFlowSanitizer and coverage of loads and stores leave no trace in the IR: the wrapper passes the option.
// RUN: %clang -O2 -fpass-plugin=%plugin -fplugin=%plugin -mllvm -tmtrace-shadow-tls-address -S -emit-llvm %s -o %t.o.ll
// RUN: %FileCheck %s --check-prefix=TLS < %t.o.ll
// RUN: %clang --target=aarch64-linux-gnu -O2 -fpass-plugin=%plugin -S -emit-llvm %s -o %t.aarch64.ll
// RUN: %FileCheck %s --check-prefix=TLS < %t.aarch64.ll

typedef unsigned long (*step_fn)(unsigned long, int);
extern step_fn volatile table[3];

// The slot is taken in the entry block and used in both successors (the base case and the recursive case).
// ASM-LABEL: walk:
// ASM-NOT: %fs:0,
// ASM: movq __tmtrace_shadow@GOTTPOFF(%rip), %[[OFF:r[0-9a-z]+]]
// ASM-NOT: %fs:0,
// ASM: movq %fs:(%[[OFF]]), %[[D0:r[0-9a-z]+]]
// ASM-NOT: %fs:0,
// ASM: movq $0, %fs:8(%[[OFF]],%[[ENTRY:r[0-9a-z]+]])
// ASM-NOT: %fs:0,
// ASM: %fs:16(%[[OFF]],%[[ENTRY]])
// ASM-NEXT: leaq .L__tmtrace_sites
// ASM-NEXT: %fs:8(%[[OFF]],%[[ENTRY]])
// ASM: callq *%rax
// ASM: %fs:16(%[[OFF]],%[[ENTRY]])
// ASM-NEXT: %fs:8(%[[OFF]],%[[ENTRY]])
// ASM: callq walk
// ASM: %fs:16(%[[OFF]],%[[ENTRY]])
// ASM-NEXT: leaq .L__tmtrace_sites
// ASM-NEXT: %fs:8(%[[OFF]],%[[ENTRY]])
// ASM: callq *%rax
// ASM-NOT: %fs:0,
// ASM: movq %[[D0]], %fs:(%[[OFF]])
// ASM-NOT: %fs:0,
// ASM: retq
unsigned long walk(unsigned long x, int depth, int i) {
  if (depth == 0)
    return table[i % 3](x, i);
  return walk(table[(i + depth) % 3](x, i), depth - 1, i);
}

// ASM-LABEL: make:
// ASM-NOT: %fs:0,
// ASM: movq __tmtrace_shadow@GOTTPOFF(%rip), %[[OFF:r[0-9a-z]+]]
// ASM-NOT: %fs:0,
// ASM: movq %fs:(%[[OFF]]), %[[D0:r[0-9a-z]+]]
// ASM-NOT: %fs:0,
// ASM: callq *%rax
// ASM-NOT: %fs:0,
// ASM: movq %[[D0]], %fs:(%[[OFF]])
// ASM-NOT: %fs:0,
// ASM: retq
struct big {
  long a[4];
};
struct big make(struct big (*f)(int), int n) {
  struct big b = f(n);
  b.a[0] += n;
  return b;
}

// TLS-LABEL: define {{.*}} @walk(
// TLS: %[[DEPTH:[0-9a-z_.]+]] = call{{.*}} ptr @llvm.threadlocal.address.p0(ptr @__tmtrace_shadow)
// TLS-NOT: thread.pointer
// TLS-NOT: addrspace(257)
// TLS: %[[D0:[0-9a-z_.]+]] = load i64, ptr %[[DEPTH]]
// TLS-NOT: thread.pointer
// TLS-NOT: addrspace(257)
// TLS: store i64 %[[D0]], ptr %[[DEPTH]]
// TLS-NOT: thread.pointer
// TLS-NOT: addrspace(257)
// TLS-LABEL: define {{.*}} @make(
// TLS: call{{.*}} ptr @llvm.threadlocal.address.p0(ptr @__tmtrace_shadow)
// TLS-NOT: thread.pointer
// TLS-NOT: addrspace(257)
// TLS: ret void
