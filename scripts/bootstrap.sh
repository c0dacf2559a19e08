#!/usr/bin/env bash
# Bootstraps what `make run` and `make test` need on a fresh machine (Python 3.11, make,
# root with apt): uv in its own small virtualenv, the locked packages in .venv, and —
# when asked with --system — the Debian packages the document tests use (LibreOffice
# headless for .doc, CJK fonts). Safe to run again: each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
TOOLS=.tools
want_system=0
for arg in "$@"; do
  [ "$arg" = "--system" ] && want_system=1
done

if [ ! -x "$TOOLS/bin/uv" ]; then
  echo "bootstrap: installing uv $UV_VERSION into $TOOLS/" >&2
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

stamp=.venv/.synced
if [ ! -f "$stamp" ] || [ uv.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$0" -nt "$stamp" ]; then
  echo "bootstrap: installing the locked packages into .venv/ (uv sync --frozen)" >&2
  # --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on this machine and in many CI
  # images) Python never caches bytecode, and every dbt, Airflow and Great Expectations process
  # compiled its libraries again (importing great_expectations: 9 s instead of 4 s)
  UV_PYTHON_DOWNLOADS=never "$TOOLS/bin/uv" sync --frozen --compile-bytecode --python "$(command -v python3)" -q
  touch "$stamp"
fi

if [ "$want_system" = 1 ]; then
  missing=()
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
  [ -e /usr/lib/libreoffice/program/libsclo.so ] || missing+=(libreoffice-calc-nogui)  # .xls / .et
  [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)  # Data Docs offline test (headless)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)  # Superset dashboard screenshot (selenium)
  # opencv-python (OCR, via rapidocr-onnxruntime) links libGL and glib even without a display
  ldconfig -p 2>/dev/null | grep -q 'libGL.so.1 ' || missing+=(libgl1)
  ldconfig -p 2>/dev/null | grep -q 'libglib-2.0.so.0 ' || missing+=(libglib2.0-0)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "bootstrap: apt-get install ${missing[*]} (LibreOffice for .doc, CJK fonts for PDF fixtures)" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null || true
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || echo "bootstrap: could not install ${missing[*]}; tests that need them will be skipped" >&2
    else
      echo "bootstrap: not root or no apt-get; missing ${missing[*]}: tests that need them will be skipped" >&2
    fi
  fi
fi
