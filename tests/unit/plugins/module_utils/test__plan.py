from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError, overlap_detail
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import (
    MAX_PROBLEMS,
    MAX_SUBNETS,
    PlanError,
    plan_report,
    plan_table,
    resolve_plan,
)

V6 = {"pod_subnets": ["2001:db8:42::/56"], "service_subnets": ["2001:db8:43::/112"]}
DUAL = {
    "stack": "dual",
    "pod_subnets": ["2001:db8:42::/56", "10.244.0.0/16"],
    "service_subnets": ["2001:db8:43::/112", "10.96.0.0/16"],
}


def plan(**changes):
    spec = dict(V6)
    spec.update(changes)
    return spec


def dual(**changes):
    spec = dict(DUAL)
    spec.update(changes)
    return spec


def test_seed_document_plan_resolves():
    # The design document's cluster: /48 pods, /112 services, VIP 2001:db8:1::100.
    result = resolve_plan(
        {
            "pod_subnets": ["2001:db8:42::/48"],
            "service_subnets": ["2001:db8:43::/112"],
            "host_subnets": ["2001:db8:1::/64"],
            "control_plane_endpoint": "[2001:db8:1::100]:6443",
        }
    )
    assert result["families"] == ["ipv6"]
    assert result["primary_family"] == "ipv6"
    assert result["kubeadm_pod_subnet"] == "2001:db8:42::/48"
    assert result["kubeadm_service_subnet"] == "2001:db8:43::/112"
    assert result["api_service_ips"] == ["2001:db8:43::1"]
    assert result["dns_service_ips"] == ["2001:db8:43::a"]
    assert result["node_mask_sizes"] == {"ipv6": 64}
    assert result["max_nodes"] == 65536
    assert result["control_plane_endpoint"] == "[2001:db8:1::100]:6443"
    assert result["control_plane_host"] == "2001:db8:1::100"
    assert result["control_plane_port"] == 6443
    assert result["controller_manager_args"] == {"node-cidr-mask-size-ipv6": "64"}


def test_dual_stack_resolves_primary_first():
    result = resolve_plan(dual(node_count=200))
    assert result["families"] == ["ipv6", "ipv4"]
    assert result["kubeadm_pod_subnet"] == "2001:db8:42::/56,10.244.0.0/16"
    assert result["kubeadm_service_subnet"] == "2001:db8:43::/112,10.96.0.0/16"
    assert result["api_service_ips"] == ["2001:db8:43::1", "10.96.0.1"]
    assert result["dns_service_ips"] == ["2001:db8:43::a", "10.96.0.10"]
    assert result["node_mask_sizes"] == {"ipv6": 64, "ipv4": 24}
    assert result["node_capacity"] == {"ipv6": 256, "ipv4": 256}
    assert result["max_nodes"] == 256


def test_dual_stack_ipv4_primary():
    result = resolve_plan(
        dual(pod_subnets=["10.244.0.0/16", "2001:db8:42::/56"], service_subnets="10.96.0.0/16,2001:db8:43::/112")
    )
    assert result["primary_family"] == "ipv4"
    assert result["families"] == ["ipv4", "ipv6"]


@pytest.mark.parametrize(
    ("spec", "key", "expected"),
    [
        (plan(pod_subnets="2001:DB8:42:0::/56"), "pod_subnets", ["2001:db8:42::/56"]),
        (plan(service_subnets=["2001:db8:43::/108"]), "api_service_ips", ["2001:db8:43::1"]),
        (plan(service_subnets=["2001:db8:43::/124"]), "dns_service_ips", ["2001:db8:43::a"]),
        (plan(pod_subnets=["2001:db8:42::/64"], node_mask_size_ipv6=80), "max_nodes", 65536),
        (plan(pod_subnets=["2001:db8:42::/64"], node_mask_size_ipv6="64"), "max_nodes", 1),
        (plan(node_count=256), "node_count", 256),
        (plan(cluster_domain="k8s.example.org"), "cluster_domain", "k8s.example.org"),
        (plan(control_plane_endpoint="API.example.com:6443"), "control_plane_endpoint", "api.example.com:6443"),
        (plan(control_plane_endpoint="[2001:DB8:1:0::100]:443"), "control_plane_endpoint", "[2001:db8:1::100]:443"),
        (plan(lb_subnets=["2001:db8:44::/120"]), "lb_subnets", ["2001:db8:44::/120"]),
        (plan(host_subnets=["2001:db8:1::/48", "2001:db8:1:2::/64"]), "host_subnets",
         ["2001:db8:1::/48", "2001:db8:1:2::/64"]),
        (plan(pod_subnets=["fd00:10::/56"], service_subnets=["fd00:20::/112"]), "families", ["ipv6"]),
        (plan(stack=None, cluster_domain=None), "stack", "ipv6"),
        # An IPv6-only cluster whose network still carries IPv4 (no node sits in it): the plan lists it.
        (plan(host_subnets=["2001:db8:1::/64", "192.0.2.0/24"]), "host_subnets", ["2001:db8:1::/64", "192.0.2.0/24"]),
    ],
)
def test_accepted_plans(spec, key, expected):
    assert resolve_plan(spec)[key] == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # malformed and host bits
        (plan(pod_subnets=["2001:db8:42::/56x"]), r"pod_subnets\[0\] '2001:db8:42::/56x' is not a valid CIDR"),
        (plan(pod_subnets=["2001:db8:42::"]), r"pod_subnets\[0\] '2001:db8:42::' has no prefix length"),
        (plan(service_subnets=["2001:db8:43::1/112"]),
         r"service_subnets\[0\] '2001:db8:43::1/112' has host bits set; use the network address 2001:db8:43::/112"),
        (plan(pod_subnets=42), r"pod_subnets must be a list of CIDRs, got int"),
        # counts and families
        (plan(pod_subnets=[]), r"pod_subnets is required"),
        (plan(service_subnets=None), r"service_subnets is required"),
        (dual(pod_subnets=["2001:db8:42::/56", "10.244.0.0/16", "10.245.0.0/16"]),
         r"pod_subnets has 3 subnets; at most two are allowed, one per family"),
        (dual(service_subnets=["2001:db8:43::/112", "2001:db8:44::/112"]),
         r"service_subnets has 2 IPv6 subnets; dual-stack takes exactly one IPv6 and one IPv4 subnet"),
        (plan(pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"]),
         r"pod_subnets\[1\] 10.244.0.0/16 is IPv4 but stack is ipv6; remove it, or set stack: dual"),
        (plan(pod_subnets=["10.244.0.0/16"], service_subnets=["10.96.0.0/16"]),
         r"pod_subnets\[0\] 10.244.0.0/16 is IPv4 but stack is ipv6"),
        (plan(lb_subnets=["192.0.2.0/24"]), r"lb_subnets\[0\] 192.0.2.0/24 is IPv4 but stack is ipv6"),
        (dual(pod_subnets=["2001:db8:42::/56"]),
         r"pod_subnets needs exactly one IPv6 and one IPv4 subnet for stack dual; add the IPv4 one"),
        (dual(service_subnets=["10.96.0.0/16"]),
         r"service_subnets needs exactly one IPv6 and one IPv4 subnet for stack dual; add the IPv6 one"),
        (dual(service_subnets=["10.96.0.0/16", "2001:db8:43::/112"]),
         r"pod_subnets starts with ipv6 but service_subnets starts with ipv4; both lists must put the same"),
        (plan(stack="ipv4"), r"stack 'ipv4' is not supported; use ipv6 \(IPv6-only\) or dual"),
        # service subnet size (kube-apiserver / kubeadm)
        (plan(service_subnets=["fd00:10::/104"]),
         r"service_subnets\[0\] fd00:10::/104 has 24 host bits; kube-apiserver allows at most 20 \(use /108 or longer\)"),
        (plan(service_subnets=["2001:db8:43::/64"]), r"has 64 host bits; kube-apiserver allows at most 20"),
        (dual(service_subnets=["2001:db8:43::/112", "10.96.0.0/11"]),
         r"service_subnets\[1\] 10.96.0.0/11 has 21 host bits; kube-apiserver allows at most 20 \(use /12 or longer\)"),
        (plan(service_subnets=["2001:db8:43::/125"]),
         r"has 8 addresses; kubeadm needs at least 10 because the DNS service takes the tenth \(use /124 or shorter\)"),
        (plan(pod_subnets=["2001:db8:42::/125"], node_mask_size_ipv6=125), r"has 8 addresses; kubeadm needs at least 14"),
        # node masks (kube-controller-manager)
        (plan(pod_subnets=["2001:db8:42::/80"]),
         r"node_mask_size_ipv6 64 is shorter than pod_subnets\[0\] 2001:db8:42::/80"),
        (plan(pod_subnets=["fd42::/40"]),
         r"node_mask_size_ipv6 64 is 24 bits longer than pod_subnets\[0\] fd42::/40; kube-controller-manager "
         r"allows at most 16 \(use a pod subnet of /48 or longer, or node_mask_size_ipv6 56 or less\)"),
        (dual(node_mask_size_ipv4=8), r"node_mask_size_ipv4 8 is shorter than pod_subnets\[1\] 10.244.0.0/16"),
        (plan(node_mask_size_ipv6=129), r"node_mask_size_ipv6 129 is not a valid IPv6 prefix length"),
        (plan(node_mask_size_ipv6="wide"), r"node_mask_size_ipv6 must be an integer"),
        # capacity
        (plan(node_count=257),
         r"node_count 257 exceeds the ipv6 capacity of pod_subnets\[0\] 2001:db8:42::/56 with node_mask_size_ipv6 64: "
         r"256 nodes \(use a pod subnet of /55 or shorter"),
        (plan(pod_subnets=["2001:db8:42::/48"], node_count=5000, node_mask_size_ipv6=60),
         r"node_count 5000 exceeds the ipv6 capacity .* 4096 nodes \(use a pod subnet of /47 or shorter"),
        (dual(pod_subnets=["2001:db8:42::/48", "10.244.0.0/20"], node_count=100),
         r"node_count 100 exceeds the ipv4 capacity of pod_subnets\[1\] 10.244.0.0/20 with node_mask_size_ipv4 24: 16"),
        (plan(node_count=0), r"node_count 0 must be at least 1"),
        # overlaps, both directions
        (plan(service_subnets=["2001:db8:42::/112"]),
         r"pod_subnets\[0\] 2001:db8:42::/56 overlaps service_subnets\[0\] 2001:db8:42::/112 "
         r"\(2001:db8:42::/112 lies inside 2001:db8:42::/56\)"),
        (plan(pod_subnets=["2001:db8:43::/112"], service_subnets=["2001:db8:43::/108"], node_mask_size_ipv6=120),
         r"overlaps service_subnets\[0\] 2001:db8:43::/108 \(2001:db8:43::/112 lies inside 2001:db8:43::/108\)"),
        (plan(host_subnets=["2001:db8:42::/64"]), r"pod_subnets\[0\] 2001:db8:42::/56 overlaps host_subnets\[0\]"),
        (plan(host_subnets=["2001:db8::/32"]), r"pod_subnets\[0\] 2001:db8:42::/56 overlaps host_subnets\[0\] "
         r"2001:db8::/32 \(2001:db8:42::/56 lies inside 2001:db8::/32\)"),
        (plan(host_subnets=["2001:db8:43::/112"]), r"service_subnets\[0\] .* overlaps host_subnets\[0\] .*same range"),
        (plan(lb_subnets=["2001:db8:43::/120"]), r"service_subnets\[0\] 2001:db8:43::/112 overlaps lb_subnets\[0\]"),
        (dual(service_subnets=["2001:db8:43::/112", "10.244.0.0/24"]),
         r"pod_subnets\[1\] 10.244.0.0/16 overlaps service_subnets\[1\] 10.244.0.0/24"),
        # special ranges
        (plan(pod_subnets=["fe80::/56"]), r"pod_subnets\[0\] fe80::/56 overlaps the link-local range fe80::/10"),
        (plan(service_subnets=["ff05::/112"]), r"overlaps the multicast range ff00::/8"),
        (plan(host_subnets=["::1/128"]), r"host_subnets\[0\] ::1/128 overlaps the loopback address"),
        (plan(host_subnets=["::/128"]), r"overlaps the unspecified address"),
        (plan(service_subnets=["::ffff:a00:0/116"]), r"overlaps the IPv4-mapped range ::ffff:0:0/96"),
        (dual(pod_subnets=["2001:db8:42::/56", "169.254.0.0/16"]), r"overlaps the link-local range 169.254.0.0/16"),
        (dual(service_subnets=["2001:db8:43::/112", "127.0.0.0/16"]), r"overlaps the loopback range 127.0.0.0/8"),
        # endpoint
        (plan(control_plane_endpoint="2001:db8:1::100:6443"),
         r"control_plane_endpoint '2001:db8:1::100:6443': an IPv6 host must be in brackets"),
        (plan(control_plane_endpoint="[2001:db8:1::100]:70000"), r"control_plane_endpoint port 70000 is out of range"),
        (plan(control_plane_endpoint="[2001:db8:1::100]"), r"must be \[IPV6\]:PORT"),
        (plan(control_plane_endpoint="192.0.2.10:6443"),
         r"control_plane_endpoint 192.0.2.10:6443 is IPv4 but stack is ipv6; use the IPv6 VIP in brackets"),
        (plan(control_plane_endpoint="[fe80::1]:6443"), r"control_plane_endpoint \[fe80::1\]:6443 overlaps the link-local"),
        (plan(control_plane_endpoint="[2001:db8:43::5]:6443"),
         r"control_plane_endpoint \[2001:db8:43::5\]:6443 lies inside service_subnets\[0\]"),
        # other keys
        (plan(cluster_domain="Cluster_Local"), r"cluster_domain 'Cluster_Local' is not a valid lowercase DNS name"),
        (plan(pod_subnet=["2001:db8:42::/56"]), r"unknown plan key 'pod_subnet'; known keys are"),
    ],
)
def test_rejected_plans(spec, message):
    with pytest.raises(PlanError, match=message):
        resolve_plan(spec)


def test_every_problem_is_reported_together():
    with pytest.raises(PlanError) as info:
        resolve_plan(
            {
                "pod_subnets": ["2001:db8::/40", "10.244.0.0/16"],
                "service_subnets": ["2001:db8:42::/104"],
                "control_plane_endpoint": "2001:db8:1::100:6443",
                "typo": True,
            }
        )
    problems = info.value.problems
    assert len(problems) == 6
    assert [p.split(" ")[0] for p in problems] == [
        "unknown",
        "pod_subnets[1]",
        "service_subnets[0]",
        "node_mask_size_ipv6",
        "pod_subnets[0]",
        "control_plane_endpoint",
    ]


def test_unparsable_subnet_is_not_also_reported_missing():
    with pytest.raises(PlanError) as info:
        resolve_plan(plan(pod_subnets=["2001:db8:42::1/56"]))
    assert info.value.problems == [
        "pod_subnets[0] '2001:db8:42::1/56' has host bits set; use the network address 2001:db8:42::/56"
    ]


def test_not_a_mapping():
    with pytest.raises(PlanError, match="the plan must be a mapping"):
        resolve_plan(["2001:db8::/64"])


def test_plan_table_lists_every_range():
    table = plan_table(resolve_plan(dual(host_subnets=["2001:db8:1::/64"], lb_subnets=["2001:db8:44::/120"])),
                       sans=["kubernetes", "2001:db8:43::1"])
    text = "\n".join(table)
    for expected in ("2001:db8:42::/56", "10.244.0.0/16", "2001:db8:43::/112", "10.96.0.0/16",
                     "2001:db8:1::/64", "2001:db8:44::/120", "DNS 2001:db8:43::a", "--node-cidr-mask-size-ipv6=64",
                     "certSANs (2)"):
        assert expected in text
    assert text.splitlines()[1].split() == ["range", "family", "subnet", "size", "and", "use"]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"cluster_domain": "cluster.local\n"}, r"cluster_domain 'cluster.local\\n' is not a valid lowercase DNS name"),
        ({"cluster_domain": "cluster\n.local"}, r"cluster_domain .* is not a valid lowercase DNS name"),
        ({"control_plane_endpoint": "api.example\n.com:6443"}, r"control_plane_endpoint host .* nor a valid DNS name"),
        ({"control_plane_endpoint": "[2001:db8:1::100%eth0]:6443"},
         r"control_plane_endpoint host .* carries a zone index \(%eth0\)"),
    ],
)
def test_rejects_trailing_newlines_and_zones(changes, match):
    with pytest.raises(PlanError, match=match):
        resolve_plan(plan(**changes))


@pytest.mark.parametrize("count", [200, 10_000])
def test_identical_ranges_are_counted_not_all_listed(count):
    # Every pair overlaps: count * (count - 1) / 2 problems, of which only the first MAX_PROBLEMS are worded.
    with pytest.raises(PlanError) as info:
        resolve_plan(plan(lb_subnets=["2001:db8:44::/64"] * count))
    pairs = count * (count - 1) // 2
    assert info.value.total == pairs
    assert len(info.value.problems) == MAX_PROBLEMS + 1
    assert info.value.problems[0] == (
        "lb_subnets[0] 2001:db8:44::/64 overlaps lb_subnets[1] 2001:db8:44::/64 (they are the same range); "
        "pod, service, host and load-balancer ranges must not overlap"
    )
    assert info.value.problems[-1] == (
        f"... and {pairs - MAX_PROBLEMS} more problem(s) not listed (only the first {MAX_PROBLEMS} are); "
        "fix these and validate again"
    )


def test_nested_host_subnets_stay_allowed_at_scale():
    hosts = ["2001:db8:1::/48"] * 5000 + [f"2001:db8:1:{i:x}::/64" for i in range(5000)]
    assert len(resolve_plan(plan(host_subnets=hosts))["host_subnets"]) == 10_000


def test_other_problems_are_capped_too():
    with pytest.raises(PlanError) as info:
        resolve_plan(plan(lb_subnets=["2001:db8:44::1/64"] * 300))
    assert info.value.total == 300
    assert info.value.problems[-1].startswith(f"... and {300 - MAX_PROBLEMS} more problem(s) not listed")


@pytest.mark.parametrize("key", ["pod_subnets", "service_subnets", "host_subnets", "lb_subnets"])
def test_list_lengths_are_bounded(key):
    with pytest.raises(PlanError, match=rf"^{key} has {MAX_SUBNETS + 1} entries; at most {MAX_SUBNETS} are accepted"):
        resolve_plan(plan(**{key: ["2001:db8:44::/64"] * (MAX_SUBNETS + 1)}))


def pairwise_overlaps(spec):
    """The overlap problems as a pairwise comparison words them, in input order."""
    keys = ("pod_subnets", "service_subnets", "host_subnets", "lb_subnets")
    subnets = [(key, i, ipaddress.ip_network(c)) for key in keys for i, c in enumerate(spec.get(key, []))]
    out = []
    for n, (ka, ia, a) in enumerate(subnets):
        for kb, ib, b in subnets[n + 1:]:
            if a.version == b.version and a.overlaps(b) and not (ka == kb == "host_subnets"):
                out.append(f"{ka}[{ia}] {a} overlaps {kb}[{ib}] {b} ({overlap_detail(a, b)}); "
                           "pod, service, host and load-balancer ranges must not overlap")
    return out


small_nets = st.one_of(
    st.tuples(st.integers(56, 64), st.integers(0, 7)).map(
        lambda t: str(ipaddress.IPv6Network(((0x2001_0db8_0044 << 80) + (t[1] << (128 - t[0])), t[0])))),
    st.tuples(st.integers(22, 26), st.integers(0, 3)).map(
        lambda t: str(ipaddress.IPv4Network(((10 << 24) + (t[1] << (32 - t[0])), t[0])))),
)


@given(hosts=st.lists(small_nets, max_size=8), lbs=st.lists(small_nets, max_size=8))
@settings(max_examples=300, deadline=None)
def test_overlaps_match_a_pairwise_comparison(hosts, lbs):
    spec = dual(pod_subnets=["2001:db8:42::/56", "10.244.0.0/16"], host_subnets=hosts, lb_subnets=lbs)
    expected = pairwise_overlaps(spec)
    try:
        resolve_plan(spec)
    except PlanError as exc:
        found = [p for p in exc.problems if p.endswith("ranges must not overlap")]
        if exc.total <= MAX_PROBLEMS:
            assert found == expected
        else:
            assert set(found) <= set(expected)
    else:
        assert expected == []


# ---------------------------------------------------------------- the host network: subnets typed by stack, nodes
NETWORK = {"ipv6_prefix": "2001:db8:1::/56", "ipv4_cidr": "10.0.0.0/16"}


def nodes(*pairs):
    return [{"name": name, "addresses": list(addresses)} for name, *addresses in pairs]


def cloud(**changes):
    """An IPv6-only cluster in a cloud network: an IPv6-only subnet with the nodes, a dual-stack one without."""
    spec = plan(network=NETWORK, control_plane_endpoint="[2001:db8:1::100]:6443",
                host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64"},
                              {"name": "bastion", "ipv6": "auto", "ipv4": "10.0.1.0/24"}],
                nodes=nodes(("cp1", "2001:db8:1::10"), ("worker1", "2001:db8:1::101")))
    spec.update(changes)
    return spec


def dual_cloud(**changes):
    spec = dual(network=NETWORK, control_plane_endpoint="[2001:db8:1::100]:6443",
                host_subnets=[{"name": "nodes", "ipv6": "auto", "ipv4": "10.0.1.0/24"}],
                nodes=nodes(("cp1", "2001:db8:1::10", "10.0.1.10"), ("worker1", "2001:db8:1::101", "10.0.1.101")))
    spec.update(changes)
    return spec


def test_host_network_of_a_cloud():
    result = resolve_plan(cloud())
    assert result["host_subnets"] == ["2001:db8:1::/64", "2001:db8:1:1::/64", "10.0.1.0/24"]
    assert result["host_network"] == {
        "ipv6_prefix": "2001:db8:1::/56", "ipv4_cidr": "10.0.0.0/16",
        "subnets": [
            {"name": "nodes", "stack": "ipv6", "ipv6": "2001:db8:1::/64", "ipv4": None, "carved": False,
             "nodes": ["cp1", "worker1"]},
            {"name": "bastion", "stack": "dual", "ipv6": "2001:db8:1:1::/64", "ipv4": "10.0.1.0/24", "carved": True,
             "nodes": []},
        ],
        "ipv4_subnets": ["bastion"],
        "node_subnets": {"cp1": "nodes", "worker1": "nodes"},
        "endpoint_subnet": "nodes",
    }


def test_dual_stack_nodes_in_a_dual_stack_subnet():
    result = resolve_plan(dual_cloud())
    assert result["host_network"]["subnets"][0]["stack"] == "dual"
    assert result["host_network"]["subnets"][0]["ipv6"] == "2001:db8:1::/64"
    assert result["host_network"]["node_subnets"] == {"cp1": "nodes", "worker1": "nodes"}


def test_auto_subnets_keep_away_from_the_plans_other_ranges():
    # The pods take the first /64s of the network's prefix: the auto subnets get the next ones.
    result = resolve_plan(cloud(pod_subnets=["2001:db8:1::/62"], node_mask_size_ipv6=64, node_count=2,
                                host_subnets=[{"name": "a", "ipv6": "auto"}, {"name": "b", "ipv6": "auto"}],
                                control_plane_endpoint=None, nodes=nodes(("cp1", "2001:db8:1:4::10"))))
    assert [s["ipv6"] for s in result["host_network"]["subnets"]] == ["2001:db8:1:4::/64", "2001:db8:1:5::/64"]


def test_nodes_are_not_checked_without_host_subnets():
    # As before the host network model: an inventory without host subnets (and hosts by DNS name) still plans.
    result = resolve_plan(plan(nodes=nodes(("cp1", "cp1.example.com"))))
    assert result["host_network"]["node_subnets"] == {} and result["host_network"]["subnets"] == []


def test_a_flat_dual_stack_inventory_keeps_working():
    # molecule/cluster/files/dual-stack before named subnets: two CIDR strings, one per family, are the node's
    # dual-stack subnet. The printout lists the node in both.
    result = resolve_plan(dual(pod_subnets=["fd00:45::/56", "10.244.0.0/16"],
                               service_subnets=["fd00:46::/112", "10.96.0.0/16"],
                               host_subnets=["fd00:40::/64", "10.48.0.0/24"],
                               control_plane_endpoint="[fd00:40::155]:6443",
                               nodes=nodes(("v6k-worker2", "fd00:40::155", "10.48.0.155"))))
    network = result["host_network"]
    assert network["node_subnets"] == {"v6k-worker2": "fd00:40::/64"}
    assert network["endpoint_subnet"] == "fd00:40::/64" and network["ipv4_subnets"] == ["10.48.0.0/24"]
    assert [(s["name"], s["stack"], s["nodes"]) for s in network["subnets"]] == [
        ("fd00:40::/64", "ipv6", ["v6k-worker2"]), ("10.48.0.0/24", "ipv4", ["v6k-worker2"])]
    lines = plan_table(result)
    assert "-       IPv6-only  fd00:40::/64  -             v6k-worker2" in lines, lines
    assert "-       IPv4-only  -             10.48.0.0/24  v6k-worker2" in lines, lines
    assert lines[-1] == ("IPv4 left on the host network (to remove on the way to IPv6-only): 10.48.0.0/24 "
                         "(IPv4-only, 1 node)")


def test_flat_subnets_may_still_nest_and_the_longest_holds_the_node():
    result = resolve_plan(plan(host_subnets=["2001:db8:1::/48", "2001:db8:1:2::/64"],
                               nodes=nodes(("a", "2001:db8:1:2::5"), ("b", "2001:db8:1:3::5"))))
    assert result["host_network"]["node_subnets"] == {"a": "2001:db8:1:2::/64", "b": "2001:db8:1::/48"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # every node address inside a declared subnet
        (cloud(nodes=nodes(("cp1", "2001:db8:9::10"))),
         r"^node cp1 \(nodes\[0\]\): address 2001:db8:9::10 is in no host subnet \(IPv6 host subnets "
         r"2001:db8:1::/64, 2001:db8:1:1::/64\); correct v6kube_node_addresses \(or ansible_host\) of cp1, or declare "
         r"its subnet in host_subnets$"),
        (cloud(nodes=nodes(("cp1", "2001:db8:1::"))),
         r"address 2001:db8:1:: is the network address of host_subnets\[0\] \(nodes\) 2001:db8:1::/64"),
        (cloud(nodes=nodes(("cp1", "2001:db8:1::10"), ("cp2", "2001:db8:1::10"))),
         r"node cp2 \(nodes\[1\]\): address 2001:db8:1::10 is also node cp1's"),
        # IPv6-only cluster: every node in a subnet with IPv6, with its IPv6 address only
        (cloud(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64"}, {"name": "old", "ipv4": "10.0.2.0/24"}],
               nodes=nodes(("cp1", "2001:db8:1::10"), ("w9", "10.0.2.9"))),
         r"^node w9 \(nodes\[1\]\) sits in the IPv4-only subnet host_subnets\[1\] \(old\) of an IPv6-only cluster: add "
         r"an IPv6 /64 to host_subnets\[1\] \(old\) \(ipv6: auto or a /64\) and give w9 its address there"),
        (cloud(nodes=nodes(("cp1", "10.0.1.10"))),
         r"^node cp1 \(nodes\[0\]\) of the IPv6-only cluster has no IPv6 address; give it one in host_subnets\[1\] "
         r"\(bastion\) ipv6 2001:db8:1:1::/64"),
        (cloud(nodes=nodes(("cp1", "10.9.0.10"))),
         r"^node cp1 \(nodes\[0\]\) has no IPv6 address \(10.9.0.10\) and the cluster is IPv6-only; set "
         r"v6kube_node_addresses \(or ansible_host\) of cp1 to its IPv6 address"),
        (cloud(nodes=nodes(("cp1", "2001:db8:1:1::10", "10.0.1.10"))),
         r"^node cp1 \(nodes\[0\]\) lists the IPv4 address 10.0.1.10 but the cluster is IPv6-only; list only its IPv6"),
        # dual-stack cluster: every node in a dual-stack subnet with one address per family, primary first
        (dual_cloud(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64"}], nodes=nodes(("cp1", "2001:db8:1::10"))),
         r"^node cp1 \(nodes\[0\]\) of the dual-stack cluster lacks its IPv4 address because its subnet "
         r"host_subnets\[0\] \(nodes\) is IPv6-only: add ipv4 \(a CIDR\) to that subnet and give cp1 its IPv4 address"),
        (dual_cloud(nodes=nodes(("cp1", "2001:db8:1::10"))),
         r"^node cp1 \(nodes\[0\]\) of the dual-stack cluster has no IPv4 address; give it one in host_subnets\[0\] "
         r"\(nodes\) ipv4 10.0.1.0/24"),
        (dual_cloud(host_subnets=[{"name": "v4", "ipv4": "10.0.1.0/24"}], control_plane_endpoint=None,
                    nodes=nodes(("cp1", "10.0.1.10"))),
         r"lacks its IPv6 address because its subnet host_subnets\[0\] \(v4\) is IPv4-only: add ipv6 \(a /64, or "
         r"auto\) to that subnet"),
        (dual_cloud(nodes=nodes(("cp1", "10.0.1.10", "2001:db8:1::10"))),
         r"^node cp1 \(nodes\[0\]\) lists its IPv4 address first but the primary family is IPv6; list the IPv6 "
         r"address first"),
        # a named subnet holds both addresses of its nodes: no IPv4 of its node in a CIDR string beside it
        (dual(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64"}, "10.0.1.0/24"],
              nodes=nodes(("cp1", "2001:db8:1::10", "10.0.1.10"))),
         r"^node cp1 \(nodes\[0\]\) has its addresses in two subnets, IPv6 2001:db8:1::10 in host_subnets\[0\] "
         r"\(nodes\) \(IPv6-only\) and IPv4 10.0.1.10 in host_subnets\[1\] 10.0.1.0/24 \(IPv4-only\); a node in a "
         r"named subnet has one address per family in that same subnet \(only two CIDR strings, one per family, pair "
         r"up\): declare host_subnets\[0\] \(nodes\) and host_subnets\[1\] 10.0.1.0/24 as one dual-stack subnet, "
         r"\{name: nodes, ipv6: 2001:db8:1::/64, ipv4: 10.0.1.0/24\}, in place of both$"),
        (dual_cloud(host_subnets=[{"name": "nodes", "ipv6": "auto", "ipv4": "10.0.1.0/24"}, "10.0.2.0/24"],
                    nodes=nodes(("cp1", "2001:db8:1::10", "10.0.2.10"))),
         r"^node cp1 \(nodes\[0\]\) has its addresses in two subnets, .*: give cp1 its IPv4 address in "
         r"host_subnets\[0\] \(nodes\) ipv4 10.0.1.0/24 \(v6kube_node_addresses, one address per family, primary "
         r"first\)$"),
        # control-plane endpoint and VIP inside a subnet that can carry them
        (cloud(control_plane_endpoint="[2001:db8:7::100]:6443"),
         r"^control_plane_endpoint \[2001:db8:7::100\]:6443: the API VIP 2001:db8:7::100 is in no host subnet "
         r"\(IPv6 host subnets .*\); put the VIP in the control planes' subnet, or declare the subnet of the load "
         r"balancer that serves it in host_subnets$"),
        (dual_cloud(control_plane_endpoint="10.0.2.5:6443"), r"control_plane_endpoint 10.0.2.5:6443: the API VIP "
                                                             r"10.0.2.5 is in no host subnet \(IPv4 host subnets "
                                                             r"10.0.1.0/24\)"),
        (cloud(control_plane_endpoint="[2001:db8:1::]:6443"), r"the API VIP 2001:db8:1:: is the network address"),
        # no two subnets overlapping
        (cloud(host_subnets=[{"name": "a", "ipv6": "2001:db8:1::/64"}, {"name": "b", "ipv6": "2001:db8:1::/64"}]),
         r"^host_subnets\[0\] \(a\) 2001:db8:1::/64 overlaps host_subnets\[1\] \(b\) 2001:db8:1::/64 \(they are the "
         r"same range\)"),
        (cloud(host_subnets=["2001:db8:1::/48", {"name": "b", "ipv6": "2001:db8:1::/64"}]),
         r"^host_subnets\[0\] 2001:db8:1::/48 overlaps host_subnets\[1\] \(b\) 2001:db8:1::/64"),
        (dual_cloud(host_subnets=[{"name": "nodes", "ipv6": "auto", "ipv4": "10.244.1.0/24"}]),
         r"pod_subnets\[1\] 10.244.0.0/16 overlaps host_subnets\[0\] \(nodes\) 10.244.1.0/24"),
        # the network and its subnets
        (cloud(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:2::/64"}]),
         r"^host_subnets\[0\] \(nodes\)\.ipv6 2001:db8:2::/64 is outside network\.ipv6_prefix 2001:db8:1::/56"),
        (cloud(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64", "ipv4": "192.168.0.0/24"}]),
         r"^host_subnets\[0\] \(nodes\)\.ipv4 192.168.0.0/24 is outside network\.ipv4_cidr 10.0.0.0/16"),
        (cloud(host_subnets=["2001:db8:2::/64"], control_plane_endpoint=None, nodes=[]),
         r"^host_subnets\[0\] 2001:db8:2::/64 is outside network\.ipv6_prefix"),
        (cloud(network=None), r"^host_subnets\[1\] \(bastion\)\.ipv6 is auto but network\.ipv6_prefix is not set"),
        (cloud(network={"ipv6_prefix": "2001:db8:1::/64"},
               host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64"}, {"name": "b", "ipv6": "auto"}]),
         r"^network\.ipv6_prefix 2001:db8:1::/64 has no /64 left for every subnet with ipv6: auto"),
        (cloud(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/56"}]), r"host_subnets\[0\]\.ipv6 "
                                                                             r"2001:db8:1::/56 is a /56"),
        (cloud(host_subnets={"name": "nodes"}), r"^host_subnets must be a list of CIDRs and \{name, ipv6, ipv4\} "
                                                r"mappings, got dict$"),
        (cloud(host_subnets=[{"name": "nodes", "ipv6": "fe80::/64"}]), r"host_subnets\[0\] \(nodes\) fe80::/64 "
                                                                       r"overlaps the link-local range"),
        (cloud(network=["2001:db8:1::/56"]), r"network must be a mapping"),
        (cloud(nodes="cp1"), r"^nodes must be a list of \{name, addresses\} mappings, got str 'cp1'$"),
    ],
)
def test_host_network_rules_name_the_key_and_the_fix(spec, message):
    with pytest.raises(PlanError) as info:
        resolve_plan(spec)
    assert any(re.search(message, problem) for problem in info.value.problems), info.value.problems


def test_every_host_network_problem_is_reported_together():
    with pytest.raises(PlanError) as info:
        resolve_plan(dual_cloud(
            host_subnets=[{"name": "nodes", "ipv6": "auto", "ipv4": "10.0.1.0/24"}, {"name": "v6", "ipv6": "auto"},
                          {"name": "pods", "ipv4": "10.244.0.0/24"}],
            nodes=nodes(("cp1", "2001:db8:1:1::10"), ("w1", "10.0.1.10", "2001:db8:1::11"), ("w2", "2001:db8:9::2")),
            control_plane_endpoint="[2001:db8:7::100]:6443"))
    assert [" ".join(p.split(" ")[0:2]) for p in info.value.problems] == [
        "host_subnets[2] (pods).ipv4", "pod_subnets[1] 10.244.0.0/16", "control_plane_endpoint [2001:db8:7::100]:6443:", "node cp1", "node w1",
        "node w2"]
    assert "lacks its IPv4 address because its subnet host_subnets[1] (v6) is IPv6-only" in info.value.problems[3]
    assert "lists its IPv4 address first" in info.value.problems[4]
    assert "is in no host subnet" in info.value.problems[5]


def test_a_broken_subnet_list_does_not_also_misplace_every_node():
    with pytest.raises(PlanError) as info:
        resolve_plan(cloud(host_subnets=[{"name": "nodes", "ipv6": "2001:db8:1::/64x"}]))
    assert len(info.value.problems) == 1 and "host_subnets[0].ipv6" in info.value.problems[0]


def names_as_positions(result):
    """The plan with every host subnet name replaced by its position (flat entries are named by their CIDR)."""
    network = result["host_network"]
    position = {s["name"]: str(i) for i, s in enumerate(network["subnets"])}
    return dict(result, host_network=dict(
        network,
        subnets=[dict(s, name=position[s["name"]]) for s in network["subnets"]],
        ipv4_subnets=[position[n] for n in network["ipv4_subnets"]],
        node_subnets={node: position[n] for node, n in network["node_subnets"].items()},
        endpoint_subnet=position.get(network["endpoint_subnet"]),
    ))


@given(
    rows=st.lists(st.tuples(st.sampled_from([6, 4]), st.integers(0, 31)), min_size=1, max_size=10,
                  unique_by=lambda r: r),
    hosts=st.lists(st.tuples(st.integers(0, 12), st.integers(2, 200)), max_size=12, unique_by=lambda h: h[1]),
    stack=st.sampled_from(["ipv6", "dual"]),
)
@settings(max_examples=300, deadline=None)
def test_the_flat_and_the_typed_form_give_the_same_plan(rows, hosts, stack):
    # Single-family subnets: "2001:db8:1:N::/64" or "10.0.N.0/24", as CIDR strings and as {name, ipv6 | ipv4}
    # mappings; each node with one address, in one of them (index k) or outside all of them (k past the end).
    # Dual-stack subnets, which only the typed form can name, are test_flat_pairs_and_dual_stack_subnets_agree.
    cidrs = [f"2001:db8:1:{n:x}::/64" if v == 6 else f"10.0.{n}.0/24" for v, n in rows]
    typed = [{"name": f"s{i}", ("ipv6" if v == 6 else "ipv4"): c} for i, ((v, _n), c) in enumerate(zip(rows, cidrs))]
    where = list(rows) + [(6, 99), (4, 99)]
    node_list = [{"name": f"n{i}", "addresses": [f"2001:db8:1:{n:x}::{h:x}" if v == 6 else f"10.0.{n}.{h}"]}
                 for i, (k, h) in enumerate(hosts) for v, n in [where[k % len(where)]]]
    base = plan() if stack == "ipv6" else dual()
    outcomes = []
    for form in (cidrs, typed):
        try:
            outcomes.append(names_as_positions(resolve_plan(dict(base, host_subnets=form, nodes=node_list))))
        except PlanError as exc:
            outcomes.append(exc.total)
    assert outcomes[0] == outcomes[1]


def relation(result):
    """Each node and the CIDRs of the subnets holding it; the plan without names."""
    network = result["host_network"]
    holding: dict[str, set[str]] = {}
    for s in network["subnets"]:
        for node in s["nodes"]:
            holding.setdefault(node, set()).update(c for c in (s["ipv6"], s["ipv4"]) if c)
    cidrs = {s["name"]: {c for c in (s["ipv6"], s["ipv4"]) if c} for s in network["subnets"]}
    rest = {key: value for key, value in result.items() if key != "host_network"}
    return rest, holding, {node: cidrs[name] for node, name in network["node_subnets"].items()}


@given(
    pairs=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), min_size=1, max_size=8,
                   unique_by=(lambda p: p[0], lambda p: p[1])),
    hosts=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.sampled_from(["both", "both", "v4 first",
                                                                                   "v6 only", "v4 outside"]),
                             st.integers(2, 200)),
                   max_size=12, unique_by=lambda h: h[3]),
)
@settings(max_examples=300, deadline=None)
def test_flat_pairs_and_dual_stack_subnets_agree(pairs, hosts):
    # A dual-stack cluster: the same pairs as CIDR strings (["2001:db8:1:A::/64", "10.0.B.0/24", ...]) and as named
    # dual-stack subnets ({name, ipv6, ipv4}). A node's IPv6 address is in pair j, its IPv4 address in pair k.
    flat = [c for a, b in pairs for c in (f"2001:db8:1:{a:x}::/64", f"10.0.{b}.0/24")]
    typed = [{"name": f"s{i}", "ipv6": f"2001:db8:1:{a:x}::/64", "ipv4": f"10.0.{b}.0/24"}
             for i, (a, b) in enumerate(pairs)]
    node_list, across = [], 0
    for i, (j, k, shape, h) in enumerate(hosts):
        (a, _b), (_a, b) = pairs[j % len(pairs)], pairs[k % len(pairs)]
        ipv6, ipv4 = f"2001:db8:1:{a:x}::{h:x}", f"10.0.{b if shape != 'v4 outside' else 99}.{h}"
        addresses = {"both": [ipv6, ipv4], "v4 first": [ipv4, ipv6], "v6 only": [ipv6], "v4 outside": [ipv6, ipv4]}
        node_list.append({"name": f"n{i}", "addresses": addresses[shape]})
        # Two pairs hold its addresses: one flat pair each (accepted), two named subnets (refused).
        across += shape in ("both", "v4 first") and j % len(pairs) != k % len(pairs)
    outcomes = []
    for form in (flat, typed):
        try:
            outcomes.append(relation(resolve_plan(dual(host_subnets=form, nodes=node_list))))
        except PlanError as exc:
            outcomes.append(exc.total)
    flat_outcome, typed_outcome = outcomes
    if isinstance(typed_outcome, int):
        # The typed form refuses what the flat one does, and each node across two named subnets.
        assert (0 if not isinstance(flat_outcome, int) else flat_outcome) == typed_outcome - across
    else:
        # Accepted in both forms, with the same plan and the same node-to-subnet relation: each node in the CIDRs of
        # its subnet, whose name is its primary (IPv6) address's CIDR string in the flat form.
        assert across == 0 and not isinstance(flat_outcome, int)
        assert flat_outcome[:2] == typed_outcome[:2]
        assert {n: {c for c in cidrs if ":" in c} for n, cidrs in typed_outcome[2].items()} == flat_outcome[2]


def test_five_thousand_nodes_across_five_hundred_subnets():
    subnets = [{"name": f"rack{i}", "ipv6": "auto", "ipv4": f"10.{i // 250}.{i % 250}.0/24"} for i in range(500)]
    # Node i sits in rack i % 500, whose /64 is the (i % 500)th of the prefix (carved in order).
    node_list = [{"name": f"n{i}", "addresses": [f"2001:db8:0:{i % 500:x}::{i // 500 + 2:x}",
                                                 f"10.{(i % 500) // 250}.{(i % 500) % 250}.{i // 500 + 2}"]}
                 for i in range(5000)]
    spec = dual(network={"ipv6_prefix": "2001:db8::/48", "ipv4_cidr": "10.0.0.0/8"}, host_subnets=subnets,
                nodes=node_list, node_count=5000, pod_subnets=["2001:db8:42::/48", "10.128.0.0/10"],
                service_subnets=["2001:db8:43::/112", "10.96.0.0/12"])
    result = resolve_plan(spec)
    assert len(result["host_network"]["node_subnets"]) == 5000
    assert all(len(s["nodes"]) == 10 for s in result["host_network"]["subnets"])
    # All of them in the wrong family at once: counted, the first MAX_PROBLEMS worded.
    with pytest.raises(PlanError) as info:
        resolve_plan(dict(spec, stack="ipv6", pod_subnets=["2001:db8:42::/48"], service_subnets=["2001:db8:43::/112"]))
    assert info.value.total == 5000 and len(info.value.problems) == MAX_PROBLEMS + 1


# ---------------------------------------------------------------- the printout
def test_the_printout_shows_each_subnet_its_stack_and_nodes_and_the_ipv4_left():
    text = plan_report(resolve_plan(cloud(lb_subnets=["2001:db8:44::/120"])), ["kubernetes", "2001:db8:43::1"])
    assert text.splitlines() == [
        "stack ipv6 (primary ipv6), cluster domain cluster.local",
        "range           family  subnet             size and use",
        "pods            ipv6    2001:db8:42::/56   /64 per node, room for 256 nodes",
        "services        ipv6    2001:db8:43::/112  65536 addresses; kubernetes 2001:db8:43::1, DNS 2001:db8:43::a",
        "load balancers  ipv6    2001:db8:44::/120",
        "nodes: not given planned, 256 at most",
        "API endpoint: [2001:db8:1::100]:6443 in subnet nodes",
        "kube-controller-manager: --node-cidr-mask-size-ipv6=64",
        "host subnets of network IPv6 2001:db8:1::/56, IPv4 10.0.0.0/16:",
        "subnet   stack       IPv6                      IPv4         nodes",
        "nodes    IPv6-only   2001:db8:1::/64           -            cp1, worker1",
        "bastion  dual-stack  2001:db8:1:1::/64 (auto)  10.0.1.0/24  -",
        "IPv4 left on the host network (to remove on the way to IPv6-only): bastion (dual-stack, no nodes)",
        "apiserver certSANs (2): kubernetes, 2001:db8:43::1",
    ]


def test_the_printout_without_ipv4_without_subnets_and_with_many_nodes():
    lines = plan_table(resolve_plan(plan(host_subnets=["2001:db8:1::/64"],
                                         nodes=nodes(*[(f"n{i}", f"2001:db8:1::{i + 1:x}") for i in range(9)]))))
    assert "-       IPv6-only  2001:db8:1::/64  -     n0, n1, n2, n3, n4, n5, ... (9 nodes)" in lines
    assert lines[-1] == "IPv4 left on the host network: none"
    lines = plan_table(resolve_plan(plan()))
    assert lines[-1] == "host subnets: none declared (host_subnets), so nodes are not checked against them"


def test_long_san_lists_are_wrapped():
    sans = [f"node{i}.example.com" for i in range(40)]
    lines = plan_table(resolve_plan(plan()), sans)
    san_lines = lines[lines.index(next(line for line in lines if line.startswith("apiserver certSANs (40):"))):]
    assert all(len(line) <= 110 for line in san_lines) and len(san_lines) > 3
    assert all(line.startswith("  ") for line in san_lines[1:])
    assert ", ".join(sans) == " ".join(line.strip() for line in san_lines).split(": ", 1)[1]


@pytest.mark.parametrize(
    ("value", "sans", "message"),
    [
        ("plan", None, r"^plan must be the resolved plan \(network_plan's result, v6kube_plan\), got str 'plan'$"),
        ({"stack": "ipv6"}, None, r"^plan must be the resolved plan .*; primary_family, cluster_domain, families, "),
        ("ok", ["x", 5], r"^sans must be a list of names and addresses"),
        ("subnets", None, r"host_network\.subnets\[0\] missing or of the wrong type"),
        ("services", None, r"reading it failed: plan service_subnets 'x' has no prefix length"),
    ],
)
def test_the_printout_refuses_what_is_not_a_resolved_plan(value, sans, message):
    if value == "ok":
        value = resolve_plan(plan())
    elif value == "subnets":
        value = resolve_plan(cloud())
        value["host_network"]["subnets"][0]["nodes"] = "cp1"
    elif value == "services":
        value = dict(resolve_plan(plan()), service_subnets=["x"])
    with pytest.raises(AddressError, match=message):
        plan_report(value, sans)
