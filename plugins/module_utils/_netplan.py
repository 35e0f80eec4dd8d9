# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Static IPv6 (and dual-stack) netplan configuration: validation of the inputs and rendering.

``build_config`` checks every interface and reports all problems together (addresses, prefixes, gateways
that are not on-link, nameservers of a family the host does not have, IPv4 on an IPv6-only host...), then
returns the netplan document; ``render_yaml`` writes it in a stable, readable form. No Ansible imports:
the module runs this on the managed node and the unit tests run it directly.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    AddressError,
    family_label,
    is_dns_name,
    parse_address,
    parse_interface,
    parse_network,
    special_range,
)
from ansible_collections.v6kube.cluster.plugins.module_utils._yaml import render_yaml

HEADER = "# Managed by v6kube.cluster (role netplan). Changes made here are overwritten on the next run.\n"
RENDERERS = ("networkd", "NetworkManager")
STACKS = ("ipv6", "dual")
IPV6_MIN_MTU = 1280
_IFNAME = re.compile(r"[A-Za-z0-9_.:@-]{1,15}")
_MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
LINK_LOCAL_V6 = ipaddress.ip_network("fe80::/10")

INTERFACE_KEYS = {
    "name", "match_mac", "addresses", "gateway", "gateway_on_link", "routes", "nameservers", "search",
    "dhcp4", "dhcp6", "accept_ra", "mtu",
}
ROUTE_KEYS = {"to", "via", "metric", "on_link"}


class NetplanError(ValueError):
    """Problems in the netplan inputs; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _bool(value: Any, what: str, problems: list[str]) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    problems.append(f"{what} must be true or false, got {value!r}")
    return None


def _list(value: Any, what: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [value]
    problems.append(f"{what} must be a list, got {type(value).__name__}")
    return []


def _on_link(address: Any, subnets: list[Any]) -> bool:
    if address.version == 6 and address in LINK_LOCAL_V6:
        return True  # IPv6 routers are reached on their link-local address by design
    return any(address in net for net in subnets if net.version == address.version)


def _check_interface(spec: Any, pos: int, stack: str, problems: list[str]) -> tuple[str, dict[str, Any]] | None:
    where = f"netplan_interfaces[{pos}]"
    if not isinstance(spec, Mapping):
        problems.append(f"{where} must be a mapping with at least a name, got {type(spec).__name__}")
        return None
    name = spec.get("name")
    if not isinstance(name, str) or not _IFNAME.fullmatch(name):
        problems.append(f"{where}.name {name!r} is not an interface name (1 to 15 letters, digits, - _ . : @)")
        return None
    where = f"netplan_interfaces[{pos}] ({name})"
    for key in sorted(set(spec) - INTERFACE_KEYS):
        problems.append(f"{where}: unknown key {key!r}; known keys are {', '.join(sorted(INTERFACE_KEYS))}")

    doc: dict[str, Any] = {}
    mac = spec.get("match_mac")
    if mac is not None:
        if not isinstance(mac, str) or not _MAC.fullmatch(mac.lower()):
            problems.append(f"{where}.match_mac {mac!r} is not a MAC address like 52:54:00:12:34:56")
        else:
            doc["match"] = {"macaddress": mac.lower()}
            doc["set-name"] = name

    dhcp4 = _bool(spec.get("dhcp4", False), f"{where}.dhcp4", problems)
    dhcp6 = _bool(spec.get("dhcp6", False), f"{where}.dhcp6", problems)
    accept_ra = _bool(spec.get("accept_ra"), f"{where}.accept_ra", problems)
    if stack == "ipv6" and dhcp4:
        problems.append(f"{where}.dhcp4 is true but the stack is ipv6; an IPv6-only host keeps dhcp4: false")
    doc["dhcp4"] = bool(dhcp4)
    doc["dhcp6"] = bool(dhcp6)
    if accept_ra is not None:
        doc["accept-ra"] = accept_ra

    subnets = []
    addresses = []
    for index, raw in enumerate(_list(spec.get("addresses"), f"{where}.addresses", problems)):
        what = f"{where}.addresses[{index}]"
        try:
            iface = parse_interface(raw, what)
        except AddressError as exc:
            problems.append(str(exc))
            continue
        net = iface.network
        if stack == "ipv6" and iface.version == 4:
            problems.append(f"{what} {iface} is IPv4 but the stack is ipv6; remove it, or set the stack to dual")
            continue
        reason = special_range(ipaddress.ip_network(iface.ip))
        if reason and not (iface.version == 6 and iface.ip in LINK_LOCAL_V6):
            problems.append(f"{what} {iface} {reason}; a node address must be unicast")
            continue
        if iface.ip == net.network_address and net.num_addresses > 2:
            problems.append(
                f"{what} {iface} is the network address of {net} (the subnet-router anycast address for IPv6); "
                "pick a host address"
            )
            continue
        if iface.version == 4 and iface.ip == net.broadcast_address and net.num_addresses > 2:
            problems.append(f"{what} {iface} is the broadcast address of {net}")
            continue
        subnets.append(net)
        addresses.append(str(iface))
    if addresses:
        doc["addresses"] = addresses
    if not addresses and not dhcp4 and not dhcp6 and accept_ra is not True:
        problems.append(f"{where} would have no address: give addresses, or enable dhcp6 or accept_ra")

    routes = []
    gateway = spec.get("gateway")
    on_link = _bool(spec.get("gateway_on_link", False), f"{where}.gateway_on_link", problems)
    for index, gw in enumerate(_list(gateway, f"{where}.gateway", problems)):
        what = f"{where}.gateway" + (f"[{index}]" if isinstance(gateway, list) else "")
        try:
            via = parse_address(gw, what)
        except AddressError as exc:
            problems.append(str(exc))
            continue
        if stack == "ipv6" and via.version == 4:
            problems.append(f"{what} {via} is IPv4 but the stack is ipv6")
            continue
        if not on_link and not _on_link(via, subnets):
            problems.append(
                f"{what} {via} is not on-link: it is in none of the interface's {family_label(via)} subnets; "
                "fix the address or the gateway, or set gateway_on_link: true if the provider routes it so"
            )
            continue
        route: dict[str, Any] = {"to": "default", "via": str(via)}
        if on_link:
            route["on-link"] = True
        routes.append(route)

    for index, item in enumerate(_list(spec.get("routes"), f"{where}.routes", problems)):
        what = f"{where}.routes[{index}]"
        if not isinstance(item, Mapping) or "to" not in item or "via" not in item:
            problems.append(f"{what} must be a mapping with to and via")
            continue
        for key in sorted(set(item) - ROUTE_KEYS):
            problems.append(f"{what}: unknown key {key!r}; known keys are {', '.join(sorted(ROUTE_KEYS))}")
        try:
            via = parse_address(item["via"], f"{what}.via")
            to = "default" if item["to"] == "default" else str(parse_network(item["to"], f"{what}.to"))
        except AddressError as exc:
            problems.append(str(exc))
            continue
        if to != "default" and ipaddress.ip_network(to).version != via.version:
            problems.append(f"{what}: to {to} and via {via} are of different families")
            continue
        if stack == "ipv6" and via.version == 4:
            problems.append(f"{what}.via {via} is IPv4 but the stack is ipv6")
            continue
        route_on_link = _bool(item.get("on_link", False), f"{what}.on_link", problems)
        if not route_on_link and not _on_link(via, subnets):
            problems.append(f"{what}.via {via} is not on-link; fix it or set on_link: true")
            continue
        route = {"to": to, "via": str(via)}
        if route_on_link:
            route["on-link"] = True
        if item.get("metric") is not None:
            metric = item["metric"]
            if isinstance(metric, bool) or not isinstance(metric, int) or metric < 0:
                problems.append(f"{what}.metric {metric!r} must be a non-negative integer")
                continue
            route["metric"] = metric
        routes.append(route)
    if routes:
        doc["routes"] = routes

    servers = []
    for index, raw in enumerate(_list(spec.get("nameservers"), f"{where}.nameservers", problems)):
        what = f"{where}.nameservers[{index}]"
        try:
            server = parse_address(raw, what)
        except AddressError as exc:
            problems.append(str(exc))
            continue
        if stack == "ipv6" and server.version == 4:
            problems.append(
                f"{what} {server} is IPv4 but the stack is ipv6: an IPv6-only host cannot reach it "
                "(use an IPv6 resolver, e.g. 2001:4860:4860::8888, or a DNS64 resolver)"
            )
            continue
        servers.append(str(server))
    search = []
    for index, raw in enumerate(_list(spec.get("search"), f"{where}.search", problems)):
        if not isinstance(raw, str) or not is_dns_name(raw.strip().rstrip(".").lower()):
            problems.append(f"{where}.search[{index}] {raw!r} is not a DNS domain")
            continue
        search.append(raw.strip().rstrip(".").lower())
    if servers or search:
        doc["nameservers"] = {}
        if servers:
            doc["nameservers"]["addresses"] = servers
        if search:
            doc["nameservers"]["search"] = search

    mtu = spec.get("mtu")
    if mtu is not None:
        if isinstance(mtu, bool) or not isinstance(mtu, int):
            problems.append(f"{where}.mtu must be an integer, got {mtu!r}")
        elif mtu < IPV6_MIN_MTU or mtu > 65535:
            problems.append(f"{where}.mtu {mtu} is outside {IPV6_MIN_MTU} to 65535 (IPv6 needs at least {IPV6_MIN_MTU})")
        else:
            doc["mtu"] = mtu
    return name, doc


def build_config(interfaces: Any, stack: str = "ipv6", renderer: str = "networkd") -> dict[str, Any]:
    """The netplan document for ``interfaces``; NetplanError lists every problem."""
    problems: list[str] = []
    if stack not in STACKS:
        problems.append(f"netplan_stack {stack!r} is not supported; use ipv6 or dual")
        stack = "ipv6"
    if renderer not in RENDERERS:
        problems.append(f"netplan_renderer {renderer!r} is not supported; use {' or '.join(RENDERERS)}")
    if not isinstance(interfaces, (list, tuple)) or not interfaces:
        raise NetplanError(problems + ["netplan_interfaces must be a non-empty list of interfaces"])
    ethernets: dict[str, Any] = {}
    for pos, spec in enumerate(interfaces):
        checked = _check_interface(spec, pos, stack, problems)
        if checked is None:
            continue
        name, doc = checked
        if name in ethernets:
            problems.append(f"netplan_interfaces[{pos}] repeats the interface name {name}")
            continue
        ethernets[name] = doc
    if problems:
        raise NetplanError(problems)
    return {"network": {"version": 2, "renderer": renderer, "ethernets": ethernets}}


def render(config: Mapping[str, Any]) -> str:
    return HEADER + render_yaml(config) + "\n"
