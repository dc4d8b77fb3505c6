#!/usr/bin/env bash
# run.sh [build-dir] — the pass's budgets, measured with the build's tmtrace-clang++ against plain clang++-19:
#   compile time  a large generated C++ file (STL-heavy), -O0 and -O2, with and without -fsanitize=tmtrace
#                 (least CPU time of 5 interleaved rounds, TMTRACE_BENCH_ROUNDS to change; budget: <= 1.1x vs
#                 plain clang), against plain clang and against clang with the -gline-directives-only the flag
#                 adds when no -g was given (which the pass removes again once its site records are built)
#   call_heavy    call_heavy.c at -O2, with and without the flag (budget: <= 1.15x; the program never allocates)
# Prints one line per measurement and its ratio; exits 0 (these are measurements, not tests).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMTRACE_OPTIONS=${TMTRACE_OPTIONS-frames=25}

# A translation unit the size of a large real one: 40 functions over vectors, maps, strings, streams, regex.
{
  echo '#include <algorithm>'; echo '#include <map>'; echo '#include <regex>'; echo '#include <sstream>'
  echo '#include <string>'; echo '#include <unordered_map>'; echo '#include <vector>'; echo '#include <functional>'
  for i in $(seq 1 40); do
    cat <<CPP
std::string work_$i(const std::vector<int> &in, const std::string &pattern) {
  std::map<int, std::string> names;
  std::unordered_map<std::string, int> counts;
  for (int v : in) { names[v] = std::to_string(v * $i); counts[names[v]]++; }
  std::vector<std::pair<int, std::string>> sorted(names.begin(), names.end());
  std::sort(sorted.begin(), sorted.end(), [](auto &a, auto &b) { return a.second < b.second; });
  std::ostringstream out;
  std::regex re(pattern);
  for (auto &p : sorted) if (std::regex_search(p.second, re)) out << p.first << ',' << counts[p.second];
  std::function<int(int)> f = [&](int x) { return x + (int)counts.size(); };
  out << f($i);
  return out.str();
}
CPP
  done
} > "$work/large.cpp"

cpu_time() { # cpu_time <command...>: its CPU time (user + system, children included) in seconds; CPU time, not
  # wall time, so that other work on the machine disturbs the ratio less.
  local TIMEFORMAT='%U %S'
  { time "$@" > /dev/null 2>&1; } 2>&1 | awk '{print $1 + $2}'
}
least() { echo "$1 $2" | awk '{print ($1 < $2 ? $1 : $2)}'; }
ratio() { echo "$1 $2" | awk '{printf "%.3f", $2 / $1}'; }

lines=$(wc -l < "$work/large.cpp")
rounds=${TMTRACE_BENCH_ROUNDS:-5}
# Two baselines: plain clang, and clang with the debug level the flag adds when the user chose none
# (-gline-directives-only), which separates the cost of the line information from the cost of the plugin.
# Interleaved: each round compiles once with each, so that load on the machine falls on all three alike.
for level in -O0 -O2; do
  plain=999999 lines_only=999999 traced=999999
  for _ in $(seq 1 "$rounds"); do
    plain=$(least "$plain" "$(cpu_time clang++-19 "$level" -c "$work/large.cpp" -o "$work/plain.o")")
    lines_only=$(least "$lines_only" "$(cpu_time clang++-19 "$level" -gline-directives-only -c "$work/large.cpp" \
                                                 -o "$work/plain.o")")
    traced=$(least "$traced" "$(cpu_time "$build/bin/tmtrace-clang++" -fsanitize=tmtrace "$level" -c "$work/large.cpp" \
                                         -o "$work/traced.o")")
  done
  echo "compile $lines-line C++ $level: plain ${plain}s, -gline-directives-only ${lines_only}s," \
       "-fsanitize=tmtrace ${traced}s; ratio $(ratio "$plain" "$traced") vs plain (budget 1.1)," \
       "$(ratio "$lines_only" "$traced") vs -gline-directives-only"
done

clang-19 -O2 "$here/call_heavy.c" -o "$work/call_heavy_plain"
"$build/bin/tmtrace-clang" -fsanitize=tmtrace -O2 "$here/call_heavy.c" -o "$work/call_heavy_traced"
plain_out=$("$work/call_heavy_plain" 7)
traced_out=$("$work/call_heavy_traced" 7)
for workload in direct indirect; do
  p=$(echo "$plain_out" | awk -v w=$workload '$1 == w {print $2}')
  t=$(echo "$traced_out" | awk -v w=$workload '$1 == w {print $2}')
  echo "call_heavy $workload -O2: plain ${p}s, -fsanitize=tmtrace ${t}s, ratio $(ratio "$p" "$t")"
done
