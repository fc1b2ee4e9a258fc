#!/usr/bin/env bash
# make serve: production style on one machine — collectstatic, migrate, gunicorn + the job worker.
# Settings come from the environment (.env.example); DJANGO_DEBUG stays off.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
need_pkgs "${RUNTIME_PKGS[@]}"
load_dotenv

PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE=config.settings
# The address printed in certificates' verification QR codes: a real server sets its public address.
export CREDENTIALS_VERIFY_BASE_URL="${CREDENTIALS_VERIFY_BASE_URL:-http://127.0.0.1:$PORT}"
mkdir -p var
ensure_secret_key

"$PY" manage.py collectstatic --noinput -v 0
"$PY" manage.py migrate --noinput -v 0

"$PY" manage.py run_worker &
worker=$!
server=""
# Whatever ends this script (the server stopping, Ctrl-C, a kill) stops both processes.
stop_all() {
    kill $server "$worker" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "gunicorn on http://127.0.0.1:$PORT/"
"$VENV/bin/gunicorn" config.wsgi:application \
    --bind "127.0.0.1:$PORT" \
    --workers "${WEB_CONCURRENCY:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --access-logfile - \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" &
server=$!
wait "$server"
