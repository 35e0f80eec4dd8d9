#!/usr/bin/env bash
# Keep the real source address of lab hosts talking to pods on other lab hosts. podman masquerades everything
# that leaves the lab network from its subnet (and this machine passes bridged traffic through ip6tables), so
# a node's connection to a remote pod address would arrive from the lab gateway instead of the node.
#   scripts/lab-pod-routing.sh POD_RANGE...   (idempotent; a lab matter, not the collection's)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

subnet=${V6KUBE_LAB_SUBNET:-fd00:40::/64}
[ $# -gt 0 ] || die "usage: $0 POD_RANGE..."
for range in "$@"; do
  rule=(-s "$subnet" -d "$range" -m comment --comment v6kube-lab-pods -j ACCEPT)
  # First in POSTROUTING: ahead of the network's masquerade chain, also when podman adds it again later.
  while as_root ip6tables -t nat -C POSTROUTING "${rule[@]}" 2>/dev/null; do
    as_root ip6tables -t nat -D POSTROUTING "${rule[@]}"
  done
  as_root ip6tables -t nat -I POSTROUTING 1 "${rule[@]}"
done
log "lab: no masquerade from $subnet to $*"
