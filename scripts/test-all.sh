#!/usr/bin/env bash
# `make test`: everything CI runs, from nothing. Installs what is missing (venv, collections, lab images),
# then runs every stage even after a failure, and fails at the end if any stage failed. Ends with a table of
# every stage's and every Molecule scenario's time.
#
# The toolchain build (CPU-bound Go compiles, minutes on a new machine, a no-op once cached) starts right after
# the venv, in the background, while the network- and disk-bound set-up (collections, the lab images made with
# debootstrap) and the static checks run; the stages that need the tools wait for it. Sanity and ansible-lint run
# beside yamllint, the changelog lint and the unit tests, and the execution environment beside the build: each is
# one Python process, and the machine has two cores.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$V6K_ROOT" || exit 1

export PATH=${V6K_VENV}/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=${V6K_COLLECTIONS} ANSIBLE_CONFIG=${V6K_ROOT}/ansible.cfg
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1

times=$(mktemp -d)
trap 'rm -rf "$times"' EXIT
suite_start=$(date +%s)
passed=() failed=() order=()
record() {  # NAME SECONDS STATUS
  order+=("$1")
  printf '%s %s\n' "$2" "$3" > "$times/$1"
  if [ "$3" = passed ]; then passed+=("$1"); else failed+=("$1"); fi
  log "=== $1 $3 ($2s)"
}
stage() {
  local name=$1; shift
  local start
  start=$(date +%s)
  log "=== $name"
  if "$@"; then record "$name" $(( $(date +%s) - start )) passed
  else record "$name" $(( $(date +%s) - start )) FAILED; fi
}

# Independent stages side by side (single-threaded Python each, and two cores): a stage started with bg_stage
# keeps its output until join_stages shows it and records its time, in the order given there.
declare -A bg_pids=()
bg_stage() {
  local name=$1; shift
  (
    start=$(date +%s)
    if "$@" > "$times/$name.log" 2>&1; then status=passed; else status=FAILED; fi
    echo "$(( $(date +%s) - start )) $status" > "$times/$name.bg"
  ) &
  bg_pids[$name]=$!
}
join_stages() {
  local name secs status
  for name in "$@"; do
    wait "${bg_pids[$name]}"
    log "=== $name (ran alongside the stages before this line)"
    cat "$times/$name.log" >&2
    read -r secs status < "$times/$name.bg" || { secs=0 status=FAILED; }
    record "$name" "$secs" "$status"
  done
}

scenarios() { for f in molecule/*/molecule.yml; do basename "$(dirname "$f")"; done; }

stage venv scripts/venv.sh
# The toolchain in the background (its output is shown when it is waited for).
toolchain_log=$times/toolchain.log
toolchain_start=$(date +%s)
scripts/build-toolchain.sh > "$toolchain_log" 2>&1 &
toolchain_pid=$!
wait_toolchain() {
  local rc=0
  wait "$toolchain_pid" || rc=$?
  cat "$toolchain_log" >&2
  log "toolchain: built or found in $(( $(date +%s) - toolchain_start ))s (in the background from the start)"
  return "$rc"
}

stage setup bash -c 'scripts/collections.sh && scripts/lab-hosts.sh && scripts/lab-hosts.sh --ee-base'
if [ ${#failed[@]} -gt 0 ]; then
  wait "$toolchain_pid" 2>/dev/null
  log "setup failed; nothing else can run"
  echo "test: 0 passed, ${#failed[@]} failed"
  exit 1
fi
bg_stage sanity scripts/sanity.sh
bg_stage ansible-lint ansible-lint --offline --profile production
stage yamllint yamllint --strict .
stage changelog antsibull-changelog lint
stage unit python -m pytest tests/unit
join_stages ansible-lint sanity
stage toolchain wait_toolchain
stage mirror scripts/lab-mirror.sh build
export V6KUBE_REQUIRE_TOOLCHAIN=1
# Two processes, a test file each at a time (their servers are per process): most of the time is spent in
# ansible-playbook subprocesses, which one process leaves a core idle for.
stage integration python -m pytest -p no:cacheprovider -q -n 2 --dist loadfile --durations=12 tests/integration
# The execution environment built from ee/ (a debootstrap base, then ansible-builder) runs plan.yml as the venv does.
bg_stage ee scripts/ee.sh check
stage build scripts/build-check.sh
join_stages ee
export V6KUBE_TIMES=$times
# shellcheck disable=SC2046
stage molecule scripts/molecule-all.sh $(scenarios)

{
  echo
  echo "stage                 seconds  result"
  for name in "${order[@]}"; do
    read -r secs status < "$times/$name"
    printf '%-20s %8s  %s\n' "$name" "$secs" "$status"
    if [ "$name" = molecule ] && [ -f "$times/scenarios" ]; then
      while read -r scenario ssecs sstatus; do
        printf '  %-18s %8s  %s\n' "$scenario" "$ssecs" "$sstatus"
      done < "$times/scenarios"
    fi
  done
  total=$(( $(date +%s) - suite_start ))
  printf '%-20s %8s  (%dm %02ds)\n' total "$total" $(( total / 60 )) $(( total % 60 ))
} >&2

log "passed: ${passed[*]:-none}"
[ ${#failed[@]} -eq 0 ] || log "FAILED: ${failed[*]}"
echo "test: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
