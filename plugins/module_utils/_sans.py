# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Subject alternative names for the kube-apiserver serving certificate.

The list is a superset of what kubeadm itself writes (``pkiutil.GetAPIServerAltNames``: node name,
``kubernetes``, ``kubernetes.default``, ``kubernetes.default.svc``, ``kubernetes.default.svc.<domain>``,
the first service IP and the advertise address, the control-plane endpoint host) plus every control-plane
address, name and FQDN, localhost, and the extras, so that any control plane can serve any of them.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    AddressError,
    Address,
    describe,
    is_dns_name,
    parse_endpoint,
    parse_network,
    show,
    split_host,
)

KUBERNETES_NAMES = ("kubernetes", "kubernetes.default", "kubernetes.default.svc")
KNOWN_KEYS = ("control_plane_endpoint", "control_plane", "service_subnets", "cluster_domain", "extra")
MEMBER_KEYS = ("name", "fqdn", "addresses")


def _name(value: Any, what: str, *, wildcard: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AddressError(f"{what} must be a non-empty DNS name, got {describe(value)}")
    name = value.strip().rstrip(".").lower()
    if not is_dns_name(name, wildcard=wildcard):
        raise AddressError(f"{what} {show(value)} is not a valid DNS name")
    return name


def _list(spec: Mapping[str, Any], key: str) -> list[Any]:
    value = spec.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise AddressError(f"{key} must be a list, got {type(value).__name__}")


def _unscoped(address: Address, what: str) -> Address:
    if getattr(address, "scope_id", None):
        raise AddressError(f"{what} {address} has a zone index; certificates hold plain addresses")
    return address


def _ip_sort_key(address: Address) -> tuple[int, int]:
    # IPv6 first (the primary family of this collection), then numeric order.
    return (0 if address.version == 6 else 1, int(address))


def cert_sans(spec: Mapping[str, Any]) -> list[str]:
    """The de-duplicated certSAN list: DNS names sorted, then IPs (IPv6 first, numeric order)."""
    if not isinstance(spec, Mapping):
        raise AddressError(f"the input must be a mapping with keys {', '.join(KNOWN_KEYS)}, got {type(spec).__name__}")
    odd = [key for key in spec if not isinstance(key, str)]
    if odd:
        raise AddressError(f"the input's keys must be strings, got {describe(odd[0])}")
    unknown = sorted(set(spec) - set(KNOWN_KEYS))
    if unknown:
        raise AddressError(f"unknown key(s) {', '.join(unknown)}; known keys are {', '.join(KNOWN_KEYS)}")

    names: set[str] = {"localhost", *KUBERNETES_NAMES}
    ips: set[Address] = {ipaddress.ip_address("::1")}

    domain = spec.get("cluster_domain") or "cluster.local"
    names.add("kubernetes.default.svc." + _name(domain, "cluster_domain"))

    services = [parse_network(s, f"service_subnets[{i}]") for i, s in enumerate(_list(spec, "service_subnets"))]
    if not services:
        raise AddressError("service_subnets is required: the first address of each is the kubernetes Service IP")
    for net in services:
        ips.add(net.network_address + 1)
    if any(net.version == 4 for net in services):
        ips.add(ipaddress.ip_address("127.0.0.1"))

    endpoint = spec.get("control_plane_endpoint")
    if endpoint not in (None, ""):
        host = parse_endpoint(endpoint, "control_plane_endpoint").host
        if isinstance(host, str):
            names.add(host)
        else:
            ips.add(_unscoped(host, "control_plane_endpoint"))

    for pos, member in enumerate(_list(spec, "control_plane")):
        what = f"control_plane[{pos}]"
        if not isinstance(member, Mapping):
            raise AddressError(f"{what} must be a mapping with name, fqdn and addresses")
        unknown = [key for key in member if key not in MEMBER_KEYS]
        if unknown:
            raise AddressError(f"{what} has the unknown key {show(unknown[0])}; known keys are {', '.join(MEMBER_KEYS)}")
        names.add(_name(member.get("name"), f"{what}.name"))
        if member.get("fqdn"):
            names.add(_name(member["fqdn"], f"{what}.fqdn"))
        addresses = member.get("addresses") or []
        if isinstance(addresses, str):
            addresses = [addresses]
        if not isinstance(addresses, (list, tuple)):
            raise AddressError(f"{what}.addresses must be a list of IP addresses")
        for index, address in enumerate(addresses):
            parsed = split_host(address, f"{what}.addresses[{index}]")
            if isinstance(parsed, str):
                raise AddressError(f"{what}.addresses[{index}] {show(address)} is not an IP address")
            ips.add(_unscoped(parsed, f"{what}.addresses[{index}]"))

    for pos, extra in enumerate(_list(spec, "extra")):
        what = f"extra[{pos}]"
        if isinstance(extra, str) and extra.strip().startswith("*."):
            names.add(_name(extra, what, wildcard=True))
            continue
        parsed = split_host(extra, what)
        if isinstance(parsed, str):
            names.add(parsed)
        else:
            ips.add(_unscoped(parsed, what))

    return sorted(names) + [str(ip) for ip in sorted(ips, key=_ip_sort_key)]
