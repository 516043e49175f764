"""Quirks of the WhatsApp export importer: date order, time zones, lines, zips, ids, events."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from settlescope.errors import EncodingError, FormatError
from settlescope.importers.base import ImportOptions, Sniff, Source
from settlescope.importers.whatsapp import _detect, chat_slug, parse_whatsapp
from settlescope.importers.whatsapp import files as whatsapp_files

from ..conftest import CASES, StudyFixture

TORONTO = ZoneInfo("America/Toronto")


def _parse(path: Path, date_order: str | None = None, tz: ZoneInfo = TORONTO) -> dict[str, Any]:
    src = Source(path=path, study=None, tz=tz, options=ImportOptions(date_order=date_order))
    items: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    rejects = []
    for b in parse_whatsapp(src):
        if "items" in b.rows:
            items += b.rows["items"].to_pylist()  # type: ignore[union-attr]
        edges += b.rows.get("interactions", [])  # type: ignore[arg-type]
        rejects += b.rejects
    return {"items": items, "edges": edges, "rejects": rejects}


def _write(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Test Group.txt") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


AMBIGUOUS = "05/04/23, 10:00 - Ana: hola\n06/04/23, 11:30 - Ben: hi\n"


def test_ambiguous_dates_are_refused_naming_date_order(tmp_path: Path) -> None:
    p = _write(tmp_path, AMBIGUOUS)
    with pytest.raises(FormatError) as e:
        _parse(p)
    assert e.value.field == "--date-order"
    assert "--date-order dmy" in (e.value.hint or "")


@pytest.mark.parametrize(
    ("order", "first"),
    [("dmy", _utc(2023, 4, 5, 14, 0)), ("mdy", _utc(2023, 5, 4, 14, 0))],
    ids=["day-first", "month-first"],
)
def test_date_order_override(tmp_path: Path, order: str, first: dt.datetime) -> None:
    # Toronto is on EDT (UTC-4) in April and May 2023
    got = _parse(_write(tmp_path, AMBIGUOUS), date_order=order)
    assert got["items"][0]["created_at"] == first


def test_time_order_settles_dates_when_no_day_is_above_12(tmp_path: Path) -> None:
    # Read day-first, 02/03 then 01/04 is 2 March then 1 April: in order. Month-first it is
    # 3 February then 4 January, going back in time, which an export never does.
    text = "02/03/23, 10:00 - Ana: first\n01/04/23, 10:00 - Ben: second\n"
    got = _parse(_write(tmp_path, text))
    assert [i["created_at"] for i in got["items"]] == [
        _utc(2023, 3, 2, 15, 0),
        _utc(2023, 4, 1, 14, 0),
    ]


def test_a_day_above_12_anywhere_settles_the_order(tmp_path: Path) -> None:
    lines = "".join(f"0{m}/0{m}/23, 10:00 - Ana: x{m}\n" for m in range(1, 10))
    got = _parse(_write(tmp_path, lines + "13/09/23, 10:00 - Ana: late\n"))
    assert got["items"][1]["created_at"] == _utc(2023, 2, 2, 15, 0)  # 2 February, EST
    assert got["items"][-1]["created_at"] == _utc(2023, 9, 13, 14, 0)


def test_time_zone_across_dst_changes(tmp_path: Path) -> None:
    # America/Toronto: EST (UTC-5) until 2023-03-12 02:00, EDT (UTC-4) until 2023-11-05 02:00.
    text = (
        "11/03/2023, 23:30 - Ana: before spring\n"
        "12/03/2023, 03:30 - Ana: after spring\n"
        "05/11/2023, 00:30 - Ana: before fall\n"
        "05/11/2023, 01:30 - Ana: ambiguous hour, first one\n"
        "05/11/2023, 02:30 - Ana: after fall\n"
    )
    got = [i["created_at"] for i in _parse(_write(tmp_path, text), date_order="dmy")["items"]]
    assert got == [
        _utc(2023, 3, 12, 4, 30),
        _utc(2023, 3, 12, 7, 30),
        _utc(2023, 11, 5, 4, 30),
        _utc(2023, 11, 5, 5, 30),
        _utc(2023, 11, 5, 7, 30),
    ]


def test_multi_line_messages_and_kinds(tmp_path: Path) -> None:
    text = (
        "13/01/2023, 09:00 - Ana: first line\n"
        "second line\n"
        "\n"
        "third after a blank\n"
        "13/01/2023, 09:01 - Ben: <Media omitted>\n"
        "a caption\n"
        "13/01/2023, 09:02 - Ben: This message was deleted\n"
        '13/01/2023, 09:03 - Ana changed the subject from "A: b" to "C"\n'
        "13/01/2023, 09:04 - Ana added Ben and +1 613 555 0101\n"
        "13/01/2023, 09:05 - Ben left\n"
    )
    got = _parse(_write(tmp_path, text))
    items = got["items"]
    assert [(i["kind"], i["author"], i["text"]) for i in items] == [
        ("message", "Ana", "first line\nsecond line\n\nthird after a blank"),
        ("media", "Ben", "a caption"),
        ("deleted", "Ben", None),
        ("system", None, 'Ana changed the subject from "A: b" to "C"'),
    ]
    assert [i["_locator"] for i in items] == ["line 1", "line 5", "line 7", "line 8"]
    assert [(e["source"], e["weight"], e["_locator"]) for e in got["edges"]] == [
        ("Ben", 1.0, "line 9"),
        ("+1 613 555 0101", 1.0, "line 9"),
        ("Ben", -1.0, "line 10"),
    ]
    assert {e["kind"] for e in got["edges"]} == {"membership"}
    assert items[0]["container"] == "test-group" and items[0]["container_kind"] == "group"


def test_impossible_dates_are_rejected_with_their_line(tmp_path: Path) -> None:
    text = (
        "13/01/2023, 09:00 - Ana: ok\n"
        "31/02/2023, 09:00 - Ana: no such day\n"
        "its second line\n"
        "14/01/2023, 25:00 - Ana: no such hour\n"
        "15/01/2023, 09:00 - Ana: ok again\n"
    )
    got = _parse(_write(tmp_path, text))
    assert [i["text"] for i in got["items"]] == ["ok", "ok again"]
    assert [(r.locator, r.reason) for r in got["rejects"]] == [
        ("line 2", "bad-date"),
        ("line 4", "bad-date"),
    ]
    assert got["rejects"][0].raw == "31/02/2023, 09:00 - Ana: no such day\nits second line"


def test_not_an_export_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "id,author,text\n1,a,b\n", name="posts.txt")
    assert _detect(Sniff.of(p)) == 0.0
    with pytest.raises(FormatError):
        _parse(p)


def test_bad_bytes_are_refused_with_the_line(tmp_path: Path) -> None:
    p = tmp_path / "WhatsApp Chat with X.txt"
    p.write_bytes(b"13/01/2023, 09:00 - Ana: ok\n13/01/2023, 09:01 - Ana: caf\xe9\n")
    with pytest.raises(EncodingError) as e:
        _parse(p)
    assert e.value.locator == "line 2"


def _zip(tmp_path: Path, name: str, members: dict[str, bytes]) -> Path:
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return p


CHAT = b"[3/27/22, 21:41:35] Ana: Hello\n[3/27/22, 21:42:00] Ben: hi\nthere\n"


def test_zip_with_chat_media_and_a_text_attachment(tmp_path: Path) -> None:
    p = _zip(
        tmp_path,
        "WhatsApp Chat - Family.zip",
        {
            "_chat.txt": CHAT,
            "00000046-Some file.txt": b"not a chat\n",
            "00000035-PHOTO.jpg": b"\xff\xd8",
        },
    )
    assert _detect(Sniff.of(p)) == pytest.approx(0.9)
    items = _parse(p)["items"]
    assert [(i["author"], i["text"]) for i in items] == [("Ana", "Hello"), ("Ben", "hi\nthere")]
    assert items[0]["container"] == "family"
    assert items[0]["container_kind"] == "person"  # two writers, no group events: a 1:1 chat


def test_zip_without_a_chat_is_refused(tmp_path: Path) -> None:
    p = _zip(tmp_path, "photos.zip", {"a.jpg": b"\xff\xd8"})
    assert _detect(Sniff.of(p)) == 0.0
    with pytest.raises(FormatError, match="no WhatsApp chat"):
        _parse(p)


def test_zip_with_two_chats_is_refused(tmp_path: Path) -> None:
    p = _zip(
        tmp_path, "two.zip", {"WhatsApp Chat with A.txt": CHAT, "WhatsApp Chat with B.txt": CHAT}
    )
    with pytest.raises(FormatError, match="several chats"):
        _parse(p)


def test_ids_do_not_depend_on_line_numbers(tmp_path: Path) -> None:
    body = "13/01/2023, 09:00 - Ana: same\n13/01/2023, 09:00 - Ana: same\n13/01/2023, 09:01 - Ben: other\n"
    a = _parse(_write(tmp_path, body, "WhatsApp Chat with G.txt"))["items"]
    (tmp_path / "b").mkdir()
    b = _parse(
        _write(
            tmp_path / "b", "12/01/2023, 08:00 - Cy: earlier\n" + body, "WhatsApp Chat with G.txt"
        )
    )["items"]
    ids_a = [i["platform_id"] for i in a]
    assert ids_a == [i["platform_id"] for i in b[1:]]
    assert len(set(ids_a)) == 3
    assert ids_a[0].endswith("/0") and ids_a[1].endswith("/1")


def test_overlapping_exports_merge(tmp_path: Path, study: StudyFixture) -> None:
    one = "13/01/2023, 09:00 - Ana: a\n13/01/2023, 09:01 - Ben: b\n13/01/2023, 09:02 - Cy: c\n"
    two = "13/01/2023, 09:01 - Ben: b\n13/01/2023, 09:02 - Cy: c\n14/01/2023, 10:00 - Ana: d\n"
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    s1 = study.import_(_write(tmp_path / "one", one, "WhatsApp Chat with G.txt"))
    s2 = study.import_(_write(tmp_path / "two", two, "WhatsApp Chat with G.txt"))
    assert (s1.loaded, s2.loaded, s2.duplicates) == (3, 1, 2)
    assert study.sql("SELECT count(*) FROM items")[0][0] == 4


def test_phone_authors_and_one_to_one_chats_are_pseudonymised(study: StudyFixture) -> None:
    path = CASES / "whatsapp-txt" / "arabic_ios.txt"
    study.import_(path, fmt="whatsapp-txt", options=ImportOptions(time_zone="America/Toronto"))
    handles = {r[0] for r in study.sql("SELECT handle FROM accounts")}
    assert not any("521" in h or "Dmitry" in h or "arabic" in h for h in handles)
    assert study.sql("SELECT count(*) FROM accounts WHERE NOT pseudonymised")[0][0] == 0


def test_whatsapp_chat_with_prefix_is_dropped_from_the_slug() -> None:
    assert chat_slug(Path("WhatsApp Chat with Group Chat XXX.txt")) == "group-chat-xxx"
    assert chat_slug(Path("WhatsApp Chat - Elon Musk (RU).zip")) == "elon-musk-ru"


SAMPLES = sorted((CASES / "whatsapp-txt").glob("*.txt")) + sorted(
    (CASES / "whatsapp-txt").glob("*.zip")
)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_block_boundaries_change_nothing(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks of 7 bytes cut every line, header and multi-byte character somewhere: the
    # messages carried from block to block must come out as from one block.
    golden = json.loads(path.with_name(path.name + ".golden.json").read_text())
    order = golden["options"].get("date_order")
    whole = _parse(path, date_order=order)
    monkeypatch.setattr(whatsapp_files, "BLOCK", 7)
    assert _parse(path, date_order=order) == whole


def test_block_boundaries_in_crlf_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "WhatsApp Chat with G.txt"
    p.write_bytes(
        "\ufeff13/01/2023, 09:00 - Ana: café\r\nsecond\r\n13/01/2023, 09:01 - Ben: b\r\n".encode()
    )
    for block in (1 << 22, 5, 3):
        monkeypatch.setattr(whatsapp_files, "BLOCK", block)
        items = _parse(p)["items"]
        assert [(i["author"], i["text"]) for i in items] == [
            ("Ana", "café\nsecond"),
            ("Ben", "b"),
        ], block


def test_bad_bytes_are_refused_with_the_line_in_any_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "WhatsApp Chat with X.txt"
    p.write_bytes(b"13/01/2023, 09:00 - Ana: ok\n" * 50 + b"13/01/2023, 09:01 - Ana: caf\xe9\n")
    monkeypatch.setattr(whatsapp_files, "BLOCK", 64)
    with pytest.raises(EncodingError) as e:
        _parse(p)
    assert e.value.locator == "line 51"


def test_a_header_written_otherwise_later_is_still_a_header(tmp_path: Path) -> None:
    # The pattern is narrowed to what the first headers use (ASCII digits, ", ", a plain
    # space); later headers with Arabic-Indic digits, an Arabic comma or a no-break space
    # are headers all the same, and a header ending in a narrow no-break space keeps it out
    # of the name.
    text = (
        "[13/01/2023, 09:00:00] Ana: one\n"
        "[١٣/٠١/٢٠٢٣، ٠٩:٠١:٠٠] Ana: two\n"
        "[13/01/2023,\u00a009:02:00] Ben: three\n"
        "[13/01/2023, 09:03:00]\u202fBen: four\n"
    )
    items = _parse(_write(tmp_path, text))["items"]
    assert [(i["author"], i["text"], i["created_at"].minute) for i in items] == [
        ("Ana", "one", 0),
        ("Ana", "two", 1),
        ("Ben", "three", 2),
        ("Ben", "four", 3),
    ]


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        # Santiago moves its clocks at midnight: 2023-09-03 00:00 to 01:00 does not exist
        # (read with the offset before, UTC-4), 01:00 on is UTC-3.
        ("America/Santiago", "03/09/2023, 00:30", _utc(2023, 9, 3, 4, 30)),
        ("America/Santiago", "03/09/2023, 01:30", _utc(2023, 9, 3, 4, 30)),
        # Lord Howe changes by 30 minutes at 02:00 (to 02:30) in spring.
        ("Australia/Lord_Howe", "01/10/2023, 01:59", _utc(2023, 9, 30, 15, 29)),
        ("Australia/Lord_Howe", "01/10/2023, 02:30", _utc(2023, 9, 30, 15, 30)),
        # London's autumn hour 01:00-02:00 happens twice: the first one (BST) is taken.
        ("Europe/London", "29/10/2023, 01:15", _utc(2023, 10, 29, 0, 15)),
        ("Europe/London", "29/10/2023, 02:15", _utc(2023, 10, 29, 2, 15)),
    ],
    ids=[
        "santiago-gap",
        "santiago-after",
        "lord-howe-before",
        "lord-howe-after",
        "london-twice",
        "london-after",
    ],
)
def test_days_the_offset_changes_in_other_zones(
    tmp_path: Path, zone: str, local: str, utc: dt.datetime
) -> None:
    text = f"{local} - Ana: x\n"
    got = _parse(_write(tmp_path, text), date_order="dmy", tz=ZoneInfo(zone))
    assert got["items"][0]["created_at"] == utc
