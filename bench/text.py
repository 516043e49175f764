"""Text tools: accuracy on the hand-labelled set and throughput of language identification.

Run: .venv/bin/python bench/text.py   (prints the figures recorded in bench/RESULTS.md)
"""

from __future__ import annotations

import os
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

EVAL = Path(__file__).parents[1] / "tests" / "cases" / "text" / "eval_posts.csv"


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
    q = question_scores(posts)
    print(
        "questions: "
        + ", ".join(f"{k} P {prf(*v)[0]:.2f} R {prf(*v)[1]:.2f}" for k, v in q.items())
    )

    texts = [p.text for p in posts] * 50
    model = langid._fasttext_model()
    t0 = time.perf_counter()
    for t in texts:
        model.predict(langid.prepare(t), k=1)
    base = len(texts) / (time.perf_counter() - t0)
    langid.detect_many(texts[:100])  # load lingua
    t0 = time.perf_counter()
    dets = langid.detect_many(texts)
    ours = len(texts) / (time.perf_counter() - t0)
    second = sum(d.source == "lingua" for d in dets) / len(dets)
    print(f"throughput on {len(texts):,} short posts: fastText alone {base:,.0f} posts/s; "
          f"pipeline {ours:,.0f} posts/s ({second:.0%} sent to lingua)")  # fmt: skip


if __name__ == "__main__":
    main()
