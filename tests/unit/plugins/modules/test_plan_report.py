"""The plan_report module (run on a host: the text is returned, not printed)."""

from __future__ import annotations

import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._plan import REPORT_ARGUMENT_SPEC, resolve_plan
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import plan_report as report
from ansible_collections.v6kube.cluster.plugins.modules import plan_report

PLAN = resolve_plan({"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"]})


def test_returns_the_report(run_module, return_documented):
    result = run_module(plan_report.main, {"plan": PLAN, "sans": ["kubernetes"]})
    assert not result["failed"] and result["changed"] is False
    assert result["report"] == report(PLAN, ["kubernetes"]) and result["lines"] == result["report"].splitlines()
    return_documented(plan_report.RETURN, result)


def test_not_a_resolved_plan(run_module, return_documented):
    result = run_module(plan_report.main, {"plan": {"families": "ipv6"}})
    assert result["failed"] and result["msg"].startswith("v6kube.cluster.plan_report: plan must be the resolved plan")
    return_documented(plan_report.RETURN, result, "failure")


def test_arguments_are_checked(run_module):
    result = run_module(plan_report.main, {"sans": ["x"]})
    assert result["failed"] and "plan" in result["msg"]


def test_documentation_parses_and_matches_the_spec():
    doc = yaml.safe_load(plan_report.DOCUMENTATION)
    assert yaml.safe_load(plan_report.EXAMPLES) and yaml.safe_load(plan_report.RETURN)
    assert {key: {k: v for k, v in opt.items() if k in ("type", "elements", "required", "default")}
            for key, opt in doc["options"].items()} == REPORT_ARGUMENT_SPEC
