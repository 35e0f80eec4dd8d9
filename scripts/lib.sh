# Shared helpers for the development scripts. Source it; do not run it.
# shellcheck shell=bash

V6K_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
V6K_CACHE=${V6KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/v6kube}
V6K_VENV=${V6K_ROOT}/.venv
V6K_COLLECTIONS=${V6K_ROOT}/.cache/collections
export V6K_ROOT V6K_CACHE V6K_VENV V6K_COLLECTIONS

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# sha256 of the given files' contents, in order.
content_hash() { cat "$@" | sha256sum | cut -d' ' -f1; }

# Run as root, through sudo when needed.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
