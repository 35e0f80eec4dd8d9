#!/usr/bin/env bash
# Prepare this machine to run IPv6-only lab hosts: install podman, runc and debootstrap, install the container
# engine settings this machine needs, build the two lab images with debootstrap, and create the IPv6-only
# podman network. Idempotent and cached: what already exists with the same recipe is skipped.
#   scripts/lab-hosts.sh --ee-base   only the base image of the execution environment (make ee)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${V6KUBE_LAB_SUITE:-bookworm}
mirror=${V6KUBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
network=${V6KUBE_LAB_NETWORK:-v6kube-lab}
subnet=${V6KUBE_LAB_SUBNET:-fd00:40::/64}
images=${V6K_CACHE}/images
start=$(date +%s)

# name | debootstrap packages | podman import --change options
min_packages=python3,cron,iproute2,iputils-ping
systemd_packages=systemd,systemd-sysv,dbus,udev,netplan.io,openssh-server,iproute2,iputils-ping,python3,cron,ca-certificates,iptables
# Base of the kube-proxy image of the lab mirror: the netfilter tools kube-proxy runs.
netfilter_packages=iptables,nftables,conntrack,ipset,kmod
# Base of the execution environment (make ee): Python with pip, and this machine's TLS trust store, so that pip
# inside the image build reaches the package index this machine reaches (a site's base image carries its CA).
ee_packages=python3,python3-pip,ca-certificates
host_trust=${V6KUBE_EE_TRUST:-/etc/ssl/certs/ca-certificates.crt}
ee_trust=/etc/ssl/certs/v6kube-host-trust.pem

install_packages() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] || missing+=(netavark aardvark-dns)
  command -v ip6tables >/dev/null || missing+=(iptables)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v dpkg-scanpackages >/dev/null || missing+=(dpkg-dev)
  command -v ssh >/dev/null || missing+=(openssh-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "lab: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_engine_conf() {
  local dest=/etc/containers/containers.conf.d/50-v6kube-lab.conf
  if ! cmp -s "${V6K_ROOT}/lab/containers.conf" "$dest"; then
    log "lab: installing $dest"
    as_root install -D -m 0644 "${V6K_ROOT}/lab/containers.conf" "$dest"
  fi
}

# build_image NAME PACKAGES CHANGE... : debootstrap a rootfs, then import it as localhost/NAME:SUITE.
build_image() {
  local name=$1 packages=$2; shift 2
  local ref=localhost/${name}:${suite}
  local recipe
  recipe=$(printf '%s\n' "$suite" "$mirror" "$packages" "$@" "$(declare -f customize_rootfs)" | sha256sum | cut -c1-16)
  if [ "$(podman image inspect --format '{{index .Labels "org.v6kube.recipe"}}' "$ref" 2>/dev/null)" = "$recipe" ]; then
    log "lab: image $ref is current (recipe $recipe)"
    return
  fi
  local tarball=${images}/${name}-${suite}-${recipe}.tar
  if [ ! -s "$tarball" ]; then
    local root
    root=$(mktemp -d "${images}/.rootfs.XXXXXX")
    log "lab: debootstrap $name ($packages)"
    as_root debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"${root}.log" 2>&1 \
      || { tail -20 "${root}.log" >&2; as_root rm -rf "$root" "${root}.log"; die "debootstrap of $name failed"; }
    customize_rootfs "$name" "$root"
    [ -z "${rootfs_extra:-}" ] || "$rootfs_extra" "$root"
    as_root tar --numeric-owner -C "$root" -cf "${tarball}.tmp" .
    as_root rm -rf "$root" "${root}.log"
    mv "${tarball}.tmp" "$tarball"
  fi
  # Keep only the current recipe's root filesystem.
  find "$images" -maxdepth 1 -name "${name}-${suite}-*.tar" ! -name "$(basename "$tarball")" -delete
  local changes=(--change "LABEL=org.v6kube.recipe=${recipe}")
  local c
  for c in "$@"; do changes+=(--change "$c"); done
  podman import --quiet "${changes[@]}" "$tarball" "$ref" >/dev/null
  log "lab: imported $ref"
}

# Trim and adapt a fresh rootfs for use as a container image.
customize_rootfs() {
  local name=$1 root=$2
  as_root chroot "$root" apt-get clean
  as_root rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
  : | as_root tee "$root/etc/machine-id" >/dev/null
  if [ -d "$root/etc/systemd/system" ]; then
    # Units that have no job in a container, or wait for hardware that is not there.
    local unit
    for unit in getty@tty1.service console-getty.service systemd-timesyncd.service apt-daily.timer \
                apt-daily-upgrade.timer e2scrub_reap.service fstrim.timer; do
      as_root ln -sf /dev/null "$root/etc/systemd/system/$unit"
    done
    # Keep the MAC address the container runtime gave eth0. With the default policy, udev derives it from the
    # machine-id, which privileged containers on one VM share: every lab host would get the same MAC.
    as_root mkdir -p "$root/etc/systemd/network"
    printf '[Match]\nOriginalName=*\n\n[Link]\nNamePolicy=keep kernel database onboard slot path\nMACAddressPolicy=none\n' \
      | as_root tee "$root/etc/systemd/network/99-default.link" >/dev/null
    # Each host gets its own SSH host keys on first boot instead of sharing the image's.
    as_root rm -f "$root"/etc/ssh/ssh_host_*
    as_root mkdir -p "$root/etc/systemd/system/ssh.service.d"
    printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \
      | as_root tee "$root/etc/systemd/system/ssh.service.d/10-v6kube-hostkeys.conf" >/dev/null
    as_root chroot "$root" systemctl enable ssh.service systemd-networkd.service >/dev/null 2>&1 || true
  fi
}

# The execution environment's base gets this machine's trust store next to Debian's own (which apt may rebuild).
add_host_trust() {
  as_root install -m 0644 "$host_trust" "$1$ee_trust"
}

create_network() {
  if podman network exists "$network"; then
    log "lab: network $network exists"
    return
  fi
  # Only an IPv6 --subnet and no --ipv6 flag: with --ipv6 podman also adds an IPv4 subnet.
  podman network create --subnet "$subnet" "$network" >/dev/null
  if podman network inspect "$network" --format '{{range .Subnets}}{{.Subnet}} {{end}}' | grep -q '\.'; then
    podman network rm "$network" >/dev/null
    die "podman created an IPv4 subnet on $network; the lab must be IPv6-only"
  fi
  log "lab: created IPv6-only network $network ($subnet)"
}

# The lab's IPv4 network: attached only to a host that a dual-stack check turns into a dual-stack node (its IPv6
# address stays on the IPv6-only network). Nothing else in the lab has IPv4.
create_ipv4_network() {
  local name=${network}4 subnet4=10.48.0.0/24
  if podman network exists "$name"; then
    log "lab: network $name exists"
    return
  fi
  podman network create --subnet "$subnet4" --gateway 10.48.0.1 "$name" >/dev/null
  log "lab: created IPv4 network $name ($subnet4) for dual-stack checks"
}

install_packages
install_engine_conf
mkdir -p "$images"
if [ "${1:-}" = "--ee-base" ]; then
  [ -s "$host_trust" ] || die "no trust store at $host_trust (set V6KUBE_EE_TRUST)"
  rootfs_extra=add_host_trust
  # The trust store's hash is part of the recipe: a changed CA bundle makes a new base.
  build_image v6kube-ee-base "$ee_packages" "LABEL org.v6kube.trust=$(content_hash "$host_trust" | cut -c1-16)" \
    "ENV PIP_CERT=$ee_trust" 'CMD ["python3"]'
  exit 0
fi
build_image v6kube-min "$min_packages" 'CMD ["sleep", "infinity"]' 'STOPSIGNAL SIGKILL'
build_image v6kube-systemd "$systemd_packages" 'CMD ["/sbin/init"]' 'STOPSIGNAL SIGRTMIN+3'
build_image v6kube-netfilter "$netfilter_packages"
create_network
create_ipv4_network
log "lab: ready in $(( $(date +%s) - start ))s (images ${images}, network ${network} ${subnet})"
