"""Exact figures of the planted interaction network, per container and per platform.

The generator tallies every reply, reaction, mention and share it writes, as integer account
numbers, and :class:`NetworkTally` turns them into the figures that network measures must
recover exactly from an imported study: nodes, unique directed edges, mutual dyads and
interactions, for each container and for each platform as a whole, in one wave.

Edges are stored as int64 codes ``source << 32 | target``, so de-duplicating the ~20 million
interactions of a large study is one :func:`numpy.unique` per container and per platform.

Example
-------
>>> tally = NetworkTally()
>>> tally.open("x", "@org")
>>> tally.add("reply", np.array([1, 2, 2]), np.array([2, 1, 2]))
>>> tally.close()
>>> tally.wave()["platforms"]["x"]
{'nodes': 2, 'edges': 2, 'mutual_dyads': 1, 'interactions': 2, 'by_kind': {'reply': 2}}
"""

from __future__ import annotations

from typing import Any

import numpy as np

KINDS = ("reply", "reaction", "mention", "share")
SHIFT = 32
MASK = (1 << SHIFT) - 1

DEFINITION = (
    "the default interaction network: directed account-to-account edges of kinds reply "
    "(replier -> author of the parent item), reaction (reactor -> author of the item), mention "
    "(author -> mentioned account) and share (sharer -> account the item was shared or forwarded "
    "from); an edge belongs to the wave of the export file it is imported from and to the "
    "container of its item. Self-loops are dropped; edges are the unique ordered (source, "
    "target) pairs within the scope; nodes are the endpoints of those edges; mutual_dyads counts "
    "unordered pairs linked in both directions; interactions counts the non-loop interactions "
    "with repeats, one per (kind, source, target, item) as the interactions table keeps them, "
    "so a second reaction of one account to one item counts once; by_kind splits interactions "
    "by kind. density = edges / (nodes * (nodes - 1)); reciprocity = 2 * mutual_dyads / edges. "
    "WhatsApp text exports carry no replies, reactions, mentions or forwards, so WhatsApp "
    "networks are empty. A Telegram export names a forward's origin by display name only, so a "
    "Telegram share points to an account of that name, not to the original sender's user id. "
    "Follow and membership edges are not part of this network."
)


def figures(codes: np.ndarray) -> dict[str, int]:
    """Nodes, unique edges and mutual dyads of loop-free edge codes (``source << 32 | target``).

    Example
    -------
    >>> figures(np.array([1 << 32 | 2, 2 << 32 | 1, 1 << 32 | 3, 1 << 32 | 3]))
    {'nodes': 3, 'edges': 3, 'mutual_dyads': 1}
    """
    e = np.unique(codes)  # sorted, so sources come in order and reverse edges by bisection
    if not e.size:
        return {"nodes": 0, "edges": 0, "mutual_dyads": 0}
    src, dst = e >> SHIFT, e & MASK
    rev = dst << SHIFT | src
    at = np.minimum(np.searchsorted(e, rev), e.size - 1)
    mutual = int(np.count_nonzero(e[at] == rev)) // 2
    del rev, at
    sources = src[np.flatnonzero(np.diff(src, prepend=-1))]
    nodes = int(np.union1d(sources, np.unique(dst)).size)
    return {"nodes": nodes, "edges": int(e.size), "mutual_dyads": mutual}


class NetworkTally:
    """The default interaction network of one wave, tallied container by container.

    Call :meth:`open` before a container's interactions, :meth:`add` for each batch of them,
    :meth:`close` after it, and :meth:`wave` once all containers of the wave are closed.
    Account numbers must be non-negative and below 2**31; item numbers (for :meth:`add`'s
    ``item``) only need to be unique within a container.
    """

    def __init__(self) -> None:
        self._containers: list[dict[str, Any]] = []
        self._platform_codes: dict[str, list[np.ndarray]] = {}
        self._platform_kinds: dict[str, dict[str, int]] = {}
        self._current: tuple[str, str] | None = None
        self._codes: list[np.ndarray] = []
        self._kinds: dict[str, int] = {}

    def open(self, platform: str, container: str) -> None:
        """Start tallying the interactions of one container."""
        if self._current is not None:
            raise RuntimeError(f"container {self._current} is still open")
        self._current = (platform, container)
        self._codes = []
        self._kinds = {}
        self._platform_codes.setdefault(platform, [])
        self._platform_kinds.setdefault(platform, {})

    def add(
        self, kind: str, src: np.ndarray, dst: np.ndarray, item: np.ndarray | None = None
    ) -> None:
        """Add interactions of ``kind`` from accounts ``src`` to accounts ``dst``.

        With ``item`` (the item of each interaction, whose author is the target), an account
        that interacts twice with one item counts once, as the workspace merges the two.
        All repeats of a (source, item) pair must come in the same call.
        """
        if self._current is None:
            raise RuntimeError("no container is open")
        if kind not in KINDS:
            raise ValueError(f"'{kind}' is not a kind of the default network")
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        if len(src) != len(dst) or (item is not None and len(item) != len(src)):
            raise ValueError("src, dst and item must have the same length")
        if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) > MASK >> 1):
            raise ValueError("account numbers must be in [0, 2**31)")
        keep = src != dst
        src, dst = src[keep], dst[keep]
        if item is None:
            n = len(src)
        else:
            n = int(np.unique(np.asarray(item, dtype=np.int64)[keep] << SHIFT | src).size)
        if n:
            self._kinds[kind] = self._kinds.get(kind, 0) + n
            self._codes.append(np.unique(src << SHIFT | dst))

    def close(self) -> None:
        """Finish the open container and record its figures."""
        if self._current is None:
            raise RuntimeError("no container is open")
        platform, container = self._current
        codes = np.unique(np.concatenate(self._codes)) if self._codes else np.zeros(0, np.int64)
        self._containers.append(
            {"platform": platform, "container": container, **self._entry(codes, self._kinds)}
        )
        self._platform_codes[platform].append(codes)
        totals = self._platform_kinds[platform]
        for k, n in self._kinds.items():
            totals[k] = totals.get(k, 0) + n
        self._current = None
        self._codes = []

    def wave(self) -> dict[str, Any]:
        """Figures of every platform (all its containers together) and of every container."""
        if self._current is not None:
            raise RuntimeError(f"container {self._current} is still open")
        platforms = {}
        for p in sorted(self._platform_codes):
            parts = self._platform_codes[p]
            codes = np.concatenate(parts) if parts else np.zeros(0, np.int64)
            platforms[p] = self._entry(codes, self._platform_kinds[p])
        return {"platforms": platforms, "containers": list(self._containers)}

    @staticmethod
    def _entry(codes: np.ndarray, kinds: dict[str, int]) -> dict[str, Any]:
        return {
            **figures(codes),
            "interactions": sum(kinds.values()),
            "by_kind": {k: kinds[k] for k in KINDS if k in kinds},
        }
