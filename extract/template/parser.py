"""Document → the template's three tables, as codes and values, with problems named.

The parser sees only cells and lines (never a PDF object or an HTML tag). It walks the
document in reading order, assigns each table cell to the section it belongs to (二 主动公开,
三 依申请公开, 四 行政复议/诉讼), and reads each section as runs of label cells followed by
value cells. Runs, not grid positions, carry the meaning: covered slots, spacer cells,
header cells shifted by a column and rows cut by a page break all reduce to the same runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from extract.document import Document, Table, TextLine
from extract.template import labels as L
from extract.template.numbers import Reading, is_page_number, json_number, read_number
from extract.template.text import has_cjk, norm

_NUMBERING = re.compile(r"^[(（]?[一二三四五六七八九十\d]{1,2}[)）.、．]?$")
_HEADING_MAX = 40  # a text line longer than this is narrative, not a heading
_SECTION_CELL_MAX = 40


@dataclass(slots=True)
class Token:
    text: str
    where: dict[str, Any]
    is_label: bool
    reading: Reading | None = None


@dataclass(slots=True)
class Run:
    labels: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)

    def label_texts(self) -> list[str]:
        return [norm(t.text) for t in self.labels]


@dataclass(slots=True)
class ParsedTables:
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    litigation: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # tables that were found at all
    incomplete: set[str] = field(default_factory=set)  # tables with rows or cells not read
    versions: dict[str, str] = field(default_factory=dict)  # table -> "2019" | "2021"


def _token(text: str, where: dict[str, Any]) -> Token:
    t = norm(text)
    if _NUMBERING.match(t) and not t.isdigit():
        return Token(text, where, True)
    reading = read_number(text)
    if reading.kind != "unreadable":
        return Token(text, where, False, reading)
    if has_cjk(t) or re.search(r"[A-Za-z]{2,}", t):
        return Token(text, where, True)
    return Token(text, where, False, reading)


def _section_of(text: str, max_len: int) -> tuple[bool, str | None]:
    t = norm(text)
    if not t or len(t) > max_len:
        return False, None
    for section, pattern in L.SECTION_MARKERS:
        if pattern.search(t):
            return True, section
    return False, None


def split_sections(doc: Document) -> dict[str, list[Token]]:
    """Assign every table cell to its section, in reading order."""
    streams: dict[str, list[Token]] = {"disclosures": [], "requests": [], "litigation": []}
    section: str | None = None
    for block in doc.blocks:
        if isinstance(block, TextLine):
            hit, new = _section_of(block.text, _HEADING_MAX)
            if hit:
                section = new
            continue
        assert isinstance(block, Table)
        for row in block.rows:
            for cell in row:
                if cell is None or is_page_number(cell.text):
                    continue
                tok = _token(cell.text, cell.where)
                if tok.is_label:
                    hit, new = _section_of(cell.text, _SECTION_CELL_MAX)
                    if hit:
                        section = new
                if section is not None:
                    streams[section].append(tok)
    return streams


def runs_of(tokens: list[Token]) -> list[Run]:
    runs: list[Run] = []
    current = Run()
    for tok in tokens:
        if tok.is_label:
            if current.values:
                runs.append(current)
                current = Run()
            current.labels.append(tok)
        else:
            current.values.append(tok)
    if current.labels or current.values:
        runs.append(current)
    return runs


def _fit(values: list[Token], width: int) -> list[Token] | None:
    """Trim layout padding (empty cells) at the ends down to `width`; None if it won't fit."""
    vals = list(values)
    while len(vals) > width and vals and vals[-1].reading and vals[-1].reading.kind == "blank" and not norm(vals[-1].text):
        vals.pop()
    while len(vals) > width and vals and vals[0].reading and vals[0].reading.kind == "blank" and not norm(vals[0].text):
        vals.pop(0)
    return vals if len(vals) == width else None


def _all_empty(values: list[Token]) -> bool:
    return all(not norm(v.text) for v in values)


class _Reader:
    def __init__(self, out: ParsedTables) -> None:
        self.out = out

    def problem(self, code: str, table: str, message: str, **extra: Any) -> None:
        self.out.problems.append({"code": code, "table": table, "message": message, **extra})

    def cell(self, table: str, keys: dict[str, str], tok: Token, unit_ok: bool = False) -> dict[str, Any] | None:
        where = "/".join(keys.values())
        reading = tok.reading or read_number(tok.text)
        if reading.kind == "number":
            assert reading.value is not None
            obj: dict[str, Any] = {**keys, "value": json_number(reading.value), "printed": tok.text, **_prov(tok)}
            if reading.unit and unit_ok:
                obj["unit"] = reading.unit
            return obj
        if reading.kind == "blank":
            shown = tok.text.strip() or "blank"
            self.problem("blank_cell", table, f"{table} {where} is printed as '{shown}': missing, not 0", **keys, **_prov(tok))
        else:
            self.out.incomplete.add(table)
            self.problem("unreadable_cell", table, f"{table} {where} cannot be read as a number: '{tok.text.strip()}'", **keys, **_prov(tok))
        return None


def _prov(tok: Token) -> dict[str, Any]:
    where = dict(tok.where)
    out: dict[str, Any] = {}
    if "page" in where:
        out["page"] = where.pop("page")
    if "line" in where:
        out["line"] = where.pop("line")
    for key in ("source", "confidence"):  # a cell read by OCR says so, with the engine's score
        if key in where:
            out[key] = where.pop(key)
    if where:
        out["at"] = where
    return out


# ---- 三: requests -------------------------------------------------------------------


def _request_code(texts: list[str], group: str | None, seen_outcome: bool) -> str | None:
    for t in reversed(texts):
        if t == "总计" or re.fullmatch(r"总计", t):
            if seen_outcome:
                return "outcome_total"
            continue
        label = L.match(L.REQUEST_ROWS, t)
        if label is None:
            continue
        if label.group and label.group != group:
            continue
        return label.code
    return None


def read_requests(tokens: list[Token], r: _Reader) -> None:
    table = "requests"
    width = len(L.APPLICANTS)
    runs = runs_of(tokens)
    group: str | None = None
    seen: dict[str, bool] = {}
    seen_outcome = False
    pending: list[Token] = []  # labels of a run with no values yet (header or cut row)
    for i, run in enumerate(runs):
        texts = run.label_texts()
        for t in texts:
            g = L.match(L.REQUEST_GROUPS, t)
            if g and not L.match(tuple(x for x in L.REQUEST_ROWS if x.code != "other_other"), t):
                group = g.code
        real_values = [v for v in run.values if norm(v.text)]
        code = _request_code(texts, group, seen_outcome)
        if not real_values:
            # a header, a group row, the first half of a row cut by a page break, or a row
            # the agency printed wholly blank (read as blanks)
            nxt = runs[i + 1] if i + 1 < len(runs) else None
            cut = nxt is not None and _request_code(nxt.label_texts(), group, seen_outcome) is None
            if code is None or cut or code in seen or len(run.values) < width:
                pending = list(run.labels)
                continue
        if code is None and pending:
            code = _request_code(["".join(norm(t.text) for t in pending + run.labels)], group, seen_outcome)
            if code is None and not run.labels:
                code = _request_code([norm(t.text) for t in pending], group, seen_outcome)
        if code is None and real_values and i + 1 < len(runs) and not [v for v in runs[i + 1].values if norm(v.text)]:
            # a row cut by a page break with its values on the first page: the rest of
            # its label follows on the next page beside empty cells
            code = _request_code(["".join(texts + runs[i + 1].label_texts())], group, seen_outcome)
        if code is None and real_values and any("其他处理" in t for t in texts):
            code = "other"
        pending = []
        if code is None:
            if real_values:
                r.out.incomplete.add(table)
                shown = " ".join(t.text.strip() for t in run.labels) or "(no label)"
                r.problem("unreadable_row", table, f"requests: values under an unrecognised label '{shown}' were not read", **_prov(run.values[0]))
            continue
        if code in seen:
            if real_values:
                r.problem("duplicate_row", table, f"requests {code} is printed twice; the first was kept", row=code, **_prov(run.values[0]))
            continue
        if code in L.OUTCOME_ROWS_2021 or code == "other":
            seen_outcome = True
        fitted = _fit(run.values, width)
        if fitted is None:
            r.out.incomplete.add(table)
            seen[code] = False
            r.problem(
                "unreadable_row",
                table,
                f"requests {code}: {len([v for v in run.values if norm(v.text)])} values printed where {width} were expected; none read",
                row=code,
                **_prov(run.values[0]),
            )
            continue
        seen[code] = True
        for applicant, tok in zip(L.APPLICANTS, fitted, strict=True):
            obj = r.cell(table, {"row": code, "applicant": applicant}, tok)
            if obj:
                r.out.requests.append(obj)
    if seen:
        r.out.found.add(table)
        version = "2021" if any(c in seen for c in ("other_no_correction", "other_no_fee", "other_other")) else (
            "2019" if "other" in seen else None
        )
        if version:
            r.out.versions[table] = version
        expected = L.REQUEST_ROWS_2019 if version == "2019" else L.REQUEST_ROWS_2021
        missing = [c for c in expected if c not in seen]
        if missing:
            r.out.incomplete.add(table)
            r.problem("row_missing", table, f"requests rows not found: {', '.join(missing)}", rows=missing)


# ---- 二: disclosures ----------------------------------------------------------------


def read_disclosures(tokens: list[Token], r: _Reader, default_version: str) -> None:
    table = "disclosures"
    measures: list[str] | None = None
    pending_rows: list[tuple[str, Run]] = []
    header_versions: set[str] = set()
    items_seen: set[str] = set()
    for run in runs_of(tokens):
        texts = run.label_texts()
        header = [m.code for t in texts if (m := L.match(L.MEASURES, t))]
        item = None
        for t in reversed(texts):
            if t.startswith("第二十条") or t == "信息内容":
                continue
            lab = L.match(L.DISCLOSURE_ITEMS, t)
            if lab:
                item = lab.code
                break
        if header and item is None:
            measures = header
            for m in header:
                if m in L.MEASURES_2019_ONLY:
                    header_versions.add("2019")
                if m in L.MEASURES_2021_ONLY:
                    header_versions.add("2021")
            continue
        if item is None:
            if [v for v in run.values if norm(v.text)] and not any(t.startswith("第二十条") for t in texts):
                r.out.incomplete.add(table)
                r.problem("unreadable_row", table, f"disclosures: values under an unrecognised label '{' '.join(texts)}' were not read", **_prov(run.values[0]))
            continue
        if not run.values:
            continue
        if item in items_seen:
            continue
        items_seen.add(item)
        pending_rows.append((item, run if measures is None else _with_measures(run, measures)))
    if not pending_rows:
        return
    r.out.found.add(table)
    item_versions = {"2019" for item, _ in pending_rows if item in ("other_services", "procurement")}
    versions = header_versions | item_versions
    version = "2019" if versions == {"2019"} else "2021" if versions == {"2021"} else default_version
    if len(versions) > 1:
        r.problem("template_mixed", table, "table 二 mixes measures of the 2019 and 2021 templates")
    r.out.versions[table] = version
    defaults = L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021
    for item, run in pending_rows:
        ms = getattr(run, "measures", None) or list(defaults.get(item, ()))
        if not ms:
            r.out.incomplete.add(table)
            r.problem("unreadable_row", table, f"disclosures {item}: no measure header to read it by", item=item)
            continue
        fitted = _fit(run.values, len(ms))
        if fitted is None:
            r.out.incomplete.add(table)
            r.problem(
                "unreadable_row",
                table,
                f"disclosures {item}: {len([v for v in run.values if norm(v.text)])} values printed where {len(ms)} were expected; none read",
                item=item,
                **_prov(run.values[0]),
            )
            continue
        for measure, tok in zip(ms, fitted, strict=True):
            obj = r.cell(table, {"item": item, "measure": measure}, tok, unit_ok=True)
            if obj:
                r.out.disclosures.append(obj)
    expected = (L.DISCLOSURES_2019 if version == "2019" else L.DISCLOSURES_2021).keys()
    missing = [i for i in expected if i not in items_seen]
    if missing:
        r.out.incomplete.add(table)
        r.problem("row_missing", table, f"disclosures items not found: {', '.join(missing)}", items=missing)


class _MeasuredRun(Run):
    __slots__ = ("measures",)


def _with_measures(run: Run, measures: list[str]) -> Run:
    m = _MeasuredRun(run.labels, run.values)
    m.measures = list(measures)
    return m


# ---- 四: litigation -----------------------------------------------------------------


def read_litigation(tokens: list[Token], r: _Reader) -> None:
    table = "litigation"
    runs = runs_of(tokens)
    by_proceeding: dict[str, list[Token]] = {}
    for run in runs:
        for t in reversed(run.label_texts()):
            lab = L.match(L.PROCEEDING_LABELS, t)
            if lab:
                fitted = _fit(run.values, len(L.RESULTS))
                if fitted is not None and any(norm(v.text) for v in fitted):
                    by_proceeding[lab.code] = fitted
                break
    if len(by_proceeding) == len(L.PROCEEDINGS):
        cells = [(p, res, tok) for p in L.PROCEEDINGS for res, tok in zip(L.RESULTS, by_proceeding[p], strict=True)]
    else:
        values = [v for run in runs for v in run.values]
        if not [v for v in values if norm(v.text)]:
            return
        fitted = _fit(values, len(L.RESULTS) * len(L.PROCEEDINGS))
        if fitted is None:
            r.out.found.add(table)
            r.out.incomplete.add(table)
            r.problem(
                "unreadable_row",
                table,
                f"litigation: {len([v for v in values if norm(v.text)])} values printed where 15 were expected; none read",
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
    streams = split_sections(doc)
    read_requests(streams["requests"], reader)
    default_version = out.versions.get("requests") or ("2019" if year_hint in (2019, 2020) else "2021")
    read_disclosures(streams["disclosures"], reader, default_version)
    read_litigation(streams["litigation"], reader)
    return out

