#!/usr/bin/env python3
"""html_report_test.py — tmtrace-diff --format html without a browser: the page is well-formed, self-contained
(no http(s):// reference, nothing loaded from elsewhere), its tables hold exactly the text output's numbers for
every key, its flame-graph tree is exactly the one expected for known snapshots, names are escaped, and a
failed run leaves no file. Usage: html_report_test.py TMTRACE_DIFF BUILD_SNAPSHOTS"""
import html.parser
import json
import os
import sys
import tempfile
import unittest

from fixtures import Fixtures

DIFF = BUILDER = None
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(html.parser.HTMLParser):
    """Parses a report strictly enough to catch broken markup, collecting what the tests compare."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.hrefs, self.srcs = [], [], [], []
        self.scripts = []  # (attrs, text)
        self.tables = {}   # (section id, key) -> rows: {cell class: text}
        self.test_rows = []
        self.section = self.key = None
        self.row = self.cell = None
        self.in_test_table = self.in_where = False
        self.feed(text)
        self.close()
        if self.stack:
            raise AssertionError("unclosed elements: %r" % self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a or tag == "link":
            self.srcs.append((tag, a))
        cls = a.get("class", "")
        if tag == "section":
            self.section = a.get("id")
            self.in_test_table = "tests" in cls.split()
        elif tag == "div" and cls == "stats":
            self.key = a["data-key"]
            self.tables[(self.section, self.key)] = []
        elif tag == "tr" and (self.key or self.in_test_table) and self.stack.count("tbody"):
            self.row = {}
        elif tag == "td" and self.row is not None:
            self.cell = cls
            self.row[cls] = ""
        elif tag == "script":
            self.scripts.append([a, ""])
        elif tag == "pre" and self.cell == "loc":
            self.row["pre"] = ""
            self.cell = "pre"
        elif tag == "span" and cls == "where":
            self.in_where = True
        elif tag == "a" and self.cell == "test":
            self.row["href"] = a["href"]

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            raise AssertionError("</%s> closes %r" % (tag, self.stack[-1:]))
        self.stack.pop()
        if tag == "span":
            self.in_where = False
        if tag == "pre" and self.cell == "pre":
            self.cell = "loc"
        elif tag == "td":
            self.cell = None
        elif tag == "tr" and self.row is not None:
            (self.tables[(self.section, self.key)] if self.key else self.test_rows).append(self.row)
            self.row = None
        elif tag == "div" and self.key and "div" not in self.stack[self.stack.index("section") + 1:]:
            self.key = None
        elif tag == "section":
            self.section = self.key = None
            self.in_test_table = False

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts[-1][1] += data
        elif self.in_where:
            self.row["where"] = self.row.get("where", "") + data
        elif self.cell and self.row is not None:
            self.row[self.cell] += data

    def json(self, cls=None, id=None):
        found = [json.loads(text) for a, text in self.scripts if a.get("type") == "application/json" and
                 (a.get("class") == cls if cls else a.get("id") == id)]
        return found


def statistic_line(row):
    """str(Statistic) / str(StatisticDiff) rebuilt from a table row's cells."""
    size = row["size"] + (" (%s)" % row["size-diff"] if "size-diff" in row else "")
    count = row["count"] + (" (%s)" % row["count-diff"] if "count-diff" in row else "")
    text = "%s: size=%s, count=%s" % (row["where"], size, count)
    return text + (", average=" + row["average"] if row["average"] else "") + "\n"


def table_as_text(rows, key):
    return "".join(statistic_line(r) + (r["pre"] if key == "traceback" else "") for r in rows)


def flame_rows(page, index=0):
    """The flame tree as (depth, location, size, count[, grow, shrink, count_diff]) in preorder."""
    frames = page.json(id="tmtrace-frames")[0]
    tree = page.json(cls="flame-data")[index]
    rows = []
    for i in range(tree["nodes"]):
        f = tree["frame"][i]
        where = "all" if f < 0 else "%s:%d" % (frames["strings"][frames["frames"][5 * f]], frames["frames"][5 * f + 1])
        row = (tree["depth"][i], where, tree["size"][i], tree["count"][i])
        if tree["kind"] == "compare":
            row += (tree["grow"][i], tree["shrink"][i], tree["count_diff"][i])
        rows.append(row)
    return rows


class HtmlReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory()
        cls.fx = Fixtures(cls.tmpdir.name, DIFF, BUILDER)

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    def assertIn(self, member, container, msg=None):
        """Pages are long: on failure, show what was looked for, not the whole page."""
        if member not in container:
            self.fail(msg or "not in the page: %r" % (member,))

    def load(self, path):
        with open(path, "rb") as f:
            data = f.read()
        text = data.decode("utf-8")  # the page is UTF-8 throughout
        self.assertTrue(text.startswith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
        self.assertNotIn("http://", text)
        self.assertNotIn("https://", text)
        page = Page(text)
        self.assertEqual(page.srcs, [], "nothing may be loaded from elsewhere")
        self.assertEqual(len(page.ids), len(set(page.ids)), "ids are unique")
        for href in page.hrefs:
            self.assertTrue(href.startswith("#") and href[1:] in page.ids, href)
        return text, page

    def assert_tables_match_text(self, page, section, args, keys=("lineno", "filename", "traceback")):
        for key in keys:
            extra = ["--cumulative"] if "--cumulative" in args and key == "traceback" else []
            text_args = [a for a in args if a not in extra]
            code, out, err = self.fx.run("--key", key, *text_args)
            self.assertEqual((code, err), (0, ""), key)
            header, entries = out.split("\n", 1)
            self.assertEqual(table_as_text(page.tables[(section, key)], key), entries, key)

    def test_single_snapshot(self):
        fx = self.fx
        text, page = self.load(fx.report("one.html", fx.one))
        s = fx.src
        self.assertEqual(flame_rows(page), [
            (0, "all", 4676, 4), (1, "/src/pool.c:7", 4096, 1), (1, s + ":16", 480, 2), (2, s + ":11", 480, 2),
            (3, s + ":6", 480, 2), (1, s + ":17", 100, 1), (2, s + ":6", 100, 1)])
        self.assert_tables_match_text(page, "snapshot", ["--limit", "0", fx.one])
        lineno = page.tables[("snapshot", "lineno")]
        self.assertEqual([(r["where"], r["size"], r["count"], r["average"]) for r in lineno],
                         [("/src/pool.c:7", "4096 B", "1", "4096 B"), (s + ":6", "580 B", "3", "193 B")])
        self.assertIn('<div class="src"><span class="fn">grow</span> <code>return malloc(n);</code></div>', text)
        self.assertIn("<tr><th>Total</th><td class=\"total\"><span class=\"num\">4676 B</span>, count "
                      "<span class=\"num\">4</span></td></tr>", text)
        self.assertIn("<tr><th>Memory</th><td>peak <span class=\"num\">8192 B</span>, traced when taken "
                      "<span class=\"num\">2000 B</span></td></tr>", text)
        self.assertIn("<tr><th>Traceback limit</th><td>5 frames</td></tr>", text)
        self.assertIn("<li>0 &ldquo;C heap&rdquo;: <span class=\"num\">580 B</span>, count <span class=\"num\">3"
                      "</span></li><li>2 &ldquo;pool&rdquo;: <span class=\"num\">4096 B</span>, count "
                      "<span class=\"num\">1</span></li>", text)
        frames = page.json(id="tmtrace-frames")[0]
        self.assertIn("return malloc(n);", frames["strings"])
        self.assertIn("parse();", frames["strings"])

    def test_compare(self):
        fx = self.fx
        text, page = self.load(fx.report("compare.html", fx.old, fx.new))
        s = fx.src
        # b.c:3 did not change: it has no width and no node; the root still counts it.
        self.assertEqual(flame_rows(page), [
            (0, "all", 934, 6, 544, 100, 2),
            (1, s + ":16", 720, 3, 480, 0, 2), (2, s + ":11", 720, 3, 480, 0, 2), (3, s + ":6", 720, 3, 480, 0, 2),
            (1, s + ":17", 100, 1, 0, 100, -1), (2, s + ":6", 100, 1, 0, 100, -1),
            (1, "/src/b.c:9", 64, 1, 64, 0, 1), (2, "/usr/include/x.h:5", 64, 1, 64, 0, 1)])
        self.assert_tables_match_text(page, "compare", ["--limit", "0", fx.old, fx.new])
        self.assertIn("<tr><th>Total</th><td class=\"total\"><span class=\"num\">934 B</span> (+444 B), count "
                      "<span class=\"num\">6</span> (+2)</td></tr>", text)
        self.assertIn("<tr><th>Before</th><td><span class=\"num\">490 B</span>, count <span class=\"num\">4</span>"
                      "</td></tr>", text)

    def test_cumulative_and_limit(self):
        fx = self.fx
        _, page = self.load(fx.report("cumulative.html", "--cumulative", "--limit", "2", fx.old, fx.new))
        self.assert_tables_match_text(page, "compare", ["--cumulative", "--limit", "2", fx.old, fx.new])
        self.assertEqual([len(page.tables[("compare", k)]) for k in ("lineno", "filename", "traceback")], [2, 2, 2])

    def test_default_key_is_shown_first(self):
        fx = self.fx
        text, _ = self.load(fx.report("by-traceback.html", "--key", "traceback", fx.one))
        self.assertIn('<div class="stats" data-key="lineno" hidden>', text)
        self.assertIn('<div class="stats" data-key="traceback">', text)
        self.assertIn('<button type="button" data-key="traceback" class="active">', text)

    def test_test_directory(self):
        fx = self.fx
        text, page = self.load(fx.report("tests.html", fx.tests_dir))
        code, out, err = fx.run(fx.tests_dir)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, "[ 2 tests by leaked bytes ]\n"
                              "Suite.Leaks: size_diff=+340 B, count_diff=+2\n"
                              "    %s:6: size=340 B (+340 B), count=2 (+2), average=170 B\n"
                              "Suite.Clean: size_diff=+0 B, count_diff=+0\n" % fx.src)
        self.assertEqual(page.test_rows, [
            {"rank": "1", "test": "Suite.Leaks", "href": "#test-1", "size-diff": "+340 B", "count-diff": "+2",
             "peak": "4000 B", "top": "%s:6: size=340 B (+340 B), count=2 (+2), average=170 B" % fx.src},
            {"rank": "2", "test": "Suite.Clean", "href": "#test-2", "size-diff": "+0 B", "count-diff": "+0",
             "peak": "not recorded", "top": ""}])
        self.assertIn('<section class="report" id="test-1">\n<h2>Suite.Leaks</h2>', text)
        self.assertIn('<section class="report" id="test-2">\n<h2>Suite.Clean</h2>', text)
        s = fx.src
        self.assertEqual(flame_rows(page, 0), [
            (0, "all", 4436, 3, 340, 0, 2), (1, s + ":16", 240, 1, 240, 0, 1), (2, s + ":11", 240, 1, 240, 0, 1),
            (3, s + ":6", 240, 1, 240, 0, 1), (1, s + ":17", 100, 1, 100, 0, 1), (2, s + ":6", 100, 1, 100, 0, 1)])
        self.assertEqual(flame_rows(page, 1), [(0, "all", 4096, 1, 0, 0, 0)])
        before, after = fx.test_file("Suite.Leaks", "before"), fx.test_file("Suite.Leaks", "after")
        self.assert_tables_match_text(page, "test-1", ["--limit", "0", before, after])
        _, page = self.load(fx.report("tests-limit.html", "--limit", "1", fx.tests_dir))
        self.assertEqual([r["test"] for r in page.test_rows], ["Suite.Leaks"])
        self.assertNotIn("test-2", page.ids)

    def test_names_are_escaped(self):
        fx = self.fx
        text, page = self.load(fx.report("odd.html", fx.odd))
        self.assertIn("/src/&lt;script&gt;&amp;&quot;x&quot;.c:1", text)
        self.assertNotIn("<script>&", text)
        frames = page.json(id="tmtrace-frames")[0]
        self.assertIn('/src/<script>&"x".c', frames["strings"])
        self.assertIn("operator<", frames["strings"])
        self.assertIn("/src/caf\ufffd.c", frames["strings"])  # not UTF-8: U+FFFD, as in the JSON output
        self.assertIn("\\u003cscript\\u003e\\u0026", text)

    def test_large_snapshot_stays_compact(self):
        fx = self.fx
        path = fx.report("big.html", fx.big)
        size = os.path.getsize(path)
        # 100000 distinct tracebacks, 111111 nodes: about 12 bytes a node (measured 1.28 MB).
        self.assertLess(size, 1_500_000)
        self.assertLess(size, os.path.getsize(fx.big))
        _, page = self.load(path)
        self.assertEqual(page.json(cls="flame-data")[0]["nodes"], 111112)

    def test_failures_leave_no_file(self):
        fx = self.fx
        out = fx.path("never.html")
        missing = fx.path("missing.tmsnap")
        code, stdout, err = fx.run("--format", "html", "-o", out, missing)
        self.assertEqual(code, 2)
        self.assertIn("cannot load snapshot '%s'" % missing, err)
        self.assertEqual(sorted(n for n in os.listdir(fx.tmp) if n.startswith("never")), [])
        nowhere = fx.path("no/such/dir/report.html")
        self.assertEqual(fx.run("--format", "html", "-o", nowhere, fx.one),
                         (2, "", "tmtrace-diff: cannot write '%s': No such file or directory\n" % nowhere))
        self.assertEqual(fx.run("--format", "html", "-o"),
                         (2, "", "tmtrace-diff: -o/--output needs a FILE\nTry 'tmtrace-diff --help'.\n"))

    def test_output_option_for_text_and_stdout_for_html(self):
        fx = self.fx
        out = fx.path("top.txt")
        self.assertEqual(fx.run("--output=" + out, fx.one), (0, "", ""))
        with open(out) as f:
            self.assertEqual(f.read(), fx.run(fx.one)[1])
        code, stdout, err = fx.run("--format=html", fx.one)
        with open(fx.report("same.html", fx.one)) as f:
            self.assertEqual((code, stdout, err), (0, f.read(), ""))


if __name__ == "__main__":
    DIFF, BUILDER = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    unittest.main(argv=sys.argv[:1], verbosity=2)
