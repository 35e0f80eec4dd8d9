# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The host network as clouds model it: a network with an IPv4 CIDR and an IPv6 prefix, and subnets typed by
stack (IPv4-only, dual-stack, IPv6-only), with the nodes checked against the subnet they sit in.

A host subnet is written either as a CIDR string (the flat form: a subnet of that CIDR's family, named by it)
or as a mapping ``{name, ipv6, ipv4}`` whose stack follows from what it has. A mapping's ``ipv6`` is exactly a
/64, or ``auto``: then it is carved, by name, from the network's ``ipv6_prefix`` (the cloud's /56). Flat entries
may nest, as before (the longest holding an address is its subnet); a named subnet overlaps no other range.

A node's subnet is the one holding its addresses. The flat form cannot pair an IPv6 range with an IPv4 one, so in
a dual-stack cluster a node whose IPv6 and IPv4 addresses sit in two CIDR strings, one per family, is accepted:
that pair is its dual-stack subnet (as before named subnets existed). A named subnet says more and is held to it:
a node in one has one address per family inside that same subnet, never one of them in another entry.

Every function reports problems through a callback, each a complete sentence naming the key and the fix, so
that the plan (``_plan.resolve_plan``) lists them together with its own. The checks stay near-linear: address
lookups use one hash table per prefix length (O(distinct lengths) per address), names and addresses are
compared through dicts, never pairwise.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    FAMILY_LABELS,
    FAMILY_NAMES,
    Address,
    AddressError,
    Network,
    carve,
    describe,
    parse_address,
    parse_network,
    show,
    special_range,
)

Report = Callable[[str], None]
IPv6Net = ipaddress.IPv6Network
IPv4Net = ipaddress.IPv4Network
Stack = str  # "ipv6", "dual" or "ipv4"

KEY = "host_subnets"
SUBNET_KEYS = ("name", "ipv6", "ipv4")
# Keys of a resolved subnet (the plan's host_network.subnets) that describe it rather than define it.
RESOLVED_KEYS = ("stack", "carved", "nodes")
NETWORK_KEYS = ("ipv6_prefix", "ipv4_cidr")
NODE_KEYS = ("name", "addresses")
AUTO = "auto"
# Clouds give each subnet exactly one /64 of the network's IPv6 prefix (SLAAC needs 64 interface bits).
SUBNET_IPV6_LENGTH = 64
# Nodes accepted in one plan: beyond any kubeadm cluster (5,000 nodes is the tested Kubernetes limit).
MAX_NODES = 10_000
# Node names listed per subnet in a printout; the rest are counted.
LISTED_NODES = 6
STACK_LABELS = {"ipv6": "IPv6-only", "dual": "dual-stack", "ipv4": "IPv4-only"}
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?")
_NODE_NAME = re.compile(r"[^\x00-\x20\x7f]{1,255}")
SHAPE = "{name, ipv6, ipv4}"


@dataclass
class HostSubnet:
    """One host subnet; ``flat`` when written as a CIDR string, ``carved`` when its /64 came from ``auto``."""

    index: int
    name: str
    flat: bool = False
    ipv6: IPv6Net | None = None
    ipv4: IPv4Net | None = None
    carved: bool = False
    nodes: list[str] = field(default_factory=list)

    @property
    def stack(self) -> Stack:
        if self.ipv6 is not None or self.carved:
            return "dual" if self.ipv4 is not None else "ipv6"
        return "ipv4"

    @property
    def label(self) -> str:
        """``IPv6-only``, ``dual-stack`` or ``IPv4-only``."""
        return STACK_LABELS[self.stack]

    @property
    def ref(self) -> str:
        """How messages name it: ``host_subnets[0] 2001:db8:1::/64`` (flat) or ``host_subnets[1] (nodes-b)``."""
        if self.flat:
            return f"{KEY}[{self.index}] {self.name}"
        return f"{KEY}[{self.index}] ({self.name})"

    def networks(self) -> list[Network]:
        """Its CIDRs, IPv6 first."""
        return [net for net in (self.ipv6, self.ipv4) if net is not None]

    def get(self, version: int) -> Network | None:
        return self.ipv6 if version == 6 else self.ipv4

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "stack": self.stack, "ipv6": str(self.ipv6) if self.ipv6 else None,
                "ipv4": str(self.ipv4) if self.ipv4 else None, "carved": self.carved, "nodes": list(self.nodes)}


@dataclass(frozen=True)
class CloudNetwork:
    """The network the subnets are carved from (a VCN or VPC): its IPv4 CIDR and IPv6 prefix, each optional."""

    ipv6_prefix: IPv6Net | None = None
    ipv4_cidr: IPv4Net | None = None

    def get(self, version: int) -> Network | None:
        return self.ipv6_prefix if version == 6 else self.ipv4_cidr


@dataclass(frozen=True)
class Node:
    index: int
    name: str
    addresses: tuple[Address, ...]

    @property
    def ref(self) -> str:
        return f"node {self.name} (nodes[{self.index}])"


# ------------------------------------------------------------------ parsing
def _string_keys(value: Mapping[Any, Any], where: str, report: Report) -> bool:
    odd = [key for key in value if not isinstance(key, str)]
    if odd:
        report(f"keys of {where} must be strings, got {describe(odd[0])}")
        return False
    return True


def _sixty_four(net: IPv6Net) -> str:
    """The /64 to suggest instead of ``net``."""
    if net.prefixlen < SUBNET_IPV6_LENGTH:
        return str(next(net.subnets(new_prefix=SUBNET_IPV6_LENGTH)))
    return str(net.supernet(new_prefix=SUBNET_IPV6_LENGTH))


def _family_cidr(value: Any, where: str, version: int, report: Report) -> Network | None:
    try:
        net = parse_network(value, where)
    except AddressError as exc:
        report(str(exc))
        return None
    if net.version != version:
        other = "ipv4" if version == 6 else "ipv6"
        report(f"{where} {net} is {FAMILY_LABELS[net.version]}; put it under {other}")
        return None
    return net


def _typed(item: Mapping[Any, Any], index: int, report: Report, resolved: bool) -> HostSubnet | None:
    where = f"{KEY}[{index}]"
    if not _string_keys(item, where, report):
        return None
    known = SUBNET_KEYS + (RESOLVED_KEYS if resolved else ())
    for key in sorted(set(item) - set(known)):
        report(f"{where} has the unknown key {show(key)}; a host subnet is a CIDR string or a mapping {SHAPE}")
    ok = True
    name = item.get("name")
    if name is None:
        report(f"{where}.name is required: a host subnet written as a mapping is named (e.g. nodes-a)")
        ok = False
    elif not isinstance(name, str) or not _NAME.fullmatch(name):
        report(f"{where}.name {show(name)} must be 1 to 63 letters, digits, '.', '_' or '-', starting and ending "
               "with a letter or digit (e.g. nodes-a)")
        ok = False
    subnet = HostSubnet(index, name if ok else "")
    raw6, raw4 = item.get("ipv6"), item.get("ipv4")
    if raw6 is None and raw4 is None:
        report(f"{where} has neither ipv6 nor ipv4; give ipv6 (a /64, or auto) and/or ipv4 (a CIDR): the "
               "subnet's stack follows from what it has")
        ok = False
    if isinstance(raw6, str) and raw6.strip().lower() == AUTO:
        if resolved:
            report(f"{where}.ipv6 is auto; give the resolved subnets (v6kube_plan.host_network.subnets), whose "
                   "/64s are carved")
            ok = False
        else:
            subnet.carved = True
    elif raw6 is not None:
        net6 = _family_cidr(raw6, f"{where}.ipv6", 6, report)
        if net6 is None:
            ok = False
        elif net6.prefixlen != SUBNET_IPV6_LENGTH:
            report(f"{where}.ipv6 {net6} is a /{net6.prefixlen}; a subnet's IPv6 prefix is exactly a /64, as clouds "
                   f"assign it: give a /64 such as {_sixty_four(net6)} (ipv6: auto carves one from "
                   "network.ipv6_prefix)")
            ok = False
        else:
            subnet.ipv6 = net6  # type: ignore[assignment]
    if raw4 is not None:
        net4 = _family_cidr(raw4, f"{where}.ipv4", 4, report)
        if net4 is None:
            ok = False
        else:
            subnet.ipv4 = net4  # type: ignore[assignment]
    return subnet if ok else None


def parse_host_subnets(items: Sequence[Any], report: Report, *, resolved: bool = False) -> list[HostSubnet]:
    """The host subnets of ``items`` (CIDR strings and ``{name, ipv6, ipv4}`` mappings), in order.

    Entries with problems are reported and left out. With ``resolved``, the entries are the plan's resolved
    subnets: ``auto`` is refused and the keys that describe a subnet (stack, carved, nodes) are ignored.
    """
    subnets: list[HostSubnet] = []
    names: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"{KEY}[{index}]"
        if isinstance(item, str):
            try:
                net = parse_network(item, where)
            except AddressError as exc:
                report(str(exc))
                continue
            subnet = HostSubnet(index, str(net), flat=True)
            if net.version == 6:
                subnet.ipv6 = net  # type: ignore[assignment]
            else:
                subnet.ipv4 = net  # type: ignore[assignment]
            subnets.append(subnet)
        elif isinstance(item, Mapping):
            typed = _typed(item, index, report, resolved)
            if typed is None:
                continue
            first = names.setdefault(typed.name, index)
            if first != index:
                report(f"{where} repeats the name {show(typed.name)} of {KEY}[{first}]; subnet names are unique")
                continue
            subnets.append(typed)
        else:
            report(f"{where} must be a CIDR string or a mapping {SHAPE}, got {describe(item)}")
    return subnets


def parse_cloud_network(raw: Any, report: Report) -> CloudNetwork:
    """``network``: ``{ipv6_prefix, ipv4_cidr}``, both optional; None when not given."""
    if raw is None:
        return CloudNetwork()
    if not isinstance(raw, Mapping):
        report(f"network must be a mapping {{ipv6_prefix, ipv4_cidr}}, got {describe(raw)}")
        return CloudNetwork()
    if not _string_keys(raw, "network", report):
        return CloudNetwork()
    for key in sorted(set(raw) - set(NETWORK_KEYS)):
        report(f"network has the unknown key {show(key)}; it is {{ipv6_prefix, ipv4_cidr}}")
    found: dict[str, Network | None] = {"ipv6_prefix": None, "ipv4_cidr": None}
    for key, version in (("ipv6_prefix", 6), ("ipv4_cidr", 4)):
        if raw.get(key) is None:
            continue
        net = _family_cidr(raw[key], f"network.{key}", version, report)
        if net is None:
            continue
        reason = special_range(net)
        if reason:
            report(f"network.{key} {net} {reason}; use a global unicast, unique local or private range")
            continue
        if version == 6 and net.prefixlen > SUBNET_IPV6_LENGTH:
            report(f"network.ipv6_prefix {net} is a /{net.prefixlen}; subnets take /64s of it, so it must be a /64 "
                   "or shorter (clouds assign a /56)")
            continue
        found[key] = net
    return CloudNetwork(found["ipv6_prefix"], found["ipv4_cidr"])  # type: ignore[arg-type]


def _addresses(raw: Any, where: str, name: str, report: Report) -> tuple[Address, ...] | None:
    fix = f"set v6kube_node_addresses (or ansible_host) of {name} to its IP addresses, one per family, primary first"
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, (list, tuple)):
        report(f"{where}.addresses must be a list of IP addresses, got {describe(raw)}; {fix}")
        return None
    if not raw:
        report(f"{where}.addresses is empty; {fix}")
        return None
    if len(raw) > 2:
        report(f"{where}.addresses has {len(raw)} addresses; a node has one per family (two at most); {fix}")
        return None
    parsed = []
    for pos, value in enumerate(raw):
        try:
            parsed.append(parse_address(value, f"{where}.addresses[{pos}]"))
        except AddressError as exc:
            report(f"{exc}; {fix}")
            return None
    if len(parsed) == 2 and parsed[0].version == parsed[1].version:
        report(f"{where}.addresses has two {FAMILY_LABELS[parsed[0].version]} addresses ({parsed[0]}, {parsed[1]}); "
               f"{fix}")
        return None
    return tuple(parsed)


def parse_nodes(raw: Any, report: Report) -> list[Node]:
    """``nodes``: ``[{name, addresses}]`` (the inventory's hosts and their ``v6kube_node_addresses``)."""
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        report(f"nodes must be a list of {{name, addresses}} mappings, got {describe(raw)}")
        return []
    if len(raw) > MAX_NODES:
        report(f"nodes has {len(raw)} entries; at most {MAX_NODES} are accepted")
        return []
    nodes: list[Node] = []
    names: dict[str, int] = {}
    for index, item in enumerate(raw):
        where = f"nodes[{index}]"
        if not isinstance(item, Mapping):
            report(f"{where} must be a mapping {{name, addresses}}, got {describe(item)}")
            continue
        if not _string_keys(item, where, report):
            continue
        for key in sorted(set(item) - set(NODE_KEYS)):
            report(f"{where} has the unknown key {show(key)}; a node is {{name, addresses}}")
        name = item.get("name")
        if not isinstance(name, str) or not _NODE_NAME.fullmatch(name):
            report(f"{where}.name must be the node's inventory name (1 to 255 printable characters, no spaces), "
                   f"got {describe(name)}")
            continue
        first = names.setdefault(name, index)
        if first != index:
            report(f"{where} repeats the node name {show(name)} of nodes[{first}]; each node is listed once")
            continue
        addresses = _addresses(item.get("addresses"), where, name, report)
        if addresses is not None:
            nodes.append(Node(index, name, addresses))
    return nodes


# ------------------------------------------------------------------ lookups
class SubnetIndex:
    """Which host subnet holds an address: one hash table per prefix length, longest first.

    A lookup costs O(distinct prefix lengths) (at most 33 for IPv4, 129 for IPv6; in practice one or two), so
    locating every node is linear in the number of nodes. When flat entries nest, the longest holding an
    address wins: that is the on-link network, as for ``host_interface``.
    """

    def __init__(self, subnets: Iterable[HostSubnet]) -> None:
        self._tables: dict[int, dict[int, dict[int, tuple[HostSubnet, Network]]]] = {4: {}, 6: {}}
        for subnet in subnets:
            for net in subnet.networks():
                table = self._tables[net.version].setdefault(net.prefixlen, {})
                table.setdefault(int(net.network_address), (subnet, net))
        self._lengths = {version: sorted(tables, reverse=True) for version, tables in self._tables.items()}
        self._shown = {version: [str(net) for net in sorted(
            {net for tables in self._tables[version].values() for _subnet, net in tables.values()},
            key=lambda net: (int(net.network_address), net.prefixlen))[:5]] for version in (4, 6)}
        self._counts = {version: sum(len(t) for t in self._tables[version].values()) for version in (4, 6)}

    def find(self, address: Address) -> tuple[HostSubnet, Network] | None:
        value, bits = int(address), address.max_prefixlen
        tables = self._tables[address.version]
        for length in self._lengths[address.version]:
            found = tables[length].get(value >> (bits - length) << (bits - length))
            if found is not None:
                return found
        return None

    def listing(self, version: int) -> str:
        """A few of the subnets of a family, for messages."""
        shown = self._shown[version]
        if not shown:
            return f"no {FAMILY_LABELS[version]} host subnet is declared"
        rest = f", ... ({self._counts[version]} in all)" if self._counts[version] > len(shown) else ""
        return f"{FAMILY_LABELS[version]} host subnets {', '.join(shown)}{rest}"


def _edge_address(address: Address, net: Network) -> str | None:
    if net.num_addresses <= 2:
        return None
    if address == net.network_address:
        return "network"
    if net.version == 4 and address == net.broadcast_address:
        return "broadcast"
    return None


# ------------------------------------------------------------------ checks
def carve_auto(subnets: Sequence[HostSubnet], network: CloudNetwork, taken: Iterable[Network],
               report: Report) -> bool:
    """Give every ``ipv6: auto`` subnet its /64 from ``network.ipv6_prefix``, in order, avoiding ``taken``.

    Returns False when a subnet could not get one (reported).
    """
    auto = [s for s in subnets if s.carved and s.ipv6 is None]
    if not auto:
        return True
    prefix = network.ipv6_prefix
    if prefix is None:
        for subnet in auto:
            report(f"{subnet.ref}.ipv6 is auto but network.ipv6_prefix is not set; set network.ipv6_prefix (the "
                   "network's IPv6 prefix, e.g. a /56) or give the subnet its /64")
        return False
    exclude = sorted({str(net) for net in taken if net.version == 6 and net.overlaps(prefix)})
    try:
        carved = carve(prefix, [{"name": s.name, "prefix": SUBNET_IPV6_LENGTH} for s in auto], exclude)
    except AddressError as exc:
        report(f"network.ipv6_prefix {prefix} has no /64 left for every subnet with ipv6: auto ({exc}); use a "
               "shorter prefix, or fewer auto subnets")
        return False
    for subnet in auto:
        subnet.ipv6 = ipaddress.IPv6Network(carved[subnet.name])
    return True


def check_network(subnets: Iterable[HostSubnet], network: CloudNetwork, report: Report) -> None:
    """Every subnet's CIDRs inside the network's, when the network declares them."""
    for subnet in subnets:
        for net in subnet.networks():
            outer = network.get(net.version)
            if outer is not None and not net.subnet_of(outer):  # type: ignore[arg-type]
                key = "ipv6_prefix" if net.version == 6 else "ipv4_cidr"
                what = subnet.ref if subnet.flat else f"{subnet.ref}.{FAMILY_NAMES[net.version]} {net}"
                report(f"{what} is outside network.{key} {outer}; a subnet's CIDRs are taken from its network's "
                       f"(correct the subnet, or network.{key})")


def _lacks(node: Node, home: HostSubnet, version: int, cluster: str) -> str:
    family = FAMILY_LABELS[version]
    key = "ipv6" if version == 6 else "ipv4"
    net = home.get(version)
    if home.flat:
        # A CIDR string has one family: the node's other address goes in a CIDR string of the other family, and the
        # two pair up as its dual-stack subnet.
        return (f"{node.ref} of the {cluster} cluster has no {family} address; its subnet {home.ref} is a CIDR "
                f"string, {home.label}: give {node.name} its {family} address too (v6kube_node_addresses, one "
                f"address per family, primary first), in an {family} CIDR string of host_subnets (declare one if "
                "there is none: the two pair up as its dual-stack subnet)")
    if net is None:
        what = "a /64, or auto" if version == 6 else "a CIDR"
        return (f"{node.ref} of the {cluster} cluster lacks its {family} address because its subnet {home.ref} is "
                f"{home.label}: add {key} ({what}) to that subnet and give {node.name} its {family} address there "
                "(v6kube_node_addresses, primary family first)")
    return (f"{node.ref} of the {cluster} cluster has no {family} address; give it one in {home.ref} {key} {net} "
            "(v6kube_node_addresses, one address per family, primary first)")


def _split(node: Node, located: Sequence[tuple[Address, HostSubnet]]) -> str | None:
    """Why a dual-stack node whose two addresses sit in two subnets is refused, with the fix; None when both are
    CIDR strings (one per family: the flat form's dual-stack subnet, accepted)."""
    typed = [subnet for _address, subnet in located if not subnet.flat]
    if not typed:
        return None
    parts = " and ".join(f"{FAMILY_LABELS[address.version]} {address} in {subnet.ref} ({subnet.label})"
                         for address, subnet in located)
    lead = (f"{node.ref} has its addresses in two subnets, {parts}; a node in a named subnet has one address per "
            "family in that same subnet (only two CIDR strings, one per family, pair up)")
    # The named subnet to keep: a dual-stack one if the node is in one, else the first.
    home = next((subnet for subnet in typed if subnet.stack == "dual"), typed[0])
    address, other = next((address, subnet) for address, subnet in located if subnet is not home)
    family, key = FAMILY_LABELS[address.version], FAMILY_NAMES[address.version]
    if home.get(address.version) is not None:
        return (f"{lead}: give {node.name} its {family} address in {home.ref} {key} {home.get(address.version)} "
                "(v6kube_node_addresses, one address per family, primary first)")
    nets: dict[int, Network | None] = {version: home.get(version) for version in (6, 4)}
    nets[address.version] = other.get(address.version)
    net6 = nets[6]
    if net6 is not None and net6.prefixlen != SUBNET_IPV6_LENGTH:
        # A named subnet's IPv6 prefix is exactly a /64: suggest the node's.
        ipv6 = next(a for a, _s in located if a.version == 6)
        net6 = ipaddress.IPv6Network((int(ipv6) >> 64 << 64, SUBNET_IPV6_LENGTH))
    return (f"{lead}: declare {home.ref} and {other.ref} as one dual-stack subnet, {{name: {home.name}, "
            f"ipv6: {net6}, ipv4: {nets[4]}}}, in place of both")


def check_nodes(nodes: Sequence[Node], index: SubnetIndex, stack: Stack, primary: int, report: Report
                ) -> dict[str, str]:
    """Every node address in a host subnet, one subnet per node, the families the stack needs.

    In a dual-stack cluster a node's two addresses sit in one subnet, or in two CIDR strings, one per family (the
    flat form's dual-stack subnet); a node in a named subnet has both its addresses in it.

    Returns node name -> the name of its subnet (that of its primary address), and records each node on the
    subnets holding its addresses. Linear in the number of nodes (dict lookups only).
    """
    owners: dict[Address, str] = {}
    placed: dict[str, str] = {}
    for node in nodes:
        families = {address.version for address in node.addresses}
        located: list[tuple[Address, HostSubnet]] = []
        for address in node.addresses:
            owner = owners.setdefault(address, node.name)
            if owner != node.name:
                report(f"{node.ref}: address {address} is also node {owner}'s; every node has addresses of its own")
            found = index.find(address)
            if found is None:
                # In an IPv6-only cluster an IPv4 address is reported for being there at all (below).
                if not (stack == "ipv6" and address.version == 4):
                    report(f"{node.ref}: address {address} is in no host subnet ({index.listing(address.version)}); "
                           f"correct v6kube_node_addresses (or ansible_host) of {node.name}, or declare its subnet "
                           "in host_subnets")
                continue
            subnet, net = found
            edge = _edge_address(address, net)
            if edge:
                report(f"{node.ref}: address {address} is the {edge} address of {subnet.ref} {net}; give the node "
                       "an address inside it")
            located.append((address, subnet))
        homes = list({id(subnet): subnet for _address, subnet in located}.values())
        home = homes[0] if homes else None
        if stack == "ipv6":
            home = next((subnet for address, subnet in located if address.version == 6), home)
            if 6 in families and 4 in families:
                ipv4 = next(address for address in node.addresses if address.version == 4)
                report(f"{node.ref} lists the IPv4 address {ipv4} but the cluster is IPv6-only; list only its IPv6 "
                       "address (v6kube_node_addresses)")
            elif 6 not in families:
                if home is None:
                    report(f"{node.ref} has no IPv6 address ({', '.join(map(str, node.addresses))}) and the cluster "
                           f"is IPv6-only; set v6kube_node_addresses (or ansible_host) of {node.name} to its IPv6 "
                           f"address, in one of the {index.listing(6)}")
                elif home.ipv6 is None and home.flat:
                    report(f"{node.ref} sits in the IPv4-only subnet {home.ref} (a CIDR string) of an IPv6-only "
                           f"cluster: give {node.name} its IPv6 address (v6kube_node_addresses) in a host subnet "
                           f"with IPv6 ({index.listing(6)}), declaring one if there is none")
                elif home.ipv6 is None:
                    report(f"{node.ref} sits in the IPv4-only subnet {home.ref} of an IPv6-only cluster: add an "
                           f"IPv6 /64 to {home.ref} (ipv6: auto or a /64) and give {node.name} its address there, "
                           "or move the node to a subnet with IPv6")
                else:
                    report(_lacks(node, home, 6, "IPv6-only"))
        else:
            if len(homes) > 1:
                # Two subnets, one per family (a node has one address per family): two CIDR strings pair up as
                # the node's dual-stack subnet; a named subnet must hold both addresses itself.
                split = _split(node, located)
                if split is not None:
                    report(split)
            elif home is not None:
                for version in (6, 4):
                    if version not in families:
                        report(_lacks(node, home, version, "dual-stack"))
            if len(node.addresses) == 2 and node.addresses[0].version != primary:
                report(f"{node.ref} lists its {FAMILY_LABELS[node.addresses[0].version]} address first but the "
                       f"primary family is {FAMILY_LABELS[primary]}; list the {FAMILY_LABELS[primary]} address first "
                       "(v6kube_node_addresses)")
        if home is not None:
            for subnet in homes:  # a node in a pair of CIDR strings sits in both
                subnet.nodes.append(node.name)
            placed[node.name] = home.name
    return placed


def check_endpoint(address: Address, text: str, index: SubnetIndex, report: Report) -> str | None:
    """The API VIP of ``control_plane_endpoint`` in a subnet of its family; returns that subnet's name."""
    found = index.find(address)
    if found is None:
        report(f"control_plane_endpoint {text}: the API VIP {address} is in no host subnet "
               f"({index.listing(address.version)}); put the VIP in the control planes' subnet, or declare the "
               "subnet of the load balancer that serves it in host_subnets")
        return None
    subnet, net = found
    edge = _edge_address(address, net)
    if edge:
        report(f"control_plane_endpoint {text}: the API VIP {address} is the {edge} address of {subnet.ref} {net}; "
               "use an address inside it")
    return subnet.name


def ipv4_carriers(subnets: Iterable[HostSubnet]) -> list[HostSubnet]:
    """The subnets that still carry IPv4 (IPv4-only and dual-stack ones), in order."""
    return [subnet for subnet in subnets if subnet.ipv4 is not None]


def describe_subnet(entry: Mapping[str, Any]) -> str:
    """``edge (dual-stack, 2 nodes)`` for a resolved subnet."""
    count = len(entry.get("nodes") or [])
    nodes = "no nodes" if count == 0 else f"{count} node{'s' if count != 1 else ''}"
    return f"{entry.get('name')} ({STACK_LABELS.get(str(entry.get('stack')), entry.get('stack'))}, {nodes})"


# ------------------------------------------------------------------ audit
AddressText = Union[str, Address]


def locate(addresses: Iterable[AddressText], subnets: Sequence[HostSubnet]) -> dict[str, HostSubnet | None]:
    """address text -> the host subnet holding it (None when none does, or the text is not an address)."""
    index = SubnetIndex(subnets)
    found: dict[str, HostSubnet | None] = {}
    for text in addresses:
        try:
            address = parse_address(text)
        except AddressError:
            found[str(text)] = None
            continue
        hit = index.find(address)
        found[str(text)] = hit[0] if hit else None
    return found
