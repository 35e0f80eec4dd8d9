"""Download a Go module (outside any module), check its checksum against a go.sum, print its directory.

    python3 scripts/go-module-dir.py MODULE VERSION GO_SUM
Used by build-toolchain.sh for C sources that live in pinned Go modules (the pause program).
"""

import json
import os
import subprocess
import sys
import tempfile

module, version, go_sum = sys.argv[1:4]
pinned = {line.split()[2] for line in open(go_sum, encoding="utf-8")
          if line.split()[:2] == [module, version]}
env = {"GOFLAGS": ""}
with tempfile.TemporaryDirectory() as empty:
    out = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], cwd=empty, check=True,
                         capture_output=True, text=True, env={**os.environ, **env}).stdout
info = json.loads(out)
if info.get("Sum") not in pinned:
    sys.exit(f"{module}@{version}: checksum {info.get('Sum')} is not the one pinned in {go_sum}")
print(info["Dir"])
