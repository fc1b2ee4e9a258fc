#!/usr/bin/env bash
# make demo: the embedded demo (SQLite in var/ unless DATABASE_URL says otherwise) on 127.0.0.1:$PORT.
# Expects `make venv assets` to have run. Idempotent: a second run only starts the servers.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
need_pkgs "${RUNTIME_PKGS[@]}"
load_dotenv

PORT="${PORT:-8000}"
export PORT  # the settings derive the verification address printed on certificates from it
export DJANGO_SETTINGS_MODULE=config.settings
export DJANGO_DEBUG=1  # the demo serves static files from the source tree
mkdir -p var
ensure_secret_key

say "Migrating the database"
# runserver runs the system checks once; the steps before it skip them to start faster.
"$PY" manage.py migrate --noinput --skip-checks -v 0
say "Loading the demo province (reference data, schools, enterprises, accounts)"
"$PY" manage.py demo --skip-checks

# Background jobs: a Celery worker and beat on the embedded broker (kombu's filesystem transport
# under var/celery/, no server to install) unless CELERY_BROKER_URL or REDIS_URL names a Redis.
say "Starting the Celery worker and beat (background jobs, daily sweep, reminders)"
"$VENV/bin/celery" -A config worker --concurrency 1 --loglevel WARNING &
worker=$!
"$VENV/bin/celery" -A config beat --loglevel WARNING &
beat=$!
server=""
# Whatever ends this script (the server stopping, Ctrl-C, a kill) stops all three processes.
stop_all() {
    kill $server "$worker" "$beat" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "Serving on http://127.0.0.1:$PORT/ (Ctrl-C stops the server, the worker and beat)"
"$PY" manage.py runserver "127.0.0.1:$PORT" &
server=$!
wait "$server"
