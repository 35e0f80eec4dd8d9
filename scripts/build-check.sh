#!/usr/bin/env bash
# Build the collection tarball, install it into an empty path, and prove the installed copy works:
# documentation loads, and a playbook uses its filters and the network_plan action.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$V6K_ROOT"
version=$(sed -n 's/^version: *//p' galaxy.yml)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
tarball=$out/v6kube-cluster-${version}.tar.gz
[ -s "$tarball" ] || die "ansible-galaxy did not produce v6kube-cluster-${version}.tar.gz"
log "build: $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | wc -l) entries)"
if tar -tzf "$tarball" | grep -E '^(\.venv|\.cache|molecule|tests|scripts|lab|benchmarks)/' | head -3 | grep -q .; then
  die "the tarball carries development files; fix build_ignore in galaxy.yml"
fi

empty=$out/collections
mkdir -p "$empty"
# Dependencies come from the offline copy; the tarball itself must install on its own.
ansible-galaxy collection install --force --no-deps -p "$empty" "$tarball" >/dev/null 2>&1
[ -f "$empty/ansible_collections/v6kube/cluster/MANIFEST.json" ] || die "install into an empty path failed"

# Only the installed copy is visible: not this checkout, not the development collections.
printf '[defaults]\n' > "$out/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH=$empty ANSIBLE_CONFIG=$out/ansible.cfg
cd "$out"
for file in "$V6K_ROOT"/plugins/filter/*.py; do
  filter=$(basename "$file" .py)
  ansible-doc -t filter "v6kube.cluster.$filter" >/dev/null || die "ansible-doc cannot read filter $filter"
done
for file in "$V6K_ROOT"/plugins/modules/*.py; do
  module=$(basename "$file" .py)
  ansible-doc -t module "v6kube.cluster.$module" >/dev/null || die "ansible-doc cannot read module $module"
done
for role_dir in "$V6K_ROOT"/roles/*/; do
  role=$(basename "$role_dir")
  ansible-doc -t role "v6kube.cluster.$role" >/dev/null || die "ansible-doc cannot read role $role"
done
cat > "$out/use.yml" <<'YAML'
- hosts: localhost
  gather_facts: false
  tasks:
    - v6kube.cluster.network_plan:
        pod_subnets: ["2001:db8:42::/56"]
        service_subnets: ["2001:db8:43::/112"]
      register: plan
    - ansible.builtin.assert:
        that:
          - plan.plan.dns_service_ips == ["2001:db8:43::a"]
          - ('2001:db8::/32' | v6kube.cluster.subnet_nth(64, -1)) == '2001:db8:ffff:ffff::/64'
          - >-
            'podSubnet: "2001:db8:42::/56"' in
            ({'kubernetes_version': 'v1.37.2', 'plan': plan.plan, 'node_name': 'cp1',
              'node_addresses': ['2001:db8:1::10']} | v6kube.cluster.kubeadm_config)
YAML
ansible-playbook -i localhost, -c local "$out/use.yml" >/dev/null || die "the installed collection does not run"
log "build: installed into an empty path; docs load and a playbook runs its plugins"
