"""The filters as Ansible loads them: results, and invalid input turned into AnsibleFilterError."""

from __future__ import annotations

import importlib

import pytest
from ansible.errors import AnsibleFilterError

FILTERS = ("subnet_nth", "carve", "ip_endpoint", "network_plan", "cert_sans")


def load(name):
    module = importlib.import_module(f"ansible_collections.v6kube.cluster.plugins.filter.{name}")
    return module.FilterModule().filters()[name]


@pytest.mark.parametrize("name", FILTERS)
def test_each_file_documents_its_filter(name):
    module = importlib.import_module(f"ansible_collections.v6kube.cluster.plugins.filter.{name}")
    assert f"name: {name}" in module.DOCUMENTATION
    assert module.EXAMPLES.strip() and module.RETURN.strip()
    assert list(module.FilterModule().filters()) == [name]


def test_subnet_nth_filter():
    assert load("subnet_nth")("2001:db8::/32", 64, 4294967295) == "2001:db8:ffff:ffff::/64"


def test_carve_filter():
    assert load("carve")("2001:db8::/48", [{"name": "pods", "prefix": 56}]) == {"pods": "2001:db8::/56"}


def test_ip_endpoint_filter():
    assert load("ip_endpoint")("::1", 2379, "https") == "https://[::1]:2379"
    assert load("ip_endpoint")("2001:db8::1", 6443) == "[2001:db8::1]:6443"


def test_network_plan_filter():
    plan = load("network_plan")({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"]})
    assert plan["dns_service_ips"] == ["2001:db8:43::a"]


def test_cert_sans_filter():
    assert "2001:db8:43::1" in load("cert_sans")({"service_subnets": ["2001:db8:43::/112"]})


@pytest.mark.parametrize(
    ("name", "args", "match"),
    [
        ("subnet_nth", ("2001:db8::/32", 64, 2**32), r"^v6kube\.cluster\.subnet_nth: index 4294967296 is out of range"),
        ("subnet_nth", ("2001:db8::1/32", 64, 0), r"^v6kube\.cluster\.subnet_nth: prefix '2001:db8::1/32' has host bits"),
        ("subnet_nth", ({"a": 1}, 64, 0), r"^v6kube\.cluster\.subnet_nth: prefix must be a CIDR string"),
        ("carve", ("2001:db8::/64", [{"name": "a", "prefix": 63}]), r"^v6kube\.cluster\.carve: request 'a' asks for /63"),
        ("carve", ("2001:db8::/64", None), r"^v6kube\.cluster\.carve: requests must be a list"),
        ("ip_endpoint", ("2001:db8::1", 99999), r"^v6kube\.cluster\.ip_endpoint: port 99999 is out of range"),
        ("ip_endpoint", (None, 443), r"^v6kube\.cluster\.ip_endpoint: host must be a non-empty string"),
        ("network_plan", ({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["fd00:10::/104"]},),
         r"^v6kube\.cluster\.network_plan: service_subnets\[0\] fd00:10::/104 has 24 host bits; kube-apiserver "
         r"allows at most 20 \(use /108 or longer\)$"),
        ("network_plan", ({"pod_subnets": ["10.0.0.0/16"], "service_subnets": ["fd00:10::/104"]},),
         r"^v6kube\.cluster\.network_plan: the plan has 3 problems:\n  - "),
        ("network_plan", ("not a plan",), r"^v6kube\.cluster\.network_plan: the plan must be a mapping"),
        ("network_plan", ({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                           "lb_subnets": ["2001:db8:44::/64"] * 200},),
         r"^v6kube\.cluster\.network_plan: the plan has 19900 problems:\n(  - .*\n){50}  - \.\.\. and 19850 more "),
        ("cert_sans", ({"service_subnets": ["x"]},), r"^v6kube\.cluster\.cert_sans: service_subnets\[0\] 'x' has no prefix"),
        ("cert_sans", ([],), r"^v6kube\.cluster\.cert_sans: the input must be a mapping"),
    ],
)
def test_invalid_input_is_an_ansible_error(name, args, match):
    with pytest.raises(AnsibleFilterError, match=match):
        load(name)(*args)
