"""Text normalisation shared by language identification, lexicon matching and question rules.

Two jobs, kept apart:

- :func:`strip_noise` removes what carries no language: URLs, @mentions, #hashtags, e-mail
  addresses, HTML tags, emoji and other symbols, digits, zero-width and bidi control
  characters. Language identification runs on what is left.
- :func:`fold` makes lexicon matching blind to the ways one word is written: case,
  compatibility forms (full-width ``ＰＲ``, ligatures), accents on Latin letters (``é`` →
  ``e``), Arabic diacritics and tatweel, the Arabic/Persian letter variants (``ي ى ی`` →
  ``ی``, ``ك ک`` → ``ک``, ``أ إ آ`` → ``ا``, ``ة`` → ``ه``), and Arabic-Indic and Persian
  digits (``۱۲`` → ``12``). Vowel signs of Indic scripts are kept: in Gurmukhi and Devanagari
  they are letters of the word, not accents.

Both keep the text a plain ``str`` so the same folded form is used on lexicon terms and posts.
"""

from __future__ import annotations

import re
import unicodedata

# URLs with or without a scheme (``tinyurl.com/x``, ``www.x.ca``), e-mail, mentions, hashtags.
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|ca|org|net|ly|io|gov|gc\.ca|info|online)"
    r"(?:/\S*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MENTION = re.compile(r"(?<!\w)@[\w.]+")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_SPACE = re.compile(r"\s+")

# Characters that are invisible or only steer display: zero-width, joiners, bidi controls.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A)),
    None,
)

# Arabic-script variants folded to one letter (Persian forms are the targets, as in Unicode's
# Persian and Urdu usage; Arabic text folds the same way, so both match one lexicon entry).
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
        "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
        "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
        "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
        "\u0622": "\u0627",  # ALEF WITH MADDA -> ALEF
        "\u0671": "\u0627",  # ALEF WASLA -> ALEF
        "\u0629": "\u0647",  # TEH MARBUTA -> HEH
        "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH
        "\u0640": None,  # TATWEEL (kashida), only stretches the line
    }
    | {chr(0x0660 + d): str(d) for d in range(10)}  # Arabic-Indic digits
    | {chr(0x06F0 + d): str(d) for d in range(10)}  # Persian digits
    | {chr(0x0966 + d): str(d) for d in range(10)}  # Devanagari digits
    | {chr(0x0A66 + d): str(d) for d in range(10)}  # Gurmukhi digits
)
# Arabic harakat, superscript alef and Quranic marks: diacritics, not letters.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")


# Combining marks right after a Latin letter (after NFKD: the accents of é, ñ, ç, ư ...).
_LATIN_MARKS = re.compile(
    "(?<=[\u0000-\u024f\u1e00-\u1eff])[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff]+"
)


def strip_noise(text: str) -> str:
    """Remove URLs, e-mail addresses, mentions, hashtags, HTML tags, symbols and digits.

    Example
    -------
    >>> strip_noise("Check https://canada.ca/x @IRCC #PR 🇨🇦 now!")
    'Check now!'
    """
    t = text.translate(_INVISIBLE)
    t = _TAG.sub(" ", t)
    t = _URL.sub(" ", t)
    t = _EMAIL.sub(" ", t)
    t = _MENTION.sub(" ", t)
    t = _HASHTAG.sub(" ", t)
    out = []
    for ch in t:
        cat = unicodedata.category(ch)
        # keep letters, marks, punctuation and spaces; drop symbols (emoji, flags), digits
        # and other controls
        if cat[0] in "LMP" or ch.isspace():
            out.append(ch)
        else:
            out.append(" ")
    return _SPACE.sub(" ", "".join(out)).strip()


def fold(text: str, *, keep_case: bool = False) -> str:
    """Fold ``text`` for lexicon matching (case, compatibility forms, accents, scripts).

    With ``keep_case`` the letter case is kept, for acronyms that must match in capitals only
    (``SIN`` is the Social Insurance Number; Spanish ``sin`` means "without").

    Example
    -------
    >>> fold("Numéro d'ASSURANCE sociale")
    "numero d'assurance sociale"
    >>> fold("ＰＲ ｃａｒｄ", keep_case=True)
    'PR card'
    >>> fold("بطاقة الإقامة") == fold("بطاقه الاقامه")
    True
    """
    if text.isascii():  # nothing to fold but the case
        return text if keep_case else text.lower()
    t = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    t = t.replace("\u2019", "'").replace("\u02bc", "'").replace("\u2018", "'")
    t = _ARABIC_MARKS.sub("", t.translate(_ARABIC_FOLD))
    if not keep_case:
        t = t.casefold()
    # NFKD, then drop the combining marks that sit on Latin letters only.
    d = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", t))
    return unicodedata.normalize("NFC", d)


def is_word_char(ch: str) -> bool:
    """Whether ``ch`` continues a word (letters, digits and combining vowel signs)."""
    return ch.isalnum() or unicodedata.category(ch) in ("Mn", "Mc")


def clean_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
