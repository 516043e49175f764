"""``--format auto`` on every file of the shared samples: each supported kind is identified,
every other file is refused with a message that says what to do.

The expected format of each file comes from what the file is (``shared/samples/PROVENANCE.md``
describes each one), not from running the detection.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from settlescope.errors import FormatError
from settlescope.importers.base import detect_format

from ..conftest import SHARED

SAMPLES = SHARED / "samples"
FILES = (
    sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "PROVENANCE.md")
    if SAMPLES.is_dir()
    else []
)

# folder (under samples/) -> format id of its files; the exceptions by file name below
BY_FOLDER = {
    "bluesky": "bluesky-json",
    "facebook/chat-analytics": "facebook-dyi-json",
    "facebook/phoenix": "crowdtangle-json",
    "instagram": "facebook-dyi-json",  # Instagram's "Download Your Information" messages
    "mastodon": "mastodon-json",
    "reddit": "reddit-api-json",
    "telegram": "telegram-json",
    "tiktok": "tiktok-research-json",
    "twitter_v1": "twitter-v1-json",
    "twitter_v2": "twitter-v2-jsonl",
    "whatsapp": "whatsapp-txt",
    "youtube": "youtube-api-json",
}
BY_NAME = {
    "activity_streams_examples.json": "gnip-activity-json",
    "header_format_support.json": None,  # whatstk's table of formats, not a chat
}
BY_SUFFIX = {".gexf": "gexf", ".graphml": "graphml"}
# Surveys, transcripts and qualitative projects are not imported; of them, only the plain
# CSV (and tab-separated) tables are files the generic mapped CSV reads, given a mapping.
TABLES = {
    "survey_100001_R_data_file.csv",
    "survey_998192_R_data_file.csv",
    "testing-multilingual-export.txt",
    "sample.csv",
    "sample_legacy.csv",
    "widgets.csv",
}


def _expected(p: Path) -> str | None:
    rel = p.relative_to(SAMPLES).as_posix()
    if p.name in BY_NAME:
        return BY_NAME[p.name]
    if p.suffix in BY_SUFFIX:
        return BY_SUFFIX[p.suffix]
    if p.name in TABLES:
        return "generic-csv"
    for folder, fmt in BY_FOLDER.items():
        if rel.startswith(folder + "/"):
            return fmt
    return None


@pytest.mark.parametrize(
    "path", FILES, ids=[p.relative_to(SAMPLES).as_posix() for p in FILES] or None
)
def test_auto_detection_on_the_shared_samples(path: Path) -> None:
    expected = _expected(path)
    if expected is not None:
        assert detect_format(path).id == expected
        return
    with pytest.raises(FormatError) as e:
        detect_format(path)
    msg, hint = e.value.message, e.value.hint or ""
    if "cannot tell" not in msg:  # a kind it knows and does not import: it says which
        assert msg.startswith("this is ") and "does not import" in msg
    assert "settlescope formats" in hint or "--map" in hint


def test_the_samples_are_there() -> None:
    if not SAMPLES.is_dir():
        pytest.skip("the shared samples are not beside this checkout")
    assert len(FILES) > 100
