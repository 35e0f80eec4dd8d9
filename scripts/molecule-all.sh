#!/usr/bin/env bash
# Run the given Molecule scenarios one after another (never two at once: the lab has two cores), keep going
# after a failure, and fail at the end if any scenario failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: $0 SCENARIO..."
cd "$V6K_ROOT" || exit 1
failed=()
for scenario in "$@"; do
  start=$(date +%s)
  log "molecule: $scenario"
  if molecule test -s "$scenario"; then
    status=passed
  else
    status=FAILED
    failed+=("$scenario")
    molecule destroy -s "$scenario" >/dev/null 2>&1 || true
  fi
  seconds=$(( $(date +%s) - start ))
  log "molecule: $scenario $status in ${seconds}s"
  # scripts/test-all.sh prints these in its time table.
  [ -z "${V6KUBE_TIMES:-}" ] || echo "$scenario $seconds $status" >> "$V6KUBE_TIMES/scenarios"
done
if [ ${#failed[@]} -gt 0 ]; then
  log "molecule: failed scenarios: ${failed[*]}"
  exit 1
fi
log "molecule: all $# scenario(s) passed"
