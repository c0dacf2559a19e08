# The two commands of README.md. Each bootstraps what it needs on first use.
.DEFAULT_GOAL := help
PY := .venv/bin/python
N ?= 10000
DAG_N ?= 3000

.PHONY: help bootstrap run test lint bench bench-national docs clean

help:
	@echo "make run    - run the main job end to end on the bundled sample reports"
	@echo "make test   - run the whole test suite"
	@echo "make lint   - ruff"
	@echo "make bench  - benchmark (N=$(N) generated reports, and the DAG over DAG_N=$(DAG_N) uploads; e.g. make bench N=500 DAG_N=0)"
	@echo "make bench-national - a national year: 100,000 reports, mostly web pages, then 1,000 new ones on top (NATIONAL_N=...)"

bootstrap:
	@./scripts/bootstrap.sh

run: bootstrap
	@.venv/bin/xxgk run

test:
	@./scripts/bootstrap.sh --system
	@.venv/bin/ruff check .
	@$(PY) -m pytest -q $(PYTEST_ARGS)

lint: bootstrap
	@.venv/bin/ruff check .

bench:
	@./scripts/bootstrap.sh --system
	@$(PY) -m bench.run --n $(N) --dag-n $(DAG_N)

NATIONAL_N ?= 100000
bench-national:
	@./scripts/bootstrap.sh --system
	@$(PY) -m bench.run --mix national --n $(NATIONAL_N) --incr 1000 --dag-n 0 --pdf-sample 50

clean:
	rm -rf .venv .tools data
