#!/usr/bin/env python3
"""run.py — tmtrace against the uninstrumented run and its peers, measured side by side in one run.

Builds every workload in workloads/ three ways (plain clang-19, tmtrace-clang -fsanitize=tmtrace, clang-19
-fsanitize=leak), runs the configurations interleaved (A B C ... A B C ...) for several rounds, writes
benchmarks/results/ (results.md: median ratios with min-max; ratios.png: gnuplot; raw.json; machine.txt) and
rewrites the benchmark section of README.md. Every ratio is against the uninstrumented run of the same round.
Nothing is typed by hand: benchmarks/results/ holds this script's output of the last run.

    python3 benchmarks/peers/run.py            # full run (several minutes)
    python3 benchmarks/peers/run.py --quick    # small inputs, one round: under 2 minutes
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(os.path.dirname(HERE), "results")  # benchmarks/results/

# name: (source, argv for a full run (about 1-2 s uninstrumented), argv for --quick)
WORKLOADS = {
    "churn-1t": ("churn.c", ["local", "1", "40000000"], ["local", "1", "3000000"]),
    "churn-2t": ("churn.c", ["local", "2", "40000000"], ["local", "2", "3000000"]),
    "churn-pc": ("churn.c", ["pc", "16000000"], ["pc", "1000000"]),
    "interp": ("interp.c", ["300000"], ["20000"]),
    "stl": ("stl.cpp", ["10000"], ["800"]),
    "calls": ("calls.c", ["60000000", "32"], ["5000000", "25"]),
    "live1m": ("live1m.c", ["1000000"], ["1000000"]),
}

CONFIGS = ["base", "tmtrace-f1", "tmtrace-f25", "heaptrack", "massif", "lsan"]
# Which binary each configuration runs.
BINARY_OF = {"base": "base", "tmtrace-f1": "tmtrace", "tmtrace-f25": "tmtrace", "heaptrack": "base",
             "massif": "base", "lsan": "lsan"}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_tools(build_dir, no_build):
    """Installs the peers (Debian packages) and builds tmtrace if needed."""
    need = [p for p, exe in (("heaptrack", "heaptrack"), ("valgrind", "valgrind"), ("gnuplot-nox", "gnuplot"),
                             ("time", "/usr/bin/time")) if shutil.which(exe) is None]
    if need:
        if os.geteuid() != 0:
            sys.exit("run.py: missing %s; install them or run as root" % " ".join(need))
        sh(["apt-get", "update", "-qq"])
        sh(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + need,
           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if not no_build:
        sh(["bash", os.path.join(ROOT, "scripts", "install-deps.sh")])
        sh(["bash", os.path.join(ROOT, "scripts", "build.sh")], env=dict(os.environ, TMTRACE_BUILD_DIR=build_dir))
    wrapper = os.path.join(build_dir, "bin", "tmtrace-clang")
    if not os.access(wrapper, os.X_OK):
        sys.exit("run.py: %s not found: build tmtrace first (scripts/build.sh)" % wrapper)
    return wrapper


def compile_all(wrapper, outdir):
    """Each workload in each build; returns {(workload source, build): path}."""
    include = os.path.join(ROOT, "include")
    built = {}
    for src in sorted({w[0] for w in WORKLOADS.values()}):
        cxx = src.endswith(".cpp")
        path = os.path.join(HERE, "workloads", src)
        stem = os.path.splitext(src)[0]
        plain = "clang++-19" if cxx else "clang-19"
        compilers = {
            "base": [plain],
            "lsan": [plain, "-fsanitize=leak"],
            "tmtrace": [wrapper + ("++" if cxx else ""), "-fsanitize=tmtrace"],
        }
        for build, cc in compilers.items():
            out = os.path.join(outdir, "%s.%s" % (stem, build))
            # -gdwarf-4: valgrind 3.19 cannot read clang-19's default DWARF 5.
            sh(cc + ["-O2", "-gdwarf-4", "-pthread", "-I", include, "-o", out, path])
            built[(src, build)] = out
    return built


def run_once(config, binary, argv, tmp, timeout):
    """Runs one configuration; returns (wall seconds, peak RSS in KiB, stdout) or None on timeout."""
    env = dict(os.environ)
    env.pop("TMTRACE_OPTIONS", None)
    cmd = [binary] + argv
    if config == "tmtrace-f1":
        env["TMTRACE_OPTIONS"] = "frames=1"
    elif config == "tmtrace-f25":
        env["TMTRACE_OPTIONS"] = "frames=25"
    elif config == "heaptrack":
        cmd = ["heaptrack", "-o", os.path.join(tmp, "heaptrack.out")] + cmd
    elif config == "massif":
        cmd = ["valgrind", "--tool=massif", "--massif-out-file=" + os.path.join(tmp, "massif.out")] + cmd
    elif config == "lsan":
        env["LSAN_OPTIONS"] = "exitcode=0"
    rss_file = os.path.join(tmp, "rss")
    # GNU time reaps the child with wait4: %M is the peak RSS of the child and the descendants it waited for.
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return None
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("%s: %s exited %d" % (config, " ".join(cmd), proc.returncode))
    with open(rss_file) as f:
        rss = int(f.read().split()[-1])
    return wall, rss, out.decode()


def checksum(out):
    return [l for l in out.splitlines() if l.startswith("checksum")]


def tmtrace_line(out):
    for l in out.splitlines():
        if l.startswith("tmtrace "):
            return dict(kv.split("=") for kv in l.split()[1:])
    return None


def machine_description():
    lines = ["date: " + datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")]
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        lines.append("commit: " + commit + (" (with uncommitted changes)" if dirty else ""))
    except OSError:
        pass
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
    lines.append("cpu: %s, %d cores" % (cpu, os.cpu_count()))
    with open("/proc/meminfo") as f:
        lines.append("memory: " + f.readline().split(":", 1)[1].strip())
    lines.append("kernel: " + platform.release())
    lines.append("load average (1, 5, 15 min) when written: %.2f %.2f %.2f" % os.getloadavg())
    for tool, args in (("clang-19", ["--version"]), ("heaptrack", ["--version"]), ("valgrind", ["--version"])):
        try:
            lines.append("%s: %s" % (tool, subprocess.run([tool] + args, capture_output=True, text=True)
                                     .stdout.splitlines()[0]))
        except (OSError, IndexError):
            lines.append("%s: not found" % tool)
    return lines


def fmt_ratio(values):
    if not values:
        return "-"
    if any(v is None for v in values):
        return "timeout"
    med = statistics.median(values)
    if len(values) == 1:
        return "%.2f" % med
    return "%.2f (%.2f-%.2f)" % (med, min(values), max(values))


def measure(args, names, rounds, timeout):
    """Runs every configuration; returns the run record that report() renders (and raw.json keeps)."""
    wrapper = ensure_tools(args.build_dir, args.no_build)
    raw = {n: {c: [] for c in CONFIGS} for n in names}
    extra = {n: {} for n in names}
    with tempfile.TemporaryDirectory(prefix="tmtrace-bench-") as tmp:
        built = compile_all(wrapper, tmp)
        for r in range(rounds):
            for n in names:
                src, full, quick = WORKLOADS[n]
                argv = quick if args.quick else full
                expected = None
                for c in CONFIGS:
                    res = run_once(c, built[(src, BINARY_OF[c])], argv, tmp, timeout)
                    raw[n][c].append(None if res is None else {"wall": res[0], "rss_kib": res[1]})
                    if res is None:
                        print("round %d %-9s %-12s timeout (> %.0f s)" % (r + 1, n, c, timeout), flush=True)
                        continue
                    if expected is None:
                        expected = checksum(res[2])
                    elif checksum(res[2]) != expected:
                        raise RuntimeError("%s under %s printed %s, expected %s" % (n, c, checksum(res[2]),
                                                                                     expected))
                    t = tmtrace_line(res[2])
                    if t:
                        extra[n].setdefault(c, []).append(t)
                    print("round %d %-9s %-12s %7.3f s %8d KiB" % (r + 1, n, c, res[0], res[1]), flush=True)
    live1m_blocks = int((WORKLOADS["live1m"][2] if args.quick else WORKLOADS["live1m"][1])[0])
    return {"rounds": rounds, "quick": args.quick, "names": names, "live1m_blocks": live1m_blocks,
            "machine": machine_description(), "raw": raw, "tmtrace": extra}


def report(run):
    """results.md, raw.json, machine.txt, ratios.png and the README section, all from one run record."""
    names, raw, extra, rounds = run["names"], run["raw"], run["tmtrace"], run["rounds"]
    # Ratios per round against the same round's base run.
    table = {}
    for n in names:
        table[n] = {}
        for c in CONFIGS[1:]:
            walls, rsss = [], []
            for base, res in zip(raw[n]["base"], raw[n][c]):
                if base is None:
                    continue
                walls.append(None if res is None else res["wall"] / base["wall"])
                rsss.append(None if res is None else res["rss_kib"] / base["rss_kib"])
            table[n][c] = (walls, rsss)

    lines = ["# tmtrace against its peers", ""]
    lines += ["Measured by `python3 benchmarks/peers/run.py%s` (%d round%s, interleaved). Each cell: median ratio "
              "to the uninstrumented run of the same round (min-max over rounds); wall time, then peak RSS."
              % (" --quick" if run["quick"] else "", rounds, "" if rounds == 1 else "s"), ""]
    lines += ["```"] + run["machine"] + ["```", ""]
    lines.append("| workload | " + " | ".join(CONFIGS[1:]) + " |")
    lines.append("|---" * len(CONFIGS) + "|")
    for n in names:
        cells = ["%s / %s" % (fmt_ratio(table[n][c][0]), fmt_ratio(table[n][c][1])) for c in CONFIGS[1:]]
        lines.append("| %s | %s |" % (n, " | ".join(cells)))
    lines.append("")
    lines.append("Base wall times (s, median): " + ", ".join(
        "%s %.2f" % (n, statistics.median(x["wall"] for x in raw[n]["base"] if x)) for n in names))
    if "live1m" in names:
        lines += ["", "## 1 M live blocks", "",
                  "Extra peak RSS per live block against the uninstrumented run (bytes, median; under tmtrace "
                  "the peak includes the two snapshots of 1 M traces the workload takes):", ""]
        base_rss = statistics.median(x["rss_kib"] for x in raw["live1m"]["base"] if x)
        for c in CONFIGS[1:]:
            runs = [x["rss_kib"] for x in raw["live1m"][c] if x]
            if runs:
                lines.append("- %s: %.1f" % (c, (statistics.median(runs) - base_rss) * 1024 / run["live1m_blocks"]))
        for c, vals in extra["live1m"].items():
            for key in ("tracer_bytes_per_block", "snapshot_ms", "compare_to_ms"):
                lines.append("- %s %s: %s" % (c, key, ", ".join(v[key] for v in vals)))
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(RESULTS, "raw.json"), "w") as f:
        json.dump(run, f, indent=1)
    with open(os.path.join(RESULTS, "machine.txt"), "w") as f:
        f.write("\n".join(run["machine"]) + "\n")
    plot(names, table)
    update_readme(lines[2:])
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small inputs and one round (under 2 minutes)")
    ap.add_argument("--rounds", type=int, help="repetition rounds (default 3, 1 with --quick)")
    ap.add_argument("--timeout", type=float, help="seconds before a run counts as timeout (default 120, 8 quick)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--no-build", action="store_true", help="use the existing build of tmtrace")
    ap.add_argument("--only", help="comma-separated workloads to run")
    ap.add_argument("--report-only", metavar="RAW_JSON",
                    help="measure nothing: render the results and the README section again from a run's raw.json")
    args = ap.parse_args()
    if args.report_only:
        try:
            with open(args.report_only) as f:
                run = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit("run.py: cannot read %s: %s" % (args.report_only, e))
        missing = [k for k in ("rounds", "quick", "names", "live1m_blocks", "machine", "raw", "tmtrace")
                   if not isinstance(run, dict) or k not in run]
        if missing:
            sys.exit("run.py: %s is not a run record (no %s)" % (args.report_only, ", ".join(missing)))
        report(run)
        return
    rounds = args.rounds or (1 if args.quick else 3)
    timeout = args.timeout or (8.0 if args.quick else 120.0)
    names = args.only.split(",") if args.only else list(WORKLOADS)
    for n in names:
        if n not in WORKLOADS:
            sys.exit("run.py: unknown workload %r (known: %s)" % (n, ", ".join(WORKLOADS)))
    report(measure(args, names, rounds, timeout))


def update_readme(lines):
    """Replaces the README's benchmark section (between its markers) with this run's table and chart."""
    readme = os.path.join(ROOT, "README.md")
    begin, end = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
    with open(readme) as f:
        text = f.read()
    if begin not in text or end not in text:
        print("run.py: README.md has no benchmark markers; not updated", file=sys.stderr)
        return
    body = "\n".join(l.replace("## 1 M live blocks", "#### 1 M live blocks") for l in lines)
    body += "\n![wall-time ratios](benchmarks/results/ratios.png)\n"
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(readme, "w") as f:
        f.write(head + begin + "\n" + body + end + tail)


def plot(names, table):
    """A clustered bar chart of median wall-time ratios, log scale."""
    data = os.path.join(RESULTS, "ratios.dat")
    with open(data, "w") as f:
        f.write("workload " + " ".join(CONFIGS[1:]) + "\n")
        for n in names:
            vals = []
            for c in CONFIGS[1:]:
                w = table[n][c][0]
                vals.append("NaN" if not w or any(v is None for v in w) else "%.4f" % statistics.median(w))
            f.write(n + " " + " ".join(vals) + "\n")
    script = """
set terminal pngcairo size 1100,520 font ",10"
set output '%s'
set title 'Wall time relative to the uninstrumented run (median; log scale; lower is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [0.5:*]
set grid ytics
set key outside right top
set ylabel 'ratio'
plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)
""" % (os.path.join(RESULTS, "ratios.png"), len(CONFIGS), data)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.unlink(data)


if __name__ == "__main__":
    main()
