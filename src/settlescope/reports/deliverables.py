"""Deliverables, declared: each names its sections and the results every section reads.

A deliverable (the phase-1 report, the Toolkit) is a list of :class:`Section`. A section has
a kind (how it is drawn: a chart of figures per partner, a table of network structure ...)
and the :class:`Figure` results it reads, by measure id and metric. The report engine reads
nothing else, so the declaration says exactly which ``settlescope measure`` a deliverable
needs, and a section whose measures are missing or stale says which command brings it up to
date.

The figures of measure families that are still being built (capacity and offline) are named
in one place, :data:`PLANNED`; their sections render as soon as their results exist.
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


# -- the figures of measure families still being built: the one place to wire them -------
# Keys are the report's names for them; values the measure id and metric they will read.
PLANNED: dict[str, Figure] = {
    "reply-rate": Figure("capacity-responsiveness", "reply-rate",
                         "Questions answered", family="capacity"),
    "first-response": Figure("capacity-responsiveness", "median-first-response",
                             "Median time to first answer (hours)", better="lower",
                             family="capacity"),
    "service-coverage": Figure("capacity-service-coverage", "coverage",
                               "Service categories covered online", family="capacity"),
    "language-coverage": Figure("capacity-languages", "language-coverage",
                                "Client languages served online", family="capacity"),
    "capacity-index": Figure("capacity-index", "capacity-index",
                             "Capacity Index", family="capacity"),
    "online-offline": Figure("offline-representation", "representation-ratio",
                             "Online share / offline share of clients", better=None,
                             family="offline"),
}  # fmt: skip

# -- the figures of the families that exist now --------------------------------------------
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
             PLANNED["reply-rate"], PLANNED["first-response"], PLANNED["service-coverage"],
             PLANNED["capacity-index"])  # fmt: skip

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
                (PLANNED["reply-rate"], PLANNED["first-response"]),
                intro="Whether questions asked in the organizations' spaces get answered, "
                "and how fast."),
        Section("coverage", "Service coverage and languages", "figures",
                (PLANNED["service-coverage"], PLANNED["language-coverage"],
                 PLANNED["capacity-index"]),
                intro="Which settlement services and client languages are present online."),
        Section("online-offline", "Online versus offline", "figures",
                (PLANNED["online-offline"],),
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
                (PLANNED["reply-rate"], PLANNED["first-response"])),
        Section("posting", "Posting that reaches people", "guidance",
                (ENG_RATE, ENGAGED), measures=("posting-times",)),
        Section("under-served", "Under-served services and languages", "guidance",
                (PLANNED["service-coverage"], PLANNED["language-coverage"])),
        Section("community", "Managing online communities: a checklist", "guidance"),
        Section("scams", "Countering scams and misinformation: a playbook", "guidance"),
    ),
)  # fmt: skip

DELIVERABLES = {d.id: d for d in (PHASE1, TOOLKIT)}
