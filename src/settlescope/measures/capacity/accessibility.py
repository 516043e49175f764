"""Accessibility of a partner's posts: readability of English and French posts, and links to
official sources.

Alt text on images is not measured: the canonical items (schema v2) keep no image
descriptions, and none of the supported exports carries them for posts. The measure says so
in its definition rather than report a number it cannot know.

Readability formulas (implemented from the published formulas):

- English, Flesch reading ease (Flesch 1948):
  ``206.835 - 1.015 * words/sentences - 84.6 * syllables/words``;
- French, Kandel & Moles (1958), Flesch's formula adapted to French:
  ``207 - 1.015 * words/sentences - 73.6 * syllables/words``.

Both read 0-100 (higher is easier; 60-70 is plain language). Syllables are counted as groups
of vowels (with ``y`` and the accented vowels), less a silent final ``e`` (and ``es``, and
French ``ent`` endings are left as they are, a known limit of vowel-group counting), with at
least one syllable per word. Post texts with hashtags and links have them removed first.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

from settlescope.measures.base import MeasureContext, Metric, Row, measure
from settlescope.measures.capacity.common import PostGroup, partner_posts, post_groups

_URL = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s]*)?", re.I)
_STRIP = re.compile(r"https?://\S+|www\.\S+|[#@]\w+", re.I)
_SENT = re.compile(r"[.!?;:…]+(?=\s|$)|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_VOWELS = {
    "en": re.compile(r"[aeiouy]+"),
    "fr": re.compile(r"[aeiouyàâäéèêëîïôöùûüÿœæ]+"),
}

# Government domains: the federal canada.ca and *.gc.ca, and provincial and territorial ones.
OFFICIAL_DOMAINS = (
    "canada.ca", "gc.ca", "ontario.ca", "gov.on.ca", "alberta.ca", "gov.ab.ca", "gov.bc.ca",
    "quebec.ca", "gouv.qc.ca", "gov.mb.ca", "manitoba.ca", "saskatchewan.ca", "gov.sk.ca",
    "novascotia.ca", "gov.ns.ca", "gnb.ca", "gov.nl.ca", "princeedwardisland.ca", "gov.pe.ca",
    "yukon.ca", "gov.nt.ca", "gov.nu.ca",
)  # fmt: skip


def syllables(word: str, lang: str) -> int:
    """Syllables of a word by vowel groups (see the module docstring).

    Examples
    --------
    >>> syllables("newcomers", "en"), syllables("table", "en"), syllables("the", "en")
    (3, 2, 1)
    >>> syllables("immigration", "fr"), syllables("semaine", "fr")
    (4, 2)
    """
    w = word.lower()
    groups = len(_VOWELS[lang].findall(w))
    if lang == "en" and len(w) > 2 and w.endswith("e") and not w.endswith(("le", "ee")):
        groups -= 1
    if lang == "fr" and len(w) > 3 and (w.endswith("e") or w.endswith("es")):
        groups -= 1
    return max(1, groups)


def text_counts(text: str, lang: str) -> tuple[int, int, int]:
    """(sentences, words, syllables) of a text, links and hashtags removed."""
    clean = _STRIP.sub(" ", text)
    words = _WORD.findall(clean)
    sentences = [s for s in _SENT.split(clean) if _WORD.search(s)]
    return max(1, len(sentences)), len(words), sum(syllables(w, lang) for w in words)


def reading_ease(text: str, lang: str) -> float | None:
    """Flesch reading ease (English) or Kandel-Moles (French) of a text; None without words.

    Example
    -------
    "The cat sat on the mat." has 1 sentence, 6 words, 6 syllables:
    206.835 - 1.015 * 6 - 84.6 * 1 = 116.145.

    >>> round(reading_ease("The cat sat on the mat.", "en"), 3)
    116.145
    """
    s, w, syl = text_counts(text, lang)
    if w == 0:
        return None
    if lang == "en":
        return 206.835 - 1.015 * (w / s) - 84.6 * (syl / w)
    if lang == "fr":
        return 207.0 - 1.015 * (w / s) - 73.6 * (syl / w)
    raise ValueError(f"no readability formula for language '{lang}'")


def is_official(domain: str) -> bool:
    """Whether a host name is a Canadian government domain (or below one).

    Example
    -------
    >>> is_official("www.canada.ca"), is_official("ircc.gc.ca"), is_official("canada.ca.evil.io")
    (True, True, False)
    """
    d = domain.lower().strip(".")
    return any(d == o or d.endswith("." + o) for o in OFFICIAL_DOMAINS)


def domains_of(text: str | None, urls: list[str]) -> set[str]:
    out = set()
    for u in [*urls, *(_URL.findall(text or ""))]:
        host = urlparse(u if "://" in u else "http://" + u).hostname
        if host:
            out.add(host.lower())
    return out


class AccessParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_words: int = Field(8, ge=1, description="Posts with fewer words are left out of "
                           "readability (formulas are unstable on very short texts).")  # fmt: skip


ACCESS_METRICS = (
    Metric("reading-ease", "score", "Mean Flesch reading ease (English posts) or Kandel-Moles "
           "score (French posts), 0-100 scale (values can fall outside), higher is easier; "
           "dimension 'language' (en, fr). n = posts of at least min_words words."),
    Metric("reading-ease-median", "score", "Median of the same scores."),
    Metric("official-links-share", "share", "Posts linking to (or naming) a Canadian government "
           "domain (canada.ca, *.gc.ca, provincial and territorial government domains) / "
           "posts. n = posts."),
    Metric("links-share", "share", "Posts with at least one link / posts."),
)  # fmt: skip


@measure(
    id="accessibility",
    version=2,
    family="capacity",
    title="Accessibility: readability and links to official sources",
    inputs=("items", "items.language"),
    scopes=("partner", "account"),
    metrics=ACCESS_METRICS,
    definition="How easy a partner's English and French posts are to read (Flesch reading "
    "ease; Kandel-Moles for French) and how often its posts point to official government "
    "sources; for the partner as a whole and for each of its accounts (scope 'account'), "
    "with the link shares also per platform (dimension 'platform'). Alt text on images is "
    "not measured: the canonical items keep no image descriptions.",
    references=(
        "Flesch, R. (1948). A new readability yardstick. Journal of Applied Psychology "
        "32(3):221-233.",
        "Kandel, L. & Moles, A. (1958). Application de l'indice de Flesch a la langue "
        "francaise. Cahiers Etudes de Radio-Television 19:253-274.",
    ),
    params=AccessParams,
)
def accessibility(ctx: MeasureContext) -> Iterator[Row]:
    p: AccessParams = ctx.params
    for partner, pp in partner_posts(ctx).items():
        for g in post_groups(partner, pp.posts):
            yield from _access_rows(g, p.min_words)


def _access_rows(g: PostGroup, min_words: int) -> Iterator[Row]:
    scores: dict[str, list[float]] = {"en": [], "fr": []}
    linked = official = 0
    for post in g.posts:
        doms = domains_of(post.text, post.urls)
        linked += bool(doms)
        official += any(is_official(d) for d in doms)
        if post.language in scores and post.text:
            _, words, _ = text_counts(post.text, post.language)
            if words >= min_words:
                score = reading_ease(post.text, post.language)
                if score is not None:
                    scores[post.language].append(score)
    n = len(g.posts)
    yield g.row("links-share", linked / n, n=n)
    yield g.row("official-links-share", official / n, n=n)
    for lang, vals in scores.items():
        if vals:
            by = dict(n=len(vals), dimension="language", category=lang)
            yield from g.breakdown("reading-ease", statistics.fmean(vals), **by)
            yield from g.breakdown("reading-ease-median", statistics.median(vals), **by)
