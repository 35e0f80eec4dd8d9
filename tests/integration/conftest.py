"""Shared helpers for the controller-side integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))


@pytest.fixture(scope="session")
def toolchain():
    """bin directory of a lab toolchain component built by scripts/build-toolchain.sh.

    `make test` sets V6KUBE_REQUIRE_TOOLCHAIN=1 and builds first, so a missing build fails there; a bare pytest
    run without the build skips these tests instead."""

    def locate(component: str) -> Path:
        result = subprocess.run([str(ROOT / "scripts" / "build-toolchain.sh"), "--path", component],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if os.environ.get("V6KUBE_REQUIRE_TOOLCHAIN") == "1":
                pytest.fail(f"{component} is not built: {result.stderr.strip()}")
            pytest.skip(f"{component} is not built (scripts/build-toolchain.sh {component})")
        return Path(result.stdout.strip())

    return locate
