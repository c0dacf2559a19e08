"""Placing printed rows on the template's rows: an order-preserving alignment by label similarity.

The template fixes the order of its rows. A printed table is a sequence of rows, each with
a label as the agency printed it — with typos (事物 for 事务), variants, group headers
missing or on another page, labels split over cells. Matching each label on its own loses
a row at the first wrong character; matching by position alone places a row where it does
not belong. So both are used together: the printed label sequence is aligned to the
template's row sequence (a longest-path alignment that keeps the order), a pair scoring
by how alike the two labels are. A pair is accepted when its labels are clearly alike, or —
weaker likeness — when it is the best template row for that label *and* it is pinned by
its neighbours (the rows before and after are placed on the template rows before and
after). A row that cannot be placed is reported, never guessed; a template row that no
printed row takes is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

# numbering printed before a label: 一、 （一） (一) 1. 1、 1． ①
_NUMBER = re.compile(r"^(?:[(（]([一二三四五六七八九十\d]{1,3})[)）]|([一二三四五六七八九十]{1,3})[、.．]|(\d{1,2})[、.．]?(?=\D)|([①-⑳]))")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_PUNCT = re.compile(r"[()（）\[\]【】、，,。.．:：;；\"'“”‘’《》<>·•\-—_/]")

STRONG = 0.78  # labels this alike are the same row, wherever the row stands
WEAK = 0.45  # below this a label says nothing about the row
_MARGIN = 0.08  # a weak label must prefer its row over every other by this much


def _number_value(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in _CIRCLED:
        return _CIRCLED.index(text) + 1
    if len(text) == 1:
        return _CN.get(text)
    if text.startswith("十"):
        return 10 + (_CN.get(text[1:], 0) if len(text) > 1 else 0)
    return None


@lru_cache(maxsize=16384)
def split_number(label: str) -> tuple[int | None, str]:
    """`(三）不予公开` → (3, '不予公开'); the label without punctuation."""
    m = _NUMBER.match(label)
    number = None
    rest = label
    if m:
        number = _number_value(next(g for g in m.groups() if g))
        rest = label[m.end():]
    return number, _PUNCT.sub("", rest)


@dataclass(frozen=True, slots=True)
class Slot:
    """One template row: its code, the labels the template prints for it, its numbering."""

    code: str
    labels: tuple[str, ...]
    pattern: re.Pattern[str] | None = None  # a dictionary pattern that names the row outright
    group: str | None = None

    def __hash__(self) -> int:
        # the code alone (equal slots share it): a slot is a key of the likeness caches, hashed on
        # every lookup, and the generated hash would hash its labels and pattern each time
        return hash(self.code)


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=262144)
def likeness(printed: str, slot: Slot, group: str | None = None) -> float:
    """How alike a printed label (normalised) is to a template row's label, 0..1."""
    if not printed:
        return 0.0
    number, core = split_number(printed)
    best = 0.0
    if slot.pattern is not None and slot.pattern.search(printed):
        best = 1.0
    for label in slot.labels:
        want_number, want = split_number(label)
        r = _ratio(core, want)
        if len(want) >= 4 and len(core) > len(want) * 1.4 and want in core:
            r = max(r, 0.9)  # the row's label printed with more around it (a group header in the same cell)
        if number is not None and want_number is not None:
            r += 0.06 if number == want_number else -0.25
        best = max(best, r)
    if group is not None and slot.group is not None:
        best += 0.04 if group == slot.group else -0.1
    return max(0.0, min(best, 1.0))


def _row_scores(candidates: tuple[str, ...], slots: tuple[Slot, ...], group: str | None) -> list[float]:
    """One printed row's likeness to every template row."""
    return [max((likeness(c, s, group) for c in candidates), default=0.0) for s in slots]


_MEMO_ROWS = 65536


@lru_cache(maxsize=64)
def _memo(slots: tuple[Slot, ...]) -> dict[tuple[tuple[str, ...], str | None], list[float]]:
    """The row scores already computed against one sequence of template rows (the same rows recur in
    every report); keyed by the sequence once per alignment, not once per printed row."""
    return {}


@dataclass(slots=True)
class Placement:
    slot: int | None  # index into the template's slots; None: not placed
    score: float
    pinned: bool = False  # placed by its neighbours on a weak likeness


def align(labels: Sequence[Sequence[str]], slots: Sequence[Slot], groups: Sequence[str | None] | None = None) -> list[Placement]:
    """Place each printed row (given as its candidate label strings) on at most one template row.

    Order is kept: if row a precedes row b in print, slot(a) < slot(b). Returns one
    `Placement` per printed row.
    """
    n, m = len(labels), len(slots)
    groups = groups or [None] * n
    slot_key = tuple(slots)
    memo = _memo(slot_key)
    if len(memo) > _MEMO_ROWS:
        memo.clear()
    score: list[list[float]] = []
    for i in range(n):
        key = (tuple(labels[i]), groups[i])
        row = memo.get(key)
        if row is None:
            row = memo[key] = _row_scores(key[0], slot_key, key[1])
        score.append(row)
    # longest path: best[i][j] over the first i printed rows and first j slots
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0: skip printed, 1: skip slot, 2: match
    for i in range(1, n + 1):
        above, here, moves, row_score = best[i - 1], best[i], move[i], score[i - 1]
        for j in range(1, m + 1):
            b, mv = above[j], 0
            if here[j - 1] > b:
                b, mv = here[j - 1], 1
            s = row_score[j - 1]
            if s >= WEAK and above[j - 1] + s > b:
                b, mv = above[j - 1] + s, 2
            here[j], moves[j] = b, mv
    pairs: dict[int, int] = {}
    i, j = n, m
    while i > 0 and j > 0:
        mv = move[i][j]
        if mv == 2:
            pairs[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif mv == 1:
            j -= 1
        else:
            i -= 1
    out: list[Placement] = []
    for i in range(n):
        j = pairs.get(i)
        if j is None:
            out.append(Placement(None, max(score[i], default=0.0)))
            continue
        s = score[i][j]
        if s >= STRONG:
            out.append(Placement(j, s))
            continue
        # a weak likeness: the label must prefer this row over any other, and the rows
        # printed before and after must stand on the template rows before and after
        others = max((score[i][k] for k in range(m) if k != j), default=0.0)
        out.append(Placement(j if s >= others + _MARGIN else None, s))
    for i, p in enumerate(out):
        if p.slot is None or p.score >= STRONG:
            continue
        before = _neighbour_ok(out, score, i, -1, p.slot, m)
        after = _neighbour_ok(out, score, i, +1, p.slot, m)
        if before and after:
            p.pinned = True
        else:
            p.slot = None
    return out


def _neighbour_ok(out: list[Placement], score: list[list[float]], i: int, step: int, slot: int, m: int) -> bool:
    k = i + step
    want = slot + step
    if k < 0 or k >= len(out):
        # the table's edge: fine when the slot is at the template's edge too
        return want < 0 or want >= m
    nb = out[k]
    return nb.slot == want and score[k][want] >= STRONG
