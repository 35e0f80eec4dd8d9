"""The lab network is IPv6-only and its hosts reach each other."""

from __future__ import annotations

import pytest

SYSTEMD_HOSTS = ("v6k-smoke-b",)  # image v6kube-systemd (molecule/smoke/molecule.yml)


def test_lab_interface_has_no_ipv4(host):
    addresses = host.check_output("ip -o addr show dev eth0")
    assert " inet " not in addresses, addresses
    assert " inet6 fd00:40::" in addresses


def test_no_ipv4_route(host):
    assert host.check_output("ip -4 route show") == ""


def test_peers_reach_each_other_over_ipv6(host, host_name, platform_addresses):
    assert len(platform_addresses) == 2
    for name, address in platform_addresses.items():
        if name != host_name:
            result = host.run(f"ping -6 -c 1 -W 2 {address}")
            assert result.rc == 0, result.stderr


def test_systemd_host_boots_clean(host, host_name):
    if host_name not in SYSTEMD_HOSTS:
        pytest.skip("a minimal image without systemd")
    assert host.exists("systemctl")
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state == "running", host.run("systemctl --failed --no-legend").stdout
