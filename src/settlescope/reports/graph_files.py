"""Graph files for Gephi and other network tools: GEXF 1.3 (dynamic) and GraphML (static).

Both files hold one network (a partner's, an organization's, the sector's or a community
group's) over the chosen waves: every account that has a tie in any of them, and every
directed tie, with what the measures kept per account in each wave.

GEXF 1.3, a dynamic graph
    ``timeformat="date"``; each wave is a time span, its window in study.toml (start and
    end dates, both included). A node and an edge carry one ``<spell>`` per wave in which
    they exist. Static node attributes: ``platform``, ``kind``, ``organization`` (the
    study's organization id), ``organization_type``. Dynamic node attributes, one value per
    wave: ``community`` (Leiden, 0 the largest), ``in_degree``, ``out_degree``,
    ``pagerank``, ``betweenness``, ``coreness``. Edges carry a dynamic ``weight`` (Gephi
    reads it as the edge's weight over time) and ``interactions`` per wave; their XML
    ``weight`` is the sum over the exported waves.

GraphML, a static graph
    The same nodes and edges, with per-wave columns: ``present_<wave>``,
    ``community_<wave>``, ``in_degree_<wave>`` ... for nodes; ``present_<wave>``,
    ``weight_<wave>``, ``interactions_<wave>`` for edges, and ``weight`` (the sum over the
    waves). A value is left out for a wave in which the node or edge does not exist.

Identity
    A node's id is its account key: the organization's handle for the accounts the study
    lists, the pseudonym (``platform:~...``) for private individuals. Labels name
    organizations and other public accounts (pages, groups, channels); a private
    individual's label is empty.

Both files are written as a stream (an element at a time, text XML-escaped and stripped of
characters XML cannot hold) to a temporary file that replaces the target only when complete.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from settlescope import __version__
from settlescope.errors import MeasureError
from settlescope.measures.network.graph import Scope
from settlescope.reports.networks import NetworkReader, WaveNetwork
from settlescope.reports.output import check_folder, output_format, replacing
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study, Wave

FORMATS = (".gexf", ".graphml")
# Per-wave node attributes, the column names files use, and their XML types.
NODE_VALUES = {
    "community": ("community", "integer"),
    "in-degree": ("in_degree", "integer"),
    "out-degree": ("out_degree", "integer"),
    "pagerank": ("pagerank", "double"),
    "betweenness": ("betweenness", "double"),
    "coreness": ("coreness", "integer"),
}
STATIC = ("platform", "kind", "organization", "organization_type")

# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class GraphHistory:
    """One network over several waves: the union of its accounts and ties.

    ``present`` is (accounts x waves); ``values[attr]`` the same shape, NaN where the
    account is absent. ``src``/``dst`` index the accounts; ``weight`` and ``count`` are
    (ties x waves), NaN / 0 where the tie is absent.
    """

    scope: Scope
    title: str
    waves: list[Wave]
    keys: list[str]
    label: list[str]
    static: dict[str, list[str]]
    present: np.ndarray
    values: dict[str, np.ndarray]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    count: np.ndarray

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def m(self) -> int:
        return len(self.src)

    @property
    def tie_present(self) -> np.ndarray:
        return ~np.isnan(self.weight)


def read_history(
    reader: NetworkReader, scope: Scope, waves: Iterable[str], title: str | None = None
) -> GraphHistory:
    """The network of ``scope`` over ``waves`` (waves in which it has no ties are left out)."""
    title = title or reader.title(scope)
    nets = [net for w in waves if (net := reader.read(scope, w)) is not None]
    if not nets:
        raise MeasureError(
            f"{title} has no ties in the chosen wave(s), so there is nothing to export",
            field="--wave",
            hint="choose other waves or another network; `settlescope status` shows what "
            "was imported",
        )
    index: dict[str, int] = {}
    label: list[str] = []
    static: dict[str, list[str]] = {k: [] for k in STATIC}
    for net in nets:
        for i, key in enumerate(net.keys):
            if key in index:
                continue
            index[key] = len(index)
            label.append(_label(net, i))
            static["platform"].append(net.platform[i])
            static["kind"].append(net.kind[i] or "")
            static["organization"].append(net.org_id[i] or "")
            static["organization_type"].append(net.org_type[i] or "")
    n, k = len(index), len(nets)
    present = np.zeros((n, k), dtype=bool)
    values = {a: np.full((n, k), np.nan) for a in NODE_VALUES}
    codes, weights, counts, waves_of = [], [], [], []
    for j, net in enumerate(nets):
        at = np.fromiter((index[key] for key in net.keys), dtype=np.int64, count=net.n)
        present[at, j] = True
        for a in NODE_VALUES:
            values[a][at, j] = net.attrs[a]
        codes.append(at[net.src] * n + at[net.dst])
        weights.append(net.weight)
        counts.append(net.count)
        waves_of.append(np.full(len(net.src), j))
    code = np.concatenate(codes)
    ties, tie_of = np.unique(code, return_inverse=True)
    weight = np.full((len(ties), k), np.nan)
    count = np.zeros((len(ties), k), dtype=np.int64)
    wave_of = np.concatenate(waves_of)
    weight[tie_of, wave_of] = np.concatenate(weights)
    count[tie_of, wave_of] = np.concatenate(counts)
    return GraphHistory(
        scope=scope,
        title=title,
        waves=[net.wave for net in nets],
        keys=list(index),
        label=label,
        static=static,
        present=present,
        values=values,
        src=ties // n,
        dst=ties % n,
        weight=weight,
        count=count,
    )


def _label(net: WaveNetwork, i: int) -> str:
    """Organizations and public accounts are named; a private individual's label is empty."""
    if net.org_id[i] is not None:
        return net.org_name[i] or net.org_id[i] or ""
    return (net.name[i] or "") if net.public[i] else ""


# -- writing -----------------------------------------------------------------------------------
def _text(value: object) -> str:
    return escape(_NOT_XML.sub("", str(value)))


def _attr(value: object) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def _number(value: float, xml_type: str) -> str:
    return str(int(round(value))) if xml_type == "integer" else repr(float(value))


def gexf_lines(h: GraphHistory) -> Iterator[str]:
    """The GEXF 1.3 document of ``h``, a line at a time."""
    spans = [(w.start.isoformat(), w.end.isoformat()) for w in h.waves]
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<gexf xmlns="http://gexf.net/1.3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
    )
    yield f"  <meta lastmodifieddate={_attr(dt.date.today().isoformat())}>\n"
    yield f"    <creator>settlescope {_text(__version__)}</creator>\n"
    waves = ", ".join(f"{w.id} ({s} to {e})" for w, (s, e) in zip(h.waves, spans, strict=True))
    yield f"    <description>{_text(f'{h.title}: waves {waves}')}</description>\n"
    yield "  </meta>\n"
    yield (
        '  <graph mode="dynamic" defaultedgetype="directed" timeformat="date" '
        'timerepresentation="interval">\n'
    )
    yield '    <attributes class="node" mode="static">\n'
    for name in STATIC:
        yield f'      <attribute id="{name}" title="{name}" type="string"/>\n'
    yield "    </attributes>\n"
    yield '    <attributes class="node" mode="dynamic">\n'
    for col, typ in NODE_VALUES.values():
        yield f'      <attribute id="{col}" title="{col}" type="{typ}"/>\n'
    yield "    </attributes>\n"
    yield '    <attributes class="edge" mode="dynamic">\n'
    yield '      <attribute id="weight" title="weight" type="double"/>\n'
    yield '      <attribute id="interactions" title="interactions" type="integer"/>\n'
    yield "    </attributes>\n"
    yield "    <nodes>\n"
    for i, key in enumerate(h.keys):
        yield f"      <node id={_attr(key)} label={_attr(h.label[i])}>\n        <attvalues>\n"
        for name in STATIC:
            if h.static[name][i]:
                yield f'          <attvalue for="{name}" value={_attr(h.static[name][i])}/>\n'
        for attr, (col, typ) in NODE_VALUES.items():
            for j, (s, e) in enumerate(spans):
                v = h.values[attr][i, j]
                if h.present[i, j] and not math.isnan(v):
                    yield (
                        f'          <attvalue for="{col}" value="{_number(v, typ)}" '
                        f'start="{s}" end="{e}"/>\n'
                    )
        yield "        </attvalues>\n        <spells>\n"
        for j, (s, e) in enumerate(spans):
            if h.present[i, j]:
                yield f'          <spell start="{s}" end="{e}"/>\n'
        yield "        </spells>\n      </node>\n"
    yield "    </nodes>\n    <edges>\n"
    present = h.tie_present
    for t in range(h.m):
        total = float(np.nansum(h.weight[t]))
        yield (
            f'      <edge id="{t}" source={_attr(h.keys[h.src[t]])} '
            f'target={_attr(h.keys[h.dst[t]])} weight="{total!r}">\n        <attvalues>\n'
        )
        for j, (s, e) in enumerate(spans):
            if present[t, j]:
                yield (
                    f'          <attvalue for="weight" value="{float(h.weight[t, j])!r}" '
                    f'start="{s}" end="{e}"/>\n'
                    f'          <attvalue for="interactions" value="{int(h.count[t, j])}" '
                    f'start="{s}" end="{e}"/>\n'
                )
        yield "        </attvalues>\n        <spells>\n"
        for j, (s, e) in enumerate(spans):
            if present[t, j]:
                yield f'          <spell start="{s}" end="{e}"/>\n'
        yield "        </spells>\n      </edge>\n"
    yield "    </edges>\n  </graph>\n</gexf>\n"


def graphml_lines(h: GraphHistory) -> Iterator[str]:
    """The GraphML document of ``h``, a line at a time."""
    waves = [w.id for w in h.waves]
    node_keys: list[tuple[str, str, str]] = [("label", "label", "string")]
    node_keys += [(s, s, "string") for s in STATIC]
    for w in waves:
        node_keys.append((f"present_{w}", f"present_{w}", "boolean"))
        node_keys += [(f"{col}_{w}", f"{col}_{w}", typ) for col, typ in NODE_VALUES.values()]
    edge_keys: list[tuple[str, str, str]] = [("weight", "weight", "double")]
    for w in waves:
        edge_keys += [
            (f"present_{w}", f"present_{w}", "boolean"),
            (f"weight_{w}", f"weight_{w}", "double"),
            (f"interactions_{w}", f"interactions_{w}", "int"),
        ]
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    yield f"  <!-- {_text(h.title)}: settlescope {_text(__version__)} -->\n"
    for cls, keys in (("node", node_keys), ("edge", edge_keys)):
        for kid, name, typ in keys:
            gtype = {"integer": "int", "boolean": "boolean"}.get(typ, typ)
            yield (
                f'  <key id="{cls[0]}_{_text(kid)}" for="{cls}" attr.name={_attr(name)} '
                f'attr.type="{gtype}"/>\n'
            )
    # GraphML wants a token as the graph's id; the title is in the comment above.
    graph_id = re.sub(r"[^\w.:-]", "_", f"{h.scope.scope}:{h.scope.scope_id}")
    yield f'  <graph id="{graph_id}" edgedefault="directed">\n'
    for i, key in enumerate(h.keys):
        yield f"    <node id={_attr(key)}>\n"
        yield f'      <data key="n_label">{_text(h.label[i])}</data>\n'
        for name in STATIC:
            if h.static[name][i]:
                yield f'      <data key="n_{name}">{_text(h.static[name][i])}</data>\n'
        for j, w in enumerate(waves):
            here = bool(h.present[i, j])
            yield f'      <data key="n_present_{_text(w)}">{str(here).lower()}</data>\n'
            if not here:
                continue
            for attr, (col, typ) in NODE_VALUES.items():
                v = h.values[attr][i, j]
                if not math.isnan(v):
                    yield f'      <data key="n_{col}_{_text(w)}">{_number(v, typ)}</data>\n'
        yield "    </node>\n"
    present = h.tie_present
    for t in range(h.m):
        yield (
            f"    <edge source={_attr(h.keys[h.src[t]])} target={_attr(h.keys[h.dst[t]])}>\n"
            f'      <data key="e_weight">{float(np.nansum(h.weight[t]))!r}</data>\n'
        )
        for j, w in enumerate(waves):
            here = bool(present[t, j])
            yield f'      <data key="e_present_{_text(w)}">{str(here).lower()}</data>\n'
            if here:
                yield (
                    f'      <data key="e_weight_{_text(w)}">{float(h.weight[t, j])!r}</data>\n'
                    f'      <data key="e_interactions_{_text(w)}">{int(h.count[t, j])}</data>\n'
                )
        yield "    </edge>\n"
    yield "  </graph>\n</graphml>\n"


def _stream(lines: Iterator[str], fh: IO[str], chunk: int = 2000) -> None:
    """Write ``lines`` in chunks (the document is never held whole in memory)."""
    buf: list[str] = []
    for line in lines:
        buf.append(line)
        if len(buf) >= chunk:
            fh.write("".join(buf))
            buf.clear()
    fh.write("".join(buf))


@dataclass
class ExportSummary:
    """What ``settlescope export-graph`` wrote."""

    out: Path
    scope: Scope
    waves: list[str]
    nodes: int
    edges: int

    def line(self) -> str:
        return (
            f"{self.out}: {self.nodes:,} accounts and {self.edges:,} ties over "
            f"{len(self.waves)} wave(s) ({', '.join(self.waves)})"
        )


def graph_format(out: Path) -> str:
    """The file format chosen by the file's extension."""
    return output_format(
        out, FORMATS, "end the file name with .gexf (Gephi, with time spans) or .graphml"
    )


def export_graph(
    ws: Workspace,
    study: Study,
    study_dir: Path,
    scope: Scope,
    waves: Iterable[str] | None,
    out: Path,
) -> ExportSummary:
    """Write the network of ``scope`` over ``waves`` (default: every wave with data) to ``out``.

    Example
    -------
    >>> export_graph(ws, study, Path("my-study"), Scope("sector", "sector"), None,
    ...              Path("sector.gexf"))  # doctest: +SKIP
    """
    from settlescope.measures.run import waves_with_data

    out = Path(out)
    fmt = graph_format(out)
    check_folder(out)
    reader = NetworkReader(ws, study, study_dir)
    title = reader.title(scope)
    chosen = list(waves) if waves else waves_with_data(ws, study)
    if not chosen:
        raise MeasureError(
            "the workspace holds no data to export",
            file=str(study_dir),
            hint=f"import exports first: settlescope import FILE --study {study_dir}",
        )
    reader.require_current(chosen)
    h = read_history(reader, scope, chosen, title)
    with replacing(out) as partial, open(partial, "w", encoding="utf-8", newline="\n") as fh:
        _stream(gexf_lines(h) if fmt == ".gexf" else graphml_lines(h), fh)
    return ExportSummary(out, scope, [w.id for w in h.waves], h.n, h.m)
