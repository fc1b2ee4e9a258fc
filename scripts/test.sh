#!/usr/bin/env bash
# make test: every check CI runs, in order, on whatever DATABASE_URL says (SQLite otherwise).
# Expects `make venv assets` to have run. Extra arguments go to pytest (make test PYTEST_ARGS="-k x").
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# System pieces the suite needs: Debian's chromium for Playwright (never `playwright install`),
# the run-time packages (PDF printing, CJK fonts), poppler-utils to read printed PDFs back,
# gettext for makemessages in the i18n test.
[ -x /usr/bin/chromium ] || apt_install chromium
need_pkgs "${RUNTIME_PKGS[@]}" poppler-utils
need_cmd xgettext gettext
need_cmd msgmerge gettext

export DJANGO_SETTINGS_MODULE=config.settings_test
export PYTHONDONTWRITEBYTECODE=1
say "Database: ${DATABASE_URL:-SQLite (no DATABASE_URL)}"

say "ruff check"
"$VENV/bin/ruff" check .
say "lint-imports (the layer and app contracts in pyproject.toml)"
"$VENV/bin/lint-imports"
say "makemigrations --check"
"$PY" manage.py makemigrations --check --dry-run
say "manage.py check"
"$PY" manage.py check --fail-level WARNING

say "pytest"
mkdir -p test-results
rc=0
# PYTEST_ARGS is split like a shell command line, so quotes work: PYTEST_ARGS="-m 'not browser'".
eval "extra=(${PYTEST_ARGS:-})"
"$VENV/bin/pytest" "${extra[@]}" "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    die "pytest collected no tests (exit 5): that is a failure, not a pass"
fi
exit "$rc"
