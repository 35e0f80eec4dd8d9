"""The sysctl role on real kernels: live values, the persistent file, and br_netfilter at boot."""

from __future__ import annotations

import pytest

IPV6 = {
    "net.ipv6.conf.all.forwarding": "1",
    "net.ipv6.conf.default.forwarding": "1",
    "net.ipv6.conf.all.accept_ra": "2",
    "net.ipv6.conf.default.accept_ra": "2",
    "net.ipv6.conf.default.disable_ipv6": "0",
    "net.bridge.bridge-nf-call-ip6tables": "1",
    "net.ipv6.conf.default.hop_limit": "63",
}
DUAL_ONLY = {"net.ipv4.ip_forward": "1", "net.bridge.bridge-nf-call-iptables": "1"}


def live(host, key):
    return host.file("/proc/sys/" + key.replace(".", "/")).content_string.strip()


def persisted(host):
    lines = host.file("/etc/sysctl.d/90-v6kube.conf").content_string.splitlines()
    return dict(line.split(" = ", 1) for line in lines if line and not line.startswith("#"))


def is_dual(host_name):
    return host_name.endswith("-dual")


@pytest.mark.parametrize(("key", "value"), sorted(IPV6.items()))
def test_ipv6_settings_live_and_persisted(host, key, value):
    assert live(host, key) == value
    assert persisted(host)[key] == value


def test_ipv4_settings_only_for_dual_stack(host, host_name):
    saved = persisted(host)
    for key, value in DUAL_ONLY.items():
        if is_dual(host_name):
            assert saved[key] == value and live(host, key) == value
        else:
            assert key not in saved


def test_null_removes_a_default(host):
    assert "net.ipv6.conf.all.disable_ipv6" not in persisted(host)


def test_file_is_sorted_and_readable(host):
    f = host.file("/etc/sysctl.d/90-v6kube.conf")
    assert f.mode == 0o644 and f.user == "root"
    keys = list(persisted(host))
    assert keys == sorted(keys)


def test_br_netfilter_loaded_at_boot(host):
    assert "br_netfilter" in host.file("/etc/modules-load.d/v6kube.conf").content_string.split()


def test_file_applies_cleanly_with_sysctl_system(host, host_name):
    # What happens at the next boot: systemd-sysctl / sysctl --system must accept every line.
    if not is_dual(host_name):
        pytest.skip("procps is on the systemd host only")
    result = host.run("/usr/lib/systemd/systemd-sysctl /etc/sysctl.d/90-v6kube.conf")
    assert result.rc == 0, result.stderr
