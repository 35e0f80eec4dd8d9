#!/usr/bin/env bash
# Create .venv with the exact, locked Python toolchain. Re-running is a no-op
# unless requirements/python.txt or the interpreter changed.
#   scripts/venv.sh [VENV LOCK]   another venv from another lock (the packaging checks' .cache/package-venv)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

venv=${1:-$V6K_VENV}
lock=${2:-${V6K_ROOT}/requirements/python.txt}

python=${PYTHON:-python3}
# make puts .venv/bin first on PATH: find the interpreter outside the venv this script may delete.
if [ "$python" = python3 ]; then
  python=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "${V6K_VENV}/bin" | paste -sd:) command -v python3) \
    || die "python3 not found outside ${V6K_VENV}"
fi
"$python" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
  || die "Python 3.11 or newer is required ($python is $("$python" -V 2>&1))"

want="$(content_hash "$lock") $("$python" -c 'import sys; print(sys.version)' | head -1)"
stamp=${venv}/.v6kube-stamp

if [ -x "${venv}/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  log "venv: ${venv} is up to date"
  exit 0
fi

log "venv: creating ${venv}"
rm -rf "${venv}"
"$python" -m venv "${venv}"
pip=("${venv}/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip==26.3
# The lock names every package: install exactly that set, then prove it is consistent.
"${pip[@]}" install --no-deps -r "$lock"
"${venv}/bin/python" -m pip check >/dev/null || "${venv}/bin/python" -m pip check
printf '%s\n' "$want" > "$stamp"
log "venv: ready"
