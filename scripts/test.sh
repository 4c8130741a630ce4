#!/usr/bin/env bash
# Install what the tests need and run them all: unit, data layer (SQLite and PostgreSQL),
# AppTest and the browser journeys. Extra arguments go to pytest (e.g. -k heatmap, -m "not browser").
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# One setup at a time: .ci/run starts the browser journeys and the other tiers at once.
exec 9>.venv/.setup.lock
flock 9
# pip takes seconds even when everything is installed: install when the requirements changed since
# this .venv last installed them (the stamp lives in .venv, so a new .venv installs again).
stamp=.venv/.requirements-installed
wanted="$(cat requirements.txt requirements-dev.txt | sha256sum)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$wanted" > "$stamp"
fi

# Browser journeys drive Debian's chromium-headless-shell (chromium's old headless mode: a sixth less
# time for the journeys than chromium itself), or Debian's chromium where the shell cannot be
# installed (Playwright's own browser download does not work offline).
if [ ! -x /usr/bin/chromium-headless-shell ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell) >/dev/null \
      || [ -x /usr/bin/chromium ] \
      || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  elif [ ! -x /usr/bin/chromium ]; then
    echo "chromium is missing: sudo apt-get install -y chromium-headless-shell" >&2
  fi
fi

# Data-layer tests also run on PostgreSQL at 127.0.0.1:5432; start the local server if it is down.
if command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi

flock -u 9
exec 9>&-

# Keep compiled modules and pytest's rewritten test files in __pycache__ (git-ignored) between
# runs: with PYTHONDONTWRITEBYTECODE set, every run (and every xdist worker) compiles the project
# and rewrites the asserts of every test module again, seconds of each worker's collection.
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest "$@"
