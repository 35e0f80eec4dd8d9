# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A NetworkPolicy baseline per namespace: deny all ingress and egress, allow DNS to the cluster DNS pods, allow
the operator's listed exceptions.

Pure functions from the role's variables to NetworkPolicy manifests (``networking.k8s.io/v1``), every one labelled
``app.kubernetes.io/managed-by: v6kube.cluster`` so that removal finds exactly these. All input problems are
reported at once (``NetworkPolicyError``).

NetworkPolicy selects pods, and matches peers by pod IP: a Service ClusterIP is translated to a pod address
before policies see the packet. So DNS is allowed to the DNS *pods* (a namespaceSelector on the DNS namespace's
``kubernetes.io/metadata.name`` label plus a podSelector on their labels), not to the kube-dns ClusterIP.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import show
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

MANAGED_BY = {"app.kubernetes.io/managed-by": "v6kube.cluster"}
DENY_NAME = "v6kube-default-deny"
DNS_NAME = "v6kube-allow-dns"
EXCEPTION_PREFIX = "v6kube-allow-"
MAX_ITEMS = 200
PROTOCOLS = ("TCP", "UDP", "SCTP")
DIRECTIONS = ("ingress", "egress")
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
# label keys: optional DNS subdomain prefix, then a name of up to 63 characters
_LABEL_NAME = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)")
_PORT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?")


class NetworkPolicyError(ProblemsError):
    """Every problem of the input at once."""

    subject = "the input"


def labels(value: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        problems.append(f"{where} must be a mapping of labels (matchLabels), got {type(value).__name__}")
        return {}
    out = {}
    for key, val in value.items():
        key, val = str(key), "" if val is None else str(val)
        prefix, _sep, name = key.rpartition("/")
        if (prefix and not all(DNS1123_LABEL.fullmatch(p) for p in prefix.split("."))) or len(prefix) > 253 \
                or not _LABEL_NAME.fullmatch(name):
            problems.append(f"{where} key {show(key)} is not a label key")
        elif not _LABEL_VALUE.fullmatch(val):
            problems.append(f"{where}[{key}] value {show(val)} is not a label value")
        else:
            out[key] = val
    return out


def _cidr(value: Any, where: str, problems: list[str]) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        problems.append(f"{where} {show(value)} is not a CIDR without host bits")
        return None


def _peer(peer: Any, where: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(peer, Mapping):
        problems.append(f"{where} must be a mapping with pod_selector, namespace_selector or ip_block")
        return None
    unknown = sorted(set(peer) - {"pod_selector", "namespace_selector", "ip_block"})
    if unknown:
        problems.append(f"{where} has unknown keys {', '.join(map(str, unknown))} (known: pod_selector, "
                        "namespace_selector, ip_block)")
        return None
    out: dict[str, Any] = {}
    if "ip_block" in peer:
        if "pod_selector" in peer or "namespace_selector" in peer:
            problems.append(f"{where}: ip_block cannot be combined with a selector (the API refuses it)")
            return None
        block = peer["ip_block"]
        block = {"cidr": block} if isinstance(block, str) else block
        if not isinstance(block, Mapping) or "cidr" not in block:
            problems.append(f"{where}.ip_block must be a CIDR or a mapping with cidr and optional except")
            return None
        net = _cidr(block["cidr"], f"{where}.ip_block.cidr", problems)
        excepts = []
        for i, item in enumerate(block.get("except") or []):
            sub = _cidr(item, f"{where}.ip_block.except[{i}]", problems)
            if sub is not None and net is not None:
                if sub.version != net.version or not sub.subnet_of(net) or sub == net:  # type: ignore[arg-type]
                    problems.append(f"{where}.ip_block.except[{i}] {sub} is not a strict subnet of {net}")
                    continue
                excepts.append(str(sub))
        if net is not None:
            out["ipBlock"] = {"cidr": str(net), **({"except": excepts} if excepts else {})}
        return out or None
    if "namespace_selector" in peer:
        out["namespaceSelector"] = {"matchLabels": labels(peer["namespace_selector"] or {},
                                                          f"{where}.namespace_selector", problems)}
    if "pod_selector" in peer:
        out["podSelector"] = {"matchLabels": labels(peer["pod_selector"] or {}, f"{where}.pod_selector", problems)}
    if not out:
        problems.append(f"{where} needs pod_selector, namespace_selector or ip_block")
        return None
    return out


def _port(port: Any, where: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(port, Mapping):
        port = {"port": port}
    unknown = sorted(set(port) - {"port", "protocol", "end_port"})
    if unknown:
        problems.append(f"{where} has unknown keys {', '.join(map(str, unknown))} (known: port, protocol, end_port)")
        return None
    protocol = str(port.get("protocol", "TCP")).upper()
    if protocol not in PROTOCOLS:
        problems.append(f"{where}.protocol {show(port.get('protocol'))} is not one of {', '.join(PROTOCOLS)}")
        return None
    out: dict[str, Any] = {"protocol": protocol}
    value = port.get("port")
    if value is not None:
        text = str(value)
        if text.isdigit() and 1 <= int(text) <= 65535:
            out["port"] = int(text)
        elif _PORT_NAME.fullmatch(text) and not text.isdigit():
            out["port"] = text
        else:
            problems.append(f"{where}.port {show(value)} is not a port number (1-65535) or a port name")
            return None
    if port.get("end_port") is not None:
        end = str(port["end_port"])
        if not isinstance(out.get("port"), int) or not end.isdigit() or not out["port"] <= int(end) <= 65535:
            problems.append(f"{where}.end_port {show(port['end_port'])} needs a numeric port and must lie between "
                            "it and 65535")
            return None
        out["endPort"] = int(end)
    return out


def _policy(namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)}, "spec": spec}


def baseline(namespaces: Sequence[Any], exceptions: Sequence[Any] = (), include_kube_system: bool = False,
             dns_namespace: str = "kube-system", dns_pod_labels: Mapping[str, Any] | None = None,
             dns_port: int = 53) -> list[dict[str, Any]]:
    """The NetworkPolicies of the baseline for every selected namespace, in apply order."""
    problems: list[str] = []
    selected: list[str] = []
    if isinstance(namespaces, str):
        namespaces = [part.strip() for part in namespaces.split(",") if part.strip()]
    if not namespaces:
        problems.append("namespaces is empty: name the namespaces that get the baseline")
    for i, ns in enumerate(namespaces or []):
        if not isinstance(ns, str) or not DNS1123_LABEL.fullmatch(ns):
            problems.append(f"namespaces[{i}] {show(ns)} is not a namespace name")
        elif ns == "kube-system" and not include_kube_system:
            problems.append("namespaces lists kube-system, which the baseline leaves alone unless "
                            "network_policy_include_kube_system is true (a deny there can cut off the cluster's "
                            "own components)")
        elif ns in selected:
            problems.append(f"namespaces[{i}] {ns} is listed twice")
        else:
            selected.append(ns)
    if len(selected) > MAX_ITEMS:
        problems.append(f"namespaces lists {len(selected)} namespaces; at most {MAX_ITEMS} are supported")
    if not isinstance(dns_namespace, str) or not DNS1123_LABEL.fullmatch(dns_namespace):
        problems.append(f"dns_namespace {show(dns_namespace)} is not a namespace name")
    dns_labels = labels({"k8s-app": "kube-dns"} if dns_pod_labels is None else dns_pod_labels, "dns_pod_labels",
                        problems)
    if not dns_labels:
        problems.append("dns_pod_labels is empty: it must select the DNS pods only")
    if isinstance(dns_port, bool) or not str(dns_port).isdigit() or not 1 <= int(dns_port) <= 65535:
        problems.append(f"dns_port {show(dns_port)} is not a port number")
    rules: list[tuple[list[str] | None, str, dict[str, Any]]] = []
    names: set[str] = set()
    if len(exceptions or []) > MAX_ITEMS:
        problems.append(f"exceptions lists {len(exceptions)} entries; at most {MAX_ITEMS} are supported")
        exceptions = []
    for i, exc in enumerate(exceptions or []):
        where = f"exceptions[{i}]"
        if not isinstance(exc, Mapping):
            problems.append(f"{where} must be a mapping (name, direction, peers, ports)")
            continue
        unknown = sorted(set(exc) - {"name", "direction", "peers", "ports", "namespaces", "pod_selector"})
        if unknown:
            problems.append(f"{where} has unknown keys {', '.join(map(str, unknown))} (known: name, direction, "
                            "peers, ports, namespaces, pod_selector)")
            continue
        name = exc.get("name")
        full = f"{EXCEPTION_PREFIX}{name}"
        if not isinstance(name, str) or not DNS1123_LABEL.fullmatch(full) or name in ("dns",):
            problems.append(f"{where}.name {show(name)} must be a lowercase DNS label (the policy is called "
                            f"{EXCEPTION_PREFIX}NAME; 'dns' is the baseline's own)")
            continue
        if name in names:
            problems.append(f"{where}.name {name} is used twice")
            continue
        names.add(name)
        direction = str(exc.get("direction", "")).lower()
        if direction not in DIRECTIONS:
            problems.append(f"{where}.direction {show(exc.get('direction'))} is not ingress or egress")
            continue
        peers = exc.get("peers") or []
        if not isinstance(peers, list) or not peers:
            problems.append(f"{where}.peers must be a non-empty list (an empty list would allow every peer)")
            continue
        rule: dict[str, Any] = {"from" if direction == "ingress" else "to":
                                [p for j, peer in enumerate(peers)
                                 if (p := _peer(peer, f"{where}.peers[{j}]", problems)) is not None]}
        ports = exc.get("ports") or []
        if not isinstance(ports, list):
            problems.append(f"{where}.ports must be a list")
            continue
        checked = [p for j, port in enumerate(ports) if (p := _port(port, f"{where}.ports[{j}]", problems)) is not None]
        if checked:
            rule["ports"] = checked
        only = exc.get("namespaces")
        if only is not None:
            only = [only] if isinstance(only, str) else list(only)
            for ns in only:
                if ns not in selected:
                    problems.append(f"{where}.namespaces names {show(ns)}, which is not one of the selected namespaces")
        target = labels(exc.get("pod_selector") or {}, f"{where}.pod_selector", problems)
        spec = {"podSelector": {"matchLabels": target} if target else {},
                "policyTypes": ["Ingress" if direction == "ingress" else "Egress"],
                direction: [rule]}
        rules.append((only, full, spec))
    if problems:
        raise NetworkPolicyError(problems)
    out: list[dict[str, Any]] = []
    dns_peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": dns_namespace}},
                "podSelector": {"matchLabels": dns_labels}}
    for ns in selected:
        out.append(_policy(ns, DENY_NAME, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))
        out.append(_policy(ns, DNS_NAME, {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
            {"to": [dns_peer], "ports": [{"protocol": "UDP", "port": int(dns_port)},
                                         {"protocol": "TCP", "port": int(dns_port)}]}]}))
        for only, full, spec in rules:
            if only is None or ns in only:
                out.append(_policy(ns, full, spec))
    return out


def _objects(existing: Any) -> list[Mapping[str, Any]]:
    """NetworkPolicy objects from a list of them, a ``k8s_info`` result, or a looped ``k8s_info`` result."""
    if isinstance(existing, Mapping):
        if "results" in existing:
            return [obj for item in existing["results"] or [] for obj in _objects(item)]
        return [obj for obj in existing.get("resources") or [] if isinstance(obj, Mapping)]
    out: list[Mapping[str, Any]] = []
    for item in existing or []:
        if isinstance(item, Mapping) and ("resources" in item or "results" in item):
            out.extend(_objects(item))
        elif isinstance(item, Mapping):
            out.append(item)
    return out


def stale(existing: Any, wanted: Sequence[Mapping[str, Any]], namespaces: Sequence[str]) -> list[dict[str, Any]]:
    """Our policies (by label) in the selected namespaces that ``wanted`` does not have, as object references
    (apiVersion, kind, metadata.namespace/name: one delete call takes them all)."""
    keep = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in wanted}
    found: list[tuple[Any, Any]] = []
    for obj in _objects(existing):
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        key = (meta.get("namespace"), meta.get("name"))
        if (key[0] in namespaces and all(labels.get(k) == v for k, v in MANAGED_BY.items()) and key not in keep
                and key not in found):
            found.append(key)
    return [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"namespace": namespace, "name": name}} for namespace, name in found]


def network_policy_baseline(namespaces: Sequence[Any], exceptions: Sequence[Any] = (), include_kube_system: bool = False,
                            dns_namespace: str = "kube-system", dns_pod_labels: Mapping[str, Any] | None = None,
                            dns_port: int = 53, existing: Any = (), state: str = "present") -> dict[str, Any]:
    """What to apply and what to delete in the selected namespaces for ``state`` present or absent."""
    if state not in ("present", "absent"):
        raise NetworkPolicyError([f"state {state!r} is not present or absent"])
    policies = baseline(namespaces, exceptions, include_kube_system, dns_namespace, dns_pod_labels, dns_port)
    selected = sorted({p["metadata"]["namespace"] for p in policies})
    apply = policies if state == "present" else []
    return {"namespaces": selected, "apply": apply, "delete": stale(existing, apply, selected)}
