from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._sans import cert_sans

HA = {
    "control_plane_endpoint": "[2001:db8:1::100]:6443",
    "control_plane": [
        {"name": "cp1", "fqdn": "cp1.example.com", "addresses": ["2001:db8:1::10"]},
        {"name": "cp2", "addresses": ["2001:DB8:1:0::20"]},
        {"name": "CP3", "addresses": ["2001:db8:1::30"]},
    ],
    "service_subnets": ["2001:db8:43::/112"],
}


def test_ha_ipv6_sans_exact():
    assert cert_sans(HA) == [
        "cp1",
        "cp1.example.com",
        "cp2",
        "cp3",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "localhost",
        "::1",
        "2001:db8:1::10",
        "2001:db8:1::20",
        "2001:db8:1::30",
        "2001:db8:1::100",
        "2001:db8:43::1",
    ]


def test_dual_stack_adds_ipv4_service_ip_and_loopback():
    sans = cert_sans(dict(HA, service_subnets=["2001:db8:43::/112", "10.96.0.0/16"], cluster_domain="k8s.internal"))
    assert "10.96.0.1" in sans and "127.0.0.1" in sans
    assert "kubernetes.default.svc.k8s.internal" in sans
    assert sans.index("2001:db8:43::1") < sans.index("10.96.0.1")


def test_ipv6_only_has_no_ipv4_loopback():
    assert "127.0.0.1" not in cert_sans(HA)


def test_dns_endpoint_and_extras_deduplicated():
    sans = cert_sans(
        dict(
            HA,
            control_plane_endpoint="API.Example.com:6443",
            extra=["api.example.com", "*.apps.example.com", "2001:db8:1::10", "[2001:db8:1::200]"],
        )
    )
    assert sans.count("api.example.com") == 1
    assert sans.count("2001:db8:1::10") == 1
    assert "*.apps.example.com" in sans and "2001:db8:1::200" in sans
    names = [s for s in sans if ":" not in s and not s[0].isdigit()]
    assert names == sorted(names)
    assert sans[: len(names)] == names


def test_contains_everything_kubeadm_writes():
    # pkiutil.GetAPIServerAltNames: node name, kubernetes.*, first service IP, advertise address, endpoint host.
    sans = set(cert_sans(HA))
    for member in HA["control_plane"]:
        assert member["name"].lower() in sans
    assert {"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
            "2001:db8:43::1", "2001:db8:1::100", "2001:db8:1::10"} <= sans


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"control_plane": [{"name": "cp_1", "addresses": []}]}, r"control_plane\[0\].name 'cp_1' is not a valid DNS"),
        ({"control_plane": [{"name": "cp1", "addresses": ["cp1.example.com"]}]}, r"is not an IP address"),
        ({"control_plane": [{"name": "cp1", "addresses": ["2001:db8::zz"]}]}, r"not a valid IPv6 address"),
        ({"control_plane": [{"name": "cp1", "addresses": ["fe80::1%eth0"]}]}, r"has a zone index"),
        ({"control_plane": ["cp1"]}, r"control_plane\[0\] must be a mapping"),
        ({"extra": ["bad name"]}, r"extra\[0\] 'bad name' is neither an IP address nor a valid DNS name"),
        ({"service_subnets": []}, r"service_subnets is required"),
        ({"service_subnets": ["2001:db8:43::1/112"]}, r"has host bits set"),
        ({"control_plane_endpoint": "2001:db8:1::100:6443"}, r"must be in brackets"),
        ({"cluster_domain": "bad_domain"}, r"cluster_domain 'bad_domain' is not a valid DNS name"),
        ({"sans": []}, r"unknown key\(s\) sans"),
    ],
)
def test_rejects(change, match):
    with pytest.raises(AddressError, match=match):
        cert_sans(dict(HA, **change))
