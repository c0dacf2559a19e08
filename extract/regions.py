"""Agency name → province / city / county, from the administrative divisions cpca ships.

A name that fits several places (河东区: 临沂 and 天津) is `ambiguous` unless the document
names a province or city that picks one; it is never guessed.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "地区", "省", "市", "盟")


@dataclass(frozen=True, slots=True)
class Division:
    adcode: str  # 6 digits
    name: str
    level: str  # province | city | county

    @property
    def province_code(self) -> str:
        return self.adcode[:2] + "0000"

    @property
    def city_code(self) -> str:
        return self.adcode[:4] + "00"


@dataclass(frozen=True, slots=True)
class Region:
    status: str  # resolved | ambiguous | unknown
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    candidates: tuple[str, ...] = ()


@cache
def _index() -> tuple[dict[str, Division], dict[str, list[Division]]]:
    by_code: dict[str, Division] = {}
    # cpca's data file, read without importing cpca (its import needs setuptools and loads pandas)
    spec = importlib.util.find_spec("cpca")
    if spec is None or spec.origin is None:
        raise RuntimeError("the cpca package (administrative divisions) is not installed")
    with (Path(spec.origin).parent / "resources" / "adcodes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            if code.endswith("0000"):
                level = "province"
            elif code.endswith("00"):
                level = "city"
            else:
                level = "county"
            by_code[code] = Division(code, row["name"], level)
    by_name: dict[str, list[Division]] = {}
    for d in by_code.values():
        names = {d.name}
        if d.level in ("province", "city"):
            for suffix in _SUFFIXES:
                if d.name.endswith(suffix) and len(d.name) - len(suffix) >= 2:
                    names.add(d.name[: -len(suffix)])
                    break
        elif len(d.name) >= 3 and d.name.endswith(("县", "区", "市", "旗")):
            names.add(d.name[:-1])  # 平潭县 → 平潭 (平潭综合实验区)
        for n in names:
            if d.level != "province" and n in ("市辖区", "县"):
                continue
            by_name.setdefault(n, []).append(d)
    return by_code, by_name


@cache
def _longest_name() -> int:
    return max(len(n) for n in _index()[1])


def _scan(text: str) -> list[list[Division]]:
    """Divisions named at the start of `text`, greedily, longest name first."""
    _, by_name = _index()
    longest = _longest_name()
    out: list[list[Division]] = []
    pos = 0
    while pos < len(text):
        for size in range(min(longest, len(text) - pos), 1, -1):
            hit = by_name.get(text[pos : pos + size])
            if hit:
                out.append(hit)
                pos += size
                break
        else:
            break
    return out


@cache
def _place_pattern() -> tuple[re.Pattern[str], dict[str, list[str]]]:
    _, by_name = _index()
    codes = {
        name: [d.adcode for d in divs if d.level in ("province", "city")]
        for name, divs in by_name.items()
        if len(name) >= 2 and any(d.level in ("province", "city") for d in divs)
    }
    alternation = "|".join(re.escape(n) for n in sorted(codes, key=len, reverse=True))
    return re.compile(alternation), codes


def places_named(text: str) -> set[str]:
    """Province and city codes for the names mentioned anywhere in a text (hints for ambiguous names)."""
    pattern, codes = _place_pattern()
    found: set[str] = set()
    for name in set(pattern.findall(text)):
        found.update(codes[name])
    return found


def resolve(agency: str | None, hint_codes: set[str] | None = None) -> Region:
    if not agency:
        return Region("unknown")
    name = re.sub(r"\s+", "", agency)
    chain = _scan(name)
    if not chain:
        return Region("unknown")
    # combine the chain: each next level must sit inside the previous one
    candidates = list(chain[0])
    for level in chain[1:]:
        narrowed = [d for d in level for c in candidates if d.adcode.startswith(c.adcode[: 2 if c.level == "province" else 4])]
        if narrowed:
            candidates = narrowed
    deepest = max(("province", "city", "county").index(c.level) for c in candidates)
    candidates = [c for c in candidates if ("province", "city", "county").index(c.level) == deepest]
    unique = {c.adcode: c for c in candidates}
    if len(unique) > 1 and hint_codes:
        hinted = {
            code: c for code, c in unique.items() if c.province_code in hint_codes or c.city_code in hint_codes
        }
        if len(hinted) >= 1:
            unique = hinted
    if len(unique) > 1:
        return Region("ambiguous", candidates=tuple(sorted(f"{c.adcode} {_full(c)}" for c in unique.values())))
    return _region_of(next(iter(unique.values())))


def resolve_place(place: str) -> Region:
    """The region a source states: an adcode (350128, or 3501 / 35 padded) or a place name."""
    text = re.sub(r"\s+", "", str(place))
    if text.isdigit():
        by_code, _ = _index()
        d = by_code.get(text.ljust(6, "0")[:6])
        return _region_of(d) if d else Region("unknown")
    return resolve(text)


def _region_of(d: Division) -> Region:
    by_code, _ = _index()
    province = by_code.get(d.province_code)
    city = by_code.get(d.city_code) if d.level in ("county", "city") else None
    city_name = city.name if city and city.level == "city" else None
    if city_name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city_name = province.name if province and d.adcode[:2] in ("11", "12", "31", "50") else None
    return Region(
        "resolved",
        province=province.name if province else None,
        city=city_name,
        county=d.name if d.level == "county" else None,
        adcode=d.adcode,
    )


def _full(d: Division) -> str:
    by_code, _ = _index()
    parts = [by_code[c].name for c in dict.fromkeys([d.province_code, d.city_code, d.adcode]) if c in by_code]
    return "".join(parts)
