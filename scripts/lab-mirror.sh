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
  local etcd_bin version stage
  mkdir -p "$mirror"
  etcd_bin=$(toolchain etcd)
  version=$(module_version etcd go.etcd.io/etcd/server/v3)
  stage=$(mktemp -d)
  mkdir -p "$stage/etcd-$version-linux-$arch" "$mirror/etcd/$version"
  cp "$etcd_bin/etcd" "$etcd_bin/etcdctl" "$etcd_bin/etcdutl" "$stage/etcd-$version-linux-$arch/"
  pack "$mirror/etcd/$version/etcd-$version-linux-$arch.tar.gz" "$stage" "etcd-$version-linux-$arch"
  rm -rf "$stage"
  debian_etcd
  node_artifacts
  images
  debian_repo
  toolbox_image
  monitoring_images
  (cd "$mirror" && find . -type f ! -name SHA256SUMS ! -name '.*' | sort | sed 's|^\./||' \
    | xargs sha256sum > .SHA256SUMS.tmp && mv .SHA256SUMS.tmp SHA256SUMS)
  log "mirror: $(wc -l < "$mirror/SHA256SUMS") artifact(s) in $mirror"
}

toolchain() { "${V6K_ROOT}/scripts/build-toolchain.sh" --path "$1"; }
module_version() { awk -v m="$2" '$1 == m {print $2}' "$(toolchain "$1")/../modules.txt"; }

# Copy a file into the mirror only when it differs (keeps mtimes, and checksums, stable).
put() { mkdir -p "$(dirname "$2")"; cmp -s "$1" "$2" || install -m "${3:-0644}" "$1" "$2"; }

# The node's artifacts in the layout of their official download locations.
node_artifacts() {
  local k8s v stage
  k8s=$(toolchain kubernetes)
  v=$(module_version kubernetes k8s.io/kubernetes)
  for binary in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    put "$k8s/$binary" "$mirror/kubernetes/$v/bin/linux/$arch/$binary" 0755
  done
  v=$(module_version containerd github.com/containerd/containerd/v2)
  stage=$(mktemp -d)
  mkdir -p "$stage/bin"
  cp "$(toolchain containerd)"/{containerd,containerd-shim-runc-v2,ctr} "$stage/bin/"
  mkdir -p "$mirror/containerd/$v"
  pack "$mirror/containerd/$v/containerd-${v#v}-linux-$arch.tar.gz" "$stage" bin
  rm -rf "$stage"
  v=$(module_version cni-plugins github.com/containernetworking/plugins)
  mkdir -p "$mirror/cni-plugins/$v"
  pack "$mirror/cni-plugins/$v/cni-plugins-linux-$arch-$v.tgz" "$(toolchain cni-plugins)" .
  v=$(module_version cri-tools sigs.k8s.io/cri-tools)
  mkdir -p "$mirror/cri-tools/$v"
  pack "$mirror/cri-tools/$v/crictl-$v-linux-$arch.tar.gz" "$(toolchain cri-tools)" crictl
  debian_runc
}

# Debian's runc (the OCI runtime of the lab), under the upstream name.
debian_runc() {
  local debs=${V6K_CACHE}/debs deb stage version
  mkdir -p "$debs"
  compgen -G "$debs/runc_*.deb" >/dev/null || (cd "$debs" && apt-get download runc >/dev/null 2>&1)
  deb=$(compgen -G "$debs/runc_*.deb" | head -1)
  version=v$(dpkg-deb -f "$deb" Version | sed 's/[-+].*//')
  stage=$(mktemp -d)
  dpkg-deb -x "$deb" "$stage"
  put "$stage/usr/sbin/runc" "$mirror/runc/$version/runc.$arch" 0755
  rm -rf "$stage"
}

# OCI images for everything kubeadm runs, named and tagged as `kubeadm config images list` prints them, saved as
# archives that `ctr images import` takes. Built with podman from the binaries above; rebuilt only when inputs change.
images() {
  local k8s v list ref name file src context base
  k8s=$(toolchain kubernetes)
  v=$(module_version kubernetes k8s.io/kubernetes)
  list=$("$k8s/kubeadm" config images list --kubernetes-version "$v")
  mkdir -p "$mirror/images/$v"
  for ref in $list; do
    name=${ref##*/}; name=${name%%:*}
    file=$mirror/images/$v/${ref//[\/:]/_}.tar
    context=$(mktemp -d)
    case $name in
      kube-proxy)
        base=localhost/v6kube-netfilter:${V6KUBE_LAB_SUITE:-bookworm}
        cp "$k8s/kube-proxy" "$context/"
        printf 'FROM %s\nCOPY kube-proxy /usr/local/bin/kube-proxy\n' "$base" > "$context/Containerfile" ;;
      kube-*)
        cp "$k8s/$name" "$context/"
        printf 'FROM scratch\nCOPY %s /usr/local/bin/%s\nENV PATH=/usr/local/bin\nENTRYPOINT ["/usr/local/bin/%s"]\n' \
          "$name" "$name" "$name" > "$context/Containerfile" ;;
      etcd)
        src=$(toolchain etcd)
        cp "$src/etcd" "$src/etcdctl" "$src/etcdutl" "$context/"
        printf 'FROM scratch\nCOPY etcd etcdctl etcdutl /usr/local/bin/\nENV PATH=/usr/local/bin\n' > "$context/Containerfile" ;;
      coredns)
        cp "$(toolchain coredns)/coredns" "$context/"
        printf 'FROM scratch\nCOPY coredns /coredns\nEXPOSE 53 53/udp\nENTRYPOINT ["/coredns"]\n' > "$context/Containerfile" ;;
      pause)
        cp "$(toolchain pause)/pause" "$context/"
        printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$context/Containerfile" ;;
      *) rm -rf "$context"; die "no recipe for image $ref" ;;
    esac
    image_archive "$ref" "$file" "$context"
  done
}

# Build CONTEXT (a Containerfile and its files) as REF and save it to FILE, a docker archive; skipped when FILE
# was saved from the same inputs. CONTEXT is removed.
image_archive() {
  local ref=$1 file=$2 context=$3 inputs stamp
  inputs=$(cd "$context" && sha256sum ./* | sha256sum | cut -c1-16)
  stamp=$(dirname "$file")/.$(basename "$file").inputs
  if [ -s "$file" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then rm -rf "$context"; return; fi
  mkdir -p "$(dirname "$file")"
  podman build --quiet --timestamp 0 --tag "$ref" "$context" >/dev/null
  rm -f "$file.tmp"
  podman save --quiet --format docker-archive --output "$file.tmp" "$ref"
  mv "$file.tmp" "$file"
  echo "$inputs" > "$stamp"
  rm -rf "$context"
  log "mirror: image $ref"
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

# A flat apt repository with what the lab hosts lack to run the API VIP (keepalived, and python3-apt for Ansible's
# apt module), served over IPv6 the way an air-gapped site serves its own packages: resolved against the installed
# packages of the lab host image, fetched with apt-get download, indexed with dpkg-scanpackages. Rebuilt when the
# image or the list changes.
repo_packages=(keepalived python3-apt)
debian_repo() {
  local repo=$mirror/debian image want status pkgs
  image=localhost/v6kube-systemd:${V6KUBE_LAB_SUITE:-bookworm}
  want=$( (printf '%s\n' "${repo_packages[@]}"; podman image inspect --format '{{.Id}}' "$image") | sha256sum | cut -c1-16)
  if [ -s "$repo/Packages" ] && [ "$(cat "$repo/.inputs" 2>/dev/null)" = "$want" ]; then return; fi
  status=$(mktemp)
  podman run --rm --network none "$image" cat /var/lib/dpkg/status > "$status"
  resolve() {
    apt-get install --print-uris -qq --no-install-recommends -o Debug::NoLocking=1 \
      -o Dir::State::status="$status" "${repo_packages[@]}" | sed -n "s/^'[^']*' \([^_]*\)_.*/\1/p"
  }
  pkgs=$(resolve 2>/dev/null) || pkgs=""
  if [ -z "$pkgs" ]; then as_root apt-get update -qq; pkgs=$(resolve); fi
  rm -f "$status"
  [ -n "$pkgs" ] || die "mirror: could not resolve ${repo_packages[*]} against $image"
  rm -rf "$repo.tmp"
  mkdir -p "$repo.tmp"
  # shellcheck disable=SC2086
  (cd "$repo.tmp" && apt-get download $pkgs >/dev/null 2>&1) || die "mirror: apt-get download $pkgs failed"
  (cd "$repo.tmp" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null > Packages && gzip -9nk Packages)
  {
    printf 'Origin: v6kube-lab\nLabel: v6kube-lab\nSuite: lab\nCodename: lab\nArchitectures: %s all\nSHA256:\n' "$arch"
    for f in Packages Packages.gz; do
      printf ' %s %s %s\n' "$(sha256sum < "$repo.tmp/$f" | cut -d' ' -f1)" "$(stat -c %s "$repo.tmp/$f")" "$f"
    done
  } > "$repo.tmp/Release"
  echo "$want" > "$repo.tmp/.inputs"
  rm -rf "$repo"
  mv "$repo.tmp" "$repo"
  log "mirror: apt repository with $(echo "$pkgs" | wc -w) package(s) for ${repo_packages[*]}"
}

# The lab's test image (Debian minbase with python3, iproute2, ping): pods that resolve names, serve and fetch
# HTTP over IPv6 in the cluster tests. Not a product image.
toolbox_image() {
  local ref=localhost/v6kube-toolbox:${V6KUBE_LAB_SUITE:-bookworm} base file stamp id
  base=localhost/v6kube-min:${V6KUBE_LAB_SUITE:-bookworm}
  file=$mirror/images/lab/v6kube-toolbox.tar
  stamp=$mirror/images/lab/.v6kube-toolbox.tar.inputs
  id=$(podman image inspect --format '{{.Id}}' "$base")
  if [ -s "$file" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$id" ]; then return; fi
  mkdir -p "$(dirname "$file")"
  podman tag "$base" "$ref"
  rm -f "$file.tmp"
  podman save --quiet --format docker-archive --output "$file.tmp" "$ref"
  mv "$file.tmp" "$file"
  echo "$id" > "$stamp"
  log "mirror: image $ref"
}

# Prometheus and node_exporter images from the binaries built from their pinned modules (FROM scratch, the binary
# at the path the monitoring role runs, numeric user 65534). Prometheus is built without the web UI assets: the
# image serves the HTTP API, /metrics and the health endpoints.
monitoring_images() {
  local name binary version ref file context
  for name in prometheus node-exporter; do
    case $name in
      prometheus) binary=prometheus
        version=v$("$(toolchain prometheus)/prometheus" --version 2>&1 | sed -n 's/^prometheus, version \([^ ]*\).*/\1/p') ;;
      node-exporter) binary=node_exporter
        version=$(module_version node-exporter github.com/prometheus/node_exporter) ;;
    esac
    [ "$version" != v ] || die "mirror: no version for $name"
    ref=localhost/v6kube-$name:$version
    file=$mirror/images/monitoring/v6kube-$name-$version.tar
    context=$(mktemp -d)
    cp "$(toolchain "$name")/$binary" "$context/"
    printf 'FROM scratch\nCOPY %s /bin/%s\nUSER 65534:65534\nENTRYPOINT ["/bin/%s"]\n' "$binary" "$binary" "$binary" \
      > "$context/Containerfile"
    image_archive "$ref" "$file" "$context"
  done
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
