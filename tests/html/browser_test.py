#!/usr/bin/env python3
"""browser_test.py — tmtrace-diff's HTML reports in Debian's headless Chromium: the flame graph draws exactly the
expected frames, hovering shows the exact file:line, function, sizes and source line, clicking zooms, the search
highlights, per-test links and table sorting work, 100 000 distinct tracebacks render in under 2 s, and no
script error occurs. Screenshots are kept in ARTIFACT_DIR. Exits 77 (skipped) only when Chromium cannot start.
Usage: browser_test.py TMTRACE_DIFF BUILD_SNAPSHOTS ARTIFACT_DIR"""
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chromium import Chromium, ChromiumUnavailable  # noqa: E402
from fixtures import Fixtures  # noqa: E402

DIFF = BUILDER = ARTIFACTS = None
ROW = 18  # px per flame-graph level, as report.js draws
SKIPPED = 77
BROWSER = None


class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory()
        cls.fx = Fixtures(cls.tmpdir.name, DIFF, BUILDER)
        cls.browser = BROWSER
        cls.browser.open_page(1200, 900)

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    def setUp(self):
        self.browser.events.clear()

    def tearDown(self):
        self.assertEqual(self.browser.page_errors(), [])

    def open(self, path, canvas=".flame-canvas"):
        self.browser.navigate("file://" + path)
        self.assertTrue(self.browser.wait_for("!!document.querySelector(%s).dataset.drawn" % json.dumps(canvas)))

    def canvas(self, selector=".flame-canvas"):
        return self.browser.evaluate("(() => { const c = document.querySelector(%s); const r = "
                                     "c.getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, "
                                     "drawn: c.dataset.drawn, nodes: c.dataset.nodes, matched: c.dataset.matched}; "
                                     "})()" % json.dumps(selector))

    def point(self, canvas, start, end, total, depth):
        """The middle of the node spanning [start, end) of total at depth."""
        return (canvas["left"] + canvas["width"] * (start + end) / 2 / total, canvas["top"] + depth * ROW + ROW / 2)

    def tooltip(self, selector=".flame-tip"):
        return self.browser.evaluate("(() => { const t = document.querySelector(%s); return t.hidden ? null : "
                                     "t.textContent; })()" % json.dumps(selector))

    def status(self):
        return self.browser.evaluate("document.querySelector('.flame-status').textContent")

    def test_snapshot_frames_hover_zoom_search(self):
        fx, b = self.fx, self.browser
        self.open(fx.report("one.html", fx.one))
        self.assertEqual(b.evaluate("document.title"), "tmtrace report")
        c = self.canvas()
        self.assertEqual((c["drawn"], c["nodes"]), ("6", "6"))
        # Root 4676 B: pool.c:7 [0, 4096), main leak.c:16 [4096, 4576) -> parse :11 -> grow :6, main :17.
        b.mouse("mouseMoved", *self.point(c, 4096, 4576, 4676, 3))
        self.assertEqual(self.tooltip(), "%s:6\nin grow\n    return malloc(n);\nsize 480 B, count 2" % fx.src)
        b.screenshot(os.path.join(ARTIFACTS, "snapshot-hover.png"))
        b.mouse("mouseMoved", *self.point(c, 0, 4096, 4676, 1))
        self.assertEqual(self.tooltip(), "/src/pool.c:7\nin pool_alloc\nsize 4,096 B, count 1")
        b.click(*self.point(c, 4096, 4576, 4676, 1))  # zoom on main leak.c:16
        self.assertEqual(self.canvas()["drawn"], "3")
        self.assertEqual(self.status(), "6 frames, zoomed on %s:16" % fx.src)
        # Zoomed, grow :6 spans the whole width.
        b.mouse("mouseMoved", *self.point(c, 0, 1, 10, 3))
        self.assertEqual(self.tooltip(), "%s:6\nin grow\n    return malloc(n);\nsize 480 B, count 2" % fx.src)
        b.evaluate("document.querySelector('.flame-reset').click()")
        self.assertEqual(self.canvas()["drawn"], "6")
        b.evaluate("(() => { const s = document.querySelector('.flame-search'); s.value = 'grow'; "
                   "s.dispatchEvent(new Event('input')); })()")
        self.assertEqual(self.canvas()["matched"], "2")
        self.assertEqual(self.status(), "6 frames, 2 shown match")
        b.screenshot(os.path.join(ARTIFACTS, "snapshot-search.png"))

    def test_compare_growth_and_shrinkage(self):
        fx, b = self.fx, self.browser
        self.open(fx.report("compare.html", fx.old, fx.new))
        c = self.canvas()
        self.assertEqual((c["drawn"], c["nodes"]), ("7", "7"))
        # Width = growth + shrinkage = 644 B: leak.c:16 [0, 480), leak.c:17 [480, 580), b.c:9 [580, 644).
        b.mouse("mouseMoved", *self.point(c, 480, 580, 644, 1))
        self.assertEqual(self.tooltip(), "%s:17\nin main\n    grow(100);\nsize 100 B, count 1\n"
                                         "size diff -100 B (growth 0 B, shrinkage 100 B), count diff -1" % fx.src)
        b.mouse("mouseMoved", *self.point(c, 0, 644, 644, 0))
        self.assertEqual(self.tooltip(), "all traces\nsize 934 B, count 6\n"
                                         "size diff +444 B (growth 544 B, shrinkage 100 B), count diff +2")
        b.screenshot(os.path.join(ARTIFACTS, "compare-hover.png"))

    def test_tests_page_links_and_sorting(self):
        fx, b = self.fx, self.browser
        self.open(fx.report("tests.html", fx.tests_dir), "#test-1 .flame-canvas")
        link = b.evaluate("(() => { const r = document.querySelector('a[href=\"#test-1\"]')"
                          ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        b.click(*link)
        self.assertEqual(b.wait_for("location.hash"), "#test-1")
        self.assertEqual(self.canvas("#test-1 .flame-canvas")["drawn"], "5")
        first_test = "document.querySelector('#tests tbody tr td.test').textContent"
        self.assertEqual(b.evaluate(first_test), "Suite.Leaks")
        b.evaluate("document.querySelectorAll('#tests th')[2].click()")  # Leaked: most first
        self.assertEqual(b.evaluate(first_test), "Suite.Leaks")
        b.evaluate("document.querySelectorAll('#tests th')[2].click()")  # again: least first
        self.assertEqual(b.evaluate(first_test), "Suite.Clean")
        b.evaluate("document.querySelector('#test-1 .tabs button[data-key=traceback]').click()")
        self.assertEqual(b.evaluate("[...document.querySelectorAll('#test-1 .stats')].map(s => s.hidden)"),
                         [True, True, False])
        b.screenshot(os.path.join(ARTIFACTS, "tests.png"))

    def test_100k_tracebacks_render_in_under_2_seconds(self):
        fx, b = self.fx, self.browser
        path = fx.report("big.html", fx.big)
        start = time.monotonic()
        self.open(path)
        wall = time.monotonic() - start
        c = self.canvas()
        ready_ms = int(b.evaluate("document.querySelector('.flame-canvas').dataset.readyAt"))
        print("100k tracebacks: %d bytes, drawn %.0f ms after navigation started, %.2f s wall" %
              (os.path.getsize(path), ready_ms, wall), file=sys.stderr)
        self.assertLess(ready_ms, 2000)
        self.assertLess(wall, 2.0)
        self.assertEqual(c["nodes"], "111111")
        # At this width only main, the 10, 100 and 1000 nodes of levels 1-3 are at least half a pixel wide.
        self.assertEqual(c["drawn"], "1111")
        b.screenshot(os.path.join(ARTIFACTS, "100k.png"))


if __name__ == "__main__":
    DIFF, BUILDER, ARTIFACTS = sys.argv[1:4]
    os.makedirs(ARTIFACTS, exist_ok=True)
    try:
        BROWSER = Chromium()
    except ChromiumUnavailable as e:
        print("SKIP: Chromium cannot start, so the HTML report is not tested in a browser: %s" % e)
        sys.exit(SKIPPED)
    try:
        result = unittest.main(argv=sys.argv[:1], verbosity=2, exit=False).result
    finally:
        BROWSER.close()
    sys.exit(0 if result.wasSuccessful() else 1)
