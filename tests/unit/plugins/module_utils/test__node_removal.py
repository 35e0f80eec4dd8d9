from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._node_removal import RemovalError, plan, request

HOSTS = ["cp1", "cp2", "cp3", "w1", "w2"]
CPS = ["cp1", "cp2", "cp3"]
ADDR = {"cp1": "fd00::1", "cp2": "fd00::2", "cp3": "fd00::3"}


def node(name, ready=True):
    return {"metadata": {"name": name},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "Unknown"}]}}


def members(*names, unstarted=()):
    items = [{"ID": 0x1000 + i, "name": n, "peerURLs": [f"https://[{ADDR[n]}]:2380"],
              "clientURLs": [f"https://[{ADDR[n]}]:2379"]} for i, n in enumerate(names)]
    items += [{"ID": 0x9000 + i, "peerURLs": [f"https://[{ADDR[n]}]:2380"]} for i, n in enumerate(unstarted)]
    return {"header": {}, "members": items}


def health(*healthy, dead=()):
    return ([{"endpoint": f"https://[{ADDR[n]}]:2379", "health": True} for n in healthy]
            + [{"endpoint": f"https://[{ADDR[n]}]:2379", "health": False, "error": "context deadline"} for n in dead])


def test_a_worker_request_from_the_command_line():
    req = request("w1, w2", "w2,w1", HOSTS, CPS)
    assert req.nodes == ("w1", "w2") and req.workers == ("w1", "w2") and req.control_planes == ()
    assert req.remaining == ("cp1", "cp2", "cp3") and req.remaining_control_planes == tuple(CPS)


@pytest.mark.parametrize("nodes, confirm, match", [
    ("", "", "names no node"),
    ("w9", "w9", r"w9 not among the cluster's inventory hosts"),
    ("w1", "", r"v6kube_remove_confirm must repeat the nodes to remove: -e v6kube_remove_confirm=w1 \(it is not set\)"),
    ("w1", "true", r"must repeat the nodes .*\(it is 'true'\)"),
    ("w1,w2", "w1", "must repeat"),
    ("cp1,cp2,cp3", "cp1,cp2,cp3", "would remove every control plane"),
    ({"a": 1}, "x", "v6kube_remove_nodes must be a list"),
    (["-bad"], "-bad", "is not a node name"),
])
def test_bad_requests_are_refused_naming_the_variable(nodes, confirm, match):
    with pytest.raises(RemovalError, match=match):
        request(nodes, confirm, HOSTS, CPS)


def test_a_worker_plan_needs_no_etcd():
    cordoned = dict(node("w2", ready=False), spec={"unschedulable": True})
    result = plan(request(["w1", "w2"], "w1,w2", HOSTS, CPS), [node("cp1"), node("w1"), cordoned])
    assert result.in_api == ["w1", "w2"] and result.not_ready == ["w2"] and result.members == []
    assert result.cordoned == ["w2"]  # a failed drain uncordons w1 only


def test_a_control_plane_removal_names_its_member_in_hex():
    result = plan(request("cp3", "cp3", HOSTS, CPS), [node("cp3")], members("cp1", "cp2", "cp3"),
                  health("cp1", "cp2", "cp3"), {k: [v] for k, v in ADDR.items()})
    assert result.members == [{"node": "cp3", "id": "1002"}]
    assert result.as_dict()["remaining_control_planes"] == ["cp1", "cp2"]


def test_a_dead_member_is_removed_first_and_a_node_gone_from_the_api_is_still_removed_from_etcd():
    result = plan(request("cp1,cp3", "cp1,cp3", HOSTS + ["cp4", "cp5"], CPS + ["cp4", "cp5"]), [],
                  {"members": members("cp1", "cp2", "cp3")["members"]
                   + [{"ID": 7, "name": "cp4", "clientURLs": ["https://[fd00::4]:2379"]},
                      {"ID": 8, "name": "cp5", "clientURLs": ["https://[fd00::5]:2379"]}]},
                  health("cp1", "cp2", dead=("cp3",)) + [{"endpoint": "https://[fd00::4]:2379", "health": True},
                                                         {"endpoint": "https://[fd00::5]:2379", "health": True}])
    assert [m["node"] for m in result.members] == ["cp3", "cp1"] and result.in_api == []


def test_a_removal_that_leaves_no_quorum_is_refused():
    with pytest.raises(RemovalError, match="would leave etcd with 1 healthy of 2 members"):
        plan(request("cp1", "cp1", HOSTS, CPS), [], members("cp1", "cp2", "cp3"), health("cp1", "cp2", dead=("cp3",)))


def test_no_quorum_now_refuses_any_member_removal():
    with pytest.raises(RemovalError, match="etcd has 1 healthy of 3 members, no quorum"):
        plan(request("cp3", "cp3", HOSTS, CPS), [], members("cp1", "cp2", "cp3"), health("cp1", dead=("cp2", "cp3")))


def test_the_member_of_an_interrupted_join_is_found_by_its_peer_address():
    result = plan(request("cp3", "cp3", HOSTS, CPS), [], members("cp1", "cp2", unstarted=("cp3",)),
                  health("cp1", "cp2"), {"cp3": ["fd00:0::3"]})
    assert result.members == [{"node": "cp3", "id": "9000"}]


@pytest.mark.parametrize("nodes, member_list, match", [
    ({"items": []}, members("cp1"), "api_nodes must be the items"),
    ([], {"members": [{"name": "cp1"}]}, r"members\[0\] has no numeric ID"),
    ([], "text", "member list -w json"),
])
def test_bad_cluster_readings_are_named(nodes, member_list, match):
    with pytest.raises(RemovalError, match=match):
        plan(request("cp3", "cp3", HOSTS, CPS), nodes, member_list, [])
