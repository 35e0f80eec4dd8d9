# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The IPv4 dependencies left in a cluster, and the order to remove them in.

Pure functions over objects as the API serves them (the JSON of ``kubectl get ... -o json``, camelCase): each
object gives zero or more findings, each finding belongs to one step of the migration plan. The module
``ipfamily_audit`` fetches the objects; nothing here talks to a cluster.

The plan removes IPv4 from the top down, consumers before what they consume:

1. ``config`` - IPv4 literals in ConfigMaps and in the env, command and args of containers (heuristic: a text
   search). Clients that dial a literal IPv4 address break when step 2 changes a ClusterIP or step 7 removes the
   address; use DNS names.
2. ``services-recreate`` - Services whose primary family (``spec.ipFamilies[0]``, ``spec.clusterIPs[0]``) is
   IPv4. The primary family is immutable (the API allows adding or removing the secondary family only), so the
   Service is deleted and created again with ``ipFamilyPolicy: SingleStack, ipFamilies: [IPv6]``; its ClusterIP
   changes.
3. ``services-in-place`` - Services with IPv6 first and IPv4 second, or not SingleStack: an update to
   ``ipFamilyPolicy: SingleStack, ipFamilies: [IPv6]`` releases the IPv4 ClusterIP, in place; IPv4 externalIPs
   and loadBalancerIP are edited in place too.
4. ``endpointslices`` - EndpointSlices of addressType IPv4. The EndpointSlice controller removes those of a
   Service without an IPv4 family (after steps 2 and 3); slices managed by anything else are deleted by their
   manager (for ``default/kubernetes`` that is kube-apiserver's ``--advertise-address``).
5. ``load-balancers`` - IPv4 in the status of LoadBalancer Services and Ingresses: the load balancer
   implementation (address pools, cloud controller, ingress controller) hands out IPv6 only.
6. ``host-network`` - hostNetwork Pods on nodes with IPv4 (their pod IPs, the node's addresses, include IPv4)
   see every address of their node: check they listen and connect over IPv6 before the nodes lose IPv4 in
   step 7. On an IPv6-only node they are no IPv4 dependency and are not reported.
7. ``nodes`` - IPv4 InternalIPs and pod ranges of Nodes: kubelet ``--node-ip`` IPv6 only, the IPv4 pod range
   and the IPv4 service range removed from kube-controller-manager and kube-apiserver. Last among the
   infrastructure because a node without an IPv4 address cannot route its IPv4 pod range (the collection's pod
   network refuses that), and the service range can only go when no Service holds an address from it.
8. ``pods`` - Pods that still have an IPv4 pod IP got it before step 7: recreate them (restart their owner).

IPv4 literals: a dotted quad of decimal octets 0 to 255 without leading zeros (what Go's net.ParseIP accepts),
optionally with a /prefix, not part of a longer dotted or alphanumeric token (``v1.2.3.4``, ``1.2.3.4.5`` and
``app1.2.3.4`` do not count). A version number written as four numbers cannot be told from an address, so values
of keys and variables whose name says they hold a version (``*version*``) are skipped. 127.0.0.0/8 is skipped:
loopback IPv4 stays on ``lo`` in IPv6-only pods, so it does not depend on the cluster network. 0.0.0.0 counts: a
listener bound to it accepts IPv4 only.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._hostnet import HostSubnet, locate

KINDS = ("services", "endpointslices", "nodes", "pods", "ingresses", "configmaps")

# step id -> (title, what to do, whether the objects must be deleted and created again)
STEPS: dict[str, tuple[str, str, bool]] = {
    "config": (
        "IPv4 literals in configuration",
        "Replace IPv4 addresses in ConfigMaps and in container env, command and args by DNS names or IPv6 "
        "addresses, then roll the workloads that read them. Review each one: the match is textual.",
        False),
    "services-recreate": (
        "Services with an IPv4 primary family",
        "Delete and create again with ipFamilyPolicy SingleStack and ipFamilies [IPv6]: spec.ipFamilies[0] and "
        "spec.clusterIPs[0] are immutable, so no update can change the primary family. The ClusterIP changes; "
        "clients must use the Service's DNS name.",
        True),
    "services-in-place": (
        "Services with an IPv4 secondary family or not IPv6 SingleStack",
        "Update in place to ipFamilyPolicy SingleStack and ipFamilies [IPv6] (removing the secondary family is "
        "allowed; the IPv4 ClusterIP is released); replace IPv4 externalIPs and loadBalancerIP.",
        False),
    "endpointslices": (
        "EndpointSlices of addressType IPv4",
        "The EndpointSlice controller deletes the IPv4 slices of a Service without an IPv4 family (after the "
        "Service steps); slices with another manager are deleted by that manager (default/kubernetes: "
        "kube-apiserver --advertise-address of IPv6).",
        False),
    "load-balancers": (
        "IPv4 load balancer and Ingress addresses",
        "Configure the load balancer implementation (address pools, cloud controller, ingress controller) to "
        "assign IPv6 addresses only; the status follows.",
        False),
    "host-network": (
        "hostNetwork Pods",
        "They see every address of their node: make sure they listen and connect over IPv6 before the nodes lose "
        "IPv4.",
        False),
    "nodes": (
        "Nodes with IPv4 addresses or pod ranges",
        "Set kubelet --node-ip to the IPv6 address only and remove the IPv4 pod range (kube-controller-manager "
        "--cluster-cidr) and the IPv4 service range (kube-apiserver and kube-controller-manager "
        "--service-cluster-ip-range) once no Service holds an IPv4 ClusterIP; the pod network drops its IPv4 "
        "routes.",
        False),
    "pods": (
        "Pods with IPv4 pod IPs",
        "Recreate them (rollout restart their owner) after the pod network hands out IPv6 only.",
        True),
}

# finding code -> step
CODES: dict[str, str] = {
    "configmap-ipv4-literal": "config",
    "container-ipv4-literal": "config",
    "service-ipv4-family": "services-in-place",  # services-recreate when IPv4 is the primary family
    "service-not-ipv6-singlestack": "services-in-place",
    "service-ipv4-external": "services-in-place",
    "endpointslice-ipv4": "endpointslices",
    "loadbalancer-ipv4": "load-balancers",
    "ingress-ipv4": "load-balancers",
    "pod-hostnetwork": "host-network",
    "node-ipv4-internalip": "nodes",
    "node-ipv4-podcidr": "nodes",
    "pod-ipv4-podip": "pods",
}
HEURISTIC_CODES = frozenset({"configmap-ipv4-literal", "container-ipv4-literal"})

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_LITERAL = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/(?:3[0-2]|[12]?[0-9]))?(?![\w]|\.[0-9])",
                           re.ASCII)
_VERSION_KEY = re.compile(r"version", re.IGNORECASE)
_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
MAX_LITERALS_SHOWN = 5


@dataclass(frozen=True)
class Finding:
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str
    what: str
    detail: str
    heuristic: bool
    step: str
    # The IPv4 addresses the finding is about, where the report places them (a node's InternalIPs).
    addresses: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name, "what": self.what,
                "detail": self.detail, "heuristic": self.heuristic, "step": self.step}

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


def _finding(kind: str, obj: Mapping[str, Any], what: str, detail: str, step: str | None = None,
             addresses: Iterable[str] = ()) -> Finding:
    meta = _map(obj.get("metadata"))
    return Finding(kind, str(meta.get("namespace") or ""), str(meta.get("name") or ""), what, detail,
                   what in HEURISTIC_CODES, step or CODES[what], tuple(addresses))


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def is_ipv4(value: Any) -> bool:
    """Whether ``value`` is an IPv4 address (or an IPv4 network in CIDR notation)."""
    if not isinstance(value, str) or "." not in value:
        return False
    try:
        return ipaddress.ip_network(value, strict=False).version == 4
    except ValueError:
        return False


def ipv4_literals(text: Any) -> list[str]:
    """The IPv4 literals in ``text`` (see the module docstring for what counts), in order, without repeats."""
    if not isinstance(text, str) or "." not in text:
        return []
    found: dict[str, None] = {}
    for match in _IPV4_LITERAL.finditer(text):
        literal = match.group(0)
        if ipaddress.ip_address(literal.split("/", 1)[0]) in _LOOPBACK:
            continue
        found[literal] = None
    return list(found)


def _shown(literals: list[str]) -> str:
    head = ", ".join(literals[:MAX_LITERALS_SHOWN])
    more = len(literals) - MAX_LITERALS_SHOWN
    return f"{head} and {more} more" if more > 0 else head


# ------------------------------------------------------------------ per kind
def audit_service(svc: Mapping[str, Any]) -> list[Finding]:
    spec = _map(svc.get("spec"))
    if spec.get("type") == "ExternalName":
        return []
    findings = []
    families = [str(f) for f in _list(spec.get("ipFamilies"))]
    cluster_ips = [str(ip) for ip in _list(spec.get("clusterIPs"))
                   or ([spec["clusterIP"]] if spec.get("clusterIP") else [])]
    policy = str(spec.get("ipFamilyPolicy") or "SingleStack")
    v4_ips = [ip for ip in cluster_ips if is_ipv4(ip)]
    if "IPv4" in families or v4_ips:
        primary_v4 = (families[:1] == ["IPv4"]) or (bool(cluster_ips) and is_ipv4(cluster_ips[0]))
        detail = (f"ipFamilyPolicy {policy}, ipFamilies [{', '.join(families)}], "
                  f"clusterIPs [{', '.join(cluster_ips)}]; IPv4 is the "
                  f"{'primary family: delete and create' if primary_v4 else 'secondary family: update in place'}")
        if primary_v4 and _is_apiserver_service(svc):
            detail += (" (kube-apiserver's own: make the IPv6 range primary in --service-cluster-ip-range, then "
                       "delete it; kube-apiserver creates it again)")
        findings.append(_finding("Service", svc, "service-ipv4-family", detail,
                                 "services-recreate" if primary_v4 else "services-in-place"))
    elif policy != "SingleStack":
        findings.append(_finding("Service", svc, "service-not-ipv6-singlestack",
                                 f"ipFamilyPolicy {policy}, ipFamilies [{', '.join(families)}]: gains an IPv4 "
                                 "ClusterIP as soon as the cluster has an IPv4 service range"))
    external = [ip for ip in _list(spec.get("externalIPs")) if is_ipv4(ip)]
    if is_ipv4(spec.get("loadBalancerIP")):
        external.append(f"loadBalancerIP {spec['loadBalancerIP']}")
    if external:
        findings.append(_finding("Service", svc, "service-ipv4-external", f"IPv4 {', '.join(external)}"))
    ingress = [str(i.get("ip")) for i in _list(_map(_map(svc.get("status")).get("loadBalancer")).get("ingress"))
               if isinstance(i, Mapping) and is_ipv4(i.get("ip"))]
    if ingress:
        findings.append(_finding("Service", svc, "loadbalancer-ipv4",
                                 f"status.loadBalancer.ingress IPv4 {', '.join(ingress)}"))
    return findings


def _is_apiserver_service(obj: Mapping[str, Any]) -> bool:
    meta = _map(obj.get("metadata"))
    return meta.get("namespace") == "default" and meta.get("name") == "kubernetes"


def audit_endpointslice(eps: Mapping[str, Any]) -> list[Finding]:
    if eps.get("addressType") != "IPv4":
        return []
    labels = _map(_map(eps.get("metadata")).get("labels"))
    addresses = [str(a) for e in _list(eps.get("endpoints")) if isinstance(e, Mapping)
                 for a in _list(e.get("addresses"))]
    service = labels.get("kubernetes.io/service-name")
    manager = labels.get("endpointslice.kubernetes.io/managed-by") or (
        "kube-apiserver (--advertise-address)" if _is_apiserver_service(eps) else "unknown manager")
    count = f"{len(addresses)} address{'' if len(addresses) == 1 else 'es'}"
    detail = (f"addressType IPv4 ({count}{': ' + _shown(addresses) if addresses else ''}), "
              f"of Service {service or '(none)'}, managed by {manager}")
    return [_finding("EndpointSlice", eps, "endpointslice-ipv4", detail)]


def audit_node(node: Mapping[str, Any]) -> list[Finding]:
    findings = []
    status = _map(node.get("status"))
    internal = [str(a.get("address")) for a in _list(status.get("addresses"))
                if isinstance(a, Mapping) and a.get("type") == "InternalIP" and is_ipv4(a.get("address"))]
    if internal:
        findings.append(_finding("Node", node, "node-ipv4-internalip", f"InternalIP {', '.join(internal)}",
                                 addresses=internal))
    spec = _map(node.get("spec"))
    cidrs = [str(c) for c in _list(spec.get("podCIDRs")) or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
             if is_ipv4(c)]
    if cidrs:
        findings.append(_finding("Node", node, "node-ipv4-podcidr", f"pod range {', '.join(cidrs)}"))
    return findings


def _containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in _list(spec.get(field)):
            if isinstance(container, Mapping):
                yield container


def _owner(obj: Mapping[str, Any]) -> str:
    owners = [o for o in _list(_map(obj.get("metadata")).get("ownerReferences")) if isinstance(o, Mapping)]
    owner = next((o for o in owners if o.get("controller")), owners[0] if owners else None)
    return f"; owned by {owner.get('kind')} {owner.get('name')}" if owner else ""


def audit_pod(pod: Mapping[str, Any], heuristics: bool = True) -> list[Finding]:
    findings = []
    spec, status = _map(pod.get("spec")), _map(pod.get("status"))
    pod_ips = [str(p.get("ip")) for p in _list(status.get("podIPs")) if isinstance(p, Mapping)]
    if not pod_ips and status.get("podIP"):
        pod_ips = [str(status["podIP"])]
    v4 = [ip for ip in pod_ips if is_ipv4(ip)]
    if spec.get("hostNetwork") is True:
        # Only on a node with IPv4: on an IPv6-only node a hostNetwork Pod has nothing IPv4 to depend on.
        if v4:
            findings.append(_finding("Pod", pod, "pod-hostnetwork",
                                     f"hostNetwork on node {spec.get('nodeName') or '(unscheduled)'}"
                                     f"; pod IPs {', '.join(pod_ips)}{_owner(pod)}"))
    elif v4:
        findings.append(_finding("Pod", pod, "pod-ipv4-podip", f"pod IP {', '.join(v4)}{_owner(pod)}"))
    if heuristics:
        for container in _containers(spec):
            places = []
            for env in _list(container.get("env")):
                if isinstance(env, Mapping) and not _VERSION_KEY.search(str(env.get("name", ""))):
                    literals = ipv4_literals(env.get("value"))
                    if literals:
                        places.append(f"env {env.get('name')}={_shown(literals)}")
            for field in ("command", "args"):
                literals = [lit for arg in _list(container.get(field)) for lit in ipv4_literals(arg)]
                if literals:
                    places.append(f"{field} {_shown(list(dict.fromkeys(literals)))}")
            if places:
                findings.append(_finding("Pod", pod, "container-ipv4-literal",
                                         f"container {container.get('name')}: {'; '.join(places)}{_owner(pod)}"))
    return findings


def audit_ingress(ing: Mapping[str, Any]) -> list[Finding]:
    ips = [str(i.get("ip")) for i in _list(_map(_map(ing.get("status")).get("loadBalancer")).get("ingress"))
           if isinstance(i, Mapping) and is_ipv4(i.get("ip"))]
    if not ips:
        return []
    return [_finding("Ingress", ing, "ingress-ipv4", f"status.loadBalancer.ingress IPv4 {', '.join(ips)}")]


def audit_configmap(cm: Mapping[str, Any]) -> list[Finding]:
    places = []
    for key, value in _map(cm.get("data")).items():
        if _VERSION_KEY.search(str(key)):
            continue
        literals = ipv4_literals(value)
        if literals:
            places.append(f"{key}: {_shown(literals)}")
    if not places:
        return []
    shown = "; ".join(places[:MAX_LITERALS_SHOWN])
    if len(places) > MAX_LITERALS_SHOWN:
        shown += f"; and {len(places) - MAX_LITERALS_SHOWN} more keys"
    return [_finding("ConfigMap", cm, "configmap-ipv4-literal", shown)]


def audit(kind: str, items: Iterable[Mapping[str, Any]], heuristics: bool = True) -> list[Finding]:
    """Findings for the objects of one kind (one of KINDS)."""
    if kind == "configmaps":
        return [f for item in items for f in audit_configmap(item)] if heuristics else []
    if kind == "pods":
        return [f for item in items for f in audit_pod(item, heuristics)]
    one = {"services": audit_service, "endpointslices": audit_endpointslice, "nodes": audit_node,
           "ingresses": audit_ingress}.get(kind)
    if one is None:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    return [f for item in items for f in one(item)]


# ------------------------------------------------------------------ results
def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per code; every code present."""
    result = dict.fromkeys(CODES, 0)
    for finding in findings:
        result[finding.what] += 1
    return result


def plan(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The migration plan: the steps that have findings, in order, with the objects to change in each."""
    by_step: dict[str, dict[str, None]] = {step: {} for step in STEPS}
    heuristic: dict[str, bool] = {}
    for finding in findings:
        by_step[finding.step][finding.ref] = None
        heuristic[finding.step] = heuristic.get(finding.step, True) and finding.heuristic
    steps = []
    for step, (title, action, recreate) in STEPS.items():
        objects = list(by_step[step])
        if objects:
            steps.append({"order": len(steps) + 1, "step": step, "title": title, "action": action,
                          "recreate": recreate, "heuristic": heuristic[step], "objects": objects})
    return steps


def sort_key(finding: Finding) -> tuple[int, str, str, str, str]:
    return (list(STEPS).index(finding.step), finding.kind, finding.namespace, finding.name, finding.what)


def node_subnets(findings: Iterable[Finding], subnets: Sequence[HostSubnet]) -> list[dict[str, Any]]:
    """The host subnet of each IPv4 InternalIP of a node (one entry per address, in the order of the findings):
    ``{node, address, subnet, stack}``, subnet and stack null when no host subnet holds the address."""
    nodes = [f for f in findings if f.what == "node-ipv4-internalip"]
    where = locate([address for f in nodes for address in f.addresses], subnets)
    rows = []
    for finding in nodes:
        for address in finding.addresses:
            subnet = where.get(address)
            rows.append({"node": finding.name, "address": address, "subnet": subnet.name if subnet else None,
                         "stack": subnet.stack if subnet else None})
    return rows
