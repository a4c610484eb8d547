#!/usr/bin/python3
"""Looks at the report as a reader would: index.html rendered in headless Chromium.

    /usr/bin/python3 report/browser_check.py report/out/index.html [--screenshot FILE]

A copy of the page gets a small script that, once everything has loaded, writes what the browser saw
into the DOM (each image's natural width, every #link and whether its target exists, the rows of the
claims table, and what lies on the first screen); Chromium's --dump-dom prints that DOM. A second run
takes a screenshot of the first screen. The page itself stays script-free. Exit status: 0 all well,
1 a problem found (listed), 2 no Chromium.

The first screen is a projector's, 1400×900 px: the title, the verdict counts and the claims rows must
be on it without scrolling, each row one line high.
"""

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]
RESULT_ID = "oomlab-browser-check"
FIRST_SCREEN_WIDTH_PX, FIRST_SCREEN_HEIGHT_PX = 1400, 900  # a workshop projector's, and a laptop's
# The claims rows that must be on the first screen: at least half of them, so a teacher starts the
# table without scrolling (all 16 fit today; a note or a longer title may push the last ones down).
FIRST_SCREEN_CLAIM_ROWS = 8
PROBE = """<script>
// The first screen's height is the intended one, not innerHeight: headless Chromium takes its window's
// own frame off the viewport's height (--dump-dom), never off its width, which alone decides the layout.
var SCREEN_WIDTH = __WIDTH__, SCREEN_HEIGHT = __HEIGHT__;
function onFirstScreen(element) {
  if (!element) return false;
  var box = element.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= SCREEN_HEIGHT && box.left >= 0 && box.right <= SCREEN_WIDTH;
}
function firstScreen() {
  var rows = Array.from(document.querySelectorAll("table.claims tbody tr"));
  var cell = document.querySelector("table.claims tbody td"), line = 0;
  if (cell) {
    var style = getComputedStyle(cell);
    line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
    line += parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) + parseFloat(style.borderBottomWidth);
  }
  return {
    width: SCREEN_WIDTH, height: SCREEN_HEIGHT, layoutWidth: window.innerWidth,
    title: onFirstScreen(document.querySelector("h1")),
    counts: onFirstScreen(document.getElementById("verdict-counts")),
    claimRows: rows.filter(onFirstScreen).map(function (tr) { return tr.id; }),
    oneLineRowPx: line,
    tallRows: rows.filter(function (tr) { return tr.getBoundingClientRect().height > line * 1.4; })
                  .map(function (tr) { return tr.id; })
  };
}
window.addEventListener("load", function () {
  var ids = new Set(Array.from(document.querySelectorAll("[id]"), function (e) { return e.id; }));
  var images = Array.from(document.images, function (img) {
    return {alt: (img.alt || "").slice(0, 80), complete: img.complete, width: img.naturalWidth};
  });
  var links = Array.from(document.querySelectorAll("a[href]"), function (a) { return a.getAttribute("href"); });
  var result = {
    images: images,
    brokenAnchors: links.filter(function (h) {
      return h.charAt(0) === "#" && !ids.has(decodeURIComponent(h.slice(1)));
    }),
    leavingLinks: links.filter(function (h) { return h.charAt(0) !== "#" && !/^(https?:|mailto:)/.test(h); }),
    claimRows: Array.from(document.querySelectorAll("table.claims tbody tr"), function (tr) { return tr.id; }),
    figures: document.querySelectorAll("figure").length,
    pageHeight: document.documentElement.scrollHeight,
    firstScreen: firstScreen()
  };
  var out = document.createElement("pre");
  out.id = "__ID__";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>""".replace("__ID__", RESULT_ID)


def find_chromium():
    """The Chromium binary, or None."""
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def _run(chromium, arguments, profile, timeout):
    command = [chromium, *FLAGS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def inspect(page, chromium=None, screenshot=None, timeout=90, width=FIRST_SCREEN_WIDTH_PX,
            height=FIRST_SCREEN_HEIGHT_PX):
    """What the browser saw at width×height: {"images", "brokenAnchors", "leavingLinks", "claimRows",
    "figures", "pageHeight", "firstScreen"}; the screenshot, if asked for, is of that first screen.

    REQUIRES: Chromium (find_chromium()). Raises RuntimeError if the page could not be inspected.
    """
    chromium = chromium or find_chromium()
    if not chromium:
        raise RuntimeError("no Chromium found (Debian package chromium; `make deps` installs it)")
    page = Path(page).resolve()
    with tempfile.TemporaryDirectory(prefix="oomlab-chromium-") as scratch:
        scratch = Path(scratch)
        probed = scratch / "probed.html"
        text = page.read_text(encoding="utf-8")
        probe = PROBE.replace("__WIDTH__", str(width)).replace("__HEIGHT__", str(height))
        probed.write_text(text.replace("</body>", probe + "\n</body>", 1), encoding="utf-8")
        done = _run(chromium, [f"--window-size={width},{height}", "--virtual-time-budget=20000", "--dump-dom",
                               probed.as_uri()], scratch / "profile", timeout)
        match = re.search(rf'<pre id="{RESULT_ID}">(.*?)</pre>', done.stdout, re.S)
        if not match:
            raise RuntimeError(f"Chromium did not run the page's check (exit {done.returncode}): "
                               + (done.stderr.strip().splitlines() or ["no output"])[-1][:300])
        seen = json.loads(html.unescape(match.group(1)))
        if screenshot:
            screenshot = Path(screenshot).resolve()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            shot = _run(chromium, [f"--screenshot={screenshot}", f"--window-size={width},{height}",
                                   "--virtual-time-budget=20000", page.as_uri()], scratch / "profile", timeout)
            if not screenshot.is_file():
                raise RuntimeError(f"Chromium wrote no screenshot (exit {shot.returncode})")
    return seen


def problems(seen, claims=16):
    """What a reader would find wrong, as sentences; [] when the page is sound."""
    found = []
    broken = [image["alt"] or "(no alt)" for image in seen["images"] if not image["complete"] or image["width"] <= 0]
    if broken:
        found.append(f"{len(broken)} of {len(seen['images'])} images did not load: " + "; ".join(broken[:5]))
    if not seen["images"]:
        found.append("no images at all")
    if seen["brokenAnchors"]:
        found.append("links without a target: " + ", ".join(sorted(set(seen["brokenAnchors"]))[:10]))
    if seen["leavingLinks"]:
        found.append("links that leave the page: " + ", ".join(sorted(set(seen["leavingLinks"]))[:10]))
    if len(seen["claimRows"]) != claims:
        found.append(f"the claims table has {len(seen['claimRows'])} rows, not {claims}")
    return found + first_screen_problems(seen["firstScreen"])


def first_screen_problems(screen, rows_needed=FIRST_SCREEN_CLAIM_ROWS):
    """What a projector's first screen misses: the title, the verdict counts, the first claims rows, or
    a claims row more than one line high."""
    found = []
    size = f"{screen['width']}×{screen['height']}"
    if screen["layoutWidth"] != screen["width"]:
        found.append(f"the page was laid out {screen['layoutWidth']} px wide, not {screen['width']}")
    if not screen["title"]:
        found.append(f"the title is not on the first screen ({size})")
    if not screen["counts"]:
        found.append(f"the verdict counts are not on the first screen ({size})")
    if len(screen["claimRows"]) < rows_needed:
        found.append(f"only {len(screen['claimRows'])} claims rows on the first screen ({size}), not {rows_needed}")
    if screen["tallRows"]:
        found.append("claims rows taller than one line: " + ", ".join(screen["tallRows"]))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check the report page in headless Chromium.")
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path, help="write a PNG screenshot of the first screen here")
    args = parser.parse_args(argv)
    if not find_chromium():
        print("browser check: no Chromium (install the Debian package chromium, or run `make deps`)", file=sys.stderr)
        return 2
    try:
        seen = inspect(args.page, screenshot=args.screenshot)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as error:
        print(f"browser check: {error}", file=sys.stderr)
        return 1
    found = problems(seen)
    screen = seen["firstScreen"]
    print(f"browser check: {len(seen['images'])} images, {seen['figures']} figures, {len(seen['claimRows'])} claim "
          f"rows ({len(screen['claimRows'])} on the first {screen['width']}×{screen['height']} screen), page "
          f"{seen['pageHeight']} px high" + (f"; screenshot {args.screenshot}" if args.screenshot else ""),
          file=sys.stderr)
    for problem in found:
        print(f"browser check: problem: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
