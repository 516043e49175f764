"""The workspace: canonical schema, migrations, runs, rejects and pseudonyms."""

from settlescope.store.pseudonym import Pseudonymiser, create_key, read_key
from settlescope.store.schema import KEYS, SCHEMA_VERSION, TABLES
from settlescope.store.workspace import Workspace

__all__ = [
    "KEYS",
    "SCHEMA_VERSION",
    "TABLES",
    "Pseudonymiser",
    "Workspace",
    "create_key",
    "read_key",
]
