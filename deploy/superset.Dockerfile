# Superset for xxgk: installed from deploy/superset/requirements.lock (the same lock the test
# installs from: apache-superset 6.1.0, duckdb==2.0.0 — the warehouse's DuckDB version, since
# 2.x files cannot be opened by 1.x — duckdb-engine 0.17.0), with the dashboard bundle built
# from deploy/superset/bundle/ and imported at start (superset/start.sh).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 SUPERSET_HOME=/var/lib/superset \
    SUPERSET_CONFIG_PATH=/opt/xxgk-superset/superset_config.py
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/superset --uid 50001 superset
COPY superset/requirements.lock /opt/xxgk-superset/requirements.lock
RUN python -m venv /opt/superset-venv \
    && /opt/superset-venv/bin/pip install --require-hashes -r /opt/xxgk-superset/requirements.lock
COPY superset/ /opt/xxgk-superset/
RUN /opt/superset-venv/bin/python /opt/xxgk-superset/build_bundle.py /opt/xxgk-superset/xxgk-bundle.zip
USER superset
EXPOSE 8088
CMD ["/bin/sh", "/opt/xxgk-superset/start.sh"]
