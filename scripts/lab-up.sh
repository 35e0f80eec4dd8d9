#!/usr/bin/env bash
# Start (or stop, with --down) the lab hosts of inventories/lab: privileged systemd containers on the
# IPv6-only network, reachable from the controller over SSH. Idempotent: running hosts are kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

network=${V6KUBE_LAB_NETWORK:-v6kube-lab}
image=localhost/v6kube-systemd:${V6KUBE_LAB_SUITE:-bookworm}
key=${V6KUBE_LAB_KEY:-${V6K_CACHE}/lab/id_ed25519}
# name address: the hosts of inventories/lab/hosts.yml
hosts=(cp1:fd00:40::10 cp2:fd00:40::11 cp3:fd00:40::12 worker1:fd00:40::20)

if [ "${1:-}" = "--down" ]; then
  for entry in "${hosts[@]}"; do
    podman rm -f "v6k-lab-${entry%%:*}" >/dev/null 2>&1 || true
  done
  log "lab: hosts removed"
  exit 0
fi

mkdir -p "$(dirname "$key")"
[ -f "$key" ] || ssh-keygen -q -t ed25519 -N "" -C v6kube-lab -f "$key"

for entry in "${hosts[@]}"; do
  name=${entry%%:*} address=${entry#*:}
  container=v6k-lab-$name
  # Running means it answers an exec: after a crash or a restart podman's state can still say running.
  if ! podman exec "$container" true >/dev/null 2>&1; then
    podman rm -f "$container" >/dev/null 2>&1 || true
    # A private cgroup namespace: runc inside the host then sees cgroup paths consistent with its mounts. A reboot
    # inside restarts the host (on-failure: podman kill leaves it down).
    podman create --name "$container" --hostname "$name" --privileged --cgroupns=private --restart=on-failure \
      --network "$network" --ip6 "$address" "$image" >/dev/null
    # A machine-id of its own, as every Kubernetes node needs (privileged containers would share the VM's).
    machine_id=$(mktemp)
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$machine_id"
    echo >> "$machine_id"
    podman cp "$machine_id" "$container:/etc/machine-id"
    rm -f "$machine_id"
    podman start "$container" >/dev/null
    log "lab: started $name on $address"
  fi
done
for entry in "${hosts[@]}"; do
  name=${entry%%:*} address=${entry#*:}
  container=v6k-lab-$name
  for _ in $(seq 60); do
    [ "$(podman exec "$container" systemctl is-active ssh.service 2>/dev/null)" = active ] && break
    sleep 1
  done
  podman exec -i "$container" sh -c \
    'install -d -m 0700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys' \
    < "$key.pub"
  ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 \
    -o LogLevel=ERROR "root@$address" true || die "cannot reach $name over SSH at [$address]"
done
log "lab: ${#hosts[@]} hosts answer over SSH on IPv6 (key $key)"
