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

# What Galaxy, the documentation tools and an execution environment say of the tarball: their tools live in their
# own venv (galaxy-importer pins packages the test toolchain needs newer).
package_venv=${V6K_ROOT}/.cache/package-venv
"$V6K_ROOT/scripts/venv.sh" "$package_venv" "$V6K_ROOT/requirements/package.txt"
export PATH=$package_venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$empty:$V6K_COLLECTIONS

# galaxy-importer: the checks Galaxy runs on import (metadata, documentation of every plugin and role, content
# layout). Its ansible-test step needs a container image from a registry and its ansible-lint step runs the
# production profile with rules skipped: the sanity and ansible-lint stages run both on this tree, stricter.
printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = False\n' > "$out/galaxy-importer.cfg"
GALAXY_IMPORTER_CONFIG=$out/galaxy-importer.cfg python -m galaxy_importer.main "$tarball" > "$out/importer.log" 2>&1 \
  || { cat "$out/importer.log" >&2; die "galaxy-importer refused the tarball"; }
if grep -E '^(WARNING|ERROR)' "$out/importer.log" >&2; then
  die "galaxy-importer reported the lines above"
fi
grep -q 'Importer processing completed successfully' "$out/importer.log" \
  || { cat "$out/importer.log" >&2; die "galaxy-importer did not complete"; }
log "build: galaxy-importer $(python -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))'): no error, no warning"

# antsibull-docs: every plugin's and role's documentation valid and every reference resolved (what docs sites render).
antsibull-docs lint-collection-docs --plugin-docs "$empty/ansible_collections/v6kube/cluster" \
  || die "antsibull-docs lint-collection-docs reported the lines above"
log "build: antsibull-docs lint-collection-docs --plugin-docs: clean"

# ansible-builder: the execution environment's build context, and the requirements it reads from the collection.
mkdir -p "$V6K_ROOT/.cache/ee/collections"
cp "$tarball" "$V6K_ROOT/.cache/ee/collections/v6kube-cluster.tar.gz"
ansible-builder create -f "$V6K_ROOT/ee/execution-environment.yml" -c "$out/ee-context" > /dev/null \
  || die "ansible-builder create failed on ee/execution-environment.yml"
for made in Containerfile _build/collections/v6kube-cluster.tar.gz; do
  [ -s "$out/ee-context/$made" ] || die "ansible-builder made no $made in the build context"
done
introspected=$(ansible-builder introspect --sanitize "$empty")
for requirement in 'kubernetes>=24.2.0' 'openssh-client \[platform:dpkg\]'; do
  grep -q "$requirement" <<<"$introspected" \
    || die "ansible-builder does not see $requirement in meta/execution-environment.yml: $introspected"
done
log "build: ansible-builder create made the execution environment's context; it reads the collection's requirements"
