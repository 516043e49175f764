"""The interactive map in a real browser: Debian's Chromium driven by Playwright, offline.

Checks that the accounts are drawn, that pointing at a private individual shows a tooltip
without any identifier, that the search box picks out an organization, and that the page
asks for nothing but itself. Under CI (``CI=true``) a missing browser is a failure, not a
skip: ``make test`` installs Chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from settlescope.measures.network.graph import Scope
from settlescope.reports.maps import MapOptions, write_map
from tests.tiny_network import Tiny

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SYMBOLS = "#map svg .accounts_marks path"


def _chromium() -> str:
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = _chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


def test_the_html_map_works_offline(browser: Any, tiny: Tiny, tmp_path: Path) -> None:
    out = tmp_path / "p1.html"
    opened = tiny.opened
    with opened.workspace() as ws:
        s = write_map(ws, opened.study, tiny.dir, Scope("partner", "p1"), "baseline", out,
                      MapOptions())  # fmt: skip
    url = out.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    # Anything but the file itself is refused, so a fetch could not succeed unnoticed.
    page.route("**/*", lambda route: route.continue_() if route.request.url == url
               else route.abort())  # fmt: skip
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(SYMBOLS, timeout=30_000)

    # Every drawn account is a point.
    symbols = page.locator(SYMBOLS)
    assert symbols.count() == s.shown == 6

    # Pointing at a private individual: a tooltip that says "person" and nothing more.
    tooltip = page.locator("#vg-tooltip-element")
    seen: list[str] = []
    for k in range(symbols.count()):
        symbols.nth(k).hover(force=True)
        page.wait_for_timeout(150)
        if tooltip.count() and tooltip.is_visible():
            seen.append(tooltip.inner_text())
    person = next(t for t in seen if "person" in t.split())
    assert "platform" in person and "community" in person and "PageRank" in person
    for private in tiny.private_strings():
        assert private not in person
        assert private not in page.content()
    assert any("Alpha Newcomer Services" in t for t in seen)

    # The search box picks out the matching organization and fades the others.
    page.fill(".vega-bindings input[name=search]", "alpha")
    page.wait_for_timeout(300)
    labels = page.locator("#map svg .labels_marks text")
    opacity = {labels.nth(i).text_content(): labels.nth(i).get_attribute("opacity")
               for i in range(labels.count())}  # fmt: skip
    assert opacity == {"Alpha Newcomer Services (other)": "1",
                       'Beta <b>Welcome</b> & "Co"': "0.15"}  # fmt: skip
    outlined = page.eval_on_selector_all(
        SYMBOLS, "es => es.filter(e => e.getAttribute('stroke-width') === '3').length"
    )
    assert outlined == 1
    page.fill(".vega-bindings input[name=search]", "")
    page.wait_for_timeout(300)
    assert {labels.nth(i).get_attribute("opacity") for i in range(labels.count())} == {"1"}

    # Zoom: the mouse wheel changes the scales, so the points move.
    before = symbols.first.get_attribute("transform")
    box = page.locator("#map svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(300)
    assert symbols.first.get_attribute("transform") != before

    assert errors == []
    assert requests == [url]
    page.close()
