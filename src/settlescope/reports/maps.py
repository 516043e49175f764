"""Network maps: a partner's ego network or the sector's, as SVG, PNG, PDF or HTML.

One Vega-Lite specification draws the map: ties as rules, accounts as points (colour by
Leiden community or by organization type, size by a chosen centrality, shape by platform),
organizations' names as text. ``vl-convert`` renders it to SVG, PNG and PDF (for reports;
the SVG has no external references, so it can be embedded as it is) and the same
specification, with zoom and pan, hover tooltips and a search box added, becomes a
self-contained HTML page that carries the Vega, Vega-Lite and vega-embed libraries inline and
fetches nothing.

What a map shows
    The accounts with the highest value of the chosen centrality (``max_nodes``, 1,500 by
    default) and every organization account of the network, with the ties among them drawn
    undirected (a tie in either direction, weights summed). The subtitle says how many
    accounts and ties were left out.

Privacy
    Only organizations' own accounts (those the study lists) are labelled, with their
    organization's name. The data inside a map carries no account key, handle or name of a
    private individual: their tooltip says "person", the platform, the community and the
    centrality. Text from the data is escaped in the HTML page.

Stability
    Positions come from :mod:`settlescope.reports.layouts`: computed once per network, kept
    in the workspace, shared by every wave; only accounts new to the map are placed.

Example
-------
>>> write_map(ws, study, Path("my-study"), Scope("partner", "p01"), "baseline",
...           Path("p01.html"), MapOptions(color="type"))  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from settlescope.errors import MeasureError, UsageError
from settlescope.measures.network.graph import Scope
from settlescope.reports.layouts import Placement, layout_id, place, stored_positions
from settlescope.reports.networks import NetworkReader, WaveNetwork
from settlescope.reports.output import check_folder, output_format, replacing
from settlescope.store.workspace import Workspace
from settlescope.study.model import PLATFORMS, Study

COLOR_BY = ("community", "type")
SIZE_BY = ("pagerank", "degree", "betweenness")
FORMATS = (".svg", ".png", ".pdf", ".html")
DEFAULT_MAX_NODES = 1500
# The Vega-Lite version of the specification, of the static renderings and of the library
# bundled into HTML pages, so that every output of a map is drawn by the same code.
VL_VERSION = "6.4"

SIZE_TITLES = {"pagerank": "PageRank", "degree": "degree (in + out)", "betweenness": "betweenness"}
# The ten communities with the most accounts on a map get a colour each; the rest are grey.
COMMUNITY_COLOURS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf",
)  # fmt: skip
OTHER_COLOUR = "#c7c7c7"
TYPE_OTHERS = {"group": "#9c755f", "other public account": "#79706e", "person": "#c7c7c7"}
TIE_COLOUR = "#8a8a8a"
# Each platform keeps its shape on every map.
_SHAPES = ("circle", "square", "triangle-up", "cross", "diamond", "triangle-down",
           "triangle-right", "triangle-left", "wedge", "arrow", "stroke", "triangle")  # fmt: skip
PLATFORM_SHAPES = {p: _SHAPES[i % len(_SHAPES)] for i, p in enumerate(PLATFORMS)}


@dataclass(frozen=True)
class MapOptions:
    """How to draw a map.

    Parameters
    ----------
    color
        ``community`` (Leiden communities of ``network-communities``) or ``type`` (the
        organization's type from the study; ``group``, ``other public account`` or
        ``person`` for other accounts).
    size
        ``pagerank``, ``degree`` (distinct ties in + out) or ``betweenness``, from
        ``network-positions``; it also chooses which accounts a large map keeps.
    max_nodes
        How many accounts to draw besides the organizations' own.
    width
        Width of the drawing in pixels (the height is three quarters of it).
    relayout
        Compute fresh positions for the network instead of reusing the stored ones.
    """

    color: str = "community"
    size: str = "pagerank"
    max_nodes: int = DEFAULT_MAX_NODES
    width: int = 900
    relayout: bool = False

    def check(self) -> None:
        for opt, value, allowed in (("--color", self.color, COLOR_BY),
                                    ("--size", self.size, SIZE_BY)):  # fmt: skip
            if value not in allowed:
                raise UsageError(f"{opt} takes {' or '.join(allowed)}, not '{value}'", field=opt)
        if self.max_nodes < 1:
            raise UsageError("--max-nodes must be at least 1", field="--max-nodes")
        if not 200 <= self.width <= 10_000:
            raise UsageError("--width must lie between 200 and 10000 pixels", field="--width")


@dataclass
class NetworkMap:
    """A map ready to render: its data rows, texts and the positions it used."""

    title: str
    subtitle: list[str]
    options: MapOptions
    accounts: list[dict[str, Any]]
    ties: list[dict[str, Any]]
    domain_x: tuple[float, float]
    domain_y: tuple[float, float]
    colour_domain: list[str]
    colour_range: list[str]
    colour_title: str
    placement: Placement
    shown: int
    total: int
    ties_shown: int
    ties_total: int

    def spec(self, *, interactive: bool = False) -> dict[str, Any]:
        """The Vega-Lite specification (with zoom, tooltips and search when interactive)."""
        return _spec(self, interactive)


def map_format(out: Path) -> str:
    """The output format chosen by the file's extension."""
    return output_format(out, FORMATS, f"end the file name with {', '.join(FORMATS)}")


def select_accounts(values: np.ndarray, keys: list[str], is_org: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` accounts with the highest ``values`` (ties by key) plus every organization's.

    Returns sorted indices.

    Example
    -------
    >>> select_accounts(np.array([0.1, 0.5, 0.2]), ["a", "b", "c"],
    ...                 np.array([True, False, False]), 1).tolist()
    [0, 1]
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    order = np.lexsort((np.asarray(keys, dtype=object).astype(str), -v))
    return np.union1d(order[:n], np.flatnonzero(is_org)).astype(np.int64)


def undirected_ties(
    src: np.ndarray, dst: np.ndarray, weight: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Directed ties merged into pairs tied in either direction: (pairs (k, 2), weights)."""
    if not len(src):
        return np.empty((0, 2), np.int64), np.empty(0)
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    code = a.astype(np.int64) * max(n, 1) + b
    uniq, inv = np.unique(code, return_inverse=True)
    w = np.bincount(inv, weights=weight, minlength=len(uniq))
    return np.column_stack([uniq // max(n, 1), uniq % max(n, 1)]), w


def size_values(net: WaveNetwork, size: str) -> np.ndarray:
    values = net.degree() if size == "degree" else net.attrs[size]
    return np.nan_to_num(values, nan=0.0)


def build_map(
    net: WaveNetwork,
    title: str,
    options: MapOptions,
    stored: dict[str, tuple[float, float]],
) -> NetworkMap:
    """Choose the accounts, place them and assemble the map's data (nothing is written)."""
    options.check()
    sizes = size_values(net, options.size)
    is_org = net.is_org
    chosen = select_accounts(sizes, net.keys, is_org, options.max_nodes)
    local = np.full(net.n, -1, dtype=np.int64)
    local[chosen] = np.arange(len(chosen))
    keep = (local[net.src] >= 0) & (local[net.dst] >= 0)
    pairs, weights = undirected_ties(
        local[net.src[keep]], local[net.dst[keep]], net.weight[keep], len(chosen)
    )
    all_pairs, _ = undirected_ties(net.src, net.dst, net.weight, net.n)
    keys = [net.keys[i] for i in chosen.tolist()]
    placement = place(layout_id(net.scope), keys, pairs, weights, stored, relayout=options.relayout)
    colours, domain, palette, colour_title = _colours(net, chosen, options.color)
    labels = _labels(net, chosen, sizes)
    community = net.community()
    rows = []
    for j, i in enumerate(chosen.tolist()):
        org = net.org_id[i]
        label = labels.get(i)
        rows.append(
            {
                "x": round(float(placement.xy[j, 0]), 4),
                "y": round(float(placement.xy[j, 1]), 4),
                "size": float(sizes[i]),
                "colour": colours[j],
                "platform": net.platform[i],
                "label": label,
                # What search matches: organizations only, by name and handle.
                "find": _find_text(net, i) if org is not None else None,
                "account": net.name[i] if net.public[i] else "person",
                "type": _type_of(net, i),
                "community": int(community[i]) if community[i] >= 0 else None,
                "org": org is not None,
            }
        )
    # Draw people first and organizations last (on top), bigger points under smaller ones.
    rows.sort(key=lambda r: (r["org"], -r["size"]))
    ties = [
        {
            "x": round(float(placement.xy[a, 0]), 4),
            "y": round(float(placement.xy[a, 1]), 4),
            "x2": round(float(placement.xy[b, 0]), 4),
            "y2": round(float(placement.xy[b, 1]), 4),
            "w": float(w),
        }
        for (a, b), w in zip(pairs.tolist(), weights.tolist(), strict=True)
    ]
    width, height = options.width, int(options.width * 0.75)
    dx, dy = _domains(placement.xy, width, height)
    shown, total = len(chosen), net.n
    return NetworkMap(
        title=title,
        subtitle=_subtitle(net, options, shown, total, len(pairs), len(all_pairs)),
        options=options,
        accounts=rows,
        ties=ties,
        domain_x=dx,
        domain_y=dy,
        colour_domain=domain,
        colour_range=palette,
        colour_title=colour_title,
        placement=placement,
        shown=shown,
        total=total,
        ties_shown=len(pairs),
        ties_total=len(all_pairs),
    )


def _labels(net: WaveNetwork, chosen: np.ndarray, sizes: np.ndarray) -> dict[int, str]:
    """Which drawn accounts carry a name, and the name: organizations' accounts only.

    The network's own organization (a partner's map) has each of its accounts named, with
    the platform; every other organization is named once, at its most central drawn
    account, so a sector map stays readable.
    """
    own = net.scope.scope_id if net.scope.scope in ("partner", "organization") else None
    best: dict[str, int] = {}
    out: dict[int, str] = {}
    for i in chosen.tolist():
        org = net.org_id[i]
        if org is None:
            continue
        if org == own:
            out[i] = f"{net.org_name[i]} ({net.platform[i]})"
        elif org not in best or sizes[i] > sizes[best[org]]:
            best[org] = i
    for org, i in best.items():
        out[i] = str(net.org_name[i] or org)
    return out


def _find_text(net: WaveNetwork, i: int) -> str:
    handle = net.keys[i].split(":", 1)[-1]
    return f"{net.org_name[i] or ''} {handle} {net.org_id[i]}".lower()


def _type_of(net: WaveNetwork, i: int) -> str:
    if net.org_id[i] is not None:
        return net.org_type[i] or "organization"
    if not net.public[i]:
        return "person"
    return "group" if net.kind[i] == "group" else "other public account"


def _colours(
    net: WaveNetwork, chosen: np.ndarray, by: str
) -> tuple[list[str], list[str], list[str], str]:
    """Each drawn account's colour category, the legend's order and its colours."""
    if by == "community":
        # The communities with the most drawn accounts get a colour of their own (a large
        # community of the whole network may be mostly left out of a large map).
        comm = net.community()[chosen]
        found, counts = np.unique(comm[comm >= 0], return_counts=True)
        top = found[np.lexsort((found, -counts))][: len(COMMUNITY_COLOURS)]
        coloured = {int(c) for c in top.tolist()}
        cats = [str(c) if c in coloured else "other" for c in comm.tolist()]
        present = [str(c) for c in sorted(coloured)]
        domain = present + (["other"] if "other" in cats else [])
        palette = list(COMMUNITY_COLOURS[: len(present)]) + (
            [OTHER_COLOUR] if "other" in cats else []
        )
        return cats, domain, palette, "community (0 = largest)"
    cats = [_type_of(net, i) for i in chosen.tolist()]
    types = sorted({c for c in cats if c not in TYPE_OTHERS})
    others = [t for t in TYPE_OTHERS if t in cats]
    palette = [COMMUNITY_COLOURS[k % len(COMMUNITY_COLOURS)] for k in range(len(types))]
    return cats, types + others, palette + [TYPE_OTHERS[t] for t in others], "account type"


def _domains(
    xy: np.ndarray, width: int, height: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Scale domains that frame every point with a margin, in the drawing's aspect ratio."""
    if not len(xy):
        return (-1.0, 1.0), (-1.0, 1.0)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    mid = (lo + hi) / 2
    span = np.maximum(hi - lo, 1e-9) * 1.12 + 1e-6
    # One unit is as long across as down: widen whichever span is short for the aspect.
    per_px = max(span[0] / width, span[1] / height)
    half = np.array([per_px * width, per_px * height]) / 2
    return (
        (float(mid[0] - half[0]), float(mid[0] + half[0])),
        (float(mid[1] - half[1]), float(mid[1] + half[1])),
    )


def _subtitle(
    net: WaveNetwork, options: MapOptions, shown: int, total: int, ties: int, ties_total: int
) -> list[str]:
    w = net.wave
    scope = net.scope
    where = {"partner": "partner", "organization": "organization", "sector": "sector network",
             "container": "community group", "study": "whole study"}[scope.scope]  # fmt: skip
    scope_text = where if scope.scope in ("sector", "study") else f"{where} {scope.scope_id}"
    lines = [f"{w.label or w.id}, {w.start} to {w.end} · {scope_text}"]
    size = SIZE_TITLES[options.size]
    if shown < total:
        lines.append(
            f"{shown:,} of {total:,} accounts shown (the {options.max_nodes:,} with the highest "
            f"{size} and every organization account): {total - shown:,} accounts and "
            f"{ties_total - ties:,} of {ties_total:,} ties left out."
        )
    else:
        lines.append(f"All {total:,} accounts and {ties_total:,} ties shown.")
    colour = "community" if options.color == "community" else "account type"
    lines.append(
        f"Colour: {colour}; size: {size}; shape: platform; rings mark organizations' "
        "accounts. Only organizations are named."
    )
    return lines


# -- the specification ---------------------------------------------------------------------------
# A search matches an organization whose name, handle or id contains the text typed.
_MATCH = "datum.find && indexof(datum.find, lower(trim(search))) >= 0"
_SEARCHING = "length(trim(search)) > 0"


def _spec(m: NetworkMap, interactive: bool) -> dict[str, Any]:
    o = m.options
    width, height = o.width, int(o.width * 0.75)

    def pos(axis: str, domain: tuple[float, float]) -> dict[str, Any]:
        return {
            "field": axis,
            "type": "quantitative",
            "axis": None,
            "scale": {"domain": list(domain), "zero": False, "nice": False},
        }

    x, y = pos("x", m.domain_x), pos("y", m.domain_y)
    platforms = [p for p in PLATFORMS if any(a["platform"] == p for a in m.accounts)]
    size_title = SIZE_TITLES[o.size]
    # Layers are named: their marks carry the name as a class (accounts_marks ...).
    points: dict[str, Any] = {
        "name": "accounts",
        "data": {"name": "accounts"},
        "mark": {"type": "point", "filled": True, "strokeWidth": 0},
        "encoding": {
            "x": x,
            "y": y,
            "size": {
                "field": "size",
                "type": "quantitative",
                "title": size_title,
                "scale": {"type": "sqrt", "range": [6, 900], "zero": True},
                "legend": {"format": ".3~g"},
            },
            "color": {
                "field": "colour",
                "type": "nominal",
                "title": m.colour_title,
                "scale": {"domain": m.colour_domain, "range": m.colour_range},
            },
            "shape": {
                "field": "platform",
                "type": "nominal",
                "title": "platform",
                "scale": {"domain": platforms, "range": [PLATFORM_SHAPES[p] for p in platforms]},
            },
            "opacity": {"value": 0.85},
        },
    }
    labels: dict[str, Any] = {
        "data": {"name": "accounts"},
        "transform": [{"filter": "datum.label != null"}],
        "encoding": {"x": x, "y": y, "text": {"field": "label"}},
    }
    label_mark: dict[str, Any] = {"type": "text", "dy": -12, "fontSize": 11, "fontWeight": "bold"}
    # A white outline under each name keeps it readable over ties and points.
    halo: dict[str, Any] = {
        **labels,
        "name": "halo",
        "mark": {**label_mark, "stroke": "white", "strokeWidth": 3, "strokeOpacity": 0.8,
                 "aria": False},
    }  # fmt: skip
    text: dict[str, Any] = {**labels, "name": "labels", "mark": {**label_mark, "color": "#222"}}
    # A ring marks every organization account, however small its centrality.
    rings = {
        "name": "rings",
        "data": {"name": "accounts"},
        "transform": [{"filter": "datum.org"}],
        "mark": {"type": "point", "shape": "circle", "filled": False, "size": 380,
                 "color": "#222", "strokeWidth": 1.2, "aria": False},
        "encoding": {"x": x, "y": y},
    }  # fmt: skip
    ties = {
        "name": "ties",
        "data": {"name": "ties"},
        "mark": {"type": "rule", "color": TIE_COLOUR, "opacity": 0.35, "aria": False},
        "encoding": {
            "x": x,
            "y": y,
            "x2": {"field": "x2"},
            "y2": {"field": "y2"},
            "strokeWidth": {
                "field": "w",
                "type": "quantitative",
                "scale": {"type": "sqrt", "range": [0.4, 3]},
                "legend": None,
            },
        },
    }
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": {
            "text": m.title,
            "subtitle": m.subtitle,
            "anchor": "start",
            "fontSize": 16,
            "subtitleColor": "#444",
        },
        "width": width,
        "height": height,
        "background": "white",
        "datasets": {"accounts": m.accounts, "ties": m.ties},
        "layer": [ties, rings, points, halo, text],
        "config": {"view": {"stroke": None}, "legend": {"orient": "right"}},
    }
    if interactive:
        _make_interactive(spec, points, [rings, halo, text], size_title)
    return spec


def _make_interactive(
    spec: dict[str, Any],
    points: dict[str, Any],
    organizations: list[dict[str, Any]],
    size_title: str,
) -> None:
    """Zoom and pan on the scales, tooltips, and a search box that picks out organizations."""
    spec["params"] = [
        {
            "name": "search",
            "value": "",
            "bind": {"input": "search", "placeholder": "name or handle",
                     "name": "Find an organization: "},
        }
    ]  # fmt: skip
    points["params"] = [{"name": "zoom", "select": "interval", "bind": "scales"}]
    enc = points["encoding"]
    enc["tooltip"] = [
        {"field": "account", "title": "account"},
        {"field": "type", "title": "type"},
        {"field": "platform", "title": "platform"},
        {"field": "community", "title": "community"},
        {"field": "size", "title": size_title, "format": ".4~g"},
    ]
    shown = f"!({_SEARCHING}) || ({_MATCH})"
    enc["opacity"] = {"condition": {"test": shown, "value": 0.85}, "value": 0.12}
    enc["stroke"] = {"condition": {"test": f"({_SEARCHING}) && ({_MATCH})", "value": "#000"},
                     "value": None}  # fmt: skip
    enc["strokeWidth"] = {"condition": {"test": f"({_SEARCHING}) && ({_MATCH})", "value": 3},
                          "value": 0}  # fmt: skip
    for layer in organizations:
        layer["encoding"] = {
            **layer["encoding"],
            "opacity": {"condition": {"test": shown, "value": 1}, "value": 0.15},
        }


# -- rendering -------------------------------------------------------------------------------------
def render(m: NetworkMap, fmt: str) -> bytes:
    """The map as ``.svg``, ``.png``, ``.pdf`` or ``.html`` bytes."""
    import vl_convert as vlc

    if fmt == ".html":
        return html_page(m).encode("utf-8")
    spec = m.spec(interactive=False)
    kw: dict[str, Any] = {"vl_version": VL_VERSION, "allowed_base_urls": []}
    if fmt == ".svg":
        return vlc.vegalite_to_svg(spec, **kw).encode("utf-8")
    if fmt == ".png":
        return vlc.vegalite_to_png(spec, scale=2, **kw)
    if fmt == ".pdf":
        return vlc.vegalite_to_pdf(spec, **kw)
    raise ValueError(f"unknown map format {fmt}")


@functools.lru_cache(maxsize=1)
def _javascript() -> str:
    import vl_convert as vlc

    # vega-embed, Vega-Lite and Vega with their dependencies in one script; the page calls
    # the vegaEmbed it leaves on the window.
    bundle = vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;", vl_version=VL_VERSION)
    return _script_safe(bundle)


def _script_safe(text: str) -> str:
    """Library code that cannot end the <script> element it sits in.

    Only ``</script`` and ``<!--`` matter to the HTML parser; both are rewritten with a
    backslash, which means the same inside a JavaScript string or regular expression.
    """
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside <script>: every <, > and & written as a Unicode escape."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(ch, esc)
    return text


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="settlescope">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #222; }}
.help {{ color: #555; max-width: 60rem; font-size: 0.9rem; }}
#map.vega-embed {{ display: flex; flex-direction: column; }}
.vega-bindings {{ order: -1; margin: 0.75rem 0; }}
.vega-bindings input {{ font-size: 1rem; padding: 0.2rem 0.4rem; min-width: 16rem; }}
#map-error {{ color: #a00; }}
</style>
</head>
<body>
<main>
<div id="map" role="figure" aria-label="{title}"></div>
<p class="help">Scroll to zoom, drag to move, double-click to go back. Point at an account
for details; type in the box to find an organization. Private individuals are never named.</p>
<p id="map-error"></p>
<noscript>This map needs JavaScript. The same map is available as SVG, PNG or PDF:
settlescope map ... --out map.svg</noscript>
</main>
<script type="module">{library}</script>
<script type="module">
const spec = {spec};
vegaEmbed("#map", spec, {{ actions: false, renderer: "svg" }}).catch((e) => {{
  document.getElementById("map-error").textContent = "The map could not be drawn: " + e;
}});
</script>
</body>
</html>
"""


def html_page(m: NetworkMap) -> str:
    """A self-contained page: the interactive map with its libraries inline, no fetches."""
    return PAGE.format(
        title=html.escape(m.title, quote=True),
        library=_javascript(),
        spec=_json_for_script(m.spec(interactive=True)),
    )


# -- from the workspace to a file ----------------------------------------------------------------
@dataclass
class MapSummary:
    """What ``settlescope map`` drew and kept."""

    out: Path
    wave: str
    scope: Scope
    shown: int
    total: int
    ties_shown: int
    ties_total: int
    placed: int
    reused: int

    def line(self) -> str:
        left = self.total - self.shown
        what = f"{self.shown:,} of {self.total:,} accounts" + (
            f" ({left:,} left out)" if left else ""
        )
        return (
            f"{self.out}: {what}, {self.ties_shown:,} ties; positions: {self.reused:,} reused, "
            f"{self.placed:,} placed and kept"
        )


def write_map(
    ws: Workspace,
    study: Study,
    study_dir: Path,
    scope: Scope,
    wave: str,
    out: Path,
    options: MapOptions | None = None,
) -> MapSummary:
    """Draw the map of ``scope`` in ``wave`` to ``out`` (format from its extension).

    New positions are stored in one transaction, only once the map is drawn; a run that
    fails leaves the workspace and any existing file at ``out`` as they were.
    """
    options = options or MapOptions()
    options.check()
    out = Path(out)
    fmt = map_format(out)
    check_folder(out)
    reader = NetworkReader(ws, study, study_dir)
    title = reader.title(scope)
    reader.require_current([wave])
    net = reader.read(scope, wave)
    if net is None:
        raise MeasureError(
            f"{title} has no ties in wave '{wave}', so there is nothing to map",
            field="--wave",
            hint="choose another wave or network; `settlescope status` shows what was imported",
        )
    m = build_map(net, title, options, stored_positions(ws, layout_id(scope)))
    data = render(m, fmt)
    with replacing(out) as partial:
        partial.write_bytes(data)
        with ws.transaction():
            m.placement.save(ws)
    return MapSummary(
        out=out,
        wave=wave,
        scope=scope,
        shown=m.shown,
        total=m.total,
        ties_shown=m.ties_shown,
        ties_total=m.ties_total,
        placed=m.placement.placed,
        reused=m.shown - m.placement.placed,
    )
