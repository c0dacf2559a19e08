"""The extractor's version, derived from what decides a report's JSON: never a number to remember.

It is a digest of the readers, the template parser (labels, numbers, metadata), the report
assembly and the Document form. Any change to them gives a new version, and a run re-reads
every landed document that an older version read (see `extract.reextract`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# the code whose output is a report's JSON; fetching, loading and the CLI do not change it
DECIDING = ("document.py", "report.py", "readers", "template")


def deciding_files() -> list[Path]:
    files: list[Path] = []
    for name in DECIDING:
        p = _PACKAGE / name
        files.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return files


@lru_cache(maxsize=1)
def extractor_version() -> str:
    digest = hashlib.sha256()
    for f in deciding_files():
        digest.update(f.relative_to(_PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(f.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]
