#!/usr/bin/env bash
# Install the app's requirements into .venv and serve it on http://localhost:8501.
# With no DATABASE_URL this is the embedded default: SQLite under data/ with the demo programme.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/streamlit run app.py "$@"
