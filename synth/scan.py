"""A report as a scan: PDF pages rendered to images, degraded, saved as an image-only PDF.

Degradations are those of an office scanner: grey paper, sensor noise, a tilt of up to a
degree, JPEG compression. The PDF carries no text layer, so every page needs OCR.
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image

from synth.model import SynthReport
from synth.render import to_pdf


def render_pages(pdf: bytes, dpi: int = 200) -> list[Image.Image]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()


def degrade(img: Image.Image, rng: random.Random, tilt: float = 1.0, noise: float = 8.0, jpeg: int = 70) -> Image.Image:
    """Grey paper, Gaussian noise, a rotation of up to `tilt` degrees, JPEG at quality `jpeg`."""
    a = np.asarray(img.convert("L"), dtype=np.float32)
    paper = rng.uniform(215, 240)
    a = 255 - (255 - a) * (1 - (255 - paper) / 255) - (255 - paper)  # ink stays dark, white turns grey
    nprng = np.random.default_rng(rng.randrange(2**32))
    a = a + nprng.normal(0, noise, a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    angle = rng.uniform(-tilt, tilt)
    out = out.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=int(paper))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=jpeg)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def to_scan(rep: SynthReport, rng: random.Random, dpi: int = 200, tilt: float = 1.0, noise: float = 8.0, jpeg: int = 70) -> bytes:
    """An image-only PDF of the report as scanned at `dpi`."""
    pages = [degrade(p, rng, tilt=tilt, noise=noise, jpeg=jpeg) for p in render_pages(to_pdf(rep), dpi)]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return buf.getvalue()
