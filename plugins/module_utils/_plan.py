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
    "host_subnets": {"type": "list", "elements": "str", "default": []},
    "lb_subnets": {"type": "list", "elements": "str", "default": []},
    "control_plane_endpoint": {"type": "str"},
    "cluster_domain": {"type": "str", "default": "cluster.local"},
}
DEFAULTS: dict[str, Any] = {key: opts.get("default") for key, opts in PLAN_ARGUMENT_SPEC.items()}


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

    @property
    def ref(self) -> str:
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


def _parse_list(spec: Mapping[str, Any], key: str, check: _Check) -> list[_Subnet]:
    raw = spec.get(key)
    items = _listify(raw)
    if raw is not None and items is None:
        check.add(f"{key} must be a list of CIDRs, got {type(raw).__name__}")
        return []
    if items is not None and len(items) > MAX_SUBNETS:
        check.add(
            f"{key} has {len(items)} entries; at most {MAX_SUBNETS} are accepted (pod_subnets and service_subnets "
            "take one per family; merge host and load-balancer subnets into larger prefixes)"
        )
        return []
    parsed = []
    for index, item in enumerate(items or []):
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
    """Report every overlapping pair except two host_subnets (node networks may nest); O(n log n + reported).

    CIDR blocks either nest or are disjoint, so after sorting by (family, first address, widest first) the ranges
    still open at a block are exactly the blocks that contain it: a stack. Pairs are worded, in input order,
    only while the problem list has room; beyond that they are counted.
    """
    order = sorted(
        range(len(subnets)),
        key=lambda i: (subnets[i].net.version, int(subnets[i].net.network_address), subnets[i].net.prefixlen, i),
    )
    open_all: list[int] = []  # indexes of the blocks containing the current one, outermost first
    open_other: list[int] = []  # the same, without host_subnets entries
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
        partners = open_other if sub.key == "host_subnets" else open_all
        room = MAX_PROBLEMS - len(check.problems) - len(pairs)
        if room > 0:
            pairs.extend((min(i, j), max(i, j)) for i in partners[-room:])
            check.count(max(0, len(partners) - room))
        else:
            check.count(len(partners))
        open_all.append(j)
        if sub.key != "host_subnets":
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
    hosts = _parse_list(spec, "host_subnets", check)
    lbs = _parse_list(spec, "lb_subnets", check)

    _check_families(spec, "pod_subnets", pods, stack, check)
    _check_families(spec, "service_subnets", services, stack, check)
    for extra in (hosts, lbs):
        if stack == "ipv6":
            for s in extra:
                if s.net.version == 4:
                    check.add(f"{s.ref} is IPv4 but stack is ipv6; remove it, or set stack: dual")

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


def plan_table(plan: Mapping[str, Any], sans: list[str] | None = None) -> list[str]:
    """A resolved plan as aligned text lines, for people."""
    rows: list[tuple[str, str, str, str]] = []
    for fam, subnet in zip(plan["families"], plan["pod_subnets"]):
        mask = plan["node_mask_sizes"].get(fam)
        rows.append(("pods", fam, subnet, f"/{mask} per node, room for {plan['node_capacity'].get(fam)} nodes"))
    for subnet, api, dns in zip(plan["service_subnets"], plan["api_service_ips"], plan["dns_service_ips"]):
        fam = family_name(parse_network(subnet))
        size = plan["service_sizes"][fam]
        rows.append(("services", fam, subnet, f"{size} addresses; kubernetes {api}, DNS {dns}"))
    for key, label in (("host_subnets", "hosts"), ("lb_subnets", "load balancers")):
        for subnet in plan[key]:
            rows.append((label, family_name(parse_network(subnet)), subnet, ""))
    head = ("range", "family", "subnet", "size and use")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(3)]

    def line(r: tuple[str, str, str, str]) -> str:
        return "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3]

    out = [f"stack {plan['stack']} (primary {plan['primary_family']}), cluster domain {plan['cluster_domain']}"]
    out.append(line(head).rstrip())
    out.extend(line(r).rstrip() for r in rows)
    nodes = plan.get("node_count")
    out.append(
        f"nodes: {nodes if nodes is not None else 'not given'} planned, {plan['max_nodes']} at most"
    )
    out.append(f"API endpoint: {plan.get('control_plane_endpoint') or 'not set (the first control plane)'}")
    out.append(
        "kube-controller-manager: "
        + " ".join(f"--{k}={v}" for k, v in plan["controller_manager_args"].items())
    )
    if sans:
        out.append(f"apiserver certSANs ({len(sans)}): " + ", ".join(sans))
    return out
