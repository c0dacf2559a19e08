"""The sources file (YAML): where reports come from. Validated on load; errors name the line and field.

    defaults: {user_agent: ..., timeout_s: 30, max_bytes: 52428800, retries: 3, per_host: 2, max_pages: 5}
    sources:
      - {name: uploads, kind: folder, path: reports}
      - {name: city, kind: listing, url: https://…/ndbg/, link_patterns: [年度报告], max_pages: 3}
      - {name: one, kind: url, urls: [https://…/2023.pdf], agency: 某局, year: 2023}
      - {name: county, kind: folder, path: uploads/county, region: "350128"}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from extract.settings import ROOT


class SourcesError(ValueError):
    pass


def _http_url(value: str) -> str:
    scheme = urlparse(value).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"only http and https URLs are fetched, not {scheme or 'a bare path'!r}")
    return value


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_agent: str = "xxgk/0.1 (government information-disclosure annual reports research)"
    timeout_s: float = Field(30.0, gt=0)
    max_bytes: int = Field(50 * 1024 * 1024, gt=0)
    retries: int = Field(3, ge=0, le=10)
    per_host: int = Field(2, ge=1, le=16)
    max_pages: int = Field(5, ge=1, le=1000)


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    enabled: bool = True
    agency: str | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    # where the source's agencies are (an adcode like 350128, or a place name like 福建省平潭综合实验区):
    # the place of an agency whose report names none (城关镇, 财政局), part of its identity
    region: str | None = Field(None, min_length=2, max_length=40)


class FolderSource(_Base):
    kind: Literal["folder"]
    path: str
    patterns: list[str] = [
        "*.pdf", "*.PDF", "*.docx", "*.doc", "*.html", "*.htm", "*.txt", "*.rtf",
        "*.ofd", "*.OFD", "*.wps", "*.xlsx", "*.xls", "*.et",
        "*.jpg", "*.jpeg", "*.png", "*.tif", "*.tiff", "*.JPG", "*.PNG",
    ]


class UrlSource(_Base):
    kind: Literal["url"]
    urls: list[str] = Field(min_length=1)

    @field_validator("urls")
    @classmethod
    def _check(cls, v: list[str]) -> list[str]:
        return [_http_url(u) for u in v]


class ListingSource(_Base):
    kind: Literal["listing"]
    url: str
    link_patterns: list[str] = ["年度报告", "年报", r"\.pdf$", r"\.docx?$", r"\.ofd$", r"\.wps$", r"\.xlsx?$", r"\.et$"]
    next_patterns: list[str] = ["下一页", "下页", "next", "Next", "›", "»"]
    max_pages: int | None = Field(None, ge=1, le=1000)
    max_links: int = Field(500, ge=1)

    @field_validator("url")
    @classmethod
    def _check(cls, v: str) -> str:
        return _http_url(v)


Source = Annotated[FolderSource | UrlSource | ListingSource, Field(discriminator="kind")]


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: Defaults = Defaults()
    sources: list[Source] = Field(min_length=1)

    base_dir: Path = Path(".")

    def folder(self, s: FolderSource) -> Path:
        p = Path(os.path.expandvars(s.path))
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def enabled(self) -> list[FolderSource | UrlSource | ListingSource]:
        return [s for s in self.sources if s.enabled]


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out.update(_lines(v, (*path, k.value)))
            out.setdefault((*path, k.value, "__key__"), k.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.update(_lines(v, (*path, i)))
    return out


def load_sources(path: Path) -> SourcesFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read the sources file: {exc}") from exc
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SourcesError(f"{path}: line 1: expected a mapping with a `sources:` list")
    lines = _lines(node) if node is not None else {}
    try:
        parsed = SourcesFile.model_validate({**data, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            if len(loc) > 2 and loc[0] == "sources" and loc[2] in ("folder", "url", "listing"):
                loc = loc[:2] + loc[3:]  # drop pydantic's discriminator tag
            line = None
            for n in range(len(loc), -1, -1):
                line = lines.get(loc[:n])
                if line:
                    break
            field = ".".join(str(x) for x in loc) or "(file)"
            messages.append(f"{path}: line {line or '?'}: {field}: {err['msg']}")
        raise SourcesError("\n".join(messages)) from exc
    names = [s.name for s in parsed.sources]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise SourcesError(f"{path}: source names must be unique: {', '.join(sorted(dupes))}")
    return parsed


def default_sources_path() -> Path:
    return Path(os.environ.get("XXGK_SOURCES") or ROOT / "samples" / "sources.yml")
