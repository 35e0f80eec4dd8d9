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
