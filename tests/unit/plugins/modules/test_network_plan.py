"""The network_plan module (the same checks as the action, when run as a module on a host)."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.modules import network_plan

PLAN = {"stack": "ipv6", "pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
        "host_subnets": ["2001:db8:1::/64"], "control_plane_endpoint": "[2001:db8:1::100]:6443", "node_count": 200}


def test_resolves_the_plan(run_module):
    result = run_module(network_plan.main, PLAN)
    assert not result["failed"] and result["changed"] is False
    assert result["plan"]["kubeadm_service_subnet"] == "2001:db8:43::/112"
    assert result["plan"]["controller_manager_args"] == {"node-cidr-mask-size-ipv6": "64"}
    assert result["table"]


def test_dual_stack(run_module):
    result = run_module(network_plan.main, dict(PLAN, stack="dual", pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"],
                                                service_subnets=["2001:db8:43::/112", "10.96.0.0/16"]))
    assert not result["failed"], result
    assert result["plan"]["families"] == ["ipv6", "ipv4"]
    assert result["plan"]["dns_service_ips"] == ["2001:db8:43::a", "10.96.0.10"]


def test_problems_are_listed(run_module):
    result = run_module(network_plan.main, dict(PLAN, pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"]))
    assert result["failed"]
    assert result["problems"] and "pod_subnets[1] 10.244.0.0/16 is IPv4 but stack is ipv6" in result["msg"]
    assert result["msg"].startswith("v6kube.cluster.network_plan: ")


@pytest.mark.parametrize(("args", "match"), [({"pod_subnets": ["2001:db8:42::/56"]}, "service_subnets"),
                                             (dict(PLAN, stack="ipv4"), "stack")])
def test_arguments_are_checked(run_module, args, match):
    result = run_module(network_plan.main, args)
    assert result["failed"] and match in result["msg"]


def test_documentation_parses():
    for text in (network_plan.DOCUMENTATION, network_plan.EXAMPLES, network_plan.RETURN):
        assert yaml.safe_load(text)


def test_return_documentation_matches_the_result(run_module, return_documented):
    return_documented(network_plan.RETURN, run_module(network_plan.main, PLAN), structured=("plan",))
    return_documented(network_plan.RETURN, run_module(network_plan.main, PLAN, check_mode=True), "check mode")
    return_documented(network_plan.RETURN, run_module(network_plan.main, dict(PLAN, node_count=300)), "failure")


TYPED = dict(PLAN, network={"ipv6_prefix": "2001:db8:1::/56"},
             host_subnets=[{"name": "nodes", "ipv6": "auto"}, "10.0.9.0/24"],
             nodes=[{"name": "cp1", "addresses": ["2001:db8:1::10"]}, {"name": "cp2", "addresses": "2001:db8:1::20"}])


def test_typed_host_subnets_and_nodes(run_module, return_documented):
    result = run_module(network_plan.main, TYPED)
    assert not result["failed"], result
    network = result["plan"]["host_network"]
    assert [(s["name"], s["stack"], s["ipv6"], s["ipv4"]) for s in network["subnets"]] == [
        ("nodes", "ipv6", "2001:db8:1::/64", None), ("10.0.9.0/24", "ipv4", None, "10.0.9.0/24")]
    assert network["node_subnets"] == {"cp1": "nodes", "cp2": "nodes"} and network["ipv4_subnets"] == ["10.0.9.0/24"]
    assert any(line.startswith("nodes   IPv6-only") for line in result["table"]), result["table"]
    return_documented(network_plan.RETURN, result, structured=("plan",))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nodes": [{"name": "cp1", "addresses": ["10.0.9.10"]}]}, "node cp1 (nodes[0]) sits in the IPv4-only subnet"),
        ({"nodes": [{"addresses": ["2001:db8:1::10"]}]}, "missing required arguments: name found in nodes"),
        ({"network": {"ipv6": "2001:db8::/56"}}, "ipv6"),
        ({"host_subnets": [{"name": "a", "ipv6": "2001:db8:1::/60"}]}, "host_subnets[0].ipv6 2001:db8:1::/60 is a /60"),
        ({"host_subnets": [5]}, "host_subnets[0] must be a CIDR string or a mapping {name, ipv6, ipv4}, got int 5"),
    ],
)
def test_host_network_problems_name_the_key(run_module, changes, message):
    result = run_module(network_plan.main, dict(TYPED, **changes))
    assert result["failed"] and message in result["msg"], result["msg"]


def test_the_examples_are_valid_plans(run_module):
    for task in yaml.safe_load(network_plan.EXAMPLES):
        result = run_module(network_plan.main, task["v6kube.cluster.network_plan"])
        assert not result["failed"], result["msg"]
