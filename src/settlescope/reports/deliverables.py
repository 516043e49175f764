"""Deliverables, declared: each names its sections and the results every section reads.

A deliverable (the phase-1 report, the Toolkit) is a list of :class:`Section`. A section has
a kind (how it is drawn: a chart of figures per partner, a table of network structure ...)
and the :class:`Figure` results it reads, by measure id and metric. The report engine reads
nothing else, so the declaration says exactly which ``settlescope measure`` a deliverable
needs, and a section whose measures are missing or stale says which command brings it up to
date.

Later phases add their deliverables the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One number per scope: a metric of a measure, optionally at one breakdown.

    ``dimension``/``category`` pick a breakdown row (``definition``/``follower-list``); with
    ``category`` left out, the first category (in name order) of the dimension is read.
    ``label`` is the fixed text (an English msgid) shown for it; ``better`` says which
    direction is an improvement (``higher``/``lower``/``None``), for scorecards.
    """

    measure: str
    metric: str
    label: str
    dimension: str | None = None
    category: str | None = None
    better: str | None = "higher"
    family: str = ""
    # (value, label) where the value means "no difference", drawn on its chart
    reference: tuple[float, str] | None = None

    @property
    def key(self) -> str:
        parts = [self.measure, self.metric]
        if self.dimension:
            parts.append(f"{self.dimension}={self.category or '*'}")
        return "/".join(parts)

    @property
    def measure_family(self) -> str:
        return self.family or self.measure.split("-")[0]


@dataclass(frozen=True)
class Section:
    """A part of a deliverable: its id, title (an English msgid), kind and figures."""

    id: str
    title: str
    kind: str
    figures: tuple[Figure, ...] = ()
    intro: str = ""
    # measure ids read directly (whole breakdowns, not single figures)
    measures: tuple[str, ...] = ()

    @property
    def measure_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for f in self.figures:
            seen[f.measure] = None
        for m in self.measures:
            seen[m] = None
        return tuple(seen)


@dataclass(frozen=True)
class Deliverable:
    id: str
    title: str
    phase: int
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def measure_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for s in self.sections:
            for m in s.measure_ids:
                seen[m] = None
        return tuple(seen)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


# -- capacity (measures/capacity) and online versus offline (measures/offline) -------------
PARITY = (1.0, "same share online as among clients")  # a ratio of shares at 1
# fmt: off
ANSWERED = Figure("responsiveness", "answered-by-organization",
                  "Questions answered by the organization", family="capacity")
PEERS_ONLY = Figure("responsiveness", "answered-by-peers-only",
                    "Questions answered by peers only", better=None, family="capacity")
FIRST_ANSWER = Figure("responsiveness", "response-time-median",
                      "Median time to the organization's first answer (minutes)",
                      dimension="responder", category="organization", better="lower",
                      family="capacity")
SERVICES_COVERED = Figure("service-coverage", "categories-covered",
                          "Service categories covered online", family="capacity")
LANGUAGE_COVERAGE = Figure("languages-used", "client-language-coverage",
                           "Clients whose language the organization posts in",
                           family="capacity")
CAPACITY_INDEX = Figure("capacity-index", "capacity-index", "Capacity Index", family="capacity")
OLDER_WOMEN = Figure("online-vs-clients", "representation-ratio",
                     "Women aged 45 and over: share online / share among clients",
                     dimension="group", category="women-45-plus", better=None,
                     family="offline", reference=PARITY)
RURAL = Figure("online-vs-clients", "representation-ratio",
               "Rural clients: share online / share among clients", dimension="group",
               category="rural", better=None, family="offline", reference=PARITY)
DISSIMILARITY = Figure("online-vs-clients", "dissimilarity-index",
                       "Index of dissimilarity between followers and clients (age bands)",
                       dimension="age_band", better="lower", family="offline")
FOLLOWERS_PER_CLIENT = Figure("followers-per-client", "followers-per-client",
                              "Followers per client", better=None, family="offline")
CAPACITY_FIGURES = (ANSWERED, PEERS_ONLY, FIRST_ANSWER, SERVICES_COVERED, LANGUAGE_COVERAGE,
                    CAPACITY_INDEX, OLDER_WOMEN, RURAL, DISSIMILARITY, FOLLOWERS_PER_CLIENT)
# What the Toolkit's under-served guidance lists: categories no post covered, and the groups
# whose representation interval lies below 1.
NOT_COVERED = Figure("service-coverage", "category-not-covered", "Service categories not covered",
                     dimension="category", family="capacity")
REPRESENTATION = Figure("online-vs-clients", "representation-status",
                        "Groups under-represented online", dimension="group", family="offline")
CLIENT_LANGUAGES = Figure("languages-used", "clients-share", "Languages of the clients",
                          dimension="language", family="capacity")
POST_LANGUAGES = Figure("languages-used", "posts-share", "Languages of the posts",
                        dimension="language", family="capacity")
# fmt: on

# -- volume, reach and network --------------------------------------------------------
ITEMS = Figure("item-volume", "items", "Items (posts, comments, messages)")
OWN_ITEMS = Figure("item-volume", "own-items", "Own posts and messages")
OWN_SHARE = Figure("item-volume", "own-share", "Share of activity written by the organization",
                   better=None)  # fmt: skip
ACTIVE = Figure("item-volume", "active-authors", "Active accounts")
AUDIENCE = Figure("audience-size", "audience", "Audience (followers and group members)")
FOLLOWERS = Figure("audience-size", "followers", "Followers")
ENGAGED = Figure("engaged-accounts", "engaged-accounts", "Accounts that engaged")
TWO_HOP = Figure("two-hop-reach", "potential-two-hop-reach", "Potential reach in two steps")
ENGAGEMENTS = Figure("engagement-rate", "engagements", "Reactions, comments and shares")
ENG_RATE = Figure("engagement-rate", "engagement-rate-by-followers",
                  "Engagement per post per follower", dimension="definition",
                  category="follower-list")  # fmt: skip
PAGERANK = Figure("network-positions", "pagerank", "Centrality in the sector network (PageRank)",
                  dimension="organization")  # fmt: skip
NEIGHBOURS = Figure("network-positions", "neighbours", "Accounts tied to the organization",
                    dimension="organization")  # fmt: skip
PARTICIPATION = Figure(
    "network-brokerage",
    "participation",
    "Bridging between communities (participation)",
    dimension="organization",
)
BEST_HOUR = Figure(
    "posting-times", "best-hour", "Hour with the most engagement per post", better=None
)
HOURLY = Figure(
    "posting-times",
    "engagements-per-post",
    "Engagements per post by hour of posting",
    dimension="hour",
)
COMMUNITIES_REACHED = Figure(
    "network-brokerage", "communities-reached", "Communities reached", dimension="organization"
)

STRUCTURE = tuple(
    Figure("network-structure", m, label, better=None)
    for m, label in (
        ("nodes", "Accounts"),
        ("ties", "Ties"),
        ("density-directed", "Density"),
        ("reciprocity-dyads", "Reciprocity"),
        ("transitivity", "Clustering (transitivity)"),
        ("largest-weak-share", "Share in the largest component"),
        ("mean-distance", "Mean distance (steps)"),
    )
) + (
    Figure("network-communities", "communities-of-min-size", "Communities", better=None),
    Figure("network-communities", "modularity", "Modularity", better=None),
)

SCORECARD = (ITEMS, OWN_ITEMS, AUDIENCE, ENGAGED, ENG_RATE, PAGERANK, PARTICIPATION,
             ANSWERED, FIRST_ANSWER, SERVICES_COVERED, CAPACITY_INDEX)  # fmt: skip

PHASE1 = Deliverable(
    id="phase1",
    title="Phase 1 report: settlement organizations on social media",
    phase=1,
    sections=(
        Section("summary", "Summary", "summary", SCORECARD),
        Section("timeline", "Study timeline", "timeline"),
        Section("scorecards", "Scorecards: each partner against the sector", "scorecards",
                SCORECARD),
        Section("volume", "Volume of activity", "volume", (ITEMS, OWN_ITEMS, OWN_SHARE, ACTIVE),
                intro="How much is posted around each organization, month by month."),
        Section("reach", "Reach", "figures", (AUDIENCE, FOLLOWERS, ENGAGED, TWO_HOP,
                                              ENGAGEMENTS, ENG_RATE),
                intro="How many people each organization can reach, and how many engage."),
        Section("responsiveness", "Responsiveness", "figures",
                (ANSWERED, PEERS_ONLY, FIRST_ANSWER),
                intro="Whether questions asked in the organizations' spaces get answered, "
                "and how fast."),
        Section("coverage", "Service coverage and languages", "figures",
                (SERVICES_COVERED, LANGUAGE_COVERAGE, CAPACITY_INDEX),
                intro="Which settlement services and client languages are present online."),
        Section("online-offline", "Online versus offline", "figures",
                (OLDER_WOMEN, RURAL, DISSIMILARITY, FOLLOWERS_PER_CLIENT),
                intro="Whether the clients seen online resemble the clients served offline."),
        Section("structure", "Network structure", "structure", STRUCTURE,
                intro="The shape of the networks of accounts around the organizations."),
        Section("positions", "Positions in the sector network", "figures",
                (PAGERANK, NEIGHBOURS, PARTICIPATION, COMMUNITIES_REACHED),
                intro="How central each organization is, and whether it bridges communities."),
        Section("maps", "Network maps", "maps", measures=("network-communities",
                                                          "network-positions")),
        Section("posts", "Example posts", "posts",
                intro="The organizations' own posts that drew the most reactions, comments "
                "and shares, as written."),
        Section("limitations", "Limitations", "limitations"),
        Section("methods", "Methods appendix", "methods"),
        Section("data", "Data appendix", "data"),
    ),
)  # fmt: skip

TOOLKIT = Deliverable(
    id="toolkit",
    title="Social Media Toolkit for settlement provider organizations",
    phase=1,
    sections=(
        Section("timeline", "Study timeline", "timeline"),
        Section("benchmarks", "Benchmarks against the sector", "guidance", SCORECARD),
        Section("response-times", "Response-time targets", "guidance",
                (ANSWERED, FIRST_ANSWER)),
        Section("posting", "Posting that reaches people", "guidance",
                (ENG_RATE, ENGAGED), measures=("posting-times",)),
        Section("under-served", "Under-served services and languages", "guidance",
                (SERVICES_COVERED, LANGUAGE_COVERAGE),
                measures=("service-coverage", "languages-used", "online-vs-clients")),
        Section("community", "Managing online communities: a checklist", "guidance"),
        Section("scams", "Countering scams and misinformation: a playbook", "guidance"),
    ),
)  # fmt: skip

DELIVERABLES = {d.id: d for d in (PHASE1, TOOLKIT)}
