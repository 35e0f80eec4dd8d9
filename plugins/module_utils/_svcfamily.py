# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""IP families of Services: what the API server lets change in place, and what needs a new Service.

Pure functions, from the live Service objects (as ``kubernetes.core.k8s_info`` returns them) and the requested
``ipFamilies`` / ``ipFamilyPolicy`` to one action per Service. The rules are kube-apiserver's (v1.37,
``ValidateServiceUpdate`` and the Service registry's ``initIPFamilyFields``):

- ``spec.ipFamilies[0]`` and ``spec.clusterIPs[0]`` of a Service with a ClusterIP never change in place.
- Adding the secondary family (SingleStack to PreferDualStack/RequireDualStack) works in place; the API allocates
  the second ClusterIP. RequireDualStack needs a dual-stack cluster; a family the cluster has no service range
  for is refused.
- Dropping the secondary family works in place with ``ipFamilyPolicy: SingleStack`` and ``ipFamilies`` and
  ``clusterIPs`` trimmed to the primary in the same update.
- Headless Services (``clusterIP: None``) hold no address: their families change in place.
- ExternalName Services have no families.

A primary family that has to change needs the Service deleted and created again. The new Service keeps every
address of a family it keeps (an IPv4-primary dual-stack Service becoming IPv6 SingleStack keeps its IPv6
ClusterIP, now as the primary); cluster DNS keeps (or takes) the plan's DNS address, which kubelet's
``clusterDNS`` names.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import family_label, show
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError

FAMILIES = ("IPv6", "IPv4")
POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")
DNS = ("kube-system", "kube-dns")
API_SERVICE = ("default", "kubernetes")
MAX_SERVICES = 500
# Metadata the API server owns; a recreated Service starts without it.
_SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink",
                    "deletionTimestamp", "deletionGracePeriodSeconds")
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class ServiceFamilyError(ProblemsError):
    """The request itself is wrong (not the cluster): every problem at once."""

    subject = "the request"


@dataclass(frozen=True)
class Wanted:
    namespace: str
    name: str
    families: tuple[str, ...]
    policy: str
    cluster_ip: str | None = None  # the primary address a recreated Service must get
    dns: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Decision:
    """What to do with one Service: ``none``, ``patch``, ``recreate``, ``refuse`` or ``skip``."""

    namespace: str
    name: str
    action: str
    reason: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    patch: dict[str, Any] | None = None
    definition: dict[str, Any] | None = None
    original: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"namespace": self.namespace, "name": self.name, "action": self.action,
                               "reason": self.reason, "before": self.before, "after": self.after}
        for key in ("patch", "definition", "original"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def parse_family(value: Any, where: str) -> str:
    """``IPv6``/``ipv6``/``6`` as the API spells it; raises ValueError naming ``where``."""
    text = str(value).strip().lower()
    for fam in FAMILIES:
        if text in (fam.lower(), fam[-1]):
            return fam
    raise ValueError(f"{where} {show(value)} is not an IP family (IPv6 or IPv4)")


def _other(fam: str) -> str:
    return "IPv4" if fam == "IPv6" else "IPv6"


def wanted(entry: Mapping[str, Any], where: str, default_families: Sequence[str], default_policy: str,
           problems: list[str], dns: bool = False) -> Wanted | None:
    """One requested Service, checked; problems are appended, ``None`` returned when it is unusable."""
    start = len(problems)
    namespace, name = entry.get("namespace"), entry.get("name")
    for key, value in (("namespace", namespace), ("name", name)):
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            problems.append(f"{where}.{key} {show(value)} is not a Kubernetes name")
    families_in = entry.get("families") or list(default_families)
    if isinstance(families_in, str):
        families_in = [part for part in families_in.split(",") if part.strip()]
    families: list[str] = []
    for i, fam in enumerate(families_in):
        try:
            families.append(parse_family(fam, f"{where}.families[{i}]"))
        except ValueError as exc:
            problems.append(str(exc))
    if len(families) != len(set(families)) or len(families) > 2 or not families_in:
        problems.append(f"{where}.families {show(list(families_in))} must name one or two different families, "
                        "primary first")
    policy = entry.get("policy") or default_policy
    if policy not in POLICIES:
        problems.append(f"{where}.policy {show(policy)} is not one of {', '.join(POLICIES)}")
    elif policy == "SingleStack" and len(families) == 2:
        problems.append(f"{where}: SingleStack takes one family, got {', '.join(families)} (use PreferDualStack "
                        "or RequireDualStack for two)")
    cluster_ip = entry.get("cluster_ip") or None
    if cluster_ip is not None:
        try:
            cluster_ip = str(ipaddress.ip_address(str(cluster_ip)))
        except ValueError:
            problems.append(f"{where}.cluster_ip {show(cluster_ip)} is not an IP address")
            cluster_ip = None
        else:
            if families and family_label(ipaddress.ip_address(cluster_ip)) != families[0]:
                problems.append(f"{where}.cluster_ip {cluster_ip} is not of the primary family {families[0]}")
    if len(problems) > start:
        return None
    return Wanted(namespace, name, tuple(families), policy, cluster_ip, dns)


def cluster_families(service_cidrs: Sequence[Any]) -> tuple[str, ...]:
    """The families the cluster has service ranges for, from its ServiceCIDR objects (or plain CIDR strings);
    empty when unknown. Raises ValueError for anything else."""
    if isinstance(service_cidrs, (str, bytes)) or not isinstance(service_cidrs, (list, tuple)):
        raise ValueError(f"service_cidrs must be a list of ServiceCIDR objects or CIDRs, got {show(service_cidrs)}")
    found: list[str] = []
    for i, item in enumerate(service_cidrs[:MAX_SERVICES]):
        spec = item.get("spec") if isinstance(item, Mapping) else None
        cidrs = spec.get("cidrs") if isinstance(spec, Mapping) else [item] if isinstance(item, str) else None
        if not isinstance(cidrs, list):
            raise ValueError(f"service_cidrs[{i}] {show(item)} is not a ServiceCIDR object or a CIDR")
        for cidr in cidrs:
            try:
                fam = family_label(ipaddress.ip_network(str(cidr), strict=False))
            except ValueError as exc:
                raise ValueError(f"service_cidrs[{i}] {show(cidr)} is not a CIDR") from exc
            if fam not in found:
                found.append(fam)
    return tuple(found)


def _fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    out = {"type": spec.get("type", "ClusterIP"), "ipFamilyPolicy": spec.get("ipFamilyPolicy"),
           "ipFamilies": list(spec.get("ipFamilies") or []), "clusterIPs": list(spec.get("clusterIPs") or [])}
    if not out["clusterIPs"] and spec.get("clusterIP"):
        out["clusterIPs"] = [spec["clusterIP"]]
    return out


def _target(want: Wanted, have: Sequence[str]) -> tuple[list[str] | None, str | None]:
    """The families the Service must end with (``None``: only the primary is fixed), or a refusal."""
    fams = list(want.families)
    for fam in fams:
        if have and fam not in have:
            return None, (f"the cluster has no {fam} service range (its ranges are {', '.join(have)}), so "
                          f"ipFamilies {fams} cannot be served")
    if want.policy == "SingleStack":
        return fams[:1], None
    if want.policy == "RequireDualStack":
        if have and len(have) < 2:
            return None, f"RequireDualStack needs a dual-stack cluster; this one serves {have[0]} only"
        return (fams if len(fams) == 2 else [fams[0], _other(fams[0])]), None
    # PreferDualStack: both families where the cluster has both.
    if have:
        return (fams if len(fams) == 2 else [fams[0]] + ([_other(fams[0])] if len(have) == 2 else [])), None
    return (fams if len(fams) == 2 else None), None


def _clean(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The Service as it can be created again: no status, no server-owned metadata."""
    out = copy.deepcopy(dict(obj))
    out.pop("status", None)
    out["apiVersion"], out["kind"] = "v1", "Service"
    meta = out.setdefault("metadata", {})
    for key in _SERVER_METADATA:
        meta.pop(key, None)
    return out


def decide(want: Wanted, live: Mapping[str, Any] | None, have: Sequence[str], allow_recreate: bool,
           dns_addresses: Sequence[str] = (), held: Mapping[str, str] | None = None) -> Decision:
    """The action for one Service. ``have``: the cluster's service families (empty: unknown); ``held``: every
    ClusterIP in use, mapped to ``namespace/name`` (to refuse a recreation onto an address another Service holds)."""
    decision = Decision(want.namespace, want.name, "none")
    if live is None:
        if want.dns:
            decision.action, decision.reason = "skip", "not found (no cluster DNS Service to manage)"
        else:
            decision.action, decision.reason = "refuse", "not found"
        return decision
    before = _fields(live)
    decision.before = before
    if before["type"] == "ExternalName":
        decision.action, decision.reason = "skip", "ExternalName Services have no IP families"
        return decision
    target, refusal = _target(want, have)
    if refusal:
        decision.action, decision.reason = "refuse", refusal
        return decision
    primary = want.families[0]
    live_fams, live_ips = before["ipFamilies"], before["clusterIPs"]
    headless = live_ips[:1] == ["None"]
    fams_ok = (live_fams == target) if target is not None else (live_fams[:1] == [primary])
    if fams_ok and before["ipFamilyPolicy"] == want.policy:
        decision.after = before
        return decision
    if (want.namespace, want.name) == API_SERVICE:
        decision.action = "refuse"
        decision.reason = ("kube-apiserver reconciles this Service from its primary service range; change "
                           "--service-cluster-ip-range instead")
        return decision
    spec: dict[str, Any] = {"ipFamilyPolicy": want.policy}
    if headless or live_fams[:1] == [primary]:
        decision.action = "patch"
        if target is not None and (headless or live_fams != target):
            spec["ipFamilies"] = target
            if not headless and len(target) < len(live_ips):
                spec["clusterIPs"] = live_ips[:len(target)]
        decision.reason = _in_place_reason(live_fams, target, before["ipFamilyPolicy"], want.policy, headless)
        decision.patch = {"apiVersion": "v1", "kind": "Service",
                          "metadata": {"name": want.name, "namespace": want.namespace}, "spec": spec}
        after_fams = spec.get("ipFamilies", live_fams)
        after_ips = spec.get("clusterIPs", live_ips)
        if not headless and len(after_fams) > len(after_ips):
            after_ips = after_ips + ["(allocated)"]
        decision.after = dict(before, ipFamilyPolicy=want.policy, ipFamilies=after_fams, clusterIPs=after_ips)
        return decision
    return _recreate(decision, want, live, target or [primary], have, allow_recreate, dns_addresses, held or {})


def _in_place_reason(old: list[str], new: list[str] | None, old_policy: str | None, policy: str,
                     headless: bool) -> str:
    if headless:
        return "headless: families change in place"
    if new is not None and len(new) > len(old):
        return f"adds the secondary family {new[1]} in place (the API allocates its ClusterIP)"
    if new is not None and len(new) < len(old):
        return f"drops the secondary family {old[1]} and its ClusterIP in place"
    return f"ipFamilyPolicy {old_policy} -> {policy} in place"


def _recreate(decision: Decision, want: Wanted, live: Mapping[str, Any], target: list[str], have: Sequence[str],
              allow_recreate: bool, dns_addresses: Sequence[str], held: Mapping[str, str]) -> Decision:
    before = decision.before
    by_family = {family_label(ipaddress.ip_address(ip)): ip for ip in before["clusterIPs"] if ip and ip != "None"}
    primary = target[0]
    why = (f"the primary family {before['ipFamilies'][0] if before['ipFamilies'] else '?'} -> {primary} cannot "
           "change in place (spec.ipFamilies[0] and spec.clusterIPs[0] are immutable)")
    pinned = want.cluster_ip
    if want.dns and pinned is None:
        pinned = next((ip for ip in dns_addresses if ip and family_label(ipaddress.ip_address(ip)) == primary), None)
    first = pinned or by_family.get(primary)
    if want.dns and first is None:
        decision.action = "refuse"
        decision.reason = (f"{why}, and a new {want.key} would get a random {primary} address that kubelet's "
                           "clusterDNS does not name; give the plan's DNS address (service_families_dns_addresses)")
        return decision
    addresses = [first] if first else []
    if first and len(target) == 2 and by_family.get(target[1]):
        addresses.append(by_family[target[1]])
    own = set(before["clusterIPs"])
    for ip in addresses:
        holder = held.get(ip)
        if ip not in own and holder and holder != want.key:
            decision.action = "refuse"
            decision.reason = f"{why}, and its new ClusterIP {ip} is held by Service {holder}"
            return decision
    definition = _clean(live)
    spec = definition.setdefault("spec", {})
    spec["ipFamilyPolicy"], spec["ipFamilies"] = want.policy, target
    spec.pop("clusterIP", None)
    spec.pop("clusterIPs", None)
    if addresses:
        spec["clusterIP"], spec["clusterIPs"] = addresses[0], addresses
    kept = [ip for ip in addresses if ip in own]
    lost = [ip for ip in before["clusterIPs"] if ip not in addresses]
    detail = (f"; keeps {', '.join(kept)}" if kept else "") + (f"; releases {', '.join(lost)}" if lost else "") + (
        f"; takes {first}" if first and first not in own else "") + (
        "; the API allocates the new addresses" if len(addresses) < len(target) else "")
    decision.after = {"type": before["type"], "ipFamilyPolicy": want.policy, "ipFamilies": target,
                      "clusterIPs": addresses + ["(allocated)"] * (len(target) - len(addresses))}
    if not allow_recreate:
        decision.action = "refuse"
        decision.reason = (f"{why}; it must be deleted and created again{detail} (set "
                           "service_families_allow_recreate: true to allow it; the Service is missing for a moment)")
        return decision
    decision.action, decision.reason = "recreate", f"{why}: delete and create{detail}"
    decision.definition = definition
    decision.original = _clean(live)
    return decision


def plan_services(live_services: Sequence[Any], services: Sequence[Any] = (), manage_kube_dns: bool = True,
                  default_families: Sequence[str] = ("IPv6",), default_policy: str = "SingleStack",
                  dns_addresses: Sequence[str] = (), service_cidrs: Sequence[Any] = (),
                  allow_recreate: bool = False) -> dict[str, Any]:
    """Every requested Service's decision, grouped by action; raises ServiceFamilyError for a wrong request."""
    problems: list[str] = []
    if not isinstance(live_services, (list, tuple)):
        raise ServiceFamilyError([f"the live Services must be a list of Service objects, got "
                                  f"{type(live_services).__name__}"])
    if len(services) > MAX_SERVICES:
        raise ServiceFamilyError([f"services lists {len(services)} Services; at most {MAX_SERVICES} are supported"])
    defaults = []
    for i, fam in enumerate(default_families or ()):
        try:
            defaults.append(parse_family(fam, f"default_families[{i}]"))
        except ValueError as exc:
            problems.append(str(exc))
    dns_list = []
    for i, ip in enumerate(dns_addresses or ()):
        try:
            dns_list.append(str(ipaddress.ip_address(str(ip))))
        except ValueError:
            problems.append(f"dns_addresses[{i}] {show(ip)} is not an IP address")
    wants: list[Wanted] = []
    listed: set[tuple[str, str]] = set()
    for i, entry in enumerate(services or ()):
        if not isinstance(entry, Mapping):
            problems.append(f"services[{i}] must be a mapping with namespace, name, families and policy")
            continue
        item = wanted(entry, f"services[{i}]", defaults or ("IPv6",), default_policy, problems,
                      dns=(entry.get("namespace"), entry.get("name")) == DNS)
        if item is not None:
            if (item.namespace, item.name) in listed:
                problems.append(f"services[{i}]: {item.key} is listed twice")
            listed.add((item.namespace, item.name))
            wants.append(item)
    if manage_kube_dns and DNS not in listed:
        item = wanted({"namespace": DNS[0], "name": DNS[1]}, "the cluster DNS Service", defaults or ("IPv6",),
                      default_policy, problems, dns=True)
        if item is not None:
            wants.insert(0, item)
    if problems:
        raise ServiceFamilyError(problems)
    index: dict[tuple[str, str], Mapping[str, Any]] = {}
    held: dict[str, str] = {}
    for i, obj in enumerate(live_services):
        meta = obj.get("metadata") if isinstance(obj, Mapping) else None
        if not isinstance(meta, Mapping):
            raise ServiceFamilyError([f"the live Services[{i}] {show(obj)} is not a Service object"])
        key = (meta.get("namespace"), meta.get("name"))
        index[key] = obj
        for ip in _fields(obj)["clusterIPs"]:
            if ip and ip != "None":
                held[ip] = f"{key[0]}/{key[1]}"
    have = cluster_families(service_cidrs)
    out: dict[str, Any] = {"families": list(have), "unchanged": [], "patch": [], "recreate": [], "refused": [],
                           "skipped": [], "decisions": []}
    for want in wants:
        decision = decide(want, index.get((want.namespace, want.name)), have, allow_recreate, dns_list, held)
        out["decisions"].append(decision.as_dict())
        line = f"Service {decision.key}: {decision.reason}"
        if decision.action == "none":
            out["unchanged"].append(decision.key)
        elif decision.action == "patch":
            out["patch"].append(decision.as_dict())
        elif decision.action == "recreate":
            out["recreate"].append(decision.as_dict())
        elif decision.action == "refuse":
            out["refused"].append(line)
        else:
            out["skipped"].append(line)
    return out
