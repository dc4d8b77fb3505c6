"""fixtures.py — the snapshots both HTML report tests open, built by build_snapshots (the model's builder), and
the reports tmtrace-diff writes from them. Frames point into a real source file (leak.c below) so that source
lines show up exactly as Traceback.format prints them."""
import os
import subprocess

LEAK_C = """#include <stdlib.h>
#include "pool.h"

static void *grow(size_t n)
{
    return malloc(n);
}

void parse(void)
{
    grow(240);
}

int main(void)
{
    parse();
    grow(100);
    return 0;
}
"""


class Fixtures:
    """Writes everything into directory `tmp`; paths are attributes."""

    def __init__(self, tmp, diff, builder):
        self.tmp, self.diff, self.builder = tmp, diff, builder
        self.src = os.path.join(tmp, "leak.c")
        with open(self.src, "w") as f:
            f.write(LEAK_C)
        s = self.src
        self.grow_parse = [(s, 6, 12, "grow"), (s, 11, 5, "parse"), (s, 16, 5, "main")]  # most recent first
        self.grow_main = [(s, 6, 12, "grow"), (s, 17, 5, "main")]
        self.pool = [("/src/pool.c", 7, 0, "pool_alloc")]
        self.one = self.path("one.tmsnap")
        self.old = self.path("old.tmsnap")
        self.new = self.path("new.tmsnap")
        self.tests_dir = self.path("tests")
        os.mkdir(self.tests_dir)
        self.odd = self.path("odd.tmsnap")
        self.big = self.path("big.tmsnap")
        spec = []
        self.snapshot(spec, self.one, 5, 2000, 8192, [(0, 240, self.grow_parse), (0, 240, self.grow_parse),
                                                      (0, 100, self.grow_main), (2, 4096, self.pool)],
                      domains={2: "pool"})
        self.snapshot(spec, self.old, 5, 0, 0, [(0, 240, self.grow_parse), (0, 100, self.grow_main),
                                                (0, 100, self.grow_main), (0, 50, [("/src/b.c", 3, 0, "b")])])
        self.snapshot(spec, self.new, 5, 0, 0, [(0, 240, self.grow_parse)] * 3 + [
            (0, 100, self.grow_main), (0, 50, [("/src/b.c", 3, 0, "b")]),
            (0, 64, [("/usr/include/x.h", 5, 0, "push"), ("/src/b.c", 9, 0, "b")])])
        before = [(2, 4096, self.pool)]
        self.snapshot(spec, self.test_file("Suite.Leaks", "before"), 5, 5000, 6000, before)
        self.snapshot(spec, self.test_file("Suite.Leaks", "after"), 5, 5340, 9000,
                      before + [(0, 240, self.grow_parse), (0, 100, self.grow_main)])
        self.snapshot(spec, self.test_file("Suite.Clean", "before"), 5, 4096, 0, before)
        self.snapshot(spec, self.test_file("Suite.Clean", "after"), 5, 4096, 0, before)
        # Names that need escaping in HTML and JSON, and a file name that is not UTF-8.
        self.snapshot(spec, self.odd, 3, 0, 0, [
            (0, 10, [("/src/<script>&\"x\".c", 1, 0, "operator<")]),
            (0, 20, [(b"/src/caf\xe9.c".decode("utf-8", "surrogateescape"), 2, 0, "f")])])
        spec.append("snapshot\t%s\t6\t0\t0\nmany\t100000\t6\n" % self.big)
        path = self.path("spec.txt")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.writelines(spec)
        subprocess.run([builder, path], check=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_file(self, test, phase):
        return os.path.join(self.tests_dir, "%s.%s.tmsnap" % (test, phase))

    @staticmethod
    def snapshot(spec, path, limit, current, peak, traces, domains=None):
        spec.append("snapshot\t%s\t%d\t%d\t%d\n" % (path, limit, current, peak))
        for domain, name in (domains or {}).items():
            spec.append("domain\t%d\t%s\n" % (domain, name))
        for domain, size, frames in traces:
            spec.append("trace\t%d\t%d\t%d\t%s\n" % (domain, size, len(frames), "\t".join(
                "%s\t%d\t%d\t%s" % f for f in frames)))

    def run(self, *args):
        p = subprocess.run([self.diff, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode()

    def report(self, name, *args):
        """Writes an HTML report with -o and returns its path (checking a silent, successful run)."""
        out = self.path(name)
        result = self.run("--format", "html", "-o", out, *args)
        if result != (0, "", ""):
            raise AssertionError("tmtrace-diff %s: %r" % (" ".join(args), result))
        return out
