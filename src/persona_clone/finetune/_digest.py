"""The content hash that identifies a dataset file across runs and backends."""

from __future__ import annotations

import hashlib
from pathlib import Path


__all__ = ["content_hash"]

_BLOCK = 1 << 20


def content_hash(path: Path) -> str:
    """Return the SHA-256 of *path*'s bytes, in hex (read in blocks of 1 MiB)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
