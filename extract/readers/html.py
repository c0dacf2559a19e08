"""HTML pages: the real <table>s as grids, the rest as lines of text, in reading order.

Layout tables (tables that hold tables) are read as containers; only leaf tables are
data. Numbers are never read from flattened text. Pictures (`<img>` with the picture inside
the page as a `data:` URI — a fetched page has its same-site pictures inlined so, see
extract/jobs.py) are counted, and read by OCR in their place when `pictures` is set.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extract.document import Cell, Document, Table, TextLine
from extract.readers.charset import decode
from extract.readers.grid import expand
from extract.readers.pictures import append_picture, data_uri_bytes

_SKIP = frozenset({"script", "style", "noscript", "head", "template", "iframe", "svg", "select", "option", "button", "textarea", "object", "-comment"})
_BLOCK = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "section", "article",
     "header", "footer", "center", "dd", "dt", "dl", "form", "blockquote", "pre", "table", "tbody", "thead", "nav", "hr", "title"}
)


_META_FIELDS = {
    "pubdate": "发布日期",
    "publishdate": "发布日期",
    "articlepubdate": "发布日期",
    "firstpublishedtime": "发布日期",
    "contentsource": "发布机构",
    "sitedomain": "网站域名",
    "articletitle": "标题",
}


def _span(attributes: dict[str, str | None], name: str) -> int:
    raw = (attributes.get(name) or "1").strip()
    if raw.isascii() and raw.isdigit():
        return int(raw)  # the common case, as the general one below reads it
    digits = "".join(ch for ch in raw if ch.isdigit())
    return int(digits) if digits else 1


def _cell_text(node: LexborNode) -> str:
    return node.text(deep=True, separator=" ", strip=False).replace("\xa0", " ").replace("\u3000", " ").strip()


def _table(node: LexborNode, index: int) -> Table:
    rows: list[list[tuple[Cell, int, int]]] = []
    for tr in node.css("tr"):
        row: list[tuple[Cell, int, int]] = []
        for td in tr.iter():
            if td.tag in ("td", "th"):
                attributes = td.attributes  # a new dict on every access: read once
                rowspan, colspan = (_span(attributes, "rowspan"), _span(attributes, "colspan")) if attributes else (1, 1)
                row.append((Cell(_cell_text(td), {"table": index}), rowspan, colspan))
        rows.append(row)
    return Table(expand(rows), index=index)


def _is_inline(img: LexborNode) -> bool:
    return (img.attributes.get("src") or "").lstrip()[:5].lower() == "data:"


def read_html(data: bytes, name: str = "", pictures: bool = False) -> Document:
    text, _ = decode(data)
    tree = LexborHTMLParser(text)
    root = tree.body or tree.root
    doc = Document("html")
    if root is None:
        return doc
    # the metadata China's government sites put in <meta> (政府网站发展指引): date, publisher, domain
    for meta in tree.css("meta[name]"):
        key = (meta.attributes.get("name") or "").lower()
        content = (meta.attributes.get("content") or "").strip()
        if content and key in _META_FIELDS:
            doc.blocks.append(TextLine(f"{_META_FIELDS[key]}：{content}", {"element": f"meta[{key}]"}))
    title = tree.css_first("title")
    if title is not None and title.text(strip=True):
        doc.blocks.append(TextLine(title.text(strip=True), {"element": "title"}))
    doc.pictures = sum(1 for img in root.css("img") if _is_inline(img))
    seen = 0
    buf: list[str] = []

    def flush() -> None:
        line = "".join(buf).replace("\xa0", " ").replace("\u3000", " ").strip()
        buf.clear()
        if line:
            for part in line.splitlines():
                if part.strip():
                    doc.blocks.append(TextLine(part.strip(), {"line": len(doc.blocks)}))

    # iterative walk: (node, closing) pairs, to survive deeply nested pages
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag
        if closing:
            flush()
            continue
        if tag == "-text":
            buf.append(node.text(deep=False) or "")
            continue
        if tag in _SKIP:
            continue
        if tag == "img":
            src = node.attributes.get("src") or ""
            if pictures and _is_inline(node):
                seen += 1
                flush()
                append_picture(doc, data_uri_bytes(src), seen, where=" of the page")
            continue
        if tag == "table" and len(node.css("table")) == 1 and not (pictures and any(_is_inline(i) for i in node.css("img"))):
            flush()
            doc.blocks.append(_table(node, len(doc.tables)))
            continue
        if tag in _BLOCK:
            flush()
            stack.append((node, True))
        children = list(node.iter(include_text=True))
        for child in reversed(children):
            stack.append((child, False))
    flush()
    return doc
