#!/usr/bin/env bash
# The date-sensitive tiers (unit, data, app, and the security tier's AppTests) again with the suite's clock moved to days that
# stress the working-day rules: by default Monday 28 December 2026, the substitute Boxing Day
# bank holiday (Christmas on a Friday, Boxing Day on a Saturday). Other days as arguments, e.g.
#   scripts/test-moved-clock.sh 2026-12-28 2027-01-04
# Tests marked reference_day pin a hand count of the demo as of 2026-11-26 and skip themselves.
# Set PYTEST_ARGS for extra pytest options (CI passes "-n 2").
set -euo pipefail
cd "$(dirname "$0")/.."
days=("$@")
[ ${#days[@]} -gt 0 ] || days=(2026-12-28)
for day in "${days[@]}"; do
  echo "== tests with the clock moved to $day"
  # shellcheck disable=SC2086
  AUDIT_TEST_TODAY="$day" .venv/bin/python -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} \
    -m "not browser" tests/unit tests/data tests/app tests/security
done
