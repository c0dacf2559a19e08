#!/bin/sh
# Start of the compose superset service: prepare the metadata (db upgrade, admin from the
# environment, init, import the dashboard bundle, point the database at the serving copy,
# read-only) in one process, then serve with gunicorn. Safe on every restart.
set -eu
PY=/opt/superset-venv/bin/python
: "${XXGK_SERVING_URI:=duckdb:////data/serving.duckdb?access_mode=read_only}"
"$PY" /opt/xxgk-superset/setup_superset.py /opt/xxgk-superset/xxgk-bundle.zip "$XXGK_SERVING_URI"
exec /opt/superset-venv/bin/gunicorn -w "${SUPERSET_WORKERS:-2}" --threads 4 -b 0.0.0.0:8088 --timeout 120 \
    --access-logfile - "superset.app:create_app()"
