"""Keyword taxonomies kept as versioned data files, matched with Aho–Corasick.

A taxonomy is a TOML file in ``settlescope/text/taxonomies/`` named after its id
(``ircc-services-v1.toml``). It lists categories, each with strong ``terms`` and optional
``weak`` terms per language (ISO 639-1 code, or ``any``). See the header of
``ircc-services-v1.toml`` for how terms are written; in short:

- text and terms are folded alike (:func:`settlescope.text.normalize.fold`): case, accents on
  Latin letters, compatibility forms (full-width letters), Arabic/Persian letter variants and
  digits;
- a term of at most 6 capitals and digits (``SIN``, ``PR``, ``LMIA``) matches in capitals only,
  so that Spanish "sin" ("without") is not the Social Insurance Number;
- a term must stand as whole words (the characters around it are not letters, digits or vowel
  signs), so ``SIN`` does not fire inside ``BUSINESS``; a term ending in ``*`` only needs the
  word start (for inflected languages); Arabic-script terms may follow the proclitics و ف ب ل ك
  and the article ال; Chinese and Japanese terms match anywhere;
- ``any`` and ``en`` terms apply to posts in every language; Latin-script terms of another
  language apply to posts in that language (or whose language is unknown); terms in other
  scripts apply to every post;
- a category's score is 1.0 when a strong term matched and 0.5 when only weak ones did; weak
  categories are dropped when any strong category of the taxonomy matched the same text.

Example
-------
>>> tax = load_taxonomy("ircc-services-v1")
>>> [m.category for m in tax.match("LINC classes are enrolling now, CLB 1 to 6", "en")]
['LT']
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, NoReturn

import ahocorasick

from settlescope.errors import StudyError, TaxonomyError
from settlescope.text.normalize import fold, is_word_char

METHOD = "lexicon-aho-v1"
STRONG, WEAK = 1.0, 0.5

_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
_PROCLITIC = re.compile(r"^(?:و|ف)?(?:ب|ل|ک)?(?:ال|ل)?$")


def taxonomy_dir() -> Path:
    return Path(str(files("settlescope.text") / "taxonomies"))


def available() -> list[str]:
    """Ids of the taxonomies shipped with settlescope."""
    return sorted(p.stem for p in taxonomy_dir().glob("*.toml"))


Folded = tuple[str, str]


def fold_for_matching(text: str) -> Folded:
    """``text`` folded for matching: case-folded, and with its case kept (for acronyms)."""
    cased = fold(text, keep_case=True)
    return cased.casefold(), cased


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    definition: str


@dataclass(frozen=True, slots=True)
class Match:
    """A category found in a text, with its score and the terms that matched."""

    category: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Term:
    category: int
    weight: float
    lang: str  # "any" or a language code
    prefix: bool
    cjk: bool
    arabic: bool
    latin: bool
    text: str


def _script_flags(term: str) -> tuple[bool, bool, bool]:
    cjk = arabic = latin = False
    for ch in term:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith(("CJK", "HIRAGANA", "KATAKANA")):
            cjk = True
        elif name.startswith("ARABIC"):
            arabic = True
        elif name.startswith("LATIN"):
            latin = True
    return cjk, arabic, latin


@dataclass
class Taxonomy:
    """A loaded taxonomy: its categories and the automata that find their terms."""

    id: str
    version: str
    method: str
    title: str
    categories: tuple[Category, ...]
    path: Path
    _terms: list[_Term] = field(default_factory=list, repr=False)
    _folded: Any = field(default=None, repr=False)
    _cased: Any = field(default=None, repr=False)

    def match(
        self, text: str | None, language: str | None = None, *, folded: Folded | None = None
    ) -> list[Match]:
        """Categories whose terms occur in ``text`` (a post in ``language``).

        ``folded`` (from :func:`fold_for_matching`) saves folding the same text again when
        several taxonomies match it.
        """
        if not text:
            return []
        lang = language or "und"
        low, cased = folded or fold_for_matching(text)
        found: dict[int, tuple[float, list[str]]] = {}
        for automaton, hay in ((self._folded, low), (self._cased, cased)):
            if automaton is None or not len(automaton):
                continue
            for end, idxs in automaton.iter(hay):
                for k in idxs:
                    t = self._terms[k]
                    start = end - len(t.text) + 1
                    if not self._applies(t, lang) or not self._bounded(t, hay, start, end):
                        continue
                    w, ev = found.get(t.category, (0.0, []))
                    if t.text not in ev:
                        ev.append(t.text)
                    found[t.category] = (max(w, t.weight), ev)
        if any(w >= STRONG for w, _ in found.values()):
            found = {c: v for c, v in found.items() if v[0] >= STRONG}
        return [Match(self.categories[c].id, w, tuple(ev)) for c, (w, ev) in sorted(found.items())]

    @staticmethod
    def _applies(t: _Term, lang: str) -> bool:
        if t.lang in ("any", "en") or not t.latin:
            return True
        return t.lang == lang or lang == "und"

    @staticmethod
    def _bounded(t: _Term, hay: str, start: int, end: int) -> bool:
        if t.cjk:
            return True
        if not t.prefix and end + 1 < len(hay) and is_word_char(hay[end + 1]):
            return False
        if start > 0 and is_word_char(hay[start - 1]):
            if not t.arabic:
                return False
            # Arabic-script words take proclitics (and, with, for, the): و ب ل ال ...
            j = start
            while j > 0 and is_word_char(hay[j - 1]):
                j -= 1
            return bool(_PROCLITIC.match(hay[j:start]))
        return True


def _fail(path: Path, message: str, locator: str | None = None, fld: str | None = None) -> NoReturn:
    raise TaxonomyError(
        message,
        file=str(path),
        locator=locator,
        field=fld,
        hint="fix the taxonomy file; see the header of ircc-services-v1.toml for its format",
    )


def parse_taxonomy(path: Path) -> Taxonomy:
    """Read and check one taxonomy file, and build its automata."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        _fail(path, f"cannot read the taxonomy file: {e}")
    except tomllib.TOMLDecodeError as e:
        _fail(path, f"not valid TOML: {e}")
    head = raw.get("taxonomy")
    if not isinstance(head, dict):
        _fail(path, "the file has no [taxonomy] table", fld="taxonomy")
    for key in ("id", "version", "method"):
        if not isinstance(head.get(key), str) or not head[key]:
            _fail(path, f"[taxonomy] needs a text '{key}'", locator="[taxonomy]", fld=key)
    cats_raw = raw.get("category")
    if not isinstance(cats_raw, list) or not cats_raw:
        _fail(path, "the taxonomy has no [[category]] entries", fld="category")
    cats: list[Category] = []
    terms: list[_Term] = []
    seen: set[str] = set()
    for i, c in enumerate(cats_raw):
        loc = f"[[category]] #{i + 1}"
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            _fail(path, "a category needs a text 'id'", locator=loc, fld="id")
        if cid in seen:
            _fail(path, f"category id '{cid}' is used twice", locator=loc, fld="id")
        seen.add(cid)
        cats.append(Category(cid, str(c.get("name", cid)), str(c.get("definition", ""))))
        for kind, weight in (("terms", STRONG), ("weak", WEAK)):
            table = c.get(kind, {})
            if not isinstance(table, dict):
                _fail(path, f"'{kind}' must be a table of languages", locator=loc, fld=kind)
            for lang, words in table.items():
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    _fail(path, f"'{kind}.{lang}' must be a list of texts", loc, f"{kind}.{lang}")
                for w in words:
                    word = w.strip()
                    prefix = word.endswith("*")
                    word = word.rstrip("*").strip()
                    if not word:
                        _fail(path, f"an empty term in '{kind}.{lang}'", loc, f"{kind}.{lang}")
                    cjk, arabic, latin = _script_flags(word)
                    cased = bool(_ACRONYM.match(word))
                    key = fold(word, keep_case=True) if cased else fold(word)
                    t = _Term(len(cats) - 1, weight, lang, prefix, cjk, arabic, latin, key)
                    terms.append(t)
    if not any(c.get("terms") for c in cats_raw):
        _fail(path, "no category has any terms", fld="terms")
    tax = Taxonomy(
        id=head["id"],
        version=head["version"],
        method=head["method"],
        title=str(head.get("title", head["id"])),
        categories=tuple(cats),
        path=path,
        _terms=terms,
    )
    tax._folded, tax._cased = _automata(terms)
    return tax


def _automata(terms: list[_Term]) -> tuple[Any, Any]:
    groups: dict[bool, dict[str, list[int]]] = {False: {}, True: {}}
    for k, t in enumerate(terms):
        cased = bool(_ACRONYM.match(t.text))
        groups[cased].setdefault(t.text, []).append(k)
    out = []
    for cased in (False, True):
        a = ahocorasick.Automaton()
        for key, idxs in groups[cased].items():
            a.add_word(key, idxs)
        if len(a):
            a.make_automaton()
        out.append(a)
    return out[0], out[1]


@lru_cache(maxsize=16)
def load_taxonomy(taxonomy_id: str) -> Taxonomy:
    """The taxonomy ``taxonomy_id`` shipped with settlescope.

    Raises
    ------
    StudyError
        When no taxonomy has that id (naming the study key ``taxonomies.use``).
    """
    path = taxonomy_dir() / f"{taxonomy_id}.toml"
    if not path.is_file():
        raise StudyError(
            f"unknown taxonomy '{taxonomy_id}'",
            field="taxonomies.use",
            hint=f"use one of: {', '.join(available())}",
        )
    tax = parse_taxonomy(path)
    if tax.id != taxonomy_id:
        _fail(path, f"the file declares id '{tax.id}', not '{taxonomy_id}'", "[taxonomy]", "id")
    return tax
