"""OFD (GB/T 33190): a zip of XML pages with positioned text and paths, read with lxml.

OFD.xml → DocBody/DocRoot → Document.xml (CommonData: PageArea, PublicRes, DocumentRes,
TemplatePage; Pages/Page BaseLoc) → each page's Content.xml: Layers of TextObject,
PathObject, ImageObject, CompositeObject and nested PageBlock. Coordinates are millimetres,
top-down; an object's own coordinates go through its CTM and are offset by its Boundary's
origin. Each glyph's position comes from its TextCode's X/Y and DeltaX/DeltaY (with `g N d`
repetitions); its box is the font size high and a full (CJK) or half (ASCII) em wide, the
font's own advance not being needed to place a glyph in its cell. Horizontal and vertical
path segments, and thin filled rectangles, are the ruling edges. Both go, in points, to
`pdf_lattice.layout` — the same geometry the PDF reader uses — so a merged cell holds its
text in its top-left slot and covered slots are None. A page without rulings gives lines.

The zip and the XML are untrusted: sizes are capped and DTDs/entities refused.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import posixpath
import re
import unicodedata
import zipfile
from io import BytesIO
from typing import Any

from lxml import etree

from extract.document import Cell, Document, ExtractionFailure, Table, TextLine
from extract.readers.pdf_lattice import _group_lines, layout
from extract.template.numbers import is_page_number

NS = "http://www.ofdspec.org/2016"
Q = "{" + NS + "}"
PT_PER_MM = 72 / 25.4
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
MAX_PAGES = 2000
MIN_TEXT_CHARS = 20
THIN_MM = 1.0  # a filled rectangle thinner than this is a rule
ASCENT, DESCENT = 0.88, 0.12  # a glyph box's share of the font size above and below the baseline
_WS = frozenset(" \t\r\n\x00\ufeff\u3000\xa0")
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)

Matrix = tuple[float, float, float, float, float, float]
Char = tuple[str, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class _Zip:
    """Members of the OFD zip, read with caps; paths resolved as OFD does (relative or /absolute)."""

    def __init__(self, data: bytes) -> None:
        try:
            self.z = zipfile.ZipFile(BytesIO(data))
            self.names = {n.lstrip("/"): n for n in self.z.namelist()}
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ExtractionFailure("unreadable_file", f"the OFD is not a readable zip (corrupt or truncated): {exc}") from exc
        self.lower = {n.lower(): n for n in self.names}
        self.read_total = 0

    def resolve(self, base_dir: str, loc: str) -> str:
        loc = (loc or "").strip().replace("\\", "/")
        path = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)).lstrip("/")
        return "" if path in ("", ".") or path.startswith("..") else path

    def locate(self, base_dir: str, loc: str) -> str:
        """`loc` relative to `base_dir` as the standard says; failing that, relative to the zip's root
        (some producers write Doc_0/Pages/... from the root)."""
        path = self.resolve(base_dir, loc)
        if path and not self.has(path) and self.has(root := self.resolve("", loc)):
            return root
        return path

    def has(self, path: str) -> bool:
        return path in self.names or path.lower() in self.lower

    def xml(self, path: str) -> etree._Element:
        member = self.names.get(path) or self.names.get(self.lower.get(path.lower(), ""))
        if member is None:
            raise ExtractionFailure("unreadable_file", f"the OFD is incomplete: {path} is missing")
        info = self.z.getinfo(member)
        if info.file_size > MAX_XML_BYTES:
            raise ExtractionFailure("too_large", f"{path} expands to {info.file_size} bytes, over the cap of {MAX_XML_BYTES}")
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1_000_000:
            raise ExtractionFailure("zip_bomb", f"{path} expands {info.file_size // max(info.compress_size, 1)}× (a zip bomb?)")
        try:
            with self.z.open(member) as fh:
                data = fh.read(MAX_XML_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ExtractionFailure("unreadable_file", f"the OFD member {path} cannot be decompressed: {exc}") from exc
        self.read_total += len(data)
        if len(data) > MAX_XML_BYTES or self.read_total > MAX_TOTAL_BYTES:
            raise ExtractionFailure("too_large", f"the OFD's XML expands past the cap of {MAX_TOTAL_BYTES} bytes")
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
            raise ExtractionFailure("unsafe_xml", f"{path} declares a DTD or entities (refused: XML entity expansion)")
        try:
            return etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise ExtractionFailure("unreadable_file", f"the OFD member {path} is not well-formed XML: {exc}") from exc


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    for c in el:
        if _local(c) == name:
            return c
    return None


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else [c for c in el if _local(c) == name]


def _floats(text: str | None) -> list[float]:
    return [float(x) for x in _NUM.findall(text or "")]


def _matrix(text: str | None) -> Matrix:
    v = _floats(text)
    return (v[0], v[1], v[2], v[3], v[4], v[5]) if len(v) == 6 else IDENTITY


def _mul(m1: Matrix, m2: Matrix) -> Matrix:
    """m1 then m2 (row vectors, as PDF and OFD write them)."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2, e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _object_matrix(obj: etree._Element, parent: Matrix) -> Matrix:
    """Object space → page space: the object's CTM, then its Boundary's origin, then the parent's."""
    box = _floats(obj.get("Boundary"))
    bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
    return _mul(_mul(_matrix(obj.get("CTM")), (1.0, 0.0, 0.0, 1.0, bx, by)), parent)


def deltas(text: str | None) -> list[float]:
    """DeltaX/DeltaY: numbers, `g N d` meaning d repeated N times."""
    tokens = (text or "").split()
    out: list[float] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "g" and i + 2 < len(tokens):
            try:
                n, d = int(float(tokens[i + 1])), float(tokens[i + 2])
            except ValueError:
                i += 1
                continue
            out.extend([d] * max(0, min(n, 100_000)))
            i += 3
            continue
        with contextlib.suppress(ValueError):
            out.append(float(t))
        i += 1
    return out


def _em(ch: str) -> float:
    """A glyph's nominal advance in ems: full width for CJK and fullwidth forms, half otherwise."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


class _Page:
    def __init__(self) -> None:
        self.chars: list[Char] = []
        self.edges: list[dict[str, Any]] = []
        self.images = 0


def _text_object(obj: etree._Element, m: Matrix, page: _Page) -> None:
    size = _floats(obj.get("Size"))
    size_mm = size[0] if size else 3.5
    hscale = _floats(obj.get("HScale"))
    hs = hscale[0] if hscale else 1.0
    x = y = 0.0
    for code in _children(obj, "TextCode"):
        text = code.text or ""
        if cx := _floats(code.get("X")):
            x = cx[0]
        if cy := _floats(code.get("Y")):
            y = cy[0]
        dx, dy = deltas(code.get("DeltaX")), deltas(code.get("DeltaY"))
        for i, ch in enumerate(text):
            w = _em(ch) * size_mm * hs
            if ch not in _WS:
                corners = [_apply(m, px, py) for px, py in ((x, y - ASCENT * size_mm), (x + w, y - ASCENT * size_mm),
                                                             (x, y + DESCENT * size_mm), (x + w, y + DESCENT * size_mm))]
                xs, ys = [p[0] for p in corners], [p[1] for p in corners]
                page.chars.append((ch, min(xs) * PT_PER_MM, min(ys) * PT_PER_MM, max(xs) * PT_PER_MM, max(ys) * PT_PER_MM))
            if i < len(text) - 1:
                x += dx[i] if i < len(dx) else w
                y += dy[i] if i < len(dy) else 0.0
        if text:  # a following TextCode without X continues after this one's last glyph
            x += _em(text[-1]) * size_mm * hs


def _path_points(data: str) -> list[list[tuple[float, float]]]:
    """AbbreviatedData → subpaths of straight segments' points (curves reduced to their end points, closed paths repeat the start)."""
    tokens = data.split()
    subpaths: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    i = 0
    arity = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}

    def nums(k: int) -> list[float] | None:
        try:
            vals = [float(t) for t in tokens[i + 1 : i + 1 + k]]
        except ValueError:
            return None
        return vals if len(vals) == k else None

    while i < len(tokens):
        op = tokens[i]
        if op not in arity:
            i += 1
            continue
        k = arity[op]
        vals = nums(k)
        if vals is None:
            break
        if op in ("S", "M"):
            if len(cur) > 1:
                subpaths.append(cur)
            cur = [(vals[0], vals[1])]
        elif op == "L":
            cur.append((vals[0], vals[1]))
        elif op in ("Q", "B", "A"):
            if len(cur) > 1:
                subpaths.append(cur)
            cur = [(vals[-2], vals[-1])]  # a curve is no rule: start again from its end
        elif op == "C" and cur:
            cur.append(cur[0])
            subpaths.append(cur)
            cur = [cur[0]]
        i += 1 + k
    if len(cur) > 1:
        subpaths.append(cur)
    return subpaths


def _edge(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any] | None:
    """A page-space segment (mm) as a pdfplumber edge in points, if horizontal or vertical."""
    x0, y0, x1, y1 = (v * PT_PER_MM for v in (x0, y0, x1, y1))
    if abs(y0 - y1) < 0.5 and abs(x1 - x0) >= 1:
        left, right = sorted((x0, x1))
        top = (y0 + y1) / 2
        return {"x0": left, "x1": right, "top": top, "bottom": top, "width": right - left, "height": 0.0,
                "orientation": "h", "object_type": "line"}
    if abs(x0 - x1) < 0.5 and abs(y1 - y0) >= 1:
        top, bottom = sorted((y0, y1))
        x = (x0 + x1) / 2
        return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
                "orientation": "v", "object_type": "line"}
    return None


def _path_object(obj: etree._Element, m: Matrix, page: _Page) -> None:
    if obj.get("Stroke", "true").lower() == "false" and obj.get("Fill", "false").lower() != "true":
        return  # neither stroked nor filled: not printed
    data = _child(obj, "AbbreviatedData")
    if data is None or not data.text:
        return
    if abs(m[1]) > 1e-6 or abs(m[2]) > 1e-6:
        return  # rotated or skewed: not a table rule
    for points in _path_points(data.text):
        pts = [_apply(m, x, y) for x, y in points]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        closed = len(pts) >= 4 and math.dist(pts[0], pts[-1]) < 1e-6
        if closed and min(w, h) < THIN_MM and max(w, h) >= THIN_MM:
            # a thin rectangle drawn as a rule: its centre line
            if w >= h:
                e = _edge(min(xs), (min(ys) + max(ys)) / 2, max(xs), (min(ys) + max(ys)) / 2)
            else:
                e = _edge((min(xs) + max(xs)) / 2, min(ys), (min(xs) + max(xs)) / 2, max(ys))
            if e:
                page.edges.append(e)
            continue
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            if e := _edge(ax, ay, bx, by):
                page.edges.append(e)


def _walk(el: etree._Element, m: Matrix, page: _Page, composites: dict[str, etree._Element], depth: int = 0) -> None:
    if depth > 20:
        return
    for obj in el:
        kind = _local(obj)
        if kind == "TextObject":
            _text_object(obj, _object_matrix(obj, m), page)
        elif kind == "PathObject":
            _path_object(obj, _object_matrix(obj, m), page)
        elif kind == "ImageObject":
            page.images += 1
        elif kind in ("PageBlock", "Layer"):
            _walk(obj, m, page, composites, depth + 1)
        elif kind == "CompositeObject":
            unit = composites.get(obj.get("ResourceID", ""))
            content = _child(unit, "Content")
            if content is not None:
                _walk(content, _object_matrix(obj, m), page, composites, depth + 1)


def _content(root: etree._Element, page: _Page, composites: dict[str, etree._Element]) -> None:
    content = _child(root, "Content")
    for layer in _children(content, "Layer"):
        _walk(layer, IDENTITY, page, composites)


def _resources(z: _Zip, doc_dir: str, common: etree._Element | None) -> dict[str, etree._Element]:
    """CompositeGraphicUnits of PublicRes and DocumentRes, by ID (fonts and media need no reading)."""
    units: dict[str, etree._Element] = {}
    for kind in ("PublicRes", "DocumentRes"):
        for loc in _children(common, kind):
            path = z.locate(doc_dir, loc.text or "")
            if not path or not z.has(path):
                continue
            res = z.xml(path)
            for group in _children(res, "CompositeGraphicUnits"):
                for unit in _children(group, "CompositeGraphicUnit"):
                    units[unit.get("ID", "")] = unit
    return units


def _base_loc(el: etree._Element) -> str:
    """A Page's or TemplatePage's BaseLoc: an attribute by the standard, a child element in some files."""
    if loc := el.get("BaseLoc"):
        return loc
    child = _child(el, "BaseLoc")
    return (child.text or "").strip() if child is not None else ""


def _pages(z: _Zip) -> list[_Page]:
    root = z.xml(z.lower.get("ofd.xml", "OFD.xml"))
    bodies = _children(root, "DocBody")
    if not bodies:
        raise ExtractionFailure("unreadable_file", "the OFD's OFD.xml has no DocBody")
    pages: list[_Page] = []
    for body in bodies:
        loc = _child(body, "DocRoot")
        if loc is None or not (loc.text or "").strip():
            continue
        doc_path = z.resolve("", loc.text or "")
        doc_dir = posixpath.dirname(doc_path)
        document = z.xml(doc_path)
        common = _child(document, "CommonData")
        composites = _resources(z, doc_dir, common)
        templates = {t.get("ID", ""): z.locate(doc_dir, _base_loc(t)) for t in _children(common, "TemplatePage")}
        for entry in _children(_child(document, "Pages"), "Page"):
            if len(pages) >= MAX_PAGES:
                raise ExtractionFailure("too_large", f"the OFD has more than {MAX_PAGES} pages")
            page_path = z.locate(doc_dir, _base_loc(entry))
            page_xml = z.xml(page_path)
            page = _Page()
            for t in _children(page_xml, "Template"):
                tpath = templates.get(t.get("TemplateID", ""))
                if tpath and z.has(tpath):
                    _content(z.xml(tpath), page, composites)
            _content(page_xml, page, composites)
            pages.append(page)
    if not pages:
        raise ExtractionFailure("unreadable_file", "the OFD lists no pages")
    return pages


def _blocks(page: _Page, number: int) -> list[tuple[float, Any]]:
    found = layout(page.edges, lambda: page.chars) if len(page.edges) >= 4 else None
    tables, lines = found if found is not None else ([], _group_lines(page.chars))
    items: list[tuple[float, Any]] = []
    for top, grid in tables:
        rows = [[None if v is None else Cell(v, {"page": number, "table": 0, "row": r, "col": c}) for c, v in enumerate(row)]
                for r, row in enumerate(grid)]
        items.append((top, Table(rows, page=number)))
    for top, text in lines:
        text = text.strip()
        if text and not is_page_number(text):
            items.append((top, TextLine(text, {"page": number})))
    return items


def read_ofd(data: bytes, name: str = "") -> Document:
    z = _Zip(data)
    if not z.has("OFD.xml"):
        raise ExtractionFailure("unreadable_file", "a zip without OFD.xml: not an OFD document")
    pages = _pages(z)
    if sum(len(p.chars) for p in pages) < MIN_TEXT_CHARS:
        images = sum(p.images for p in pages)
        raise ExtractionFailure(
            "no_text_layer",
            f"the OFD has no text layer ({len(pages)} page(s), {images} image(s), e.g. a scan); OCR is needed to read it",
        )
    doc = Document("ofd")
    if image_pages := [n for n, p in enumerate(pages, start=1) if p.images and not p.chars]:
        doc.problems.append({
            "code": "image_pages", "table": None,
            "message": f"page(s) {', '.join(map(str, image_pages))} hold only images (no text layer): what they print is not read (OCR is needed)",
        })
    for number, page in enumerate(pages, start=1):
        for _, block in sorted(_blocks(page, number), key=lambda x: x[0]):
            doc.add(block)
    return doc
