"""Shared testinfra set-up for every Molecule scenario.

Points testinfra at the scenario's podman instances (the podman backend is far faster than going through
Ansible) and exposes the fixed IPv6 address each platform gets on the lab network.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml


def _molecule_yml() -> dict:
    scenario = os.environ.get("MOLECULE_SCENARIO_DIRECTORY")
    if not scenario:
        return {}
    return yaml.safe_load(Path(scenario, "molecule.yml").read_text(encoding="utf-8")) or {}


def pytest_configure(config):
    # Molecule asks for the ansible backend; every instance here is a podman container named after its platform.
    names = [platform["name"] for platform in _molecule_yml().get("platforms", [])]
    if names:
        config.option.hosts = ",".join(f"podman://{name}" for name in names)


@pytest.fixture(scope="session")
def platform_addresses() -> dict[str, str]:
    """Platform name -> its fixed IPv6 address on the lab network (from --ip6= in extra_opts)."""
    found = {}
    for platform in _molecule_yml().get("platforms", []):
        for opt in platform.get("extra_opts", []):
            match = re.fullmatch(r"--ip6=(\S+)", opt)
            if match:
                found[platform["name"]] = match.group(1)
    return found


@pytest.fixture()
def host_name(host) -> str:
    """The instance name of the host under test."""
    return host.backend.name
