"""Reports whose statistics tables are pictures: in a web page (inline or linked) and in DOCX.

Each table is drawn as the PDF renderer draws it, rendered to an image and cut out around
its ruling lines (a table cut by a page break gives two pictures, as a screenshot of each
page would); the narrative stays text. The truth is the report's own: what was drawn.
Pictures are saved as screen images are — 96–200 dpi, PNG or JPEG — optionally degraded
(synth/scan.py) as a pasted photograph or scan would be.
"""

from __future__ import annotations

import base64
import html
import io
import random

from PIL import Image

from synth.model import SynthReport
from synth.render import HEADINGS, _narrative, _title, to_pdf
from synth.scan import degrade, render_pages


def table_pictures(rep: SynthReport, dpi: int = 150, rng: random.Random | None = None, fmt: str = "PNG",
                   quality: int = 85) -> list[bytes]:
    """The report's tables as pictures, in reading order (PNG or JPEG bytes)."""
    import pdfplumber

    pdf = to_pdf(rep)
    pages = render_pages(pdf, dpi)
    out: list[bytes] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages):
            for table in page.find_tables():
                x0, top, x1, bottom = table.bbox
                k = dpi / 72
                margin = 6
                box = (max(0, int(x0 * k) - margin), max(0, int(top * k) - margin),
                       min(pages[number].width, int(x1 * k) + margin), min(pages[number].height, int(bottom * k) + margin))
                img: Image.Image = pages[number].crop(box)
                if rng is not None:
                    img = degrade(img, rng, tilt=0.3, noise=5.0, jpeg=80)
                buf = io.BytesIO()
                if fmt == "JPEG":
                    img.convert("L").save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
                else:
                    img.save(buf, "PNG", dpi=(dpi, dpi))
                out.append(buf.getvalue())
    return out


def _mime(data: bytes) -> str:
    return "image/jpeg" if data.startswith(b"\xff\xd8") else "image/png"


def to_html_pictures(rep: SynthReport, pictures: list[bytes], links: list[str] | None = None) -> bytes:
    """A report page whose tables are pictures: inline data: URIs, or `links` (same-site URLs)."""
    parts = [f'<html><head><meta charset="utf-8"><title>{html.escape(_title(rep))}</title></head><body>',
             '<div class="nav"><a href="/">首页</a> &gt; 政务公开 <img src="data:image/png;base64,'
             + base64.b64encode(_icon()).decode() + '" width="16"></div>',
             f"<div class='article'><h1>{html.escape(_title(rep))}</h1>"]
    if rep.published_on:
        parts.append(f"<p>发布日期：{rep.published_on.isoformat()}</p>")
    parts.extend(f"<p>{html.escape(p)}</p>" for p in _narrative(rep))
    for i, data in enumerate(pictures):
        if i < len(HEADINGS):
            parts.append(f"<p>{HEADINGS[i]}</p>")
        src = links[i] if links else f"data:{_mime(data)};base64," + base64.b64encode(data).decode()
        parts.append(f'<p style="text-align:center"><img src="{src}" alt="表{i + 1}"></p>')
    parts.append("<p>五、存在的主要问题及改进情况</p><p>下一步将继续改进。</p>")
    parts.append(f"<p>{html.escape(rep.agency)}</p>")
    if rep.published_on:
        d = rep.published_on
        parts.append(f"<p>{d.year}年{d.month}月{d.day}日</p>")
    parts.append("</div></body></html>")
    return "\n".join(parts).encode("utf-8")


def to_docx_pictures(rep: SynthReport, pictures: list[bytes]) -> bytes:
    """A DOCX whose tables were pasted as pictures (python-docx add_picture)."""
    from docx import Document as Docx
    from docx.shared import Inches

    d = Docx()
    d.add_paragraph(_title(rep))
    if rep.published_on:
        d.add_paragraph(f"发布日期：{rep.published_on.isoformat()}")
    for p in _narrative(rep):
        d.add_paragraph(p)
    for i, data in enumerate(pictures):
        if i < len(HEADINGS):
            d.add_paragraph(HEADINGS[i])
        d.add_picture(io.BytesIO(data), width=Inches(6.3))
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.add_paragraph(rep.agency)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _icon() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()
