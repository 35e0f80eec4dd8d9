"""Make this checkout importable as ansible_collections.v6kube.cluster (scripts/collections.sh links it)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".cache" / "collections"
if not (COLLECTIONS / "ansible_collections" / "v6kube" / "cluster").exists():
    raise RuntimeError("run `make collections` first: .cache/collections is missing")
sys.path.insert(0, str(COLLECTIONS))
