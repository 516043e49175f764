"""Tests of the synthetic study generator.

Every check reads the written files back with plain ``json``/``csv``/line parsing, without the
generator's own code, and compares what it finds with ``truth.json`` or with the brief.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import statistics
import tomllib
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from settlescope.errors import UsageError
from settlescope.study.model import Study
from settlescope.synth import SIZES, generate

SEED = 7
WAVES = ("baseline", "followup")
QMARKS = ("?", "؟", "？")


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _ndjson(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "study"
    res = generate(out, "small", seed=SEED)
    assert res.out_dir == out
    assert res.manifest_path.is_file() and res.truth_path.is_file()
    return out


@pytest.fixture(scope="module")
def truth(study: Path) -> dict:
    return json.loads((study / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest(study: Path) -> list[dict]:
    return json.loads((study / "manifest.json").read_text(encoding="utf-8"))["files"]


@pytest.fixture(scope="module")
def items(study: Path) -> dict[str, list[dict]]:
    """All generic items per wave."""
    out: dict[str, list[dict]] = {}
    for w in WAVES:
        out[w] = []
        for p in sorted((study / "exports" / w / "generic").glob("items-*.ndjson")):
            out[w].extend(_ndjson(p))
    return out


# -- determinism and arguments ----------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_differs(study: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, "small", seed=SEED)
    assert _digest(again) == _digest(study)
    other = tmp_path / "other"
    key = tmp_path / "keys" / "study.key"
    generate(other, "small", seed=SEED + 1, key_file=key)
    d_other = _digest(other)
    d_study = _digest(study)
    assert set(d_other) == set(d_study)
    differing = [k for k in d_study if d_study[k] != d_other[k]]
    assert "truth.json" in differing
    assert any(k.startswith("exports/") for k in differing)
    st = Study.model_validate(tomllib.loads((other / "study.toml").read_text(encoding="utf-8")))
    assert st.privacy.key_file == str(key)


def test_refuses_non_empty_folder_and_unknown_size(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UsageError):
        generate(tmp_path, "small")
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(UsageError):
        generate(tmp_path / "new", "huge")


def test_sizes_declared() -> None:
    assert set(SIZES) == {"small", "medium", "large"}
    assert SIZES["small"].items == 50_000
    assert SIZES["large"].items >= 5_000_000


# -- study.toml and manifest ------------------------------------------------------------------


def test_study_toml_validates(study: Path) -> None:
    st = Study.model_validate(tomllib.loads((study / "study.toml").read_text(encoding="utf-8")))
    assert st.study.time_zone == "America/Toronto"
    assert st.privacy.key_file is None
    assert [w.id for w in st.waves] == list(WAVES)
    assert str(st.wave("followup").start) == "2027-07-01"
    assert 5 <= len(st.partners) <= 10
    assert 10 <= len(st.sector) <= 20
    assert [p.id for p in st.partners][:2] == ["p01", "p02"]
    platforms = {a.platform for p in st.partners for a in p.accounts}
    assert {"facebook", "instagram", "x", "youtube", "telegram", "whatsapp"} <= platforms
    assert len({len(p.accounts) for p in st.partners}) > 1  # accounts vary per partner


def test_manifest_files_exist(study: Path, manifest: list[dict]) -> None:
    formats = {"telegram-json", "whatsapp-txt", "crowdtangle-csv", "meta-insights-csv",
               "clients-csv", "generic-ndjson"}  # fmt: skip
    listed = {f["path"] for f in manifest}
    for f in manifest:
        assert (study / f["path"]).is_file(), f["path"]
        assert f["format"] in formats
        assert f["wave"] in WAVES
        if f["generic"] is not None:
            assert f["generic"] in listed
            assert (study / f["generic"]).is_file()
    assert {f["format"] for f in manifest} == formats
    on_disk = {str(p.relative_to(study)) for p in (study / "exports").rglob("*") if p.is_file()}
    assert on_disk == listed


# -- counts -----------------------------------------------------------------------------------

_WA_HEAD = re.compile(
    r"^\u200e?(?:\[(?P<ios>[^\]]+)\] |(?P<andr>\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4},? [^-]+?) - )(?P<rest>.*)$"
)


def _wa_parse(path: Path, subject: str) -> tuple[int, int, list[str]]:
    """(messages, system lines, headers) of a WhatsApp export, by line parsing."""
    text = path.read_bytes().decode("utf-8")
    msgs = system = 0
    heads = []
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _WA_HEAD.match(line)
        if not m:
            continue
        heads.append(m.group("ios") or m.group("andr"))
        rest = m.group("rest")
        if m.group("ios"):
            if rest.startswith(subject + ": \u200e"):
                system += 1
            else:
                msgs += 1
        elif re.match(r"^[^:]+: ", rest) and not rest.startswith("Messages and calls"):
            msgs += 1
        else:
            system += 1
    return msgs, system, heads


def test_counts_match_files(study: Path, truth: dict, manifest: list[dict]) -> None:
    names = {c["container"]: c["name"] for c in truth["containers"]}
    for w in WAVES:
        t = truth["counts"][w]
        gen = study / "exports" / w / "generic"
        per_platform = {p.stem.removeprefix("items-"): sum(1 for _ in open(p, encoding="utf-8"))
                        for p in gen.glob("items-*.ndjson")}  # fmt: skip
        assert per_platform == t["items"]
        assert sum(per_platform.values()) == t["items_total"]
        edges = sum(1 for _ in open(gen / "edges.ndjson", encoding="utf-8"))
        assert edges == t["interactions_total"]
        # native telegram
        tg_items = tg_service = 0
        for p in (study / "exports" / w / "telegram").glob("*.json"):
            doc = json.loads(p.read_text(encoding="utf-8"))
            kinds = Counter(m["type"] for m in doc["messages"])
            tg_items += kinds["message"]
            tg_service += kinds["service"]
            assert t["files"][f"exports/{w}/telegram/{p.name}"] == kinds["message"]
        assert tg_items == t["items"]["telegram"]
        assert tg_service == t["system_messages"]["telegram"]
        # native whatsapp
        wa_items = wa_sys = 0
        for f in manifest:
            if f["format"] == "whatsapp-txt" and f["wave"] == w:
                cid = Path(f["path"]).stem
                subject = names[cid]
                m, s, _ = _wa_parse(study / f["path"], subject)
                assert m == f["items"] == t["files"][f["path"]]
                wa_items += m
                wa_sys += s
        assert wa_items == t["items"]["whatsapp"]
        assert wa_sys == t["system_messages"]["whatsapp"]
        # facebook: CrowdTangle rows plus group records
        with open(
            study / "exports" / w / "facebook" / "crowdtangle_posts.csv",
            encoding="utf-8",
            newline="",
        ) as fh:
            ct_rows = list(csv.DictReader(fh))
        groups = sum(
            1 for _ in open(study / "exports" / w / "facebook" / "groups.ndjson", encoding="utf-8")
        )
        assert len(ct_rows) + groups == t["items"]["facebook"]
        assert ct_rows and all(int(r["Total Interactions"]) >= int(r["Likes"]) for r in ct_rows)
    assert sum(truth["counts"][w]["items_total"] for w in WAVES) == 50_000


def test_generic_items_well_formed(items: dict[str, list[dict]]) -> None:
    fields = {"platform", "platform_id", "container", "author", "author_name", "author_kind",
              "created_at", "kind", "parent_id", "thread_id", "shared_from", "text", "language",
              "urls", "hashtags", "mentions", "reactions", "comments", "shares", "views"}  # fmt: skip
    offset = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
    for w, rows in items.items():
        ids = set()
        for row in rows:
            assert set(row) == fields
            assert offset.match(row["created_at"])
            assert row["created_at"][:4] == ("2026" if w == "baseline" else "2027")
            assert row["kind"] in {"post", "comment", "reply", "message"}
            key = (row["platform"], row["platform_id"])
            assert key not in ids
            ids.add(key)
        by_id = {(r["platform"], r["platform_id"]): r for r in rows}
        for row in rows:
            if row["parent_id"]:
                parent = by_id[(row["platform"], row["parent_id"])]
                assert datetime.fromisoformat(parent["created_at"]) < datetime.fromisoformat(
                    row["created_at"]
                )
                assert row["thread_id"] == parent["thread_id"]


# -- planted response times -------------------------------------------------------------------


def test_response_time_medians_recovered(items: dict[str, list[dict]], truth: dict) -> None:
    part_of = {(c["platform"], c["container"]): c["partner"] for c in truth["containers"]
               if c["mode"] == "group" and c["partner"]}  # fmt: skip
    org_author = {pid: {a["platform"]: a["author"] for a in p["accounts"]}
                  for pid, p in truth["partners"].items()}  # fmt: skip
    delays: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    answered: dict[str, Counter] = defaultdict(Counter)
    for rows in items.values():
        rows = [
            r
            for r in rows
            if (r["platform"], r["container"]) in part_of and r["platform"] != "whatsapp"
        ]
        first: dict[tuple[str, str], dict] = {}
        for r in rows:
            if r["parent_id"]:
                k = (r["platform"], r["parent_id"])
                if k not in first or r["created_at"] < first[k]["created_at"]:
                    first[k] = r
        for r in rows:
            if r["parent_id"] is None and any(q in r["text"] for q in QMARKS):
                pid = part_of[(r["platform"], r["container"])]
                ans = first.get((r["platform"], r["platform_id"]))
                if ans is None:
                    answered[pid]["unanswered"] += 1
                    continue
                cls = "org" if ans["author"] == org_author[pid][r["platform"]] else "peer"
                answered[pid][cls] += 1
                t0 = datetime.fromisoformat(r["created_at"])
                t1 = datetime.fromisoformat(ans["created_at"])
                delays[pid][cls].append((t1 - t0).total_seconds() / 60)
    assert set(delays) == {f"p0{i}" for i in range(1, 9)}
    for pid, by_cls in delays.items():
        rt = truth["partners"][pid]["response_time"]
        for cls in ("org", "peer"):
            got = statistics.median(by_cls[cls])
            want = rt[cls]["median_minutes"]
            assert abs(got - want) / want < 0.05, (pid, cls, got, want)
        rates = truth["partners"][pid]["answer_rates"]
        n = sum(answered[pid].values())
        assert n > 50
        for cls in ("org", "peer", "unanswered"):
            assert abs(answered[pid][cls] / n - rates[cls]) < 0.12, (pid, cls)
    # org replies are slower than peers in the plan, and it shows
    assert all(truth["partners"][p]["response_time"]["org"]["median_minutes"] > 0 for p in delays)


# -- content ----------------------------------------------------------------------------------


def test_hostile_strings_present(study: Path, items: dict[str, list[dict]]) -> None:
    texts = [r["text"] for rows in items.values() for r in rows]
    blob = "\n".join(texts)
    for s in ("<script>alert(1)</script>", "<b>html</b>", "\u202e", "\u200b", "🇨🇦"):
        assert s in blob, s
    starts = Counter(t.split(" ", 1)[0] for t in texts)
    assert any(k.startswith("=HYPERLINK(") for k in starts)
    for s in ("+1+1", "-2", "@SUM(A1)"):
        assert starts[s] > 0, s
    assert re.search(r"[\u0600-\u06ff]", blob)  # right-to-left script
    with open(
        study / "exports" / "baseline" / "facebook" / "crowdtangle_posts.csv",
        encoding="utf-8",
        newline="",
    ) as fh:
        messages = [r["Message"] for r in csv.DictReader(fh)]
    assert any(m[:1] in "=+-@" for m in messages)


def test_languages_and_scripts(items: dict[str, list[dict]]) -> None:
    rows = [r for rs in items.values() for r in rs]
    langs = Counter(r["language"] for r in rows)
    assert {"en", "fr", "pa", "ar", "zh", "tl", "es", "uk"} <= set(langs)
    blob = "\n".join(r["text"] for r in rows)
    for script in (r"[\u0a00-\u0a7f]", r"[\u0600-\u06ff]", r"[\u4e00-\u9fff]", r"[\u0400-\u04ff]"):
        assert re.search(script, blob), script
    # English loan terms inside other languages
    assert any(
        "PGWP" in r["text"] or "LMIA" in r["text"] for r in rows if r["language"] in ("pa", "zh")
    )


def test_whatsapp_styles(study: Path, truth: dict, manifest: list[dict]) -> None:
    names = {c["container"]: c["name"] for c in truth["containers"]}
    day_first = month_first = False
    narrow_nbsp = multi_line = media = deleted = False
    for f in manifest:
        if f["format"] != "whatsapp-txt":
            continue
        raw = (study / f["path"]).read_text(encoding="utf-8")
        narrow_nbsp |= "\u202fPM" in raw
        media |= "<Media omitted>" in raw or "image omitted" in raw
        deleted |= "This message was deleted" in raw
        _, _, heads = _wa_parse(study / f["path"], names[Path(f["path"]).stem])
        lines = raw.replace("\r\n", "\n").split("\n")
        multi_line |= any(line and not _WA_HEAD.match(line) for line in lines)
        for h in heads:
            m = re.match(r"(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}", h)
            if m:
                a, b = int(m.group(1)), int(m.group(2))
                day_first |= a > 12
                month_first |= b > 12
    assert day_first and month_first
    assert narrow_nbsp and multi_line and media and deleted


def test_telegram_shape(study: Path) -> None:
    actions: Counter = Counter()
    list_text = forwarded = replies = edited = 0
    for p in (study / "exports" / "baseline" / "telegram").glob("*.json"):
        doc = json.loads(p.read_text(encoding="utf-8"))
        assert {"name", "type", "id", "messages"} <= set(doc)
        assert doc["type"] in ("public_supergroup", "public_channel")
        ids = [m["id"] for m in doc["messages"]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        known = set(ids)
        for m in doc["messages"]:
            assert isinstance(m["date_unixtime"], str) and "T" in m["date"]
            if m["type"] == "service":
                actions[m["action"]] += 1
                continue
            assert re.match(r"^(user|channel)\d+$", m["from_id"])
            list_text += isinstance(m["text"], list)
            forwarded += "forwarded_from" in m
            edited += "edited_unixtime" in m
            if "reply_to_message_id" in m:
                replies += 1
                assert m["reply_to_message_id"] in known
    assert {"join_group_by_link", "invite_members", "pin_message"} <= set(actions)
    assert list_text and forwarded and replies and edited


# -- planted structure ------------------------------------------------------------------------


def test_scams_planted_and_forwarded(items: dict[str, list[dict]], truth: dict) -> None:
    by_id = {(r["platform"], r["platform_id"]): r for rs in items.values() for r in rs}
    scams = truth["scams"]
    assert len(scams) >= 20
    assert {s["category"] for s in scams} == {"scam", "misinformation"}
    assert len({s["language"] for s in scams}) >= 3
    originals = {}
    for s in scams:
        row = by_id[(s["platform"], s["platform_id"])]
        assert row["language"] == s["language"]
        if s["forward_of"] is None:
            originals[(s["platform"], s["platform_id"])] = row["text"]
    forwards = [s for s in scams if s["forward_of"]]
    assert forwards
    platforms_crossed = 0
    for s in forwards:
        orig = originals[(s["forward_of_platform"], s["forward_of"])]
        assert by_id[(s["platform"], s["platform_id"])]["text"] == orig
        platforms_crossed += s["platform"] != s["forward_of_platform"]
    assert platforms_crossed


def test_communities_cover_authors_and_are_assortative(study: Path, truth: dict) -> None:
    members = truth["communities"]["members"]
    mu = truth["communities"]["mu"]
    within = total = 0
    edges = _ndjson(study / "exports" / "baseline" / "generic" / "edges.ndjson")
    items_ = {}
    for p in (study / "exports" / "baseline" / "generic").glob("items-*.ndjson"):
        for r in _ndjson(p):
            items_[(r["platform"], r["platform_id"])] = r
            if r["author_kind"] == "person":
                assert r["author"] in members[r["platform"]]
    for e in edges:
        if e["kind"] != "reaction":
            continue
        target_item = items_[(e["platform"], e["item_id"])]
        if target_item["author_kind"] != "person":
            continue
        total += 1
        within += members[e["platform"]][e["source"]] == members[e["platform"]][e["target"]]
    assert total > 1000
    assert within / total > 1 - mu - 0.1  # mostly within communities
    assert within / total < 0.99


def test_followers_edges_and_insights(study: Path, truth: dict) -> None:
    for w in WAVES:
        follows = Counter(
            (e["platform"], e["target"])
            for e in _ndjson(study / "exports" / w / "generic" / "edges.ndjson")
            if e["kind"] == "follow"
        )
        for pid, p in truth["partners"].items():
            for a in p["accounts"]:
                if a["platform"] in p["followers"]:
                    assert follows[(a["platform"], a["author"])] == p["followers"][a["platform"]][w]
            path = study / "exports" / w / "insights" / f"{pid}_facebook_page.csv"
            if pid.startswith("p") and path.exists():
                rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
                header = rows.index(["Date", "Reach", "Impressions" if w == "baseline" else "Views",
                                     "Follows", "Unfollows", "Followers total"])  # fmt: skip
                daily = []
                for r in rows[header + 1 :]:
                    if not r:
                        break
                    daily.append(r)
                assert int(daily[-1][5]) == p["followers"]["facebook"][w]
                for prev, cur in zip(daily, daily[1:], strict=False):
                    assert int(cur[5]) - int(prev[5]) == int(cur[3]) - int(cur[4])
    p1 = truth["partners"]["p01"]["followers"]["facebook"]
    assert p1["followup"] > p1["baseline"]


def test_client_gaps_planted(study: Path, truth: dict) -> None:
    for pid in ("p01", "p08"):
        gaps = truth["partners"][pid]["client_gaps"]
        for g in ("age_45_plus", "women", "rural"):
            assert gaps[g]["online_share"] < gaps[g]["client_share"]
        rows = list(
            csv.DictReader(
                open(study / "exports" / "baseline" / "clients" / f"{pid}.csv", encoding="utf-8")
            )
        )
        dims = defaultdict(int)
        for r in rows:
            dims[r["dimension"]] += int(r["count"])
        n = truth["partners"][pid]["clients"]["baseline"]
        for d in ("region", "age_band", "gender", "immigration_category", "language"):
            assert dims[d] == n
        rural = sum(
            int(r["count"])
            for r in rows
            if r["dimension"] == "region" and r["category"] in gaps["rural"]["categories"]
        )
        assert abs(rural / n - gaps["rural"]["client_share"]) < 0.08
