"""Superset configuration for xxgk: SQLite metadata, the serving copy as the only database.

Read by Superset through SUPERSET_CONFIG_PATH. Everything that differs between compose and the
test comes from the environment:

- SUPERSET_SECRET_KEY (required): signs sessions and encrypts stored connection strings.
- SUPERSET_METADATA_URI: the metadata database (default: SQLite in SUPERSET_HOME).
- XXGK_SUPERSET_TESTING=1: no CSRF on the login form (the test logs in with a plain POST).
"""

from __future__ import annotations

import os

_home = os.environ.get("SUPERSET_HOME", os.path.expanduser("~/.superset"))

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URI", f"sqlite:///{os.path.join(_home, 'superset.db')}")

# No examples, no outside calls, no telemetry: the dashboard reads one local DuckDB file.
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
THUMBNAILS_TASK_TIMEOUT = 0
FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ALERT_REPORTS": False, "THUMBNAILS": False, "TAGGING_SYSTEM": False}

# Simple in-process cache; no Redis in this deployment.
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = CACHE_CONFIG

# The serving copy is read-only; SQL Lab may read it but never write.
PREVENT_UNSAFE_DB_CONNECTIONS = True
SQLLAB_CTAS_NO_LIMIT = False

if os.environ.get("XXGK_SUPERSET_TESTING") == "1":
    WTF_CSRF_ENABLED = False
    TALISMAN_ENABLED = False
