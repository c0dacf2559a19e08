"""Legacy .doc (and RTF): converted to .docx by LibreOffice headless, then read as DOCX."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from extract.document import Document, ExtractionFailure
from extract.readers.docx import read_docx

CONVERT_TIMEOUT_S = 120


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        if found := shutil.which(name):
            return found
    for candidate in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"):
        if os.path.exists(candidate):
            return candidate
    return None


def convert(data: bytes, suffix: str, target: str, timeout_s: float = CONVERT_TIMEOUT_S) -> bytes:
    """Convert bytes with LibreOffice headless; its own profile dir, so calls may run in parallel."""
    kind = "spreadsheet" if suffix in (".xls", ".et", ".xlsx") else "Word"
    soffice = soffice_path()
    if soffice is None:
        raise ExtractionFailure(
            "converter_missing",
            f"this is a legacy {kind} ({suffix}) file and LibreOffice (soffice) is not installed to convert it",
        )
    with tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        env = {**os.environ, "HOME": tmp}
        cmd = [
            soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
            "--convert-to", target, "--outdir", str(Path(tmp) / "out"), str(src),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout_s, env=env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ExtractionFailure("timeout", f"LibreOffice did not convert the file within {timeout_s:.0f} s") from exc
        outs = list((Path(tmp) / "out").glob("*"))
        if not outs:
            raise ExtractionFailure("unreadable_file", f"LibreOffice could not convert the file (corrupt or not a {kind} document)")
        return outs[0].read_bytes()


def read_doc(data: bytes, name: str = "", pictures: bool = False) -> Document:
    suffix = ".rtf" if data.startswith(b"{\\rtf") else ".doc"
    docx = convert(data, suffix, "docx")
    doc = read_docx(docx, name, pictures=pictures)
    doc.format = "doc"
    return doc


def read_wps(data: bytes, name: str = "", pictures: bool = False) -> Document:
    """Kingsoft Writer .wps: Word binary in practice (converted like .doc); some are DOCX inside."""
    if data.startswith(b"PK\x03\x04"):
        doc = read_docx(data, name, pictures=pictures)
    else:
        doc = read_docx(convert(data, ".doc", "docx"), name, pictures=pictures)
    doc.format = "wps"
    return doc
