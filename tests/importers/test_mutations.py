"""Property tests: every real sample, truncated, spliced, re-encoded or corrupted, gives a
clear refusal or counted rejects — never a traceback, never a partial import.

For each mutated file the import either raises a :class:`SettlescopeError` (a refusal with a
message) and leaves every table as it was, or it succeeds with
``read == loaded + duplicates + rejected`` and exactly ``loaded`` new primary rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settlescope.errors import SettlescopeError
from settlescope.importers.base import ImportOptions
from settlescope.importers.run import import_file
from settlescope.store.pseudonym import Pseudonymiser
from settlescope.store.workspace import Workspace
from settlescope.study.model import Study

from ..conftest import CASES

SAMPLES = sorted(
    g.with_name(g.name.removesuffix(".golden.json")) for g in CASES.glob("*/*.golden.json")
)
STUDY = Study.model_validate(
    {
        "study": {"name": "mutations"},
        "waves": [{"id": "baseline", "start": "2000-01-01", "end": "2030-12-31"}],
    }
)
PSEUDO = Pseudonymiser(b"m" * 32)
PRIMARY = ("items", "interactions", "audience", "audience_breakdown")


def _fmt(sample: Path) -> tuple[str, ImportOptions]:
    spec = json.loads(sample.with_name(sample.name + ".golden.json").read_text())
    o = spec.get("options", {})
    return spec["format"], ImportOptions(
        date_order=o.get("date_order"), time_zone=o.get("time_zone"), platform=o.get("platform")
    )


def truncate(data: bytes, frac: float) -> bytes:
    return data[: max(1, int(len(data) * frac))]


def splice(data: bytes, a: float, b: float, dup: bool) -> bytes:
    i, j = sorted((int(len(data) * a), int(len(data) * b)))
    return data[:j] + data[i:j] + data[j:] if dup else data[:i] + data[j:]


def reencode(data: bytes, how: str) -> bytes:
    text = data.decode("utf-8", errors="replace")
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "cp1252":
        return text.encode("cp1252", errors="replace")
    return text.encode("utf-8").decode("latin-1").encode("utf-8")  # double-encoded (mojibake)


def corrupt(data: bytes, positions: list[float], byte: int) -> bytes:
    b = bytearray(data)
    for p in positions:
        b[min(len(b) - 1, int(len(b) * p))] = byte
    return bytes(b)


MUTATIONS = st.one_of(
    st.builds(lambda f: ("truncate", f), st.floats(0.01, 0.99)),
    st.builds(lambda a, b, d: ("splice", a, b, d), st.floats(0, 1), st.floats(0, 1), st.booleans()),
    st.builds(lambda h: ("reencode", h), st.sampled_from(["utf-16", "cp1252", "mojibake"])),
    st.builds(
        lambda ps, by: ("corrupt", ps, by),
        st.lists(st.floats(0, 1), min_size=1, max_size=5),
        st.sampled_from([0x00, 0xFF, 0x22, 0x7B, 0x0A, 0x2C, 0xC3]),
    ),
)


def mutate(data: bytes, m: tuple) -> bytes:  # type: ignore[type-arg]
    kind, *args = m
    return {"truncate": truncate, "splice": splice, "reencode": reencode, "corrupt": corrupt}[kind](
        data, *args
    )


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_mutated_sample_is_refused_or_counted(
    sample: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fmt, options = _fmt(sample)
    original = sample.read_bytes()
    ws = Workspace.open(":memory:")
    work = tmp_path_factory.mktemp("mut")

    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(m=MUTATIONS, declared=st.booleans())
    def check(m: tuple, declared: bool) -> None:  # type: ignore[type-arg]
        data = mutate(original, m)
        f = work / sample.name
        f.write_bytes(data)
        before = ws.counts()
        try:
            s = import_file(
                ws,
                f,
                wave="baseline",
                study=STUDY,
                format_id=fmt if declared else "auto",
                options=options,
                pseudonymiser=PSEUDO,
                force=True,
            )
        except SettlescopeError as e:
            assert str(e)  # a message for the user
            assert ws.counts() == before, "a refused file changed the workspace"
            return
        assert s.read == s.loaded + s.duplicates + s.rejected
        after = ws.counts()
        grew = sum(after[t] - before[t] for t in PRIMARY)
        derived = s.derived_edges
        assert s.loaded <= grew <= s.loaded + derived
        assert after["rejects"] - before["rejects"] == s.rejected

    check()
