"""The benchmark: `make bench N=…` (see BENCHMARKS.md)."""
