#!/usr/bin/env bash
# manage.sh ARGS…: manage.py with the local secret key (var/secret_key) unless the environment sets one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
load_dotenv
mkdir -p var
ensure_secret_key
exec "$PY" manage.py "$@"
