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
scripts/lab-pod-routing.sh fd00:42::/56
export V6KUBE_LAB_KUBECONFIG=${V6KUBE_LAB_KUBECONFIG:-${V6K_CACHE}/lab/admin.conf}
kubectl=$(scripts/build-toolchain.sh --path kubernetes)/kubectl
first_start=$(date +%s)
if [ -n "${V6KUBE_DEMO_EE:-}" ]; then
  # make ee: the first run through the execution environment (the collection's playbook from the image).
  scripts/ee.sh run v6kube.cluster.site -i "${V6K_ROOT}/inventories/lab" "$@"
else
  # The time of each role (each phase) is printed at the end of the first run.
  ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_roles ansible-playbook -i inventories/lab site.yml "$@"
fi
first=$(( $(date +%s) - first_start ))
log "demo: second run, to show it changes nothing"
rerun_start=$(date +%s.%N)
ansible-playbook -i inventories/lab site.yml "$@" | tee "${V6K_ROOT}/.cache/demo-second-run.log" | tail -n 8
rerun_end=$(date +%s.%N)
if grep -E 'changed=[1-9]' "${V6K_ROOT}/.cache/demo-second-run.log" >/dev/null; then
  die "demo: the second run changed something; site.yml is not idempotent"
fi
if [ -n "${V6KUBE_DEMO_EE:-}" ]; then
  # The same re-run through the execution environment must report exactly what the venv's re-run reported.
  log "demo: third run, through the execution environment"
  scripts/ee.sh run v6kube.cluster.site -i "${V6K_ROOT}/inventories/lab" "$@" > "${V6K_ROOT}/.cache/demo-ee-run.log"
  recap() { sed 's/\x1b\[[0-9;]*m//g' "$1" | sed -n '/^PLAY RECAP/,$p' | grep -E '^[a-z0-9]+ +:' | sed 's/  */ /g'; }
  diff <(recap "${V6K_ROOT}/.cache/demo-second-run.log") <(recap "${V6K_ROOT}/.cache/demo-ee-run.log") \
    || die "demo: the run through the execution environment reported otherwise than the venv's run"
  log "demo: the execution environment's re-run reported what the venv's reported: $(recap "${V6K_ROOT}/.cache/demo-ee-run.log" | tr '\n' ';')"
fi
# The floor of a re-run: one empty task on the same hosts over the same connections.
floor_start=$(date +%s.%N)
ansible k8s_cluster -i inventories/lab -m ansible.builtin.ping >/dev/null
floor_end=$(date +%s.%N)
timing=$(python3 -c 'import sys; a, b, c, d = map(float, sys.argv[1:]); print(f"idempotent re-run {b - a:.1f} s, empty play on the same hosts {d - c:.1f} s, ratio {(b - a) / (d - c):.1f}x")' \
  "$rerun_start" "$rerun_end" "$floor_start" "$floor_end")
"$kubectl" --kubeconfig "$V6KUBE_LAB_KUBECONFIG" get nodes -o wide
# Prometheus through the API server's service proxy: how many of its targets are up, and are any IPv4.
prom=/api/v1/namespaces/monitoring/services/prometheus:web/proxy/api/v1
targets=$("$kubectl" --kubeconfig "$V6KUBE_LAB_KUBECONFIG" get --raw "$prom/targets?state=active" | python3 -c '
import json, sys, urllib.parse
targets = json.load(sys.stdin)["data"]["activeTargets"]
up = sum(t["health"] == "up" for t in targets)
ipv4 = [t["scrapeUrl"] for t in targets if not urllib.parse.urlsplit(t["scrapeUrl"]).netloc.startswith("[")]
jobs = ", ".join(sorted({t["labels"]["job"] for t in targets}))
print(f"{up} of {len(targets)} targets up ({jobs}), {len(ipv4)} not IPv6")' 2>&1) || targets="not answering: $targets"
cat <<MSG

== v6kube.cluster demo done in $(( $(date +%s) - start ))s (site.yml from bare hosts to every node Ready: ${first}s; ${timing}) ==
What ran, against the IPv6-only lab hosts cp1 cp2 cp3 worker1 (podman, fd00:40::/64, reached over SSH):
  1. the address plan of inventories/lab was validated on the controller and printed (above);
  2. sysctl, netplan (static IPv6, rollback guard) and kubernetes_node (containerd, runc, CNI plugins, crictl,
     kubelet, kubeadm, kubectl v1.37.2 and every control-plane image from the lab mirror, sha256 checked);
  3. api_vip: keepalived from the mirror's apt repository holds the API VIP fd00:40::100 between cp1..cp3;
  4. kubeadm: init on cp1 (certificates uploaded), cp2 and cp3 joined one at a time, worker1 joined;
  5. pod_network: bridge CNI over each node's podCIDR, routes to every other node's pods; every node Ready;
  6. service_families: kube-dns (and any listed Service) IPv6 SingleStack, from the controller;
  7. monitoring: Prometheus behind the IPv6 SingleStack Service monitoring/prometheus, node_exporter on every
     node; Prometheus now: $targets;
  8. a second run changed nothing.
Use the cluster (API through the VIP https://[fd00:40::100]:6443):
  $kubectl --kubeconfig $V6KUBE_LAB_KUBECONFIG get nodes,pods -A -o wide
Prometheus:   $kubectl --kubeconfig $V6KUBE_LAB_KUBECONFIG get --raw '$prom/query?query=up'
              (or: kubectl -n monitoring port-forward svc/prometheus 9090, then http://[::1]:9090/api/v1/...)
Audit it:     ansible-playbook -i inventories/lab playbooks/audit.yml -e v6kube_audit_fail_on_ipv4=true
Look around:  ssh -i ${V6KUBE_LAB_KEY:-$V6K_CACHE/lab/id_ed25519} root@fd00:40::10
Tear down:    ansible-playbook -i inventories/lab playbooks/reset.yml -e v6kube_reset_confirm='[fd00:40::100]:6443'  (cluster only)
              make clean   (or scripts/demo.sh --down: the lab hosts too)
MSG
