"""Build Superset's import bundle (a zip of YAML) from the sources in deploy/superset/bundle/.

    python deploy/superset/build_bundle.py OUT.zip
    python deploy/superset/build_bundle.py --new-dataset TABLE SERVING.duckdb   # adds datasets/xxgk/TABLE.yaml

The sources are Superset's own export format with three conveniences, so that they stay
short and reviewable:

- a chart names its dataset by table name (`dataset: rule_checks`), not by uuid;
- a chart's saved query (`queries:`) is written as YAML; it becomes the JSON `query_context`
  that `/api/v1/chart/{id}/data/` needs (with `form_data` = `params`);
- a dashboard's layout is `rows:` of `{chart, width, height}`; the position JSON, with
  `meta.uuid` and `meta.chartId` for every chart, is written from it.

Every column and metric a chart uses is checked against its dataset, every dataset against
its database, every chart against the dashboard: a typo fails the build, not the import.
Needs only PyYAML (present in Superset's virtualenv and in the warehouse's).
"""

from __future__ import annotations

import json
import sys
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

SOURCE = Path(__file__).resolve().parent / "bundle"
ROOT_FOLDER = "xxgk_dashboard"
QUERY_DEFAULTS: dict[str, Any] = {
    "filters": [], "extras": {"having": "", "where": ""}, "applied_time_extras": {}, "annotation_layers": [],
    "series_limit": 0, "order_desc": True, "url_params": {}, "custom_params": {}, "custom_form_data": {},
    "post_processing": [],
}


class BundleError(ValueError):
    """A source file is inconsistent; the message names the file and the reason."""


@dataclass
class Bundle:
    databases: dict[str, dict[str, Any]]   # file stem -> config
    datasets: dict[str, dict[str, Any]]    # table_name -> config
    charts: dict[str, dict[str, Any]]      # file stem -> export config (dataset_uuid, query_context)
    dashboards: dict[str, dict[str, Any]]  # file stem -> export config (position, metadata)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BundleError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise BundleError(f"{path}: expected a mapping")
    return data


def _names(value: Any) -> list[str]:
    """Column names in a params/query field (strings, or adhoc columns with a label)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [i for i in items if isinstance(i, str)]


def _check_chart(stem: str, chart: dict[str, Any], dataset: dict[str, Any]) -> None:
    columns = {c["column_name"] for c in dataset.get("columns") or []}
    metrics = {m["metric_name"] for m in dataset.get("metrics") or []}
    where = f"charts/{stem}.yaml"
    p = chart["params"]
    used_cols = [*_names(p.get("groupby")), *_names(p.get("groupbyRows")), *_names(p.get("groupbyColumns")),
                 *_names(p.get("x_axis")), *_names(p.get("all_columns"))]
    used_cols += [f["subject"] for f in p.get("adhoc_filters") or [] if f.get("expressionType") == "SIMPLE"]
    used_metrics = _names(p.get("metrics")) + _names(p.get("timeseries_limit_metric"))
    for q in chart["queries"]:
        used_cols += _names(q.get("columns")) + [f["col"] for f in q.get("filters") or []]
        used_metrics += _names(q.get("metrics"))
        for key, _asc in q.get("orderby") or []:
            if key not in columns and key not in metrics:
                raise BundleError(f"{where}: orders by {key!r}, neither a column nor a metric of {dataset['table_name']}")
    for c in used_cols:
        if c not in columns:
            raise BundleError(f"{where}: column {c!r} is not in dataset {dataset['table_name']}")
    for m in used_metrics:
        if m not in metrics:
            raise BundleError(f"{where}: metric {m!r} is not in dataset {dataset['table_name']}")


def _chart_export(stem: str, src: dict[str, Any], datasets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    for key in ("slice_name", "viz_type", "dataset", "uuid", "params", "queries"):
        if key not in src:
            raise BundleError(f"charts/{stem}.yaml: missing {key!r}")
    dataset = datasets.get(src["dataset"])
    if dataset is None:
        raise BundleError(f"charts/{stem}.yaml: dataset {src['dataset']!r} has no file in datasets/")
    _check_chart(stem, src, dataset)
    params = {"viz_type": src["viz_type"], **src["params"]}
    queries = [{**QUERY_DEFAULTS, **q} for q in src["queries"]]
    query_context = {
        "datasource": {"id": 0, "type": "table"},  # replaced by the dataset's id on import
        "force": False, "queries": queries, "form_data": params, "result_format": "json", "result_type": "full",
    }
    return {
        "slice_name": src["slice_name"], "description": src.get("description"), "certified_by": None,
        "certification_details": None, "viz_type": src["viz_type"], "params": params,
        "query_context": json.dumps(query_context, ensure_ascii=False), "cache_timeout": None,
        "uuid": src["uuid"], "version": "1.0.0", "dataset_uuid": dataset["uuid"],
    }


def _native_filters(where: str, src: dict[str, Any], datasets: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """`filters:` of the dashboard source -> native filters (a select on one dataset's column; Superset
    applies it to every chart whose dataset has a column of that name)."""
    out = []
    for n, f in enumerate(src.get("filters") or [], start=1):
        dataset = datasets.get(f.get("dataset", ""))
        if dataset is None:
            raise BundleError(f"{where}: filter {f.get('name')!r} names dataset {f.get('dataset')!r}, which has no file")
        if f["column"] not in {c["column_name"] for c in dataset.get("columns") or []}:
            raise BundleError(f"{where}: filter {f['name']!r}: column {f['column']!r} is not in dataset {dataset['table_name']}")
        out.append({
            "id": f"NATIVE_FILTER-{n}-{f['column']}", "name": f["name"], "filterType": "filter_select", "type": "NATIVE_FILTER",
            "targets": [{"datasetUuid": dataset["uuid"], "column": {"name": f["column"]}}],
            "controlValues": {"enableEmptyFilter": False, "defaultToFirstItem": False, "multiSelect": True,
                              "searchAllOptions": bool(f.get("search", False)), "inverseSelection": False},
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
            "cascadeParentIds": [], "scope": {"rootPath": ["ROOT_ID"], "excluded": []}, "tabsInScope": [],
            "description": f.get("description", ""),
        })
    return out


def _dashboard_export(stem: str, src: dict[str, Any], charts: dict[str, dict[str, Any]], chart_ids: dict[str, int],
                      datasets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    where = f"dashboards/{stem}.yaml"
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": src["dashboard_title"]}},
    }
    placed: set[str] = set()
    for r, row in enumerate(src.get("rows") or [], start=1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"type": "ROW", "id": row_id, "children": [], "parents": ["ROOT_ID", "GRID_ID"],
                            "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        if sum(int(c["width"]) for c in row) > 12:
            raise BundleError(f"{where}: row {r} is wider than the 12-column grid")
        for cell in row:
            stem_c = cell["chart"]
            if stem_c not in charts:
                raise BundleError(f"{where}: row {r} names chart {stem_c!r}, which has no file in charts/")
            if stem_c in placed:
                raise BundleError(f"{where}: chart {stem_c!r} is placed twice")
            placed.add(stem_c)
            chart_key = f"CHART-{stem_c}"
            position[row_id]["children"].append(chart_key)
            position[chart_key] = {
                "type": "CHART", "id": chart_key, "children": [], "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {"chartId": chart_ids[stem_c], "uuid": charts[stem_c]["uuid"], "width": int(cell["width"]),
                         "height": int(cell.get("height", 50)), "sliceName": charts[stem_c]["slice_name"]},
            }
    missing = sorted(set(charts) - placed)
    if missing:
        raise BundleError(f"{where}: charts not on the dashboard: {', '.join(missing)}")
    metadata = {
        "color_scheme": "supersetColors", "refresh_frequency": 0, "expanded_slices": {}, "label_colors": {},
        "timed_refresh_immune_slices": [], "cross_filters_enabled": True, "default_filters": "{}",
        "chart_configuration": {}, "native_filter_configuration": _native_filters(where, src, datasets),
        "shared_label_colors": [],
    }
    return {
        "dashboard_title": src["dashboard_title"], "description": src.get("description"), "css": src.get("css", ""),
        "slug": src.get("slug"), "certified_by": None, "certification_details": None, "published": bool(src.get("published", True)),
        "uuid": src["uuid"], "position": position, "metadata": metadata, "version": "1.0.0",
    }


def load_bundle(source: Path = SOURCE) -> Bundle:
    databases = {p.stem: _load(p) for p in sorted((source / "databases").glob("*.yaml"))}
    db_uuids = {d["uuid"] for d in databases.values()}
    datasets: dict[str, dict[str, Any]] = {}
    for p in sorted((source / "datasets").rglob("*.yaml")):
        d = _load(p)
        if d.get("database_uuid") not in db_uuids:
            raise BundleError(f"{p}: database_uuid {d.get('database_uuid')} is not a file in databases/")
        if d["table_name"] in datasets:
            raise BundleError(f"{p}: a second dataset named {d['table_name']!r}")
        datasets[d["table_name"]] = d
    chart_src = {p.stem: _load(p) for p in sorted((source / "charts").glob("*.yaml"))}
    charts = {stem: _chart_export(stem, src, datasets) for stem, src in chart_src.items()}
    chart_ids = {stem: n for n, stem in enumerate(charts, start=1)}
    dashboards = {p.stem: _dashboard_export(p.stem, _load(p), charts, chart_ids, datasets)
                  for p in sorted((source / "dashboards").glob("*.yaml"))}
    uuids = [c["uuid"] for group in (databases, datasets, charts, dashboards) for c in group.values()]
    if len(uuids) != len(set(uuids)):
        raise BundleError(f"{source}: two files share a uuid")
    return Bundle(databases, datasets, charts, dashboards)


def write_zip(bundle: Bundle, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.tmp")

    def dump(data: dict[str, Any]) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        meta = {"version": "1.0.0", "type": "Dashboard", "timestamp": datetime.now(UTC).isoformat()}
        z.writestr(f"{ROOT_FOLDER}/metadata.yaml", dump(meta))
        for stem, d in bundle.databases.items():
            z.writestr(f"{ROOT_FOLDER}/databases/{stem}.yaml", dump(d))
        for name, d in bundle.datasets.items():
            z.writestr(f"{ROOT_FOLDER}/datasets/xxgk/{name}.yaml", dump(d))
        for stem, c in bundle.charts.items():
            z.writestr(f"{ROOT_FOLDER}/charts/{stem}.yaml", dump(c))
        for stem, d in bundle.dashboards.items():
            z.writestr(f"{ROOT_FOLDER}/dashboards/{stem}.yaml", dump(d))
    tmp.replace(out)
    return out


def new_dataset(table: str, serving: Path, source: Path = SOURCE) -> Path:
    """Write datasets/xxgk/TABLE.yaml for a table of the serving copy: its columns and types, a
    `rows` metric, a fresh uuid. Edit it after (verbose names, metrics); the file is the source."""
    import duckdb

    out = source / "datasets" / "xxgk" / f"{table}.yaml"
    if out.exists():
        raise BundleError(f"{out}: exists already")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        cols = con.execute("select column_name, data_type from information_schema.columns where table_schema = 'main' "
                           "and table_name = ? order by ordinal_position", [table]).fetchall()
    finally:
        con.close()
    if not cols:
        raise BundleError(f"{serving}: no table main.{table}")
    database = next(iter(_load(p) for p in sorted((source / "databases").glob("*.yaml"))))
    numeric = ("DECIMAL", "DOUBLE", "FLOAT", "REAL", "HUGEINT")
    config = {
        "table_name": table, "schema": "main", "description": f"{table} of the serving copy (see its dbt docs).",
        "sql": None, "main_dttm_col": None, "default_endpoint": None, "offset": 0, "cache_timeout": None, "params": None,
        "template_params": None, "filter_select_enabled": True, "fetch_values_predicate": None, "extra": None,
        "normalize_columns": False, "always_filter_main_dttm": False, "uuid": str(uuid.uuid4()),
        "database_uuid": database["uuid"], "version": "1.0.0",
        "metrics": [{"metric_name": "rows", "expression": "COUNT(*)", "verbose_name": "Rows"}],
        "columns": [{"column_name": c, "type": t, "groupby": not t.startswith(numeric), "filterable": True,
                     **({"is_dttm": True} if t in ("DATE", "TIMESTAMP") else {})} for c, t in cols],
    }
    out.write_text(f"# {table}: written by build_bundle.py --new-dataset from the serving copy; edit freely.\n"
                   + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "--new-dataset":
        try:
            print(f"build_bundle: wrote {new_dataset(args[1], Path(args[2]))}")
        except BundleError as exc:
            print(f"build_bundle: {exc}", file=sys.stderr)
            return 1
        return 0
    if len(args) != 1:
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    try:
        bundle = load_bundle()
    except BundleError as exc:
        print(f"build_bundle: {exc}", file=sys.stderr)
        return 1
    out = write_zip(bundle, Path(args[0]))
    print(f"build_bundle: {out} ({len(bundle.datasets)} datasets, {len(bundle.charts)} charts, {len(bundle.dashboards)} dashboard(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
