from __future__ import annotations

import pathlib

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._reboot import MARK, RebootError, plan, ready, request

HOSTS = ["cp1", "cp2", "cp3", "w1", "w2"]
CPS = ["cp1", "cp2", "cp3"]
ADDR = {"cp1": "fd00::1", "cp2": "fd00::2", "cp3": "fd00::3"}
ADDRESSES = {k: [v] for k, v in ADDR.items()}


def node(name, ready=True, beat="2026-12-07T10:00:00Z", unschedulable=False, marked=False):
    obj = {"metadata": {"name": name},
           "status": {"conditions": [{"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": beat},
                                     {"type": "Ready", "status": "True" if ready else "Unknown",
                                      "lastHeartbeatTime": beat}]}}
    if unschedulable:
        obj["spec"] = {"unschedulable": True}
    if marked:
        obj["metadata"]["annotations"] = {MARK: "1765100000"}
    return obj


def members(*names):
    return {"members": [{"ID": 0x1000 + i, "name": n, "peerURLs": [f"https://[{ADDR[n]}]:2380"],
                         "clientURLs": [f"https://[{ADDR[n]}]:2379"]} for i, n in enumerate(names)]}


def health(*healthy, dead=()):
    return ([{"endpoint": f"https://[{ADDR[n]}]:2379", "health": True} for n in healthy]
            + [{"endpoint": f"https://[{ADDR[n]}]:2379", "health": False} for n in dead])


ALL = [node(n) for n in HOSTS]


def test_control_planes_first_in_the_group_order_then_workers_in_the_inventory_order():
    req = request("w2, cp3,w1 ,cp1", HOSTS, CPS)
    assert req.control_planes == ("cp1", "cp3") and req.workers == ("w1", "w2")
    assert req.nodes == ("cp1", "cp3", "w1", "w2")
    assert request("all", HOSTS, CPS).nodes == ("cp1", "cp2", "cp3", "w1", "w2")


@pytest.mark.parametrize("nodes, match", [
    ("", "v6kube_reboot_nodes names no node.*v6kube_reboot_nodes=all"),
    (None, "v6kube_reboot_nodes must be a list"),
    ("w9", "v6kube_reboot_nodes: w9 not among the cluster's inventory hosts"),
    ({"a": 1}, "v6kube_reboot_nodes must be a list"),
    (["-bad"], "is not a node name"),
])
def test_bad_requests_are_refused_naming_the_variable(nodes, match):
    with pytest.raises(RebootError, match=match):
        request(nodes, HOSTS, CPS)


def test_each_control_plane_reaches_the_api_through_another_with_a_healthy_member_workers_through_the_first():
    result = plan(request("all", HOSTS, CPS), ALL, CPS, members(*CPS), health(*CPS), ADDRESSES)
    assert result.via == {"cp1": "cp2", "cp2": "cp1", "cp3": "cp1", "w1": "cp1", "w2": "cp1"}
    assert result.cordoned == result.resumed == result.not_ready == []


def test_a_control_plane_that_is_not_ready_is_not_the_way_to_the_api():
    nodes = [node("cp1", ready=False)] + ALL[1:]
    result = plan(request("w1,cp2", HOSTS, CPS), nodes, CPS, members(*CPS), health(*CPS), ADDRESSES)
    assert result.via == {"cp2": "cp3", "w1": "cp2"}


def test_an_operators_cordon_stays_an_earlier_runs_is_finished():
    nodes = ALL[:3] + [node("w1", unschedulable=True), node("w2", unschedulable=True, marked=True, ready=False)]
    result = plan(request("w1,w2", HOSTS, CPS), nodes, CPS)
    assert result.cordoned == ["w1"] and result.resumed == ["w2"] and result.not_ready == ["w2"]
    assert result.as_dict()["mark"] == MARK


def test_a_worker_plan_needs_no_etcd():
    assert plan(request("w1", HOSTS, CPS), ALL, CPS).via == {"w1": "cp1"}


def test_a_node_that_has_not_joined_is_refused():
    with pytest.raises(RebootError, match="w2 has no Node object in the cluster"):
        plan(request("w1,w2", HOSTS, CPS), ALL[:4], CPS)


def test_a_reboot_that_leaves_no_quorum_is_refused_naming_the_unhealthy_member():
    with pytest.raises(RebootError, match=r"cp1: while it reboots etcd would have 1 healthy of 3 members, below its "
                                          r"quorum of 2 \(cp3 not healthy now\)"):
        plan(request("cp1", HOSTS, CPS), ALL, CPS, members(*CPS), health("cp1", "cp2", dead=("cp3",)), ADDRESSES)
    # the unhealthy one itself may reboot: the two others keep the quorum
    result = plan(request("cp3", HOSTS, CPS), ALL, CPS, members(*CPS), health("cp1", "cp2", dead=("cp3",)), ADDRESSES)
    assert result.via == {"cp3": "cp1"}


def test_a_single_control_plane_cannot_reboot_with_its_api():
    with pytest.raises(RebootError, match="fewer than three control planes") as err:
        plan(request("cp1", ["cp1", "w1"], ["cp1"]), [node("cp1"), node("w1")], ["cp1"], members("cp1"),
             health("cp1"), ADDRESSES)
    assert len(err.value.problems) == 1   # no second complaint about the way to the API


def test_every_problem_at_once():
    with pytest.raises(RebootError) as err:
        plan(request("cp1,cp2,w2", HOSTS, CPS), ALL[:4], CPS, members(*CPS), health("cp1", dead=("cp2", "cp3")),
             ADDRESSES)
    assert len(err.value.problems) == 3 and "w2 has no Node object" in err.value.problems[0]


def test_a_member_is_found_by_its_peer_address_and_bad_etcd_output_is_named():
    unnamed = {"members": [dict(m, name="") for m in members(*CPS)["members"]]}
    assert plan(request("cp2", HOSTS, CPS), ALL, CPS, unnamed, health(*CPS), ADDRESSES).via == {"cp2": "cp1"}
    with pytest.raises(RebootError, match="members must be etcdctl's `member list -w json` output"):
        plan(request("cp2", HOSTS, CPS), ALL, CPS, None, None, ADDRESSES)
    with pytest.raises(RebootError, match="api_nodes must be the items"):
        plan(request("cp2", HOSTS, CPS), {"items": []}, CPS)


def test_ready_since_needs_a_heartbeat_after_the_time():
    before = 1796637600   # 2026-12-07T10:00:00Z
    nodes = [node("w1"), node("w2", beat="2026-12-07T10:00:05Z"), node("cp1", ready=False, beat="2026-12-07T11:00:00Z")]
    assert ready(nodes) == ["w1", "w2"]
    assert ready(nodes, names=["w2", "cp1"]) == ["w2"]
    assert ready(nodes, since=before + 1) == ["w2"]
    assert ready(nodes, since=before) == ["w1", "w2"]
    assert ready([node("w1", beat="not a time"), {"metadata": {}}], since=0) == []


@pytest.mark.parametrize("nodes, kwargs, match", [
    ({"metadata": {"name": "w1"}}, {}, "the input must be a list of Nodes"),
    ([node("w1")], {"names": "w1"}, "names must be a list"),
    ([node("w1")], {"since": "yesterday"}, "since must be seconds since the epoch"),
    ([node("w1")], {"since": True}, "since must be seconds since the epoch"),
])
def test_ready_names_bad_input(nodes, kwargs, match):
    with pytest.raises(RebootError, match=match):
        ready(nodes, **kwargs)


def test_ready_stays_fast_on_a_large_cluster():
    nodes = [node(f"n{i}") for i in range(20000)]
    assert len(ready(nodes, names=[f"n{i}" for i in range(0, 20000, 2)], since=0)) == 10000


def test_the_mark_is_the_one_the_uncordon_tasks_drop():
    tasks = pathlib.Path(__file__).parents[4] / "playbooks" / "tasks" / "uncordon.yml"
    assert f"__v6kube_reboot_mark: {MARK}\n" in tasks.read_text(encoding="utf-8")
