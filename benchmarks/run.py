"""Benchmarks of the planning core against ansible.utils on the same inputs, measured in one run.

Each line prints the time per call of v6kube.cluster and of the baseline, and their ratio
(baseline / v6kube; above 1 means v6kube is faster). Most baselines use the ansible.utils filters
(ipsubnet, ipaddr, network_in_network) the way a playbook without this collection would; the two scale
lines (carve with hundreds of requests, network_plan with thousands of overlapping ranges) measure the
quadratic and cubic algorithms the core used before, kept small in this file.

    make bench            # or: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.ansible.utils.plugins.filter.ipaddr import _ipaddr  # noqa: E402
from ansible_collections.ansible.utils.plugins.filter.ipsubnet import _ipsubnet  # noqa: E402
from ansible_collections.ansible.utils.plugins.filter.network_in_network import _network_in_network  # noqa: E402
from ansible.errors import AnsibleFilterError  # noqa: E402
from ansible_collections.v6kube.cluster.plugins.filter.carve import _carve  # noqa: E402
from ansible_collections.v6kube.cluster.plugins.filter.cert_sans import _cert_sans  # noqa: E402
from ansible_collections.v6kube.cluster.plugins.filter.network_plan import _network_plan  # noqa: E402
from ansible_collections.v6kube.cluster.plugins.filter.subnet_nth import _subnet_nth  # noqa: E402
from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import overlap_detail  # noqa: E402

# The filters are called like Jinja calls them (ansible.utils' wrappers take the environment first).
ENV = None


def ipsubnet(value, query, index=None):
    return _ipsubnet(ENV, value, query, index) if index is not None else _ipsubnet(ENV, value, query)


def ipaddr(value, query=""):
    return _ipaddr(ENV, value, query)


def per_call(func, number: int, repeat: int = 5) -> float:
    """Best of `repeat` rounds, seconds per call."""
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def report(name: str, ours: float, theirs: float | None, note: str = "") -> None:
    if theirs is None:
        print(f"{name:<42} v6kube {ours * 1e6:10.1f} us   baseline {'-':>10}      {note}")
        return
    print(f"{name:<42} v6kube {ours * 1e6:10.1f} us   baseline {theirs * 1e6:10.1f} us   "
          f"ratio {theirs / ours:7.1f}x  {note}")


# ---------------------------------------------------------------- subnet_nth
def bench_subnet_nth(n: int) -> None:
    first = per_call(lambda: _subnet_nth("2001:db8::/32", 64, 0), n)
    last = per_call(lambda: _subnet_nth("2001:db8::/32", 64, 4294967295), n)
    assert _subnet_nth("2001:db8::/32", 64, 4294967295) == ipsubnet("2001:db8::/32", "64", 4294967295)
    base_last = per_call(lambda: ipsubnet("2001:db8::/32", "64", 4294967295), max(1, n // 10))
    report("subnet_nth last /64 of a /32", last, base_last, "(ansible.utils.ipsubnet)")
    report("subnet_nth O(1): last vs first", last, None, f"last/first = {last / first:.2f} (1.0 is constant time)")


# ---------------------------------------------------------------- carve
CARVE_PREFIX = "2001:db8:40::/48"
CARVE_REQUESTS = (
    [{"name": f"rack{i}", "prefix": 64} for i in range(24)]
    + [{"name": "pods", "prefix": 56}, {"name": "services", "prefix": 112}, {"name": "lb", "prefix": 120}]
)
CARVE_EXCLUDE = ["2001:db8:40::/64", "2001:db8:40:7::/64", "2001:db8:40:100::/60"]


def baseline_carve(prefix, requests, exclude):
    """What a playbook does without carve: walk candidates with ipsubnet, test overlaps with network_in_network."""
    taken = list(exclude)
    out = {}
    parent_len = int(ipaddr(prefix, "prefix"))
    for req in requests:
        index = 0
        count = 2 ** (req["prefix"] - parent_len)
        while index < count:
            candidate = ipsubnet(prefix, str(req["prefix"]), index)
            clash = next((t for t in taken if _network_in_network(ENV, candidate, t)
                          or _network_in_network(ENV, t, candidate)), None)
            if clash is None:
                break
            # skip past the clash, as a careful playbook would
            clash_end = int(ipaddress.ip_network(clash).broadcast_address)
            size = 2 ** (128 - req["prefix"])
            index = (clash_end + 1 - int(ipaddress.ip_network(prefix).network_address) + size - 1) // size
        out[req["name"]] = candidate
        taken.append(candidate)
    return out


def bench_carve(n: int) -> None:
    ours = _carve(CARVE_PREFIX, CARVE_REQUESTS, CARVE_EXCLUDE)
    assert ours == baseline_carve(CARVE_PREFIX, CARVE_REQUESTS, CARVE_EXCLUDE)
    report(f"carve {len(CARVE_REQUESTS)} subnets, 3 exclusions",
           per_call(lambda: _carve(CARVE_PREFIX, CARVE_REQUESTS, CARVE_EXCLUDE), n),
           per_call(lambda: baseline_carve(CARVE_PREFIX, CARVE_REQUESTS, CARVE_EXCLUDE), 1, repeat=3),
           "(ipsubnet + network_in_network)")


# Scale: many requests around many exclusions. The baseline is the allocation loop carve had before it kept
# merged intervals and a cursor per size: for every candidate block, compare with every taken span.
CARVE_SCALE_REQUESTS = (
    [{"name": f"n{i}", "prefix": 64} for i in range(600)]
    + [{"name": f"m{i}", "prefix": 60} for i in range(40)]
    + [{"name": f"p{i}", "prefix": 56} for i in range(4)]
)
CARVE_SCALE_EXCLUDE = [f"2001:db8:40:{3 * i:x}::/64" for i in range(200)]


def rescan_carve(prefix, requests, exclude):
    parent = ipaddress.ip_network(prefix)
    base, top = int(parent.network_address), int(parent.broadcast_address)
    taken = [(int(n.network_address), int(n.broadcast_address)) for n in map(ipaddress.ip_network, exclude)]
    out = {}
    for req in requests:
        size = 1 << (128 - req["prefix"])
        start = base
        while True:
            end = start + size - 1
            if end > top:
                raise ValueError(req["name"])
            hits = [last for first, last in taken if first <= end and last >= start]
            if not hits:
                break
            start = (max(hits) + size) // size * size
        taken.append((start, end))
        out[req["name"]] = str(ipaddress.IPv6Network((start, req["prefix"])))
    return out


def bench_carve_scale(n: int) -> None:
    assert _carve(CARVE_PREFIX, CARVE_SCALE_REQUESTS, CARVE_SCALE_EXCLUDE) == rescan_carve(
        CARVE_PREFIX, CARVE_SCALE_REQUESTS, CARVE_SCALE_EXCLUDE)
    report(f"carve {len(CARVE_SCALE_REQUESTS)} subnets, {len(CARVE_SCALE_EXCLUDE)} exclusions",
           per_call(lambda: _carve(CARVE_PREFIX, CARVE_SCALE_REQUESTS, CARVE_SCALE_EXCLUDE), n),
           per_call(lambda: rescan_carve(CARVE_PREFIX, CARVE_SCALE_REQUESTS, CARVE_SCALE_EXCLUDE), 1, repeat=1),
           "(rescan every span per candidate)")


# ---------------------------------------------------------------- network_plan
HOSTS = [f"2001:db8:1:{rack:x}::/64" for rack in range(50)]
PLAN = {
    "stack": "dual",
    "pod_subnets": ["2001:db8:42::/48", "10.128.0.0/10"],
    "service_subnets": ["2001:db8:43::/108", "10.96.0.0/12"],
    "node_mask_size_ipv4": 24,
    "node_count": 5000,
    "host_subnets": HOSTS,
    "lb_subnets": ["2001:db8:44::/112"],
    "control_plane_endpoint": "[2001:db8:1::100]:6443",
}


def baseline_plan(spec):
    """The same checks written with ansible.utils filters: sizes, families, node capacity, overlaps, IPs."""
    ranges = spec["pod_subnets"] + spec["service_subnets"] + spec["host_subnets"] + spec["lb_subnets"]
    for cidr in ranges:
        if ipaddr(cidr, "net") is False:
            raise ValueError(cidr)
    for svc in spec["service_subnets"]:
        bits = (128 if ipaddr(svc, "version") == 6 else 32) - int(ipaddr(svc, "prefix"))
        if bits > 20:
            raise ValueError(svc)
    capacity = []
    for pod in spec["pod_subnets"]:
        mask = 64 if ipaddr(pod, "version") == 6 else spec["node_mask_size_ipv4"]
        capacity.append(int(ipsubnet(pod, str(mask))))
    if spec["node_count"] > min(capacity):
        raise ValueError("capacity")
    for i, a in enumerate(ranges):
        for b in ranges[i + 1:]:
            if a in spec["host_subnets"] and b in spec["host_subnets"]:
                continue
            if ipaddr(a, "version") == ipaddr(b, "version") and (
                    _network_in_network(ENV, a, b) or _network_in_network(ENV, b, a)):
                raise ValueError((a, b))
    return {
        "api": [ipaddr(ipaddr(s, "1"), "address") for s in spec["service_subnets"]],
        "dns": [ipaddr(ipaddr(s, "10"), "address") for s in spec["service_subnets"]],
        "max_nodes": min(capacity),
    }


def bench_plan(n: int) -> None:
    ours = _network_plan(PLAN)
    theirs = baseline_plan(PLAN)
    assert ours["api_service_ips"] == theirs["api"] and ours["dns_service_ips"] == theirs["dns"]
    assert ours["max_nodes"] == theirs["max_nodes"]
    report("network_plan 5,000 nodes, 56 ranges", per_call(lambda: _network_plan(PLAN), n),
           per_call(lambda: baseline_plan(PLAN), 1, repeat=3), "(ipaddr + ipsubnet + network_in_network)")


# Scale: 2,000 load-balancer ranges, each /64 given twice, so 1,000 pairs overlap. The baseline is the pairwise
# comparison the validator made before it sorted and swept: every pair tested, every overlap worded.
OVERLAP_LBS = [f"2001:db8:44:{i:x}::/64" for i in range(1000)] * 2
OVERLAP_PLAN = {"pod_subnets": ["2001:db8:42::/48"], "service_subnets": ["2001:db8:43::/112"],
                "lb_subnets": OVERLAP_LBS}


def pairwise_overlaps(spec):
    nets = [ipaddress.ip_network(c) for key in ("pod_subnets", "service_subnets", "host_subnets", "lb_subnets")
            for c in spec.get(key, [])]
    out = []
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            if a.version == b.version and a.overlaps(b):
                out.append(f"{a} overlaps {b} ({overlap_detail(a, b)})")
    return out


def plan_problems(spec):
    try:
        _network_plan(spec)
    except AnsibleFilterError as exc:
        return str(exc)
    raise AssertionError("the plan should fail")


def bench_plan_overlaps(n: int) -> None:
    overlaps = len(pairwise_overlaps(OVERLAP_PLAN))
    assert f"the plan has {overlaps} problems" in plan_problems(OVERLAP_PLAN)
    ranges = sum(len(OVERLAP_PLAN[k]) for k in ("pod_subnets", "service_subnets", "lb_subnets"))
    report(f"network_plan {ranges:,} ranges, {overlaps:,} overlaps",
           per_call(lambda: plan_problems(OVERLAP_PLAN), n),
           per_call(lambda: pairwise_overlaps(OVERLAP_PLAN), 1, repeat=1), "(pairwise comparison)")


# ---------------------------------------------------------------- cert_sans
SANS = {
    "control_plane_endpoint": "[2001:db8:1::100]:6443",
    "control_plane": [{"name": f"cp{i}", "fqdn": f"cp{i}.example.com", "addresses": [f"2001:db8:1::{i:x}"]}
                      for i in range(1, 8)],
    "service_subnets": ["2001:db8:43::/112", "10.96.0.0/16"],
    "extra": ["api.example.com", "2001:DB8:1:0::200"],
}


def baseline_sans(spec):
    names = {"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
             "localhost", "api.example.com"}
    ips = {"::1", "127.0.0.1", ipaddr("2001:db8:1::100", "address"), ipaddr("2001:DB8:1:0::200", "address")}
    for svc in spec["service_subnets"]:
        ips.add(ipaddr(ipaddr(svc, "1"), "address"))
    for member in spec["control_plane"]:
        names.update({member["name"], member["fqdn"]})
        ips.update(ipaddr(a, "address") for a in member["addresses"])
    return sorted(names) + sorted(ips, key=lambda ip: (ipaddr(ip, "version") != 6, int(ipaddr(ip, "int"))))


def bench_sans(n: int) -> None:
    assert _cert_sans(SANS) == baseline_sans(SANS)
    report("cert_sans 7 control planes, dual", per_call(lambda: _cert_sans(SANS), n),
           per_call(lambda: baseline_sans(SANS), max(1, n // 20)), "(ipaddr)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    n = 200 if parser.parse_args().quick else 2000
    print(f"Python {sys.version.split()[0]}; best of several rounds; ratio = baseline / v6kube")
    bench_subnet_nth(n)
    bench_carve(max(1, n // 10))
    bench_carve_scale(max(1, n // 100))
    bench_plan(max(1, n // 10))
    bench_plan_overlaps(max(1, n // 100))
    bench_sans(max(1, n // 10))


if __name__ == "__main__":
    main()
