#!/usr/bin/env bash
# Create .venv when missing and install requirements.lock only when it changed (stamp under .venv).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
stamp="$VENV/.requirements.lock.sha256"

if [ ! -x "$PY" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (Python >= 3.11 is needed)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python >= 3.11 is needed"
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt_install python3-venv
    fi
    say "Creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

want="$(file_hash requirements.lock)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing pinned dependencies (requirements.lock)"
    "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.lock
    echo "$want" >"$stamp"
fi
