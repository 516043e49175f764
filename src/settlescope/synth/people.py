"""Synthetic people and organizations: names, communities, partners, the sector.

Every name here is invented from small lists of common given and family names of many origins;
combinations are meant to be plausible, not to match anyone. Phone numbers use the fictional
``555`` area code. Organizations are fictional too.

A *community* is a planted block of the stochastic-block-model network: people of one
community share a language and a region and interact mostly with each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LANGUAGES: tuple[str, ...] = ("en", "fr", "pa", "ar", "zh", "tl", "es", "uk")

# Given and family names by origin (language of the community that mostly uses them).
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "uk": ("Olena", "Oksana", "Iryna", "Taras", "Andrii", "Mykola", "Yuliia", "Dmytro"),
    "pa": (
        "Harpreet",
        "Gurpreet",
        "Simran",
        "Manpreet",
        "Jaspreet",
        "Amandeep",
        "Navneet",
        "Rajveer",
    ),
    "ar": ("Amira", "Omar", "Layla", "Khaled", "Yasmin", "Tariq", "Rana", "Hussein"),
    "zh": ("Wei", "Xiaoling", "Jun", "Mei", "Hao", "Yan", "Lei", "Qing"),
    "tl": ("Maricel", "Jerome", "Rowena", "Joel", "Analyn", "Ramil", "Liza", "Arnel"),
    "es": ("Camila", "Mateo", "Valentina", "Diego", "Lucía", "Andrés", "Daniela", "Javier"),
    "fr": ("Aminata", "Moussa", "Fatou", "Ibrahima", "Chantal", "Serge", "Mariam", "Koffi"),
    "en": ("Grace", "Samuel", "Chidinma", "Emeka", "Priya", "Daniel", "Ngozi", "Hannah"),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "uk": (
        "Kovalenko",
        "Shevchenko",
        "Bondarenko",
        "Tkachenko",
        "Melnyk",
        "Kravchenko",
        "Oliinyk",
        "Boiko",
    ),
    "pa": ("Singh", "Kaur", "Sandhu", "Gill", "Dhillon", "Brar", "Sidhu", "Grewal"),
    "ar": ("Haddad", "Khalil", "Nasser", "Darwish", "Saleh", "Hamdan", "Aziz", "Mansour"),
    "zh": ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao"),
    "tl": ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Dela Cruz", "Villanueva"),
    "es": ("Hernández", "López", "Martínez", "Rodríguez", "Gómez", "Pérez", "Torres", "Ramírez"),
    "fr": ("Diallo", "Traoré", "Koné", "Ndiaye", "Tremblay", "Gagnon", "Mbeki", "Kamara"),
    "en": ("Okafor", "Adeyemi", "Smith", "Mensah", "Patel", "Brown", "Osei", "Wilson"),
}
INITIALS = "ABCDEFGHJKLMNPRSTVW"


@dataclass(frozen=True)
class Community:
    """A planted community: people sharing a language and a region."""

    id: int
    language: str
    region: str
    label: str


COMMUNITIES: tuple[Community, ...] = (
    Community(0, "uk", "Alberta", "Ukrainian newcomers, Prairies"),
    Community(1, "pa", "Ontario", "Punjabi students and workers, Peel"),
    Community(2, "ar", "Ontario", "Arabic-speaking families, Toronto"),
    Community(3, "zh", "British Columbia", "Mandarin-speaking newcomers, Lower Mainland"),
    Community(4, "tl", "Manitoba", "Filipino caregivers and workers, Winnipeg"),
    Community(5, "es", "Quebec", "Latin American newcomers, Quebec"),
    Community(6, "fr", "Quebec", "Francophone African newcomers"),
    Community(7, "en", "Nova Scotia", "English-speaking newcomers, Atlantic"),
    Community(8, "en", "Ontario", "International students, rural Ontario"),
    Community(9, "ar", "Nova Scotia", "Syrian refugee families, Atlantic"),
)


@dataclass(frozen=True)
class AccountSpec:
    """One account of an organization (as written to ``study.toml``)."""

    platform: str
    handle: str
    id: str | None
    kind: str
    name: str

    @property
    def author(self) -> str:
        """The author string under which this account appears in the exports."""
        if self.platform == "telegram":
            return f"channel{self.id}"
        return self.handle


@dataclass(frozen=True)
class OrgSpec:
    """A partner or sector organization."""

    id: str
    name: str
    short: str
    region: str
    city: str
    type: str
    time_zone: str
    rural: bool
    communities: tuple[int, ...]
    languages: tuple[str, ...]
    accounts: tuple[AccountSpec, ...] = field(default=())

    def account(self, platform: str) -> AccountSpec | None:
        """The organization's account on ``platform``, if it has one."""
        for a in self.accounts:
            if a.platform == platform:
                return a
        return None


# (id, name, handle stem, region, city, type, zone, rural, communities, languages, platforms)
_PARTNERS: tuple[tuple, ...] = (
    (
        "p01",
        "Maple Newcomer Centre",
        "maplenewcomers",
        "Ontario",
        "Toronto",
        "settlement-agency",
        "America/Toronto",
        False,
        (2, 3, 5),
        ("en", "fr", "ar"),
        ("facebook", "instagram", "x", "youtube", "telegram", "whatsapp"),
    ),
    (
        "p02",
        "Prairie Welcome Society",
        "prairiewelcome",
        "Alberta",
        "Calgary",
        "settlement-agency",
        "America/Edmonton",
        False,
        (0, 4),
        ("en", "uk"),
        ("facebook", "instagram", "telegram", "whatsapp"),
    ),
    (
        "p03",
        "Pacific Bridges Immigrant Services",
        "pacificbridges",
        "British Columbia",
        "Vancouver",
        "multicultural-society",
        "America/Vancouver",
        False,
        (3, 1),
        ("en", "zh", "pa"),
        ("facebook", "instagram", "x", "youtube", "whatsapp"),
    ),
    (
        "p04",
        "Accueil Nouveaux Arrivants Estrie",
        "accueilestrie",
        "Quebec",
        "Sherbrooke",
        "organisme-communautaire",
        "America/Toronto",
        False,
        (5, 6),
        ("fr", "es", "en"),
        ("facebook", "instagram", "youtube", "telegram", "whatsapp"),
    ),
    (
        "p05",
        "Red River Newcomer Network",
        "redrivernewcomers",
        "Manitoba",
        "Winnipeg",
        "settlement-agency",
        "America/Winnipeg",
        False,
        (4, 0),
        ("en", "tl", "uk"),
        ("facebook", "instagram", "whatsapp"),
    ),
    (
        "p06",
        "Atlantic Gateway Settlement Association",
        "atlanticgateway",
        "Nova Scotia",
        "Halifax",
        "settlement-agency",
        "America/Halifax",
        False,
        (7, 9, 6),
        ("en", "ar", "fr"),
        ("facebook", "x", "instagram", "whatsapp"),
    ),
    (
        "p07",
        "Peel Region Settlement Hub",
        "peelsettlement",
        "Ontario",
        "Brampton",
        "settlement-agency",
        "America/Toronto",
        False,
        (1, 8),
        ("en", "pa"),
        ("facebook", "instagram", "x", "youtube", "telegram", "whatsapp"),
    ),
    (
        "p08",
        "Northern Rural Newcomer Services",
        "northernrural",
        "Ontario",
        "Kenora",
        "rural-settlement-agency",
        "America/Winnipeg",
        True,
        (8, 7),
        ("en", "fr"),
        ("facebook", "whatsapp"),
    ),
)

_SECTOR: tuple[tuple[str, str, str, str, str], ...] = (
    ("s01", "Ottawa Community Immigrant Hub", "ottawaimmigranthub", "Ontario", "Ottawa"),
    ("s02", "Edmonton Mennonite Newcomer Office", "emnonewcomers", "Alberta", "Edmonton"),
    ("s03", "Surrey Immigrant Family Services", "surreyifs", "British Columbia", "Surrey"),
    ("s04", "Centre d'intégration Laval", "integrationlaval", "Quebec", "Laval"),
    ("s05", "Saskatoon Open Door Society", "saskatoonopendoor", "Saskatchewan", "Saskatoon"),
    ("s06", "Moncton Newcomer Welcome", "monctonwelcome", "New Brunswick", "Moncton"),
    ("s07", "Hamilton Settlement Partners", "hamiltonsettle", "Ontario", "Hamilton"),
    ("s08", "Regina Newcomer Services", "reginanewcomers", "Saskatchewan", "Regina"),
    ("s09", "PEI Newcomers Network", "peinewcomers", "Prince Edward Island", "Charlottetown"),
    ("s10", "Kitchener Waterloo Welcome Centre", "kwwelcome", "Ontario", "Kitchener"),
    ("s11", "Victoria Immigrant Connections", "victoriaconnect", "British Columbia", "Victoria"),
    (
        "s12",
        "St. John's Newcomer Supports",
        "stjohnsnewcomers",
        "Newfoundland and Labrador",
        "St. John's",
    ),
    ("s13", "Lethbridge Family Settlement", "lethbridgesettle", "Alberta", "Lethbridge"),
    ("s14", "Brandon Rural Welcome", "brandonwelcome", "Manitoba", "Brandon"),
)

_KIND = {
    "facebook": "page",
    "instagram": "organization",
    "x": "organization",
    "youtube": "channel",
    "telegram": "channel",
    "whatsapp": "organization",
}


def _accounts(n: int, name: str, stem: str, platforms: tuple[str, ...]) -> tuple[AccountSpec, ...]:
    out = []
    for p in platforms:
        if p == "facebook":
            acc = AccountSpec(p, stem, str(100_000_000_000 + n * 7_919), "page", name)
        elif p == "telegram":
            acc = AccountSpec(p, f"{stem}_tg", str(1_600_000_000 + n * 101), "channel", name)
        elif p == "youtube":
            acc = AccountSpec(p, f"@{stem}", f"UCsynth{n:04d}{stem[:10]}", "channel", name)
        elif p == "whatsapp":
            acc = AccountSpec(p, name, None, "organization", name)
        else:
            acc = AccountSpec(p, stem, None, _KIND[p], name)
        out.append(acc)
    return tuple(out)


def make_partners() -> tuple[OrgSpec, ...]:
    """The eight fictional partner organizations with their accounts."""
    out = []
    for n, row in enumerate(_PARTNERS, start=1):
        pid, name, stem, region, city, typ, zone, rural, comms, langs, plats = row
        out.append(
            OrgSpec(
                pid,
                name,
                stem,
                region,
                city,
                typ,
                zone,
                rural,
                comms,
                langs,
                _accounts(n, name, stem, plats),
            )
        )
    return tuple(out)


def make_sector() -> tuple[OrgSpec, ...]:
    """Fourteen fictional sector organizations (each has a Facebook page, some more)."""
    out = []
    for n, (sid, name, stem, region, city) in enumerate(_SECTOR, start=101):
        plats: tuple[str, ...] = ("facebook",)
        if n % 2 == 0:
            plats += ("instagram",)
        if n % 3 == 0:
            plats += ("x",)
        rural = city in ("Brandon", "Lethbridge", "Moncton")
        out.append(
            OrgSpec(
                sid,
                name,
                stem,
                region,
                city,
                "settlement-agency",
                "America/Toronto",
                rural,
                (n % len(COMMUNITIES),),
                ("en",),
                _accounts(n, name, stem, plats),
            )
        )
    return tuple(out)


@dataclass
class Population:
    """Private individuals, as parallel arrays indexed by person number.

    Attributes
    ----------
    community
        Planted community of each person.
    activity
        Heavy-tailed (Pareto) activity weight: a few people write most messages.
    names
        Display names (unique).
    """

    community: np.ndarray
    activity: np.ndarray
    names: list[str]
    tg_ids: np.ndarray
    fb_ids: np.ndarray
    handles: list[str]
    yt_ids: list[str]
    wa_names: list[str]

    @property
    def size(self) -> int:
        return len(self.names)

    def author(self, platform: str, i: int) -> str:
        """The author string of person ``i`` on ``platform``."""
        if platform == "telegram":
            return f"user{self.tg_ids[i]}"
        if platform == "facebook":
            return str(self.fb_ids[i])
        if platform == "whatsapp":
            return self.wa_names[i]
        if platform == "youtube":
            return self.yt_ids[i]
        return self.handles[i]

    def authors(self, platform: str) -> list[str]:
        """Author strings of everyone on ``platform`` (index = person number)."""
        if platform == "telegram":
            return [f"user{x}" for x in self.tg_ids.tolist()]
        if platform == "facebook":
            return [str(x) for x in self.fb_ids.tolist()]
        if platform == "whatsapp":
            return self.wa_names
        if platform == "youtube":
            return self.yt_ids
        return self.handles


_B32 = "abcdefghijklmnopqrstuvwxyz234567"


def make_population(n: int, rng: np.random.Generator) -> Population:
    """Draw ``n`` people with communities, activity weights, names and platform ids.

    Names are ``First Last`` within the community's origin lists; collisions get a middle
    initial, then a number, so every display name is unique (WhatsApp identifies people only
    by display name). About a quarter of people appear on WhatsApp by phone number instead.
    """
    k = len(COMMUNITIES)
    comm_w = np.array([1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.8, 0.7, 0.7, 0.5])
    community = rng.choice(k, size=n, p=comm_w / comm_w.sum())
    activity = (rng.pareto(1.2, size=n) + 1.0).astype(np.float64)
    fi = rng.integers(0, 8, size=n)
    li = rng.integers(0, 8, size=n)
    mix = rng.random(n) < 0.15  # some people carry a name of another origin
    other = rng.integers(0, k, size=n)
    seen: dict[str, int] = {}
    names: list[str] = []
    for i in range(n):
        c = int(other[i] if mix[i] else community[i])
        lang = COMMUNITIES[c].language
        base = f"{FIRST_NAMES[lang][fi[i]]} {LAST_NAMES[lang][li[i]]}"
        cnt = seen.get(base, 0)
        seen[base] = cnt + 1
        if cnt == 0:
            name = base
        else:
            first, last = base.split(" ", 1)
            ini = INITIALS[(cnt - 1) % len(INITIALS)]
            rep = (cnt - 1) // len(INITIALS)
            name = f"{first} {ini}. {last}" + (f" {rep + 1}" if rep else "")
        names.append(name)
    tg_ids = 5_000_000_000 + rng.permutation(n * 20)[:n].astype(np.int64) * 37 + 11
    fb_ids = 100_000_000_000_000 + rng.permutation(n * 20)[:n].astype(np.int64) * 131 + 7
    handles = []
    yt = []
    for i in range(n):
        stem = "".join(ch for ch in names[i].lower() if ch.isascii() and ch.isalnum())[:14]
        handles.append(f"{stem or 'user'}{i:x}")
        mixed = int(tg_ids[i]) * 2_654_435_761
        tail = "".join(_B32[(mixed >> (5 * j)) % 32] for j in range(14))
        yt.append(f"UC{i:08x}{tail}")
    phone = rng.random(n) < 0.25
    wa = [
        f"+1 (555) {200 + i // 10000:03d}-{i % 10000:04d}" if phone[i] else names[i]
        for i in range(n)
    ]
    return Population(community, activity, names, tg_ids, fb_ids, handles, yt, wa)
