"""The SQL rules (dbt int_rule_checks) give the rows the Python rules gave, on the sample reports."""

from __future__ import annotations

import duckdb
import pytest

from expectations.checks import build_checks
from expectations.validate import read_frames
from extract.settings import Paths


@pytest.mark.slow
def test_sql_rules_equal_python_rules_on_samples(tmp_path) -> None:
    from extract.pipeline import build, ingest
    from tests.conftest import SAMPLES

    paths = Paths(tmp_path).ensure()
    ingest(sorted(SAMPLES.iterdir()), paths)
    build(paths)
    f = read_frames(paths.warehouse)
    py = build_checks(f["reports"], f["requests"], f["litigation"], f["disclosures"])

    def status(r) -> str:
        if r.status == "not_checked":
            return "not_checked"
        ok = r.actual <= r.expected if r.rule == "R8" else r.actual == r.expected
        return "pass" if ok else "fail"

    def key(e, a) -> tuple:
        return (None if e is None or e != e else round(float(e), 6), None if a is None or a != a else round(float(a), 6))

    want = sorted((r.document_id, r.rule, r.scope, *key(r.expected, r.actual), status(r), r.reason if isinstance(r.reason, str) else "") for r in py.itertuples())
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        rows = con.execute("select document_id, rule, scope, expected, actual, status, reason from marts.fct_rule_results").fetchall()
    finally:
        con.close()
    got = sorted((d, r, s, *key(e, a), st, reason or "") for d, r, s, e, a, st, reason in rows)
    assert len(want) > 600
    assert set(got) - set(want) == set() and set(want) - set(got) == set()
    assert got == want
