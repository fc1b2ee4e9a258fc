# Shared helpers for scripts/*.sh (sourced, not run).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# sha256 of a file, used for "install only when the lock changed" stamps.
file_hash() { sha256sum "$1" | cut -d' ' -f1; }

_APT_UPDATED=""
# apt_install PKG...: install Debian packages non-interactively (as root, or through passwordless sudo).
apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo="sudo"
        else
            die "missing system packages: $* — install them with: sudo apt-get install -y $*"
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
    say "Installing Debian packages: $*"
    if [ -z "$_APT_UPDATED" ]; then
        $sudo apt-get update -qq || true
        _APT_UPDATED=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# need_cmd CMD PKG...: make sure CMD is on PATH, installing PKG... when it is not.
need_cmd() {
    local cmd="$1"
    shift
    command -v "$cmd" >/dev/null 2>&1 || apt_install "$@"
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing $*"
}

# need_pkg PKG: make sure a Debian package (one without a command, e.g. fonts) is installed.
need_pkg() {
    dpkg -s "$1" >/dev/null 2>&1 || apt_install "$1"
}

# A secret key generated once per checkout and kept in var/ (gitignored), unless the environment sets one.
ensure_secret_key() {
    if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
        mkdir -p "$ROOT/var"
        if [ ! -s "$ROOT/var/secret_key" ]; then
            (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$ROOT/var/secret_key")
        fi
        DJANGO_SECRET_KEY="$(cat "$ROOT/var/secret_key")"
        export DJANGO_SECRET_KEY
    fi
}

# Load .env (KEY=value lines, see .env.example) when present; the environment of the caller wins.
load_dotenv() {
    local file="$ROOT/.env" line key
    [ -f "$file" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        key="${line%%=*}"
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        [ -n "${!key+x}" ] || export "$key=${line#*=}"
    done <"$file"
}

# Debian packages the platform needs at run time: WeasyPrint's pango, the CJK fonts certificates are
# printed with (Noto CJK, HanaMin for rare characters) and HarfBuzz's fast font subsetter.
RUNTIME_PKGS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono)
# need_pkgs PKG...: install whichever of the Debian packages are missing, in one apt call.
need_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
}
