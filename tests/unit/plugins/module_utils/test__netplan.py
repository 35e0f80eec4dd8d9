from __future__ import annotations

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._netplan import NetplanError, build_config, render

GOOD = {
    "name": "eth0",
    "addresses": ["2001:db8:1::10/64"],
    "gateway": "2001:db8:1::1",
    "nameservers": ["2001:4860:4860::8888", "2606:4700:4700::1111"],
    "search": ["Example.com."],
}


def one(**changes):
    iface = dict(GOOD)
    iface.update(changes)
    return [iface]


def eth0(interfaces, stack="ipv6"):
    return build_config(interfaces, stack)["network"]["ethernets"]["eth0"]


def test_seed_document_interface():
    doc = build_config(one())
    assert doc["network"]["version"] == 2 and doc["network"]["renderer"] == "networkd"
    assert doc["network"]["ethernets"]["eth0"] == {
        "dhcp4": False,
        "dhcp6": False,
        "addresses": ["2001:db8:1::10/64"],
        "routes": [{"to": "default", "via": "2001:db8:1::1"}],
        "nameservers": {"addresses": ["2001:4860:4860::8888", "2606:4700:4700::1111"], "search": ["example.com"]},
    }


def test_render_round_trips_through_yaml():
    doc = build_config(one(routes=[{"to": "2001:db8:99::/48", "via": "fe80::1", "metric": 50, "on_link": True}],
                           match_mac="52:54:00:AA:bb:01", mtu=9000, accept_ra=False))
    text = render(doc)
    assert text.startswith("# Managed by v6kube.cluster")
    assert yaml.safe_load(text) == doc
    assert "gateway6" not in text


@pytest.mark.parametrize(
    ("changes", "key", "expected"),
    [
        ({"match_mac": "52:54:00:AA:BB:01"}, "match", {"macaddress": "52:54:00:aa:bb:01"}),
        ({"match_mac": "52:54:00:aa:bb:01"}, "set-name", "eth0"),
        ({"gateway": "fe80::1"}, "routes", [{"to": "default", "via": "fe80::1"}]),
        ({"gateway": "2001:db8:9::1", "gateway_on_link": True}, "routes",
         [{"to": "default", "via": "2001:db8:9::1", "on-link": True}]),
        ({"addresses": ["2001:DB8:1:0::10/64"]}, "addresses", ["2001:db8:1::10/64"]),
        ({"accept_ra": True}, "accept-ra", True),
        ({"mtu": 1280}, "mtu", 1280),
    ],
)
def test_accepted(changes, key, expected):
    assert eth0(one(**changes))[key] == expected


def test_dual_stack_allows_ipv4():
    iface = eth0(one(addresses=["2001:db8:1::10/64", "192.0.2.10/24"], gateway=["2001:db8:1::1", "192.0.2.1"],
                     nameservers=["2001:4860:4860::8888", "8.8.8.8"], dhcp4=False), stack="dual")
    assert iface["routes"] == [{"to": "default", "via": "2001:db8:1::1"}, {"to": "default", "via": "192.0.2.1"}]
    assert "8.8.8.8" in iface["nameservers"]["addresses"]


@pytest.mark.parametrize(
    ("interfaces", "match"),
    [
        (one(addresses=["2001:db8:1::10"]), r"addresses\[0\] '2001:db8:1::10' has no prefix length"),
        (one(addresses=["2001:db8:1::10/129"]), r"is not a valid address with prefix length"),
        (one(addresses=["2001:db8:1::/64"]), r"is the network address of 2001:db8:1::/64"),
        (one(addresses=["ff02::1/64"]), r"overlaps the multicast range"),
        (one(addresses=["::1/128"]), r"overlaps the loopback address"),
        (one(addresses=["192.0.2.10/24"]), r"addresses\[0\] 192.0.2.10/24 is IPv4 but the stack is ipv6"),
        (one(gateway="2001:db8:2::1"), r"gateway 2001:db8:2::1 is not on-link.*gateway_on_link: true"),
        (one(gateway="192.0.2.1"), r"gateway 192.0.2.1 is IPv4 but the stack is ipv6"),
        (one(gateway="not-an-ip"), r"gateway 'not-an-ip' is not a valid IP address"),
        (one(nameservers=["8.8.8.8"]), r"nameservers\[0\] 8.8.8.8 is IPv4 but the stack is ipv6: an IPv6-only host"),
        (one(search=["bad domain"]), r"search\[0\] 'bad domain' is not a DNS domain"),
        (one(dhcp4=True), r"dhcp4 is true but the stack is ipv6"),
        (one(mtu=1200), r"mtu 1200 is outside 1280 to 65535"),
        (one(mtu="big"), r"mtu must be an integer"),
        (one(match_mac="52:54:00"), r"match_mac '52:54:00' is not a MAC address"),
        (one(routes=[{"to": "10.0.0.0/8", "via": "2001:db8:1::1"}]), r"are of different families"),
        (one(routes=[{"to": "2001:db8:9::/48", "via": "2001:db8:7::1"}]), r"routes\[0\].via 2001:db8:7::1 is not on-link"),
        (one(routes=[{"to": "2001:db8:9::/48"}]), r"routes\[0\] must be a mapping with to and via"),
        (one(routes=[{"to": "2001:db8:9::/48", "via": "fe80::1", "metric": -1}]), r"metric -1 must be a non-negative"),
        (one(gateway_6="2001:db8:1::1"), r"unknown key 'gateway_6'"),
        ([{"name": "eth0", "dhcp6": False}], r"would have no address"),
        ([{"name": "this-name-is-too-long"}], r"is not an interface name"),
        (one() + one(), r"netplan_interfaces\[1\] repeats the interface name eth0"),
        ([], r"netplan_interfaces must be a non-empty list"),
    ],
)
def test_rejected(interfaces, match):
    with pytest.raises(NetplanError, match=match):
        build_config(interfaces)


def test_all_problems_reported_together():
    with pytest.raises(NetplanError) as info:
        build_config(one(addresses=["2001:db8:1::/64", "10.0.0.5/24"], gateway="2001:db8:2::1",
                         nameservers=["8.8.8.8"], dhcp4=True, mtu=1200))
    assert len(info.value.problems) == 6


def test_unknown_stack_and_renderer():
    with pytest.raises(NetplanError, match=r"netplan_stack 'ipv4' is not supported.*netplan_renderer 'ifupdown'"):
        build_config(one(), stack="ipv4", renderer="ifupdown")


@pytest.mark.parametrize(
    ("interfaces", "match"),
    [
        ([dict(GOOD, name="eth0\n")], r"name 'eth0\\n' is not an interface name"),
        (one(match_mac="52:54:00:12:34:56\n"), r"match_mac '52:54:00:12:34:56\\n' is not a MAC address"),
        (one(gateway="fe80::1%eth0"), r"carries a zone index"),
    ],
)
def test_rejects_trailing_newlines_and_zones(interfaces, match):
    with pytest.raises(NetplanError, match=match):
        build_config(interfaces)
