#!/usr/bin/env bash
# ansible-test sanity on a copy of the tracked tree placed at ansible_collections/v6kube/cluster,
# with the local Python (no containers) and no ignore files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if ! command -v shellcheck >/dev/null; then
  log "sanity: installing shellcheck (the shellcheck sanity test is skipped without it)"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
[ ! -e "${V6K_ROOT}/tests/sanity" ] || die "tests/sanity exists: this collection keeps zero ignore files"
python=$("${V6K_VENV}/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
# ansible-test bootstraps pip in its sanity venvs with a script from a host the lab cannot reach;
# give it a stand-in that installs the same pip release from the package index.
pip_version=$("${V6K_VENV}/bin/python" - <<'PY'
import re, ansible_test._internal.python_requirements as r
print(re.search(r"pip='([0-9.]+)'", open(r.__file__).read()).group(1))
PY
)
get_pip=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$get_pip")"
cmp -s "${V6K_ROOT}/lab/ansible-test-get-pip.py" "$get_pip" || cp "${V6K_ROOT}/lab/ansible-test-get-pip.py" "$get_pip"

work=${V6K_ROOT}/.cache/ansible-test/ansible_collections/v6kube/cluster
rm -rf "$work"
mkdir -p "$work"
# What git would ship: tracked files plus new files that are not ignored.
(cd "$V6K_ROOT" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) | tar -C "$work" -xf -
cd "$work"
git init -q . && git add -A && git -c user.name=sanity -c user.email=sanity@localhost commit -qm snapshot
log "sanity: ansible-test sanity --python $python"
ansible-test sanity --color no --python "$python" --requirements "$@"
