"""The labelling step: languages, taxonomy categories and question flags for the items.

:func:`label_workspace` fills, for every item of the workspace:

- ``items.language``: the detected language (:mod:`settlescope.text.langid`), ISO 639-1 or
  ``"und"``;
- ``item_labels`` rows with taxonomy ``"language"`` (the primary language and its confidence;
  one row per item, which also marks the item as labelled), ``"language-secondary"`` (the
  second language of a mixed-language post) and ``"language-platform"`` (the language the
  platform's export gave, kept when the detector replaces it);
- ``item_labels`` rows of each taxonomy the study uses (``[taxonomies] use``), with the
  category, its score, the taxonomy's method id and version;
- ``item_flags`` rows with flag ``"question"`` (:mod:`settlescope.text.questions`).

It is idempotent and incremental. Items already labelled by the current versions are left
alone, so a second run changes nothing and a run after an import labels only the new items.
When a component's method or version changes (a new taxonomy file, a new langid version), its
rows are replaced for every item; a taxonomy no longer in use loses its rows. The versions
applied are recorded in the workspace's meta table (keys ``labels.<component>``).

Items are read in Arrow batches on a second cursor and the results staged in scratch tables,
so memory stays flat; the workspace itself only changes in one transaction at the end, so a
failed run leaves it as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from settlescope.errors import WorkspaceError
from settlescope.store.schema import TABLES
from settlescope.store.workspace import META_TABLE, Workspace
from settlescope.study.model import Study
from settlescope.text import langid, questions
from settlescope.text.taxonomy import Folded, Taxonomy, fold_for_matching, load_taxonomy

LANG_TAXONOMY = "language"
SECONDARY_TAXONOMY = "language-secondary"
PLATFORM_TAXONOMY = "language-platform"
PLATFORM_METHOD = "platform-export"
META_PREFIX = "labels."
BATCH_ROWS = 20_000

# progress(items done, items to do, note)
LabelProgress = Callable[[int, int, str], None]


@dataclass
class LabelSummary:
    """What one labelling run did."""

    items: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    relabelled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "languages": dict(sorted(self.languages.items(), key=lambda kv: -kv[1])),
            "labels": self.labels,
            "questions": self.questions,
            "relabelled": self.relabelled,
            "removed": self.removed,
            "seconds": round(self.seconds, 3),
        }


def _components(taxonomies: list[Taxonomy]) -> dict[str, str]:
    """Component name -> the signature (method:version) that labels it today."""
    out = {
        LANG_TAXONOMY: f"{langid.METHOD}:{langid.VERSION}",
        questions.FLAG: f"{questions.METHOD}:{questions.VERSION}",
    }
    for t in taxonomies:
        out[t.id] = f"{t.method}:{t.version}"
    return out


def taxonomies_in_use(study: Study) -> list[Taxonomy]:
    """The study's taxonomies, loaded (an unknown id raises a :class:`StudyError`)."""
    return [load_taxonomy(t) for t in dict.fromkeys(study.taxonomies.use)]


def label_workspace(
    ws: Workspace, study: Study, *, progress: LabelProgress | None = None
) -> LabelSummary:
    """Label the items of ``ws`` that the current methods have not labelled yet.

    Parameters
    ----------
    ws
        An open DuckDB workspace.
    study
        The study; its ``[taxonomies] use`` chooses the taxonomies.
    progress
        Called as ``progress(done, total, note)`` while items are labelled.

    Returns
    -------
    LabelSummary
        Items labelled, their languages, label rows per taxonomy, questions flagged.

    Example
    -------
    >>> summary = label_workspace(ws, study)  # doctest: +SKIP
    >>> label_workspace(ws, study).items  # doctest: +SKIP
    0
    """
    if ws.engine != "duckdb":
        raise WorkspaceError(
            "labelling runs on the embedded DuckDB workspace",
            hint="label the study with `settlescope label` before moving it to Spark",
        )
    t0 = time.perf_counter()
    taxes = taxonomies_in_use(study)
    report = progress or (lambda done, total, note: None)
    con = ws.duck
    wanted = _components(taxes)
    applied = _applied(con)
    stale = {c for c, sig in wanted.items() if applied.get(c) != sig}
    removed = sorted(c for c in applied if c not in wanted)
    summary = LabelSummary(relabelled=sorted(stale & set(applied)), removed=removed)

    sel = _selection_sql(bool(stale))
    params = [langid.METHOD, langid.VERSION]
    (total,) = con.execute(f"SELECT count(*) FROM ({sel})", params).fetchone()  # type: ignore[misc]
    report(0, int(total), "")

    with ws.staging():
        _create_scratch(ws)
        reader = con.cursor()
        try:
            batches = reader.execute(sel, params).fetch_record_batch(BATCH_ROWS)
            done = 0
            for batch in batches:
                _label_batch(ws, batch, taxes, stale, summary)
                done += batch.num_rows
                report(done, int(total), f"{done:,} items")
        finally:
            reader.close()
        summary.items = int(total)
        _commit(ws, wanted, stale, removed)
    summary.seconds = time.perf_counter() - t0
    return summary


def _applied(con: Any) -> dict[str, str]:
    rows = con.execute(
        f"SELECT key, value FROM {META_TABLE} WHERE key LIKE '{META_PREFIX}%'"
    ).fetchall()
    return {k.removeprefix(META_PREFIX): v for k, v in rows}


def _selection_sql(everything: bool) -> str:
    """Items to look at: all of them, or those without the current language marker.

    ``is_new`` marks the items without it; ``ever`` the items that had a language row of any
    version (their ``items.language`` is then the detector's, not the platform's).
    """
    where = "" if everything else "WHERE m.item_key IS NULL"
    return (
        "SELECT i.item_key, i.text, i.language, m.item_key IS NULL AS is_new, "
        "e.item_key IS NOT NULL AS ever FROM items AS i "
        "LEFT JOIN (SELECT DISTINCT item_key FROM item_labels WHERE taxonomy = 'language' "
        "AND method = ? AND version = ?) AS m ON m.item_key = i.item_key "
        "LEFT JOIN (SELECT DISTINCT item_key FROM item_labels WHERE taxonomy = 'language') "
        f"AS e ON e.item_key = i.item_key {where}"
    )


_SCRATCH = {
    "_stage_lbl_lang": "item_key VARCHAR, language VARCHAR",
    "_stage_lbl_done": "component VARCHAR, item_key VARCHAR",
    "_stage_lbl_labels": ", ".join(f'"{f.name}" VARCHAR' for f in TABLES["item_labels"]).replace(
        '"score" VARCHAR', '"score" DOUBLE'
    ),
    "_stage_lbl_flags": ", ".join(f'"{f.name}" VARCHAR' for f in TABLES["item_flags"]),
}


_LANG_SCHEMA = pa.schema([("item_key", pa.string()), ("language", pa.string())])
_DONE_SCHEMA = pa.schema([("component", pa.string()), ("item_key", pa.string())])


def _create_scratch(ws: Workspace) -> None:
    for name, cols in _SCRATCH.items():
        ws.create_scratch(name, cols)


def _insert(ws: Workspace, name: str, table: pa.Table) -> None:
    if table.num_rows == 0:
        return
    con = ws.duck
    con.register("_lbl_batch", table)
    try:
        con.execute(f'INSERT INTO "{name}" SELECT * FROM _lbl_batch')
    finally:
        con.unregister("_lbl_batch")


def _label_batch(
    ws: Workspace, batch: pa.RecordBatch, taxes: list[Taxonomy], stale: set[str], s: LabelSummary
) -> None:
    keys: list[str] = batch.column("item_key").to_pylist()
    texts: list[str | None] = batch.column("text").to_pylist()
    langs: list[str | None] = batch.column("language").to_pylist()
    new: list[bool] = batch.column("is_new").to_pylist()
    ever: list[bool] = batch.column("ever").to_pylist()
    labels: dict[str, list[Any]] = {f.name: [] for f in TABLES["item_labels"]}
    flags: dict[str, list[Any]] = {f.name: [] for f in TABLES["item_flags"]}
    done: dict[str, list[str]] = {"component": [], "item_key": []}

    def label(key: str, taxonomy: str, cat: str, score: float | None, method: str, v: str) -> None:
        for col, val in zip(labels, (key, taxonomy, cat, score, method, v), strict=True):
            labels[col].append(val)

    def mark(component: str, key: str) -> None:
        done["component"].append(component)
        done["item_key"].append(key)

    # languages
    run_lang = [i for i in range(len(keys)) if new[i] or LANG_TAXONOMY in stale]
    lang_out: dict[str, list[str]] = {"item_key": [], "language": []}
    dets = langid.detect_many([texts[i] for i in run_lang])
    for i, d in zip(run_lang, dets, strict=True):
        k = keys[i]
        mark(LANG_TAXONOMY, k)
        given = langs[i]
        if not ever[i] and given:
            label(k, PLATFORM_TAXONOMY, given, None, PLATFORM_METHOD, "1")
        langs[i] = d.language
        lang_out["item_key"].append(k)
        lang_out["language"].append(d.language)
        label(k, LANG_TAXONOMY, d.language, round(d.confidence, 4), langid.METHOD, langid.VERSION)
        if d.secondary:
            label(
                k, SECONDARY_TAXONOMY, d.secondary, round(d.secondary_confidence, 4),
                langid.METHOD, langid.VERSION,
            )  # fmt: skip
        s.languages[d.language] = s.languages.get(d.language, 0) + 1

    # taxonomies (each text folded once for all of them)
    folded: dict[int, Folded] = {}
    for tax in taxes:
        n = 0
        for i, k in enumerate(keys):
            if not (new[i] or tax.id in stale):
                continue
            mark(tax.id, k)
            text = texts[i]
            if not text:
                continue
            if i not in folded:
                folded[i] = fold_for_matching(text)
            for m in tax.match(text, langs[i], folded=folded[i]):
                label(k, tax.id, m.category, m.score, tax.method, tax.version)
                n += 1
        s.labels[tax.id] = s.labels.get(tax.id, 0) + n

    # questions
    for i, k in enumerate(keys):
        if not (new[i] or questions.FLAG in stale):
            continue
        mark(questions.FLAG, k)
        hit = questions.detect_question(texts[i], langs[i])
        if hit:
            for col, val in zip(
                flags,
                (k, questions.FLAG, hit.rule_id, hit.evidence[:200], questions.METHOD,
                 questions.VERSION),
                strict=True,
            ):  # fmt: skip
                flags[col].append(val)
            s.questions += 1

    _insert(ws, "_stage_lbl_lang", pa.table(lang_out, schema=_LANG_SCHEMA))
    _insert(ws, "_stage_lbl_done", pa.table(done, schema=_DONE_SCHEMA))
    _insert(ws, "_stage_lbl_labels", pa.table(labels, schema=TABLES["item_labels"]))
    _insert(ws, "_stage_lbl_flags", pa.table(flags, schema=TABLES["item_flags"]))


def _commit(
    ws: Workspace,
    wanted: dict[str, str],
    stale: set[str],
    removed: list[str],
) -> None:
    con = ws.duck
    with ws.transaction():
        lang_rows = (LANG_TAXONOMY, SECONDARY_TAXONOMY)
        for comp in [*wanted, *removed]:
            if comp == questions.FLAG:
                where = "flag = 'question' AND method = ?"
                table, arg = "item_flags", questions.METHOD
            elif comp == LANG_TAXONOMY:
                where = f"taxonomy IN {lang_rows!r} AND method = ?"
                table, arg = "item_labels", langid.METHOD
            else:
                where = "taxonomy = ? AND method IS NOT NULL"
                table, arg = "item_labels", comp
            if comp in stale or comp in removed:
                con.execute(f'DELETE FROM "{table}" WHERE {where}', [arg])
            else:
                con.execute(
                    f'DELETE FROM "{table}" WHERE {where} AND item_key IN '
                    "(SELECT item_key FROM _stage_lbl_done WHERE component = ?)",
                    [arg, comp],
                )
        con.execute(
            'UPDATE items SET language = s.language FROM "_stage_lbl_lang" AS s '
            "WHERE items.item_key = s.item_key"
        )
        cols = ", ".join(f'"{f.name}"' for f in TABLES["item_labels"])
        con.execute(f'INSERT INTO item_labels ({cols}) SELECT {cols} FROM "_stage_lbl_labels"')
        cols = ", ".join(f'"{f.name}"' for f in TABLES["item_flags"])
        con.execute(f'INSERT INTO item_flags ({cols}) SELECT {cols} FROM "_stage_lbl_flags"')
        keys = [f"{META_PREFIX}{c}" for c in [*wanted, *removed]]
        con.execute(f"DELETE FROM {META_TABLE} WHERE key IN ({', '.join('?' for _ in keys)})", keys)
        con.executemany(
            f"INSERT INTO {META_TABLE} VALUES (?, ?)",
            [[f"{META_PREFIX}{c}", sig] for c, sig in wanted.items()],
        )
