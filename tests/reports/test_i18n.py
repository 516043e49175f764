"""Every fixed text of the reports has a French translation in the repository's catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file

from settlescope.reports import deliverables, guidance
from settlescope.reports.i18n import catalogue
from settlescope.reports.timeline import STATUSES

REPORTS = Path(deliverables.__file__).parent


def used_msgids() -> set[str]:
    ids: set[str] = set()
    for f in REPORTS.glob("*.py"):
        for _line, msg, _c, _ctx in extract_from_file("python", str(f),
                                                      keywords={"_": None, "gettext": None}):  # fmt: skip
            if isinstance(msg, str):
                ids.add(msg)
    for d in deliverables.DELIVERABLES.values():
        ids.add(d.title)
        for s in d.sections:
            ids.update(x for x in (s.title, s.intro) if x)
            ids.update(f.label for f in s.figures)
    ids.update(f.label for f in deliverables.CAPACITY_FIGURES)
    ids.update(f.reference[1] for f in deliverables.CAPACITY_FIGURES if f.reference)
    ids.update(guidance.GROUPS.values())
    ids.update(guidance.service_names().values())
    ids.update(f.label for f in deliverables.STRUCTURE)
    ids.update(STATUSES)
    return ids


def test_every_fixed_text_is_translated_to_french() -> None:
    fr = catalogue("fr")
    missing = sorted(i for i in used_msgids() if i not in fr)
    assert not missing, f"add these to locale/fr/LC_MESSAGES/settlescope.po: {missing}"
    # placeholders survive translation
    for msgid, msgstr in fr.items():
        for name in ("{n}", "{cmd}", "{ids}", "{date}", "{label}", "{who}"):
            assert (name in msgid) == (name in msgstr), msgid
