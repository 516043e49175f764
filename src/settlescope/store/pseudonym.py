"""Keyed pseudonyms for private individuals (HMAC-SHA256).

The key lives outside the workspace, so the same person gets the same pseudonym in every wave
and every workspace of a study, and nobody holding only a workspace can recompute them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
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
        # HMAC (RFC 2104) with its two padded-key states computed once: each pseudonym then
        # costs two SHA-256 blocks instead of four.
        k0 = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in k0))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in k0))
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, platform: str, identity: str) -> str:
        k = (platform, identity)
        out = self._cache.get(k)
        if out is None:
            out = self._pseudonym(f"{platform}\x1f{identity}".encode())
            if len(self._cache) < 200_000:
                self._cache[k] = out
        return out

    def many(self, platform: str, identities: Iterable[str]) -> list[str]:
        """The pseudonyms of many identities on one platform, in order (none cached).

        For bulk imports, which ask for each distinct identity once.

        Example
        -------
        >>> p = Pseudonymiser(b"k" * 32)
        >>> p.many("whatsapp", ["+1 613 555 0101"]) == [p("whatsapp", "+1 613 555 0101")]
        True
        """
        prefix, pseudonym = f"{platform}\x1f", self._pseudonym
        return [pseudonym((prefix + i).encode()) for i in identities]

    def _pseudonym(self, message: bytes) -> str:
        """``~`` and the first 20 hex digits of HMAC-SHA256(key, message)."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return "~" + outer.hexdigest()[:20]
