"""Importers: one module per source format, registered explicitly."""

from __future__ import annotations

import importlib

# The built-in importer modules, in the order `settlescope formats` groups them.
BUILTIN = (
    "generic",
    "whatsapp",
    "telegram",
    "fourcat",
    "graphs",
    "twitter",
    "reddit",
    "fediverse",
    "meta",
    "tiktok",
    "youtube",
    "clients",
)

_LOADED = False


def load_builtin() -> None:
    """Import the built-in importer modules so they register themselves."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for name in BUILTIN:
        try:
            importlib.import_module(f"settlescope.importers.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"settlescope.importers.{name}":
                raise
