"""Rendering a synthetic report as HTML, text layouts, DOCX, PDF (drawn directly) and via LibreOffice."""

from __future__ import annotations

import html
import io
from pathlib import Path

from synth.layout import Rows, disclosure_rows, grid, litigation_rows, request_rows
from synth.model import SynthReport

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

HEADINGS = (
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
)


def _narrative(rep: SynthReport) -> list[str]:
    n = rep.narrative_requests
    return [
        f"本报告依据《中华人民共和国政府信息公开条例》编制，统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。",
        "一、总体情况",
        f"{rep.year}年，{rep.agency}认真落实政务公开各项要求。" + (f"全年共收到政府信息公开申请{n}件。" if n is not None else ""),
    ]


def _tables(rep: SynthReport) -> list[Rows]:
    return [disclosure_rows(rep), request_rows(rep), litigation_rows(rep)]


def _title(rep: SynthReport) -> str:
    return f"{rep.agency}{rep.year}年政府信息公开工作年度报告"


def to_html(rep: SynthReport, encoding: str = "utf-8", chrome: bool = True) -> bytes:
    parts = [f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}"><title>{html.escape(_title(rep))}</title></head><body>']
    if chrome:
        parts.append('<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 政府信息公开年报</div>')
        parts.append('<table class="layout"><tr><td><a href="/a">机构概况</a></td><td><a href="/b">政策文件</a></td></tr></table>')
    parts.append(f"<div class='article'><h1>{html.escape(_title(rep))}</h1>")
    if rep.published_on:
        parts.append(f"<p>发布日期：{rep.published_on.isoformat()}</p>")
    parts.extend(f"<p>{html.escape(p)}</p>" for p in _narrative(rep))
    for heading, rows in zip(HEADINGS, _tables(rep), strict=True):
        parts.append(f"<p>{heading}</p><table border='1' cellspacing='0'>")
        for row in rows:
            parts.append("<tr>" + "".join(
                f"<td{f' rowspan={rs}' if rs > 1 else ''}{f' colspan={cs}' if cs > 1 else ''}>{html.escape(t)}</td>" for t, rs, cs in row
            ) + "</tr>")
        parts.append("</table>")
    parts.append("<p>五、存在的主要问题及改进情况</p><p>下一步将继续改进。</p><p>六、其他需要报告的事项</p><p>无。</p>")
    parts.append(f"<p>{html.escape(rep.agency)}</p>")
    if rep.published_on:
        d = rep.published_on
        parts.append(f"<p>{d.year}年{d.month}月{d.day}日</p>")
    parts.append("</div>")
    if chrome:
        parts.append('<div class="footer">主办单位：某某人民政府办公室 网站标识码 1234567890 电话：0000-12345678</div>')
    parts.append("</body></html>")
    return "\n".join(parts).encode(encoding)


def to_txt(rep: SynthReport, layout: str = "pipe_rows") -> bytes:
    sep = " | " if layout == "pipe_rows" else "\t"
    lines = [_title(rep)]
    if rep.published_on:
        lines.append(f"发布日期：{rep.published_on.isoformat()}")
    lines.extend(_narrative(rep))
    for heading, rows in zip(HEADINGS, _tables(rep), strict=True):
        lines.append(heading)
        for row in rows:
            texts = [t for t, _, _ in row]
            lines.append(sep.join(texts) + (" |" if layout == "pipe_rows" else ""))
    lines.extend(["五、存在的主要问题及改进情况", "下一步将继续改进。", rep.agency])
    return ("\n".join(lines) + "\n").encode("utf-8")


def _docx_paragraphs(rep: SynthReport) -> list[str | tuple[list[list[str | None]], list[tuple[int, int, int, int]]]]:
    """The DOCX body in order: paragraph texts and tables (matrix, spans)."""
    body: list = [_title(rep)]
    if rep.published_on:
        body.append(f"发布日期：{rep.published_on.isoformat()}")
    body.extend(_narrative(rep))
    for heading, rows in zip(HEADINGS, _tables(rep), strict=True):
        body.append(heading)
        body.append(grid(rows))
    body.extend(["五、存在的主要问题及改进情况", rep.agency])
    return body


def _build_docx(body: list) -> bytes:
    from docx import Document as Docx

    d = Docx()
    for part in body:
        if isinstance(part, str):
            d.add_paragraph(part)
            continue
        matrix, spans = part
        table = d.add_table(rows=len(matrix), cols=len(matrix[0]))
        table.style = "Table Grid"
        # texts first, through the cell list built once (table.cell() rebuilds it per call),
        # then the merges (a merged cell keeps the text of its top-left cell)
        ncols = len(matrix[0])
        cells = table._cells
        for r, row in enumerate(matrix):
            for c, text in enumerate(row):
                if text is not None:
                    cells[r * ncols + c].text = text
        for r0, c0, r1, c1 in spans:
            cells[r0 * ncols + c0].merge(cells[r1 * ncols + c1])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


_DOCX_SHAPES: dict[tuple, tuple[bytes, str]] = {}


def to_docx(rep: SynthReport, reuse: bool = False) -> bytes:
    """A DOCX with real merged cells (gridSpan / vMerge), built with python-docx.

    `reuse` (the benchmark corpus): python-docx lays out each shape of document once, with a
    placeholder in every text, and later reports of the same shape get their texts written
    into that document's XML (python-docx takes ~0.1 s a document; 100,000 would take hours).
    """
    body = _docx_paragraphs(rep)
    texts = [t for part in body for t in ([part] if isinstance(part, str) else [x for row in part[0] for x in row if x is not None])]
    if not reuse or any(("\n" in t or "\t" in t or "§" in t) for t in texts):
        return _build_docx(body)
    import zipfile
    from xml.sax.saxutils import escape

    shape = tuple(("p",) if isinstance(part, str) else (len(part[0]), len(part[0][0]), tuple(part[1]),
                  tuple(tuple(x is None for x in row) for row in part[0])) for part in body)
    if shape not in _DOCX_SHAPES:
        counter = iter(range(10**6))
        marked = [f"§{next(counter)}§" if isinstance(part, str) else
                  ([[None if x is None else f"§{next(counter)}§" for x in row] for row in part[0]], part[1]) for part in body]
        data = _build_docx(marked)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            _DOCX_SHAPES[shape] = (data, z.read("word/document.xml").decode("utf-8"))
    data, xml = _DOCX_SHAPES[shape]
    import re

    filled = re.sub(r"§(\d+)§", lambda m: escape(texts[int(m.group(1))]), xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, filled.encode("utf-8") if info.filename == "word/document.xml" else src.read(info))
    return out.getvalue()


FILLER = (
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，"
    "围绕中心、服务大局，持续深化决策、执行、管理、服务、结果公开，加强政策解读和回应关切，"
    "不断提升政务公开标准化规范化水平，切实保障人民群众的知情权、参与权、表达权和监督权。"
)


def to_pdf(rep: SynthReport, narrow: bool = False, narrative_pages: int = 0) -> bytes:
    """A PDF drawn directly with reportlab (ruled tables, CJK font); `narrow` wraps numbers in cells.

    `narrative_pages` adds pages of narrative (sections 一, 五, 六), as real reports have.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(CJK_FONT), subfontIndex=0))
    style = ParagraphStyle("cjk", fontName="WQY", fontSize=7, leading=8.5, wordWrap="CJK")
    body = ParagraphStyle("body", fontName="WQY", fontSize=10, leading=14, wordWrap="CJK")
    story: list = [Paragraph(_title(rep), body)]
    if rep.published_on:
        story.append(Paragraph(f"发布日期：{rep.published_on.isoformat()}", body))
    story.extend(Paragraph(p, body) for p in _narrative(rep))
    for n in range(narrative_pages // 2):
        story.append(Paragraph(f"（{'一二三四五六七八九十'[n % 10]}）工作情况", body))
        story.extend(Paragraph(FILLER * 3, body) for _ in range(8))
    if narrative_pages:
        story.append(PageBreak())
    for i, (heading, rows) in enumerate(zip(HEADINGS, _tables(rep), strict=True)):
        story.append(Paragraph(heading, body))
        matrix, spans = grid(rows)
        data = [[Paragraph(t, style) if t else "" for t in row] for row in matrix]
        ncols = len(matrix[0])
        if ncols == 10:
            widths = [36, 56, 190] + [(14 if narrow else 36)] * 7
        elif ncols == 15:
            widths = [35] * 15
        else:
            widths = [120, 100, 100, 100]
        t = Table(data, colWidths=widths, repeatRows=0)
        cmds = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), "WQY")]
        cmds += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in spans]
        t.setStyle(TableStyle(cmds))
        story.append(t)
        if i == 0:
            story.append(PageBreak())
    story.append(Paragraph("五、存在的主要问题及改进情况", body))
    for _ in range(narrative_pages - narrative_pages // 2):
        story.extend(Paragraph(FILLER * 3, body) for _ in range(8))
    story.append(Paragraph(rep.agency, body))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=_title(rep), leftMargin=28, rightMargin=28, topMargin=28, bottomMargin=28).build(story)
    return buf.getvalue()


def via_libreoffice(data: bytes, suffix: str, target: str) -> bytes:
    """HTML → DOCX/PDF/DOC, DOCX → PDF/DOC, through LibreOffice headless."""
    from extract.readers.doc import convert

    return convert(data, suffix, target)
