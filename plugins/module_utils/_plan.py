# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Cluster address plan: validation against the rules kubeadm, kube-apiserver and kube-controller-manager
enforce, and the resolved values every role and template uses.

``resolve_plan(spec)`` checks the whole plan and raises :class:`PlanError` carrying *every* problem found,
each naming the key and the fix, so an operator repairs a plan in one pass instead of one error per run.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._hostnet import (
    LISTED_NODES,
    STACK_LABELS,
    SubnetIndex,
    carve_auto,
    check_endpoint,
    check_network,
    check_nodes,
    describe_subnet,
    ipv4_carriers,
    parse_cloud_network,
    parse_host_subnets,
    parse_nodes,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    FAMILY_LABELS,
    FAMILY_NAMES,
    AddressError,
    Network,
    as_int,
    describe,
    family_name,
    is_dns_name,
    overlap_detail,
    parse_endpoint,
    parse_network,
    show,
    special_range,
)

# kubeadm: constants.MaximumBitsForServiceSubnet (the same limit kube-apiserver applies).
MAX_SERVICE_HOST_BITS = 20
# kubeadm: constants.MinimumAddressesInServiceSubnet (the DNS service takes the tenth address).
MIN_SERVICE_ADDRESSES = 10
# kubeadm: constants.MinimumAddressesInPodSubnet.
MIN_POD_ADDRESSES = 14
# kubeadm / kube-controller-manager: constants.PodSubnetNodeMaskMaxDiff.
MAX_NODE_MASK_DIFF = 16
DEFAULT_NODE_MASK = {"ipv6": 64, "ipv4": 24}
STACKS = ("ipv6", "dual")
# Longest subnet list accepted per key: far beyond any real cluster (pods and services take two at most), small
# enough that validation stays fast. A longer list is refused before its entries are parsed.
MAX_SUBNETS = 10_000
# Problems listed in one report; the rest are counted ("... and N more").
MAX_PROBLEMS = 50
SUBNET_KEYS = ("pod_subnets", "service_subnets", "host_subnets", "lb_subnets")

# The plan keys, in the form AnsibleModule and ActionBase.validate_argument_spec take.
PLAN_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "stack": {"type": "str", "default": "ipv6", "choices": list(STACKS)},
    "pod_subnets": {"type": "list", "elements": "str", "required": True},
    "service_subnets": {"type": "list", "elements": "str", "required": True},
    "node_mask_size_ipv6": {"type": "int", "default": DEFAULT_NODE_MASK["ipv6"]},
    "node_mask_size_ipv4": {"type": "int", "default": DEFAULT_NODE_MASK["ipv4"]},
    "node_count": {"type": "int"},
    # Each entry a CIDR string or a {name, ipv6, ipv4} mapping: AnsibleModule checks no element of a raw list (the
    # options only document the mapping form, for ansible-doc and validate-modules); the core checks them all.
    "host_subnets": {"type": "list", "elements": "raw", "default": [], "options": {
        "name": {"type": "str", "required": True},
        "ipv6": {"type": "str"},
        "ipv4": {"type": "str"},
    }},
    "lb_subnets": {"type": "list", "elements": "str", "default": []},
    "control_plane_endpoint": {"type": "str"},
    "cluster_domain": {"type": "str", "default": "cluster.local"},
    "network": {"type": "dict", "options": {
        "ipv6_prefix": {"type": "str"},
        "ipv4_cidr": {"type": "str"},
    }},
    "nodes": {"type": "list", "elements": "dict", "default": [], "options": {
        "name": {"type": "str", "required": True},
        "addresses": {"type": "list", "elements": "str", "required": True},
    }},
}
DEFAULTS: dict[str, Any] = {key: opts.get("default") for key, opts in PLAN_ARGUMENT_SPEC.items()}

# The options of the plan_report action and module (the printout of a resolved plan).
REPORT_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "plan": {"type": "dict", "required": True},
    "sans": {"type": "list", "elements": "str", "default": []},
    "print": {"type": "bool", "default": True},
}


class PlanError(ValueError):
    """A plan with one or more problems; ``problems`` lists them, each a complete sentence.

    When more than :data:`MAX_PROBLEMS` were found, the last entry says how many more there are and
    ``total`` counts them all.
    """

    def __init__(self, problems: list[str], total: int | None = None):
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__("; ".join(self.problems))


@dataclass
class _Subnet:
    key: str
    index: int
    net: Network
    name: str | None = None  # a named host subnet
    nestable: bool = False  # a host subnet written as a CIDR string: it may nest in another one

    @property
    def ref(self) -> str:
        if self.name:
            return f"{self.key}[{self.index}] ({self.name}) {self.net}"
        return f"{self.key}[{self.index}] {self.net}"


@dataclass
class _Check:
    """Collects problems: the first :data:`MAX_PROBLEMS` are kept, the rest only counted."""

    problems: list[str] = field(default_factory=list)
    hidden: int = 0

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def add(self, message: str) -> None:
        if self.full:
            self.hidden += 1
        else:
            self.problems.append(message)

    def count(self, number: int) -> None:
        """``number`` more problems that were found but not worded (the list is full)."""
        self.hidden += number

    def error(self) -> PlanError:
        problems = list(self.problems)
        if self.hidden:
            problems.append(
                f"... and {self.hidden} more problem(s) not listed (only the first {MAX_PROBLEMS} are); "
                "fix these and validate again"
            )
        return PlanError(problems, len(self.problems) + self.hidden)


def _listify(value: Any) -> list[Any] | None:
    """Lists stay lists; a comma-separated string (kubeadm style) becomes a list; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _items(spec: Mapping[str, Any], key: str, check: _Check) -> list[Any] | None:
    """The entries of a subnet list, or None (reported) when it is not a list or is too long."""
    raw = spec.get(key)
    items = _listify(raw)
    if raw is not None and items is None:
        what = "CIDRs and {name, ipv6, ipv4} mappings" if key == "host_subnets" else "CIDRs"
        check.add(f"{key} must be a list of {what}, got {type(raw).__name__}")
        return None
    if items is not None and len(items) > MAX_SUBNETS:
        check.add(
            f"{key} has {len(items)} entries; at most {MAX_SUBNETS} are accepted (pod_subnets and service_subnets "
            "take one per family; merge host and load-balancer subnets into larger prefixes)"
        )
        return None
    return items or []


def _parse_list(spec: Mapping[str, Any], key: str, check: _Check) -> list[_Subnet]:
    items = _items(spec, key, check)
    if items is None:
        return []
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(_Subnet(key, index, parse_network(item, f"{key}[{index}]")))
        except AddressError as exc:
            check.add(str(exc))
    return parsed


def _int_key(spec: Mapping[str, Any], key: str, check: _Check) -> int | None:
    value = spec.get(key, DEFAULTS[key])
    if value is None:
        return None
    try:
        return as_int(value, key)
    except AddressError as exc:
        check.add(str(exc))
        return None


def _check_families(spec: Mapping[str, Any], key: str, subnets: list[_Subnet], stack: str, check: _Check) -> None:
    """Count and family rules of a pod or service list (kubeadm ValidateIPNetFromString)."""
    if not subnets:
        if not _listify(spec.get(key)):  # entries that did not parse are reported already
            check.add(f"{key} is required: give one IPv6 CIDR" + (" and one IPv4 CIDR" if stack == "dual" else ""))
        return
    if len(subnets) > 2:
        check.add(f"{key} has {len(subnets)} subnets; at most two are allowed, one per family")
    versions = [s.net.version for s in subnets]
    for version in (6, 4):
        if versions.count(version) > 1:
            check.add(
                f"{key} has {versions.count(version)} {FAMILY_LABELS[version]} subnets; "
                "dual-stack takes exactly one IPv6 and one IPv4 subnet"
            )
    if stack == "ipv6":
        for s in subnets:
            if s.net.version == 4:
                check.add(f"{s.ref} is IPv4 but stack is ipv6; remove it, or set stack: dual for a dual-stack cluster")
    elif stack == "dual" and len(subnets) <= 2 and sorted(versions) != [4, 6]:
        missing = "IPv4" if 4 not in versions else "IPv6"
        check.add(f"{key} needs exactly one IPv6 and one IPv4 subnet for stack dual; add the {missing} one")


def _check_overlaps(subnets: list[_Subnet], check: _Check) -> None:
    """Report every overlapping pair except two host_subnets written as CIDR strings (they may nest, as they always
    could); O(n log n + reported).

    CIDR blocks either nest or are disjoint, so after sorting by (family, first address, widest first) the ranges
    still open at a block are exactly the blocks that contain it: a stack. Pairs are worded, in input order,
    only while the problem list has room; beyond that they are counted.
    """
    order = sorted(
        range(len(subnets)),
        key=lambda i: (subnets[i].net.version, int(subnets[i].net.network_address), subnets[i].net.prefixlen, i),
    )
    open_all: list[int] = []  # indexes of the blocks containing the current one, outermost first
    open_other: list[int] = []  # the same, without the nestable host_subnets entries
    pairs: list[tuple[int, int]] = []
    for j in order:
        sub = subnets[j]
        first = int(sub.net.network_address)
        version = sub.net.version
        while open_all and (
            subnets[open_all[-1]].net.version != version or int(subnets[open_all[-1]].net.broadcast_address) < first
        ):
            if open_other and open_other[-1] == open_all[-1]:
                open_other.pop()
            open_all.pop()
        partners = open_other if sub.nestable else open_all
        room = MAX_PROBLEMS - len(check.problems) - len(pairs)
        if room > 0:
            pairs.extend((min(i, j), max(i, j)) for i in partners[-room:])
            check.count(max(0, len(partners) - room))
        else:
            check.count(len(partners))
        open_all.append(j)
        if not sub.nestable:
            open_other.append(j)
    for i, j in sorted(pairs):
        a, b = subnets[i], subnets[j]
        check.add(
            f"{a.ref} overlaps {b.ref} ({overlap_detail(a.net, b.net)}); "
            "pod, service, host and load-balancer ranges must not overlap"
        )


def _primary(subnets: list[_Subnet]) -> str | None:
    return family_name(subnets[0].net) if subnets else None


def resolve_plan(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``spec`` and return the resolved plan; raise PlanError listing every problem."""
    if not isinstance(spec, Mapping):
        raise PlanError([f"the plan must be a mapping of plan keys, got {type(spec).__name__}"])
    check = _Check()
    odd = [key for key in spec if not isinstance(key, str)]
    if odd:
        raise PlanError([f"plan keys must be strings, got {describe(odd[0])}; known keys are {', '.join(sorted(DEFAULTS))}"])
    unknown = sorted(set(spec) - set(DEFAULTS))
    for key in unknown:
        check.add(f"unknown plan key {show(key)}; known keys are {', '.join(sorted(DEFAULTS))}")

    stack = spec.get("stack", DEFAULTS["stack"])
    if stack is None:
        stack = DEFAULTS["stack"]
    if not isinstance(stack, str) or stack not in STACKS:
        check.add(f"stack {show(stack)} is not supported; use ipv6 (IPv6-only) or dual (dual-stack)")
        stack = "ipv6"

    pods = _parse_list(spec, "pod_subnets", check)
    services = _parse_list(spec, "service_subnets", check)
    host_items = _items(spec, "host_subnets", check)
    host_subnets = parse_host_subnets(host_items or [], check.add)
    lbs = _parse_list(spec, "lb_subnets", check)
    network = parse_cloud_network(spec.get("network"), check.add)
    # Nodes are checked against the host subnets only: without any, an inventory's nodes stay as unchecked as before.
    nodes = parse_nodes(spec.get("nodes"), check.add) if host_items else []

    _check_families(spec, "pod_subnets", pods, stack, check)
    _check_families(spec, "service_subnets", services, stack, check)
    if stack == "ipv6":
        # Host subnets may still carry IPv4 in an IPv6-only cluster (a network on its way to IPv6-only); the nodes
        # are checked for it below. Load-balancer pools hand out Service addresses: IPv6 only.
        for s in lbs:
            if s.net.version == 4:
                check.add(f"{s.ref} is IPv4 but stack is ipv6; remove it, or set stack: dual")

    # The host network: /64s carved for ipv6: auto (away from every other range), then each subnet inside the
    # network's CIDRs. Only a host network that parsed whole is used to locate nodes and the API VIP.
    explicit = [s.net for s in pods + services + lbs] + [n for h in host_subnets for n in h.networks()]
    carved = carve_auto(host_subnets, network, explicit, check.add)
    check_network(host_subnets, network, check.add)
    hosts = [
        _Subnet("host_subnets", h.index, net, None if h.flat else h.name, h.flat)
        for h in host_subnets
        for net in h.networks()
    ]
    host_index = (
        SubnetIndex(host_subnets)
        if host_subnets and carved and host_items is not None and len(host_subnets) == len(host_items)
        else None
    )

    pod_primary, svc_primary = _primary(pods), _primary(services)
    if pod_primary and svc_primary and pod_primary != svc_primary:
        check.add(
            f"pod_subnets starts with {pod_primary} but service_subnets starts with {svc_primary}; "
            "both lists must put the same (primary) family first"
        )

    # Sizes: services (kube-apiserver, kubeadm) and pods (kubeadm).
    for s in services:
        host_bits = s.net.max_prefixlen - s.net.prefixlen
        if host_bits > MAX_SERVICE_HOST_BITS:
            longest = s.net.max_prefixlen - MAX_SERVICE_HOST_BITS
            check.add(
                f"{s.ref} has {host_bits} host bits; kube-apiserver allows at most {MAX_SERVICE_HOST_BITS} "
                f"(use /{longest} or longer)"
            )
        if s.net.num_addresses < MIN_SERVICE_ADDRESSES:
            check.add(
                f"{s.ref} has {s.net.num_addresses} addresses; kubeadm needs at least {MIN_SERVICE_ADDRESSES} "
                f"because the DNS service takes the tenth (use /{s.net.max_prefixlen - 4} or shorter)"
            )
    for s in pods:
        if s.net.num_addresses < MIN_POD_ADDRESSES:
            check.add(f"{s.ref} has {s.net.num_addresses} addresses; kubeadm needs at least {MIN_POD_ADDRESSES}")

    # Node masks (kube-controller-manager --node-cidr-mask-size-ipv6/-ipv4, kubeadm ValidatePodSubnetNodeMask).
    node_masks: dict[str, int] = {}
    capacity: dict[str, int] = {}
    families_in_stack = {6} if stack == "ipv6" else {6, 4}
    for version in (6, 4):
        key = f"node_mask_size_{FAMILY_NAMES[version]}"
        mask = _int_key(spec, key, check)
        if version not in families_in_stack or mask is None:
            continue
        maxlen = 128 if version == 6 else 32
        if not 1 <= mask <= maxlen:
            check.add(f"{key} {mask} is not a valid {FAMILY_LABELS[version]} prefix length (1 to {maxlen})")
            continue
        node_masks[FAMILY_NAMES[version]] = mask
        for s in pods:
            if s.net.version != version:
                continue
            if mask < s.net.prefixlen:
                check.add(
                    f"{key} {mask} is shorter than {s.ref}: each node's pod range must fit inside the pod "
                    f"subnet (use {key} {s.net.prefixlen} or more, or a larger pod subnet)"
                )
            elif mask - s.net.prefixlen > MAX_NODE_MASK_DIFF:
                check.add(
                    f"{key} {mask} is {mask - s.net.prefixlen} bits longer than {s.ref}; "
                    f"kube-controller-manager allows at most {MAX_NODE_MASK_DIFF} (use a pod subnet of "
                    f"/{mask - MAX_NODE_MASK_DIFF} or longer, or {key} {s.net.prefixlen + MAX_NODE_MASK_DIFF} or less)"
                )
            else:
                capacity[FAMILY_NAMES[version]] = 1 << (mask - s.net.prefixlen)

    node_count = _int_key(spec, "node_count", check)
    max_nodes = min(capacity.values()) if capacity else None
    if node_count is not None:
        if node_count < 1:
            check.add(f"node_count {node_count} must be at least 1")
        elif max_nodes is not None and node_count > max_nodes:
            for fam, cap in capacity.items():
                if node_count > cap:
                    mask = node_masks[fam]
                    need = mask - (node_count - 1).bit_length()
                    pod = next(s for s in pods if family_name(s.net) == fam)
                    check.add(
                        f"node_count {node_count} exceeds the {fam} capacity of {pod.ref} with "
                        f"node_mask_size_{fam} {mask}: {cap} nodes (use a pod subnet of /{need} or shorter, "
                        f"or a longer node mask)"
                    )

    # Special ranges, then overlaps between every pair of roles (either direction).
    all_subnets = pods + services + hosts + lbs
    for s in all_subnets:
        reason = special_range(s.net)
        if reason:
            check.add(f"{s.ref} {reason}; use a global unicast or unique local (fd00::/8) range")
    _check_overlaps(all_subnets, check)

    endpoint = None
    endpoint_subnet = None
    raw_endpoint = spec.get("control_plane_endpoint")
    if raw_endpoint not in (None, ""):
        try:
            endpoint = parse_endpoint(raw_endpoint, "control_plane_endpoint")
        except AddressError as exc:
            check.add(str(exc))
        else:
            if endpoint.is_ip:
                address = endpoint.host
                host_net = ipaddress.ip_network(address)
                if stack == "ipv6" and host_net.version == 4:
                    check.add(
                        f"control_plane_endpoint {raw_endpoint} is IPv4 but stack is ipv6; "
                        "use the IPv6 VIP in brackets, e.g. [2001:db8::100]:6443"
                    )
                reason = special_range(host_net)
                if reason:
                    check.add(f"control_plane_endpoint {raw_endpoint} {reason}; nodes cannot reach the API there")
                for s in pods + services:
                    if s.net.version == host_net.version and s.net.overlaps(host_net):  # type: ignore[arg-type]
                        check.add(
                            f"control_plane_endpoint {raw_endpoint} lies inside {s.ref}; "
                            "the API VIP must be a host-network address"
                        )
                if host_index is not None and not reason and not (stack == "ipv6" and host_net.version == 4):
                    endpoint_subnet = check_endpoint(address, raw_endpoint, host_index, check.add)

    node_subnets: dict[str, str] = {}
    if host_index is not None:
        primary = pods[0].net.version if pods else 6
        node_subnets = check_nodes(nodes, host_index, stack, primary, check.add)

    domain = spec.get("cluster_domain", DEFAULTS["cluster_domain"])
    if domain is None:
        domain = DEFAULTS["cluster_domain"]
    if not isinstance(domain, str) or not is_dns_name(domain.lower()) or domain != domain.lower():
        check.add(f"cluster_domain {show(domain)} is not a valid lowercase DNS name (e.g. cluster.local)")

    if check.problems:
        raise check.error()

    families = [family_name(s.net) for s in pods]
    return {
        "stack": stack,
        "families": families,
        "primary_family": families[0],
        "pod_subnets": [str(s.net) for s in pods],
        "service_subnets": [str(s.net) for s in services],
        "host_subnets": [str(s.net) for s in hosts],
        "host_network": {
            "ipv6_prefix": str(network.ipv6_prefix) if network.ipv6_prefix else None,
            "ipv4_cidr": str(network.ipv4_cidr) if network.ipv4_cidr else None,
            "subnets": [h.as_dict() for h in host_subnets],
            "ipv4_subnets": [h.name for h in ipv4_carriers(host_subnets)],
            "node_subnets": node_subnets,
            "endpoint_subnet": endpoint_subnet,
        },
        "lb_subnets": [str(s.net) for s in lbs],
        "kubeadm_pod_subnet": ",".join(str(s.net) for s in pods),
        "kubeadm_service_subnet": ",".join(str(s.net) for s in services),
        "api_service_ips": [str(s.net.network_address + 1) for s in services],
        "dns_service_ips": [str(s.net.network_address + MIN_SERVICE_ADDRESSES) for s in services],
        "service_sizes": {family_name(s.net): s.net.num_addresses for s in services},
        "node_mask_sizes": node_masks,
        "node_capacity": capacity,
        "max_nodes": max_nodes,
        "pod_addresses_per_node": {fam: 1 << ((128 if fam == "ipv6" else 32) - m) for fam, m in node_masks.items()},
        "node_count": node_count,
        "control_plane_endpoint": str(endpoint) if endpoint else None,
        "control_plane_host": (str(endpoint.host) if endpoint else None),
        "control_plane_port": (endpoint.port if endpoint else None),
        "cluster_domain": domain,
        "controller_manager_args": {
            f"node-cidr-mask-size-{fam}": str(mask) for fam, mask in node_masks.items()
        },
    }


# What a printout reads from a resolved plan, and the types it must have (a plan passed through a playbook could be
# anything): key -> allowed types; "[str]" marks a list of strings.
_RESOLVED_KEYS: dict[str, tuple[Any, ...]] = {
    "stack": (str,), "primary_family": (str,), "cluster_domain": (str,), "families": ("[str]",),
    "pod_subnets": ("[str]",), "service_subnets": ("[str]",), "lb_subnets": ("[str]",), "host_subnets": ("[str]",),
    "api_service_ips": ("[str]",), "dns_service_ips": ("[str]",), "service_sizes": (Mapping,),
    "node_mask_sizes": (Mapping,), "node_capacity": (Mapping,), "controller_manager_args": (Mapping,),
    "node_count": (int, type(None)), "max_nodes": (int, type(None)), "control_plane_endpoint": (str, type(None)),
    "host_network": (Mapping, type(None)),
}
_RESOLVED_SUBNET_KEYS: dict[str, tuple[Any, ...]] = {
    "name": (str,), "stack": (str,), "ipv6": (str, type(None)), "ipv4": (str, type(None)), "carved": (bool,),
    "nodes": ("[str]",),
}
# Columns of the printout's longest lines.
REPORT_WIDTH = 110


def _fits(value: Any, kinds: tuple[Any, ...]) -> bool:
    for kind in kinds:
        if kind == "[str]":
            if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
                return True
        elif isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return True
    return False


def check_resolved(plan: Any, key: str = "plan") -> Mapping[str, Any]:
    """``plan`` when it is a resolved plan (the network_plan filter or action's result); AddressError otherwise."""
    if not isinstance(plan, Mapping):
        raise AddressError(
            f"{key} must be the resolved plan (network_plan's result, v6kube_plan), got {describe(plan)}"
        )
    wrong = [name for name, kinds in _RESOLVED_KEYS.items() if not _fits(plan.get(name), kinds)]
    network = plan.get("host_network")
    if not wrong and isinstance(network, Mapping):
        subnets = network.get("subnets")
        if not isinstance(subnets, (list, tuple)):
            wrong.append("host_network.subnets")
        else:
            for index, entry in enumerate(subnets):
                if not isinstance(entry, Mapping) or not all(
                        _fits(entry.get(name), kinds) for name, kinds in _RESOLVED_SUBNET_KEYS.items()):
                    wrong.append(f"host_network.subnets[{index}]")
                    break
        for name in ("ipv6_prefix", "ipv4_cidr", "endpoint_subnet"):
            if not _fits(network.get(name), (str, type(None))):
                wrong.append(f"host_network.{name}")
        if not _fits(network.get("ipv4_subnets"), ("[str]",)):
            wrong.append("host_network.ipv4_subnets")
    if wrong:
        raise AddressError(
            f"{key} must be the resolved plan (network_plan's result, v6kube_plan); "
            f"{', '.join(wrong)} missing or of the wrong type"
        )
    return plan


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as aligned text, two spaces between columns, no trailing blanks."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def _wrapped(head: str, items: list[str], width: int = REPORT_WIDTH) -> list[str]:
    """``head`` then ``items`` joined by commas, wrapped at ``width`` with continuation lines indented by two."""
    lines: list[str] = []
    line = head
    for pos, item in enumerate(items):
        word = item + ("," if pos < len(items) - 1 else "")
        if line != head and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "  " + word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _nodes_cell(names: list[str]) -> str:
    if not names:
        return "-"
    shown = ", ".join(names[:LISTED_NODES])
    if len(names) > LISTED_NODES:
        shown += f", ... ({len(names)} nodes)"
    return shown


def _host_lines(plan: Mapping[str, Any]) -> list[str]:
    network = plan.get("host_network") or {}
    subnets = network.get("subnets") or []
    if not subnets:
        flat = plan.get("host_subnets") or []
        if flat:  # a plan resolved before host_network existed
            return [f"host subnets: {', '.join(flat)}"]
        return ["host subnets: none declared (host_subnets), so nodes are not checked against them"]
    outer = [f"{label} {network[key]}" for key, label in (("ipv6_prefix", "IPv6"), ("ipv4_cidr", "IPv4"))
             if network.get(key)]
    lines = [f"host subnets{' of network ' + ', '.join(outer) if outer else ''}:"]
    rows: list[tuple[str, ...]] = [("subnet", "stack", "IPv6", "IPv4", "nodes")]
    for entry in subnets:
        ipv6 = entry.get("ipv6") or "-"
        if entry.get("carved") and entry.get("ipv6"):
            ipv6 += " (auto)"
        name = str(entry.get("name"))
        if name in (entry.get("ipv6"), entry.get("ipv4")):
            name = "-"  # written as a CIDR string: named by it
        rows.append((name, STACK_LABELS.get(str(entry.get("stack")), str(entry.get("stack"))),
                     ipv6, entry.get("ipv4") or "-", _nodes_cell(list(entry.get("nodes") or []))))
    lines.extend(_columns(rows))
    carriers = [entry for entry in subnets if entry.get("ipv4")]
    if carriers:
        lines.extend(_wrapped("IPv4 left on the host network (to remove on the way to IPv6-only):",
                              [describe_subnet(entry) for entry in carriers]))
    else:
        lines.append("IPv4 left on the host network: none")
    return lines


def plan_table(plan: Mapping[str, Any], sans: list[str] | None = None) -> list[str]:
    """A resolved plan as lines of text for people: the ranges, the node capacity, the host subnets with their
    stack and nodes (and which still carry IPv4), and the certSANs when given."""
    rows: list[tuple[str, ...]] = [("range", "family", "subnet", "size and use")]
    capacity = plan.get("node_capacity") or {}
    masks = plan.get("node_mask_sizes") or {}
    sizes = plan.get("service_sizes") or {}
    for fam, subnet in zip(plan["families"], plan["pod_subnets"]):
        rows.append(("pods", fam, subnet, f"/{masks.get(fam)} per node, room for {capacity.get(fam)} nodes"))
    for subnet, api, dns in zip(plan["service_subnets"], plan["api_service_ips"], plan["dns_service_ips"]):
        fam = family_name(parse_network(subnet, "plan service_subnets"))
        rows.append(("services", fam, subnet, f"{sizes.get(fam)} addresses; kubernetes {api}, DNS {dns}"))
    for subnet in plan["lb_subnets"]:
        rows.append(("load balancers", family_name(parse_network(subnet, "plan lb_subnets")), subnet, ""))
    out = [f"stack {plan['stack']} (primary {plan['primary_family']}), cluster domain {plan['cluster_domain']}"]
    out.extend(_columns(rows))
    nodes = plan.get("node_count")
    out.append(f"nodes: {nodes if nodes is not None else 'not given'} planned, {plan.get('max_nodes')} at most")
    endpoint = plan.get("control_plane_endpoint")
    where = (plan.get("host_network") or {}).get("endpoint_subnet")
    out.append(f"API endpoint: {endpoint or 'not set (the first control plane)'}"
               + (f" in subnet {where}" if endpoint and where else ""))
    out.append(
        "kube-controller-manager: "
        + " ".join(f"--{k}={v}" for k, v in plan["controller_manager_args"].items())
    )
    out.extend(_host_lines(plan))
    if sans:
        out.extend(_wrapped(f"apiserver certSANs ({len(sans)}):", list(sans)))
    return out


def plan_report(plan: Any, sans: Any = None) -> str:
    """The printout of a resolved plan (``plan_table`` as one text), after checking it is one; AddressError naming
    ``plan`` or ``sans`` otherwise."""
    checked = check_resolved(plan)
    if sans is None:
        sans = []
    if not isinstance(sans, (list, tuple)) or not all(isinstance(item, str) for item in sans):
        raise AddressError(f"sans must be a list of names and addresses (v6kube_apiserver_sans), got {describe(sans)}")
    try:
        return "\n".join(plan_table(checked, list(sans)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AddressError(
            f"plan must be the resolved plan (network_plan's result, v6kube_plan); reading it failed: {exc}"
        ) from exc
