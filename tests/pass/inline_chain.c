// After inlining, each allocation gets one record per inline level, innermost first, linked by inlined_at;
// a location in a system header is flagged TMTRACE_SITE_SYSTEM (1); without debug info the site is "?":0.
// RUN: %clang -O2 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s -DFILE=%s
// RUN: %clang -O2 -g0 -fpass-plugin=%plugin -S -emit-llvm %s -o - | %FileCheck %s --check-prefix=NODEBUG
// Compiled from standard input, the file is clang's "<stdin>", not a path made of it.
// RUN: %clang -O2 -gline-directives-only -fpass-plugin=%plugin -S -emit-llvm -x c - -o - < %s | %FileCheck %s --check-prefix=STDIN
// STDIN: @tmtrace.str = private unnamed_addr constant [8 x i8] c"<stdin>\00"
#include <stdlib.h>

// Records are created outermost first: the first call in use_twice (record 0), get_buffer inlined into it (1),
// then the malloc in the "system header" inlined into get_buffer (2); the second inlined copy reuses 0..1's
// pattern with its own outer line (3, 4, 5).
// CHECK: @__tmtrace_sites = private constant [6 x { ptr, ptr, ptr, i32, i32, i32, i32 }]
// CHECK-SAME: [{ ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.1, ptr null, i32 [[@LINE+23]], i32 13, i32 0, i32 0 },
// CHECK-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.2, ptr @__tmtrace_sites, i32 [[@LINE+18]], i32 10, i32 0, i32 0 },
// CHECK-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str.3, ptr @tmtrace.str.4, ptr getelementptr inbounds ([6 x { ptr, ptr, ptr, i32, i32, i32, i32 }], ptr @__tmtrace_sites, i64 0, i64 1), i32 7, i32 53, i32 1, i32 0 },
// CHECK-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.1, ptr null, i32 [[@LINE+21]], i32 10, i32 0, i32 0 },
// CHECK-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr @tmtrace.str.2, ptr getelementptr inbounds ([6 x { ptr, ptr, ptr, i32, i32, i32, i32 }], ptr @__tmtrace_sites, i64 0, i64 3), i32 [[@LINE+15]], i32 10, i32 0, i32 0 },
// CHECK-SAME: { ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str.3, ptr @tmtrace.str.4, ptr getelementptr inbounds ([6 x { ptr, ptr, ptr, i32, i32, i32, i32 }], ptr @__tmtrace_sites, i64 0, i64 4), i32 7, i32 53, i32 1, i32 0 }], align 8
// CHECK-NEXT: @tmtrace.str = private unnamed_addr constant [{{[0-9]+}} x i8] c"[[FILE]]\00"
// CHECK-NEXT: @tmtrace.str.1 = private unnamed_addr constant [10 x i8] c"use_twice\00"
// CHECK-NEXT: @tmtrace.str.2 = private unnamed_addr constant [11 x i8] c"get_buffer\00"
// The path is normalized (no "..") before the system-header test.
// CHECK-NEXT: @tmtrace.str.3 = private unnamed_addr constant [24 x i8] c"/usr/include/fake_sys.h\00"
// CHECK-NEXT: @tmtrace.str.4 = private unnamed_addr constant [13 x i8] c"sys_allocate\00"

// NODEBUG: @__tmtrace_sites = private constant [1 x { ptr, ptr, ptr, i32, i32, i32, i32 }] [{ ptr, ptr, ptr, i32, i32, i32, i32 } { ptr @tmtrace.str, ptr null, ptr null, i32 0, i32 0, i32 0, i32 0 }]
// NODEBUG-NEXT: @tmtrace.str = private unnamed_addr constant [2 x i8] c"?\00"

static inline void *sys_allocate(size_t n);

static inline char *get_buffer(void) {
  return sys_allocate(100);
}

void *use_twice(void **second) {
  *second = get_buffer();
  return get_buffer();
}

#line 1 "/usr/lib/../include/fake_sys.h"
/* line 1 */
/* line 2 */
/* line 3 */
/* line 4 */
/* line 5 */
/* line 6 */
static inline void *sys_allocate(size_t n) { return malloc(n); }
