#!/usr/bin/env python3
"""readme_screenshot.py — makes docs/tmtrace-report.png, the README's picture of the HTML report: opens a report
(scripts/demo.sh writes build/report.html) in headless Chromium, hovers the flame graph's widest allocation site
and saves a PNG. Usage: readme_screenshot.py REPORT.html OUT.png"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chromium import Chromium  # noqa: E402

ROW = 18  # px per flame-graph level, as report.js draws


def main(report, out):
    browser = Chromium()
    try:
        browser.open_page(1200, 820)
        browser.navigate("file://" + os.path.abspath(report))
        browser.wait_for("!!document.querySelector('.flame-canvas').dataset.drawn")
        left, top, width = browser.evaluate("(() => { const r = document.querySelector('.flame-canvas')"
                                            ".getBoundingClientRect(); return [r.left, r.top, r.width]; })()")
        browser.mouse("mouseMoved", left + width * 0.35, top + 3 * ROW + ROW / 2)
        browser.screenshot(out)
        if browser.page_errors():
            sys.exit("script errors: %r" % browser.page_errors())
    finally:
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
