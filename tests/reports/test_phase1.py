"""The phase-1 report and the Toolkit, built from the measured synthetic study.

Browser check (Debian's Chromium via Playwright, offline): every chart and map is drawn, the
page is not blank, and a hostile post from the synthetic data shows as text and never runs.
PDF check: every page rendered by pdftoppm has ink. Spreadsheets neutralise formulas. French
output has French text and CLDR fr-CA number formats. A second Toolkit edition after new
data has a changelog naming the figures that moved.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image

from settlescope.reports.build import build_report
from settlescope.reports.i18n import Language
from settlescope.reports.toolkit import build_toolkit
from settlescope.study.setup import open_study
from settlescope.synth.text import HOSTILE
from tests.conftest import copy_study
from tests.reports.test_map_browser import ARGS, _chromium

SCRIPT = dict(HOSTILE)["script"]  # "<script>alert(1)</script>", planted by the generator
FORMULA = dict(HOSTILE)["formula_hyperlink"]


def _promote(ws_file: Path, fragment: str, partner: str) -> str:
    """Give a partner's own post carrying ``fragment`` the most engagement; return its text."""
    con = duckdb.connect(str(ws_file))
    try:
        row = con.execute(
            "SELECT i.item_key, i.text FROM items i JOIN accounts a ON a.account_key = "
            "i.author_key WHERE a.org_id = ? AND i.kind = 'post' AND i.wave = 'baseline' AND "
            "strpos(i.text, ?) > 0 ORDER BY i.item_key LIMIT 1",
            [partner, fragment],
        ).fetchone()
        assert row, f"the synthetic study plants {fragment!r} in an own post of {partner}"
        con.execute("UPDATE items SET reactions = 10000000 WHERE item_key = ?", [row[0]])
        return str(row[1])
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(measured_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    study = copy_study(measured_demo, tmp_path_factory.mktemp("phase1") / "study")
    con = duckdb.connect(str(study / "workspace.duckdb"), read_only=True)
    owners = dict(con.execute(
        "SELECT DISTINCT ON (frag) frag, a.org_id FROM (SELECT unnest([?, ?]) frag) f, items i "
        "JOIN accounts a ON a.account_key = i.author_key WHERE a.org_id LIKE 'p%' AND "
        "i.kind = 'post' AND i.wave = 'baseline' AND strpos(i.text, frag) > 0 ORDER BY frag, "
        "a.org_id", [SCRIPT, FORMULA]).fetchall())  # fmt: skip
    con.close()
    texts = {frag: _promote(study / "workspace.duckdb", frag, owners[frag]) for frag in owners}
    opened = open_study(study)
    with opened.workspace() as ws:
        en = build_report(ws, opened.study, study, lang="en")
        fr = build_report(ws, opened.study, study, lang="fr", formats=("html",))
    return dict(study=study, en=en, fr=fr, texts=texts)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = _chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


def test_html_report_draws_every_chart_offline_and_keeps_post_text_inert(
    built: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    out = built["en"].result.files["html"]
    url = out.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    charts = page.locator("div.vega")
    n = charts.count()
    # volume, reach, structure-free sections ... at least the timeline, the volume lines and
    # the sector map plus one map per partner (8 partners in the small study)
    assert n >= 12
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.vega')].every(e => e.dataset.rendered)",
        timeout=90_000,
    )
    assert page.locator("div.vega[data-rendered='1']").count() == n
    assert page.locator("div.vega svg").count() >= n
    assert page.locator("figure.map div.vega svg").count() == 9
    assert not errors and not dialogs
    assert requests == [url]
    # the hostile post is shown as its text, tags and all, and ran nothing
    shown = page.locator(".post-text").all_inner_texts()
    assert any(SCRIPT in t for t in shown)
    assert page.evaluate("() => document.querySelectorAll('.post-text script').length") == 0
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    img = Image.open(shot).convert("L")
    dark = sum(img.histogram()[:200])
    assert dark > 0.01 * img.width * img.height  # not a blank page
    page.close()


def test_capacity_and_offline_sections_show_the_measured_figures(built: dict[str, Any]) -> None:
    # Every measure ran: no section asks for a command, and the capacity and offline sections
    # carry the partners' figures as the results table holds them.
    html = built["en"].result.files["html"].read_text(encoding="utf-8")
    assert "settlescope measure --study" not in html
    assert not built["en"].command
    for label in (
        "Questions answered by the organization",
        "Capacity Index",
        "Women aged 45 and over: share online / share among clients",
        "Index of dissimilarity between followers and clients (age bands)",
    ):
        assert html.count(label) >= 1, label  # fmt: skip
    # the ratio charts draw the line of parity, 1 (same share online as among clients)
    key = '{"id": "online-offline-online-vs-clients-representation-ratio-group-women-45-plus"'
    chart, _end = json.JSONDecoder().raw_decode(html, html.index(key))
    values = [layer.get("data", {}).get("values") for layer in chart["spec"]["layer"]]
    assert [{"r": 1.0}] in values
    con = duckdb.connect(str(built["study"] / "workspace.duckdb"), read_only=True)
    (answered,) = con.execute(
        "SELECT value FROM results WHERE measure_id = 'responsiveness' AND metric = "
        "'answered-by-organization' AND scope_id = 'p01' AND dimension IS NULL AND wave = "
        "'baseline'"
    ).fetchone()
    con.close()
    name = open_study(built["study"]).study.organization("p01").name
    rows = list(csv.DictReader(
        (built["en"].result.files["data"] / "responsiveness.csv").open(encoding="utf-8")))  # fmt: skip
    mine = [r for r in rows if r["measure"] == "responsiveness" and r["metric"] ==
            "Questions answered by the organization" and r["organization"] == name]  # fmt: skip
    assert len(mine) == 1 and float(mine[0]["value"]) == pytest.approx(answered)


def test_missing_capacity_results_are_named_with_their_command(
    built: dict[str, Any], tmp_path: Path
) -> None:
    study = copy_study(built["study"], tmp_path / "study")
    con = duckdb.connect(str(study / "workspace.duckdb"))
    con.execute("DELETE FROM measure_runs WHERE measure_id = 'responsiveness'")
    con.close()
    opened = open_study(study)
    with opened.workspace() as ws:
        rep = build_report(ws, opened.study, study, formats=("html",))
    html = rep.result.files["html"].read_text(encoding="utf-8")
    assert f"settlescope measure --study {study} --wave baseline --only responsiveness" in html
    assert rep.command and "responsiveness" in rep.command


def test_toolkit_names_the_planted_under_represented_groups(built: dict[str, Any]) -> None:
    # The synthetic study plants clients aged 45 and over, women and rural clients as fewer
    # among every partner's followers than among its clients (truth.json, client_gaps).
    study = built["study"]
    truth = json.loads((study / "truth.json").read_text(encoding="utf-8"))["partners"]
    opened = open_study(study)
    with opened.workspace() as ws:
        ed = build_toolkit(ws, opened.study, study, partner="p03", formats=("html",))
    html = ed.result.files["html"].read_text(encoding="utf-8")
    assert set(truth["p03"]["client_gaps"]) == {"age_45_plus", "women", "rural"}
    start = html.index("Where to start")
    line = html[start : html.index("</li>", start)]
    assert opened.study.organization("p03").name in line
    for group in ("people aged 45 and over", "women", "clients in rural regions"):
        assert group in line, (group, line)


def test_every_pdf_page_has_content(built: dict[str, Any], tmp_path: Path) -> None:
    pdf = built["en"].result.files["pdf"]
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 5
    for p in pages:
        img = Image.open(p).convert("L")
        assert img.getextrema()[0] < 240, f"{p.name} is blank"

    def text(page: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              check=True, capture_output=True, text=True).stdout  # fmt: skip

    # the cover page ends with the contents, each entry with its page number
    assert re.search(r"Methods appendix\s*\.+\s*\d+", text(1))
    n = len(pages)
    assert f"{n} / {n}" in text(n)  # "page / pages" in the footer


def test_spreadsheets_neutralise_formulas_and_keep_the_text(built: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    files = built["en"].result.files
    wb = load_workbook(files["xlsx"])
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]  # fmt: skip
    assert cells and all(v.startswith("'=") for v in cells)
    with (files["data"] / "example-posts.csv").open(encoding="utf-8") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    assert "'" + built["texts"][FORMULA] in texts
    assert (files["data"] / "codebook.csv").is_file()


def test_french_report_has_french_text_and_cldr_numbers(built: dict[str, Any]) -> None:
    html = built["fr"].result.files["html"].read_text(encoding="utf-8")
    assert "Annexe méthodologique" in html and "Table des matières" in html
    con = duckdb.connect(str(built["study"] / "workspace.duckdb"), read_only=True)
    items = con.execute(
        "SELECT value FROM results WHERE measure_id = 'item-volume' AND scope = 'study' AND "
        "metric = 'items' AND dimension IS NULL AND wave = 'baseline'"
    ).fetchone()[0]
    con.close()
    # CLDR fr-CA (common/main/fr_CA.xml): group sign U+00A0 no-break space, decimal ','
    expected = f"{int(items):,}".replace(",", "\u00a0")
    assert f"Au total, {expected} publications" in html


def test_cldr_number_formats() -> None:
    # CLDR: fr_CA groups with U+00A0 and uses a decimal comma; en_CA "1,234.5"
    assert Language.of("fr").number(1234.5, 1) == "1\u00a0234,5"
    assert Language.of("en").number(1234.5, 1) == "1,234.5"
    assert Language.of("fr").percent(0.125, 1) == "12,5\u00a0%"


def test_a_second_toolkit_edition_names_the_figures_that_moved(
    built: dict[str, Any],
) -> None:
    study = built["study"]
    opened = open_study(study)
    with opened.workspace() as ws:
        one = build_toolkit(ws, opened.study, study, formats=("html",))
    assert one.number == 1 and one.folder.name == "edition-001"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in one.folder.iterdir()
              if p.is_file()}  # fmt: skip
    # new data: the follow-up wave's results
    with opened.workspace() as ws:
        two = build_toolkit(ws, opened.study, study, wave="followup", formats=("html",))
    assert two.number == 2 and two.folder.name == "edition-002"
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in one.folder.iterdir()
             if p.is_file()}  # fmt: skip
    assert before == after  # edition 1 is never overwritten
    con = duckdb.connect(str(study / "workspace.duckdb"), read_only=True)
    base, follow = (
        con.execute(
            "SELECT value FROM results WHERE measure_id = 'engaged-accounts' AND scope = "
            "'partner' AND scope_id = 'p01' AND dimension IS NULL AND wave = ?", [w]
        ).fetchone()[0]
        for w in ("baseline", "followup")
    )  # fmt: skip
    con.close()
    name = opened.study.organization("p01").name
    log = (two.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert base != follow
    assert f"{name}, Accounts that engaged: {int(base):,} → {int(follow):,}" in log
    assert "followup" in log
    snap = json.loads((two.folder / "figures.json").read_text(encoding="utf-8"))
    assert snap["wave"] == "followup"


def test_partner_version_shows_only_its_own_figures(built: dict[str, Any]) -> None:
    study = built["study"]
    opened = open_study(study)
    others = [p.name for p in opened.study.partners if p.id != "p02"]
    with opened.workspace() as ws:
        ed = build_toolkit(ws, opened.study, study, partner="p02", formats=("html",))
    assert ed.folder == study / "toolkit" / "partner-p02" / "edition-001"
    html = ed.result.files["html"].read_text(encoding="utf-8")
    assert opened.study.organization("p02").name in html
    assert not [n for n in others if n in html]
