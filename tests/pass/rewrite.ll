; The early rewrite: each allocation call becomes its entry point with a null placeholder site, keeps the
; attributes that do not say "allocator", is marked nomerge, and invokes stay invokes.
; RUN: %opt -load-pass-plugin=%plugin -passes=tmtrace-rewrite -S %s | %FileCheck %s

declare ptr @malloc(i64) allockind("alloc,uninitialized") allocsize(0) "alloc-family"="malloc"
declare ptr @calloc(i64, i64)
declare ptr @realloc(ptr allocptr, i64)
declare i32 @posix_memalign(ptr, i64, i64)
declare ptr @aligned_alloc(i64 allocalign, i64)
declare ptr @strdup(ptr)
declare ptr @strndup(ptr, i64)
declare ptr @reallocarray(ptr, i64, i64)
declare ptr @memalign(i64, i64)
declare ptr @pvalloc(i64)
declare ptr @_Znwm(i64)
declare ptr @_Znam(i64)
declare ptr @_ZnwmRKSt9nothrow_t(i64, ptr)
declare ptr @_ZnamRKSt9nothrow_t(i64, ptr)
declare ptr @_ZnwmSt11align_val_t(i64, i64)
declare ptr @_ZnamSt11align_val_t(i64, i64)
declare ptr @_ZnwmSt11align_val_tRKSt9nothrow_t(i64, i64, ptr)
declare ptr @_ZnamSt11align_val_tRKSt9nothrow_t(i64, i64, ptr)
declare void @free(ptr)
declare void @_ZdlPvm(ptr, i64)
declare i32 @__gxx_personality_v0(...)
@_ZSt7nothrow = external global i8

; CHECK-LABEL: define ptr @c_family(
define ptr @c_family(ptr %s, ptr %old, ptr %out) {
; CHECK: %m = call noalias nonnull ptr @__tmtrace_malloc(i64 noundef 40, ptr null) #[[NOMERGE:[0-9]+]]
  %m = call noalias nonnull ptr @malloc(i64 noundef 40) #0
; CHECK: %c = call ptr @__tmtrace_calloc(i64 3, i64 8, ptr null) #[[NOMERGE]]
  %c = call ptr @calloc(i64 3, i64 8)
; CHECK: %r = call ptr @__tmtrace_realloc(ptr %old, i64 64, ptr null) #[[NOMERGE]]
  %r = call ptr @realloc(ptr allocptr %old, i64 64)
; CHECK: %p = call i32 @__tmtrace_posix_memalign(ptr %out, i64 64, i64 128, ptr null) #[[NOMERGE]]
  %p = call i32 @posix_memalign(ptr %out, i64 64, i64 128)
; CHECK: %a = call ptr @__tmtrace_aligned_alloc(i64 64, i64 256, ptr null) #[[NOMERGE]]
  %a = call ptr @aligned_alloc(i64 allocalign 64, i64 256)
; CHECK: %d = call ptr @__tmtrace_strdup(ptr %s, ptr null) #[[NOMERGE]]
  %d = call ptr @strdup(ptr %s)
; CHECK: %n = call ptr @__tmtrace_strndup(ptr %s, i64 3, ptr null) #[[NOMERGE]]
  %n = call ptr @strndup(ptr %s, i64 3)
; CHECK: %ra = call ptr @__tmtrace_reallocarray(ptr %old, i64 3, i64 5, ptr null) #[[NOMERGE]]
  %ra = call ptr @reallocarray(ptr %old, i64 3, i64 5)
; CHECK: %ma = call ptr @__tmtrace_memalign(i64 32, i64 10, ptr null) #[[NOMERGE]]
  %ma = call ptr @memalign(i64 32, i64 10)
; CHECK: %pv = call ptr @__tmtrace_pvalloc(i64 10, ptr null) #[[NOMERGE]]
  %pv = call ptr @pvalloc(i64 10)
; Frees keep their own symbols (the runtime interposes them).
; CHECK: call void @free(ptr %m)
  call void @free(ptr %m)
  ret ptr %d
}

; CHECK-LABEL: define ptr @cxx_family(
define ptr @cxx_family() personality ptr @__gxx_personality_v0 {
; CHECK: %a = call nonnull ptr @__tmtrace_new(i64 4, ptr null) #[[NOMERGE]]
  %a = call nonnull ptr @_Znwm(i64 4) #1
; CHECK: %b = call ptr @__tmtrace_new_array(i64 40, ptr null) #[[NOMERGE]]
  %b = call ptr @_Znam(i64 40) #1
; The std::nothrow_t& argument is dropped: the entry point is the nothrow variant.
; CHECK: %c = call ptr @__tmtrace_new_nothrow(i64 4, ptr null) #[[NOMERGE]]
  %c = call ptr @_ZnwmRKSt9nothrow_t(i64 4, ptr @_ZSt7nothrow)
; CHECK: %c2 = call ptr @__tmtrace_new_array_nothrow(i64 12, ptr null) #[[NOMERGE]]
  %c2 = call ptr @_ZnamRKSt9nothrow_t(i64 12, ptr @_ZSt7nothrow)
; CHECK: %d = call ptr @__tmtrace_new_aligned(i64 64, i64 32, ptr null) #[[NOMERGE]]
  %d = call ptr @_ZnwmSt11align_val_t(i64 64, i64 32)
; CHECK: %d2 = call ptr @__tmtrace_new_array_aligned(i64 128, i64 64, ptr null) #[[NOMERGE]]
  %d2 = call ptr @_ZnamSt11align_val_t(i64 128, i64 64)
; CHECK: %d3 = call ptr @__tmtrace_new_aligned_nothrow(i64 64, i64 32, ptr null) #[[NOMERGE]]
  %d3 = call ptr @_ZnwmSt11align_val_tRKSt9nothrow_t(i64 64, i64 32, ptr @_ZSt7nothrow)
; CHECK: %e = call ptr @__tmtrace_new_array_aligned_nothrow(i64 64, i64 32, ptr null) #[[NOMERGE]]
  %e = call ptr @_ZnamSt11align_val_tRKSt9nothrow_t(i64 64, i64 32, ptr @_ZSt7nothrow)
; CHECK: %f = invoke ptr @__tmtrace_new(i64 8, ptr null) #[[NOMERGE]]
; CHECK-NEXT: to label %ok unwind label %lpad
  %f = invoke ptr @_Znwm(i64 8) #1
          to label %ok unwind label %lpad
ok:
; CHECK: call void @_ZdlPvm(ptr %a, i64 4)
  call void @_ZdlPvm(ptr %a, i64 4) #1
  ret ptr %f
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}

; A module that defines an allocation function itself keeps calling its own definition.
define ptr @valloc(i64 %n) {
  ret ptr null
}
; CHECK-LABEL: define ptr @defined_here(
; CHECK: call ptr @valloc(i64 1)
define ptr @defined_here() {
  %p = call ptr @valloc(i64 1)
  ret ptr %p
}

; No allocator attribute (allocsize, allockind, builtin, alloc-family) survives on the entry point calls.
; CHECK: attributes #[[NOMERGE]] = { nomerge }
attributes #0 = { allockind("alloc,uninitialized") allocsize(0) "alloc-family"="malloc" }
attributes #1 = { builtin }
