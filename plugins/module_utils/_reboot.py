# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A rolling reboot of cluster nodes: the request checked before any host is touched, then the plan judged from
what the cluster says (its Node objects, etcd's members and their health), and, after each reboot, whether the node
is back.

``request`` takes the names as an operator gives them (a list, one comma-separated string, or ``all``) and orders
them: control planes first, one at a time in the inventory's order, then the workers. ``plan`` decides, per node,
the control plane the run reaches the API through while it reboots (never the node itself; for a control plane one
whose etcd member is healthy), whether it was cordoned before the run (then it stays cordoned) or by an earlier
reboot run that did not finish (its mark on the Node: then this run uncordons it), and refuses a control plane whose
reboot would leave etcd without quorum. ``ready`` tells which Nodes are Ready, optionally with a heartbeat not
older than a given time (a Node's Ready condition stays True for a while after its kubelet stopped: only a fresh
heartbeat says the kubelet is back).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import show
from ansible_collections.v6kube.cluster.plugins.module_utils._k8sobj import name_of, node_ready
from ansible_collections.v6kube.cluster.plugins.module_utils._node_removal import members_of, names_of, owners
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

# The annotation a reboot run puts on a Node it cordons, removed when it uncordons it: a node left cordoned by an
# interrupted run is told from one an operator cordoned.
MARK = "v6kube.cluster/rebooting"


class RebootError(ProblemsError):
    subject = "the reboot"


@dataclass(frozen=True)
class Request:
    control_planes: tuple[str, ...]    # in the control-plane group's order, rebooted one at a time
    workers: tuple[str, ...]           # in the inventory's order, in batches

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.control_planes + self.workers


@dataclass
class Plan:
    request: Request
    via: dict[str, str] = field(default_factory=dict)   # node -> the control plane the API is reached through
    cordoned: list[str] = field(default_factory=list)   # unschedulable before the run: left so
    resumed: list[str] = field(default_factory=list)    # cordoned by an earlier reboot run: uncordoned at the end
    not_ready: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        return {"nodes": list(r.nodes), "control_planes": list(r.control_planes), "workers": list(r.workers),
                "via": dict(self.via), "cordoned": list(self.cordoned), "resumed": list(self.resumed),
                "not_ready": list(self.not_ready), "mark": MARK}


def request(nodes: Any, hosts: Any, control_planes: Any) -> Request:
    """The request checked against the inventory: ``hosts`` the cluster's hosts, ``control_planes`` the group's."""
    problems: list[str] = []
    hosts = names_of(hosts, "hosts (the cluster's inventory hosts)", problems)
    control_planes = names_of(control_planes, "control_planes (the control-plane group's hosts)", problems)
    if isinstance(nodes, str) and nodes.strip() == "all":
        names = list(hosts)
    else:
        names = names_of(nodes, "v6kube_reboot_nodes", problems)
    if not names and not problems:
        problems.append("v6kube_reboot_nodes names no node: give the nodes to reboot, e.g. "
                        "-e v6kube_reboot_nodes=worker1,cp2, or -e v6kube_reboot_nodes=all for every node")
    unknown = [n for n in names if n not in hosts]
    if unknown:
        problems.append(f"v6kube_reboot_nodes: {', '.join(unknown)} not among the cluster's inventory hosts "
                        f"({', '.join(hosts[:10])}{', ...' if len(hosts) > 10 else ''})")
    if problems:
        raise RebootError(problems)
    wanted = set(names)
    return Request(control_planes=tuple(h for h in control_planes if h in wanted),
                   workers=tuple(h for h in hosts if h in wanted and h not in control_planes))


def _annotations(node: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = node.get("metadata")
    found = meta.get("annotations") if isinstance(meta, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def plan(req: Request, nodes: Any, control_planes: Any, member_list: Any = None, health: Any = None,
         addresses: Any = None) -> Plan:
    """What to do for ``req`` on the cluster whose Node objects (``kubectl get nodes -o json`` items) are given;
    ``control_planes`` is the group's hosts (the candidates to reach the API through), ``member_list``/``health``
    etcd's members (needed when a control plane reboots), ``addresses`` maps nodes to their addresses."""
    if not isinstance(nodes, list) or not all(isinstance(n, Mapping) for n in nodes):
        raise RebootError(["api_nodes must be the items of `kubectl get nodes -o json` (mappings)"])
    problems: list[str] = []
    group = names_of(control_planes, "control_planes (the control-plane group's hosts)", problems)
    by_name = {name: node for node in nodes if (name := name_of(node)) is not None}
    result = Plan(request=req)
    for name in req.nodes:
        node = by_name.get(name)
        if node is None:
            problems.append(f"{name} has no Node object in the cluster: reboot.yml reboots nodes that have joined "
                            "(run site.yml to join it, or reboot it by hand)")
            continue
        if not node_ready(node):
            result.not_ready.append(name)
        spec = node.get("spec")
        if isinstance(spec, Mapping) and spec.get("unschedulable") is True:
            (result.resumed if MARK in _annotations(node) else result.cordoned).append(name)
    healthy_cp = [h for h in group if h in by_name and node_ready(by_name[h])]
    if req.control_planes:
        members = members_of(member_list, health, RebootError)
        owner = owners(members, group, addresses, RebootError)
        size = len(members)
        quorum = size // 2 + 1
        for cp in req.control_planes:
            own = [m for m in members if owner.get(m.id) == cp]
            left = sum(m.healthy for m in members if owner.get(m.id) != cp)
            if own and left < quorum:
                unhealthy = [owner.get(m.id) or m.name or format(m.id, "x") for m in members if not m.healthy]
                problems.append(
                    f"{cp}: while it reboots etcd would have {left} healthy of {size} members, below its quorum of "
                    f"{quorum}" + (f" ({', '.join(unhealthy)} not healthy now): bring them back first"
                                   if unhealthy else ": a cluster with fewer than three control planes cannot keep "
                                   "its API through a control plane's reboot (reboot it by hand, the API down meanwhile)"))
            healthy_member = {owner[m.id] for m in members if m.healthy and m.id in owner}
            through = [h for h in healthy_cp if h != cp and (h in healthy_member or not members)]
            if through:
                result.via[cp] = through[0]
            elif not (own and left < quorum):
                problems.append(f"{cp}: no other control plane is Ready with a healthy etcd member to reach the API "
                                "through while it reboots")
    for worker in req.workers:
        if healthy_cp:
            result.via[worker] = healthy_cp[0]
        else:
            problems.append(f"{worker}: no control plane is Ready to reach the API through")
            break
    if problems:
        raise RebootError(problems)
    return result


def _seconds(stamp: Any) -> float | None:
    """Seconds since the epoch of an RFC 3339 time as the API writes it (None when it is not one)."""
    if not isinstance(stamp, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo is not None else None


def ready(nodes: Any, names: Sequence[str] | None = None, since: Any = None) -> list[str]:
    """The names of the Ready Nodes among ``nodes`` (a list such as ``kubectl get nodes -o json``'s items), only
    those named when ``names`` is given, and with ``since`` (seconds since the epoch) only those whose Ready
    heartbeat is not older than it (a kubelet that posted its status after that time)."""
    if not isinstance(nodes, list) or not all(isinstance(n, Mapping) for n in nodes):
        raise RebootError(["the input must be a list of Nodes (mappings), as `kubectl get` prints them"])
    if names is not None and (not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names)):
        raise RebootError([f"names must be a list of node names, got {show(names)}"])
    if isinstance(since, str) and since.strip().isdigit() and len(since.strip()) <= 12:
        since = int(since.strip())   # a node's `date +%s` as Ansible registers it
    if since is not None and (isinstance(since, bool) or not isinstance(since, (int, float))):
        raise RebootError([f"since must be seconds since the epoch, got {show(since)}"])
    wanted = None if names is None else set(names)
    found = []
    for node in nodes:
        name = name_of(node)
        if name is None or (wanted is not None and name not in wanted) or not node_ready(node):
            continue
        if since is not None:
            beats = [_seconds(c.get("lastHeartbeatTime")) for c in node["status"]["conditions"]
                     if isinstance(c, Mapping) and c.get("type") == "Ready" and c.get("status") == "True"]
            if not any(b is not None and b >= since for b in beats):
                continue
        found.append(name)
    return found
