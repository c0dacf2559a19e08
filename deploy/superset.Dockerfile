# Superset with the DuckDB driver, pinned to the warehouse's DuckDB major version (2.x files
# cannot be opened by 1.x).
FROM apache/superset:5.0.0
USER root
RUN pip install --no-cache-dir "duckdb==2.0.0" "duckdb-engine>=0.17"
USER superset
