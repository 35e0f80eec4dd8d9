"""The host network model: typed subnets, the cloud network, nodes, and the lookups and checks over them.

The rules as the plan applies them (with the keys named in every message) are in test__plan.py; these are the
building blocks, with properties against brute force.
"""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.v6kube.cluster.plugins.module_utils._hostnet import (
    MAX_NODES,
    CloudNetwork,
    HostSubnet,
    SubnetIndex,
    carve_auto,
    check_nodes,
    describe_subnet,
    ipv4_carriers,
    locate,
    parse_cloud_network,
    parse_host_subnets,
    parse_nodes,
)


def parsed(items, **kwargs):
    problems: list[str] = []
    return parse_host_subnets(items, problems.append, **kwargs), problems


def test_the_stack_follows_from_what_a_subnet_has():
    subnets, problems = parsed([
        "2001:db8:1::/64",
        "10.0.9.0/24",
        {"name": "a", "ipv6": "2001:db8:1:1::/64"},
        {"name": "b", "ipv6": "2001:db8:1:2::/64", "ipv4": "10.0.2.0/24"},
        {"name": "c", "ipv4": "10.0.3.0/24"},
        {"name": "d", "ipv6": "AUTO"},
    ])
    assert problems == []
    assert [(s.name, s.stack, s.flat) for s in subnets] == [
        ("2001:db8:1::/64", "ipv6", True), ("10.0.9.0/24", "ipv4", True), ("a", "ipv6", False),
        ("b", "dual", False), ("c", "ipv4", False), ("d", "ipv6", False)]
    assert [s.label for s in subnets] == ["IPv6-only", "IPv4-only", "IPv6-only", "dual-stack", "IPv4-only",
                                          "IPv6-only"]
    assert [s.ref for s in subnets[1:3]] == ["host_subnets[1] 10.0.9.0/24", "host_subnets[2] (a)"]
    assert subnets[5].carved and subnets[5].ipv6 is None
    assert [s.name for s in ipv4_carriers(subnets)] == ["10.0.9.0/24", "b", "c"]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (5, r"host_subnets\[0\] must be a CIDR string or a mapping \{name, ipv6, ipv4\}, got int 5"),
        ({"ipv6": "2001:db8:1::/64"}, r"host_subnets\[0\]\.name is required"),
        ({"name": "-a", "ipv6": "2001:db8:1::/64"}, r"host_subnets\[0\]\.name '-a' must be 1 to 63 letters"),
        ({"name": "a" * 64, "ipv6": "2001:db8:1::/64"}, r"host_subnets\[0\]\.name 'a{64}' must be 1 to 63"),
        ({"name": "a\n", "ipv6": "2001:db8:1::/64"}, r"host_subnets\[0\]\.name 'a\\n' must be"),
        ({"name": "a"}, r"host_subnets\[0\] has neither ipv6 nor ipv4"),
        ({"name": "a", "ipv6": "2001:db8:1::/56"},
         r"host_subnets\[0\]\.ipv6 2001:db8:1::/56 is a /56; a subnet's IPv6 prefix is exactly a /64, as clouds "
         r"assign it: give a /64 such as 2001:db8:1::/64"),
        ({"name": "a", "ipv6": "2001:db8:1::/80"}, r"is a /80; .* such as 2001:db8:1::/64"),
        ({"name": "a", "ipv6": "10.0.0.0/24"}, r"host_subnets\[0\]\.ipv6 10.0.0.0/24 is IPv4; put it under ipv4"),
        ({"name": "a", "ipv4": "2001:db8:1::/64"}, r"host_subnets\[0\]\.ipv4 2001:db8:1::/64 is IPv6; put it under ipv6"),
        ({"name": "a", "ipv4": "10.0.0.1/24"}, r"host_subnets\[0\]\.ipv4 '10.0.0.1/24' has host bits set"),
        ({"name": "a", "ipv4": 24}, r"host_subnets\[0\]\.ipv4 must be a CIDR string"),
        ({"name": "a", "ipv6": "2001:db8:1::/64", "cidr": "x"}, r"host_subnets\[0\] has the unknown key 'cidr'"),
        ({1: "a"}, r"keys of host_subnets\[0\] must be strings, got int 1"),
    ],
)
def test_rejected_subnets_name_the_entry_and_key(item, message):
    _subnets, problems = parsed([item])
    assert len(problems) == 1 and re.search(message, problems[0]), problems


def test_names_are_unique_and_every_problem_is_listed():
    _subnets, problems = parsed([{"name": "a", "ipv6": "2001:db8:1::/64"}, {"name": "a", "ipv4": "10.0.0.0/24"},
                                 {"name": "b"}, 7])
    assert problems == [
        "host_subnets[1] repeats the name 'a' of host_subnets[0]; subnet names are unique",
        "host_subnets[2] has neither ipv6 nor ipv4; give ipv6 (a /64, or auto) and/or ipv4 (a CIDR): the subnet's "
        "stack follows from what it has",
        "host_subnets[3] must be a CIDR string or a mapping {name, ipv6, ipv4}, got int 7",
    ]


def test_resolved_subnets_ignore_their_description_and_refuse_auto():
    subnets, problems = parsed([{"name": "a", "stack": "ipv6", "ipv6": "2001:db8:1::/64", "ipv4": None,
                                 "carved": True, "nodes": ["cp1"]}], resolved=True)
    assert problems == [] and subnets[0].ipv6 == ipaddress.ip_network("2001:db8:1::/64")
    _subnets, problems = parsed([{"name": "a", "ipv6": "auto"}], resolved=True)
    assert problems and "host_subnets[0].ipv6 is auto; give the resolved subnets" in problems[0]
    _subnets, problems = parsed([{"name": "a", "ipv6": "2001:db8:1::/64", "stack": "x"}])
    assert problems == ["host_subnets[0] has the unknown key 'stack'; a host subnet is a CIDR string or a mapping "
                        "{name, ipv6, ipv4}"]


@pytest.mark.parametrize(
    ("raw", "expected", "message"),
    [
        (None, CloudNetwork(), None),
        ({"ipv6_prefix": "2001:DB8:1::/56", "ipv4_cidr": "10.0.0.0/16"},
         CloudNetwork(ipaddress.IPv6Network("2001:db8:1::/56"), ipaddress.IPv4Network("10.0.0.0/16")), None),
        ({"ipv6_prefix": "2001:db8:1::/64"}, CloudNetwork(ipaddress.IPv6Network("2001:db8:1::/64")), None),
        ("2001:db8::/56", CloudNetwork(), r"network must be a mapping \{ipv6_prefix, ipv4_cidr\}, got str"),
        ({"ipv6": "2001:db8::/56"}, CloudNetwork(), r"network has the unknown key 'ipv6'"),
        ({"ipv6_prefix": "2001:db8:1::/72"}, CloudNetwork(), r"network\.ipv6_prefix 2001:db8:1::/72 is a /72; subnets "
                                                             r"take /64s of it, so it must be a /64 or shorter"),
        ({"ipv6_prefix": "10.0.0.0/8"}, CloudNetwork(), r"network\.ipv6_prefix 10.0.0.0/8 is IPv4"),
        ({"ipv4_cidr": "169.254.0.0/16"}, CloudNetwork(), r"network\.ipv4_cidr 169.254.0.0/16 overlaps the link-local"),
        ({"ipv6_prefix": "fe80::/56"}, CloudNetwork(), r"network\.ipv6_prefix fe80::/56 overlaps the link-local"),
        ({"ipv4_cidr": "10.0.0.0/33"}, CloudNetwork(), r"network\.ipv4_cidr '10.0.0.0/33' is not a valid CIDR"),
    ],
)
def test_cloud_network(raw, expected, message):
    problems: list[str] = []
    assert parse_cloud_network(raw, problems.append) == expected
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1 and re.search(message, problems[0]), problems


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("cp1", r"nodes must be a list of \{name, addresses\} mappings, got str"),
        (["cp1"], r"nodes\[0\] must be a mapping \{name, addresses\}, got str 'cp1'"),
        ([{"name": "cp1", "addresses": ["2001:db8:1::10"], "ip": 1}], r"nodes\[0\] has the unknown key 'ip'"),
        ([{"addresses": ["2001:db8:1::10"]}], r"nodes\[0\]\.name must be the node's inventory name"),
        ([{"name": "cp 1", "addresses": ["2001:db8:1::10"]}], r"nodes\[0\]\.name must be"),
        ([{"name": "cp1"}], r"nodes\[0\]\.addresses must be a list of IP addresses, got None; set "
                            r"v6kube_node_addresses \(or ansible_host\) of cp1"),
        ([{"name": "cp1", "addresses": []}], r"nodes\[0\]\.addresses is empty"),
        ([{"name": "cp1", "addresses": ["2001:db8:1::10", "10.0.0.1", "10.0.0.2"]}],
         r"nodes\[0\]\.addresses has 3 addresses; a node has one per family"),
        ([{"name": "cp1", "addresses": ["2001:db8:1::10", "2001:db8:1::11"]}],
         r"nodes\[0\]\.addresses has two IPv6 addresses \(2001:db8:1::10, 2001:db8:1::11\)"),
        ([{"name": "cp1", "addresses": ["cp1.example.com"]}],
         r"nodes\[0\]\.addresses\[0\] 'cp1.example.com' is not a valid IP address; set v6kube_node_addresses"),
        ([{"name": "cp1", "addresses": ["fe80::1%eth0"]}], r"nodes\[0\]\.addresses\[0\] 'fe80::1%eth0' carries a zone"),
        ([{"name": "cp1", "addresses": ["2001:db8:1::10"]}, {"name": "cp1", "addresses": ["2001:db8:1::11"]}],
         r"nodes\[1\] repeats the node name 'cp1' of nodes\[0\]"),
        ([{"name": "n", "addresses": ["2001:db8:1::10"]}] * (MAX_NODES + 1), r"nodes has 10001 entries; at most 10000"),
    ],
)
def test_rejected_nodes(raw, message):
    problems: list[str] = []
    parse_nodes(raw, problems.append)
    assert problems and re.search(message, problems[0]), problems


def test_node_addresses_as_text_and_brackets():
    problems: list[str] = []
    nodes = parse_nodes([{"name": "cp1", "addresses": "2001:db8:1::10, 10.0.0.10"},
                         {"name": "cp2", "addresses": ["[2001:DB8:1::20]"]}], problems.append)
    assert problems == []
    assert [[str(a) for a in n.addresses] for n in nodes] == [["2001:db8:1::10", "10.0.0.10"], ["2001:db8:1::20"]]
    assert nodes[0].ref == "node cp1 (nodes[0])"


def test_the_longest_subnet_holding_an_address_is_its_subnet():
    subnets = parsed(["2001:db8::/48", "2001:db8:0:1::/64", {"name": "v4", "ipv4": "10.0.0.0/24"}])[0]
    index = SubnetIndex(subnets)

    def find(text):
        return index.find(ipaddress.ip_address(text))

    assert find("2001:db8:0:1::5")[0].name == "2001:db8:0:1::/64"
    assert find("2001:db8:0:2::5")[0].name == "2001:db8::/48"
    assert find("10.0.0.7")[0].name == "v4"
    assert find("2001:db9::1") is None and find("10.0.1.1") is None
    assert index.listing(6) == "IPv6 host subnets 2001:db8::/48, 2001:db8:0:1::/64"
    assert SubnetIndex([]).listing(4) == "no IPv4 host subnet is declared"


subnet_lists = st.lists(
    st.one_of(
        st.tuples(st.integers(44, 64), st.integers(0, 15)).map(
            lambda t: str(ipaddress.IPv6Network(((0x2001_0db8 << 96) + (t[1] << (128 - t[0])), t[0])))),
        st.tuples(st.integers(16, 30), st.integers(0, 15)).map(
            lambda t: str(ipaddress.IPv4Network(((10 << 24) + (t[1] << (32 - t[0])), t[0])))),
    ),
    max_size=12,
)
addresses = st.one_of(
    st.integers(0, (1 << 24) - 1).map(lambda i: ipaddress.IPv6Address((0x2001_0db8 << 96) + (i << 60) + (i & 0xff))),
    st.integers(0, (1 << 24) - 1).map(lambda i: ipaddress.IPv4Address((10 << 24) + i)),
)


@given(cidrs=subnet_lists, probes=st.lists(addresses, max_size=20))
@settings(max_examples=300, deadline=None)
def test_lookup_matches_the_longest_prefix_by_brute_force(cidrs, probes):
    subnets, problems = parsed(cidrs)
    assert problems == []
    index = SubnetIndex(subnets)
    for address in probes:
        holding = [(net.prefixlen, -s.index, s) for s in subnets for net in s.networks()
                   if net.version == address.version and address in net]
        expected = max(holding, key=lambda h: h[:2])[2] if holding else None
        found = index.find(address)
        assert (found[0] if found else None) is expected


@given(taken=st.lists(st.integers(0, 15), max_size=10, unique=True), count=st.integers(0, 18))
@settings(max_examples=200, deadline=None)
def test_auto_subnets_are_carved_inside_the_prefix_and_away_from_every_range(taken, count):
    prefix = ipaddress.IPv6Network("2001:db8:1::/60")
    explicit = [ipaddress.IPv6Network(((int(prefix.network_address) + (i << 64)), 64)) for i in taken]
    subnets = [HostSubnet(i, f"s{i}", carved=True) for i in range(count)]
    problems: list[str] = []
    ok = carve_auto(subnets, CloudNetwork(prefix), explicit, problems.append)
    room = 16 - len(taken)
    assert ok == (count <= room)
    if ok:
        got = [s.ipv6 for s in subnets]
        assert all(net.prefixlen == 64 and net.subnet_of(prefix) for net in got)
        assert len(set(got)) == count and not set(got) & set(explicit)
        # the lowest free /64s, in the order of the list
        free = [n for n in prefix.subnets(new_prefix=64) if n not in explicit]
        assert got == free[:count]
    else:
        assert problems and problems[0].startswith("network.ipv6_prefix 2001:db8:1::/60 has no /64 left")


def test_auto_needs_the_network_prefix():
    problems: list[str] = []
    assert not carve_auto([HostSubnet(0, "a", carved=True)], CloudNetwork(), [], problems.append)
    assert problems == ["host_subnets[0] (a).ipv6 is auto but network.ipv6_prefix is not set; set "
                        "network.ipv6_prefix (the network's IPv6 prefix, e.g. a /56) or give the subnet its /64"]


def test_locate_for_the_audit():
    subnets = parsed([{"name": "lab", "ipv6": "fd00:40::/64", "ipv4": "10.48.0.0/24"}, "10.49.0.0/24"])[0]
    found = locate(["10.48.0.155", "10.49.0.7", "10.50.0.1", "not an address"], subnets)
    assert {k: (v.name if v else None) for k, v in found.items()} == {
        "10.48.0.155": "lab", "10.49.0.7": "10.49.0.0/24", "10.50.0.1": None, "not an address": None}


def test_describe_subnet():
    assert describe_subnet({"name": "edge", "stack": "dual", "nodes": []}) == "edge (dual-stack, no nodes)"
    assert describe_subnet({"name": "lab", "stack": "ipv6", "nodes": ["a"]}) == "lab (IPv6-only, 1 node)"
    assert describe_subnet({"name": "x", "stack": "ipv4", "nodes": ["a", "b"]}) == "x (IPv4-only, 2 nodes)"


# ---------------------------------------------------------------- nodes in their subnets: the flat and the named form
def placed(items, node_list, stack="dual", primary=6):
    """check_nodes over parsed subnets and nodes: (node -> subnet name, subnet name -> its nodes, problems)."""
    problems: list[str] = []
    subnets = parse_host_subnets(items, problems.append)
    found = check_nodes(parse_nodes(node_list, problems.append), SubnetIndex(subnets), stack, primary,
                        problems.append)
    return found, {s.name: s.nodes for s in subnets}, problems


def test_a_dual_stack_node_in_two_cidr_strings_sits_in_the_pair():
    # The dual-stack inventory of molecule/cluster/files/dual-stack as it was written before named subnets.
    found, members, problems = placed(["fd00:40::/64", "10.48.0.0/24"],
                                      [{"name": "v6k-worker2", "addresses": ["fd00:40::155", "10.48.0.155"]}])
    assert problems == []
    assert found == {"v6k-worker2": "fd00:40::/64"}  # the subnet of its primary address
    assert members == {"fd00:40::/64": ["v6k-worker2"], "10.48.0.0/24": ["v6k-worker2"]}
    # IPv4 primary: the IPv4 entry is its subnet.
    found, _members, problems = placed(["fd00:40::/64", "10.48.0.0/24"],
                                       [{"name": "n", "addresses": ["10.48.0.155", "fd00:40::155"]}], primary=4)
    assert problems == [] and found == {"n": "10.48.0.0/24"}
    # Nested CIDR strings: the longest holding each address, as for a single-family node.
    found, members, problems = placed(["fd00:40::/48", "fd00:40:0:1::/64", "10.0.0.0/8", "10.48.0.0/24"],
                                      [{"name": "a", "addresses": ["fd00:40:0:1::5", "10.48.0.5"]},
                                       {"name": "b", "addresses": ["fd00:40:0:2::5", "10.49.0.5"]}])
    assert problems == [] and found == {"a": "fd00:40:0:1::/64", "b": "fd00:40::/48"}
    assert members == {"fd00:40::/48": ["b"], "fd00:40:0:1::/64": ["a"], "10.0.0.0/8": ["b"], "10.48.0.0/24": ["a"]}


TYPED6 = {"name": "lab", "ipv6": "fd00:40::/64"}
TYPED4 = {"name": "lab4", "ipv4": "10.48.0.0/24"}
DUAL_LAB = {"name": "lab", "ipv6": "fd00:40::/64", "ipv4": "10.48.1.0/24"}
CP1 = ("fd00:40::155", "10.48.0.155")
SPLIT = "node cp1 (nodes[0]) has its addresses in two subnets, "
RULE = ("; a node in a named subnet has one address per family in that same subnet (only two CIDR strings, one per "
        "family, pair up): ")


@pytest.mark.parametrize(
    ("items", "addresses", "message"),
    [
        # a named IPv6-only subnet and a CIDR string of IPv4: declare the pair as one named subnet
        ([TYPED6, "10.48.0.0/24"], CP1,
         SPLIT + "IPv6 fd00:40::155 in host_subnets[0] (lab) (IPv6-only) and IPv4 10.48.0.155 in host_subnets[1] "
         "10.48.0.0/24 (IPv4-only)" + RULE + "declare host_subnets[0] (lab) and host_subnets[1] 10.48.0.0/24 as one "
         "dual-stack subnet, {name: lab, ipv6: fd00:40::/64, ipv4: 10.48.0.0/24}, in place of both"),
        # the other way round
        (["fd00:40::/64", TYPED4], CP1,
         SPLIT + "IPv6 fd00:40::155 in host_subnets[0] fd00:40::/64 (IPv6-only) and IPv4 10.48.0.155 in "
         "host_subnets[1] (lab4) (IPv4-only)" + RULE + "declare host_subnets[1] (lab4) and host_subnets[0] "
         "fd00:40::/64 as one dual-stack subnet, {name: lab4, ipv6: fd00:40::/64, ipv4: 10.48.0.0/24}, in place of "
         "both"),
        # a CIDR string wider than a /64: the named subnet gets the node's /64
        (["fd00:40::/48", TYPED4], ("fd00:40:0:7::155", "10.48.0.155"),
         SPLIT + "IPv6 fd00:40:0:7::155 in host_subnets[0] fd00:40::/48 (IPv6-only) and IPv4 10.48.0.155 in "
         "host_subnets[1] (lab4) (IPv4-only)" + RULE + "declare host_subnets[1] (lab4) and host_subnets[0] "
         "fd00:40::/48 as one dual-stack subnet, {name: lab4, ipv6: fd00:40:0:7::/64, ipv4: 10.48.0.0/24}, in place "
         "of both"),
        # two named single-family subnets
        ([TYPED6, TYPED4], CP1,
         SPLIT + "IPv6 fd00:40::155 in host_subnets[0] (lab) (IPv6-only) and IPv4 10.48.0.155 in host_subnets[1] "
         "(lab4) (IPv4-only)" + RULE + "declare host_subnets[0] (lab) and host_subnets[1] (lab4) as one dual-stack "
         "subnet, {name: lab, ipv6: fd00:40::/64, ipv4: 10.48.0.0/24}, in place of both"),
        # a named dual-stack subnet holds one address: the other belongs in it too
        ([DUAL_LAB, "10.48.0.0/24"], CP1,
         SPLIT + "IPv6 fd00:40::155 in host_subnets[0] (lab) (dual-stack) and IPv4 10.48.0.155 in host_subnets[1] "
         "10.48.0.0/24 (IPv4-only)" + RULE + "give cp1 its IPv4 address in host_subnets[0] (lab) ipv4 10.48.1.0/24 "
         "(v6kube_node_addresses, one address per family, primary first)"),
        ([{"name": "lab6", "ipv6": "fd00:41::/64"}, DUAL_LAB], ("fd00:41::155", "10.48.1.155"),
         SPLIT + "IPv6 fd00:41::155 in host_subnets[0] (lab6) (IPv6-only) and IPv4 10.48.1.155 in host_subnets[1] "
         "(lab) (dual-stack)" + RULE + "give cp1 its IPv6 address in host_subnets[1] (lab) ipv6 fd00:40::/64 "
         "(v6kube_node_addresses, one address per family, primary first)"),
    ],
    ids=["named-ipv6-flat-ipv4", "flat-ipv6-named-ipv4", "flat-wider-than-64", "two-named", "named-dual-flat",
         "named-ipv6-named-dual"],
)
def test_a_node_in_a_named_subnet_has_both_addresses_in_it(items, addresses, message):
    found, _members, problems = placed(items, [{"name": "cp1", "addresses": list(addresses)}])
    assert problems == [message]
    assert list(found) == ["cp1"]  # refused, yet located: in the subnet of its primary address


def test_a_flat_subnet_tells_a_node_missing_a_family_where_it_goes():
    _found, _members, problems = placed(["fd00:40::/64", "10.48.0.0/24"],
                                        [{"name": "cp1", "addresses": ["fd00:40::5"]}])
    assert problems == [
        "node cp1 (nodes[0]) of the dual-stack cluster has no IPv4 address; its subnet host_subnets[0] fd00:40::/64 "
        "is a CIDR string, IPv6-only: give cp1 its IPv4 address too (v6kube_node_addresses, one address per family, "
        "primary first), in an IPv4 CIDR string of host_subnets (declare one if there is none: the two pair up as "
        "its dual-stack subnet)"]
    _found, _members, problems = placed(["fd00:40::/64", "10.48.0.0/24"], [{"name": "w9", "addresses": ["10.48.0.9"]}],
                                        stack="ipv6")
    assert problems == [
        "node w9 (nodes[0]) sits in the IPv4-only subnet host_subnets[1] 10.48.0.0/24 (a CIDR string) of an IPv6-only "
        "cluster: give w9 its IPv6 address (v6kube_node_addresses) in a host subnet with IPv6 (IPv6 host subnets "
        "fd00:40::/64), declaring one if there is none"]


def test_pairing_is_for_a_dual_stack_cluster_only():
    # An IPv6-only cluster: the node lists only its IPv6 address, whatever holds its IPv4 one.
    _found, _members, problems = placed(["fd00:40::/64", "10.48.0.0/24"], [{"name": "cp1", "addresses": list(CP1)}],
                                        stack="ipv6")
    assert problems == ["node cp1 (nodes[0]) lists the IPv4 address 10.48.0.155 but the cluster is IPv6-only; list "
                        "only its IPv6 address (v6kube_node_addresses)"]


@pytest.mark.parametrize("mixed", [False, True], ids=["flat pairs", "named and flat, refused"])
def test_hostile_sizes_are_checked_whole(mixed):
    # Flat pairs (or named IPv6-only subnets beside IPv4 CIDR strings: every node refused), plus a chain of nested
    # CIDR strings at every prefix length that holds no node: each lookup walks every length (the worst case).
    # How the time grows with the size is measured in benchmarks/host_network.py, not here.
    chain = [str(ipaddress.ip_network(f"2001:db8:ffff::/{n}", strict=False)) for n in range(48, 129)]
    chain += [str(ipaddress.ip_network(f"10.255.255.255/{n}", strict=False)) for n in range(16, 33)]
    n = 4000
    racks = n // 10
    items = [({"name": f"r{i}", "ipv6": f"2001:db8:0:{i:x}::/64"} if mixed else f"2001:db8:0:{i:x}::/64")
             for i in range(racks)]
    items += [f"10.{i // 250}.{i % 250}.0/24" for i in range(racks)] + chain
    node_list = [{"name": f"n{i}", "addresses": [f"2001:db8:0:{i % racks:x}::{i // racks + 2:x}",
                                                 f"10.{(i % racks) // 250}.{(i % racks) % 250}.{i // racks + 2}"]}
                 for i in range(n)]
    found, _members, problems = placed(items, node_list)
    assert len(found) == n and len(problems) == (n if mixed else 0)
