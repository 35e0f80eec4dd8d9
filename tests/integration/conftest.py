"""Shared helpers for the controller-side integration tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # kube_api, for the tests (--import-mode=importlib)

from kube_api import FLAVOURS, start_kube_api  # noqa: E402


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


@pytest.fixture(scope="session")
def kube_api_factory(toolchain, tmp_path_factory):
    """``get(flavour) -> KubeApi``: a real kube-apiserver and etcd of that flavour (tests/integration/kube_api.py),
    started at most once per session on first use and stopped at the end of the session.

    The servers are shared by every test of the session: a test creates its objects in namespaces of its own
    (named after the test) and asserts only on those, plus cluster-scoped objects it created with names of its
    own. Without the toolchain build the tests skip (bare pytest) or fail (``make test``), like ``toolchain``."""
    stack = contextlib.ExitStack()
    servers: dict = {}

    def get(flavour: str):
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour {flavour!r} is not one of {', '.join(FLAVOURS)}")
        if flavour not in servers:
            bin_dirs = {"kubernetes": toolchain("kubernetes"), "etcd": toolchain("etcd")}
            workdir = tmp_path_factory.mktemp(f"kube-api-{flavour}")
            servers[flavour] = stack.enter_context(start_kube_api(workdir, flavour, bin_dirs))
        return servers[flavour]

    with stack:
        yield get
