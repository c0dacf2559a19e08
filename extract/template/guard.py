"""The guard: the one check every extracted report passes before it is written out.

It makes invention impossible by construction: every value in the output has a code that
exists in the template version chosen for *its* table, came from one printed token whose
text reads as exactly that value, and no token gave two values (nor a cell two values).
A value that fails is dropped, its table is `partial`, and the problem says why.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from extract.template import labels as L
from extract.template.numbers import json_value

if TYPE_CHECKING:
    from extract.template.parser import ParsedTables

KEYS = {"disclosures": ("item", "measure"), "requests": ("row", "applicant"), "litigation": ("proceeding", "result")}


@lru_cache(maxsize=16)
def grid(table: str, version: str) -> frozenset[tuple[str, str]]:
    """The cells of one table in one template version."""
    if table == "disclosures":
        items = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
        return frozenset((i, m) for i, ms in items.items() for m in ms)
    if table == "requests":
        rows = L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021
        return frozenset((r, a) for r in rows for a in L.APPLICANTS)
    return frozenset((p, r) for p in L.PROCEEDINGS for r in L.RESULTS)


def _why_not(table: str, cell: dict[str, Any], version: str | None, parsed: ParsedTables, used: set[int], seen: set[tuple[str, str]],
             cells: frozenset[tuple[str, str]]) -> str | None:
    """Why the value must not be written out (None: it passes). `cells`: grid(table, version or "2021")."""
    a, b = KEYS[table]
    key = (cell.get(a), cell.get(b))
    if version is None and table != "litigation":
        return "its table has no template version"
    if key not in cells:
        return f"{key[0]}/{key[1]} is not a cell of the {version} template's table"
    if key in seen:
        return f"{key[0]}/{key[1]} was given two values"
    seq = cell.get("_token")
    tok = parsed.tokens.get(seq) if isinstance(seq, int) else None
    if tok is None:
        return "it came from no printed cell"
    if seq in used:
        return f"the printed cell '{tok.text.strip()}' gave two values"
    value = json_value(tok.text)
    if value is None or value != cell.get("value"):
        return f"the value {cell.get('value')!r} is not what the cell prints ('{tok.text.strip()}')"
    if cell.get("printed") != tok.text:
        return "the printed text does not match the cell"
    return None


def guard(parsed: ParsedTables) -> None:
    """Drop every value that fails the guard (naming it in `problems`); strip the internal token ids."""
    used: set[int] = set()
    for table in KEYS:
        version = parsed.versions.get(table)
        cells = grid(table, version or "2021")
        a, b = KEYS[table]
        seen: set[tuple[str, str]] = set()
        kept: list[dict[str, Any]] = []
        for cell in getattr(parsed, table):
            why = _why_not(table, cell, version, parsed, used, seen, cells)
            if why:
                parsed.incomplete.add(table)
                parsed.problems.append({
                    "code": "guard_rejected", "table": table, a: cell.get(a), b: cell.get(b),
                    "message": f"{table} {cell.get(a)}/{cell.get(b)}: a value was not written out because {why}",
                })
                continue
            used.add(cell.pop("_token"))  # the cell itself is kept, without its internal token id
            seen.add((cell[a], cell[b]))
            kept.append(cell)
        setattr(parsed, table, kept)
