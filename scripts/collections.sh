#!/usr/bin/env bash
# Install the pinned collections listed in requirements/collections.txt into .cache/collections, taking them
# from the pinned PyPI `ansible` wheel (Galaxy is not reachable), and make this checkout importable as
# ansible_collections.v6kube.cluster. Re-running is a no-op.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

list=${V6K_ROOT}/requirements/collections.txt
python=${V6K_VENV}/bin/python
[ -x "$python" ] || die "run scripts/venv.sh first"

dest=${V6K_COLLECTIONS}/ansible_collections
stamp=${V6K_COLLECTIONS}/.v6kube-stamp
want=$(content_hash "$list")

link_self() {
  mkdir -p "$dest/v6kube"
  # A relative link keeps the checkout relocatable: .cache/collections/ansible_collections/v6kube/cluster -> root
  ln -sfn ../../../.. "$dest/v6kube/cluster"
}

if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  link_self
  log "collections: up to date in ${V6K_COLLECTIONS}"
  exit 0
fi

wheel_req=$(sed -n 's/^# wheel: //p' "$list")
[ -n "$wheel_req" ] || die "$list has no '# wheel:' line"
wheels=${V6K_CACHE}/wheels
mkdir -p "$wheels"
req=$(mktemp)
trap 'rm -f "$req"' EXIT
printf '%s\n' "$wheel_req" > "$req"
log "collections: fetching ${wheel_req%% *} (checksum enforced)"
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  --only-binary=:all: -d "$wheels" -r "$req"
wheel_pin=${wheel_req%% *}
wheel=$wheels/${wheel_pin/==/-}-py3-none-any.whl
[ -f "$wheel" ] || die "pip did not leave $wheel"

rm -rf "${V6K_COLLECTIONS}"
mkdir -p "$dest"
"$python" - "$wheel" "$dest" "$list" <<'PY'
import json, sys, zipfile
wheel, dest, listing = sys.argv[1:4]
with zipfile.ZipFile(wheel) as zf, open(listing, encoding="utf-8") as pins:
    for line in pins:
        if not line.strip() or line.startswith("#"):
            continue
        fqcn, version = line.split()[:2]
        ns, name = fqcn.split(".")
        prefix = f"ansible_collections/{ns}/{name}/"
        members = [m for m in zf.namelist() if m.startswith(prefix)]
        if not members:
            sys.exit(f"{fqcn} is not in {wheel}")
        found = json.loads(zf.read(prefix + "MANIFEST.json"))["collection_info"]["version"]
        if found != version:
            sys.exit(f"{fqcn}: pinned {version}, the wheel carries {found}; update requirements/collections.txt")
        for m in members:
            zf.extract(m, dest.rsplit("/ansible_collections", 1)[0])
        print(f"  {fqcn} {version}", file=sys.stderr)
PY
link_self
printf '%s\n' "$want" > "$stamp"
log "collections: ready in ${V6K_COLLECTIONS}"
