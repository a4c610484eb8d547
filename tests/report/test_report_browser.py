# Protects the report as a reader sees it: index.html rendered by headless Chromium (report/browser_check.py)
# must load every figure (an SVG data URI the browser cannot decode shows as a broken image, which no
# HTML parser notices), have a target for every #link, show the 16 claims, and produce a screenshot.
# Its first screen at 1400×900 (a projector's) must hold the title, the verdict counts and the claims
# rows, each one line high: the page's first use in a workshop.
# Skipped, with the reason, where Chromium is not installed (`make deps` installs the Debian package).
import base64
import re
import shutil
import struct

import pytest

from report import browser_check
from report.make_report import REPO

pytestmark = pytest.mark.skipif(browser_check.find_chromium() is None,
                                reason="Chromium is not installed (Debian package chromium; `make deps` installs it)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_built_report_loads_every_figure_and_link_in_chromium(built_report, tmp_path):
    screenshot = tmp_path / "report.png"
    seen = browser_check.inspect(built_report.out / "index.html", screenshot=screenshot)
    assert browser_check.problems(seen) == []
    assert len(seen["images"]) >= 20 and all(image["width"] > 0 for image in seen["images"])
    assert seen["claimRows"] == [f"claim-C{n}" for n in range(1, 17)]
    screen = seen["firstScreen"]
    assert (screen["width"], screen["height"]) == (1400, 900) and screen["title"] and screen["counts"]
    assert screen["claimRows"] == seen["claimRows"] and screen["tallRows"] == []  # all 16, one line each
    data = screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 20_000  # a blank page compresses to far less
    assert struct.unpack(">II", data[16:24]) == (1400, 900)  # the PNG header's width and height


def test_claims_pushed_off_the_first_screen_or_wrapped_are_found(built_report, tmp_path):
    page = (built_report.out / "index.html").read_text()
    # A block as tall as the screen above the table, and a sentence that wraps in C1's row.
    page = page.replace('<h2 id="claims">', '<div style="height: 900px"></div><h2 id="claims">', 1)
    page = page.replace("<td>More RAM or swap lets a too-big job finish</td>",
                        "<td>More RAM or swap<br>lets a too-big job finish</td>", 1)
    copy = tmp_path / "index.html"
    copy.write_text(page)
    found = browser_check.problems(browser_check.inspect(copy))
    assert any("claims rows on the first screen" in problem for problem in found), found
    assert any("taller than one line: claim-C1" in problem for problem in found), found


def test_a_figure_the_browser_cannot_draw_and_a_dangling_link_are_found(built_report, tmp_path):
    page = (built_report.out / "index.html").read_text()
    broken_svg = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>").decode()
    page = re.sub(r'data:image/svg\+xml;base64,[^"]+', f"data:image/svg+xml;base64,{broken_svg}", page, count=1)
    page = page.replace("</main>", '<a href="#nowhere">x</a></main>', 1)
    copy = tmp_path / "index.html"
    copy.write_text(page)
    found = browser_check.problems(browser_check.inspect(copy))
    assert any("images did not load" in problem and "1 of" in problem for problem in found), found
    assert any("#nowhere" in problem for problem in found), found


def test_the_generated_report_if_there_is_one(tmp_path):
    page = REPO / "report" / "out" / "index.html"
    if not page.is_file():
        pytest.skip("no report/out/index.html yet: run `make report` (or `make report-only`)")
    copy = tmp_path / "index.html"
    shutil.copy(page, copy)  # `make report` may rewrite it meanwhile
    seen = browser_check.inspect(copy)
    assert browser_check.problems(seen) == []
