#!/usr/bin/env bash
# `make demo`: build the lab, start its hosts, run site.yml against inventories/lab, and say what was done.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$V6K_ROOT" || exit 1

if [ "${1:-}" = "--down" ]; then
  exec scripts/lab-up.sh --down
fi
export PATH=${V6K_VENV}/bin:$PATH ANSIBLE_COLLECTIONS_PATH=${V6K_COLLECTIONS} ANSIBLE_CONFIG=${V6K_ROOT}/ansible.cfg
export V6KUBE_LAB_KEY=${V6KUBE_LAB_KEY:-${V6K_CACHE}/lab/id_ed25519}
start=$(date +%s)
scripts/build-toolchain.sh
scripts/lab-mirror.sh build
export V6KUBE_MIRROR_DIR
V6KUBE_MIRROR_DIR=$(scripts/lab-mirror.sh dir)
scripts/lab-up.sh
scripts/lab-mirror.sh serve fd00:40::1 8088
trap 'scripts/lab-mirror.sh stop' EXIT
ansible-playbook -i inventories/lab site.yml "$@"
log "demo: second run, to show it changes nothing"
ansible-playbook -i inventories/lab site.yml "$@" | tee "${V6K_ROOT}/.cache/demo-second-run.log" | tail -n 8
if grep -E 'changed=[1-9]' "${V6K_ROOT}/.cache/demo-second-run.log" >/dev/null; then
  die "demo: the second run changed something; site.yml is not idempotent"
fi
cat <<MSG

== v6kube.cluster demo done in $(( $(date +%s) - start ))s ==
What ran, against the IPv6-only lab hosts cp1 cp2 cp3 worker1 (podman, fd00:40::/64, reached over SSH):
  1. the address plan of inventories/lab was validated on the controller and printed (above);
  2. sysctl: IPv6 forwarding (all/default), accept_ra=2, br_netfilter and bridge-nf-call-ip6tables,
     applied live, verified, persisted in /etc/sysctl.d/90-v6kube.conf;
  3. netplan: static IPv6 address and default route written to /etc/netplan/60-v6kube.yaml, validated,
     applied behind a rollback guard, and confirmed over a new SSH connection and a gateway ping;
  4. kubernetes_node: containerd, runc, CNI plugins, crictl, kubelet, kubeadm and kubectl v1.37.2 built from
     their Go modules, served by the lab mirror on http://[fd00:40::1]:8088 and installed with every sha256
     checked; containerd runs, the pause image is imported, kubelet waits for kubeadm;
  5. a second run changed nothing.
Look around:  ssh -i ${V6KUBE_LAB_KEY:-$V6K_CACHE/lab/id_ed25519} root@fd00:40::10
Tear down:    make clean   (or scripts/demo.sh --down)
MSG
