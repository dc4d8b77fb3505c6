#!/usr/bin/env python3
"""conformance.py — the model against python3's own tracemalloc, byte for byte.

Generates random raw traces (deterministic seed), writes them with queries for conformance_driver, runs it,
computes the same queries with tracemalloc.Snapshot(raw_traces, limit), and compares the two outputs exactly:
statistics for every key with cumulative on/off, compare_to both directions, filter_traces with Filter and
DomainFilter (inclusive/exclusive, lineno, all_frames, domain) and Traceback.format over real source files;
two of the snapshots are dumped and loaded back first.
Usage: conformance.py DRIVER [--seed N] [--traces N] [--rounds N]
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import tracemalloc

KEYS = ("filename", "lineno", "traceback")

# Names chosen to stress fnmatch (brackets, '-', '!', '?', '*', dots, '.pyc') and sorting (shared prefixes,
# a prefix of another name, uppercase before lowercase, non-ASCII).
NAMES = ["/src/a.c", "/src/a.cc", "/src/b.c", "/src/ab.c", "src/a.c", "/src/A.c", "/src/sub/z.h",
         "/usr/include/c++/12/bits/new_allocator.h", "lib/x.pyc", "lib/x.py", "/src/[x].c", "/src/a-b.c",
         "/src/!bang.c", "/src/q?.c", "/src/star*.c", "/src/caf\u00e9.c", "/src/\u65e5\u672c.c", "<unknown>",
         "/src/a.c.orig", "", "-", "]", "/src/x]y.c", "/src/^caret.c"]

PATTERNS = ["*", "", "*.c", "/src/*", "src/*", "*a*", "*[ab].c", "*[!a-c]*", "[b-a]*", "*[b-a]*", "*[]]*",
            "*[!]]*", "*[a-]*", "*[-a]*", "?*/?.h", "*.py", "*.pyc", "lib/x.py", "*[z-a-c]*", "*[!b-a]*", "*[",
            "/src/[[]x].c", "*[a-c-e]*", "*[^]*", "*[\\]*", "*[!]*", "/src/?.c", "*\u00e9*", "*[\u00e0-\u00ff]*",
            "*/*/*", "**.c", "*[*]*", "*[?]*", "<*>", "*[&~|]*", "*[]-a]*", "*[!--a]*", "*[b-ac-d]*",
            "*[%-/]*"]

SIZES = [0, 1, 7, 8, 16, 24, 64, 100, 1000, 1023, 1024, 10239, 10240, 10241, 102400, 999999, 10 ** 6,
         10 ** 8, 2 ** 31, 2 ** 40, 7 * 2 ** 42, 10 ** 15]


def make_sources(tmp, rng):
    """Real files for Traceback.format: indented lines, blank lines, CRLF, a BOM, invalid UTF-8."""
    files = []
    for i in range(4):
        lines = []
        for n in range(1, 30):
            kind = rng.randrange(6)
            if kind == 0:
                lines.append("")
            elif kind == 1:
                lines.append("   \t  ")
            else:
                lines.append(" " * rng.randrange(8) + "stmt_%d_%d(x);" % (i, n) + " " * rng.randrange(3))
        path = os.path.join(tmp, "src%d.c" % i)
        data = "\n".join(lines)
        if i == 1:
            data = data.replace("\n", "\r\n")
        if i == 2:
            data = "\ufeff" + data
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(data)
        files.append(path)
    bad = os.path.join(tmp, "latin1.c")
    with open(bad, "wb") as f:
        f.write(b"int caf\xe9;\nint x;\n")
    files.append(bad)
    files.append(os.path.join(tmp, "missing.c"))
    return files


def random_traceback(rng, names, limit):
    nframe = rng.randint(1, limit)
    frames = []
    for _ in range(nframe):
        if frames and rng.random() < 0.15:
            frames.append(rng.choice(frames))  # recursion: a repeated frame
        else:
            frames.append((rng.choice(names), rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 29, 40])))
    total = nframe if rng.random() < 0.7 else nframe + rng.randrange(1, 5)
    return tuple(frames), total


def random_snapshot(rng, names, ntraces, pool):
    limit = rng.choice([1, 3, 5])
    traces = []
    for _ in range(ntraces):
        frames, total = rng.choice(pool)
        frames = frames[:limit]
        traces.append((rng.choice([0, 0, 0, 1, 7]), rng.choice(SIZES), frames, max(total, len(frames))))
    return limit, traces


def random_filter(rng):
    """A filter and the pattern it was given (Filter.filename_pattern is already normalized)."""
    if rng.random() < 0.2:
        return tracemalloc.DomainFilter(rng.random() < 0.5, rng.choice([0, 1, 7, 9])), None
    pattern = rng.choice(PATTERNS)
    return tracemalloc.Filter(rng.random() < 0.5, pattern, lineno=rng.choice([None, None, 0, 1, 5, 13]),
                              all_frames=rng.random() < 0.5, domain=rng.choice([None, None, 0, 1, 7])), pattern


def filter_line(f, pattern):
    if pattern is None:
        return "D\t%d\t%d\n" % (f.inclusive, f.domain)
    return "F\t%d\t%s\t%d\t%d\t%d\n" % (f.inclusive, pattern, -1 if f.lineno is None else f.lineno,
                                        f.all_frames, -1 if f.domain is None else f.domain)


def run_round(driver, rng, ntraces, tmp):
    sources = make_sources(tmp, rng)
    names = NAMES + sources
    pool = [random_traceback(rng, names, 5) for _ in range(max(8, ntraces // 20))]
    snaps = [random_snapshot(rng, names, rng.randint(ntraces // 2, ntraces), pool) for _ in range(3)]
    snaps.append((1, []))  # an empty snapshot
    # fnmatch stress: names and patterns over an alphabet of glob metacharacters, one trace per name.
    glob_names = sorted({"".join(rng.choice("ab-]![*?/.") for _ in range(rng.randint(0, 6))) for _ in range(300)})
    snaps.append((1, [(0, 8, ((name, 1),), 1) for name in glob_names]))
    py = [tracemalloc.Snapshot(traces, limit) for limit, traces in snaps]

    lines, expected = [], []
    for limit, traces in snaps:
        lines.append("snapshot\t%d\n" % limit)
        for domain, size, frames, total in traces:
            lines.append("trace\t%d\t%d\t%d\t%s\n" % (domain, size, total,
                                                   "\t".join("%s\t%d" % fr for fr in frames)))

    def query(line, result):
        lines.append(line)
        expected.append("# " + line)
        expected.extend(str(s) + "\n" for s in result)

    # Snapshots 1 and 2 go through dump() and load() first: what loads back must answer identically.
    for i in (1, 2):
        line = "reload\t%d\t%s\n" % (i, os.path.join(tmp, "reload%d.tmsnap" % i))
        lines.append(line)
        expected.append("# " + line)
    for i in range(len(py)):
        for key in KEYS:
            for cumulative in (0, 1):
                if key == "traceback" and cumulative:
                    continue
                query("stats\t%d\t%s\t%d\n" % (i, key, cumulative), py[i].statistics(key, bool(cumulative)))
    for new, old in [(0, 1), (1, 0), (2, 0), (0, 3), (3, 2), (1, 1)]:
        for key in KEYS:
            for cumulative in (0, 1):
                if key == "traceback" and cumulative:
                    continue
                query("compare\t%d\t%d\t%s\t%d\n" % (new, old, key, cumulative),
                      py[new].compare_to(py[old], key, bool(cumulative)))
    for _ in range(60):
        i = rng.randrange(3)
        given = [random_filter(rng) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
        filters = [f for f, _ in given]
        key = rng.choice(KEYS)
        cumulative = 0 if key == "traceback" else rng.randrange(2)
        line = "filter\t%d\t%s\t%d\t%d\n" % (i, key, cumulative, len(filters))
        lines.append(line)
        expected.append("# " + line)
        for f, pattern in given:
            fl = filter_line(f, pattern)
            lines.append(fl)
            expected.append("# " + fl)
        stats = py[i].filter_traces(filters).statistics(key, bool(cumulative))
        expected.extend(str(s) + "\n" for s in stats)
    glob = len(py) - 1
    for _ in range(250):
        pattern = "".join(rng.choice("ab-]![*?/.") for _ in range(rng.randint(0, 7)))
        f = tracemalloc.Filter(True, pattern)
        line = "filter\t%d\tfilename\t0\t1\n" % glob
        fl = filter_line(f, pattern)
        lines.extend([line, fl])
        expected.extend(["# " + line, "# " + fl])
        expected.extend(str(s) + "\n" for s in py[glob].filter_traces([f]).statistics("filename"))
    for i in range(3):
        stats = py[i].statistics("traceback")
        for index in range(min(len(stats), 15)):
            limit = rng.choice([0, 0, 1, 2, -1, -2, 10])
            mrf = rng.randrange(2)
            line = "format\t%d\t%d\t%d\t%d\n" % (i, index, limit, mrf)
            lines.append(line)
            expected.append("# " + line)
            expected.extend(l + "\n" for l in stats[index].traceback.format(limit or None, bool(mrf)))

    path = os.path.join(tmp, "input.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    proc = subprocess.run([driver, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.exit("driver failed (%d): %s" % (proc.returncode, proc.stderr.decode(errors="replace")))
    got = proc.stdout.decode("utf-8", errors="replace").splitlines(keepends=True)
    want = "".join(expected).splitlines(keepends=True)
    for n, (g, w) in enumerate(zip(got, want)):
        if g != w:
            context = "".join(want[max(0, n - 5):n])
            sys.exit("mismatch at output line %d\ncontext:\n%sexpected: %r\ngot:      %r" % (n + 1, context, w, g))
    if len(got) != len(want):
        sys.exit("output has %d lines, tracemalloc's %d" % (len(got), len(want)))
    return len(want)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("driver")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--traces", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    total = 0
    for r in range(args.rounds):
        rng = random.Random(args.seed * 1000 + r)
        with tempfile.TemporaryDirectory() as tmp:
            total += run_round(args.driver, rng, args.traces, tmp)
    print("conformance: %d rounds, %d output lines identical to tracemalloc" % (args.rounds, total))


if __name__ == "__main__":
    main()
