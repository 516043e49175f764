"""Measures, grouped by research question (one subpackage per family).

Families are registered explicitly, never by scanning folders: :func:`load_builtin` imports
each family module once, and each module registers its measures with
:func:`settlescope.measures.base.measure`.
"""

from __future__ import annotations

import importlib

# Family modules, in the order the runner computes them (later ones may reuse what earlier
# ones put in the run's shared memo).
BUILTIN = (
    "settlescope.measures.network.volume",
    "settlescope.measures.network.structure",
    "settlescope.measures.network.communities",
    "settlescope.measures.network.positions",
    "settlescope.measures.reach.audience",
    "settlescope.measures.reach.engagement",
    "settlescope.measures.capacity.activity",
    "settlescope.measures.capacity.coverage",
    "settlescope.measures.capacity.responsiveness",
    "settlescope.measures.capacity.accessibility",
    "settlescope.measures.capacity.index",
    "settlescope.measures.offline.representation",
    "settlescope.measures.reach.timing",
)

_loaded = False


def load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    for name in BUILTIN:
        importlib.import_module(name)
    _loaded = True
