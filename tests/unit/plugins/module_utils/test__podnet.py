from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError
from ansible_collections.v6kube.cluster.plugins.module_utils._podnet import (
    Route,
    cni_conflist,
    parse_nodes,
    route_batch,
    route_changes,
    routes_for,
)


def node(name, cidrs, addresses):
    return {"metadata": {"name": name}, "spec": {"podCIDRs": cidrs},
            "status": {"addresses": [{"type": "InternalIP", "address": a} for a in addresses]
                       + [{"type": "Hostname", "address": name}]}}


NODES = [node("cp1", ["fd00:42::/64"], ["fd00:40::10"]), node("cp2", ["fd00:42:0:1::/64"], ["fd00:40::11"]),
         node("w1", ["fd00:42:0:2::/64"], ["fd00:40::20"])]


def test_routes_to_every_other_node_via_its_address():
    routes = routes_for(parse_nodes(NODES), "cp1")
    assert [r.as_dict() for r in routes] == [
        {"subnet": "fd00:42:0:1::/64", "via": "fd00:40::11", "node": "cp2"},
        {"subnet": "fd00:42:0:2::/64", "via": "fd00:40::20", "node": "w1"},
    ]


def test_dual_stack_routes_pair_each_range_with_the_address_of_its_family():
    nodes = parse_nodes([node("a", ["fd00:42::/64", "10.244.0.0/24"], ["fd00:40::10", "192.0.2.10"]),
                         node("b", ["fd00:42:0:1::/64", "10.244.1.0/24"], ["192.0.2.11", "fd00:40::11"])])
    assert [(r.subnet, r.via) for r in routes_for(nodes, "a")] == [
        ("10.244.1.0/24", "192.0.2.11"), ("fd00:42:0:1::/64", "fd00:40::11")]
    conf = cni_conflist(nodes[1])
    assert conf["plugins"][0]["ipam"]["ranges"] == [[{"subnet": "fd00:42:0:1::/64"}], [{"subnet": "10.244.1.0/24"}]]


def test_cni_conflist_of_an_ipv6_node():
    conf = cni_conflist(parse_nodes(NODES)[2], mtu=1450)
    bridge, portmap = conf["plugins"]
    assert conf["cniVersion"] == "1.0.0" and conf["name"] == "v6kube"
    assert bridge["type"] == "bridge" and bridge["bridge"] == "cni0" and bridge["isDefaultGateway"] is True
    assert bridge["ipMasq"] is False and bridge["mtu"] == 1450
    assert bridge["ipam"]["ranges"] == [[{"subnet": "fd00:42:0:2::/64"}]]
    assert portmap == {"type": "portmap", "capabilities": {"portMappings": True}}
    assert "mtu" not in cni_conflist(parse_nodes(NODES)[2])["plugins"][0]


def test_route_batch_and_changes():
    wanted = routes_for(parse_nodes(NODES), "cp1")
    assert route_batch(wanted, 203).splitlines()[1:] == [
        "route replace fd00:42:0:1::/64 via fd00:40::11 proto 203",
        "route replace fd00:42:0:2::/64 via fd00:40::20 proto 203"]
    current = [{"dst": "fd00:42:0:1::/64", "gateway": "fd00:40::11"},  # right
               {"dst": "fd00:42:0:2::/64", "gateway": "fd00:40::99"},  # wrong gateway
               {"dst": "fd00:42:0:9::/64", "gateway": "fd00:40::30"}]  # node gone
    add, delete = route_changes(current, wanted)
    assert add == [Route("fd00:42:0:2::/64", "fd00:40::20", "w1")]
    assert delete == ["fd00:42:0:9::/64"]
    assert route_changes([{"dst": r.subnet, "gateway": r.via} for r in wanted], wanted) == ([], [])


@pytest.mark.parametrize(
    ("nodes", "local", "match"),
    [
        ("nope", "a", "nodes must be a list"),
        ([1], "a", r"nodes\[0\] must be a Node object"),
        ([node("Bad_Name", [], [])], "a", r"nodes\[0\].metadata.name"),
        ([node("a", [], []), node("a", [], [])], "a", "listed twice"),
        ([node("a", ["fd00:42::1/64"], ["fd00:40::1"])], "a", r"podCIDRs\[0\] of a"),
        ([node("a", [], ["not-an-ip"])], "a", "status.addresses of a"),
        ([node("a", [], ["fd00:40::1"])], "b", "node_name b is not among the cluster's nodes"),
        ([node("a", [], ["fd00:40::1"]), node("b", ["10.0.0.0/24"], ["fd00:40::2"])], "a",
         "no IPv4 InternalIP"),
        ([node("a", [], [])] * 5001, "a", "at most 5000"),
    ],
)
def test_rejects(nodes, local, match):
    with pytest.raises(AddressError, match=match):
        routes_for(parse_nodes(nodes), local)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"mtu": 1000}, "mtu"), ({"mtu": True}, "mtu"), ({"bridge": "cni0\n"}, "bridge"), ({"bridge": "x" * 16}, "bridge"),
])
def test_cni_conflist_rejects(kwargs, match):
    with pytest.raises(AddressError, match=match):
        cni_conflist(parse_nodes(NODES)[0], **kwargs)


def test_a_node_without_a_pod_range_yet():
    with pytest.raises(AddressError, match="no pod range yet"):
        cni_conflist(parse_nodes([node("a", [], ["fd00:40::1"])])[0])
