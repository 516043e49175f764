"""Running an import: detect, refuse early, stream batches in one transaction, count.

Guarantees (DESIGN §5): a file of the wrong format is refused before anything is written;
the same file imported twice changes nothing; overlapping exports merge on the platform's id;
every record is loaded, merged as a duplicate or rejected with its place and reason; and a run
that fails or is killed leaves the workspace as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import orjson
import pyarrow as pa

from settlescope.errors import FormatError, ImportRefused, SettlescopeError
from settlescope.importers.base import (
    Batch,
    ImporterSpec,
    ImportOptions,
    Reject,
    Sniff,
    Source,
    detect_format,
    get_importer,
)
from settlescope.importers.bulk import merge_staged_items, resolve_staged_items
from settlescope.importers.normalize import (
    AccountBook,
    canonical,
    canonical_accounts,
    split_invalid,
    to_table,
)
from settlescope.store.pseudonym import Pseudonymiser
from settlescope.store.schema import TABLES
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study

Progress = Callable[[int, int, int], None]  # bytes done, bytes total, records read


@dataclass
class ImportSummary:
    """What one import did. ``read == loaded + duplicates + rejected`` always."""

    path: str
    format_id: str
    run_id: str | None
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    derived_edges: int = 0
    accounts_new: int = 0
    skipped_same_file: bool = False
    by_table: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> str:
        name = Path(self.path).name
        if self.skipped_same_file:
            return f"{name}: already imported (run {self.run_id}); nothing changed"
        s = (
            f"{name} [{self.format_id}]: read {self.read:,} = loaded {self.loaded:,}"
            f" + duplicates {self.duplicates:,} + rejected {self.rejected:,}"
        )
        if self.derived_edges:
            s += f"; {self.derived_edges:,} edges derived"
        if self.reject_reasons:
            s += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(self.reject_reasons.items())) + ")"
        return s


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _closing(batches: Iterator[Batch]) -> Iterator[None]:
    """Close a parser's batches (a generator) when the block ends, however it ends."""
    try:
        yield
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


class _Digest:
    """The SHA-256 of a file, computed on a thread of its own from the moment it is made.

    hashlib releases the interpreter's lock while it hashes, so the file is hashed on one
    core while it is parsed on the others.
    """

    def __init__(self, path: Path) -> None:
        self._result: list[str | BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._result.append(sha256_of(path))
        except BaseException as e:  # re-raised by value()
            self._result.append(e)

    def value(self) -> str:
        self._thread.join()
        (result,) = self._result
        if isinstance(result, BaseException):
            raise result
        return result


def resolve_format(path: Path, format_id: str) -> ImporterSpec:
    """The importer for ``path``; with a declared format, refuse a file that is not of it."""
    if format_id in ("auto", "", None):
        return detect_format(path)
    spec = get_importer(format_id)
    if spec.detect(Sniff.of(path)) <= 0:
        raise FormatError(
            f"this is not a {spec.name} file: expected {spec.expect}",
            file=str(path),
            hint="check the file, or leave out --format to let settlescope detect it "
            "(`settlescope formats` lists what it reads)",
        )
    return spec


def import_file(
    ws: Workspace,
    path: Path,
    *,
    wave: str,
    study: Study | None,
    format_id: str = "auto",
    partner_id: str | None = None,
    options: ImportOptions | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> ImportSummary:
    """Import one file into the workspace, atomically.

    Example
    -------
    >>> import_file(ws, Path("chat.txt"), wave="baseline", study=study)  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise ImportRefused("file not found", file=str(path), hint="check the path")
    if path.stat().st_size == 0:
        raise ImportRefused("the file is empty", file=str(path), hint="export the data again")
    if study is not None:
        study.wave(wave)
        if partner_id:
            study.organization(partner_id)
    spec = resolve_format(path, format_id)
    options = options or ImportOptions()
    if study is not None:
        tz = ZoneInfo(options.time_zone) if options.time_zone else study.time_zone_for(partner_id)
    else:
        tz = ZoneInfo(options.time_zone or "UTC")
    source = Source(
        path=path, study=study, tz=tz, options=options, partner_id=partner_id, wave=wave
    )
    runs = ws.table("import_runs")
    same_size = runs.filter((runs.size_bytes == path.stat().st_size) & (runs.format_id == spec.id))
    hashing = _Digest(path)
    if not same_size.count().to_pyarrow().as_py():
        # No earlier import of a file this size: it cannot be the same file, so the hash
        # is only needed for the run log and is computed while the file is read.
        digest, seen_before = None, False
    else:
        digest = hashing.value()
        # Rejects of a file already imported are the same rows again: keep them once, so
        # that a forced re-import of the same file changes nothing but the run log.
        seen_before = bool(
            runs.filter(
                (runs.sha256 == digest)
                & (runs.format_id == spec.id)
                & (runs.importer_version == spec.version)
            )
            .count()
            .to_pyarrow()
            .as_py()
        )
    if digest is not None and not force:
        prior = (
            runs.filter(
                (runs.sha256 == digest)
                & (runs.format_id == spec.id)
                & (runs.wave == wave)
                & (runs.status == "complete")
            )
            .select("run_id")
            .limit(1)
            .to_pyarrow()
            .to_pylist()
        )
        if prior:
            return ImportSummary(str(path), spec.id, prior[0]["run_id"], skipped_same_file=True)

    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    summary = ImportSummary(str(path), spec.id, run_id)
    book = AccountBook(study, pseudonymiser, run_id)
    ctx: dict[str, object] = {
        "wave": wave,
        "run_id": run_id,
        "partner_id": partner_id,
        "sha256": digest,
    }
    started = dt.datetime.now(dt.UTC)
    total = path.stat().st_size
    accounts_before = ws.count("accounts")
    reject_rows: list[dict[str, object]] = []
    aggregated = 0

    def add_rejects(rejects: list[Reject]) -> None:
        for r in rejects:
            summary.rejected += 1
            summary.reject_reasons[r.reason] = summary.reject_reasons.get(r.reason, 0) + 1
            reject_rows.append(
                dict(
                    run_id=run_id,
                    source=str(path),
                    locator=r.locator,
                    reason=r.reason,
                    message=r.message,
                    raw=r.raw,
                )
            )
        if len(reject_rows) >= 10_000:
            flush_rejects()

    def flush_rejects() -> None:
        if seen_before:
            reject_rows.clear()
        if reject_rows:
            ws.stage("rejects", pa.Table.from_pylist(reject_rows, schema=TABLES["rejects"]))
            reject_rows.clear()

    with ws.staging(), ws.import_memory():
        try:
            # A DuckDB workspace lets a bulk importer stage its raw rows itself.
            bulk = spec.bulk(source, ws) if spec.bulk and ws.engine == "duckdb" else None
            if bulk is None:
                ctx["sha256"] = hashing.value()  # parsers may key rows by the file's hash
            batches = spec.parse(source) if bulk is None else bulk
            # Closing the batches first, however the loop ends, stops a bulk importer's
            # worker before anything else uses the workspace's connection.
            with _closing(batches):
                for batch in batches:
                    for table, rows in batch.aux.items():
                        t = to_table(rows, table)
                        if table == "accounts":
                            canonical_accounts(t, book)
                        elif t.num_rows:
                            t, _ = split_invalid(table, t)
                            ws.stage(table, canonical(table, t, book, ctx), primary=False)
                    for table, rows in batch.rows.items():
                        t = to_table(rows, table)
                        if t.num_rows == 0:
                            continue
                        t, bad = split_invalid(table, t)
                        add_rejects(bad)
                        summary.read += t.num_rows + len(bad)
                        if t.num_rows:
                            ws.stage(table, canonical(table, t, book, ctx))
                    add_rejects(batch.rejects)
                    summary.read += len(batch.rejects) + batch.staged + batch.aggregated
                    aggregated += batch.aggregated
                    ws.stage("accounts", book.take_new(), primary=False)
                    if progress:
                        progress(batch.bytes_done or 0, total, summary.read)
            if bulk is not None:
                invalid, bulk_valid = resolve_staged_items(ws, book)
                add_rejects(invalid)
        except SettlescopeError:
            raise
        except (ValueError, KeyError, TypeError, IndexError, pa.ArrowException, OverflowError) as e:
            # A parser met something it did not expect: refuse the whole file rather than
            # load part of it. Only scratch tables were written, and they are dropped.
            raise FormatError(
                f"the file could not be read as {spec.name}: {type(e).__name__}: {e}",
                file=str(path),
                hint="check that the file is complete and of this format; "
                "if it is, please report this with the file's first lines",
            ) from e
        flush_rejects()
        ctx["sha256"] = digest = hashing.value()
        with ws.transaction(run_id):
            if bulk is not None:
                new = merge_staged_items(ws, ctx)
                summary.loaded += new
                summary.duplicates += bulk_valid - new
                if bulk_valid:
                    summary.by_table["items"] = bulk_valid
            for table in ("items", "audience", "audience_breakdown", "client_records"):
                before = ws.count(table) if aggregated and table == "client_records" else 0
                new, staged = ws.merge_staged(table)
                summary.loaded += new
                summary.duplicates += staged - new
                if staged:
                    summary.by_table[table] = staged
            if aggregated:
                # client-level rows were folded into aggregates: loaded if they added any
                grew = ws.count("client_records") > before
                summary.loaded += aggregated if grew else 0
                summary.duplicates += 0 if grew else aggregated
                summary.by_table["client_records"] = aggregated
            ws.merge_staged("client_rows")
            edges = derived_edges(ws, run_id, ctx)
            if ws.engine == "duckdb" and not ws.is_staged("interactions"):
                # Nothing else to merge them with: the new edges go straight in.
                staged_edges = ws.insert_new("interactions", edges)
            else:
                staged_edges = ws.stage_expr("interactions", edges, primary=False)
            new, staged = ws.merge_staged("interactions")
            summary.loaded += new
            summary.duplicates += staged - new
            if staged:
                summary.by_table["interactions"] = staged
            summary.derived_edges = staged_edges
            ws.merge_staged("accounts")
            ws.append_staged("rejects")
            sync_organizations(ws, study)
            summary.accounts_new = ws.count("accounts") - accounts_before
            if summary.read != summary.loaded + summary.duplicates + summary.rejected:
                raise RuntimeError(f"import counts do not add up: {summary}")
            run_row = dict(
                run_id=run_id,
                source_path=str(path.resolve()),
                source_name=path.name,
                sha256=digest,
                size_bytes=total,
                format_id=spec.id,
                importer_version=spec.version,
                wave=wave,
                partner_id=partner_id,
                started_at=started,
                finished_at=dt.datetime.now(dt.UTC),
                rows_read=summary.read,
                rows_loaded=summary.loaded,
                rows_duplicate=summary.duplicates,
                rows_rejected=summary.rejected,
                status="complete",
                options=orjson.dumps(
                    {k: v for k, v in asdict(options).items() if v and k != "mapping"}
                    | ({"mapping": options.mapping.model_dump()} if options.mapping else {})
                ).decode(),
            )
            ws.append("import_runs", pa.Table.from_pylist([run_row], schema=TABLES["import_runs"]))
    return summary


def derived_edges(ws: Workspace, run_id: str, ctx: dict[str, object]) -> ibis.Table:
    """Reply, mention and share edges from the items this run loaded, each key once.

    A reply edge goes from the reply's author to the author of the item it answers, which may
    have come from an earlier import: that is why edges are derived in the store, after the
    items, rather than inside a parser.
    """
    items = ws.table("items")
    mine = items.filter(items.run_id == run_id)
    asking = mine.filter(mine.parent_key.notnull())
    # Only the items answered (a semi-join first): joining every item as a parent would
    # build a hash table of the whole table, which spills to disk on a large workspace.
    answered = items.filter(items.item_key.isin(asking.parent_key))
    parents = answered.select(p_key="item_key", p_author="author_key")
    replies = asking.join(parents, asking.parent_key == parents.p_key)
    reply_edges = replies.select(
        platform=replies.platform,
        kind=_lit("reply"),
        source_key=replies.author_key,
        target_key=replies.p_author,
        item_key=replies.item_key,
        container_key=replies.container_key,
        created_at=replies.created_at,
        partner_id=replies.partner_id,
    )
    shares = mine.filter(mine.shared_from_key.notnull())
    share_edges = shares.select(
        platform=shares.platform,
        kind=_lit("share"),
        source_key=shares.author_key,
        target_key=shares.shared_from_key,
        item_key=shares.item_key,
        container_key=shares.container_key,
        created_at=shares.created_at,
        partner_id=shares.partner_id,
    )
    ment = mine.filter(mine.mentions.length() > 0)
    ment = ment.mutate(target_key=ment.mentions.unnest())
    # An item that mentions an account twice gives one edge (replies and shares are one
    # per item already).
    mention_edges = ment.select(
        platform=ment.platform,
        kind=_lit("mention"),
        source_key=ment.author_key,
        target_key=ment.target_key,
        item_key=ment.item_key,
        container_key=ment.container_key,
        created_at=ment.created_at,
        partner_id=ment.partner_id,
    ).distinct()
    edges = reply_edges.union(share_edges).union(mention_edges)
    edges = edges.filter(edges.source_key.notnull() & edges.target_key.notnull())
    edges = edges.mutate(
        interaction_key=edges.platform.concat(
            "|", edges.kind, "|", edges.source_key, "|", edges.target_key, "|", edges.item_key
        ),
        weight=_lit(1.0),
        wave=_lit(str(ctx["wave"])),
        run_id=_lit(run_id),
    )
    return edges


def _lit(v: object) -> ibis.Scalar:
    return ibis.literal(v)


def sync_organizations(ws: Workspace, study: Study | None) -> None:
    """Keep the organizations table in step with the study file."""
    if study is None:
        return
    rows = [
        dict(
            org_id=o.id,
            name=o.name,
            region=o.region,
            type=o.type,
            is_partner=o in study.partners,
            time_zone=o.time_zone,
        )
        for o in study.organizations
    ]
    ws.replace_rows("organizations", pa.Table.from_pylist(rows, schema=TABLES["organizations"]))
