from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import (
    AddressError,
    carve,
    host_interface,
    ip_endpoint,
    is_dns_name,
    normalize,
    parse_address,
    parse_endpoint,
    parse_network,
    special_range,
    subnet_index,
    subnet_nth,
)


@pytest.mark.parametrize(
    ("prefix", "new_prefix", "index", "expected"),
    [
        ("2001:db8::/32", 64, 0, "2001:db8::/64"),
        ("2001:db8::/32", 64, 1, "2001:db8:0:1::/64"),
        ("2001:db8::/32", 64, 4294967295, "2001:db8:ffff:ffff::/64"),
        ("2001:db8::/32", 64, -1, "2001:db8:ffff:ffff::/64"),
        ("2001:db8::/32", 64, -4294967296, "2001:db8::/64"),
        ("2001:db8::/32", "/48", "2", "2001:db8:2::/48"),
        ("2001:db8:43::/64", 112, 1, "2001:db8:43::1:0/112"),
        ("2001:db8::/64", 64, 0, "2001:db8::/64"),
        ("2001:db8::/120", 128, 255, "2001:db8::ff/128"),
        ("::/0", 1, 1, "8000::/1"),
        ("10.0.0.0/8", 16, 255, "10.255.0.0/16"),
        ("10.0.0.0/8", 24, -1, "10.255.255.0/24"),
        ("192.0.2.0/24", 32, 7, "192.0.2.7/32"),
        ("2001:DB8::/32", 64, 10, "2001:db8:0:a::/64"),
    ],
)
def test_subnet_nth(prefix, new_prefix, index, expected):
    assert str(subnet_nth(prefix, new_prefix, index)) == expected


@pytest.mark.parametrize(
    ("prefix", "new_prefix", "index", "match"),
    [
        ("2001:db8::/32", 64, 4294967296, r"index 4294967296 is out of range: 2001:db8::/32 holds 4294967296 /64"),
        ("2001:db8::/32", 64, -4294967297, r"out of range"),
        ("2001:db8::/32", 16, 0, r"new_prefix /16 is shorter than the parent 2001:db8::/32"),
        ("2001:db8::/32", 129, 0, r"new_prefix /129 is longer than IPv6 allows \(/128 at most\)"),
        ("10.0.0.0/8", 33, 0, r"longer than IPv4 allows \(/32 at most\)"),
        ("2001:db8::1/32", 64, 0, r"has host bits set; use the network address 2001:db8::/32"),
        ("2001:db8::", 64, 0, r"has no prefix length"),
        ("2001:db8::/33x", 64, 0, r"is not a valid CIDR"),
        ("2001:db8::/32", "sixty", 0, r"new_prefix must be an integer"),
        ("2001:db8::/32", 64, True, r"index must be an integer, got a boolean"),
        (None, 64, 0, r"prefix must be a CIDR string"),
    ],
)
def test_subnet_nth_rejects(prefix, new_prefix, index, match):
    with pytest.raises(AddressError, match=match):
        subnet_nth(prefix, new_prefix, index)


def test_subnet_nth_is_constant_time_on_huge_spaces():
    # The last /128 of ::/0 is 2**128 - 1 children away: any enumeration would never finish.
    assert str(subnet_nth("::/0", 128, -1)) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"


@given(
    prefixlen=st.integers(min_value=0, max_value=128),
    extra=st.integers(min_value=0, max_value=128),
    seed=st.integers(min_value=0, max_value=2**128 - 1),
    data=st.data(),
)
@settings(max_examples=300, deadline=None)
def test_subnet_index_inverts_subnet_nth(prefixlen, extra, seed, data):
    new_prefix = min(128, prefixlen + extra)
    parent = ipaddress.IPv6Network((seed >> (128 - prefixlen) << (128 - prefixlen), prefixlen))
    count = 1 << (new_prefix - prefixlen)
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    child = subnet_nth(str(parent), new_prefix, index)
    assert child.subnet_of(parent)
    assert child.prefixlen == new_prefix
    assert subnet_index(str(parent), str(child)) == index
    assert subnet_nth(str(parent), new_prefix, index - count) == child


def test_subnet_index_rejects_outsider():
    with pytest.raises(AddressError, match=r"2001:db9::/64 is not inside 2001:db8::/32"):
        subnet_index("2001:db8::/32", "2001:db9::/64")


@pytest.mark.parametrize(
    ("prefix", "requests", "exclude", "expected"),
    [
        (
            "2001:db8:40::/48",
            [{"name": "pods", "prefix": 56}, {"name": "services", "prefix": 112}, {"name": "lb", "prefix": 120}],
            ["2001:db8:40::/64"],
            {"pods": "2001:db8:40:100::/56", "services": "2001:db8:40:1::/112", "lb": "2001:db8:40:1::1:0/120"},
        ),
        (
            "2001:db8::/32",
            [{"name": "a", "prefix": 64}, {"name": "b", "prefix": 48}, {"name": "c", "prefix": 64}],
            [],
            {"a": "2001:db8::/64", "b": "2001:db8:1::/48", "c": "2001:db8:0:1::/64"},
        ),
        (
            "10.0.0.0/16",
            [{"name": "pods", "prefix": "/17"}, {"name": "svc", "prefix": "20"}],
            None,
            {"pods": "10.0.0.0/17", "svc": "10.0.128.0/20"},
        ),
        (
            "2001:db8::/64",
            [{"name": "all", "prefix": 64}],
            ["2001:db9::/64"],  # outside the parent: no effect
            {"all": "2001:db8::/64"},
        ),
        (
            "2001:db8::/126",
            [{"name": "x", "prefix": 128}],
            "2001:db8::/128, 2001:db8::2/127",  # comma-separated string
            {"x": "2001:db8::1/128"},
        ),
    ],
)
def test_carve(prefix, requests, exclude, expected):
    result = carve(prefix, requests, exclude)
    assert result == expected
    assert list(result) == [r["name"] for r in requests]


@pytest.mark.parametrize(
    ("prefix", "requests", "exclude", "match"),
    [
        ("2001:db8::/63", [{"name": "a", "prefix": 64}, {"name": "b", "prefix": 64}, {"name": "c", "prefix": 64}],
         [], r"no room left in 2001:db8::/63 for request 'c' \(/64\)"),
        ("2001:db8::/64", [{"name": "a", "prefix": 64}], ["2001:db8::5/128"], r"no room left .* request 'a'"),
        ("2001:db8::/64", [{"name": "a", "prefix": 48}], [], r"request 'a' asks for /48, which does not fit"),
        ("2001:db8::/64", [{"name": "a", "prefix": 80}, {"name": "a", "prefix": 80}], [], r"repeats the name 'a'"),
        ("2001:db8::/64", [{"prefix": 80}], [], r"requests\[0\] needs a non-empty string name"),
        ("2001:db8::/64", [{"name": "a"}], [], r"request 'a' needs a prefix length"),
        ("2001:db8::/64", [{"name": "a", "prefix": 80}], ["10.0.0.0/8"], r"exclude\[0\] 10.0.0.0/8 is IPv4"),
        ("2001:db8::/64", "pods", [], r"requests must be a list"),
        ("2001:db8::/64", ["pods"], [], r"requests\[0\] must be a mapping"),
    ],
)
def test_carve_rejects(prefix, requests, exclude, match):
    with pytest.raises(AddressError, match=match):
        carve(prefix, requests, exclude)


@st.composite
def carve_inputs(draw):
    parent_len = draw(st.integers(min_value=32, max_value=120))
    base = draw(st.integers(min_value=0, max_value=2**parent_len - 1)) << (128 - parent_len)
    parent = ipaddress.IPv6Network((base, parent_len))
    lengths = draw(st.lists(st.integers(min_value=parent_len, max_value=min(128, parent_len + 8)), max_size=12))
    excludes = []
    for _count in range(draw(st.integers(min_value=0, max_value=4))):
        length = draw(st.integers(min_value=parent_len, max_value=128))
        index = draw(st.integers(min_value=0, max_value=2 ** (length - parent_len) - 1))
        excludes.append(str(subnet_nth(str(parent), length, index)))
    return str(parent), [{"name": f"r{i}", "prefix": n} for i, n in enumerate(lengths)], excludes


@given(carve_inputs())
@settings(max_examples=300, deadline=None)
def test_carve_never_overlaps_and_stays_inside(args):
    prefix, requests, exclude = args
    parent = ipaddress.ip_network(prefix)
    try:
        result = carve(prefix, requests, exclude)
    except AddressError as exc:
        assert "no room left" in str(exc)
        reject()  # not a pass: Hypothesis fails the test if most examples end here
    nets = [ipaddress.ip_network(v) for v in result.values()]
    for req, net in zip(requests, nets):
        assert net.subnet_of(parent)
        assert net.prefixlen == req["prefix"]
        assert not any(net.overlaps(ipaddress.ip_network(e)) for e in exclude)
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            assert not a.overlaps(b)


@given(carve_inputs())
@settings(max_examples=150, deadline=None)
def test_carve_picks_the_lowest_free_block(args):
    prefix, requests, exclude = args
    try:
        result = carve(prefix, requests, exclude)
    except AddressError as exc:
        assert "no room left" in str(exc)
        reject()
    taken = [ipaddress.ip_network(e) for e in exclude]
    for req in requests:
        net = ipaddress.ip_network(result[req["name"]])
        index = subnet_index(prefix, str(net))
        # Every lower aligned block of that length must be blocked by an exclusion or earlier allocation.
        for lower in range(max(0, index - 64), index):
            candidate = subnet_nth(prefix, req["prefix"], lower)
            assert any(candidate.overlaps(t) for t in taken)
        taken.append(net)


@pytest.mark.parametrize(
    ("host", "port", "scheme", "expected"),
    [
        ("2001:db8::1", 6443, None, "[2001:db8::1]:6443"),
        ("2001:DB8:0:0:0:0:0:1", "6443", None, "[2001:db8::1]:6443"),
        ("[2001:db8::1]", 6443, None, "[2001:db8::1]:6443"),
        ("::1", 2379, "https", "https://[::1]:2379"),
        ("10.0.0.1", 6443, None, "10.0.0.1:6443"),
        ("API.Example.com", 6443, None, "api.example.com:6443"),
        ("api.example.com.", 443, "HTTPS", "https://api.example.com:443"),
        ("fe80::1%eth0", 2379, "https", "https://[fe80::1%25eth0]:2379"),
        ("2001:db8:0:1:1:1:1:1", 1, None, "[2001:db8:0:1:1:1:1:1]:1"),
        ("2001:0db8:0000:0000:0001:0000:0000:0001", 65535, None, "[2001:db8::1:0:0:1]:65535"),
    ],
)
def test_ip_endpoint(host, port, scheme, expected):
    assert ip_endpoint(host, port, scheme) == expected


@pytest.mark.parametrize(
    ("host", "port", "scheme", "match"),
    [
        ("2001:db8::1", 0, None, r"port 0 is out of range; use 1 to 65535"),
        ("2001:db8::1", 65536, None, r"port 65536 is out of range"),
        ("2001:db8::1", "https", None, r"port must be an integer"),
        ("2001:db8::zz", 443, None, r"is not a valid IPv6 address"),
        ("[10.0.0.1]", 443, None, r"only IPv6 addresses go in brackets"),
        ("bad_name", 443, None, r"neither an IP address nor a valid DNS name"),
        ("", 443, None, r"must be a non-empty string"),
        ("::1", 443, "ht tp", r"not a valid URL scheme"),
    ],
)
def test_ip_endpoint_rejects(host, port, scheme, match):
    with pytest.raises(AddressError, match=match):
        ip_endpoint(host, port, scheme)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("[2001:db8:1::100]:6443", "2001:db8:1::100", 6443),
        ("10.0.0.1:6443", "10.0.0.1", 6443),
        ("api.example.com:6443", "api.example.com", 6443),
    ],
)
def test_parse_endpoint(text, host, port):
    endpoint = parse_endpoint(text)
    assert (str(endpoint.host), endpoint.port) == (host, port)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2001:db8:1::100:6443", r"an IPv6 host must be in brackets.*did you mean \[2001:db8:1::100\]:6443"),
        ("[2001:db8:1::100]", r"must be \[IPV6\]:PORT"),
        ("[2001:db8:1::100]6443", r"must be \[IPV6\]:PORT"),
        ("api.example.com", r"has no port"),
        ("[2001:db8:1::100]:0", r"port 0 is out of range"),
        ("[2001:db8:1::100]:http", r"port must be an integer"),
    ],
)
def test_parse_endpoint_rejects(text, match):
    with pytest.raises(AddressError, match=match):
        parse_endpoint(text)


@pytest.mark.parametrize(
    ("cidr", "reason"),
    [
        ("fe80::/64", "link-local"),
        ("ff02::/16", "multicast"),
        ("::1/128", "loopback"),
        ("::/128", "unspecified"),
        ("::ffff:0:0/96", "IPv4-mapped"),
        ("::/0", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("0.0.0.0/8", "unspecified"),
    ],
)
def test_special_ranges(cidr, reason):
    assert reason in special_range(ipaddress.ip_network(cidr))


@pytest.mark.parametrize("cidr", ["2001:db8::/32", "fd00::/8", "2000::/3", "10.0.0.0/8", "100.64.0.0/10"])
def test_ordinary_ranges(cidr):
    assert special_range(ipaddress.ip_network(cidr)) is None


def test_parse_network_rejects_zone():
    with pytest.raises(AddressError, match="zone index"):
        parse_network("fe80::%eth0/64")


addresses = st.one_of(
    st.integers(min_value=0, max_value=2**128 - 1).map(lambda i: str(ipaddress.IPv6Address(i))),
    st.integers(min_value=0, max_value=2**32 - 1).map(lambda i: str(ipaddress.IPv4Address(i))),
    st.integers(min_value=0, max_value=2**128 - 1).map(lambda i: ipaddress.IPv6Address(i).exploded.upper()),
)


ports = st.integers(min_value=1, max_value=65535)


@given(addresses, ports)
def test_endpoint_round_trip(text, port):
    # Our bracketing rules: IPv6 hosts in brackets, IPv4 without; parse_endpoint reads back what ip_endpoint wrote.
    address = ipaddress.ip_address(text)
    endpoint = ip_endpoint(text, port)
    assert endpoint.startswith("[") is (address.version == 6)
    parsed = parse_endpoint(endpoint)
    assert parsed.host == address and parsed.port == port and parsed.is_ip
    assert str(parsed) == endpoint
    assert ip_endpoint(text, port, "HTTPS") == f"https://{endpoint}"


@given(st.integers(min_value=0, max_value=2**128 - 1), ports)
def test_unbracketed_ipv6_endpoint_is_refused_with_the_fix(value, port):
    address = str(ipaddress.IPv6Address(value))
    with pytest.raises(AddressError, match="an IPv6 host must be in brackets") as info:
        parse_endpoint(f"{address}:{port}")
    assert str(info.value).endswith(f"did you mean [{address}]:{port}?")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("2001:db8:0:0::/64", "2001:db8::/64"), ("10.0.0.1", "10.0.0.1")],
)
def test_normalize(value, expected):
    assert normalize(value) == expected


@pytest.mark.parametrize(
    ("value", "match"),
    [("2001:db8::1/64", r"has host bits set; use the network address 2001:db8::/64"),
     ("nonsense", r"'nonsense' is not a valid IP address")],
)
def test_normalize_rejects(value, match):
    with pytest.raises(AddressError, match=match):
        normalize(value)


@given(st.integers(min_value=0, max_value=128), st.integers(min_value=0, max_value=2**128 - 1))
def test_normalize_network_is_idempotent(length, value):
    net = ipaddress.IPv6Network((value >> (128 - length) << (128 - length) if length else 0, length))
    once = normalize(net.exploded.upper())
    assert normalize(once) == once == str(net)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[2001:db8::1%eth0]:6443", r"endpoint host '\[2001:db8::1%eth0\]' carries a zone index \(%eth0\).*write 2001:db8::1"),
        ("[fe80::1%25]:6443", r"carries a zone index"),
    ],
)
def test_parse_endpoint_rejects_zone(text, match):
    with pytest.raises(AddressError, match=match):
        parse_endpoint(text)


@pytest.mark.parametrize("text", ["fe80::1%eth0", "[fe80::1%eth0]", "2001:db8::1%1"])
def test_parse_address_rejects_zone(text):
    with pytest.raises(AddressError, match=r"node_addresses\[0\] .* carries a zone index"):
        parse_address(text, "node_addresses[0]")


@pytest.mark.parametrize("name", ["api\n", "api.example.com\n", "api.example\n.com", "*.example.com\n"])
def test_dns_names_reject_a_newline(name):
    assert not is_dns_name(name, wildcard=True)


def first_fit(prefix, requests, exclude):
    """carve's documented semantics, the slow way: try every aligned block in order."""
    parent = ipaddress.ip_network(prefix)
    taken = [ipaddress.ip_network(e) for e in exclude]
    out = {}
    for req in requests:
        for candidate in parent.subnets(new_prefix=req["prefix"]):
            if not any(candidate.overlaps(t) for t in taken):
                out[req["name"]] = str(candidate)
                taken.append(candidate)
                break
        else:
            return None
    return out


@given(
    parent_len=st.integers(min_value=112, max_value=120),
    extras=st.lists(st.integers(min_value=0, max_value=8), max_size=40),
    excluded=st.lists(st.tuples(st.integers(min_value=0, max_value=16), st.integers(min_value=0, max_value=2**16)),
                      max_size=8),
)
@settings(max_examples=300, deadline=None)
def test_carve_agrees_with_first_fit(parent_len, extras, excluded):
    prefix = f"2001:db8::/{parent_len}"
    requests = [{"name": f"r{i}", "prefix": parent_len + e} for i, e in enumerate(extras)]
    lengths = [min(128, parent_len + e) for e, _index in excluded]
    exclude = [str(subnet_nth(prefix, n, i % (1 << (n - parent_len)))) for n, (_e, i) in zip(lengths, excluded)]
    expected = first_fit(prefix, requests, exclude)
    if expected is None:
        with pytest.raises(AddressError, match="no room left"):
            carve(prefix, requests, exclude)
    else:
        assert carve(prefix, requests, exclude) == expected


def test_carve_thousands_of_requests_around_thousands_of_exclusions():
    # Every other /64 of a /48 is excluded; 3,000 /64s, 300 /60s and 3 /56s fill the gaps in order.
    exclude = [f"2001:db8:40:{2 * i:x}::/64" for i in range(16384)]
    requests = ([{"name": f"n{i}", "prefix": 64} for i in range(3000)]
                + [{"name": f"m{i}", "prefix": 60} for i in range(300)]
                + [{"name": f"p{i}", "prefix": 56} for i in range(3)])
    result = carve("2001:db8:40::/48", requests, exclude)
    assert result["n0"] == "2001:db8:40:1::/64"
    assert result["n2999"] == f"2001:db8:40:{2 * 2999 + 1:x}::/64"
    assert result["m0"] == "2001:db8:40:8000::/60"
    assert result["m299"] == f"2001:db8:40:{0x8000 + 299 * 16:x}::/60"
    assert result["p0"] == "2001:db8:40:9300::/56" and result["p2"] == "2001:db8:40:9500::/56"
    with pytest.raises(AddressError, match=r"no room left in 2001:db8:40::/48 for request 'x' \(/49\) after "
                                           r"3303 allocation\(s\) and 16384 exclusion\(s\)"):
        carve("2001:db8:40::/48", requests + [{"name": "x", "prefix": 49}], exclude)


# ---------------------------------------------------------------- host_interface
@pytest.mark.parametrize(
    ("address", "subnets", "expected"),
    [
        ("fd00:40::10", ["fd00:40::/64"], "fd00:40::10/64"),
        ("2001:db8:1::10", ["2001:db8:43::/112", "2001:db8:1::/64"], "2001:db8:1::10/64"),
        ("2001:DB8:1:0::10", "2001:db8:1::/64", "2001:db8:1::10/64"),  # comma-separated string, RFC 5952 result
        ("2001:db8:1::10", "2001:db8:2::/64, 2001:db8:1::/64", "2001:db8:1::10/64"),
        (" [2001:db8:1::10] ", ["2001:db8:1::/64"], "2001:db8:1::10/64"),
        ("2001:db8:1::10", ["2001:db8::/32", "2001:db8:1::/64"], "2001:db8:1::10/64"),  # nested: the longest
        ("2001:db8:1::10", ["2001:db8:1::/64", "2001:db8::/32"], "2001:db8:1::10/64"),
        ("2001:db8:1:0::10/64", ["2001:db8:1::/64"], "2001:db8:1::10/64"),  # with a prefix: checked, normalized
        ("2001:db8:1::10/32", ["2001:db8::/32", "2001:db8:1::/64"], "2001:db8:1::10/32"),  # a nesting one named
        ("2001:db8:1::1", ["2001:db8:1::/127"], "2001:db8:1::1/127"),
        ("2001:db8:1::", ["2001:db8:1::/127"], "2001:db8:1::/127"),  # /127: both addresses are hosts (RFC 6164)
        ("2001:db8:1::10", ["2001:db8:1::10/128"], "2001:db8:1::10/128"),
        ("192.0.2.10", ["2001:db8:1::/64", "192.0.2.0/24"], "192.0.2.10/24"),
        ("192.0.2.0", ["192.0.2.0/31"], "192.0.2.0/31"),
    ],
)
def test_host_interface(address, subnets, expected):
    assert host_interface(address, subnets) == expected


@pytest.mark.parametrize(
    ("address", "subnets", "match"),
    [
        ("2001:db8:2::10", ["2001:db8:1::/64"],
         r"^address '2001:db8:2::10' is in none of the subnets 2001:db8:1::/64; correct the address or add its "
         r"node network to the subnets$"),
        ("192.0.2.10", ["2001:db8:1::/64"], r"^address '192\.0\.2\.10' is in none of the subnets 2001:db8:1::/64;"),
        ("fe80::10%eth0", ["fe80::/64"],
         r"^address 'fe80::10%eth0' carries a zone index \(%eth0\); an interface address takes none: give a global "
         r"or unique local address in one of the subnets fe80::/64$"),
        ("[2001:db8:1::10%1]", ["2001:db8:1::/64"], r"^address '\[2001:db8:1::10%1\]' carries a zone index \(%1\);"),
        ("2001:db8:1::10%eth0/64", ["2001:db8:1::/64"], r"^address '2001:db8:1::10%eth0/64' carries a zone index \(%eth0\)"),
        ("2001:db8:1::g", ["2001:db8:1::/64"],
         r"^address '2001:db8:1::g' is not a valid IP address; give the node's address in one of the subnets "
         r"2001:db8:1::/64$"),
        ("cp1.example.com", ["2001:db8:1::/64"], r"^address 'cp1\.example\.com' is not a valid IP address; give"),
        ("2001:db8:1::10/129", ["2001:db8:1::/64"], r"^address '2001:db8:1::10/129' is not a valid address with "
         r"prefix length .*; give the node's address in one of the subnets 2001:db8:1::/64$"),
        ("", ["2001:db8:1::/64"], r"^address '' is not a valid IP address; give the node's address in one of"),
        ("2001:db8:1::10/48", ["2001:db8:1::/64"],
         r"^address '2001:db8:1::10/48' has the prefix length /48, but the subnet holding it among 2001:db8:1::/64 "
         r"is 2001:db8:1::/64; write 2001:db8:1::10/64 or the address alone$"),
        ("2001:db8:1::", ["2001:db8:1::/64"],
         r"^address '2001:db8:1::' is the network address of the subnet 2001:db8:1::/64; give a node an address"),
        ("192.0.2.255", ["192.0.2.0/24"], r"^address '192\.0\.2\.255' is the broadcast address of the subnet"),
        ("2001:db8:1::10", [], r"^subnets is empty; give the node networks the address '2001:db8:1::10' belongs to"),
        ("2001:db8:1::10", None, r"^subnets is empty"),
        ("2001:db8:1::10", ["2001:db8:1::1/64"], r"^subnets\[0\] '2001:db8:1::1/64' has host bits set; use the "
         r"network address 2001:db8:1::/64$"),
        ("2001:db8:1::10", ["2001:db8:1::/64", "2001:db8:2::"], r"^subnets\[1\] '2001:db8:2::' has no prefix length"),
        (None, ["2001:db8:1::/64"], r"^address must be an IP address string such as 2001:db8:1::10, got None$"),
        ("2001:db8:9::10", [f"2001:db8:{n:x}::/64" for n in range(8)],
         r"^address '2001:db8:9::10' is in none of the subnets 2001:db8::/64, 2001:db8:1::/64, 2001:db8:2::/64, "
         r"2001:db8:3::/64, 2001:db8:4::/64, \.\.\. \(8 in all\);"),
    ],
)
def test_host_interface_rejects(address, subnets, match):
    with pytest.raises(AddressError, match=match):
        host_interface(address, subnets)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=2**64 - 1), st.integers(min_value=48, max_value=64))
def test_host_interface_round_trips(host_bits, length):
    net = ipaddress.ip_network(f"2001:db8:1::/{length}", strict=False)
    address = net.network_address + (host_bits % net.num_addresses or 1)
    result = host_interface(str(address), [str(net)])
    assert result == f"{address}/{length}"
    assert host_interface(result, [str(net)]) == result
