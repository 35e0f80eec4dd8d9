"""The netplan role's result on a real systemd host: file, live addresses, routes, no IPv4, guard disarmed."""

from __future__ import annotations

import yaml

FILE = "/etc/netplan/60-v6kube.yaml"


def test_file_is_private_and_valid(host):
    f = host.file(FILE)
    assert f.mode == 0o600 and f.user == "root"
    doc = yaml.safe_load(f.content_string)
    eth0 = doc["network"]["ethernets"]["eth0"]
    assert eth0["addresses"] == ["fd00:40::121/64"]
    assert eth0["routes"] == [{"to": "default", "via": "fd00:40::1"}]
    assert eth0["dhcp4"] is False
    assert "gateway6" not in eth0
    assert host.run("netplan generate").rc == 0


def test_static_address_and_default_route_live(host):
    assert "fd00:40::121/64" in host.check_output("ip -6 -o addr show dev eth0 scope global")
    assert "default via fd00:40::1 dev eth0" in host.check_output("ip -6 route show default")


def test_no_ipv4_on_the_interface(host):
    assert host.check_output("ip -4 -o addr show dev eth0") == ""


def test_networkd_manages_the_interface(host):
    status = host.check_output("networkctl status eth0 --no-pager")
    assert "configured" in status, status


def test_resolver_configured(host):
    status = host.check_output("networkctl status eth0 --no-pager")
    assert "fd00:40::1" in status and "lab.v6kube.test" in status


def test_rollback_guard_disarmed(host):
    assert not host.file("/var/lib/v6kube/netplan-rollback.armed").exists
    assert host.run("systemctl is-active v6kube-netplan-rollback.timer").stdout.strip() != "active"
    assert not host.file(FILE + ".v6kube-staged").exists


def test_boot_time_rollback_enabled(host):
    assert host.run("systemctl is-enabled v6kube-netplan-guard-boot.service").stdout.strip() == "enabled"


def test_gateway_reachable(host):
    assert host.run("ping -c 1 -W 2 fd00:40::1").rc == 0
