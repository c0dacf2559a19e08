"""A synthetic report as an OFD (GB/T 33190) document, written as the standard lays it out.

OFD.xml → Doc_0/Document.xml (PageArea, PublicRes fonts, DocumentRes media, a TemplatePage)
→ Doc_0/Pages/Page_N/Content.xml: TextObjects whose TextCodes place every glyph with
DeltaX (`g N d` runs), and PathObjects ruling the tables. Text flows over A4 pages: cells
wrap onto several lines, merged cells (rowspan/colspan) are drawn as one box, and a table
that reaches the bottom of a page goes on over the next one (a merged cell cut by the
break is drawn on both pages, its text on the first).

`rules`: "lines" (a stroked PathObject per cell side), "rects" (each side a thin filled
rectangle), "ctm" (one PathObject per table and page, drawn in points through a CTM, and
text set in points through a CTM) — the three ways producers write rulings — or "none"
(tables printed without rules). `narrow` value columns wrap four-digit numbers.
"""

from __future__ import annotations

import io
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import synth.render as render
from synth.layout import grid
from synth.model import SynthReport

NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, TOP, BOTTOM = 15.0, 20.0, 277.0
WIDTH = PAGE_W - 2 * LEFT
BODY, CELL = 3.5, 2.5  # font sizes (mm)
PAD = 1.0
LINE_W = 0.25
MM_PER_PT = 25.4 / 72
FONT_ID = 2
MEDIA_ID = 3
TEMPLATE_ID = 4
HEADER = "政务公开"  # printed by the TemplatePage at the foot of every page


def _em(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def _fmt(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def delta_x(text: str, size: float) -> str:
    """DeltaX of a run: the advance after each glyph but the last, equal advances as `g N d`."""
    adv = [_em(ch) * size for ch in text[:-1]]
    parts: list[str] = []
    i = 0
    while i < len(adv):
        j = i
        while j < len(adv) and abs(adv[j] - adv[i]) < 1e-9:
            j += 1
        parts.append(f"g {j - i} {_fmt(adv[i])}" if j - i > 1 else _fmt(adv[i]))
        i = j
    return " ".join(parts)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of `text` no wider than `width` (mm) at `size`; a newline in the text breaks too."""
    out: list[str] = []
    for para in text.split("\n"):
        line, w = "", 0.0
        for ch in para:
            cw = _em(ch) * size
            if line and w + cw > width + 1e-9:
                out.append(line)
                line, w = "", 0.0
            line += ch
            w += cw
        out.append(line)
    return out


@dataclass
class _Page:
    objects: list[str] = field(default_factory=list)


class _Writer:
    def __init__(self, rules: str) -> None:
        self.rules = rules
        self.pages: list[_Page] = [_Page()]
        self.next_id = 10
        self.y = TOP
        self.target: _Page | None = None  # where objects go; None: the last page

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    @property
    def page(self) -> _Page:
        return self.target or self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(_Page())
        self.y = TOP

    def text(self, x: float, top: float, text: str, size: float) -> None:
        """One run of text whose box's top-left is (x, top)."""
        if not text:
            return
        w = sum(_em(ch) for ch in text) * size
        h = size * 1.2
        baseline = size
        if self.rules == "ctm":  # set in points: object space is points, the CTM takes it to mm
            s = MM_PER_PT
            code = f'<ofd:TextCode X="0" Y="{_fmt(baseline / s)}" DeltaX="{delta_x(text, size / s)}">{escape(text)}</ofd:TextCode>'
            self.page.objects.append(
                f'<ofd:TextObject ID="{self._id()}" Boundary="{_fmt(x)} {_fmt(top)} {_fmt(w)} {_fmt(h)}" '
                f'CTM="{_fmt(s)} 0 0 {_fmt(s)} 0 0" Font="{FONT_ID}" Size="{_fmt(size / s)}">'
                f'<ofd:FillColor Value="0 0 0"/>{code}</ofd:TextObject>'
            )
            return
        if len(text) > 1 and self.rules == "rects":
            # one TextCode for the first glyph, the rest continuing after it (X omitted)
            code = (f'<ofd:TextCode X="0" Y="{_fmt(baseline)}">{escape(text[0])}</ofd:TextCode>'
                    f'<ofd:TextCode DeltaX="{delta_x(text[1:], size)}">{escape(text[1:])}</ofd:TextCode>')
        else:
            dx = delta_x(text, size)
            code = f'<ofd:TextCode X="0" Y="{_fmt(baseline)}"{f" DeltaX={quoteattr(dx)}" if dx else ""}>{escape(text)}</ofd:TextCode>'
        self.page.objects.append(
            f'<ofd:TextObject ID="{self._id()}" Boundary="{_fmt(x)} {_fmt(top)} {_fmt(w)} {_fmt(h)}" Font="{FONT_ID}" Size="{_fmt(size)}">'
            f'<ofd:FillColor Value="0 0 0"/>{code}</ofd:TextObject>'
        )

    def paragraph(self, text: str, size: float = BODY, indent: float = 0.0) -> None:
        for line in wrap(text, WIDTH - indent, size):
            if self.y + size * 1.5 > BOTTOM:
                self.new_page()
            self.text(LEFT + indent, self.y, line, size)
            self.y += size * 1.5

    def segment(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A rule from (x0, y0) to (x1, y1), horizontal or vertical."""
        w, h = abs(x1 - x0), abs(y1 - y0)
        bx, by = min(x0, x1), min(y0, y1)
        if self.rules == "rects":
            t = LINE_W
            if h < 1e-9:
                box, d = (bx, by - t / 2, w, t), f"M 0 0 L {_fmt(w)} 0 L {_fmt(w)} {_fmt(t)} L 0 {_fmt(t)} C"
            else:
                box, d = (bx - t / 2, by, t, h), f"M 0 0 L {_fmt(t)} 0 L {_fmt(t)} {_fmt(h)} L 0 {_fmt(h)} C"
            self.page.objects.append(
                f'<ofd:PathObject ID="{self._id()}" Boundary="{" ".join(_fmt(v) for v in box)}" Stroke="false" Fill="true">'
                f'<ofd:FillColor Value="0 0 0"/><ofd:AbbreviatedData>{d}</ofd:AbbreviatedData></ofd:PathObject>'
            )
            return
        d = f"M {_fmt(x0 - bx)} {_fmt(y0 - by)} L {_fmt(x1 - bx)} {_fmt(y1 - by)}"
        self.page.objects.append(
            f'<ofd:PathObject ID="{self._id()}" Boundary="{_fmt(bx)} {_fmt(by)} {_fmt(max(w, LINE_W))} {_fmt(max(h, LINE_W))}" '
            f'LineWidth="{LINE_W}"><ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>{d}</ofd:AbbreviatedData></ofd:PathObject>'
        )

    def table_path(self, segments: list[tuple[float, float, float, float]]) -> None:
        """All rules of one table part as one path in points (object space), a CTM taking it to mm."""
        if not segments:
            return
        x0 = min(min(s[0], s[2]) for s in segments)
        y0 = min(min(s[1], s[3]) for s in segments)
        x1 = max(max(s[0], s[2]) for s in segments)
        y1 = max(max(s[1], s[3]) for s in segments)
        k = 1 / MM_PER_PT
        d = " ".join(f"M {_fmt((a - x0) * k)} {_fmt((b - y0) * k)} L {_fmt((c - x0) * k)} {_fmt((e - y0) * k)}" for a, b, c, e in segments)
        self.page.objects.append(
            f'<ofd:PathObject ID="{self._id()}" Boundary="{_fmt(x0)} {_fmt(y0)} {_fmt(x1 - x0)} {_fmt(y1 - y0)}" '
            f'CTM="{_fmt(MM_PER_PT)} 0 0 {_fmt(MM_PER_PT)} 0 0" LineWidth="{_fmt(LINE_W / MM_PER_PT)}">'
            f'<ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>{d}</ofd:AbbreviatedData></ofd:PathObject>'
        )

    def table(self, matrix: list[list[str | None]], spans: list[tuple[int, int, int, int]], widths: list[float]) -> None:
        n_rows, n_cols = len(matrix), len(matrix[0])
        xs = [LEFT]
        for w in widths:
            xs.append(xs[-1] + w)
        span_of: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for r0, c0, r1, c1 in spans:
            span_of[(r0, c0)] = (r0, c0, r1, c1)
        boxes = [span_of.get((r, c), (r, c, r, c)) for r in range(n_rows) for c in range(n_cols) if matrix[r][c] is not None]
        leading = CELL * 1.25
        heights = [6.0] * n_rows
        for r0, c0, r1, c1 in boxes:
            lines = wrap(matrix[r0][c0] or "", xs[c1 + 1] - xs[c0] - 2 * PAD, CELL)
            need = len(lines) * leading + 2 * PAD
            have = sum(heights[r0 : r1 + 1])
            if need > have:
                heights[r1] += need - have
        # rows of each page part
        parts: list[tuple[int, int, float]] = []  # (first row, last row, top)
        start, top = 0, self.y
        y = self.y
        for r in range(n_rows):
            if y + heights[r] > BOTTOM and r > start:
                parts.append((start, r - 1, top))
                self.new_page()
                start, top, y = r, TOP, TOP
            elif y + heights[r] > BOTTOM:  # the first row does not fit under the heading
                self.new_page()
                top = y = TOP
            y += heights[r]
        parts.append((start, n_rows - 1, top))
        first_page = len(self.pages) - (len(parts) - 1) - 1
        for k, (p0, p1, ptop) in enumerate(parts):
            page = self.pages[first_page + k]
            ys = {p0: ptop}
            for r in range(p0, p1 + 1):
                ys[r + 1] = ys[r] + heights[r]
            segments: list[tuple[float, float, float, float]] = []
            texts: list[tuple[float, float, str]] = []
            for r0, c0, r1, c1 in boxes:
                a, b = max(r0, p0), min(r1, p1)
                if a > b:
                    continue
                bx0, bx1, by0, by1 = xs[c0], xs[c1 + 1], ys[a], ys[b + 1]
                segments += [(bx0, by0, bx1, by0), (bx0, by1, bx1, by1), (bx0, by0, bx0, by1), (bx1, by0, bx1, by1)]
                if a == r0:  # the text goes where the cell starts
                    lines = wrap(matrix[r0][c0] or "", bx1 - bx0 - 2 * PAD, CELL)
                    block = len(lines) * leading
                    ty = by0 + max(PAD, (by1 - by0 - block) / 2)
                    for i, line in enumerate(lines):
                        texts.append((bx0 + PAD, ty + i * leading, line))
            self.target = page
            if self.rules == "ctm":
                self.table_path(segments)
            elif self.rules != "none":
                for s in segments:
                    self.segment(*s)
            for tx, ty, line in texts:
                self.text(tx, ty, line, CELL)
            self.target = None
        self.y = parts[-1][2] + sum(heights[parts[-1][0] : parts[-1][1] + 1]) + 4


def _widths(ncols: int, narrow: bool) -> list[float]:
    if ncols == 10:
        return [10.0, 18.0, 62.0] + [(6.0 if narrow else 12.8)] * 7
    if ncols == 15:
        return [12.0] * 15
    if ncols == 4:
        return [60.0, 40.0, 40.0, 40.0]
    if ncols > 10:  # a row pushed off by a broken merge: the label columns, the rest shared
        return [10.0, 18.0, 62.0] + [(WIDTH - 90.0) / (ncols - 3)] * (ncols - 3)
    return [WIDTH / ncols] * ncols


def _zip(pages: list[list[str]], title: str, media: bytes | None = None, template: bool = True) -> bytes:
    buf = io.BytesIO()
    ns = f'xmlns:ofd="{NS}"'
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            f"<ofd:DocID>{uuid.UUID(int=len(pages)).hex}</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
            "<ofd:Creator>synth</ofd:Creator></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ))
        page_refs = "".join(f'<ofd:Page ID="{100 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        tpl = f'<ofd:TemplatePage ID="{TEMPLATE_ID}" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template else ""
        z.writestr("Doc_0/Document.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>99999</ofd:MaxUnitID>'
            f"<ofd:PageArea><ofd:PhysicalBox>0 0 {_fmt(PAGE_W)} {_fmt(PAGE_H)}</ofd:PhysicalBox></ofd:PageArea>"
            f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{'<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>' if media else ''}"
            f"{tpl}</ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>"
        ))
        z.writestr("Doc_0/PublicRes.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res"><ofd:Fonts>'
            f'<ofd:Font ID="{FONT_ID}" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
        ))
        if media:
            z.writestr("Doc_0/DocumentRes.xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {ns} BaseLoc="Res"><ofd:MultiMedias>'
                f'<ofd:MultiMedia ID="{MEDIA_ID}" Type="Image" Format="PNG"><ofd:MediaFile>page.png</ofd:MediaFile></ofd:MultiMedia>'
                "</ofd:MultiMedias></ofd:Res>"
            ))
            z.writestr("Doc_0/Res/page.png", media)
        if template:
            z.writestr("Doc_0/Tpls/Tpl_0/Content.xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID="5">'
                f'<ofd:TextObject ID="6" Boundary="{_fmt(LEFT)} {_fmt(BOTTOM + 13)} 20 4" Font="{FONT_ID}" Size="3">'
                f'<ofd:TextCode X="0" Y="3" DeltaX="{delta_x(HEADER, 3)}">{HEADER}</ofd:TextCode></ofd:TextObject>'
                "</ofd:Layer></ofd:Content></ofd:Page>"
            ))
        for i, objects in enumerate(pages):
            use_tpl = f'<ofd:Template TemplateID="{TEMPLATE_ID}" ZOrder="Background"/>' if template else ""
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}>{use_tpl}<ofd:Content><ofd:Layer ID="{7 + i}" Type="Body">'
                + "".join(objects) + "</ofd:Layer></ofd:Content></ofd:Page>"
            ))
    return buf.getvalue()


def to_ofd(rep: SynthReport, rules: str = "lines", narrow: bool = False, filler: int = 0) -> bytes:
    """The report as an OFD. `filler` paragraphs before the tables move where pages break."""
    w = _Writer(rules)  # render's helpers looked up at call time: tests and the bench patch them
    w.paragraph(render._title(rep), 5.0)
    if rep.published_on:
        w.paragraph(f"发布日期：{rep.published_on.isoformat()}")
    for p in render._narrative(rep):
        w.paragraph(p)
    for _ in range(filler):
        w.paragraph(render.FILLER)
    for heading, rows in zip(render.HEADINGS, render._tables(rep), strict=True):
        w.paragraph(heading)
        matrix, spans = grid(rows)
        w.table(matrix, spans, _widths(len(matrix[0]), narrow))
    w.paragraph("五、存在的主要问题及改进情况")
    w.paragraph("下一步将继续改进。")
    w.paragraph(rep.agency, indent=120)
    if rep.published_on:
        d = rep.published_on
        w.paragraph(f"{d.year}年{d.month}月{d.day}日", indent=120)
    for n, page in enumerate(w.pages, start=1):
        mark = f"- {n} -"
        w.target = page
        w.text(PAGE_W / 2 - 4, BOTTOM + 8, mark, 3.0)
    w.target = None
    return _zip([p.objects for p in w.pages], render._title(rep))


def image_only_ofd(pages: int = 2) -> bytes:
    """An OFD of scanned pages: each page one ImageObject, no text at all."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (420, 594), 255)
    draw = ImageDraw.Draw(img)
    for y in range(80, 500, 24):
        draw.line((40, y, 380, y), fill=0, width=2)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    obj = (f'<ofd:ImageObject ID="{{id}}" ResourceID="{MEDIA_ID}" Boundary="0 0 {_fmt(PAGE_W)} {_fmt(PAGE_H)}" '
           f'CTM="{_fmt(PAGE_W)} 0 0 {_fmt(PAGE_H)} 0 0"/>')
    return _zip([[obj.format(id=20 + i)] for i in range(pages)], "扫描件", media=buf.getvalue(), template=False)
