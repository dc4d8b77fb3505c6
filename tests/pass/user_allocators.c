// User allocators named in a file: calls get __tmtrace_track_at / __tmtrace_untrack_at with the caller's site;
// a bad file is an error naming FILE:LINE.
// Blanks are spaces or tabs.
// RUN: printf '# pools\nalloc pool_alloc(_, size) domain=7:pool\nfree\tpool_free(_, ptr)\tdomain=7\nalloc  xcalloc(count, size)\nalloc xrealloc(ptr, size)\n' > %t.good
// RUN: %clang -O2 -gline-directives-only -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.good -S -emit-llvm %s -o - | %FileCheck %s
// RUN: printf 'alloc ok(size)\n\nallok bad(size)\n' > %t.kind
// RUN: %not %clang -O2 -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.kind -c %s -o /dev/null 2>&1 | %FileCheck %s --check-prefix=KIND -DFILE=%t.kind
// KIND: error: tmtrace: [[FILE]]:3: unknown kind 'allok' (expected 'alloc' or 'free')
// RUN: printf 'alloc pool_alloc(_, bytes)\n' > %t.role
// RUN: %not %clang -O2 -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.role -c %s -o /dev/null 2>&1 | %FileCheck %s --check-prefix=ROLE -DFILE=%t.role
// ROLE: error: tmtrace: [[FILE]]:1: unknown role 'bytes' (expected size, count, ptr or _)
// RUN: printf 'alloc pool_alloc(size)\n' > %t.arity
// RUN: %not %clang -O2 -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.arity -c %s -o /dev/null 2>&1 | %FileCheck %s --check-prefix=ARITY -DFILE=%t.arity
// ARITY: error: tmtrace: [[FILE]]:1: 'pool_alloc' is declared with 1 parameter(s) but called with 2 in
// RUN: printf 'free pool_free(_, ptr) domain=7:pool\nfree xfree(ptr) domain=7:other\n' > %t.names
// RUN: %not %clang -O2 -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.names -c %s -o /dev/null 2>&1 | %FileCheck %s --check-prefix=NAMES -DFILE=%t.names
// NAMES: error: tmtrace: [[FILE]]:2: domain 7 was named 'pool' before, not 'other'
// RUN: printf 'alloc pool_alloc(_, size) domain=7 domain=8\n' > %t.twice
// RUN: %not %clang -O2 -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.twice -c %s -o /dev/null 2>&1 | %FileCheck %s --check-prefix=TWICE -DFILE=%t.twice
// TWICE: error: tmtrace: [[FILE]]:1: domain given twice
// RUN: %not %clang -O2 -fplugin=%plugin -fpass-plugin=%plugin -mllvm -tmtrace-allocators=%t.missing -c %s -o /dev/null 2>&1 | %FileCheck %s --check-prefix=MISSING -DFILE=%t.missing
// MISSING: error: tmtrace: [[FILE]]: cannot read the tmtrace allocator file: No such file or directory
#include <stddef.h>

struct pool;
void *pool_alloc(struct pool *p, size_t size);
void pool_free(struct pool *p, void *block);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *old, size_t size);

// CHECK: @tmtrace.domain_name = private unnamed_addr constant [5 x i8] c"pool\00"
// The track call carries the site of the allocating call (record 0, the same one pushed before it); the slot's
// site is cleared first, so that the line is not a frame twice.
// CHECK-LABEL: define {{.*}} @use_pool(
// CHECK: %[[BLOCK:[0-9]+]] = tail call ptr @pool_alloc(ptr noundef %0, i64 noundef 48)
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: store volatile ptr null
// CHECK-NEXT: tail call void @__tmtrace_track_at(i32 7, ptr nonnull @tmtrace.domain_name, ptr %[[BLOCK]], i64 48, ptr @__tmtrace_sites)
// CHECK-NEXT: tail call void @__tmtrace_untrack_at(i32 7, ptr %[[BLOCK]])
// CHECK: tail call void @pool_free(ptr noundef %0, ptr noundef %[[BLOCK]])
void use_pool(struct pool *pool) {
  void *block = pool_alloc(pool, 48);
  pool_free(pool, block);
}

// calloc-style: the size is count * size; realloc-style: the old block is untracked when the call succeeded.
// CHECK-LABEL: define {{.*}} @use_heap_wrappers(
// CHECK: %[[ARRAY:[0-9]+]] = tail call ptr @xcalloc(i64 noundef %[[N:[0-9]+]], i64 noundef 8)
// CHECK-NEXT: %[[BYTES:[0-9]+]] = shl i64 %[[N]], 3
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: getelementptr inbounds i8, ptr addrspace(257)
// CHECK-NEXT: store volatile ptr null
// CHECK-NEXT: tail call void @__tmtrace_track_at(i32 0, ptr null, ptr %[[ARRAY]], i64 %[[BYTES]], ptr getelementptr inbounds ({{.*}}, i64 0, i64 1))
// The last track call is in tail position: the slot is given back before it, and it stays a tail call.
// CHECK: %[[GROWN:[0-9]+]] = tail call ptr @xrealloc(ptr noundef %[[ARRAY]], i64 noundef 1024)
// CHECK-NEXT: %[[FAILED:[0-9]+]] = icmp eq ptr %[[GROWN]], null
// CHECK-NEXT: %[[OLD:[0-9]+]] = select i1 %[[FAILED]], ptr null, ptr %[[ARRAY]]
// CHECK-NEXT: tail call void @__tmtrace_untrack_at(i32 0, ptr %[[OLD]])
// CHECK-NEXT: store i64
// CHECK-NEXT: tail call void @__tmtrace_track_at(i32 0, ptr null, ptr %[[GROWN]], i64 1024, ptr getelementptr inbounds ({{.*}}, i64 0, i64 2))
void *use_heap_wrappers(size_t n) {
  char *array = xcalloc(n, 8);
  return xrealloc(array, 1024);
}
