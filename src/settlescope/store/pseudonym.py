"""Keyed pseudonyms for private individuals (HMAC-SHA256).

The key lives outside the workspace, so the same person gets the same pseudonym in every wave
and every workspace of a study, and nobody holding only a workspace can recompute them.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from settlescope.errors import StudyError

KEY_BYTES = 32


def create_key(path: Path) -> None:
    """Write a new random key to ``path`` with owner-only permissions. Never overwrites."""
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")


def read_key(path: Path) -> bytes:
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError:
        raise StudyError(
            "the pseudonymisation key file does not exist",
            file=str(path),
            field="privacy.key_file",
            hint="restore the key from your backup, or point privacy.key_file / "
            "SETTLESCOPE_KEY_FILE at it (a new key would change every pseudonym)",
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise StudyError(
            "the key file is not a settlescope key (64 hexadecimal characters)",
            file=str(path),
            field="privacy.key_file",
            hint="point privacy.key_file at the key created by `settlescope init`",
        ) from None
    if len(key) < 16:
        raise StudyError("the key is too short (need at least 16 bytes)", file=str(path))
    return key


class Pseudonymiser:
    """Map a platform identity to a stable pseudonym.

    Example
    -------
    >>> p = Pseudonymiser(b"k" * 32)
    >>> p("whatsapp", "+1 613 555 0101") == p("whatsapp", "+1 613 555 0101")
    True
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, platform: str, identity: str) -> str:
        k = (platform, identity)
        out = self._cache.get(k)
        if out is None:
            digest = hmac.digest(self._key, f"{platform}\x1f{identity}".encode(), "sha256")
            out = "~" + digest.hex()[:20]
            if len(self._cache) < 200_000:
                self._cache[k] = out
        return out
