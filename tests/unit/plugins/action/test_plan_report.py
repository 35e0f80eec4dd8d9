"""The plan_report action: the resolved plan printed verbatim on the controller, and returned as text."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.v6kube.cluster.plugins.action import plan_report as action_module
from ansible_collections.v6kube.cluster.plugins.action.plan_report import ActionModule
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import plan_report, resolve_plan
from ansible_collections.v6kube.cluster.plugins.modules import plan_report as module_docs

PLAN = resolve_plan({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"],
                     "host_subnets": [{"name": "nodes", "ipv6": "2001:db8:1::/64"}],
                     "nodes": [{"name": "cp1", "addresses": ["2001:db8:1::10"]}]})


@pytest.fixture()
def printed(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(action_module.display, "display", lambda msg, *args, **kwargs: lines.append(msg))
    return lines


def run_action(args, check_mode=False):
    loader = DataLoader()
    task = Task.load({"action": "v6kube.cluster.plan_report", "args": args, "check_mode": check_mode})
    connection = MagicMock()
    action = ActionModule(task=task, connection=connection, play_context=PlayContext(), loader=loader,
                          templar=Templar(loader=loader), shared_loader_obj=None)
    result = action.run(task_vars={})
    assert not connection.method_calls  # nothing goes to the target
    return result


def test_prints_the_report_verbatim_and_returns_it(printed):
    result = run_action({"plan": PLAN, "sans": ["kubernetes", "2001:db8:43::1"]})
    assert not result.get("failed") and result["changed"] is False
    assert printed == [result["report"]] == [plan_report(PLAN, ["kubernetes", "2001:db8:43::1"])]
    assert result["lines"] == result["report"].splitlines()
    assert "nodes   IPv6-only  2001:db8:1::/64  -     cp1" in result["lines"]
    assert result["lines"][-1] == "apiserver certSANs (2): kubernetes, 2001:db8:43::1"


def test_print_false_and_check_mode(printed):
    assert run_action({"plan": PLAN, "print": False})["report"] and printed == []
    assert run_action({"plan": PLAN, "print": "yes"}, check_mode=True)["report"] == printed[0]


def test_not_a_resolved_plan_fails_naming_it(printed):
    result = run_action({"plan": {"stack": "ipv6"}})
    assert result["failed"] and printed == []
    assert result["msg"].startswith("v6kube.cluster.plan_report: plan must be the resolved plan")


@pytest.mark.parametrize(("args", "match"), [({}, "plan"), ({"plan": PLAN, "sans": "x", "colour": 1}, "colour"),
                                             ({"plan": PLAN, "print": "maybe"}, "print")])
def test_arguments_are_checked_against_the_spec(printed, args, match):
    with pytest.raises(AnsibleActionFail, match=match):
        run_action(args)


def test_return_documentation_matches_the_result(printed, return_documented):
    return_documented(module_docs.RETURN, run_action({"plan": PLAN}))
    return_documented(module_docs.RETURN, run_action({"plan": PLAN}, check_mode=True), "check mode")
    return_documented(module_docs.RETURN, run_action({"plan": {"stack": "ipv6"}}), "failure")
