"""Scores of the text tools against a hand-labelled set (accuracy, precision, recall).

The set is a CSV with columns ``text``, ``language``, ``categories`` (``;``-separated) and
``is_question`` (see ``tests/cases/text/README.md``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from settlescope.text import langid, questions
from settlescope.text.taxonomy import load_taxonomy


@dataclass(frozen=True)
class Post:
    text: str
    language: str
    categories: frozenset[str]
    is_question: bool


def read_posts(path: Path) -> list[Post]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Post(
                r["text"],
                r["language"],
                frozenset(c for c in r["categories"].split(";") if c),
                r["is_question"] == "1",
            )
            for r in csv.DictReader(f)
        ]


def language_accuracy(posts: list[Post]) -> dict[str, tuple[int, int]]:
    """Per language: (correct, total); key ``"all"`` for the whole set."""
    dets = langid.detect_many([p.text for p in posts])
    out: dict[str, tuple[int, int]] = {}
    for p, d in zip(posts, dets, strict=True):
        for key in (p.language, "all"):
            ok, n = out.get(key, (0, 0))
            out[key] = (ok + (d.language == p.language), n + 1)
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    """Precision and recall (NaN-free: 0/0 counts as 1.0, nothing claimed, nothing missed)."""
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return prec, rec


def category_scores(posts: list[Post], taxonomy_id: str) -> dict[str, tuple[int, int, int]]:
    """Per category of the taxonomy: (true positives, false positives, false negatives)."""
    tax = load_taxonomy(taxonomy_id)
    ids = {c.id for c in tax.categories}
    dets = langid.detect_many([p.text for p in posts])
    out = {c: (0, 0, 0) for c in sorted(ids)}
    for p, d in zip(posts, dets, strict=True):
        got = {m.category for m in tax.match(p.text, d.language)}
        want = p.categories & ids
        for c in ids:
            tp, fp, fn = out[c]
            out[c] = (tp + (c in got and c in want), fp + (c in got and c not in want),
                      fn + (c in want and c not in got))  # fmt: skip
    return out


def question_scores(posts: list[Post]) -> dict[str, tuple[int, int, int]]:
    """Per language and ``"all"``: (true positives, false positives, false negatives)."""
    out: dict[str, tuple[int, int, int]] = {}
    dets = langid.detect_many([p.text for p in posts])
    for p, d in zip(posts, dets, strict=True):
        got = questions.is_question(p.text, d.language)
        for key in (p.language, "all"):
            tp, fp, fn = out.get(key, (0, 0, 0))
            out[key] = (tp + (got and p.is_question), fp + (got and not p.is_question),
                        fn + (p.is_question and not got))  # fmt: skip
    return out
