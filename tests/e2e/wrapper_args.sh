#!/usr/bin/env bash
# wrapper_args.sh — what tmtrace-clang(++) pass to the compiler for each kind of command: a stand-in compiler
# (TMTRACE_CLANG / TMTRACE_CLANGXX) prints its arguments, so the exact additions are compared, including the
# debug-info choices (none: -gline-directives-only; the user's own -gline-directives-only: kept), and the
# absolute shadow address for DataFlowSanitizer and -fsanitize-coverage=trace-loads/trace-stores. Also the
# errors: a clang of another major (clang-14), -static, a missing compiler, an unknown -fsanitize-tmtrace-*
# option; the default clang-19 trusted by
# its name; and relocation (a copy of bin/ and lib/ elsewhere finds its own plugin and runtime).
source "$(dirname "$0")/lib.sh"
fake=$WORK/fake-clang
cat > "$fake" <<'FAKE'
#!/bin/sh
if [ "$1" = -dumpversion ]; then echo 19.1.7; exit 0; fi
echo "  $(basename "$0")$(printf ' %s' "$@")"
FAKE
chmod +x "$fake"
cases() {
  run() { echo "$*"; "$@" 2>&1 || echo "  exit status $?"; }
  export TMTRACE_CLANG=$fake TMTRACE_CLANGXX=$fake
  run "$TMTRACE_CC" -fsanitize=tmtrace -c x.c -o x.o
  run "$TMTRACE_CC" -fsanitize=tmtrace -g -O2 x.c -o x
  run "$TMTRACE_CXX" -fsanitize=address,tmtrace,undefined -c x.cpp
  # DataFlowSanitizer and coverage of stores would take the %fs-relative shadow pointer for an address.
  run "$TMTRACE_CC" -fsanitize=tmtrace,dataflow -c x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -fsanitize-coverage=trace-pc-guard,trace-stores -c x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -fno-sanitize=tmtrace x.c -o x
  run "$TMTRACE_CC" -fno-sanitize=tmtrace -fsanitize=tmtrace x.o y.o -o x
  run "$TMTRACE_CC" -fsanitize=tmtrace -fno-sanitize=all x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -shared -fPIC x.c -o libx.so
  run "$TMTRACE_CC" -fsanitize=tmtrace -r x.o y.o -o xy.o
  # Precompiling a header links nothing (the runtime's -l would be a second output).
  run "$TMTRACE_CXX" -fsanitize=tmtrace -x c++-header pch.h -o pch.h.pch
  run "$TMTRACE_CC" -fsanitize=tmtrace x.h -o x.h.pch
  run "$TMTRACE_CC" -fsanitize=tmtrace -E x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -MM x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace --analyze x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace --version
  run "$TMTRACE_CC" -fsanitize=tmtrace -### x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -x c - -c -o x.o
  run "$TMTRACE_CC" -fsanitize=tmtrace -gline-tables-only -o x x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -gz -gsplit-dwarf -c x.c # no level: -gline-directives-only is added
  # Response files count as if on the command line (GNU quoting, nesting relative to the working directory).
  # One without tmtrace's options is passed on as it is; one with them is spliced in, rewritten (CMake's Ninja
  # generator puts CMAKE_C_FLAGS into one). A missing one is an input file name, as for clang; a cycle is an error.
  printf '%s\n' '-c "my x.c"' > compile.rsp
  printf '%s\n' "-fsanitize=tmtrace -O2 '-DA=a b' @compile.rsp" > tmtrace.rsp
  printf '%s\n' '@cycle.rsp' > cycle.rsp
  run "$TMTRACE_CC" -fsanitize=tmtrace @compile.rsp -o x.o
  run "$TMTRACE_CC" @tmtrace.rsp -o x.o
  run "$TMTRACE_CC" @tmtrace.rsp -fno-sanitize=tmtrace -o x.o
  run "$TMTRACE_CC" -fsanitize=tmtrace @missing.rsp -o x
  run "$TMTRACE_CC" -fsanitize=tmtrace @cycle.rsp -c x.c
  # An option's value may be the first argument of the response file after it: the file is still passed on.
  printf '%s\n' 'out.o' > out.rsp
  printf '%s\n' 'c-header' > language.rsp
  run "$TMTRACE_CC" -fsanitize=tmtrace -c -o @out.rsp x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -x @language.rsp x.h -o x.h.pch
  # A UTF-8 byte-order mark is not part of the first argument (clang drops it): this file is spliced in.
  printf '\xef\xbb\xbf%s\n' '-fsanitize=tmtrace -c x.c' > bom.rsp
  run "$TMTRACE_CC" @bom.rsp
  # A misspelt tmtrace option is the wrapper's error, not an argument clang does not know.
  run "$TMTRACE_CC" -fsanitize=tmtrace -fsanitize-tmtrace-allocator=allocators.txt -c x.c
  # The user's own -gline-directives-only (the last -g option) is kept in the output; a later -g replaces it.
  run "$TMTRACE_CC" -fsanitize=tmtrace -gline-directives-only -c x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -gline-directives-only -g -c x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -gline-directives-only \
      -fsanitize-tmtrace-allocators="$PROGRAMS/allocators.txt" -c x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -static x.c -o x
  run "$TMTRACE_CC" -fsanitize=tmtrace -fsanitize-tmtrace-allocators="$PROGRAMS/allocators.txt" -c x.c
  run "$TMTRACE_CC" -fsanitize=tmtrace -fsanitize-tmtrace-allocators=missing.txt -c x.c
  # The real clang-14 where installed; elsewhere a stand-in that answers -dumpversion as clang-14 does.
  if ! command -v clang-14 > /dev/null; then
    mkdir -p "$WORK/other-clang"
    printf '#!/bin/sh\necho 14.0.6\n' > "$WORK/other-clang/clang-14"
    chmod +x "$WORK/other-clang/clang-14"
    export PATH="$WORK/other-clang:$PATH"
  fi
  export TMTRACE_CLANG=clang-14
  run "$TMTRACE_CC" -fsanitize=tmtrace -c x.c
  export TMTRACE_CLANG=$WORK/no-such-clang
  run "$TMTRACE_CC" -fsanitize=tmtrace -c x.c
  # The default compiler, clang-19, is not asked its version (a stand-in that would answer 14 is not stopped).
  mkdir -p "$WORK/default-clang"
  sed 's/echo 19.1.7/echo 14.0.6/' "$fake" > "$WORK/default-clang/clang-19"
  chmod +x "$WORK/default-clang/clang-19"
  unset TMTRACE_CLANG
  PATH="$WORK/default-clang:$PATH" run "$TMTRACE_CC" -fsanitize=tmtrace -c x.c
  # Relocated: bin/ and lib/ copied under another prefix use that prefix's plugin, runtime and headers.
  mkdir -p "$WORK/prefix/bin" "$WORK/prefix/lib" "$WORK/prefix/include/tmtrace"
  cp "$TMTRACE_CC" "$WORK/prefix/bin/"
  cp "$TMTRACE_BUILD/lib/libtmtrace_pass.so" "$TMTRACE_BUILD/lib/libtmtrace.so" "$WORK/prefix/lib/"
  cp "$TMTRACE_BUILD/include/tmtrace/tmtrace.h" "$WORK/prefix/include/tmtrace/"
  export TMTRACE_CLANG=$fake
  run "$WORK/prefix/bin/tmtrace-clang" -fsanitize=tmtrace x.c -o x
}
cd "$WORK"
expect_output "$EXPECTED/wrapper_args.txt" cases
