#!/usr/bin/env bash
# make ee: build the execution environment of ee/ and prove that it runs the collection.
#   scripts/ee.sh            build the image, then make demo from bare lab hosts with its first site.yml run
#                            through ansible-navigator and that image; the venv's second run must change nothing,
#                            and a third run through the image must report what the venv's run reported
#   scripts/ee.sh build      only the image (localhost/v6kube-ee:latest)
#   scripts/ee.sh check      the image, then plan.yml through it must print the plan the venv prints (make test)
#   scripts/ee.sh run ARGS   ansible-navigator run ARGS with the image, against the lab (demo.sh calls this)
#
# Galaxy is not reachable here: the image gets kubernetes.core from this checkout's offline copy of the
# collections instead of from Galaxy (ee/requirements.yml, as shipped, names Galaxy). Its base image is built
# from Debian with debootstrap (scripts/lab-hosts.sh --ee-base), carrying this machine's TLS trust store.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$V6K_ROOT" || exit 1

image=localhost/v6kube-ee:latest
work=${V6K_ROOT}/.cache/ee
package_venv=${V6K_ROOT}/.cache/package-venv

package_tools() {
  scripts/venv.sh "$package_venv" requirements/package.txt
  export PATH=${package_venv}/bin:$PATH
}

build() {
  local start size
  start=$(date +%s)
  package_tools
  scripts/lab-hosts.sh --ee-base
  rm -rf "$work/collections" "$work/context"
  mkdir -p "$work/collections"
  # The collection as a user installs it: the tarball, built the way Galaxy would get it.
  "${V6K_VENV}/bin/ansible-galaxy" collection build --force --output-path "$work/collections" . >/dev/null
  mv "$work"/collections/v6kube-cluster-*.tar.gz "$work/collections/v6kube-cluster.tar.gz"
  # kubernetes.core as installed from the pinned ansible wheel (an installed collection directory).
  cp -a "${V6K_COLLECTIONS}/ansible_collections/kubernetes/core" "$work/collections/kubernetes.core"
  # The definition of ee/ with the collections from those copies (--offline: no Galaxy server is asked).
  "${V6K_VENV}/bin/python" - "$V6K_ROOT/ee/execution-environment.yml" "$work" <<'PY'
import sys, yaml
source, work = sys.argv[1:3]
with open(source, encoding="utf-8") as f:
    definition = yaml.safe_load(f)
definition["dependencies"]["galaxy"] = {"collections": [
    {"name": "/build/collections/v6kube-cluster.tar.gz", "type": "file"},
    {"name": "/build/collections/kubernetes.core", "type": "dir"},
]}
definition["additional_build_files"] = [{"src": f"{work}/collections", "dest": "collections"}]
definition["build_arg_defaults"]["ANSIBLE_GALAXY_CLI_COLLECTION_OPTS"] = "--offline"
with open(f"{work}/execution-environment.yml", "w", encoding="utf-8") as f:
    yaml.safe_dump(definition, f, sort_keys=False)
PY
  log "ee: ansible-builder build $image"
  ansible-builder build --container-runtime podman -f "$work/execution-environment.yml" -c "$work/context" \
    -t "$image" -v 1 > "$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; die "ansible-builder build failed (log: $work/build.log)"; }
  # What the image holds: the collection and its dependency, ansible-core, the Python client kubernetes.core needs.
  local fqcn
  for fqcn in v6kube.cluster kubernetes.core; do
    podman run --rm "$image" ansible-galaxy collection list "$fqcn" 2>/dev/null | grep -q "^$fqcn " \
      || die "$image has no $fqcn"
  done
  podman run --rm "$image" python3 -c 'import kubernetes' || die "$image lacks the kubernetes Python client"
  size=$(podman image inspect --format '{{.Size}}' "$image")
  log "ee: $image built in $(( $(date +%s) - start ))s, $(( size / 1000000 )) MB"
}

# ansible-navigator run with the image against the lab: the hosts' network (--net=host reaches the lab's IPv6
# network and mirror), the lab's key, mirror and kubeconfig mounted at the same paths. The run directory holds
# only an ansible.cfg, so the playbook and roles come from the image, never from this checkout.
run() {
  package_tools
  mkdir -p "$work/run"
  # The checkout's settings (forks, pipelining, output), without its paths to this checkout's collections and roles.
  grep -v -E '^(collections_path|roles_path)[[:space:]]*=' ansible.cfg > "$work/run/ansible.cfg"
  # ansible-navigator refuses podman without this directory (POSIX message queues); some machines lack it.
  [ -d /dev/mqueue ] || as_root mkdir -p /dev/mqueue
  local mirror
  mirror=$(scripts/lab-mirror.sh dir)
  cd "$work/run"
  # No path into this checkout may reach the container through the environment (ansible-runner passes ANSIBLE_* on).
  unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_CONFIG ANSIBLE_ROLES_PATH ANSIBLE_CALLBACKS_ENABLED
  V6KUBE_LAB_KEY=${V6KUBE_LAB_KEY:-${V6K_CACHE}/lab/id_ed25519} \
  V6KUBE_MIRROR_DIR=$mirror \
  V6KUBE_LAB_KUBECONFIG=${V6KUBE_LAB_KUBECONFIG:-${V6K_CACHE}/lab/admin.conf} \
  ansible-navigator run "$@" \
    --mode stdout --execution-environment true --execution-environment-image "$image" \
    --container-engine podman --pull-policy never --playbook-artifact-enable false \
    --log-file "$work/navigator.log" \
    --container-options=--net=host --container-options=--user=0 \
    --execution-environment-volume-mounts "${V6K_CACHE}:${V6K_CACHE}" \
    --pass-environment-variable V6KUBE_LAB_KEY --pass-environment-variable V6KUBE_MIRROR_DIR \
    --pass-environment-variable V6KUBE_LAB_KUBECONFIG \
    | sed -E 's/\x1b\[K[A-Za-z0-9+\/=]*\x1b\[[0-9]+D//g; s/\x1b\[K//g'
  # (ansible-runner frames each event with invisible terminal escapes: removed above for logs and pipes.)
}

# The plan as plan.yml prints it, of the lab inventory: from stdin, colours and task results left out.
plan_lines() {
  sed 's/\x1b\[[0-9;]*m//g' | sed -n '/^TASK \[Show the address plan\]/,/^ok: \[/p' | sed '1d;$d'
}

check() {
  build
  local mirror venv_plan ee_plan
  mirror=$(scripts/lab-mirror.sh dir)
  venv_plan=$(V6KUBE_MIRROR_DIR=$mirror "${V6K_VENV}/bin/ansible-playbook" -i inventories/lab playbooks/plan.yml \
    | plan_lines)
  ee_plan=$(run v6kube.cluster.plan -i "${V6K_ROOT}/inventories/lab" | plan_lines)
  [ -n "$venv_plan" ] || die "the venv's plan.yml printed no plan"
  [ "$ee_plan" = "$venv_plan" ] || die "plan.yml through $image printed otherwise than the venv's:
$(diff <(printf '%s\n' "$venv_plan") <(printf '%s\n' "$ee_plan"))"
  log "ee: plan.yml through $image printed the venv's plan ($(printf '%s\n' "$ee_plan" | wc -l) lines)"
}

case "${1:-all}" in
  build) build ;;
  check) check ;;
  run) shift; run "$@" ;;
  all)
    build
    log "ee: make demo from bare lab hosts, its first run through $image"
    scripts/lab-up.sh --down
    V6KUBE_DEMO_EE=1 scripts/demo.sh
    ;;
  *) die "usage: scripts/ee.sh [build | check | run ARGS...]" ;;
esac
