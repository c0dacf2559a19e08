"""Decoding bytes of unknown charset: BOM, declared charset, UTF-8, GB18030, then sniffing."""

from __future__ import annotations

import codecs
import re

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# GBK and GB2312 pages often use characters only GB18030 has: read them all as GB18030.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "gb_2312-80": "gb18030"}


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    candidates: list[str] = []
    if declared:
        candidates.append(declared)
    if m := _META.search(data[:4096]):
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for name in candidates:
        enc = _ALIASES.get(name.lower(), name.lower())
        try:
            codecs.lookup(enc)
        except LookupError:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            # a declared charset that lies is common: fall through to sniffing
            continue
        return text, enc
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    enc = best.encoding if best else "gb18030"
    enc = _ALIASES.get(enc.lower(), enc)
    return data.decode(enc, errors="replace"), enc
