"""HTML pages: the real <table>s as grids, the rest as lines of text, in reading order.

Layout tables (tables that hold tables) are read as containers; only leaf tables are
data. Numbers are never read from flattened text.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from extract.document import Cell, Document, Table, TextLine
from extract.readers.charset import decode
from extract.readers.grid import expand

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


def _span(node: LexborNode, name: str) -> int:
    raw = (node.attributes.get(name) or "1").strip()
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
                row.append((Cell(_cell_text(td), {"table": index}), _span(td, "rowspan"), _span(td, "colspan")))
        rows.append(row)
    return Table(expand(rows), index=index)


def read_html(data: bytes, name: str = "") -> Document:
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
        if tag == "table" and len(node.css("table")) == 1:
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
