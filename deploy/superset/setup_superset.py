"""Prepare Superset for xxgk in one process (run with Superset's own Python):

    python deploy/superset/setup_superset.py BUNDLE.zip SERVING_URI

The same steps as `superset db upgrade`, `superset fab create-admin`, `superset init`,
`superset import-dashboards -p BUNDLE.zip -u ADMIN` and `superset set-database-uri -d xxgk
-u SERVING_URI`, calling the functions those commands call, in one app start instead of five
(each start of the app costs 12-15 s of CPU). Safe to run again: the admin is created only if
missing, the import overwrites the bundle's charts and dashboard, and the URI is set each time
(a re-import keeps an existing database's URI).

Environment: SUPERSET_CONFIG_PATH (deploy/superset/superset_config.py), SUPERSET_SECRET_KEY,
SUPERSET_ADMIN_USER / SUPERSET_ADMIN_PASSWORD / SUPERSET_ADMIN_EMAIL (the admin account).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from zipfile import ZipFile

DATABASE_NAME = "xxgk"
log = logging.getLogger("xxgk.superset")


def _step(name: str, started: float) -> float:
    now = time.perf_counter()
    print(f"setup_superset: {name} ({now - started:.1f} s)", flush=True)
    return now


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: setup_superset.py BUNDLE.zip SERVING_URI", file=sys.stderr)
        return 2
    bundle_path, serving_uri = argv
    if "access_mode=read_only" not in serving_uri:
        print(f"setup_superset: {serving_uri} is not read-only (add ?access_mode=read_only): BI must not lock the file",
              file=sys.stderr)
        return 2
    user = os.environ.get("SUPERSET_ADMIN_USER", "admin")
    password = os.environ.get("SUPERSET_ADMIN_PASSWORD")
    if not password:
        print("setup_superset: set SUPERSET_ADMIN_PASSWORD", file=sys.stderr)
        return 2
    email = os.environ.get("SUPERSET_ADMIN_EMAIL", f"{user}@localhost")

    t = time.perf_counter()
    from flask import g
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    t = _step("app created", t)
    with app.app_context():
        from superset import appbuilder, security_manager
        from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.extensions import db
        from superset.utils import database as database_utils

        upgrade()  # superset db upgrade
        t = _step("metadata schema upgraded", t)
        if security_manager.find_user(username=user) is None:  # superset fab create-admin
            role = security_manager.find_role(security_manager.auth_role_admin)
            if role is None:
                appbuilder.add_permissions(update_perms=True)
                security_manager.sync_role_definitions()
                role = security_manager.find_role(security_manager.auth_role_admin)
            created = security_manager.add_user(user, "xxgk", "admin", email, role, password=password)
            if not created:
                print(f"setup_superset: could not create the admin {user!r}", file=sys.stderr)
                return 1
        t = _step(f"admin {user!r} present", t)
        appbuilder.add_permissions(update_perms=True)  # superset init
        security_manager.sync_role_definitions()
        t = _step("roles and permissions synced", t)
        g.user = security_manager.find_user(username=user)  # superset import-dashboards -u USER
        with ZipFile(bundle_path) as z:
            contents = get_contents_from_bundle(z)
        ImportDashboardsCommand(contents, overwrite=True).run()
        t = _step(f"bundle {bundle_path} imported", t)
        database = database_utils.get_or_create_db(DATABASE_NAME, serving_uri, False)  # superset set-database-uri
        if database is None:
            print(f"setup_superset: the bundle has no database {DATABASE_NAME!r}", file=sys.stderr)
            return 1
        db.session.commit()
        _step(f"database {DATABASE_NAME!r} -> {serving_uri}", t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
