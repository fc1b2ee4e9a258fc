#!/usr/bin/env bash
# make serve: production style on one machine — collectstatic, migrate, gunicorn + Celery worker and beat.
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

# Abuse counters (sign-in failures, public lookups, CAPTCHA answers) must be shared by the workers:
# use REDIS_URL, else the Redis on 127.0.0.1:6379, else start one for the life of this script.
redis_server=""
if [ -z "${REDIS_URL:-}" ]; then
    if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        say "Using the Redis on 127.0.0.1:6379"
    else
        need_cmd redis-server redis-server
        need_cmd redis-cli redis-tools
        say "Starting Redis on 127.0.0.1:6379 (no REDIS_URL set)"
        redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --loglevel warning &
        redis_server=$!
        for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
        redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "Redis did not start; set REDIS_URL"
    fi
    export REDIS_URL="redis://127.0.0.1:6379/0"
fi

"$PY" manage.py collectstatic --noinput -v 0
"$PY" manage.py migrate --noinput -v 0

# Background jobs over Redis (REDIS_URL, or CELERY_BROKER_URL when set): one worker, one beat.
"$VENV/bin/celery" -A config worker --concurrency "${CELERY_CONCURRENCY:-2}" --loglevel INFO &
worker=$!
"$VENV/bin/celery" -A config beat --loglevel INFO &
beat=$!
server=""
# Whatever ends this script (the server stopping, Ctrl-C, a kill) stops every process it started.
stop_all() {
    kill $server "$worker" "$beat" $redis_server 2>/dev/null || true
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
