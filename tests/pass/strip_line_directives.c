// The line directives tmtrace adds when the user chose no -g level (-gline-directives-only) are removed once the
// site records are built: no !dbg, no compile unit, no .loc in the output, and the records still carry exact
// file:line:column and the inline chain, at -O0, -O2 and in the pre-link output of -flto and -flto=thin.
// Every other debug level keeps its debug info, and so does -gline-directives-only with
// -tmtrace-keep-line-directives (what the wrapper passes when the user wrote -gline-directives-only).
// RUN: %clang -O0 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=SITES,STRIPPED -DFILE=%s
// RUN: %clang -O2 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=INLINED,STRIPPED -DFILE=%s
// RUN: %clang -O2 -flto -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=INLINED,STRIPPED -DFILE=%s
// RUN: %clang -O2 -flto=thin -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=INLINED,STRIPPED -DFILE=%s
// RUN: %clang -O0 -gline-directives-only -fpass-plugin=%plugin -S %s -o - | %FileCheck %s --check-prefix=ASM
// RUN: %clang -O0 -g -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=SITES,KEPT -DKIND=FullDebug -DFILE=%s
// RUN: %clang -O2 -gline-tables-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=INLINED,KEPT -DKIND=LineTablesOnly -DFILE=%s
// RUN: %clang -O2 -gline-directives-only -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-keep-line-directives -S -emit-llvm %s -o - | %FileCheck %s --check-prefixes=INLINED,KEPT -DKIND=DebugDirectivesOnly -DFILE=%s
// RUN: %clang -O2 -gline-directives-only -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-keep-line-directives -S %s -o - | %FileCheck %s --check-prefix=KEPTASM
// The pass alone, as opt runs it: a module of directives only loses its debug info, a -g module does not.
// RUN: %clang -O0 -gline-directives-only -S -emit-llvm %s -o %t.directives.ll
// RUN: %opt -load-pass-plugin=%plugin -passes=tmtrace-strip-line-directives -S %t.directives.ll | %FileCheck %s --check-prefix=STRIPPED
// RUN: %clang -O0 -g -S -emit-llvm %s -o %t.full.ll
// RUN: %opt -load-pass-plugin=%plugin -passes=tmtrace-strip-line-directives -S %t.full.ll | %FileCheck %s --check-prefixes=KEPT -DKIND=FullDebug
#include <stdlib.h>

static char *make(int n) {
  return malloc(n);
}

char *outer(void) { return make(10); }

// -O0: one record per call, the malloc in make and the call in outer.
// SITES: @__tmtrace_sites = private constant [2 x { ptr, ptr, ptr, i32, i32, i32, i32 }]
// SITES-SAME: { ptr @tmtrace.str, ptr @tmtrace.str.1, ptr null, i32 [[@LINE-7]], i32 10, i32 0, i32 0 }
// SITES-SAME: { ptr @tmtrace.str, ptr @tmtrace.str.2, ptr null, i32 [[@LINE-5]], i32 28, i32 0, i32 0 }
// -O2: make is inlined into outer; the malloc's record is linked to the call's.
// INLINED: @__tmtrace_sites = private constant [2 x { ptr, ptr, ptr, i32, i32, i32, i32 }]
// INLINED-SAME: { ptr @tmtrace.str, ptr @tmtrace.str.1, ptr null, i32 [[@LINE-8]], i32 28, i32 0, i32 0 }
// INLINED-SAME: { ptr @tmtrace.str, ptr @tmtrace.str.2, ptr @__tmtrace_sites, i32 [[@LINE-12]], i32 10, i32 0, i32 0 }
// SITES: @tmtrace.str = private unnamed_addr constant [{{[0-9]+}} x i8] c"[[FILE]]\00"
// SITES-NEXT: @tmtrace.str.1 = private unnamed_addr constant [5 x i8] c"make\00"
// SITES-NEXT: @tmtrace.str.2 = private unnamed_addr constant [6 x i8] c"outer\00"
// INLINED: @tmtrace.str = private unnamed_addr constant [{{[0-9]+}} x i8] c"[[FILE]]\00"
// INLINED-NEXT: @tmtrace.str.1 = private unnamed_addr constant [6 x i8] c"outer\00"
// INLINED-NEXT: @tmtrace.str.2 = private unnamed_addr constant [5 x i8] c"make\00"

// STRIPPED-NOT: !dbg
// STRIPPED-NOT: llvm.dbg.cu
// STRIPPED-NOT: DICompileUnit
// STRIPPED-NOT: DILocation

// KEPT: !dbg
// KEPT: !llvm.dbg.cu
// KEPT: DICompileUnit({{.*}}emissionKind: [[KIND]]
// KEPT: DILocation(

// ASM-NOT: .file {{[0-9]+}}
// ASM-NOT: .loc
// ASM-NOT: .debug_line
// ASM: .globl outer
// ASM-NOT: .loc
// ASM-NOT: .debug_line
// KEPTASM: .globl outer
// KEPTASM: .loc
