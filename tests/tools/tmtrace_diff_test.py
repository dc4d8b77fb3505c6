#!/usr/bin/env python3
"""tmtrace_diff_test.py — end-to-end tests of tmtrace-diff: snapshots are built and dumped by the model (through
tmtrace_conformance_driver), then tmtrace-diff's exact stdout, stderr and exit status are checked.
Usage: tmtrace_diff_test.py TMTRACE_DIFF DRIVER"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

DIFF = DRIVER = None


def build(tmp, spec):
    """spec: {path: [(domain, size, [(file, line), ...most recent first]), ...]}; dumps each as a snapshot."""
    lines = []
    for index, (path, traces) in enumerate(spec.items()):
        lines.append("snapshot\t3\n")
        for domain, size, frames in traces:
            lines.append("trace\t%d\t%d\t%d\t%s\n" % (domain, size, len(frames),
                                                   "\t".join("%s\t%d" % f for f in frames)))
    for index, path in enumerate(spec):
        lines.append("dump\t%d\t%s\n" % (index, os.path.join(tmp, path)))
    script = os.path.join(tmp, "build.txt")
    with open(script, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.writelines(lines)
    subprocess.run([DRIVER, script], check=True, stdout=subprocess.DEVNULL)


def run(*args, cwd=None, stdin=None):
    p = subprocess.run([DIFF, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, input=stdin)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


OLD = [(0, 100, [("/src/a.c", 10)]), (0, 100, [("/src/a.c", 10)]), (0, 50, [("/src/b.c", 3)]),
       (2, 4096, [("/src/pool.c", 7)])]
NEW = [(0, 100, [("/src/a.c", 10)]), (0, 80, [("/src/parser.c", 88)]), (0, 80, [("/src/parser.c", 88)]),
       (0, 80, [("/src/parser.c", 88)]), (0, 50, [("/src/b.c", 3)]), (0, 64, [("/usr/include/x.h", 5), ("/src/b.c", 9)]),
       (2, 4096, [("/src/pool.c", 7)])]


class TmtraceDiff(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.TemporaryDirectory()
        self.tmp = self.tmpdir.name
        self.src = os.path.join(self.tmp, "leak.c")
        with open(self.src, "w") as f:
            f.write("#include <stdlib.h>\nvoid leak(void) {\n    (void)malloc(24);\n}\n")
        build(self.tmp, {"old.tmsnap": OLD, "new.tmsnap": NEW,
                         "tb.tmsnap": [(0, 24, [(self.src, 3), (self.src, 2)]), (0, 8, [("/gone.c", 1)])]})
        self.old = os.path.join(self.tmp, "old.tmsnap")
        self.new = os.path.join(self.tmp, "new.tmsnap")

    def tearDown(self):
        self.tmpdir.cleanup()

    def test_compare_prints_the_leaking_line_first(self):
        self.assertEqual(run(self.old, self.new), (0, (
            "[ Top 10 differences ]\n"
            "/src/parser.c:88: size=240 B (+240 B), count=3 (+3), average=80 B\n"
            "/src/a.c:10: size=100 B (-100 B), count=1 (-1), average=100 B\n"
            "/usr/include/x.h:5: size=64 B (+64 B), count=1 (+1), average=64 B\n"
            "/src/pool.c:7: size=4096 B (+0 B), count=1 (+0), average=4096 B\n"
            "/src/b.c:3: size=50 B (+0 B), count=1 (+0), average=50 B\n"), ""))

    def test_single_snapshot_statistics_and_limit(self):
        self.assertEqual(run("--limit", "2", self.new), (0, (
            "[ Top 2 ]\n"
            "/src/pool.c:7: size=4096 B, count=1, average=4096 B\n"
            "/src/parser.c:88: size=240 B, count=3, average=80 B\n"), ""))

    def test_filename_cumulative(self):
        self.assertEqual(run("--key=filename", "--cumulative", self.old, self.new), (0, (
            "[ Top 10 differences ]\n"
            "/src/parser.c:0: size=240 B (+240 B), count=3 (+3), average=80 B\n"
            "/src/a.c:0: size=100 B (-100 B), count=1 (-1), average=100 B\n"
            "/src/b.c:0: size=114 B (+64 B), count=2 (+1), average=57 B\n"
            "/usr/include/x.h:0: size=64 B (+64 B), count=1 (+1), average=64 B\n"
            "/src/pool.c:0: size=4096 B (+0 B), count=1 (+0), average=4096 B\n"), ""))

    def test_traceback_key_prints_each_traceback_with_source(self):
        tb = os.path.join(self.tmp, "tb.tmsnap")
        self.assertEqual(run("--key", "traceback", tb), (0, (
            "[ Top 10 ]\n"
            "%s:2: size=24 B, count=1, average=24 B\n"
            '  File "%s", line 2\n'
            "    void leak(void) {\n"
            '  File "%s", line 3\n'
            "    (void)malloc(24);\n"
            "/gone.c:1: size=8 B, count=1, average=8 B\n"
            '  File "/gone.c", line 1\n') % (self.src, self.src, self.src), ""))

    def test_include_exclude_domain(self):
        self.assertEqual(run("--include", "/src/*", "--exclude", "*/parser.c", "--domain", "0", self.old, self.new),
                         (0, "[ Top 10 differences ]\n"
                             "/src/a.c:10: size=100 B (-100 B), count=1 (-1), average=100 B\n"
                             "/src/b.c:3: size=50 B (+0 B), count=1 (+0), average=50 B\n", ""))

    def test_json(self):
        self.assertEqual(run("--format", "json", "--limit", "1", self.old, self.new), (0, (
            '{"mode": "compare", "key": "lineno", "cumulative": false, "total_size_diff": 204, '
            '"total_count_diff": 3, "entries": [\n'
            '  {"size": 240, "size_diff": 240, "count": 3, "count_diff": 3, "traceback": '
            '[{"filename": "/src/parser.c", "lineno": 88, "column": 0, "function": ""}]}\n]}\n'), ""))

    def test_json_escapes_and_repairs_filenames(self):
        build(self.tmp, {"odd.tmsnap": [(0, 8, [('/src/"q\\caf\u00e9\udcff.c', 1)])]})
        code, out, err = run("--format", "json", os.path.join(self.tmp, "odd.tmsnap"))
        self.assertEqual((code, err), (0, ""))
        self.assertIn('"filename": "/src/\\"q\\\\caf\u00e9\\ufffd.c"', out)
        self.assertEqual(json.loads(out)["entries"][0]["traceback"][0]["filename"], '/src/"q\\caf\u00e9\ufffd.c')

    def test_fail_over(self):
        self.assertEqual(run("--fail-over", "204", self.old, self.new)[0], 0)
        code, out, err = run("--fail-over", "203", self.old, self.new)
        self.assertEqual((code, err), (1, "tmtrace-diff: total size difference 204 B (+204 B) exceeds --fail-over 203\n"))
        self.assertTrue(out.startswith("[ Top 10 differences ]\n"))

    def test_bad_arguments_exit_2(self):
        hint = "Try 'tmtrace-diff --help'.\n"
        cases = [
            (["--bogus", self.old], "tmtrace-diff: unknown option '--bogus'\n" + hint),
            (["--key", "line", self.old], "tmtrace-diff: bad --key 'line' (expected lineno, filename or traceback)\n" + hint),
            (["--limit", "-1", self.old], "tmtrace-diff: bad --limit '-1' (expected a number >= 0)\n" + hint),
            (["--format", "xml", self.old], "tmtrace-diff: bad --format 'xml' (expected text, json or html)\n" + hint),
            (["--fail-over", "1k", self.old], "tmtrace-diff: bad --fail-over '1k' (expected a number of bytes)\n" + hint),
            (["--domain", "x", self.old], "tmtrace-diff: bad --domain 'x' (expected a domain number)\n" + hint),
            (["--include"], "tmtrace-diff: --include needs a PATTERN\n" + hint),
            ([], "tmtrace-diff: missing snapshot operand\n" + hint),
            (["--key", "traceback", "--cumulative", self.old],
             "tmtrace-diff: --cumulative cannot be used with --key traceback\n" + hint),
            ([self.old, self.new, self.old], "tmtrace-diff: too many snapshots (3); give one or two\n" + hint),
            ([self.tmp, self.old], "tmtrace-diff: give either snapshot files or test directories, not both\n" + hint),
            ([os.path.join(self.tmp, "missing")],
             "tmtrace-diff: cannot load snapshot '%s/missing': No such file or directory\n" % self.tmp),
            ([self.src], "tmtrace-diff: cannot load snapshot '%s': not a tmtrace snapshot (bad magic)\n" % self.src),
        ]
        for args, err in cases:
            self.assertEqual(run(*args), (2, "", err), args)

    def test_snapshot_from_a_pipe(self):
        with open(self.old, "rb") as f:
            data = f.read()
        self.assertEqual(run("--limit", "1", "/dev/stdin", stdin=data),
                         (0, "[ Top 1 ]\n/src/pool.c:7: size=4096 B, count=1, average=4096 B\n", ""))
        # A stream is read only until it holds more than the header declares; how much more depends on how the
        # pipe delivers it, so the count in the message is not fixed.
        code, out, err = run("/dev/stdin", stdin=data + b"\0" * 1000000)
        self.assertEqual((code, out), (2, ""))
        self.assertRegex(err, r"^tmtrace-diff: cannot load snapshot '/dev/stdin': corrupt: [1-9][0-9]* unexpected "
                              r"bytes after the snapshot\n$")

    def test_corrupt_snapshot_exit_2(self):
        with open(self.new, "rb") as f:
            data = bytearray(f.read())
        data[40] ^= 1
        with open(self.new, "wb") as f:
            f.write(data)
        self.assertEqual(run(self.old, self.new),
                         (2, "", "tmtrace-diff: cannot load snapshot '%s': corrupt: checksum mismatch\n" % self.new))

    def test_help_and_version(self):
        code, out, err = run("--help")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("usage: tmtrace-diff [OPTIONS] SNAPSHOT"))
        self.assertEqual(run("--version"), (0, "tmtrace-diff 0.1.0\n", ""))

    def test_directories_of_sharded_runs(self):
        shard1, shard2 = os.path.join(self.tmp, "shard1"), os.path.join(self.tmp, "shard2")
        os.mkdir(shard1)
        os.mkdir(shard2)
        base = [(0, 72704, [("/usr/lib/libstdc++.so", 0)])]
        build(self.tmp, {
            "shard1/Parser.Leaks.before.tmsnap": base,
            "shard1/Parser.Leaks.after.tmsnap": base + [(0, 240, [("/src/parser.c", 88)])] * 3,
            "shard1/Parser.Clean.before.tmsnap": base,
            "shard1/Parser.Clean.after.tmsnap": base,
            "shard2/Lexer.Small.before.tmsnap": base,
            "shard2/Lexer.Small.after.tmsnap": base + [(0, 16, [("/src/lexer.c", 12)])],
            "shard2/Lexer.Frees.before.tmsnap": base + [(0, 32, [("/src/lexer.c", 40)])],
            "shard2/Lexer.Frees.after.tmsnap": base,
            "shard2/Inst%2FParam.Case%2F0.before.tmsnap": base,
            "shard2/Inst%2FParam.Case%2F0.after.tmsnap": base + [(0, 16, [("/src/param.c", 1)])],
        })
        self.assertEqual(run(shard1, shard2), (0, (
            "[ 5 tests by leaked bytes ]\n"
            "Parser.Leaks: size_diff=+720 B, count_diff=+3\n"
            "    /src/parser.c:88: size=720 B (+720 B), count=3 (+3), average=240 B\n"
            "Inst/Param.Case/0: size_diff=+16 B, count_diff=+1\n"
            "    /src/param.c:1: size=16 B (+16 B), count=1 (+1), average=16 B\n"
            "Lexer.Small: size_diff=+16 B, count_diff=+1\n"
            "    /src/lexer.c:12: size=16 B (+16 B), count=1 (+1), average=16 B\n"
            "Parser.Clean: size_diff=+0 B, count_diff=+0\n"
            "Lexer.Frees: size_diff=-32 B, count_diff=-1\n"
            "    /src/lexer.c:40: size=0 B (-32 B), count=0 (-1)\n"), ""))
        self.assertEqual(run("--fail-over", "703", "--limit", "1", shard1, shard2)[0:2],
                         (1, "[ 5 tests by leaked bytes ]\n"
                             "Parser.Leaks: size_diff=+720 B, count_diff=+3\n"
                             "    /src/parser.c:88: size=720 B (+720 B), count=3 (+3), average=240 B\n"))
        os.remove(os.path.join(shard2, "Lexer.Small.after.tmsnap"))
        self.assertEqual(run(shard1, shard2), (2, "", "tmtrace-diff: '%s/Lexer.Small.before.tmsnap' has no matching "
                                                      "'Lexer.Small.after.tmsnap'\n" % shard2))


if __name__ == "__main__":
    DIFF, DRIVER = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]], verbosity=1)
