#!/usr/bin/env bash
# Build the pinned upstream tools of the lab from their Go modules (lab/toolchain/COMPONENT: go.mod and go.sum
# are the pins and checksums, build.txt names the binaries). Each build is cached under
# $V6KUBE_CACHE/toolchain/COMPONENT-HASH and rebuilt only when its pins, recipe or the Go version change;
# $V6KUBE_CACHE/toolchain/COMPONENT always points at the current build.
#   scripts/build-toolchain.sh [COMPONENT...]      (default: every component)
#   scripts/build-toolchain.sh --path COMPONENT    (print the bin directory of the current build)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=${V6K_ROOT}/lab/toolchain
cache=${V6K_CACHE}/toolchain
command -v go >/dev/null || die "Go is required to build the lab toolchain (https://go.dev/dl or the Go package)"

key_of() {
  local dir=$src/$1
  { cat "$dir/go.mod" "$dir/go.sum" "$dir/build.txt"; go version; } | sha256sum | cut -c1-16
}

if [ "${1:-}" = "--path" ]; then
  [ -n "${2:-}" ] || die "usage: $0 --path COMPONENT"
  out=$cache/$2-$(key_of "$2")
  [ -f "$out/.complete" ] || die "$2 is not built; run scripts/build-toolchain.sh $2"
  echo "$out/bin"
  exit 0
fi

components=("$@")
if [ ${#components[@]} -eq 0 ]; then
  for dir in "$src"/*/; do components+=("$(basename "$dir")"); done
fi

# GOWORK=off: a go.work in a parent directory must not change what the pins select.
export GOWORK=off GOFLAGS="-mod=readonly -trimpath -buildvcs=false" CGO_ENABLED=${CGO_ENABLED:-0}
for component in "${components[@]}"; do
  dir=$src/$component
  if [ ! -f "$dir/go.mod" ] || [ ! -f "$dir/build.txt" ]; then die "no component $component in lab/toolchain"; fi
  out=$cache/$component-$(key_of "$component")
  if [ -f "$out/.complete" ]; then
    log "toolchain: $component is built ($out)"
  else
    start=$(date +%s)
    rm -rf "$out.tmp"
    mkdir -p "$out.tmp/bin"
    ldflags=$(sed -n 's/^# ldflags: //p' "$dir/build.txt")
    version_module=$(sed -n 's/^# version-module: //p' "$dir/build.txt")
    if [ -n "$version_module" ]; then
      version=$(cd "$dir" && go list -m -f '{{.Version}}' "$version_module")
      major=${version#v}; major=${major%%.*}
      minor=${version#v"$major".}; minor=${minor%%.*}
      ldflags=${ldflags//@VERSION@/$version}; ldflags=${ldflags//@MAJOR@/$major}; ldflags=${ldflags//@MINOR@/$minor}
    fi
    tags=$(sed -n 's/^# tags: //p' "$dir/build.txt")
    while read -r binary package cflags; do
      if [[ $package == cc:* ]]; then
        # C source inside a pinned module: download it (verified against go.sum), compile it.
        IFS=: read -r _ module path <<< "$package"
        version=$(awk -v m="$module" '$1 == "require" && $2 == m {print $3}' "$dir/go.mod")
        moddir=$(python3 "${V6K_ROOT}/scripts/go-module-dir.py" "$module" "$version" "$dir/go.sum")
        log "toolchain: $component: cc $module/$path -> $binary"
        # shellcheck disable=SC2086
        cc $cflags -o "$out.tmp/bin/$binary" "$moddir/$path"
        strip "$out.tmp/bin/$binary"
      else
        log "toolchain: $component: go build $package -> $binary"
        (cd "$dir" && go build -tags "$tags" -ldflags "-s -w ${ldflags}" -o "$out.tmp/bin/$binary" "$package")
      fi
    done < <(grep -v '^#' "$dir/build.txt" | awk 'NF')
    # The modules that went into the build (a component with C sources only lists its requirement).
    (cd "$dir" && go list -m -f '{{.Path}} {{.Version}}' all 2>/dev/null) > "$out.tmp/modules.txt" \
      || awk '$1 == "require" {print $2, $3}' "$dir/go.mod" > "$out.tmp/modules.txt"
    touch "$out.tmp/.complete"
    rm -rf "$out"
    mv "$out.tmp" "$out"
    log "toolchain: $component built in $(( $(date +%s) - start ))s"
  fi
  ln -sfn "$(basename "$out")" "$cache/$component"
  # Builds of earlier pins are not needed any more.
  find "$cache" -maxdepth 1 -type d -name "$component-*" ! -name "$(basename "$out")" -exec rm -rf {} +
done
