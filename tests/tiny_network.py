"""A tiny hand-built network study whose maps and graph files can be checked by hand.

The fixtures ``tiny_template`` (built once) and ``tiny`` (a fresh copy per test) live in
``tests/conftest.py``.

Three organizations, each with one account on platform ``other``: partners ``p1`` (Alpha,
handle ``alpha``) and ``p2`` (a name with markup in it, handle ``beta``), and sector
organization ``s1`` (Gamma, ``gamma``). Private individuals have handles that appear nowhere
else (``zq-ana`` ...) and are pseudonymised at import; ``grp-newcomers`` is a public group.
Every edge is one reply; a tie's weight is the number of its rows, counted by hand below.

Baseline (2026-01-01 to 2026-06-30)::

    alpha -> zq-ana (2)   zq-ana -> alpha   zq-bob -> alpha   zq-cy -> alpha
    grp-newcomers -> alpha   alpha -> beta   beta -> zq-dee   zq-dee -> beta
    zq-eve -> beta   gamma -> zq-fay   zq-fay -> gamma   zq-bob -> zq-cy

Follow-up (2027-07-01 to 2027-12-31)::

    alpha -> zq-ana   zq-ana -> alpha (3)   zq-bob -> alpha   zq-gus -> alpha
    zq-hal -> alpha   zq-hal -> zq-gus   alpha -> beta   gamma -> zq-fay

Partner p1's network is every tie touching ``alpha``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from settlescope.measures.run import run_measures
from settlescope.store.pseudonym import Pseudonymiser, read_key
from settlescope.study.setup import OpenedStudy, create_study, open_study

ORGS = """
[[partners]]
id = "p1"
name = "Alpha Newcomer Services"
type = "settlement-agency"
[[partners.accounts]]
platform = "other"
handle = "alpha"
kind = "organization"

[[partners]]
id = "p2"
name = "Beta <b>Welcome</b> & \\"Co\\""
type = "multicultural-society"
[[partners.accounts]]
platform = "other"
handle = "beta"
kind = "organization"

[[sector]]
id = "s1"
name = "Gamma Hub"
type = "settlement-agency"
[[sector.accounts]]
platform = "other"
handle = "gamma"
kind = "organization"
"""

BASELINE = [
    ("alpha", "zq-ana"), ("alpha", "zq-ana"), ("zq-ana", "alpha"), ("zq-bob", "alpha"),
    ("zq-cy", "alpha"), ("grp-newcomers", "alpha"), ("alpha", "beta"), ("beta", "zq-dee"),
    ("zq-dee", "beta"), ("zq-eve", "beta"), ("gamma", "zq-fay"), ("zq-fay", "gamma"),
    ("zq-bob", "zq-cy"),
]  # fmt: skip
FOLLOWUP = [
    ("alpha", "zq-ana"), ("zq-ana", "alpha"), ("zq-ana", "alpha"), ("zq-ana", "alpha"),
    ("zq-bob", "alpha"), ("zq-gus", "alpha"), ("zq-hal", "alpha"), ("zq-hal", "zq-gus"),
    ("alpha", "beta"), ("gamma", "zq-fay"),
]  # fmt: skip
PERSONS = ("zq-ana", "zq-bob", "zq-cy", "zq-dee", "zq-eve", "zq-fay", "zq-gus", "zq-hal")
ORG_NAMES = {"alpha": "Alpha Newcomer Services", "beta": 'Beta <b>Welcome</b> & "Co"',
             "gamma": "Gamma Hub"}  # fmt: skip
GROUP_NAME = "Newcomers of the Valley chat"


@dataclass
class Tiny:
    """The tiny study, measured for both waves."""

    dir: Path
    key: Path

    @property
    def opened(self) -> OpenedStudy:
        return open_study(self.dir)

    def key_of(self, ref: str) -> str:
        """The account key of a handle used in the edge lists above."""
        if ref in ORG_NAMES or ref == "grp-newcomers":
            return f"other:{ref}"
        return f"other:{Pseudonymiser(read_key(self.key))('other', ref)}"

    def private_strings(self) -> list[str]:
        """Everything that could identify a private individual: handles and pseudonyms."""
        out = list(PERSONS)
        for p in PERSONS:
            key = self.key_of(p)
            out += [key, key.split(":", 1)[1]]
        return out


def _kind(ref: str) -> str:
    if ref == "grp-newcomers":
        return "group"
    return "organization" if ref in ORG_NAMES else "person"


def _name(ref: str) -> str:
    return GROUP_NAME if ref == "grp-newcomers" else ""


def _edges_csv(path: Path, edges: list[tuple[str, str]], day: str) -> Path:
    lines = ["source,target,kind,created_at,source_kind,target_kind,source_name,target_name"]
    for k, (s, t) in enumerate(edges):
        lines.append(
            f"{s},{t},reply,{day}T{10 + k % 10:02d}:{k:02d}:00Z,{_kind(s)},{_kind(t)},"
            f"{_name(s)},{_name(t)}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_tiny(root: Path) -> Tiny:
    """Create the tiny study under ``root``, import both waves and run the network measures."""
    from settlescope.importers.run import import_file

    key = root / "keys" / "tiny.key"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SETTLESCOPE_KEY_FILE", str(key))
        create_study(root / "study", name="Tiny", key_file=key)
        toml = root / "study" / "study.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + ORGS, encoding="utf-8")
        opened = open_study(root / "study")
        with opened.workspace() as ws:
            for wave, edges, day in (("baseline", BASELINE, "2026-02-01"),
                                     ("followup", FOLLOWUP, "2027-08-01")):  # fmt: skip
                f = _edges_csv(root / f"{wave}.csv", edges, day)
                s = import_file(ws, f, wave=wave, study=opened.study, format_id="edge-list-csv",
                                pseudonymiser=opened.pseudonymiser())  # fmt: skip
                assert s.loaded == len(edges)
            run_measures(ws, opened.study, only=["network"], study_dir=root / "study")
    return Tiny(root / "study", key)


def svg_labels(svg: str) -> list[str]:
    """Texts drawn by a map's own text marks in its SVG (not the title or the legends)."""
    root = ET.fromstring(svg)
    out = []
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        cls = g.get("class", "")
        if "mark-text" in cls and "role-mark" in cls:
            out += [t.text or "" for t in g.iter("{http://www.w3.org/2000/svg}text")]
    return out
