"""DOCX: body paragraphs and tables straight from the XML, each merged cell read once.

python-docx repeats a merged cell in every slot it covers; here `gridSpan` and `vMerge`
are read from the XML so a covered slot is None. The zip and the XML are untrusted:
expansion is capped (zip bombs) and DTDs/entities are refused (XXE, entity bombs).
Pictures (DrawingML `a:blip` and VML `v:imagedata`, resolved through the document's
relationships to `word/media/...`) are counted, and read by OCR in their place when
`pictures` is set (extract/readers/pictures.py).
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from lxml import etree

from extract.document import Cell, Document, ExtractionFailure, Table, TextLine

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
V = "{urn:schemas-microsoft-com:vml}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed for one member


def _safe_xml(z: zipfile.ZipFile, member: str, max_bytes: int) -> bytes:
    try:
        info = z.getinfo(member)
    except KeyError as exc:
        raise ExtractionFailure("unreadable_file", f"not a Word document: {member} is missing") from exc
    if info.file_size > max_bytes:
        raise ExtractionFailure("too_large", f"{member} expands to {info.file_size} bytes, over the cap of {max_bytes}")
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1_000_000:
        raise ExtractionFailure("zip_bomb", f"{member} expands {info.file_size // max(info.compress_size, 1)}× (a zip bomb?)")
    with z.open(member) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ExtractionFailure("too_large", f"{member} expands past the cap of {max_bytes} bytes")
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data:
        raise ExtractionFailure("unsafe_xml", f"{member} declares a DTD or entities (refused: XML entity expansion)")
    return data


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)


# the qualified tags, made once (the readers below compare a tag per XML node)
_T, _TAB, _BR, _P, _CR = f"{W}t", f"{W}tab", f"{W}br", f"{W}p", f"{W}cr"
_TR, _TRPR, _GRID_BEFORE, _TC, _TCPR, _GRID_SPAN, _VMERGE, _VAL = (
    f"{W}tr", f"{W}trPr", f"{W}gridBefore", f"{W}tc", f"{W}tcPr", f"{W}gridSpan", f"{W}vMerge", f"{W}val")


def _text(el: etree._Element) -> str:
    parts: list[str] = []
    for node in el.iter(_T, _TAB, _BR, _P, _CR):
        tag = node.tag
        if tag == _T:
            parts.append(node.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag in (_BR, _CR) or (tag == _P and parts):
            parts.append("\n")
    return "".join(parts).strip()


def _int(el: etree._Element | None, default: int = 1) -> int:
    if el is None:
        return default
    try:
        return max(1, min(int(el.get(_VAL, default)), 60))
    except ValueError:
        return default


class _Pages:
    """Page numbers as Word last laid the document out (rendered breaks), or explicit breaks."""

    def __init__(self) -> None:
        self.page = 1

    def scan(self, el: etree._Element) -> None:
        for node in el.iter(f"{W}lastRenderedPageBreak", f"{W}br"):
            if node.tag == f"{W}lastRenderedPageBreak" or node.get(f"{W}type") == "page":
                self.page += 1


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child with this tag, as `el.find(tag)` gives it (without ElementPath's Python)."""
    for child in el.iterchildren(tag):
        return child
    return None


def _table(tbl: etree._Element, index: int, page: int) -> Table:
    grid: list[list[Cell | None]] = []
    for r, tr in enumerate(tbl.iterchildren(_TR)):
        row: list[Cell | None] = []
        trpr = _child(tr, _TRPR)
        before = _int(_child(trpr, _GRID_BEFORE), 0) if trpr is not None else 0
        row.extend([None] * before)
        for tc in tr.iterchildren(_TC):
            pr = _child(tc, _TCPR)
            span = _int(_child(pr, _GRID_SPAN)) if pr is not None else 1
            vmerge = _child(pr, _VMERGE) if pr is not None else None
            continued = vmerge is not None and vmerge.get(_VAL, "continue") != "restart"
            if continued:
                row.extend([None] * span)
            else:
                row.append(Cell(_text(tc), {"page": page, "table": index, "row": r, "col": len(row)}))
                row.extend([None] * (span - 1))
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return Table(grid, index=index, page=page)


def _body_items(body: etree._Element):
    for child in body:
        if child.tag == f"{W}tbl" and child.find(f".//{W}tc//{W}tbl") is not None:
            # a layout table holding the real tables: read what its cells contain, in order
            for tc in child.iter(f"{W}tc"):
                if tc.getparent() is not None and tc.getparent().getparent() is child:
                    yield from _body_items(tc)
        elif child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            if content is not None:
                yield from _body_items(content)


def _picture_ids(el: etree._Element) -> list[str]:
    """Relationship ids of the pictures in one paragraph, in order."""
    out = []
    for node in el.iter(f"{A}blip", f"{V}imagedata"):
        rid = node.get(f"{R}embed") if node.tag == f"{A}blip" else node.get(f"{R}id")
        if rid:
            out.append(rid)
    return out


def _media(z: zipfile.ZipFile, max_bytes: int, read: bool) -> dict[str, bytes | None]:
    """Relationship id -> picture bytes (None when the part is missing or over the cap, or not `read`).

    Counting a document's pictures needs only their ids; their bytes are read when they are OCR'd.
    """
    try:
        rels = etree.fromstring(_safe_xml(z, "word/_rels/document.xml.rels", max_bytes), _PARSER)
    except (ExtractionFailure, etree.XMLSyntaxError):
        return {}
    out: dict[str, bytes | None] = {}
    for rel in rels.iter(f"{REL}Relationship"):
        if not (rel.get("Type") or "").endswith("/image") or rel.get("TargetMode") == "External":
            continue
        target = (rel.get("Target") or "").lstrip("/")
        member = target if target.startswith("word/") else f"word/{target}"
        try:
            info = z.getinfo(member)
            out[rel.get("Id") or ""] = z.read(member) if read and info.file_size <= 10 * 1024 * 1024 else None
        except (KeyError, zipfile.BadZipFile, OSError):
            out[rel.get("Id") or ""] = None
    return out


def read_docx(data: bytes, name: str = "", max_xml_bytes: int = MAX_XML_BYTES, pictures: bool = False) -> Document:
    try:
        z = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionFailure("unreadable_file", f"not a readable .docx (zip): {exc}") from exc
    with z:
        total = sum(i.file_size for i in z.infolist())
        if total > 4 * max_xml_bytes:
            raise ExtractionFailure("zip_bomb", f"the .docx expands to {total} bytes (a zip bomb?)")
        xml = _safe_xml(z, "word/document.xml", max_xml_bytes)
        media = _media(z, max_xml_bytes, pictures) if b"/drawingml/" in xml or b"urn:schemas-microsoft-com:vml" in xml else {}
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ExtractionFailure("unreadable_file", f"word/document.xml is not well-formed XML: {exc}") from exc
    body = root.find(f"{W}body")
    doc = Document("docx")
    if body is None:
        return doc
    pages = _Pages()
    from extract.readers.pictures import append_picture

    seen = 0
    for el in _body_items(body):
        if el.tag == f"{W}p":
            text = _text(el)
            page = pages.page
            pages.scan(el)
            for part in text.splitlines():
                if part.strip():
                    doc.blocks.append(TextLine(part.strip(), {"page": page}))
            for rid in _picture_ids(el) if media else ():
                seen += 1
                if pictures:
                    append_picture(doc, media.get(rid), seen, page, where=" of the document")
        else:
            table = _table(el, len(doc.tables), pages.page)
            pages.scan(el)
            doc.blocks.append(table)
    doc.pictures = seen
    return doc
