"""Document → the template's three tables, as codes and values, with problems named.

The parser sees only cells and lines (never a PDF object or an HTML tag). It walks the
document in reading order and assigns each table cell to the section it belongs to
(二 主动公开, 三 依申请公开, 四 行政复议/诉讼). Each section is cut into printed rows: a run
of label cells followed by value cells (runs, not grid positions, carry the meaning, so
covered slots, spacer cells, headers shifted by a column and rows cut by a page break all
reduce to the same rows). The printed rows are then placed on the template's rows by an
order-preserving alignment of their labels (extract/template/align.py), once for each
template version; each table's version is decided from what that table prints — its
header measures, and where those are not legible the shape of its rows — never from
another table. Every value written out passes the guard (extract/template/guard.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from extract.document import Document, Table, TextLine
from extract.template import labels as L
from extract.template.align import STRONG, Placement, Slot, align, likeness
from extract.template.guard import guard
from extract.template.numbers import Reading, is_page_number, json_value, read_number
from extract.template.text import has_cjk, norm

_NUMBERING = re.compile(r"^[(（]?[一二三四五六七八九十\d]{1,2}[)）.、．]?$")
_HEADING_MAX = 40  # a text line longer than this is narrative, not a heading
_SECTION_CELL_MAX = 40
TABLES = ("disclosures", "requests", "litigation")


@dataclass(slots=True)
class Token:
    text: str
    where: dict[str, Any]
    is_label: bool
    reading: Reading | None = None
    seq: int = 0  # unique within the document: the guard checks no token gives two values
    # derived once from text and where (both fixed once the reader is done), read many times
    empty: bool = field(init=False)  # nothing printed but whitespace and quotes
    row: Any = field(init=False)  # the printed row the cell stands in, where the reader knows it
    col: Any = field(init=False)  # its grid column, where the reader knows it: (page, table, col)

    def __post_init__(self) -> None:
        self.empty = not norm(self.text)
        w = self.where
        self.row = w["_row"] if "_row" in w else (w.get("page"), w.get("table"), w["row"]) if "row" in w else None
        self.col = (w.get("page"), w.get("table"), w["col"]) if "col" in w and "table" in w else None


@dataclass(slots=True)
class Run:
    labels: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return any(not v.empty for v in self.values)


@dataclass(slots=True)
class ParsedTables:
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    litigation: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # tables that were found at all
    incomplete: set[str] = field(default_factory=set)  # tables with printed rows or cells not read
    versions: dict[str, str] = field(default_factory=dict)  # table -> "2019" | "2021"
    inferred: set[str] = field(default_factory=set)  # tables whose version nothing printed tells
    tokens: dict[int, Token] = field(default_factory=dict)  # every token, by seq (for the guard)

    def cells(self) -> int:
        return len(self.disclosures) + len(self.requests) + len(self.litigation)


def _token(text: str, where: dict[str, Any], seq: int) -> Token:
    is_label, reading = _kind(text)
    return Token(text, where, is_label, reading, seq)


_LETTERS = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=65536)
def _kind(text: str) -> tuple[bool, Reading | None]:
    """Whether a printed cell is a label, else its reading (cached: the same texts recur in every report)."""
    t = norm(text)
    if _NUMBERING.match(t) and not t.isdigit():
        return True, None
    reading = read_number(text)
    if reading.kind != "unreadable":
        return False, reading
    if has_cjk(t) or _LETTERS.search(t):
        return True, None
    return False, reading


@lru_cache(maxsize=65536)
def _section_of(text: str, max_len: int) -> tuple[bool, str | None]:
    t = norm(text)
    if not t or len(t) > max_len:
        return False, None
    for section, pattern in L.SECTION_MARKERS:
        if pattern.search(t):
            return True, section
    return False, None


def split_sections(doc: Document, out: ParsedTables | None = None) -> dict[str, list[Token]]:
    """Assign every table cell to its section, in reading order."""
    streams: dict[str, list[Token]] = {"disclosures": [], "requests": [], "litigation": []}
    section: str | None = None
    seq = 0
    for block in doc.blocks:
        if isinstance(block, TextLine):
            hit, new = _section_of(block.text, _HEADING_MAX)
            if hit:
                section = new
            continue
        assert isinstance(block, Table)
        for row in block.rows:
            for i, cell in enumerate(row):
                if cell is None or is_page_number(cell.text):
                    continue
                seq += 1
                where = cell.where
                if "col" in where:  # the last grid column the cell covers: the slots after it its span fills
                    j = i + 1
                    while j < len(row) and row[j] is None:
                        j += 1
                    where = {**where, "_end_col": where["col"] + j - i - 1}
                tok = _token(cell.text, where, seq)
                if out is not None:
                    out.tokens[seq] = tok
                if tok.is_label:
                    hit, new = _section_of(cell.text, _SECTION_CELL_MAX)
                    if hit:
                        section = new
                if section is not None:
                    streams[section].append(tok)
    return streams


def runs_of(tokens: list[Token]) -> list[Run]:
    """Labels followed by values; the values of one run come from the printed row of its label.

    Where the reader knows the printed rows, a value printed in another row than the row's
    label is never taken for one of its values: an empty one is that other row's spacer,
    and a number starts a run of its own, without a label (its label cell printed empty),
    which nothing will place.
    """
    runs: list[Run] = []
    current = Run()
    home: Any = None
    held: list[Token] = []  # empty cells of another row: a spacer, unless that row's numbers follow
    for tok in tokens:
        if tok.is_label:
            held = []
            if current.values:
                runs.append(current)
                current = Run()
            current.labels.append(tok)
            home = tok.row
            continue
        row = tok.row
        if row is not None and home is not None and row != home:
            if tok.empty:
                if held and held[0].row != row:
                    held = []
                held.append(tok)
                continue
            if current.labels or current.values:
                runs.append(current)
            current = Run()
            # a row of values without a label of its own (table 四): its leading blanks are its cells
            current.values.extend(t for t in held if t.row == row)
        held = []
        if home is None or (row is not None and row != home):
            home = row if not tok.empty else home
        current.values.append(tok)
    if current.labels or current.values:
        runs.append(current)
    return runs


def _other_row_of_same_table(a: Token, b: Token) -> bool:
    """Two cells the reader placed in different rows of one printed table: b cannot continue a's label.

    A label cut by a page break continues in another table (or where the reader knows no
    rows); a label printed in the next row of the same table is that row's own.
    """
    ra, rb = a.row, b.row
    if ra is None or rb is None or ra == rb:
        return False
    if isinstance(ra, tuple) and isinstance(rb, tuple) and len(ra) == len(rb) == 3:
        return ra[:2] == rb[:2]
    if isinstance(ra, tuple) and isinstance(rb, tuple) and len(ra) == len(rb) == 2:
        return ra[0] == rb[0]
    return False


Columns = dict[tuple[Any, int], int]  # (grid column, row width) → position in the row, learned from rows that fit at once


def fit(values: list[Token], width: int, columns: Columns | None = None, anchor: Token | None = None) -> list[Token] | None:
    """The row's `width` values, layout padding (empty cells) trimmed at the ends; None if that is not sure.

    (Empty cells of other printed rows were already left out by `runs_of`.) When empties at
    both ends leave more than one way to trim, the grid columns of rows that fitted at once
    decide; else the row is not read (a blank cell must never shift its neighbours into the
    wrong column). Columns are counted from the row's own label cell where it stands in the
    same printed row (`anchor`): rows of one table are often shifted against each other by
    merged cells, but a value keeps its place after its label.
    """
    vals = list(values)
    excess = len(vals) - width
    if excess < 0:
        return None
    lead = next((i for i, v in enumerate(vals) if not v.empty), len(vals))
    trail = next((i for i, v in enumerate(reversed(vals)) if not v.empty), len(vals))
    options = [i for i in range(excess + 1) if i <= lead and excess - i <= trail]
    if len(options) == 1:
        return vals[options[0] : options[0] + width]
    if not options or columns is None:
        return None
    agree = [i for i in options if _columns_agree(vals[i : i + width], width, columns, anchor)]
    return vals[agree[0] : agree[0] + width] if len(agree) == 1 else None


def _column(tok: Token, anchor: Token | None) -> Any:
    """A value's grid column, counted from its row's label cell when that is in the same printed row."""
    col = tok.col
    if col is None or anchor is None:
        return col
    a = anchor.col
    if a is None or a[:2] != col[:2] or anchor.row != tok.row:
        return col
    return (col[0], col[1], "after label", col[2] - anchor.where.get("_end_col", a[2]))


def _columns_agree(window: list[Token], width: int, columns: Columns, anchor: Token | None = None) -> bool:
    known = 0
    for pos, tok in enumerate(window):
        col = _column(tok, anchor)
        if col is None or (col, width) not in columns:
            continue
        if columns[(col, width)] != pos:
            return False
        known += 1
    return known > 0


def learn_columns(rows: list[list[Token]], width: int, columns: Columns, anchor: Token | None = None) -> None:
    """Remember which grid column holds which position, from rows that fitted without doubt."""
    conflict: set[tuple[Any, int]] = set()
    for row in rows:
        for pos, tok in enumerate(row):
            col = _column(tok, anchor)
            if col is None:
                continue
            key = (col, width)
            if columns.get(key, pos) != pos:
                conflict.add(key)
            columns[key] = pos
    for key in conflict:
        columns.pop(key, None)


# ---- printed rows -------------------------------------------------------------------


@dataclass(slots=True)
class PrintedRow:
    labels: list[Token]  # its own label tokens (context excluded)
    values: list[Token]
    candidates: list[str]  # label strings to place it by (its label, and joined with neighbours)
    group: str | None  # the group header last printed before it, if any

    @property
    def has_values(self) -> bool:
        return any(not v.empty for v in self.values)

    @property
    def shown(self) -> str:
        return " ".join(t.text.strip() for t in self.labels) or "(no label)"


def _joins(tokens: list[Token], is_context: Callable[[str], bool], most: int = 4) -> list[str]:
    """The last 1..`most` label texts joined, stopping at a header label."""
    out: list[str] = []
    acc = ""
    for tok in reversed(tokens[-most:]):
        t = norm(tok.text)
        if is_context(t):
            break
        acc = t + acc
        out.append(acc)
    return out


def printed_rows(
    tokens: list[Token], is_context: Callable[[str], bool], group_of: Callable[[str], str | None], width: int
) -> list[PrintedRow]:
    """Cut a section's tokens into printed rows.

    A run with values is a row; so is a run printed wholly blank (a label and at least
    `width` empty cells). A run of labels alone (a header, a group row, the first half of a
    label cut by a page break) gives its labels to the rows beside it as context: the next
    row may be its continuation, or it may continue the row before.
    """
    runs = runs_of(tokens)
    rows: list[PrintedRow] = []
    pending: list[Token] = []
    group: str | None = None
    for i, run in enumerate(runs):
        own = list(run.labels)
        context = pending + own
        candidates = _joins(context, is_context)
        blank_row = not run.has_values and len(run.values) >= width and bool(_joins(own, is_context))
        if not run.has_values and not blank_row:
            for t in run.labels:
                g = group_of(norm(t.text))
                if g:
                    group = g
            pending.extend(run.labels)
            continue
        nxt = runs[i + 1] if i + 1 < len(runs) else None
        if nxt is not None and not nxt.has_values and nxt.labels:
            # the rest of this row's label may follow on the next page beside empty cells
            head = own[-1:] if own else []
            tail = "".join(norm(t.text) for t in nxt.labels[:2])
            if head and not is_context(norm(head[0].text)) and not _other_row_of_same_table(head[0], nxt.labels[0]):
                candidates.append(norm(head[0].text) + tail)
        # the group in force for this row: a group label printed before its own label
        for t in context[:-1]:
            g = group_of(norm(t.text))
            if g:
                group = g
        rows.append(PrintedRow(own or pending[-1:], run.values, [c for c in candidates if c], group))
        pending = []
    return rows


@dataclass(slots=True)
class Aligned:
    version: str
    rows: list[PrintedRow]
    places: list[Placement]
    slots: list[Slot]

    @property
    def placed(self) -> int:
        return sum(1 for r, p in zip(self.rows, self.places, strict=True) if p.slot is not None and r.has_values)

    @property
    def score(self) -> float:
        return sum(p.score for p in self.places if p.slot is not None)


def _request_slots(version: str) -> list[Slot]:
    patterns = {lab.code: lab.pattern for lab in L.REQUEST_ROWS if lab.group is None}
    codes = L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021
    return [Slot(c, L.REQUEST_PRINTED[c][0], patterns.get(c), L.REQUEST_PRINTED[c][1]) for c in codes]


def _disclosure_slots(version: str) -> list[Slot]:
    patterns = {lab.code: lab.pattern for lab in L.DISCLOSURE_ITEMS}
    items = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
    return [Slot(i, L.DISCLOSURE_PRINTED[i], patterns.get(i)) for i in items]


_SLOTS: dict[tuple[str, str], list[Slot]] = {}


def slots(table: str, version: str) -> list[Slot]:
    key = (table, version)
    if key not in _SLOTS:
        _SLOTS[key] = _request_slots(version) if table == "requests" else _disclosure_slots(version)
    return _SLOTS[key]


def _aligned(rows: list[PrintedRow], table: str, version: str) -> Aligned:
    s = slots(table, version)
    return Aligned(version, rows, align([r.candidates for r in rows], s, [r.group for r in rows]), s)


class _Reader:
    def __init__(self, out: ParsedTables) -> None:
        self.out = out

    def problem(self, code: str, table: str | None, message: str, **extra: Any) -> None:
        self.out.problems.append({"code": code, "table": table, "message": message, **extra})

    def cell(self, table: str, keys: dict[str, str], tok: Token) -> dict[str, Any] | None:
        reading = tok.reading or read_number(tok.text)
        if reading.kind == "number":
            assert reading.value is not None
            obj: dict[str, Any] = {**keys, "value": json_value(tok.text), "printed": tok.text, **_prov(tok), "_token": tok.seq}
            if reading.unit:
                obj["unit"] = reading.unit
            return obj
        where = "/".join(keys.values())
        if reading.kind == "blank":
            shown = tok.text.strip() or "blank"
            self.problem("blank_cell", table, f"{table} {where} is printed as '{shown}': missing, not 0", **keys, **_prov(tok))
        else:
            self.out.incomplete.add(table)
            self.problem("unreadable_cell", table, f"{table} {where} cannot be read as a number: '{tok.text.strip()}'", **keys, **_prov(tok))
        return None

    def place(self, table: str, aligned: Aligned, measures: Callable[[str], tuple[str, ...]], key: tuple[str, str]) -> set[str]:
        """Write the values of every placed row; report rows that cannot be placed or read."""
        placed: dict[str, PrintedRow] = {}
        columns: Columns = {}
        for row, p in zip(aligned.rows, aligned.places, strict=True):
            if p.slot is not None:
                width = len(measures(aligned.slots[p.slot].code))
                if (fitted := fit(row.values, width)) is not None:
                    learn_columns([fitted], width, columns, _anchor(row))
        for row, p in zip(aligned.rows, aligned.places, strict=True):
            if p.slot is None:
                if row.has_values:
                    dup = self._duplicate_of(row, aligned, placed)
                    if dup:
                        self.problem("duplicate_row", table, f"{table} {dup} is printed twice with the same values; read once", **{key[0]: dup}, **_prov(row.values[0]))
                        continue
                    self.out.incomplete.add(table)
                    self.problem("unreadable_row", table, f"{table}: values under an unrecognised label '{row.shown}' were not read", **_prov(row.values[0]))
                continue
            code = aligned.slots[p.slot].code
            placed[code] = row
            if p.pinned:
                self.problem("label_variant", table, f"{table} {code}: the printed label '{row.shown}' was placed by its position between its neighbours", **{key[0]: code})
            ms = measures(code)
            fitted = fit(row.values, len(ms), columns, _anchor(row))
            if fitted is None:
                self.out.incomplete.add(table)
                n = len([v for v in row.values if not v.empty])
                self.problem("unreadable_row", table, f"{table} {code}: {n} values printed where {len(ms)} were expected; none read",
                             **{key[0]: code}, **_prov(row.values[0]))
                continue
            for m, tok in zip(ms, fitted, strict=True):
                obj = self.cell(table, {key[0]: code, key[1]: m}, tok)
                if obj:
                    getattr(self.out, table).append(obj)
        return set(placed)

    def _duplicate_of(self, row: PrintedRow, aligned: Aligned, placed: dict[str, PrintedRow]) -> str | None:
        best = max(aligned.slots, key=lambda s: max((likeness(c, s) for c in row.candidates), default=0.0))
        if max((likeness(c, best) for c in row.candidates), default=0.0) < STRONG or best.code not in placed:
            return None
        first = [norm(v.text) for v in placed[best.code].values if not v.empty]
        again = [norm(v.text) for v in row.values if not v.empty]
        return best.code if first == again else None

    def missing_rows(self, table: str, expected: list[str], placed: set[str], key: str) -> None:
        missing = [c for c in expected if c not in placed]
        if not missing:
            return
        if table in self.out.incomplete:
            self.problem("row_missing", table, f"{table} rows not found: {', '.join(missing)}", **{key + "s": missing})
        else:
            # every printed row was placed and read: the agency did not print these rows (R7 judges it)
            self.problem("row_not_printed", table, f"{table}: the report does not print the row(s) {', '.join(missing)}", **{key + "s": missing})


def _anchor(row: PrintedRow) -> Token | None:
    """The row's own label cell, when the reader placed it in the row of the values."""
    if not row.labels or not row.values:
        return None
    first = next((v for v in row.values if not v.empty), row.values[0])
    label = row.labels[-1]
    return label if label.row is not None and label.row == first.row else None


# where a cell was printed, said at the top level of a value (a cell read by OCR says so, with
# the engine's score); the rest of its place, but for the readers' internal keys (_…), is "at"
_PROV_KEYS = ("page", "line", "source", "confidence")


def _prov(tok: Token) -> dict[str, Any]:
    where = tok.where
    out: dict[str, Any] = {key: where[key] for key in _PROV_KEYS if key in where}
    at = {k: v for k, v in where.items() if k not in _PROV_KEYS and not k.startswith("_")}
    if at:
        out["at"] = at
    return out


# ---- 三: requests -------------------------------------------------------------------


def _request_context(t: str) -> bool:
    return bool(L.REQUEST_HEADER.match(t))


def _request_group(t: str) -> str | None:
    g = L.match(L.REQUEST_GROUPS, t)
    if g and not L.match(tuple(x for x in L.REQUEST_ROWS if x.code != "other_other"), t):
        return g.code
    return None


def read_requests(tokens: list[Token], r: _Reader, year_hint: int | None) -> None:
    table = "requests"
    width = len(L.APPLICANTS)
    rows = printed_rows(tokens, _request_context, _request_group, width)
    if not rows:
        return
    by_version = {v: _aligned(rows, table, v) for v in ("2021", "2019")}
    a21, a19 = by_version["2021"], by_version["2019"]
    if (a21.placed, a21.score) == (a19.placed, a19.score):
        # nothing printed tells the two apart (e.g. the （六） rows are all missing)
        version = "2019" if year_hint in (2019, 2020) else "2021"
        r.out.inferred.add(table)
    else:
        version = "2021" if (a21.placed, a21.score) > (a19.placed, a19.score) else "2019"
    aligned = by_version[version]
    if not aligned.placed and not any(p.slot is not None for p in aligned.places):
        return
    r.out.found.add(table)
    r.out.versions[table] = version
    placed = r.place(table, aligned, lambda code: L.APPLICANTS, ("row", "applicant"))
    expected = list(L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021)
    r.missing_rows(table, expected, placed, "row")


# ---- 二: disclosures ----------------------------------------------------------------


def _measure_of(t: str) -> str | None:
    if L.match(L.DISCLOSURE_ITEMS, t):
        return None
    m = L.match(L.MEASURES, t)
    return m.code if m else None


def _disclosure_context(t: str) -> bool:
    return bool(L.DISCLOSURE_HEADER.match(t)) or _measure_of(t) is not None


def _header_version(tokens: list[Token]) -> set[str]:
    """The versions the measure headers of table 二 belong to (empty: none legible)."""
    found: set[str] = set()
    for tok in tokens:
        if not tok.is_label:
            continue
        code = _measure_of(norm(tok.text))
        if code in L.MEASURES_2019_ONLY:
            found.add("2019")
        elif code in L.MEASURES_2021_ONLY:
            found.add("2021")
    return found


def _shape_version(aligned: dict[str, Aligned]) -> dict[str, int]:
    """For each version, how many printed rows have exactly the values it prints for that item."""
    fits: dict[str, int] = {}
    for version, a in aligned.items():
        defaults = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
        n = 0
        for row, p in zip(a.rows, a.places, strict=True):
            if p.slot is None or not row.has_values:
                continue
            ms = defaults[a.slots[p.slot].code]
            if fit(row.values, len(ms)) is not None:
                n += 1
        fits[version] = n
    return fits


def read_disclosures(tokens: list[Token], r: _Reader, year_hint: int | None) -> None:
    table = "disclosures"
    rows = printed_rows(tokens, _disclosure_context, lambda t: None, 1)
    if not any(row.has_values for row in rows):
        return
    by_version = {v: _aligned(rows, table, v) for v in ("2021", "2019")}
    header = _header_version(tokens)
    fits = _shape_version(by_version)
    if len(header) == 1:
        version = header.pop()
    elif len(header) == 2:
        version = "2021" if fits["2021"] >= fits["2019"] else "2019"
        r.problem("template_mixed", table, "table 二 prints measures of both the 2019 and the 2021 template")
    elif fits["2021"] != fits["2019"]:
        version = "2021" if fits["2021"] > fits["2019"] else "2019"
    else:
        # neither header nor row shapes tell the version (e.g. only 规章 and 规范性文件 printed)
        version = "2019" if year_hint in (2019, 2020) else "2021"
        r.out.inferred.add(table)
    aligned = by_version[version]
    if not any(p.slot is not None for p in aligned.places):
        return
    r.out.found.add(table)
    r.out.versions[table] = version
    defaults = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
    placed = r.place(table, aligned, lambda item: defaults[item], ("item", "measure"))
    r.missing_rows(table, list(defaults), placed, "item")


# ---- 四: litigation -----------------------------------------------------------------


def read_litigation(tokens: list[Token], r: _Reader) -> None:
    table = "litigation"
    runs = runs_of(tokens)
    by_proceeding: dict[str, list[Token]] = {}
    for run in runs:
        for tok in reversed(run.labels):
            lab = L.match(L.PROCEEDING_LABELS, norm(tok.text))
            if lab:
                fitted = fit(run.values, len(L.RESULTS))
                if fitted is not None and any(not v.empty for v in fitted):
                    by_proceeding[lab.code] = fitted
                break
    if len(by_proceeding) == len(L.PROCEEDINGS):
        cells = [(p, res, tok) for p in L.PROCEEDINGS for res, tok in zip(L.RESULTS, by_proceeding[p], strict=True)]
    else:
        values = [v for run in runs for v in run.values]
        if all(v.empty for v in values):
            return
        fitted = fit(values, len(L.RESULTS) * len(L.PROCEEDINGS))
        if fitted is None:
            r.out.found.add(table)
            r.out.incomplete.add(table)
            r.problem(
                "unreadable_row",
                table,
                f"litigation: {len([v for v in values if not v.empty])} values printed where 15 were expected; none read",
                **_prov(values[0]),
            )
            return
        it = iter(fitted)
        cells = [(p, res, next(it)) for p in L.PROCEEDINGS for res in L.RESULTS]
    r.out.found.add(table)
    for proceeding, result, tok in cells:
        obj = r.cell(table, {"proceeding": proceeding, "result": result}, tok)
        if obj:
            r.out.litigation.append(obj)


def parse_tables(doc: Document, year_hint: int | None) -> ParsedTables:
    out = ParsedTables()
    reader = _Reader(out)
    streams = split_sections(doc, out)
    read_requests(streams["requests"], reader, year_hint)
    read_disclosures(streams["disclosures"], reader, year_hint)
    read_litigation(streams["litigation"], reader)
    guard(out)
    return out
