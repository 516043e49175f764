"""Network files: GEXF (Gephi, NodeXL, 4CAT), GraphML, and edge-list CSVs.

Every edge of the file is one input record and one primary ``interactions`` row; nodes are
auxiliary ``accounts`` rows carrying their labels. XML files are streamed with
``iterparse`` and each node or edge is dropped from memory once read, so a graph of millions
of edges needs memory only for its attribute definitions and the node kinds it declares.

Decisions, the same for the three formats:

- **Platform**: ``--platform`` (``source.options.platform``), else ``other``.
- **Edge kind**: taken from an edge attribute named ``kind``, ``type``, ``relationship``,
  ``interaction`` or ``edge type`` (GEXF 1.3's ``kind`` XML attribute included), normalised
  (``retweet``/``forward`` → ``share``, ``follows``/``follower`` → ``follow``, ``member`` →
  ``membership``, ``likes`` → ``reaction``, ``replies``/``reply_to`` → ``reply``,
  ``mentions`` → ``mention``; other values are kept, lower-cased). A ``label`` attribute is
  used only when it names one of those kinds, because Gephi puts free text there. GEXF's
  ``type="directed|undirected|mutual"`` is a direction, not a kind. Without any, generic
  graph edges get the neutral kind ``link``; follower lists ``follow``; member lists
  ``membership``.
- **Direction**: edges are stored as ``source → target`` in the order the file writes them,
  one row per edge line, also in undirected graphs (the interactions table has no column for
  directedness; an undirected edge is not doubled).
- **Weight**: GEXF's ``weight``, or an attribute/column named ``weight``; default 1.
- **Time**: GEXF dynamic graphs: an edge's ``start`` (or ``timestamp``, or its first
  ``<spell start>``) as ``created_at`` when the graph's ``timeformat`` is a date or date-time;
  abstract ``double``/``integer`` times are not dates and are left out. GraphML and CSV: an
  attribute/column named ``created_at``, ``timestamp``, ``time``, ``date`` or ``start``.
  Times without an offset are read in the study's (or ``--time-zone``) zone.
- **Nodes**: the node id is the account ref, its label the display name. A node attribute
  named ``kind``, ``type``, ``account_kind`` or ``account_type`` whose value is an account kind
  (person/user, organization, page, group, channel) sets the account's kind; otherwise the
  kind is ``person`` (so private individuals are pseudonymised) unless ``--option
  node_kind=KIND`` says otherwise.
- **Identity and duplicates**: edges have no item, so the framework identifies an edge by
  (platform, kind, source, target, time) and, without a time, by the file's hash and the
  edge's locator ``edge N`` (its ordinal in the file). Parallel edges without a time are
  therefore all loaded; parallel edges with the same time merge as duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO, Any

from settlescope.errors import EncodingError
from settlescope.importers.base import Batch, Reject, Sniff, Source, importer
from settlescope.importers.reading import epoch_time

BATCH_ROWS = 5000
ACCOUNT_KINDS = {
    "person": "person",
    "user": "person",
    "individual": "person",
    "people": "person",
    "organization": "organization",
    "organisation": "organization",
    "org": "organization",
    "page": "page",
    "group": "group",
    "community": "group",
    "channel": "channel",
}
EDGE_KINDS = {
    "reply": "reply",
    "replies": "reply",
    "replied": "reply",
    "reply_to": "reply",
    "replies_to": "reply",
    "mention": "mention",
    "mentions": "mention",
    "share": "share",
    "shares": "share",
    "retweet": "share",
    "retweets": "share",
    "repost": "share",
    "forward": "share",
    "forwards": "share",
    "reaction": "reaction",
    "reactions": "reaction",
    "like": "reaction",
    "likes": "reaction",
    "follow": "follow",
    "follows": "follow",
    "follower": "follow",
    "following": "follow",
    "membership": "membership",
    "member": "membership",
    "member_of": "membership",
}
DIRECTIONS = frozenset({"directed", "undirected", "mutual"})
KIND_ATTRS = ("kind", "type", "relationship", "interaction", "edge type", "edge_type")
NODE_KIND_ATTRS = ("kind", "type", "account_kind", "account_type")
TIME_ATTRS = ("created_at", "timestamp", "time", "date", "start")
DATE_FORMATS = frozenset({"date", "datetime", "timestamp"})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _platform(source: Source) -> str:
    return source.options.platform or "other"


def _default_node_kind(source: Source) -> str:
    kind = ACCOUNT_KINDS.get((source.options.extra.get("node_kind") or "").strip().lower())
    return kind or "person"


def _edge_kind(attrs: dict[str, str], default: str) -> str:
    for name in KIND_ATTRS:
        v = attrs.get(name)
        if v is None:
            continue
        v = v.strip().lower()
        if v and v not in DIRECTIONS:
            return EDGE_KINDS.get(v.replace(" ", "_"), v)
    label = (attrs.get("label") or "").strip().lower().replace(" ", "_")
    return EDGE_KINDS.get(label, default)


def _node_kind(attrs: dict[str, str]) -> str | None:
    for name in NODE_KIND_ATTRS:
        v = attrs.get(name)
        if v is not None and v.strip().lower() in ACCOUNT_KINDS:
            return ACCOUNT_KINDS[v.strip().lower()]
    return None


def _time(value: str | None, source: Source) -> dt.datetime | None | bool:
    """A time from text: a datetime, None when absent, False when present but unreadable."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    if re.fullmatch(r"-?\d{9,13}(\.\d+)?", v):
        t = epoch_time(float(v))
        return False if t is None else t
    try:
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00") if v.endswith("Z") else v)
    except ValueError:
        return False
    return t.replace(tzinfo=source.tz) if t.tzinfo is None else t


def _weight(value: str | None) -> float | None | bool:
    if value is None or not value.strip():
        return None
    try:
        w = float(value)
    except ValueError:
        return False
    return w if w == w and abs(w) != float("inf") else False


# -- XML (GEXF and GraphML) ------------------------------------------------------------------


class _Graph:
    """What the parser keeps while walking one XML graph file."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.platform = _platform(source)
        self.default_kind = _default_node_kind(source)
        self.node_kinds: dict[str, str] = {}
        self.edges: list[dict[str, Any]] = []
        self.accounts: list[dict[str, Any]] = []
        self.rejects: list[Reject] = []
        self.n_edges = 0
        # attribute definitions: class ("node"/"edge") → id → (name, default)
        self.defs: dict[str, dict[str, tuple[str, str | None]]] = {"node": {}, "edge": {}}
        self.time_ok = True

    def kind_of(self, ref: str) -> str:
        return self.node_kinds.get(ref, self.default_kind)

    def node(self, ref: str | None, label: str | None, attrs: dict[str, str]) -> None:
        if not ref:
            return
        kind = _node_kind(attrs)
        if kind is not None and kind != self.default_kind:
            self.node_kinds[ref] = kind
        self.accounts.append(
            {
                "platform": self.platform,
                "ref": ref,
                "platform_id": ref,
                "handle": None,
                "display_name": label or attrs.get("label") or None,
                "kind": kind or self.default_kind,
            }
        )

    def edge(
        self,
        source: str | None,
        target: str | None,
        attrs: dict[str, str],
        weight: str | None,
        start: str | None,
        raw: str,
    ) -> None:
        self.n_edges += 1
        locator = f"edge {self.n_edges}"
        w = _weight(weight if weight is not None else attrs.get("weight"))
        if w is False:
            self.rejects.append(
                Reject(locator, "bad-weight", f"the edge weight {weight!r} is not a number", raw)
            )
            return
        when: dt.datetime | None | bool = None
        if start is not None:
            when = _time(start, self.source) if self.time_ok else None
        else:
            for name in TIME_ATTRS:
                if attrs.get(name):
                    when = _time(attrs[name], self.source)
                    break
        if when is False:
            self.rejects.append(
                Reject(locator, "bad-timestamp", "the edge's time could not be read", raw)
            )
            return
        self.edges.append(
            {
                "platform": self.platform,
                "kind": _edge_kind(attrs, "link"),
                "source": source or None,
                "source_kind": self.kind_of(source) if source else None,
                "target": target or None,
                "target_kind": self.kind_of(target) if target else None,
                "created_at": when,
                "weight": w,
                "_locator": locator,
                "_raw": raw,
            }
        )

    def full(self) -> bool:
        return len(self.edges) + len(self.rejects) + len(self.accounts) >= BATCH_ROWS

    def batch(self, done: int | None) -> Batch:
        b = Batch(
            rows={"interactions": self.edges} if self.edges else {},
            aux={"accounts": self.accounts} if self.accounts else {},
            rejects=self.rejects,
            bytes_done=done,
        )
        self.edges, self.accounts, self.rejects = [], [], []
        return b


class _Counting(io.RawIOBase):
    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._fh.readinto(b)  # type: ignore[attr-defined]
        self.done += n or 0
        return n  # type: ignore[no-any-return]


def _raw_xml(elem: ET.Element) -> str:
    try:
        return ET.tostring(elem, encoding="unicode")[:4000]
    except (TypeError, ValueError):
        return ""


def _walk_xml(
    source: Source, root_name: str
) -> Iterator[tuple[str, ET.Element, ET.Element | None, ET.Element]]:
    """Yield (event, element, parent, root) from iterparse, turning XML errors into refusals."""
    with source.open_binary() as fh:
        stack: list[ET.Element] = []
        root: ET.Element | None = None
        try:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if event == "start":
                    if root is None:
                        root = elem
                        if _local(elem.tag) != root_name:
                            raise source.error(
                                f"the document's root element is <{_local(elem.tag)}>, not <{root_name}>",
                                locator="line 1",
                                hint=f"check that this is a {root_name.upper()} file",
                            )
                    parent = stack[-1] if stack else None
                    stack.append(elem)
                    yield "start", elem, parent, root
                else:
                    stack.pop()
                    parent = stack[-1] if stack else None
                    yield "end", elem, parent, root
        except ET.ParseError as e:
            line, col = getattr(e, "position", (0, 0))
            raise source.error(
                f"the XML could not be read at line {line}, column {col} ({e.msg if hasattr(e, 'msg') else e}): "
                "the file looks truncated or damaged; export it again",
                locator=f"line {line}, column {col}",
                hint="export the graph again from Gephi (or the tool that wrote it)",
            ) from None
        except UnicodeDecodeError as e:
            raise EncodingError(
                f"the file could not be decoded: {e}",
                file=source.name,
                hint="save the file as UTF-8 and import it again",
            ) from None


def _drop(elem: ET.Element, parent: ET.Element | None) -> None:
    elem.clear()
    if parent is not None:
        try:
            parent.remove(elem)
        except ValueError:
            pass


def _detect_gexf(s: Sniff) -> float:
    text = s.text()[:4096].lower()
    return 0.95 if "<gexf" in text else (0.1 if s.suffix == ".gexf" and "<" in text else 0.0)


def _detect_graphml(s: Sniff) -> float:
    text = s.text()[:4096].lower()
    return 0.95 if "<graphml" in text else (0.1 if s.suffix == ".graphml" and "<" in text else 0.0)


def _gexf_attvalues(elem: ET.Element, defs: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """A GEXF node's or edge's attribute values by lower-cased title, defaults included."""
    out = {name: d for name, d in defs.values() if d is not None}
    for child in elem:
        if _local(child.tag) != "attvalues":
            continue
        for av in child:
            key = av.get("for") or av.get("id")  # pre-1.0 Gephi files write id=
            if key is None:
                continue
            name = defs.get(key, (key.lower(), None))[0]
            value = av.get("value")
            if value is not None:
                out[name] = value
    return out


def _first_spell(elem: ET.Element) -> str | None:
    for child in elem:
        if _local(child.tag) == "spells":
            for spell in child:
                s = spell.get("start") or spell.get("startopen") or spell.get("timestamp")
                if s:
                    return s
    return None


@importer(
    id="gexf",
    name="GEXF graph (Gephi, NodeXL, 4CAT)",
    reads="a GEXF 1.1, 1.2 or 1.3 network file (and Gephi's pre-1.0 GEXF): nodes become "
    "accounts, each edge an interaction (kind 'link' unless an edge attribute names one)",
    fills=("interactions", "accounts"),
    extensions=(".gexf",),
    detect=_detect_gexf,
    expect="an XML file whose root element is <gexf> with <nodes> and <edges>",
)
def parse_gexf(source: Source) -> Iterator[Batch]:
    """Stream a GEXF file's nodes (accounts) and edges (interactions).

    Example
    -------
    >>> import_file(ws, Path("network.gexf"), wave="baseline", study=study)  # doctest: +SKIP
    """
    g = _Graph(source)
    for event, elem, parent, _root in _walk_xml(source, "gexf"):
        name = _local(elem.tag)
        if event == "start":
            if name == "graph":
                fmt = (elem.get("timeformat") or "date").lower().replace("-", "").replace("_", "")
                g.time_ok = fmt in DATE_FORMATS
            continue
        if name == "attribute":
            cls = parent.get("class", "node") if parent is not None else "node"
            default = next((c.text for c in elem if _local(c.tag) == "default"), None)
            key = elem.get("id") or elem.get("title") or ""
            g.defs.setdefault(cls, {})[key] = ((elem.get("title") or key).strip().lower(), default)
        elif name == "node" and parent is not None and _local(parent.tag) == "nodes":
            attrs = _gexf_attvalues(elem, g.defs["node"])
            g.node(elem.get("id"), elem.get("label"), attrs)
            _drop(elem, parent)
        elif name == "edge" and parent is not None and _local(parent.tag) == "edges":
            attrs = _gexf_attvalues(elem, g.defs["edge"])
            # GEXF's own edge attributes: kind (1.3) and label; its 'type' is a direction
            if elem.get("kind") is not None:
                attrs["kind"] = elem.get("kind", "")
            if elem.get("label") is not None:
                attrs.setdefault("label", elem.get("label", ""))
            start = (
                elem.get("start")
                or elem.get("startopen")
                or elem.get("timestamp")
                or _first_spell(elem)
            )
            raw = _raw_xml(elem)
            g.edge(elem.get("source"), elem.get("target"), attrs, elem.get("weight"), start, raw)
            _drop(elem, parent)
        if g.full():
            yield g.batch(None)
    yield g.batch(source.size)


def _graphml_data(elem: ET.Element, keys: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    out = {name: d for name, d in keys.values() if d is not None}
    for child in elem:
        if _local(child.tag) == "data":
            k = child.get("key") or ""
            out[keys.get(k, (k.lower(), None))[0]] = (child.text or "").strip()
    return out


@importer(
    id="graphml",
    name="GraphML graph",
    reads="a GraphML network file (Gephi, NodeXL, igraph, networkx): nodes become accounts, "
    "each edge an interaction (kind 'link' unless an edge attribute names one)",
    fills=("interactions", "accounts"),
    extensions=(".graphml", ".xml"),
    detect=_detect_graphml,
    expect="an XML file whose root element is <graphml> with <node> and <edge> elements",
)
def parse_graphml(source: Source) -> Iterator[Batch]:
    """Stream a GraphML file's nodes (accounts) and edges (interactions).

    Example
    -------
    >>> import_file(ws, Path("network.graphml"), wave="baseline", study=study)  # doctest: +SKIP
    """
    g = _Graph(source)
    keys: dict[str, dict[str, tuple[str, str | None]]] = {"node": {}, "edge": {}}
    for event, elem, parent, _root in _walk_xml(source, "graphml"):
        if event == "start":
            continue
        name = _local(elem.tag)
        if name == "key":
            default = next(
                ((c.text or "").strip() for c in elem if _local(c.tag) == "default"), None
            )
            attr_name = (elem.get("attr.name") or elem.get("id") or "").strip().lower()
            for cls in ("node", "edge") if elem.get("for") in (None, "all") else (elem.get("for"),):
                keys.setdefault(cls or "node", {})[elem.get("id") or ""] = (attr_name, default)
        elif name == "node":
            attrs = _graphml_data(elem, keys["node"])
            g.node(elem.get("id"), None, attrs)
            _drop(elem, parent)
        elif name == "edge":
            attrs = _graphml_data(elem, keys["edge"])
            raw = _raw_xml(elem)
            g.edge(elem.get("source"), elem.get("target"), attrs, None, None, raw)
            _drop(elem, parent)
        elif name == "hyperedge":
            g.n_edges += 1
            g.rejects.append(
                Reject(
                    f"edge {g.n_edges}",
                    "hyperedge",
                    "hyperedges (more than two ends) are not supported",
                    _raw_xml(elem),
                )
            )
            _drop(elem, parent)
        if g.full():
            yield g.batch(None)
    yield g.batch(source.size)


# -- edge-list CSV ---------------------------------------------------------------------------

# (source column, target column, default kind, target kind or None)
PAIRS = (
    ("source", "target", "link", None),
    ("follower", "followed", "follow", None),
    ("member", "group", "membership", "group"),
    ("from", "to", "link", None),
)


def _csv_header(text: str) -> tuple[list[str], str] | None:
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if not first or first.lstrip().startswith(("{", "[", "<")):
        return None
    delim = max(",;\t", key=first.count)
    try:
        row = next(csv.reader([first], delimiter=delim))
    except (csv.Error, StopIteration):
        return None
    return [h.strip().lower() for h in row], delim


def _pair(cols: list[str]) -> tuple[str, str, str, str | None] | None:
    for p in PAIRS:
        if p[0] in cols and p[1] in cols:
            return p
    return None


def _detect_edge_csv(s: Sniff) -> float:
    h = _csv_header(s.text())
    if h is None:
        return 0.0
    cols, _ = h
    p = _pair(cols)
    if p is None:
        return 0.0
    # a header of only the pair (and edge columns) is an edge list; with many other columns
    # it is more likely some other export that happens to have 'source'/'target'
    known = {
        p[0],
        p[1],
        "kind",
        "type",
        "relationship",
        "label",
        "weight",
        "id",
        "source_kind",
        "target_kind",
        "source_name",
        "target_name",
        *TIME_ATTRS,
    }
    return 0.6 if len(set(cols) - known) <= 2 else 0.3


@importer(
    id="edge-list-csv",
    name="Edge list CSV (follower or member lists)",
    reads="a CSV edge list with a header: source,target or follower,followed or member,group "
    "(or from,to), optionally kind/type, weight, created_at/timestamp/time/date, "
    "source_kind/target_kind and source_name/target_name",
    fills=("interactions", "accounts"),
    extensions=(".csv", ".tsv", ".txt"),
    detect=_detect_edge_csv,
    expect="a CSV whose header names source,target (or follower,followed, or member,group)",
)
def parse_edge_list_csv(source: Source) -> Iterator[Batch]:
    """Stream an edge-list CSV: one interaction per row.

    Accepted headers (case-insensitive, comma, semicolon or tab separated):
    ``source,target`` (kind ``link``), ``follower,followed`` (kind ``follow``),
    ``member,group`` (kind ``membership``, the target a group), ``from,to`` (``link``); and
    optionally ``kind``/``type``/``relationship`` (Gephi's ``Type`` = Directed/Undirected is
    ignored as a kind), ``weight``, ``created_at``/``timestamp``/``time``/``date``/``start``,
    ``source_kind``/``target_kind`` and ``source_name``/``target_name``.

    Example
    -------
    >>> import_file(ws, Path("followers.csv"), wave="baseline", study=study)  # doctest: +SKIP
    """
    platform = _platform(source)
    default_kind = _default_node_kind(source)
    enc = source.encoding
    if enc.lower().replace("-", "").replace("_", "") == "utf8":
        enc = "utf-8-sig"
    fh = source.open_binary()
    counter = _Counting(fh)
    text = io.TextIOWrapper(io.BufferedReader(counter), encoding=enc, errors="strict", newline="")
    edges: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    try:
        h = _csv_header(text.readline())
        pair = _pair(h[0]) if h else None
        if h is None or pair is None:
            raise source.error(
                "the header does not name the two ends of an edge",
                locator="line 1",
                field="source/target",
                hint="the first line must name source,target (or follower,followed, or member,group)",
            )
        cols, delim = h
        idx = {c: i for i, c in enumerate(cols)}
        si, ti = idx[pair[0]], idx[pair[1]]
        kind_i = next((idx[c] for c in ("kind", "relationship", "type") if c in idx), None)
        weight_i = idx.get("weight")
        time_i = next((idx[c] for c in TIME_ATTRS if c in idx), None)
        sk_i, tk_i = idx.get("source_kind"), idx.get("target_kind")
        sn_i, tn_i = idx.get("source_name"), idx.get("target_name")
        reader = csv.reader(text, delimiter=delim, strict=True)
        prev_end = 1  # the header is line 1; a record may span several lines
        for row in reader:
            locator = f"line {prev_end + 1}"
            prev_end = reader.line_num + 1
            if not row or all(not c.strip() for c in row):
                continue
            raw = delim.join(row)[:4000]
            if len(row) != len(cols):
                rejects.append(
                    Reject(
                        locator, "bad-row", f"expected {len(cols)} fields, found {len(row)}", raw
                    )
                )
                continue

            def cell(i: int | None, r: list[str] = row) -> str | None:
                return r[i].strip() or None if i is not None else None

            w = _weight(cell(weight_i))
            if w is False:
                rejects.append(
                    Reject(
                        locator, "bad-weight", f"the weight {cell(weight_i)!r} is not a number", raw
                    )
                )
                continue
            when = _time(cell(time_i), source)
            if when is False:
                rejects.append(
                    Reject(
                        locator,
                        "bad-timestamp",
                        f"the time {cell(time_i)!r} could not be read",
                        raw,
                    )
                )
                continue
            kind_text = cell(kind_i)
            kind = _edge_kind({"kind": kind_text} if kind_text else {}, pair[2])
            s_kind = ACCOUNT_KINDS.get((cell(sk_i) or "").lower(), default_kind)
            t_kind = ACCOUNT_KINDS.get((cell(tk_i) or "").lower(), pair[3] or default_kind)
            edges.append(
                {
                    "platform": platform,
                    "kind": kind,
                    "source": cell(si),
                    "source_kind": s_kind,
                    "source_name": cell(sn_i),
                    "target": cell(ti),
                    "target_kind": t_kind,
                    "target_name": cell(tn_i),
                    "created_at": when,
                    "weight": w,
                    "_locator": locator,
                    "_raw": raw,
                }
            )
            if len(edges) + len(rejects) >= BATCH_ROWS:
                yield Batch(rows={"interactions": edges}, rejects=rejects, bytes_done=counter.done)
                edges, rejects = [], []
        yield Batch(
            rows={"interactions": edges} if edges else {}, rejects=rejects, bytes_done=counter.done
        )
    except UnicodeDecodeError as e:
        raise EncodingError(
            f"the file is not valid {source.encoding} text: {e.reason}",
            file=source.name,
            hint="re-run with --encoding NAME (for example --encoding cp1252)",
        ) from None
    except csv.Error as e:
        raise source.error(
            f"the CSV could not be read: {e}; the file looks truncated or damaged",
            locator="near the end" if "EOF" in str(e) or "end" in str(e) else None,
            hint="export the edge list again",
        ) from None
    finally:
        text.close()
