"""The content-addressed raw store: every input file kept once, by sha256, failed ones included."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def raw_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def keep(root: Path, data: bytes, sha256: str | None = None) -> tuple[str, Path]:
    """Store the bytes (atomically, once); return (sha256, path)."""
    digest = sha256 or hashlib.sha256(data).hexdigest()
    path = raw_path(root, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    return digest, path

