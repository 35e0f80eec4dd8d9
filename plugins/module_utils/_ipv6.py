# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Address primitives of v6kube.cluster: parsing, subnet indexing, carving, interface addresses and endpoints.

Private module: the filters, modules and action plugins of the collection are thin layers over it.
Every function raises :class:`AddressError` with a message meant for the operator; nothing here
formats Ansible errors. Both families are handled, IPv6 first: dual-stack plans need IPv4 too.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

FAMILY_NAMES = {4: "ipv4", 6: "ipv6"}
FAMILY_LABELS = {4: "IPv4", 6: "IPv6"}

# Ranges that never belong in a cluster address plan, with the reason given to the operator.
SPECIAL_RANGES: tuple[tuple[Network, str], ...] = (
    (ipaddress.ip_network("::/128"), "the unspecified address"),
    (ipaddress.ip_network("::1/128"), "the loopback address"),
    (ipaddress.ip_network("::ffff:0:0/96"), "the IPv4-mapped range"),
    (ipaddress.ip_network("fe80::/10"), "the link-local range"),
    (ipaddress.ip_network("ff00::/8"), "the multicast range"),
    (ipaddress.ip_network("0.0.0.0/8"), "the unspecified ('this network') range"),
    (ipaddress.ip_network("127.0.0.0/8"), "the loopback range"),
    (ipaddress.ip_network("169.254.0.0/16"), "the link-local range"),
    (ipaddress.ip_network("224.0.0.0/4"), "the multicast range"),
)

_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


# Longest integer accepted anywhere (2**128 has 39 digits). Python refuses to convert integers of more than
# 4300 digits to and from text, so bounding them keeps every message and parse well-defined.
MAX_INT_DIGITS = 40


class AddressError(ValueError):
    """Invalid address input. The message is complete and meant for the operator."""


def describe(value: Any) -> str:
    """A short, always printable description of any input value, for messages."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        if abs(value) >= 10**MAX_INT_DIGITS:
            return f"an integer of {value.bit_length()} bits"
        return f"int {value}"
    if isinstance(value, str):
        if len(value) > 80:
            return f"str {value[:40]!r}... ({len(value)} characters)"
        return f"str {value!r}"
    if isinstance(value, (list, tuple, dict, set)):
        return f"{type(value).__name__} of {len(value)} item(s)"
    return type(value).__name__


def family_name(value: Network | Address) -> str:
    """``ipv6`` or ``ipv4``."""
    return FAMILY_NAMES[value.version]


def family_label(value: Network | Address) -> str:
    """``IPv6`` or ``IPv4``, for messages."""
    return FAMILY_LABELS[value.version]


def show(value: Any) -> str:
    """A value as it appears after a key in a message: strings quoted (shortened when long), others described."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else f"{value[:40]!r}... ({len(value)} characters)"
    return describe(value)


def as_int(value: Any, what: str, *, allow_slash: bool = False) -> int:
    """An integer from an int or a decimal string (Jinja often hands over strings).

    With ``allow_slash``, ``"/64"`` is read as 64.
    """
    if isinstance(value, bool):
        raise AddressError(f"{what} must be an integer, got a boolean {show(value)}")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_INT_DIGITS:
            raise AddressError(f"{what} is out of range ({describe(value)}); at most {MAX_INT_DIGITS} digits are accepted")
        return value
    if isinstance(value, str):
        text = value.strip()
        if allow_slash and text.startswith("/"):
            text = text[1:]
        if re.fullmatch(r"[+-]?[0-9]+", text):
            if len(text.lstrip("+-")) > MAX_INT_DIGITS:
                raise AddressError(f"{what} has {len(text.lstrip('+-'))} digits; at most {MAX_INT_DIGITS} are accepted")
            return int(text)
    raise AddressError(f"{what} must be an integer, got {describe(value)}")


def parse_network(value: Any, what: str = "prefix") -> Network:
    """A network from CIDR text, rejecting host bits with the network to use instead."""
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return value
    if not isinstance(value, str):
        raise AddressError(
            f"{what} must be a CIDR string such as 2001:db8::/64, got {describe(value)}"
        )
    text = value.strip()
    if "/" not in text:
        raise AddressError(f"{what} {show(value)} has no prefix length; write it as ADDRESS/LENGTH, e.g. 2001:db8::/64")
    if "%" in text:
        raise AddressError(f"{what} {show(value)} carries a zone index; a subnet cannot be scoped to an interface")
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise AddressError(f"{what} {show(value)} is not a valid CIDR ({exc})") from exc
        raise AddressError(f"{what} {show(value)} has host bits set; use the network address {loose}") from exc


def parse_interface(value: Any, what: str = "address") -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    """An address with its prefix length (``2001:db8::10/64``), as assigned to an interface."""
    if not isinstance(value, str):
        raise AddressError(
            f"{what} must be ADDRESS/LENGTH such as 2001:db8::10/64, got {describe(value)}"
        )
    text = value.strip()
    if "/" not in text:
        raise AddressError(f"{what} {show(value)} has no prefix length; write it as ADDRESS/LENGTH, e.g. 2001:db8::10/64")
    try:
        return ipaddress.ip_interface(text)
    except ValueError as exc:
        raise AddressError(f"{what} {show(value)} is not a valid address with prefix length ({exc})") from exc


def parse_address(value: Any, what: str = "address") -> Address:
    """A single IP address; brackets around IPv6 are accepted."""
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if not isinstance(value, str):
        raise AddressError(f"{what} must be an IP address string, got {describe(value)}")
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError as exc:
        raise AddressError(f"{what} {show(value)} is not a valid IP address") from exc
    return _unscoped(address, what, value)


def _unscoped(address: Address, what: str, value: Any) -> Address:
    """``address`` unless it carries an IPv6 zone index (``%eth0``), which no cluster setting can hold."""
    if getattr(address, "scope_id", None):
        raise AddressError(
            f"{what} {show(value)} carries a zone index (%{address.scope_id}); kubeadm, etcd and certificates take "
            f"plain addresses: write {ipaddress.IPv6Address(str(address).split('%', 1)[0])} and use a global or "
            "unique local address rather than a link-local one"
        )
    return address


def normalize(value: Any, what: str = "value") -> str:
    """RFC 5952 text of an address or CIDR (lowercase, longest zero run compressed)."""
    if isinstance(value, str) and "/" in value:
        return str(parse_network(value, what))
    return str(parse_address(value, what))


def special_range(net: Network) -> str | None:
    """The reason ``net`` may not be used in a plan, or None when it is an ordinary range."""
    for special, reason in SPECIAL_RANGES:
        if special.version == net.version and special.overlaps(net):
            return f"overlaps {reason} {special}"
    return None


def subnet_nth(prefix: Any, new_prefix: Any, index: Any) -> Network:
    """The ``index``-th child of ``prefix`` with length ``new_prefix``; negative counts from the end. O(1)."""
    net = parse_network(prefix, "prefix")
    length = as_int(new_prefix, "new_prefix", allow_slash=True)
    if length < net.prefixlen:
        raise AddressError(f"new_prefix /{length} is shorter than the parent {net}; children must be /{net.prefixlen} or longer")
    if length > net.max_prefixlen:
        raise AddressError(f"new_prefix /{length} is longer than {family_label(net)} allows (/{net.max_prefixlen} at most)")
    position = as_int(index, "index")
    count = 1 << (length - net.prefixlen)
    resolved = position + count if position < 0 else position
    if not 0 <= resolved < count:
        raise AddressError(
            f"index {position} is out of range: {net} holds {count} /{length} subnets "
            f"(valid indexes are {-count} to {count - 1})"
        )
    start = int(net.network_address) + (resolved << (net.max_prefixlen - length))
    return type(net)((start, length))


def subnet_index(prefix: Any, child: Any) -> int:
    """The index of ``child`` among the children of ``prefix`` with the child's length (inverse of subnet_nth)."""
    net = parse_network(prefix, "prefix")
    sub = parse_network(child, "child")
    if sub.version != net.version or not sub.subnet_of(net):  # type: ignore[arg-type]
        raise AddressError(f"{sub} is not inside {net}")
    return (int(sub.network_address) - int(net.network_address)) >> (sub.max_prefixlen - sub.prefixlen)


# Subnets named in a host_interface message; longer lists are cut and counted.
_LISTED_SUBNETS = 5


def _listing(nets: Sequence[Network]) -> str:
    shown = ", ".join(str(net) for net in nets[:_LISTED_SUBNETS])
    if len(nets) > _LISTED_SUBNETS:
        shown += f", ... ({len(nets)} in all)"
    return shown


def host_interface(address: Any, subnets: Any) -> str:
    """``address/prefixlen`` for a node address, the prefix length taken from the subnet of ``subnets`` holding it.

    When subnets nest, the longest (most specific) one holding the address wins: that is the on-link network.
    An address written with a prefix length already is checked: one of the subnets must be exactly its network.
    The network address of a subnet (and the broadcast address of an IPv4 one) is refused: no host can have it.
    """
    if not isinstance(address, str):
        raise AddressError(f"address must be an IP address string such as 2001:db8:1::10, got {describe(address)}")
    nets: list[Network] = []
    for pos, item in enumerate(_as_list(subnets, "subnets")):
        nets.append(parse_network(item, f"subnets[{pos}]"))
    if not nets:
        raise AddressError(f"subnets is empty; give the node networks the address {show(address)} belongs to "
                           "(e.g. the plan's host_subnets)")
    text = address.strip()
    if "%" in text:
        zone = re.split(r"[/\]]", text.split("%", 1)[1], maxsplit=1)[0]
        raise AddressError(
            f"address {show(address)} carries a zone index{f' (%{zone})' if len(zone) <= 20 else ''}; an interface address takes none: give a "
            f"global or unique local address in one of the subnets {_listing(nets)}"
        )
    written: ipaddress.IPv4Interface | ipaddress.IPv6Interface | None = None
    try:
        if "/" in text:
            written = parse_interface(text, "address")
            host: Address = written.ip
        else:
            host = parse_address(text, "address")
    except AddressError as exc:
        raise AddressError(f"{exc}; give the node's address in one of the subnets {_listing(nets)}") from exc
    holding = [net for net in nets if net.version == host.version and host in net]
    if not holding:
        raise AddressError(
            f"address {show(address)} is in none of the subnets {_listing(nets)}; correct the address or add its "
            "node network to the subnets"
        )
    if written is not None:
        if written.network not in holding:
            best = max(holding, key=lambda net: net.prefixlen)
            raise AddressError(
                f"address {show(address)} has the prefix length /{written.network.prefixlen}, but the subnet holding "
                f"it among {_listing(nets)} is {best}; write {host}/{best.prefixlen} or the address alone"
            )
        net = written.network
    else:
        net = max(holding, key=lambda candidate: candidate.prefixlen)
    if net.num_addresses > 2 and (host == net.network_address or (net.version == 4 and host == net.broadcast_address)):
        which = "network" if host == net.network_address else "broadcast"
        raise AddressError(f"address {show(address)} is the {which} address of the subnet {net}; give a node an "
                           "address inside it")
    return f"{host}/{net.prefixlen}"


# The keys of one carve request.
REQUEST_KEYS = ("name", "prefix")


class _Blocked:
    """Disjoint, sorted, merged address intervals ``[first, last]`` that are taken (exclusions and allocations)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.firsts: list[int] = []
        self.lasts: list[int] = []
        for first, last in sorted(spans):
            if self.lasts and first <= self.lasts[-1] + 1:
                self.lasts[-1] = max(self.lasts[-1], last)
            else:
                self.firsts.append(first)
                self.lasts.append(last)

    def lowest_free(self, start: int, size: int) -> int:
        """The lowest ``size``-aligned block at or above ``start`` (aligned) that overlaps no interval.

        Each step skips at least one interval, and callers only move forward, so the cost is amortized.
        """
        pos = bisect.bisect_left(self.lasts, start)
        while pos < len(self.lasts) and self.firsts[pos] <= start + size - 1:
            start = _align_up(self.lasts[pos] + 1, size)
            pos = bisect.bisect_left(self.lasts, start, pos + 1)
        return start

    def add(self, first: int, last: int) -> None:
        """Take ``[first, last]``, which overlaps no interval; merge it with the intervals it touches."""
        pos = bisect.bisect_left(self.lasts, first)
        joins_left = pos > 0 and self.lasts[pos - 1] + 1 == first
        joins_right = pos < len(self.firsts) and self.firsts[pos] == last + 1
        if joins_left and joins_right:
            self.lasts[pos - 1] = self.lasts[pos]
            del self.firsts[pos], self.lasts[pos]
        elif joins_left:
            self.lasts[pos - 1] = last
        elif joins_right:
            self.firsts[pos] = first
        else:
            self.firsts.insert(pos, first)
            self.lasts.insert(pos, last)


def carve(prefix: Any, requests: Any, exclude: Any = None) -> dict[str, str]:
    """Allocate each request, in order, at the lowest aligned free block of ``prefix``.

    ``requests`` is a list of ``{name, prefix}`` where ``prefix`` is the wanted length (64 or "/64").
    A block is free when it overlaps neither an earlier allocation nor any ``exclude`` CIDR.
    Returns name -> CIDR in request order.

    The exclusions are merged once into sorted intervals. Free space never grows, so the lowest free block of
    a size only moves up: a cursor per size resumes where the last search for that size stopped, and the total
    cost is O((requests + exclusions) x distinct sizes x log), independent of the size of the address space.
    """
    parent = parse_network(prefix, "prefix")
    if not isinstance(requests, Sequence) or isinstance(requests, (str, bytes)):
        raise AddressError(f"requests must be a list of {{name, prefix}} mappings, got {type(requests).__name__}")
    base, top = int(parent.network_address), int(parent.broadcast_address)
    spans: list[tuple[int, int]] = []
    for pos, item in enumerate(_as_list(exclude, "exclude")):
        net = parse_network(item, f"exclude[{pos}]")
        if net.version != parent.version:
            raise AddressError(f"exclude[{pos}] {net} is {family_label(net)} but {parent} is {family_label(parent)}")
        if net.overlaps(parent):  # type: ignore[arg-type]
            spans.append((max(base, int(net.network_address)), min(top, int(net.broadcast_address))))
    blocked = _Blocked(spans)

    result: dict[str, str] = {}
    cursor: dict[int, int] = {}  # block size -> every aligned block of that size below it is taken
    for pos, req in enumerate(requests):
        if not isinstance(req, Mapping):
            raise AddressError(f"requests[{pos}] must be a mapping with name and prefix, got {type(req).__name__}")
        unknown = [key for key in req if key not in REQUEST_KEYS]
        if unknown:
            raise AddressError(f"requests[{pos}] has the unknown key {show(unknown[0])}; a request is {{name, prefix}}")
        name = req.get("name")
        if not isinstance(name, str) or not name:
            raise AddressError(f"requests[{pos}] needs a non-empty string name")
        if name in result:
            raise AddressError(f"requests[{pos}] repeats the name {show(name)}; names must be unique")
        if "prefix" not in req:
            raise AddressError(f"request {show(name)} needs a prefix length")
        length = as_int(req["prefix"], f"request {show(name)} prefix", allow_slash=True)
        if not parent.prefixlen <= length <= parent.max_prefixlen:
            raise AddressError(
                f"request {show(name)} asks for /{length}, which does not fit in {parent} "
                f"(lengths /{parent.prefixlen} to /{parent.max_prefixlen})"
            )
        size = 1 << (parent.max_prefixlen - length)
        start = blocked.lowest_free(cursor.get(size, base), size)
        cursor[size] = start
        if start + size - 1 > top:
            raise AddressError(
                f"no room left in {parent} for request {show(name)} (/{length}) after "
                f"{len(result)} allocation(s) and {len(spans)} exclusion(s)"
            )
        blocked.add(start, start + size - 1)
        result[name] = str(type(parent)((start, length)))
    return result


def _align_up(value: int, size: int) -> int:
    return (value + size - 1) // size * size


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(",")) if part]
    if isinstance(value, Sequence):
        return list(value)
    raise AddressError(f"{what} must be a list of CIDRs, got {type(value).__name__}")


def is_dns_name(value: str, *, wildcard: bool = False) -> bool:
    """True for a DNS-1123 subdomain (lowercase labels); ``*.`` first label allowed with ``wildcard``."""
    if not value or len(value) > 253:
        return False
    labels = value.split(".")
    if wildcard and labels[0] == "*" and len(labels) > 1:
        labels = labels[1:]
    return all(_DNS_LABEL.fullmatch(label) for label in labels)


def check_port(value: Any, what: str = "port") -> int:
    port = as_int(value, what)
    if not 1 <= port <= 65535:
        raise AddressError(f"{what} {port} is out of range; use 1 to 65535")
    return port


@dataclass(frozen=True)
class Endpoint:
    """A parsed ``host:port``: ``host`` is an address or a lowercase DNS name."""

    host: Address | str
    port: int

    @property
    def is_ip(self) -> bool:
        return not isinstance(self.host, str)

    def __str__(self) -> str:
        return ip_endpoint(self.host, self.port)


def split_host(value: Any, what: str = "host") -> Address | str:
    """An IP address (brackets optional) or a validated, lowercased DNS name."""
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if not isinstance(value, str) or not value.strip():
        raise AddressError(f"{what} must be a non-empty string, got {describe(value)}")
    text = value.strip()
    bracketed = text.startswith("[") and text.endswith("]")
    inner = text[1:-1] if bracketed else text
    try:
        address = ipaddress.ip_address(inner)
    except ValueError:
        pass
    else:
        if bracketed and address.version == 4:
            raise AddressError(f"{what} {show(value)}: only IPv6 addresses go in brackets; write {address}")
        return address
    if bracketed or ":" in inner:
        raise AddressError(f"{what} {show(value)} is not a valid IPv6 address")
    name = inner.rstrip(".").lower()
    if not is_dns_name(name):
        raise AddressError(f"{what} {show(value)} is neither an IP address nor a valid DNS name")
    return name


def ip_endpoint(host: Any, port: Any, scheme: Any = None) -> str:
    """``[2001:db8::1]:6443``, ``10.0.0.1:6443`` or ``api.example.com:6443``; with scheme, a URL."""
    parsed = split_host(host)
    number = check_port(port)
    if isinstance(parsed, ipaddress.IPv6Address):
        text = str(parsed)
        if scheme is not None and "%" in text:
            text = text.replace("%", "%25", 1)  # RFC 6874 zone index in a URL
        hostport = f"[{text}]:{number}"
    else:
        hostport = f"{parsed}:{number}"
    if scheme is None:
        return hostport
    if not isinstance(scheme, str) or not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*", scheme):
        raise AddressError(f"scheme {show(scheme)} is not a valid URL scheme (e.g. https)")
    return f"{scheme.lower()}://{hostport}"


def parse_endpoint(value: Any, what: str = "endpoint") -> Endpoint:
    """``host:port`` with IPv6 hosts in brackets (``[2001:db8::100]:6443``)."""
    if not isinstance(value, str) or not value.strip():
        raise AddressError(f"{what} must be a host:port string, got {describe(value)}")
    text = value.strip()
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or not text[close + 1:].startswith(":"):
            raise AddressError(f"{what} {show(value)} must be [IPV6]:PORT, e.g. [2001:db8::100]:6443")
        host_text, port_text = text[:close + 1], text[close + 2:]
    else:
        if text.count(":") > 1:
            suggestion = ""
            try:
                ipaddress.ip_address(text.rsplit(":", 1)[0])
                suggestion = f"; did you mean [{text.rsplit(':', 1)[0]}]:{text.rsplit(':', 1)[1]}?"
            except ValueError:
                pass
            raise AddressError(
                f"{what} {show(value)}: an IPv6 host must be in brackets, as in [2001:db8::100]:6443{suggestion}"
            )
        if ":" not in text:
            raise AddressError(f"{what} {show(value)} has no port; write it as HOST:PORT, e.g. [2001:db8::100]:6443")
        host_text, port_text = text.rsplit(":", 1)
    host = split_host(host_text, f"{what} host")
    if not isinstance(host, str):
        host = _unscoped(host, f"{what} host", host_text)
    return Endpoint(host, check_port(port_text, f"{what} port"))


def overlap_detail(a: Network, b: Network) -> str:
    """Words for how two overlapping networks relate."""
    if a == b:
        return "they are the same range"
    if a.subnet_of(b):  # type: ignore[arg-type]
        return f"{a} lies inside {b}"
    return f"{b} lies inside {a}"
