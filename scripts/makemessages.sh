#!/usr/bin/env bash
# makemessages.sh [PROJECT_DIR]: refresh the zh_Hans catalogues of PROJECT_DIR (default: this checkout).
# tests/test_i18n.py runs it on a temporary copy, so the rules here are the ones the test enforces.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PY="${PYTHON_BIN:-$PY}"
need_cmd xgettext gettext
need_cmd msgmerge gettext
cd "${1:-$ROOT}"

export DJANGO_SETTINGS_MODULE=config.settings_test
ignore=(--ignore=node_modules --ignore=vendor --ignore=staticfiles --ignore=var --ignore=test-results
        --ignore=tests --ignore=bench --ignore=htmlcov)
"$PY" manage.py makemessages -l zh_Hans --no-location --no-obsolete -d django -e html,txt,py "${ignore[@]}" -v 0
# JavaScript strings (static/js) get their own catalogue, only when some file uses gettext().
if grep -rlsE '\b(n|p|np)?gettext\(' static/js >/dev/null 2>&1; then
    "$PY" manage.py makemessages -l zh_Hans --no-location --no-obsolete -d djangojs "${ignore[@]}" -v 0
fi
