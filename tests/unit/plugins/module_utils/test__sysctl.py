from __future__ import annotations

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._sysctl import (
    SysctlError,
    conflicts,
    explain_missing,
    key_path,
    later_files,
    normalize_settings,
    parse_conf,
    pending_module,
    relative_path,
    render,
)


@pytest.fixture()
def proc(tmp_path):
    """A small /proc/sys tree: enough for suggestions."""
    for key in ("net/ipv6/conf/all/disable_ipv6", "net/ipv6/conf/all/accept_ra", "net/ipv6/conf/all/forwarding",
                "net/ipv4/conf/all/forwarding", "net/ipv6/conf/eth0.100/forwarding"):
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("0\n")
    return str(tmp_path)


def test_key_path_dots_and_slashes():
    assert key_path("net.ipv6.conf.all.forwarding") == "/proc/sys/net/ipv6/conf/all/forwarding"
    assert key_path("net/ipv6/conf/eth0.100/forwarding", "/x") == "/x/net/ipv6/conf/eth0.100/forwarding"


# sysctl.d(5): "If the first separator is a slash, remaining slashes and dots are left intact. If the first
# separator is a dot, dots and slashes are interchanged."
@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("net.ipv6.conf.all.forwarding", "net/ipv6/conf/all/forwarding"),
        ("net/ipv6/conf/all/forwarding", "net/ipv6/conf/all/forwarding"),
        ("net/ipv6/conf/eth0.100/forwarding", "net/ipv6/conf/eth0.100/forwarding"),
        ("net.ipv6.conf.eth0/100.forwarding", "net/ipv6/conf/eth0.100/forwarding"),
        ("kernel", "kernel"),
    ],
)
def test_relative_path_follows_sysctl_d(key, path):
    assert relative_path(key) == path


def test_vlan_key_keeps_its_form(proc):
    key = "net/ipv6/conf/eth0.100/forwarding"
    settings = normalize_settings({key: 1, "net.ipv6.conf.all.forwarding": 1})
    assert settings == {key: "1", "net.ipv6.conf.all.forwarding": "1"}
    assert key_path(key, proc) == f"{proc}/net/ipv6/conf/eth0.100/forwarding"
    text = render(settings)
    assert f"{key} = 1" in text.splitlines()
    assert "net.ipv6.conf.eth0.100.forwarding" not in text  # what sysctl --system would misread
    assert parse_conf(text) == settings


def test_vlan_key_typo_suggested_in_the_form_given(proc):
    assert explain_missing("net/ipv6/conf/eth0.100/forwardin", proc).endswith(
        "did you mean net/ipv6/conf/eth0.100/forwarding?")
    assert explain_missing("net.ipv6.conf.eth0/100.forwardin", proc).endswith(
        "did you mean net.ipv6.conf.eth0/100.forwarding?")


def test_two_spellings_of_one_key_are_refused():
    with pytest.raises(SysctlError, match=r"'net.ipv6.conf.all.forwarding' and 'net/ipv6/conf/all/forwarding' "
                                          r"are the same sysctl key"):
        normalize_settings({"net.ipv6.conf.all.forwarding": 1, "net/ipv6/conf/all/forwarding": 0})


def test_pending_module(proc, tmp_path):
    assert pending_module("net.bridge.bridge-nf-call-ip6tables", proc) == "br_netfilter"
    assert pending_module("net/bridge/bridge-nf-call-ip6tables", proc) == "br_netfilter"
    assert pending_module("net.ipv6.conf.all.forwarding", proc) is None
    (tmp_path / "net" / "bridge").mkdir()
    assert pending_module("net.bridge.bridge-nf-call-ip6tables", proc) is None


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"a.b": 1, "c.d": True, "e.f": False, "g.h": "4096  87380\t6291456", "i.j": None},
         {"a.b": "1", "c.d": "1", "e.f": "0", "g.h": "4096 87380 6291456"}),
        ({}, {}),
    ],
)
def test_normalize_settings(settings, expected):
    assert normalize_settings(settings) == expected


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"net..ipv6": 1}, r"'net..ipv6' is not a sysctl key"),
        ({"net.ipv6 conf": 1}, r"is not a sysctl key"),
        ({".net": 1}, r"is not a sysctl key"),
        ({"net.ipv6.x\n": 1}, r"is not a sysctl key"),
        ({"net.ipv6.x": ""}, r"value '' is not a number or a non-empty string"),
        ({"net.ipv6.x": [1]}, r"is not a number"),
        (["net.ipv6.x"], r"settings must be a mapping"),
    ],
)
def test_normalize_settings_rejects(settings, match):
    with pytest.raises(SysctlError, match=match):
        normalize_settings(settings)


def test_disable_ipv4_is_explained(proc):
    message = explain_missing("net.ipv4.conf.all.disable_ipv4", proc)
    assert message.startswith("net.ipv4.conf.all.disable_ipv4 does not exist in Linux.")
    assert "dhcp4: false" in message and "netplan" in message


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("net.ipv6.conf.all.disableipv6", "net.ipv6.conf.all.disable_ipv6"),
        ("net.ipv6.conf.all.acceptra", "net.ipv6.conf.all.accept_ra"),
        ("net.ipv6.conf.al.forwarding", "net.ipv6.conf.all.forwarding"),
    ],
)
def test_typos_get_a_suggestion(proc, key, suggestion):
    assert explain_missing(key, proc).endswith(f"did you mean {suggestion}?")


def test_unknown_without_suggestion(proc):
    assert explain_missing("net.ipv6.conf.all.zzzz", proc) == (
        f"net.ipv6.conf.all.zzzz does not exist in this kernel (no {proc}/net/ipv6/conf/all/zzzz)"
    )


def test_bridge_keys_need_br_netfilter(proc):
    assert "load the br_netfilter kernel module first" in explain_missing("net.bridge.bridge-nf-call-ip6tables", proc)


def test_render_sorted_with_header():
    text = render({"net.ipv6.conf.default.forwarding": "1", "net.ipv6.conf.all.forwarding": "1"})
    assert text.startswith("# Managed by v6kube.cluster")
    assert text.splitlines()[-2:] == ["net.ipv6.conf.all.forwarding = 1", "net.ipv6.conf.default.forwarding = 1"]
    assert parse_conf(text) == {"net.ipv6.conf.all.forwarding": "1", "net.ipv6.conf.default.forwarding": "1"}


def test_parse_conf_handles_comments_and_ignore_prefix():
    assert parse_conf("# c\n; c\n-net.a = 1\nnet/b/c=2 3\n\nnonsense\n") == {"net.a": "1", "net/b/c": "2 3"}


def test_later_files_and_conflicts(tmp_path):
    etc, lib = tmp_path / "etc", tmp_path / "lib"
    etc.mkdir()
    lib.mkdir()
    (etc / "10-early.conf").write_text("net.a = 5\n")
    (etc / "99-late.conf").write_text("net.a = 0\nnet.b = 1\n")
    (lib / "95-lib.conf").write_text("net.b = 2\n")
    (lib / "99-late.conf").write_text("net.a = 9\n")  # shadowed by /etc's file of the same name
    main = tmp_path / "sysctl.conf"
    main.write_text("net.c = 3\n")
    ours = str(etc / "90-v6kube.conf")
    files = later_files(ours, dirs=[str(etc), str(lib)], main_conf=str(main))
    assert files == [str(lib / "95-lib.conf"), str(etc / "99-late.conf"), str(main)]
    warnings = conflicts({"net.a": "1", "net.b": "1", "net.c": "3"}, files)
    assert len(warnings) == 2
    assert "95-lib.conf sets net.b = 2" in warnings[0] and "99-late.conf sets net.a = 0" in warnings[1]


def test_conflicts_compare_keys_by_path(tmp_path):
    late = tmp_path / "99-late.conf"
    late.write_text("net.ipv6.conf.eth0/100.forwarding = 0\n")
    warnings = conflicts({"net/ipv6/conf/eth0.100/forwarding": "1"}, [str(late)])
    assert warnings == [f"{late} sets net.ipv6.conf.eth0/100.forwarding = 0 and is read after this file, so at "
                        "boot net/ipv6/conf/eth0.100/forwarding ends up 0, not 1"]


def test_keys_reject_a_trailing_newline():
    with pytest.raises(SysctlError, match=r"'net.ipv6.conf.all.forwarding\\n' is not a sysctl key"):
        normalize_settings({"net.ipv6.conf.all.forwarding\n": 1})


def test_disable_ipv4_advice_needs_the_whole_key(proc):
    assert "does not exist in Linux" not in explain_missing("net.ipv4.conf.all.disable_ipv4\n", proc)
