# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Removing nodes from a running cluster: the request checked before any host is touched, then the plan judged from
what the cluster says (its Node objects, etcd's member list and each member's health).

``request`` takes the names as an operator gives them (a list, or one comma-separated string), the confirmation
that must repeat them, and the inventory: every problem at once, each naming its variable. ``plan`` adds the real
state and decides, per node: whether it has a Node object (to drain and delete), whether it is Ready (a node that
is not has its pods' deletion waited for only briefly), and, for a control plane, which etcd member is its own.
It refuses a removal that would leave etcd without quorum at any step, members being removed one at a time,
unhealthy ones first (a member's removal needs a quorum of the membership it is removed from).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import show
from ansible_collections.v6kube.cluster.plugins.module_utils._k8sobj import name_of, node_ready
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

MAX_NODES = 1000
_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?")


class RemovalError(ProblemsError):
    subject = "the removal"


@dataclass(frozen=True)
class Request:
    nodes: tuple[str, ...]
    control_planes: tuple[str, ...]    # of the nodes, those in the control-plane group
    workers: tuple[str, ...]
    remaining_control_planes: tuple[str, ...]
    remaining: tuple[str, ...]          # the cluster's hosts that stay


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    client_urls: tuple[str, ...]
    peer_hosts: tuple[str, ...]
    healthy: bool

    def of(self, node: str, addresses: Sequence[str]) -> bool:
        """Whether this is ``node``'s member: by name, or (a member added by a join that never started it has no
        name yet) by the host of a peer URL."""
        return self.name == node or any(_same_host(h, a) for h in self.peer_hosts for a in addresses)


@dataclass
class Plan:
    request: Request
    in_api: list[str] = field(default_factory=list)
    not_ready: list[str] = field(default_factory=list)
    cordoned: list[str] = field(default_factory=list)   # unschedulable before this run (left so by a rescue)
    members: list[dict[str, str]] = field(default_factory=list)   # to remove, in order: {"node", "id" (hex)}

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        return {"nodes": list(r.nodes), "control_planes": list(r.control_planes), "workers": list(r.workers),
                "remaining_control_planes": list(r.remaining_control_planes), "remaining": list(r.remaining),
                "in_api": list(self.in_api), "not_ready": list(self.not_ready), "cordoned": list(self.cordoned),
                "etcd_members": list(self.members)}


def _same_host(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def _url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def names_of(value: Any, where: str, problems: list[str]) -> list[str]:
    """Node names as an operator gives them (a list, or one comma-separated string); problems appended."""
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, (list, tuple)):
        problems.append(f"{where} must be a list of node names or one comma-separated string, got {show(value)}")
        return []
    if len(value) > MAX_NODES:
        problems.append(f"{where} names {len(value)} nodes; at most {MAX_NODES} are supported")
        return []
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _NAME.fullmatch(item.strip()):
            problems.append(f"{where}: {show(item)} is not a node name")
            continue
        if item.strip() not in names:
            names.append(item.strip())
    return names


def request(nodes: Any, confirm: Any, hosts: Sequence[str], control_planes: Sequence[str]) -> Request:
    """The request checked against the inventory: ``hosts`` the cluster's hosts, ``control_planes`` the group's."""
    problems: list[str] = []
    names = names_of(nodes, "v6kube_remove_nodes", problems)
    if not names and not problems:
        problems.append("v6kube_remove_nodes names no node: give the nodes to remove, e.g. -e v6kube_remove_nodes=worker3")
    hosts = names_of(hosts, "hosts (the cluster's inventory hosts)", problems)
    control_planes = names_of(control_planes, "control_planes (the control-plane group's hosts)", problems)
    unknown = [n for n in names if n not in hosts]
    if unknown and hosts:
        problems.append(f"v6kube_remove_nodes: {', '.join(unknown)} not among the cluster's inventory hosts "
                        f"({', '.join(hosts[:10])}{', ...' if len(hosts) > 10 else ''}); the playbook resets what "
                        "it removes and needs every node in the inventory")
    confirmed = names_of(confirm if confirm is not None else "", "v6kube_remove_confirm", problems)
    if names and sorted(confirmed) != sorted(names):
        problems.append(f"v6kube_remove_confirm must repeat the nodes to remove: -e "
                        f"v6kube_remove_confirm={','.join(names)} (it is {show(confirm) if confirm else 'not set'})")
    cps = [n for n in names if n in control_planes]
    remaining_cps = [h for h in control_planes if h not in names]
    if cps and not remaining_cps:
        problems.append(f"v6kube_remove_nodes: {', '.join(cps)} would remove every control plane; the cluster would "
                        "be gone (reset.yml tears a cluster down)")
    if problems:
        raise RemovalError(problems)
    return Request(nodes=tuple(names), control_planes=tuple(cps),
                   workers=tuple(n for n in names if n not in cps),
                   remaining_control_planes=tuple(remaining_cps),
                   remaining=tuple(h for h in hosts if h not in names))


def members_of(member_list: Any, health: Any, error: type[ProblemsError] = RemovalError) -> list[Member]:
    """etcd's ``member list -w json`` and ``endpoint health --cluster -w json`` read together; ``error`` is raised
    (with the option's name) when they are not what etcdctl prints."""
    if not isinstance(member_list, Mapping) or not isinstance(member_list.get("members"), list):
        raise error(["members must be etcdctl's `member list -w json` output (a mapping with members)"])
    if health is not None and (not isinstance(health, list) or not all(isinstance(e, Mapping) for e in health)):
        raise error(["health must be etcdctl's `endpoint health --cluster -w json` output (a list of mappings)"])
    healthy_urls = set()
    for entry in health or []:
        if isinstance(entry, Mapping) and entry.get("health") is True and isinstance(entry.get("endpoint"), str):
            healthy_urls.add(entry["endpoint"].rstrip("/"))
    members = []
    for i, item in enumerate(member_list["members"]):
        if not isinstance(item, Mapping) or not isinstance(item.get("ID"), int) or isinstance(item.get("ID"), bool):
            raise error([f"members[{i}] has no numeric ID"])
        urls = tuple(u.rstrip("/") for u in item.get("clientURLs") or [] if isinstance(u, str))
        peers = tuple(_url_host(u) for u in item.get("peerURLs") or [] if isinstance(u, str))
        members.append(Member(id=item["ID"], name=str(item.get("name") or ""), client_urls=urls, peer_hosts=peers,
                              healthy=any(u in healthy_urls for u in urls)))
    return members


def owners(members: Sequence[Member], nodes: Sequence[str], addresses: Any,
           error: type[ProblemsError] = RemovalError) -> dict[int, str]:
    """Which of ``nodes`` owns each member (member ID to node), ``addresses`` mapping nodes to their addresses."""
    if addresses is not None and not isinstance(addresses, Mapping):
        raise error(["addresses must map each node to its addresses"])
    addresses = addresses or {}
    owner = {}
    for member in members:
        for node in nodes:
            found = addresses.get(node)
            if member.of(node, [a for a in found if isinstance(a, str)] if isinstance(found, (list, tuple)) else []):
                owner[member.id] = node
                break
    return owner


def plan(req: Request, nodes: Any, member_list: Any = None, health: Any = None,
         addresses: Mapping[str, Sequence[str]] | None = None) -> Plan:
    """What to do for ``req`` on the cluster whose Node objects (``kubectl get nodes -o json`` items) and etcd
    members are given; ``member_list``/``health`` are needed when a control plane is removed, ``addresses`` (node
    to its addresses) finds the member of a join that never started etcd."""
    if not isinstance(nodes, list) or not all(isinstance(n, Mapping) for n in nodes):
        raise RemovalError(["api_nodes must be the items of `kubectl get nodes -o json` (mappings)"])
    result = Plan(request=req)
    by_name = {}
    for node in nodes:
        name = name_of(node)
        if name is not None:
            by_name[name] = node
    for name in req.nodes:
        if name not in by_name:
            continue
        result.in_api.append(name)
        if not node_ready(by_name[name]):
            result.not_ready.append(name)
        spec = by_name[name].get("spec")
        if isinstance(spec, Mapping) and spec.get("unschedulable") is True:
            result.cordoned.append(name)
    if not req.control_planes:
        return result
    members = members_of(member_list, health)
    owner = owners(members, req.control_planes, addresses)
    leaving = [m for m in members if m.id in owner]
    # Unhealthy first: removing a dead member shrinks the quorum without losing a vote.
    leaving.sort(key=lambda m: (m.healthy, req.control_planes.index(owner[m.id])))
    size, healthy = len(members), sum(m.healthy for m in members)
    for member in leaving:
        if healthy < size // 2 + 1:
            raise RemovalError([
                f"etcd has {healthy} healthy of {size} members, no quorum: {owner[member.id]}'s member cannot be removed "
                f"(bring members back first, or restore from a snapshot with etcd_restore.yml)"])
        size -= 1
        healthy -= member.healthy
        result.members.append({"node": owner[member.id], "id": format(member.id, "x")})
    if size and healthy < size // 2 + 1:
        names = ", ".join(owner[m.id] for m in leaving)
        raise RemovalError([f"removing {names} would leave etcd with {healthy} healthy of {size} members, without "
                            "quorum: remove fewer control planes, or bring the unhealthy members back first"])
    return result
