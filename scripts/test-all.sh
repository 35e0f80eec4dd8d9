#!/usr/bin/env bash
# `make test`: everything CI runs, from nothing. Installs what is missing (venv, collections, lab images),
# then runs every stage even after a failure, and fails at the end if any stage failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$V6K_ROOT" || exit 1

export PATH=${V6K_VENV}/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=${V6K_COLLECTIONS} ANSIBLE_CONFIG=${V6K_ROOT}/ansible.cfg
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1

passed=() failed=()
stage() {
  local name=$1; shift
  local start
  start=$(date +%s)
  log "=== $name"
  if "$@"; then
    passed+=("$name")
    log "=== $name passed ($(( $(date +%s) - start ))s)"
  else
    failed+=("$name")
    log "=== $name FAILED ($(( $(date +%s) - start ))s)"
  fi
}

scenarios() { for f in molecule/*/molecule.yml; do basename "$(dirname "$f")"; done; }

stage setup bash -c 'scripts/venv.sh && scripts/collections.sh && scripts/lab-hosts.sh'
if [ ${#failed[@]} -gt 0 ]; then
  log "setup failed; nothing else can run"
  echo "test: 0 passed, 1 failed"
  exit 1
fi
stage yamllint yamllint --strict .
stage ansible-lint ansible-lint --offline --profile production
stage changelog antsibull-changelog lint
stage sanity scripts/sanity.sh
stage unit python -m pytest tests/unit
stage toolchain bash -c 'scripts/build-toolchain.sh && scripts/lab-mirror.sh build'
export V6KUBE_REQUIRE_TOOLCHAIN=1
stage integration python -m pytest -p no:cacheprovider -q tests/integration
stage build scripts/build-check.sh
# shellcheck disable=SC2046
stage molecule scripts/molecule-all.sh $(scenarios)

log "passed: ${passed[*]:-none}"
[ ${#failed[@]} -eq 0 ] || log "FAILED: ${failed[*]}"
echo "test: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
