"""The balancing rules (勾稽关系) R1–R11 as Great Expectations suites, their results, Data Docs and mail."""
