#!/usr/bin/env bash
# Front-end assets come from npm (package-lock.json), never from a CDN: npm ci when the lock changed,
# then copy the files the templates load into static/vendor/ (gitignored).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

stamp="node_modules/.zhijiao-package-lock.sha256"
want="$(file_hash package-lock.json)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    need_cmd npm nodejs npm
    say "Installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
fi

copy() { # copy SRC DEST_DIR, only when the content differs
    local src="node_modules/$1" dest="static/vendor/$2"
    [ -f "$src" ] || die "$src is missing: remove node_modules and run make assets again"
    mkdir -p "$dest"
    cmp -s "$src" "$dest/$(basename "$src")" || cp "$src" "$dest/"
}
copy bootstrap/dist/css/bootstrap.min.css bootstrap/css
copy bootstrap/dist/js/bootstrap.bundle.min.js bootstrap/js
# Bootstrap's files name their source maps; ship them so a manifest static storage finds them.
copy bootstrap/dist/css/bootstrap.min.css.map bootstrap/css
copy bootstrap/dist/js/bootstrap.bundle.min.js.map bootstrap/js
copy echarts/dist/echarts.min.js echarts
copy htmx.org/dist/htmx.min.js htmx
# The QR decoder the /verify/qr/ page runs on camera frames (in the browser, offline).
copy jsqr/dist/jsQR.js jsqr
# Search-as-you-type selects for large choices (schools, offered majors, enterprises, students).
copy tom-select/dist/js/tom-select.complete.min.js tom-select/js
copy tom-select/dist/js/tom-select.complete.min.js.map tom-select/js
copy tom-select/dist/css/tom-select.bootstrap5.min.css tom-select/css
copy tom-select/dist/css/tom-select.bootstrap5.min.css.map tom-select/css
