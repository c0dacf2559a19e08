"""The one intermediate form every reader produces: text lines and tables of cells.

Readers know formats, not the template: they turn bytes into a `Document` whose
blocks are, in reading order, lines of text and rectangular tables. A table cell is
either a `Cell` (text as printed, possibly empty) or `None` for a slot covered by a
merged neighbour (rowspan/colspan, gridSpan/vMerge, pdfplumber's merged cells).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Cell:
    text: str
    # where the text was printed: {"page": 3, "table": 1, "row": 4, "col": 2} or {"line": 57}.
    # A cell read by OCR also carries "source": "ocr" and "confidence": the engine's score
    # (0..1); the parser copies both onto the value it reads from the cell.
    where: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Table:
    rows: list[list[Cell | None]]
    index: int = 0
    page: int | None = None


@dataclass(slots=True)
class TextLine:
    text: str
    where: dict[str, Any] = field(default_factory=dict)


Block = TextLine | Table


@dataclass(slots=True)
class Document:
    format: str
    blocks: list[Block] = field(default_factory=list)
    # problems a reader met that do not stop the parse (e.g. a page it could not read)
    problems: list[dict[str, Any]] = field(default_factory=list)
    # pictures the reader saw but did not read (read by OCR when the text holds no report)
    pictures: int = 0

    def add(self, block: Block) -> None:
        """Append a block in reading order; a table is numbered after the tables before it, its cells too."""
        if isinstance(block, Table):
            block.index = sum(1 for b in self.blocks if isinstance(b, Table))
            for row in block.rows:
                for cell in row:
                    if cell is not None:
                        cell.where["table"] = block.index
        self.blocks.append(block)

    @property
    def lines(self) -> list[TextLine]:
        return [b for b in self.blocks if isinstance(b, TextLine)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def plain_text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class ExtractionFailure(Exception):
    """The file cannot be read at all: the report is `failed` with this problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
