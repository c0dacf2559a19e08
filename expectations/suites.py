"""The rules suite, defined once in Python and registered into the file context in expectations/gx.

One expectation per rule on the check rows (dbt int_rule_checks, read from fct_rule_results), selected with a row condition, so
each rule is its own line in Data Docs and none stands in for another.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from expectations.rule_text import RULES

GX_ROOT = Path(__file__).resolve().parent  # the context lives in expectations/gx
SUITE = "xxgk_balancing_rules"
CHECKPOINT = "xxgk_rules"
DATASOURCE = "xxgk"
ASSET = "rule_checks"
BATCH = "all_checks"
# a failing check is named by its report and cells, not a row id
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["agency_name", "report_year", "rule", "scope", "cells_named"],
}
# a run with more checks whose sides differ than Great Expectations can name in good time (it
# looks up every index column of every unexpected row one by one: minutes for 500,000): every
# row is still validated, Data Docs give the counts and a sample, not every name
COUNTS_CHECKPOINT = f"{CHECKPOINT}_counts"
COUNTS_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}


def context(data_docs_dir: Path, validations_dir: Path) -> Any:
    os.environ["XXGK_DATA_DOCS_DIR"] = str(data_docs_dir)
    os.environ["XXGK_GX_VALIDATIONS_DIR"] = str(validations_dir)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx.get_context(mode="file", project_root_dir=str(GX_ROOT))


def expectations_for_rules() -> list[Any]:
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    out: list[Any] = []
    for rule, text in RULES.items():
        meta = {"rule": rule, "severity": text["severity"], "notes": f"{rule}: {text['zh']} ({text['en']})"}
        condition = Column("rule") == rule
        if rule == "R8":
            exp = gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="expected", column_B="actual", or_equal=True, row_condition=condition, meta=meta
            )
        else:
            exp = gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="actual", column_B="expected", row_condition=condition, meta=meta
            )
        out.append(exp)
    return out


def _same_suite(stored: Any, expectations: list[Any]) -> bool:
    def key(e: Any) -> tuple[str, str, str]:
        cfg = e.configuration if hasattr(e, "configuration") else e
        return (cfg.type, repr(sorted(cfg.kwargs.items())), repr(sorted((cfg.meta or {}).items())))

    return sorted(map(key, stored.expectations)) == sorted(map(key, expectations))


def _result_format(checkpoint: Any) -> dict[str, Any]:
    rf = checkpoint.result_format
    if hasattr(rf, "model_dump"):
        rf = rf.model_dump(exclude_none=True)
    if isinstance(rf, dict):
        return {k: v for k, v in rf.items() if k in RESULT_FORMAT or k in COUNTS_FORMAT}
    return {"result_format": str(rf)}


def register(ctx: Any, named: bool = True) -> Any:
    """Make the context hold the suite as defined here; return the checkpoint (`named`: the one
    that names every unexpected check, else the one that counts them).

    Objects already registered and unchanged are reused, so the files under expectations/gx
    change only when a rule's definition changes.
    """
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    try:
        ds = ctx.data_sources.get(DATASOURCE)
    except (KeyError, LookupError, ValueError):
        ds = ctx.data_sources.add_pandas(name=DATASOURCE)
    try:
        asset = ds.get_asset(ASSET)
    except LookupError:
        asset = ds.add_dataframe_asset(name=ASSET)
    try:
        batch = asset.get_batch_definition(BATCH)
    except (KeyError, LookupError):
        batch = asset.add_batch_definition_whole_dataframe(BATCH)
    wanted = expectations_for_rules()
    changed = False
    try:
        suite = ctx.suites.get(SUITE)
        if not _same_suite(suite, wanted):
            raise LookupError(SUITE)
    except Exception:  # missing or out of date: (re)define it
        suite = gx.ExpectationSuite(name=SUITE, meta={"notes": "勾稽关系 R1–R11 of the national annual-report template"})
        for exp in wanted:
            suite.add_expectation(exp)
        suite = ctx.suites.add_or_update(suite)
        changed = True
    try:
        if changed:
            raise LookupError(SUITE)
        vd = ctx.validation_definitions.get(SUITE)
    except Exception:
        vd = ctx.validation_definitions.add_or_update(gx.ValidationDefinition(data=batch, suite=suite, name=SUITE))
        changed = True
    name, result_format = (CHECKPOINT, RESULT_FORMAT) if named else (COUNTS_CHECKPOINT, COUNTS_FORMAT)
    try:
        stored = ctx.checkpoints.get(name)
        if changed or _result_format(stored) != result_format:
            raise LookupError(name)
        return stored
    except Exception:
        return ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[vd],
                actions=[UpdateDataDocsAction(name="rebuild_data_docs")],
                result_format=result_format,
            )
        )
