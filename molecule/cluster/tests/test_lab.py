"""The lab itself, on the cluster scenario's five hosts before anything else looks at them: the lab network is
IPv6-only, its hosts reach each other over it, and a lab host boots systemd clean. (These were a scenario of their
own; they need no hosts of their own.)"""

from __future__ import annotations

import pytest

BARE_HOST = "v6k-worker2"  # untouched until the story's growth step: systemd as the lab image boots it


def test_lab_interface_has_no_ipv4(host):
    addresses = host.check_output("ip -o addr show dev eth0")
    assert " inet " not in addresses, addresses
    assert " inet6 fd00:40::" in addresses


def test_no_ipv4_route(host):
    assert host.check_output("ip -4 route show") == ""


def test_peers_reach_each_other_over_ipv6(host, host_name, platform_addresses):
    assert len(platform_addresses) == 5
    for name, address in platform_addresses.items():
        if name != host_name:
            result = host.run(f"ping -6 -c 1 -W 2 {address}")
            assert result.rc == 0, f"{host_name} -> {name} ({address}): {result.stdout} {result.stderr}"


def test_a_bare_lab_host_boots_systemd_clean(host, host_name):
    if host_name != BARE_HOST:
        pytest.skip("a cluster node: its units are the cluster's, checked in test_cluster.py")
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state == "running", host.run("systemctl --failed --no-legend").stdout
