"""New reports on top of a landed warehouse, in a process of its own, as a scheduled run is.

`bench.run` measures its incremental stage in the process that ran every stage before it, so
that stage's peak includes that process's memory. This measures the same steps (ingest, dbt
build, validate, publish) as a fresh process would run them, with the same peak meter:

    python -m bench.incremental --data data/bench/run-national-100000 --corpus data/bench/corpus-incr-x

The corpus must hold reports the warehouse does not have yet (e.g. `bench.corpus.build(1000,
folder, seed=8, agency_offset=8_000_000, mix="national")`); the data folder is changed in place.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="a data folder with a built warehouse")
    ap.add_argument("--corpus", type=Path, required=True, help="a folder of new reports")
    ap.add_argument("--workers", type=int, default=0)
    args = ap.parse_args()
    os.environ["XXGK_DATA_DIR"] = str(args.data.resolve())
    from bench.run import stage
    from expectations.validate import validate
    from extract.pipeline import dbt_build, ingest, publish
    from extract.settings import Paths

    paths = Paths(args.data.resolve()).ensure()
    files = sorted(f for f in args.corpus.iterdir() if f.name != "truth.jsonl")
    steps: dict[str, float] = {}

    def timed(name: str, fn: Any) -> None:
        t = time.perf_counter()
        fn()
        steps[name] = round(time.perf_counter() - t, 1)

    def incremental() -> None:
        def land() -> None:
            r = ingest(files, paths, args.workers)
            assert r.load.loaded == len(files), f"{r.load.loaded} of {len(files)} new reports landed"

        timed("ingest", land)
        timed("dbt build", lambda: dbt_build(paths))
        timed("validate", lambda: validate(paths, send_mail=False, publish_copy=False))
        timed("publish", lambda: publish(paths))

    results: dict[str, Any] = {}
    stage(f"incremental +{len(files)}", incremental, len(files), results)
    print("  " + ", ".join(f"{k} {v} s" for k, v in steps.items()), flush=True)


if __name__ == "__main__":
    main()
