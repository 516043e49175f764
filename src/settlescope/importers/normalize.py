"""Raw importer rows to canonical rows: keys, pseudonyms, partners, rejects.

All of it is vectorised with Arrow compute; Python only loops over the distinct accounts of a
batch (far fewer than its rows), where the keyed hash is computed once per account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from settlescope.importers.base import RAW, REQUIRED, Reject, Rows
from settlescope.store.pseudonym import Pseudonymiser
from settlescope.store.schema import TABLES
from settlescope.study.model import Study

_TELEGRAM_PEER = re.compile(r"^(?:user|channel|chat)(-?\d+)$")
PUBLIC_KINDS = frozenset({"group", "channel", "page", "organization"})
SEP = "\x1f"


def to_table(rows: Rows, table: str) -> pa.Table:
    """Arrow table with every raw column of ``table`` (missing ones as nulls)."""
    schema = RAW[table]
    if isinstance(rows, list):
        return pa.Table.from_pylist(rows, schema=schema)
    cols = []
    n = rows.num_rows
    for f in schema:
        if f.name in rows.column_names:
            col = rows.column(f.name)
            cols.append(col if col.type == f.type else col.cast(f.type))
        else:
            cols.append(pa.nulls(n, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


@dataclass
class AccountBook:
    """Resolves platform references to account keys, pseudonymising private individuals."""

    study: Study | None
    pseudonymise: Pseudonymiser | None
    run_id: str
    orgs: dict[tuple[str, str], tuple[str, Any]] = field(init=False)
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    _org_by_key: dict[str, str | None] = field(default_factory=dict)
    _memo: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.orgs = self.study.org_accounts() if self.study else {}

    def key(self, platform: str, ref: str, kind: str | None, name: str | None = None) -> str:
        memo_key = (platform, ref, kind or "")
        hit = self._memo.get(memo_key)
        if hit is not None:
            return hit
        norm = ref.lower().lstrip("@")
        org = self._org(platform, norm)
        if org is not None:
            org_id, acc = org
            key = f"{platform}:{acc.handle.lower().lstrip('@')}"
            row = dict(
                account_key=key,
                platform=platform,
                platform_id=acc.id or (ref if ref != acc.handle else None),
                handle=acc.handle,
                display_name=acc.name or name,
                kind=acc.kind,
                org_id=org_id,
                pseudonymised=False,
            )
        elif (kind or "person") in PUBLIC_KINDS or self.pseudonymise is None:
            key = f"{platform}:{ref}"
            row = dict(
                account_key=key,
                platform=platform,
                platform_id=ref,
                handle=ref,
                display_name=name,
                kind=kind or "person",
                org_id=None,
                pseudonymised=False,
            )
        else:
            pseud = self.pseudonymise(platform, norm)
            key = f"{platform}:{pseud}"
            row = dict(
                account_key=key,
                platform=platform,
                platform_id=None,
                handle=pseud,
                display_name=None,
                kind="person",
                org_id=None,
                pseudonymised=True,
            )
        row["run_id"] = self.run_id
        if len(self._memo) > 100_000:  # bound memory on huge imports; hashing is cheap
            self._memo.clear()
        self._memo[memo_key] = key
        if row["org_id"]:
            self._org_by_key[key] = row["org_id"]
        self.seen[key] = row
        return key

    def _org(self, platform: str, norm: str) -> tuple[str, Any] | None:
        org = self.orgs.get((platform, norm))
        if org is None and platform == "telegram":
            # Telegram refers to peers as user<id>, channel<id> or chat<id>; a study lists
            # the bare numeric id that Telegram shows in its apps.
            m = _TELEGRAM_PEER.match(norm)
            if m:
                org = self.orgs.get((platform, m.group(1)))
        return org

    def resolve(self, refs: pa.Table) -> tuple[pa.Table, pa.Table]:
        """Resolve many references at once (bulk imports): their keys, and the new accounts.

        ``refs`` has ``platform``, ``ref``, ``kind``, ``name``, ``role`` and ``first``: one
        row per reference and role, with the name and place of its first appearance. Roles
        are those of an item: author (0), container (1), shared-from account (2) and mention
        (3), the last two without a kind. Private individuals, nearly all the references, are
        hashed in one pass per platform; organizations and public accounts go through
        :meth:`key` in the order the block path meets them in a batch (by role, then place),
        so that their rows are the ones it stages.

        Returns the reference map (the references, each with its ``account_key`` and
        ``org_id``) and the accounts' rows.
        """
        n = refs.num_rows
        plat, ref, kind = (refs.column(c).combine_chunks() for c in ("platform", "ref", "kind"))
        combo = pc.binary_join_element_wise(plat, _norms(ref), SEP)
        pseud = self.pseudonymise
        person = pc.invert(
            pc.or_(
                pc.is_in(kind, pa.array(sorted(PUBLIC_KINDS))),
                pc.is_in(combo, pa.array(sorted(self._org_norms()), pa.string())),
            )
        )
        if pseud is None:
            person = pa.array([False] * n)
        keys = pa.nulls(n, pa.string())
        accounts = []
        if pseud is not None and pc.any(person).as_py():
            people = pc.unique(combo.filter(person))
            people_keys, people_rows = _pseudonymised(pseud, people, self.run_id)
            keys = pc.take(people_keys, pc.index_in(combo, value_set=people))
            accounts.append(people_rows)
        others = refs.filter(pc.invert(person))
        if others.num_rows:
            # In the order the block path meets them: by role, then by first appearance.
            others = others.sort_by([("role", "ascending"), ("first", "ascending")])
            cols = [others.column(c).to_pylist() for c in ("platform", "ref", "kind", "name")]
            found = {}
            for p, r, k, nm, role in zip(*cols, others.column("role").to_pylist(), strict=True):
                # Shared-from accounts and mentions have no kind: the book reads them as people.
                found[(p, r, k)] = self.key(p, r, k if role < 2 else None, nm)
            other_keys = pc.binary_join_element_wise(plat, ref, kind, SEP)
            known = pa.array([SEP.join(k) for k in found], pa.string())
            looked_up = pc.take(
                pa.array(list(found.values()), pa.string()), pc.index_in(other_keys, known)
            )
            keys = pc.if_else(person, keys, looked_up)
        accounts.insert(0, self.take_new())
        refmap = pa.table(
            {"platform": plat, "ref": ref, "kind": kind, "role": refs.column("role"),
             "account_key": keys, "org_id": self.orgs_of(keys)}
        )  # fmt: skip
        return refmap, pa.concat_tables(accounts)

    def _org_norms(self) -> set[str]:
        """Every ``platform SEP norm`` that :meth:`_org` resolves to an organization."""
        out = {f"{p}{SEP}{norm}" for p, norm in self.orgs}
        for p, ident in list(self.orgs):
            if p == "telegram" and re.fullmatch(r"-?\d+", ident):
                for prefix in ("user", "channel", "chat"):
                    # ``$`` in _TELEGRAM_PEER also matches before a final newline.
                    out |= {f"{p}{SEP}{prefix}{ident}", f"{p}{SEP}{prefix}{ident}\n"}
        return out

    def org_of(self, key: str) -> str | None:
        return self._org_by_key.get(key)

    def link_handle(self, platform: str, ref: str, handle: str | None) -> None:
        """Treat ``ref`` as the study's organization account whose handle is ``handle``."""
        if not handle:
            return
        org = self.orgs.get((platform, handle.lower().lstrip("@")))
        if org is not None and (platform, ref.lower()) not in self.orgs:
            self.orgs[(platform, ref.lower())] = org
            for memo_key in [k for k in self._memo if k[0] == platform and k[1] == ref]:
                del self._memo[memo_key]

    def orgs_of(self, keys: pa.Array) -> pa.Array:
        """Vectorised :meth:`org_of`: the organization of each account key (or null)."""
        if not self._org_by_key:
            return pa.nulls(len(keys), pa.string())
        known = pa.array(list(self._org_by_key), pa.string())
        orgs = pa.array(list(self._org_by_key.values()), pa.string())
        out = pc.take(orgs, pc.index_in(keys, value_set=known))
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out

    def take_new(self) -> pa.Table:
        """The accounts seen since the last call, as canonical rows."""
        rows = list(self.seen.values())
        self.seen = {}
        return pa.Table.from_pylist(rows, schema=TABLES["accounts"])


def _norms(refs: pa.Array) -> pa.Array:
    """``ref.lower().lstrip("@")`` for every reference, as :meth:`AccountBook.key` does.

    Arrow lower-cases ASCII as Python does; other text is lower-cased by Python itself,
    whose full case mapping differs from Arrow's for a few letters.
    """
    out = pc.utf8_ltrim(pc.ascii_lower(refs), "@")
    wide = pc.invert(pc.fill_null(pc.string_is_ascii(refs), True))
    if not pc.any(wide).as_py():
        return out
    fixed = [r.lower().lstrip("@") for r in refs.filter(wide).to_pylist()]
    return pc.replace_with_mask(out, wide, pa.array(fixed, pa.string()))


def _pseudonymised(
    pseud: Pseudonymiser, people: pa.Array, run_id: str
) -> tuple[pa.Array, pa.Table]:
    """Keys and account rows of distinct people given as ``platform SEP identity``.

    The pseudonyms are computed a slice at a time, so that few Python strings live at once.
    """
    parts = pc.split_pattern(people, SEP, max_splits=1)
    platform, who = pc.list_element(parts, 0), pc.list_element(parts, 1)
    order, handles = [], []
    for p in pc.unique(platform).to_pylist():
        idx = pc.indices_nonzero(pc.equal(platform, p))
        mine = pc.take(who, idx)
        for start in range(0, len(mine), 65536):
            chunk = mine.slice(start, 65536).to_pylist()
            handles.append(pa.array(pseud.many(p, chunk), pa.string()))
        order.append(idx)
    # Back in the order of ``people``.
    handle = pc.take(pa.concat_arrays(handles), pc.sort_indices(pa.concat_arrays(order)))
    keys = pc.binary_join_element_wise(platform, handle, ":")
    n = len(people)
    rows = pa.table(
        {
            "account_key": keys,
            "platform": platform,
            "platform_id": pa.nulls(n, pa.string()),
            "handle": handle,
            "display_name": pa.nulls(n, pa.string()),
            "kind": pa.array(["person"] * n, pa.string()),
            "org_id": pa.nulls(n, pa.string()),
            "pseudonymised": pa.array([True] * n, pa.bool_()),
            "run_id": pa.array([run_id] * n, pa.string()),
        },
        schema=TABLES["accounts"],
    )
    return keys, rows


def _map_refs(
    book: AccountBook,
    platform: pa.ChunkedArray,
    refs: pa.ChunkedArray,
    kinds: pa.ChunkedArray,
    names: pa.ChunkedArray | None = None,
) -> pa.Array:
    """Vectorised ref → account key (null refs stay null)."""
    combo = pc.binary_join_element_wise(
        platform,
        refs,
        pc.fill_null(kinds, ""),
        pc.fill_null(names, "") if names is not None else pa.scalar(""),
        SEP,
    )
    uniq = pc.unique(combo)
    keys = []
    for c in uniq.to_pylist():
        if c is None:
            keys.append(None)
            continue
        p, r, k, nm = c.split(SEP)
        keys.append(book.key(p, r, k or None, nm or None))
    idx = pc.index_in(combo, value_set=uniq)
    out = pc.take(pa.array(keys, pa.string()), idx)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _prefixed(platform: pa.ChunkedArray, ids: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(platform, ids, ":")


def split_invalid(table: str, t: pa.Table) -> tuple[pa.Table, list[Reject]]:
    """Drop rows missing a required field, returning them as rejects."""
    mask = None
    reasons = []
    checks = REQUIRED[table]
    if "platform" in RAW[table].names:
        checks = (("platform", "missing-platform"), *checks)
    for col, reason in checks:
        ok = pc.is_valid(t.column(col))
        if col in ("platform_id", "source", "target", "account", "metric", "dimension", "platform"):
            ok = pc.and_(ok, pc.fill_null(pc.not_equal(t.column(col), ""), False))
        reasons.append((col, reason, ok))
        mask = ok if mask is None else pc.and_(mask, ok)
    if mask is None or pc.all(mask).as_py():
        return t, []
    bad = t.filter(pc.invert(mask))
    rejects = []
    for row in bad.to_pylist():
        col, reason = next((c, r) for c, r, _ in reasons if row[c] in (None, ""))
        raw = (
            row.get("_raw")
            or orjson.dumps(
                {k: v for k, v in row.items() if not k.startswith("_") and v is not None},
                default=str,
            ).decode()
        )
        rejects.append(
            Reject(
                row.get("_locator") or "", reason, f"field '{col}' is missing or unreadable", raw
            )
        )
    return t.filter(mask), rejects


def canonical_items(t: pa.Table, book: AccountBook, ctx: dict[str, Any]) -> pa.Table:
    n = t.num_rows
    plat = t.column("platform")
    author_kind = pc.fill_null(t.column("author_kind"), "person")
    author_key = _map_refs(book, plat, t.column("author"), author_kind, t.column("author_name"))
    container_key = _map_refs(
        book, plat, t.column("container"), pc.fill_null(t.column("container_kind"), "group")
    )
    shared = _map_refs(
        book, plat, t.column("shared_from"), pa.chunked_array([pa.nulls(n, pa.string())])
    )
    mentions = t.column("mentions").combine_chunks()
    if mentions.null_count < n and pc.sum(pc.list_value_length(mentions)).as_py():
        flat = pc.list_flatten(mentions)
        parent_idx = pc.list_parent_indices(mentions)
        flat_plat = pc.take(plat, parent_idx)
        mapped = _map_refs(
            book,
            pa.chunked_array([flat_plat]),
            pa.chunked_array([flat]),
            pa.chunked_array([pa.nulls(len(flat), pa.string())]),
        )
        offsets = mentions.offsets
        mentions = pa.ListArray.from_arrays(offsets, mapped, mask=mentions.is_null())
    item_key = _prefixed(plat, t.column("platform_id"))
    parent = t.column("parent_id")
    parent_key = _prefixed(plat, parent)
    root_from_thread = _prefixed(plat, t.column("thread_id"))
    root_key = pc.if_else(
        pc.is_valid(root_from_thread),
        root_from_thread,
        pc.if_else(pc.is_null(parent), item_key, pa.scalar(None, pa.string())),
    )
    partner = ctx.get("partner_id")
    if partner:
        partner_col = pa.array([partner] * n, pa.string())
    else:
        partner_col = pc.coalesce(book.orgs_of(container_key), book.orgs_of(author_key))
    kind = pc.fill_null(t.column("kind"), "post")
    cols = {
        "item_key": item_key,
        "platform": plat,
        "platform_id": t.column("platform_id"),
        "container_key": container_key,
        "author_key": author_key,
        "created_at": t.column("created_at"),
        "kind": kind,
        "parent_key": parent_key,
        "root_key": root_key,
        "shared_from_key": shared,
        "text": t.column("text"),
        "language": t.column("language"),
        "urls": t.column("urls"),
        "hashtags": t.column("hashtags"),
        "mentions": mentions,
        "reactions": t.column("reactions"),
        "comments": t.column("comments"),
        "shares": t.column("shares"),
        "views": t.column("views"),
        "partner_id": partner_col,
        "wave": pa.array([ctx["wave"]] * n, pa.string()),
        "run_id": pa.array([ctx["run_id"]] * n, pa.string()),
    }
    return _assemble("items", cols)


def canonical_interactions(t: pa.Table, book: AccountBook, ctx: dict[str, Any]) -> pa.Table:
    n = t.num_rows
    plat = t.column("platform")
    src = _map_refs(
        book,
        plat,
        t.column("source"),
        pc.fill_null(t.column("source_kind"), "person"),
        t.column("source_name"),
    )
    tgt = _map_refs(
        book,
        plat,
        t.column("target"),
        pc.fill_null(t.column("target_kind"), "person"),
        t.column("target_name"),
    )
    container_key = _map_refs(
        book,
        plat,
        t.column("container"),
        pa.chunked_array([pa.nulls(n, pa.string())]).fill_null("group"),
    )
    kind = pc.fill_null(t.column("kind"), "reply")
    item_key = _prefixed(plat, t.column("item_id"))
    # An edge is identified by its item; failing that by its time; failing both by its place
    # in this very file (so re-importing the file is still idempotent).
    when = pc.cast(t.column("created_at"), pa.string())
    place = pc.binary_join_element_wise(
        pa.scalar(ctx["sha256"][:16]), pc.fill_null(t.column("_locator"), ""), "@"
    )
    ikey = pc.binary_join_element_wise(
        plat, kind, src, tgt, pc.coalesce(item_key, when, place), "|"
    )
    partner = ctx.get("partner_id")
    if partner:
        partner_col = pa.array([partner] * n, pa.string())
    else:
        partner_col = pc.coalesce(book.orgs_of(src), book.orgs_of(tgt))
    cols = {
        "interaction_key": ikey,
        "platform": plat,
        "kind": kind,
        "source_key": src,
        "target_key": tgt,
        "item_key": item_key,
        "container_key": container_key,
        "created_at": t.column("created_at"),
        "weight": pc.fill_null(t.column("weight"), 1.0),
        "partner_id": partner_col,
        "wave": pa.array([ctx["wave"]] * n, pa.string()),
        "run_id": pa.array([ctx["run_id"]] * n, pa.string()),
    }
    return _assemble("interactions", cols)


def canonical_audience(table: str, t: pa.Table, book: AccountBook, ctx: dict[str, Any]) -> pa.Table:
    n = t.num_rows
    plat = t.column("platform")
    acc = _map_refs(
        book,
        plat,
        t.column("account"),
        pc.fill_null(t.column("account_kind"), "page"),
    )
    parts = [acc, pc.cast(t.column("date"), pa.string()), t.column("metric")]
    if table == "audience_breakdown":
        parts += [t.column("dimension"), pc.fill_null(t.column("category"), "")]
    key = pc.binary_join_element_wise(*parts, "|")
    partner = ctx.get("partner_id")
    partner_col = pa.array([partner] * n, pa.string()) if partner else book.orgs_of(acc)
    cols: dict[str, Any] = {
        "audience_key" if table == "audience" else "breakdown_key": key,
        "account_key": acc,
        "platform": plat,
        "date": t.column("date"),
        "metric": t.column("metric"),
        "value": t.column("value"),
        "definition": t.column("definition"),
        "partner_id": partner_col,
        "wave": pa.array([ctx["wave"]] * n, pa.string()),
        "run_id": pa.array([ctx["run_id"]] * n, pa.string()),
    }
    if table == "audience_breakdown":
        cols["dimension"] = t.column("dimension")
        cols["category"] = t.column("category")
    return _assemble(table, cols)


def _assemble(table: str, cols: dict[str, Any]) -> pa.Table:
    schema = TABLES[table]
    arrays = []
    for f in schema:
        c = cols[f.name]
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        arrays.append(c if c.type == f.type else c.cast(f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def suppress_counts(
    counts: pa.Array | pa.ChunkedArray, suppress_max: int, round_to: int
) -> tuple[pa.Array, pa.Array]:
    """The small-cell rule: ``(counts stored, suppressed)``.

    Counts up to ``suppress_max`` are suppressed (stored as null); the others are rounded to
    the nearest multiple of ``round_to`` (halves up). IRCC's open data rule is
    ``suppress_max=5, round_to=5``; ``suppress_max=-1, round_to=1`` keeps counts as they are.

    Example
    -------
    >>> c, s = suppress_counts(pa.array([0, 5, 6, 12, 13, None]), 5, 5)
    >>> c.to_pylist(), s.to_pylist()
    ([None, None, 5, 10, 15, None], [True, True, False, False, False, True])
    """
    vals = counts.to_pylist()
    out: list[int | None] = []
    supp: list[bool] = []
    for v in vals:
        if v is None or v <= suppress_max:
            out.append(None)
            supp.append(True)
        else:
            step = max(1, round_to)
            out.append(((v + step // 2) // step) * step if step > 1 else v)
            supp.append(False)
    return pa.array(out, pa.int64()), pa.array(supp, pa.bool_())


def canonical_clients(table: str, t: pa.Table, book: AccountBook, ctx: dict[str, Any]) -> pa.Table:
    """Client aggregates (the small-cell rule applied) or client rows, keyed per partner."""
    n = t.num_rows
    partner = str(ctx.get("partner_id") or "")
    start = pc.cast(t.column("period_start"), pa.string())
    end = pc.cast(t.column("period_end"), pa.string())
    common = {
        "partner_id": pa.array([partner] * n, pa.string()),
        "period_start": t.column("period_start"),
        "period_end": t.column("period_end"),
        "wave": pa.array([ctx["wave"]] * n, pa.string()),
        "run_id": pa.array([ctx["run_id"]] * n, pa.string()),
    }
    if table == "client_rows":
        refs = t.column("client_ref").to_pylist()
        p = book.pseudonymise
        hidden = [p("clients", f"{partner}\x1f{r}") if p else None for r in refs]
        if p is None:
            import hashlib

            hidden = [
                "#" + hashlib.sha256(f"{partner}\x1f{r}".encode()).hexdigest()[:20] for r in refs
            ]
        ref_col = pa.array(hidden, pa.string())
        key = pc.binary_join_element_wise(common["partner_id"], start, end, ref_col, "|")
        return _assemble(
            table,
            {**common, "record_key": key, "client_ref": ref_col,
             "attributes": t.column("attributes")},
        )  # fmt: skip
    privacy = book.study.privacy if book.study else None
    smax = privacy.client_suppress_max if privacy else 5
    step = privacy.client_round_to if privacy else 5
    counts, small = suppress_counts(t.column("count"), smax, step)
    at_source = pc.fill_null(t.column("suppressed"), False)
    suppressed = pc.or_(small, at_source)
    counts = pc.if_else(at_source, pa.nulls(n, pa.int64()), counts)
    key = pc.binary_join_element_wise(
        common["partner_id"], start, end, t.column("dimension"), t.column("category"), "|"
    )
    return _assemble(
        table,
        {**common, "record_key": key, "dimension": t.column("dimension"),
         "category": t.column("category"), "count": counts, "suppressed": suppressed},
    )  # fmt: skip


def canonical(table: str, t: pa.Table, book: AccountBook, ctx: dict[str, Any]) -> pa.Table:
    if table in ("client_records", "client_rows"):
        return canonical_clients(table, t, book, ctx)
    if table == "items":
        return canonical_items(t, book, ctx)
    if table == "interactions":
        return canonical_interactions(t, book, ctx)
    if table in ("audience", "audience_breakdown"):
        return canonical_audience(table, t, book, ctx)
    raise ValueError(f"no canonical form for raw table '{table}'")


def canonical_accounts(t: pa.Table, book: AccountBook) -> None:
    """Register accounts that an importer described (names, kinds) with the book.

    A study may list an organization's account by its handle while the platform refers to it
    by a numeric id or a DID: the described handle links the two.
    """
    for row in t.to_pylist():
        if row["platform"] and row["ref"]:
            book.link_handle(row["platform"], row["ref"], row["handle"])
            book.key(row["platform"], row["ref"], row["kind"], row["display_name"] or row["handle"])
