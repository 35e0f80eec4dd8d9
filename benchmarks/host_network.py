"""The host network validation at scale: 5,000 nodes across 500 subnets, timed against baselines from the same run.

The plan checks every node against the subnet it sits in, the API VIP against the subnets, the subnets against
each other and the plan's other ranges, and carves the ``ipv6: auto`` /64s. Two baselines, measured here:

  - the same validation at a tenth of the size (500 nodes, 50 subnets): near-linear means the full size takes
    about 10 times as long (a pairwise validator would take about 100 times);
  - a pairwise implementation of the host network checks (every node against every subnet, every subnet against
    every other) at the full size: the validator it is not.

    make bench            # or: python benchmarks/host_network.py [--quick]
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.v6kube.cluster.plugins.module_utils._plan import resolve_plan  # noqa: E402


def spec(subnets: int, per_subnet: int) -> dict:
    """A dual-stack plan: ``subnets`` dual-stack subnets (IPv6 carved with auto), ``per_subnet`` nodes in each."""
    racks = [{"name": f"rack{i}", "ipv6": "auto", "ipv4": f"10.{i // 250}.{i % 250}.0/24"} for i in range(subnets)]
    nodes = [{"name": f"n{i}", "addresses": [f"2001:db8:0:{i % subnets:x}::{i // subnets + 2:x}",
                                             f"10.{(i % subnets) // 250}.{(i % subnets) % 250}.{i // subnets + 2}"]}
             for i in range(subnets * per_subnet)]
    return {
        "stack": "dual", "pod_subnets": ["2001:db8:42::/48", "10.128.0.0/10"],
        "service_subnets": ["2001:db8:43::/112", "10.96.0.0/12"], "node_count": len(nodes),
        "network": {"ipv6_prefix": "2001:db8::/48", "ipv4_cidr": "10.0.0.0/8"},
        "host_subnets": racks, "nodes": nodes, "control_plane_endpoint": "[2001:db8::100]:6443",
    }


def pairwise(plan: dict) -> dict[str, str]:
    """The host network checks done the obvious way: each node against each subnet, each subnet pair compared."""
    subnets = [(s["name"], [ipaddress.ip_network(n) for n in (s["ipv6"], s["ipv4"]) if n])
               for s in plan["host_network"]["subnets"]]
    nets = [(name, net) for name, own in subnets for net in own]
    for i, (name_a, a) in enumerate(nets):
        for name_b, b in nets[i + 1:]:
            if name_a != name_b and a.version == b.version and a.overlaps(b):
                raise ValueError(f"{name_a} overlaps {name_b}")
    placed: dict[str, str] = {}
    seen: dict[str, str] = {}
    for node in plan["nodes"]:
        homes = set()
        for text in node["addresses"]:
            address = ipaddress.ip_address(text)
            if seen.setdefault(text, node["name"]) != node["name"]:
                raise ValueError(f"{text} twice")
            holding = [name for name, own in subnets for net in own
                       if net.version == address.version and address in net]
            if not holding:
                raise ValueError(f"{text} in no subnet")
            homes.add(holding[0])
        if len(homes) != 1:
            raise ValueError(f"{node['name']} in two subnets")
        placed[node["name"]] = homes.pop()
    return placed


def best(func, repeat: int) -> float:
    return min(timeit.repeat(func, number=1, repeat=repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    repeat = 2 if parser.parse_args().quick else 5
    full, tenth = spec(500, 10), spec(50, 10)
    resolved = resolve_plan(full)
    assert len(resolved["host_network"]["node_subnets"]) == 5000
    assert pairwise(dict(resolved, nodes=full["nodes"])) == resolved["host_network"]["node_subnets"]
    t_full = best(lambda: resolve_plan(full), repeat)
    t_tenth = best(lambda: resolve_plan(tenth), repeat * 2)
    t_pairwise = best(lambda: pairwise(dict(resolved, nodes=full["nodes"])), 1)
    print(f"Python {sys.version.split()[0]}; best of several rounds")
    print(f"network_plan, 5,000 nodes in 500 dual-stack subnets   {t_full * 1e3:8.1f} ms")
    print(f"the same at a tenth (500 nodes, 50 subnets)           {t_tenth * 1e3:8.1f} ms   "
          f"full / tenth = {t_full / t_tenth:5.1f}  (10 is linear, 100 pairwise)")
    print(f"pairwise host network checks, full size              {t_pairwise * 1e3:8.1f} ms   "
          f"ratio {t_pairwise / t_full:6.1f}x  (pairwise / network_plan, which also checks everything else)")


if __name__ == "__main__":
    main()
