#!/usr/bin/python3
"""Looks at the report as a reader would: index.html rendered in headless Chromium.

    /usr/bin/python3 report/browser_check.py report/out/index.html [--screenshot FILE]

A copy of the page gets a small script that, once everything has loaded, writes what the browser saw
into the DOM (each image's natural width, every #link and whether its target exists, the rows of the
claims table); Chromium's --dump-dom prints that DOM. A second run takes a screenshot. The page itself
stays script-free. Exit status: 0 all well, 1 a problem found (listed), 2 no Chromium.
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
PROBE = """<script>
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
    pageHeight: document.documentElement.scrollHeight
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


def inspect(page, chromium=None, screenshot=None, timeout=90, width=1280, height=2400):
    """What the browser saw: {"images", "brokenAnchors", "leavingLinks", "claimRows", "figures", "pageHeight"}.

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
        probed.write_text(text.replace("</body>", PROBE + "\n</body>", 1), encoding="utf-8")
        done = _run(chromium, ["--virtual-time-budget=20000", "--dump-dom", probed.as_uri()], scratch / "profile",
                    timeout)
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
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check the report page in headless Chromium.")
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path, help="write a PNG screenshot of the page's top here")
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
    print(f"browser check: {len(seen['images'])} images, {seen['figures']} figures, {len(seen['claimRows'])} claim "
          f"rows, page {seen['pageHeight']} px high" + (f"; screenshot {args.screenshot}" if args.screenshot else ""),
          file=sys.stderr)
    for problem in found:
        print(f"browser check: problem: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
