from __future__ import annotations

import json

import pytest

from ansible_collections.v6kube.cluster.plugins.modules import pod_network

NODES = [{"metadata": {"name": n}, "spec": {"podCIDRs": [c]},
          "status": {"addresses": [{"type": "InternalIP", "address": a}]}}
         for n, c, a in [("cp1", "fd00:42::/64", "fd00:40::10"), ("w1", "fd00:42:0:1::/64", "fd00:40::20")]]


@pytest.fixture()
def kernel(monkeypatch):
    """The node's route table of the pod network's protocol, and the ip commands the module ran."""
    state = {"routes": [], "ran": []}

    def run_command(self, args, **_):
        state["ran"].append(args)
        if args[1] == "-j":
            family = args[2]
            return 0, json.dumps([r for r in state["routes"] if (":" in r["dst"]) == (family == "-6")]), ""
        if args[1:3] == ["route", "replace"]:
            state["routes"] = [r for r in state["routes"] if r["dst"] != args[3]] + [{"dst": args[3], "gateway": args[5]}]
            return 0, "", ""
        if args[1:3] == ["route", "del"]:
            state["routes"] = [r for r in state["routes"] if r["dst"] != args[3]]
            return 0, "", ""
        return 1, "", "unexpected"

    monkeypatch.setattr(pod_network.AnsibleModule, "run_command", run_command)
    return state


def args(tmp_path, **extra):
    return dict({"node_name": "cp1", "nodes": NODES, "conf_path": str(tmp_path / "net.d" / "10-v6kube.conflist"),
                 "routes_path": str(tmp_path / "v6kube" / "pod-routes.batch")}, **extra)


def test_writes_the_configuration_and_routes_then_changes_nothing(run_module, kernel, tmp_path):
    result = run_module(pod_network.main, args(tmp_path), diff=True)
    assert result["changed"] is True and not result["failed"]
    assert result["routes"] == [{"subnet": "fd00:42:0:1::/64", "via": "fd00:40::20", "node": "w1"}]
    assert result["pod_cidrs"] == ["fd00:42::/64"]
    assert kernel["routes"] == [{"dst": "fd00:42:0:1::/64", "gateway": "fd00:40::20"}]
    conf = json.loads((tmp_path / "net.d" / "10-v6kube.conflist").read_text())
    assert conf["plugins"][0]["ipam"]["ranges"] == [[{"subnet": "fd00:42::/64"}]]
    assert (tmp_path / "net.d" / "10-v6kube.conflist").stat().st_mode & 0o777 == 0o644
    assert "proto 203" in (tmp_path / "v6kube" / "pod-routes.batch").read_text()
    assert result["diff"][0]["before"] == ""
    again = run_module(pod_network.main, args(tmp_path))
    assert again["changed"] is False and again["added"] == [] and again["removed"] == []


def test_check_mode_changes_nothing(run_module, kernel, tmp_path):
    result = run_module(pod_network.main, args(tmp_path), check_mode=True)
    assert result["changed"] is True and result["added"]
    assert kernel["routes"] == [] and not (tmp_path / "net.d").exists()


def test_removes_routes_of_nodes_that_are_gone(run_module, kernel, tmp_path):
    kernel["routes"] = [{"dst": "fd00:42:0:7::/64", "gateway": "fd00:40::77"}]
    result = run_module(pod_network.main, args(tmp_path))
    assert result["removed"] == ["fd00:42:0:7::/64"]
    assert kernel["routes"] == [{"dst": "fd00:42:0:1::/64", "gateway": "fd00:40::20"}]


def test_bad_input_names_the_problem_and_touches_nothing(run_module, kernel, tmp_path):
    result = run_module(pod_network.main, args(tmp_path, node_name="w9"))
    assert result["failed"] and "node_name w9 is not among the cluster's nodes" in result["msg"]
    assert kernel["ran"] == [] and not (tmp_path / "net.d").exists()
    result = run_module(pod_network.main, args(tmp_path, route_protocol=300))
    assert result["failed"] and "route_protocol 300" in result["msg"]


def test_an_unusable_path_is_reported_and_nothing_changes(run_module, kernel, tmp_path):
    (tmp_path / "net.d").write_text("a file where the directory should be")
    result = run_module(pod_network.main, args(tmp_path))
    assert result["failed"] and "pod_network: cannot" in result["msg"] and "10-v6kube.conflist" in result["msg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.d"] and kernel["routes"] == []
