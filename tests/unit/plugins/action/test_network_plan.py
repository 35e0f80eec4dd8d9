"""The network_plan action: it runs on the controller, checks its arguments and returns the resolved plan."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.v6kube.cluster.plugins.action.network_plan import ActionModule
from ansible_collections.v6kube.cluster.plugins.modules import network_plan as module_docs

PLAN = {"stack": "ipv6", "pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
        "host_subnets": ["2001:db8:1::/64"], "control_plane_endpoint": "[2001:db8:1::100]:6443", "node_count": 200}


def run_action(args, check_mode=False):
    loader = DataLoader()
    task = Task.load({"action": "v6kube.cluster.network_plan", "args": args, "check_mode": check_mode})
    connection = MagicMock()
    action = ActionModule(task=task, connection=connection, play_context=PlayContext(), loader=loader,
                          templar=Templar(loader=loader), shared_loader_obj=None)
    result = action.run(task_vars={})
    connection.assert_not_called()  # nothing goes to the target
    assert not connection.method_calls
    return result


def test_resolves_the_plan():
    result = run_action(PLAN)
    assert not result.get("failed") and result["changed"] is False
    plan = result["plan"]
    assert plan["api_service_ips"] == ["2001:db8:43::1"] and plan["dns_service_ips"] == ["2001:db8:43::a"]
    assert plan["control_plane_host"] == "2001:db8:1::100" and plan["max_nodes"] == 256
    assert any("room for 256 nodes" in line for line in result["table"])


def test_check_mode_gives_the_same_answer():
    assert run_action(PLAN, check_mode=True)["plan"] == run_action(PLAN)["plan"]


def test_every_problem_is_reported_with_the_key():
    result = run_action(dict(PLAN, service_subnets=["fd00:10::/104"], node_count=300))
    assert result["failed"]
    assert len(result["problems"]) == 2
    assert "service_subnets[0] fd00:10::/104 has 24 host bits" in result["msg"]
    assert "node_count 300 exceeds the ipv6 capacity" in result["msg"]
    assert result["msg"].startswith("v6kube.cluster.network_plan")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"pod_subnets": ["2001:db8:42::/56"]}, "missing required arguments: service_subnets"),
        (dict(PLAN, stack="ipv4"), "stack"),
        (dict(PLAN, pod_cidr="2001:db8::/56"), "pod_cidr"),
        (dict(PLAN, node_count="many"), "node_count"),
    ],
)
def test_arguments_are_checked_against_the_spec(args, match):
    # validate_argument_spec raises; the task executor turns AnsibleActionFail into a failed result.
    with pytest.raises(AnsibleActionFail, match=match):
        run_action(args)


def test_return_documentation_matches_the_result(return_documented):
    # The action's documentation is the module stub's (plugins/modules/network_plan.py).
    return_documented(module_docs.RETURN, run_action(PLAN), structured=("plan",))
    return_documented(module_docs.RETURN, run_action(PLAN, check_mode=True), "check mode")
    return_documented(module_docs.RETURN, run_action(dict(PLAN, node_count=300)), "failure")


def test_typed_host_subnets_and_nodes_from_a_play():
    # As playbooks/plan.yml passes them: mappings and CIDR strings in one list, nodes from the inventory.
    result = run_action(dict(PLAN, stack="dual", pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"],
                             service_subnets=["2001:db8:43::/112", "10.96.0.0/16"],
                             host_subnets=[{"name": "lab", "ipv6": "2001:db8:1::/64", "ipv4": "10.48.0.0/24"},
                                           "2001:db8:2::/64"],
                             nodes=[{"name": "cp1", "addresses": ["2001:db8:1::10", "10.48.0.10"]}]))
    assert not result.get("failed"), result
    assert result["plan"]["host_network"]["node_subnets"] == {"cp1": "lab"}
    assert result["plan"]["host_subnets"] == ["2001:db8:1::/64", "10.48.0.0/24", "2001:db8:2::/64"]


DUAL = dict(PLAN, stack="dual", pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"],
            service_subnets=["2001:db8:43::/112", "10.96.0.0/16"],
            nodes=[{"name": "cp1", "addresses": ["2001:db8:1::10", "10.48.0.10"]}])


def test_a_dual_stack_node_across_two_flat_subnets_is_accepted():
    # The flat form of every dual-stack inventory before named subnets: the two CIDR strings pair up.
    result = run_action(dict(DUAL, host_subnets=["2001:db8:1::/64", "10.48.0.0/24"]))
    assert not result.get("failed"), result
    network = result["plan"]["host_network"]
    assert network["node_subnets"] == {"cp1": "2001:db8:1::/64"}
    assert [s["nodes"] for s in network["subnets"]] == [["cp1"], ["cp1"]]


def test_a_dual_stack_node_across_a_named_and_a_flat_subnet_is_told_to_declare_one():
    result = run_action(dict(DUAL, host_subnets=[{"name": "lab", "ipv6": "2001:db8:1::/64"}, "10.48.0.0/24"]))
    assert result["failed"]
    assert ("declare host_subnets[0] (lab) and host_subnets[1] 10.48.0.0/24 as one dual-stack subnet, {name: lab, "
            "ipv6: 2001:db8:1::/64, ipv4: 10.48.0.0/24}, in place of both") in result["msg"], result["msg"]
