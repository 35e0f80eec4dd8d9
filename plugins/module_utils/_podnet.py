# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The collection's pod network: a bridge on every node, pod ranges from ``node.spec.podCIDRs``, and a route to
every other node's pod range through that node's address (the kubenet model), for nodes that share one L2
network or one routed host network.

Pure functions: from the cluster's Node objects (as ``kubectl get nodes -o json`` lists them) to the node's CNI
configuration and its route table. The module ``pod_network`` applies them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import AddressError, is_dns_name

_BRIDGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")
MAX_NODES = 5000


@dataclass(frozen=True)
class Node:
    name: str
    pod_cidrs: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    addresses: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]


@dataclass(frozen=True, order=True)
class Route:
    subnet: str
    via: str
    node: str

    def as_dict(self) -> dict[str, str]:
        return {"subnet": self.subnet, "via": self.via, "node": self.node}


def parse_nodes(items: Any) -> list[Node]:
    """Node objects (metadata.name, spec.podCIDRs, status.addresses) as typed nodes; raises AddressError."""
    if not isinstance(items, (list, tuple)):
        raise AddressError(f"nodes must be a list of Node objects, got {type(items).__name__}")
    if len(items) > MAX_NODES:
        raise AddressError(f"nodes lists {len(items)} nodes; at most {MAX_NODES} are supported")
    nodes: list[Node] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        what = f"nodes[{i}]"
        if not isinstance(item, Mapping):
            raise AddressError(f"{what} must be a Node object (a mapping), got {type(item).__name__}")
        meta = item.get("metadata") if isinstance(item.get("metadata"), Mapping) else {}
        name = meta.get("name")
        if not isinstance(name, str) or not is_dns_name(name):
            raise AddressError(f"{what}.metadata.name {name!r} is not a node name")
        if name in seen:
            raise AddressError(f"{what}: node {name} is listed twice")
        seen.add(name)
        spec = item.get("spec") if isinstance(item.get("spec"), Mapping) else {}
        raw_cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
        if not isinstance(raw_cidrs, (list, tuple)):
            raise AddressError(f"{what}.spec.podCIDRs of {name} must be a list")
        cidrs = []
        for j, raw in enumerate(raw_cidrs):
            try:
                cidrs.append(ipaddress.ip_network(str(raw), strict=True))
            except ValueError as exc:
                raise AddressError(f"{what}.spec.podCIDRs[{j}] of {name}: {exc}") from exc
        status = item.get("status") if isinstance(item.get("status"), Mapping) else {}
        addresses = []
        for entry in status.get("addresses") or []:
            if isinstance(entry, Mapping) and entry.get("type") == "InternalIP":
                try:
                    addresses.append(ipaddress.ip_address(str(entry.get("address"))))
                except ValueError as exc:
                    raise AddressError(f"{what}.status.addresses of {name}: {exc}") from exc
        nodes.append(Node(name, tuple(cidrs), tuple(addresses)))
    return nodes


def routes_for(nodes: Sequence[Node], local: str) -> list[Route]:
    """Routes the node ``local`` needs: every other node's pod ranges via that node's address of the family."""
    if not any(n.name == local for n in nodes):
        raise AddressError(f"node_name {local} is not among the cluster's nodes (has it joined?)")
    routes = []
    for node in nodes:
        if node.name == local:
            continue
        for cidr in node.pod_cidrs:
            via = next((a for a in node.addresses if a.version == cidr.version), None)
            if via is None:
                raise AddressError(
                    f"node {node.name} has pod range {cidr} but no IPv{cidr.version} InternalIP to route it through; "
                    "set the kubelet node-ip of every family"
                )
            routes.append(Route(str(cidr), str(via), node.name))
    return sorted(routes, key=lambda r: (ipaddress.ip_network(r.subnet).version, ipaddress.ip_network(r.subnet)))


def check_bridge(name: Any) -> str:
    if not isinstance(name, str) or not _BRIDGE.fullmatch(name):
        raise AddressError(f"bridge {name!r} is not an interface name (1 to 15 letters, digits, _ . -)")
    return name


def cni_conflist(node: Node, *, network_name: str = "v6kube", bridge: str = "cni0", mtu: int = 0,
                 masquerade: bool = False, cni_version: str = "1.0.0") -> dict[str, Any]:
    """The CNI configuration list of one node: bridge + host-local over the node's pod ranges, + portmap."""
    if not node.pod_cidrs:
        raise AddressError(f"node {node.name} has no pod range yet (spec.podCIDRs is empty): "
                           "kube-controller-manager allocates them when the plan's pod subnets are set")
    if not isinstance(mtu, int) or isinstance(mtu, bool) or not (mtu == 0 or 1280 <= mtu <= 65535):
        raise AddressError(f"mtu {mtu!r} must be 0 (the link's) or 1280 to 65535 (IPv6 needs at least 1280)")
    ordered = sorted(node.pod_cidrs, key=lambda c: 0 if c.version == 6 else 1)
    bridge_conf: dict[str, Any] = {
        "type": "bridge",
        "bridge": check_bridge(bridge),
        "isGateway": True,
        "isDefaultGateway": True,
        "ipMasq": bool(masquerade),
        "hairpinMode": True,
        "ipam": {
            "type": "host-local",
            "ranges": [[{"subnet": str(c)}] for c in ordered],
            "dataDir": "/var/lib/cni/networks",
        },
    }
    if mtu:
        bridge_conf["mtu"] = mtu
    return {
        "cniVersion": cni_version,
        "name": network_name,
        "plugins": [bridge_conf, {"type": "portmap", "capabilities": {"portMappings": True}}],
    }


def route_batch(routes: Sequence[Route], protocol: int) -> str:
    """`ip -batch` input that installs the routes (used at boot, before the node can ask the API)."""
    lines = ["# Pod routes of v6kube.cluster's pod network: every other node's pod range via that node."]
    lines += [f"route replace {r.subnet} via {r.via} proto {protocol}" for r in routes]
    return "\n".join(lines) + "\n"


def route_changes(current: Sequence[Mapping[str, Any]], wanted: Sequence[Route]) -> tuple[list[Route], list[str]]:
    """From the routes of our protocol now in the kernel (``ip -j route show proto N``), what to add or replace
    and which destinations to delete."""
    have = {}
    for entry in current:
        dst = entry.get("dst")
        if isinstance(dst, str):
            try:
                have[str(ipaddress.ip_network(dst, strict=False))] = str(entry.get("gateway") or "")
            except ValueError:
                continue
    want = {r.subnet: r for r in wanted}
    add = [r for r in wanted if have.get(r.subnet) != r.via]
    delete = sorted(d for d in have if d not in want)
    return add, delete
