#!/usr/bin/env bash
# The lab's artifact mirror: release-layout tarballs of the binaries built by scripts/build-toolchain.sh with a
# SHA256SUMS manifest, served over HTTP on an IPv6 address of the lab network. IPv6-only hosts cannot reach
# IPv4-only download sites; roles install from a mirror URL with a sha256, and this is the lab's.
#   scripts/lab-mirror.sh build              # (re)write the mirror tree from the current toolchain builds
#   scripts/lab-mirror.sh serve ADDR PORT    # serve it in the background (pid in the mirror tree)
#   scripts/lab-mirror.sh stop
#   scripts/lab-mirror.sh sha256 RELPATH     # print the sha256 of one artifact
#   scripts/lab-mirror.sh dir                # print where the mirror tree is
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mirror=${V6KUBE_MIRROR_DIR:-${V6K_CACHE}/mirror}
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
pidfile=$mirror/.server.pid

# Reproducible tarball: same inputs, same bytes, same sha256.
pack() {
  local out=$1 dir=$2 top=$3
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$dir" -cf - "$top" | gzip -n > "$out.tmp"
  mv "$out.tmp" "$out"
}

build() {
  local bin version stage
  mkdir -p "$mirror"
  bin=$("${V6K_ROOT}/scripts/build-toolchain.sh" --path etcd)
  version=$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$bin/../modules.txt")
  stage=$(mktemp -d)
  mkdir -p "$stage/etcd-$version-linux-$arch" "$mirror/etcd/$version"
  cp "$bin/etcd" "$bin/etcdctl" "$bin/etcdutl" "$stage/etcd-$version-linux-$arch/"
  pack "$mirror/etcd/$version/etcd-$version-linux-$arch.tar.gz" "$stage" "etcd-$version-linux-$arch"
  rm -rf "$stage"
  debian_etcd
  (cd "$mirror" && find . -type f -name '*.tar.gz' | sort | sed 's|^\./||' | xargs sha256sum > .SHA256SUMS.tmp \
    && mv .SHA256SUMS.tmp SHA256SUMS)
  log "mirror: $(wc -l < "$mirror/SHA256SUMS") artifact(s) in $mirror"
}

# Debian's etcd 3.4 packages, repacked in the upstream release layout: a second etcd version for the tests.
debian_etcd() {
  local debs=${V6K_CACHE}/debs stage version server
  mkdir -p "$debs"
  if ! compgen -G "$debs/etcd-server_*.deb" >/dev/null || ! compgen -G "$debs/etcd-client_*.deb" >/dev/null; then
    (cd "$debs" && { apt-get download etcd-server etcd-client >/dev/null 2>&1 \
      || { as_root apt-get update -qq && apt-get download etcd-server etcd-client >/dev/null; }; })
  fi
  server=$(compgen -G "$debs/etcd-server_*.deb" | head -1)
  version=v$(dpkg-deb -f "$server" Version | sed 's/[-+].*//')
  stage=$(mktemp -d)
  for deb in "$debs"/etcd-server_*.deb "$debs"/etcd-client_*.deb; do dpkg-deb -x "$deb" "$stage/root"; done
  mkdir -p "$stage/etcd-$version-linux-$arch" "$mirror/etcd/$version"
  cp "$stage/root/usr/bin/etcd" "$stage/root/usr/bin/etcdctl" "$stage/etcd-$version-linux-$arch/"
  pack "$mirror/etcd/$version/etcd-$version-linux-$arch.tar.gz" "$stage" "etcd-$version-linux-$arch"
  rm -rf "$stage"
}

case "${1:-}" in
  build) build ;;
  serve)
    addr=${2:?address} port=${3:?port}
    "$0" stop >/dev/null 2>&1 || true
    [ -f "$mirror/SHA256SUMS" ] || build
    nohup python3 -m http.server --bind "$addr" --directory "$mirror" "$port" >"$mirror/.server.log" 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 50); do
      python3 - "$addr" "$port" <<'PY' && break
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.2).close()
except OSError:
    sys.exit(1)
PY
      sleep 0.1
    done
    log "mirror: serving $mirror on http://[$addr]:$port/ (pid $(cat "$pidfile"))"
    ;;
  stop)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    ;;
  dir) echo "$mirror" ;;
  sha256)
    awk -v f="${2:?path}" '$2 == f {print $1}' "$mirror/SHA256SUMS"
    ;;
  *) die "usage: $0 build | serve ADDR PORT | stop | sha256 RELPATH | dir" ;;
esac
