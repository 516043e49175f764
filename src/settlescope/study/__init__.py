"""The study configuration (``study.toml``)."""

from settlescope.study.model import (
    KEY_ENV,
    PLATFORMS,
    STUDY_FILE,
    WORKSPACE_FILE,
    Account,
    ColumnMapping,
    Organization,
    Study,
    Wave,
    key_path,
    load_study,
)

__all__ = [
    "KEY_ENV",
    "PLATFORMS",
    "STUDY_FILE",
    "WORKSPACE_FILE",
    "Account",
    "ColumnMapping",
    "Organization",
    "Study",
    "Wave",
    "key_path",
    "load_study",
]
