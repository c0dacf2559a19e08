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


def to_docx(rep: SynthReport) -> bytes:
    """A DOCX with real merged cells (gridSpan / vMerge), built with python-docx."""
    from docx import Document as Docx

    d = Docx()
    d.add_paragraph(_title(rep))
    if rep.published_on:
        d.add_paragraph(f"发布日期：{rep.published_on.isoformat()}")
    for p in _narrative(rep):
        d.add_paragraph(p)
    for heading, rows in zip(HEADINGS, _tables(rep), strict=True):
        d.add_paragraph(heading)
        matrix, spans = grid(rows)
        table = d.add_table(rows=len(matrix), cols=len(matrix[0]))
        table.style = "Table Grid"
        for r0, c0, r1, c1 in spans:
            table.cell(r0, c0).merge(table.cell(r1, c1))
        for r, row in enumerate(matrix):
            for c, text in enumerate(row):
                if text is not None:
                    table.cell(r, c).text = text
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.add_paragraph(rep.agency)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


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
