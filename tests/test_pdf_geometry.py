"""The PDF reader's own cell geometry gives what pdfplumber's gives, on ruled grids of every kind."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pdfplumber.table import Table as PlumberTable
from pdfplumber.table import (
    cells_to_tables,
    edges_to_intersections,
    intersections_to_cells,
    merge_edges,
)

from extract.readers.pdf_lattice import INTERSECT, JOIN, MIN_EDGE, SNAP, _cells, _tables


def _h(x0: float, x1: float, y: float) -> dict[str, Any]:
    x0, x1 = sorted((x0, x1))
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0, "orientation": "h", "object_type": "line"}


def _v(x: float, top: float, bottom: float) -> dict[str, Any]:
    top, bottom = sorted((top, bottom))
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top, "orientation": "v", "object_type": "line"}


def _page(rng: random.Random) -> list[dict[str, Any]]:
    """One or two ruled grids with jittered, missing, split and doubled rules, merged cells and stray lines."""
    edges: list[dict[str, Any]] = []
    for _ in range(rng.choice((1, 1, 2))):
        left, top = rng.uniform(20, 200), rng.uniform(20, 400)
        xs = [left]
        for _ in range(rng.randint(1, 9)):
            xs.append(xs[-1] + rng.choice((rng.uniform(2, 8), rng.uniform(20, 90))))
        ys = [top]
        for _ in range(rng.randint(1, 25)):
            ys.append(ys[-1] + rng.choice((rng.uniform(1, 5), rng.uniform(12, 30))))
        jitter = rng.choice((0.0, 0.5, 2.0, 3.5))
        for r, y in enumerate(ys):
            for c in range(len(xs) - 1):
                if rng.random() < 0.08 and 0 < r < len(ys) - 1:
                    continue  # a merged cell: no rule between two rows
                edges.append(_h(xs[c] + rng.uniform(-jitter, jitter), xs[c + 1] + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)))
        for c, x in enumerate(xs):
            for r in range(len(ys) - 1):
                if rng.random() < 0.08 and 0 < c < len(xs) - 1:
                    continue
                edges.append(_v(x + rng.uniform(-jitter, jitter), ys[r] + rng.uniform(-jitter, jitter), ys[r + 1] + rng.uniform(-jitter, jitter)))
        if rng.random() < 0.3:
            edges.extend(dict(e) for e in rng.sample(edges, k=min(len(edges), 5)))  # rules drawn twice
    for _ in range(rng.randint(0, 4)):  # stray rules: underlines, a box, a line across
        x, y = rng.uniform(0, 500), rng.uniform(0, 800)
        edges.append(_h(x, x + rng.uniform(3, 300), y) if rng.random() < 0.5 else _v(x, y, y + rng.uniform(3, 300)))
    return edges


@pytest.mark.parametrize("seed", range(300))
def test_cells_and_tables_match_pdfplumber(seed: int) -> None:
    rng = random.Random(seed)
    edges = merge_edges(_page(rng), SNAP, SNAP, JOIN, JOIN)
    edges = [e for e in edges if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= MIN_EDGE]
    want_cells = intersections_to_cells(edges_to_intersections(edges, INTERSECT, INTERSECT))
    assert _cells(edges) == want_cells
    want, got = cells_to_tables(want_cells), _tables(want_cells)
    assert [sorted(t) for t in got] == [sorted(t) for t in want]
    for a, b in zip(got, want, strict=True):
        ta, tb = PlumberTable(None, a), PlumberTable(None, b)  # type: ignore[arg-type]
        assert ta.bbox == tb.bbox
        assert [r.cells for r in ta.rows] == [r.cells for r in tb.rows]
