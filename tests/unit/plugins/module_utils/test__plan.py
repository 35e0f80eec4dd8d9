from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import overlap_detail
from ansible_collections.v6kube.cluster.plugins.module_utils._plan import (
    MAX_PROBLEMS,
    MAX_SUBNETS,
    PlanError,
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
        (plan(host_subnets=["192.0.2.0/24"]), r"host_subnets\[0\] 192.0.2.0/24 is IPv4 but stack is ipv6"),
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
