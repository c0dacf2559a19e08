"""Normalising printed text so labels and numbers are matched by meaning."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """NFKC (full-width → half-width), no whitespace, no quotes."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).translate(_QUOTES)


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
