"""Fixed text and numbers in the reader's language: gettext catalogues and CLDR formats.

Fixed text is written in English in the code and templates and translated through the
gettext catalogue ``locale/<lang>/LC_MESSAGES/settlescope.po`` kept in the repository. The
catalogue is compiled in memory with Babel when first used, so a clean checkout needs no
build step. Numbers, percentages and dates follow the Unicode CLDR rules of the locale
(Canadian English and Canadian French), through Babel.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from importlib import resources

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from settlescope.errors import UsageError

DOMAIN = "settlescope"
# Canada's two official languages, in their Canadian CLDR locales.
LOCALES = {"en": "en_CA", "fr": "fr_CA"}


@functools.lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    """The translations of ``lang`` (msgid to msgstr); English is the source, so empty."""
    if lang == "en":
        return {}
    ref = resources.files("settlescope.reports") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with ref.open("rb") as fh:
        cat = read_po(fh, locale=LOCALES[lang], domain=DOMAIN)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


@dataclass(frozen=True)
class Language:
    """Translation and formatting for one language.

    Example
    -------
    >>> fr = Language.of("fr")
    >>> fr.number(1234.5, 1) == "1\\u00a0234,5"
    True
    """

    code: str

    @classmethod
    def of(cls, code: str) -> Language:
        if code not in LOCALES:
            raise UsageError(
                f"no report language '{code}'",
                field="--lang",
                hint=f"use one of: {', '.join(LOCALES)}",
            )
        return cls(code)

    @property
    def locale(self) -> str:
        return LOCALES[self.code]

    @property
    def bcp47(self) -> str:
        return self.locale.replace("_", "-")

    def gettext(self, msgid: str) -> str:
        return catalogue(self.code).get(msgid, msgid)

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """A number with the locale's grouping and decimal signs, ``digits`` decimals."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        # the locale's own percent pattern (fr-CA puts a no-break space before %), with digits
        base = str(Locale.parse(self.locale).percent_formats[None].pattern)
        pattern = base.replace("#,##0", "#,##0" + ("." + "0" * digits if digits > 0 else ""), 1)
        return format_percent(value, format=pattern, locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None, style: str = "long") -> str:
        if value is None:
            return "–"
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, format=style, locale=self.locale)

    def language_of(self, code: str) -> str:
        """The name of language ``code`` (ISO 639) in this language; the code when unknown."""
        name = Locale.parse(self.locale).languages.get(code)
        return str(name) if name else code

    def language_name(self) -> str:
        return str(Locale.parse(self.locale).get_display_name(self.locale))
