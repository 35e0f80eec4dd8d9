"""sysctl_settings against a kernel-like tree on disk (the Molecule scenario runs it on real kernels)."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.modules import sysctl_settings


@pytest.fixture()
def proc(tmp_path):
    root = tmp_path / "proc"
    for key, value in {"net/ipv6/conf/all/forwarding": "0", "net/ipv6/conf/all/accept_ra": "1",
                       "net/ipv6/conf/default/accept_ra": "1", "net/ipv6/conf/eth0.100/forwarding": "0"}.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
    return root


def args(proc, tmp_path, **settings):
    return {"settings": settings, "path": str(tmp_path / "sysctl.d" / "90-v6kube.conf"), "proc_root": str(proc)}


def live(proc, key):
    return (proc / (key if "/" in key else key.replace(".", "/"))).read_text().strip()


def test_applies_verifies_and_persists(run_module, proc, tmp_path):
    a = args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1, "net.ipv6.conf.all.accept_ra": 2})
    result = run_module(sysctl_settings.main, a, diff=True)
    assert result["changed"] and result["file_changed"]
    assert result["live_changes"] == {"net.ipv6.conf.all.forwarding": {"before": "0", "after": "1"},
                                      "net.ipv6.conf.all.accept_ra": {"before": "1", "after": "2"}}
    assert live(proc, "net.ipv6.conf.all.forwarding") == "1"
    assert "net.ipv6.conf.all.forwarding = 1" in result["diff"]["after"] and result["diff"]["before"] == ""
    assert oct(os.stat(a["path"]).st_mode & 0o777) == "0o644"
    again = run_module(sysctl_settings.main, a)
    assert not again["changed"] and again["live_changes"] == {}


def test_check_mode_changes_nothing(run_module, proc, tmp_path):
    a = args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1})
    result = run_module(sysctl_settings.main, a, check_mode=True)
    assert result["changed"] and result["file_changed"]
    assert live(proc, "net.ipv6.conf.all.forwarding") == "0"
    assert not os.path.exists(a["path"])


def test_missing_keys_refused_before_any_change(run_module, proc, tmp_path):
    a = args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1, "net.ipv4.conf.all.disable_ipv4": 1,
                                "net.ipv6.conf.all.acceptra": 2})
    result = run_module(sysctl_settings.main, a)
    assert result["failed"]
    assert len(result["invalid"]) == 2
    assert "disable_ipv4 does not exist in Linux" in result["msg"]
    assert "did you mean net.ipv6.conf.all.accept_ra?" in result["msg"]
    assert live(proc, "net.ipv6.conf.all.forwarding") == "0"
    assert not os.path.exists(a["path"])


def test_value_the_kernel_does_not_keep_is_rolled_back(run_module, proc, tmp_path, monkeypatch):
    # A kernel that silently clamps accept_ra to 1: read-back differs from what was written.
    real_write = sysctl_settings.write_value

    def clamping_write(path, value):
        real_write(path, "1" if path.endswith("default/accept_ra") else value)

    monkeypatch.setattr(sysctl_settings, "write_value", clamping_write)
    a = args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1, "net.ipv6.conf.default.accept_ra": 2})
    result = run_module(sysctl_settings.main, a)
    assert result["failed"]
    assert "the kernel did not take net.ipv6.conf.default.accept_ra = 2; it reads 1" in result["msg"]
    assert live(proc, "net.ipv6.conf.all.forwarding") == "0"  # restored
    assert not os.path.exists(a["path"])


def test_apply_false_only_writes_the_file(run_module, proc, tmp_path):
    a = dict(args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1}), apply=False)
    result = run_module(sysctl_settings.main, a)
    assert result["changed"] and result["live_changes"] == {}
    assert live(proc, "net.ipv6.conf.all.forwarding") == "0"
    assert os.path.exists(a["path"])


def test_vlan_interface_key_in_slash_form(run_module, proc, tmp_path):
    # eth0.100 holds a dot: the key is given with slashes and must reach net/ipv6/conf/eth0.100/forwarding.
    key = "net/ipv6/conf/eth0.100/forwarding"
    a = args(proc, tmp_path, **{key: 1})
    result = run_module(sysctl_settings.main, a)
    assert not result["failed"] and result["changed"], result
    assert result["settings"] == {key: "1"}
    assert result["live_changes"] == {key: {"before": "0", "after": "1"}}
    assert live(proc, key) == "1"
    assert f"{key} = 1" in open(a["path"], encoding="utf-8").read().splitlines()
    assert not run_module(sysctl_settings.main, a)["changed"]


def test_vlan_interface_key_in_dot_form(run_module, proc, tmp_path):
    # sysctl.d(5): after a dot as first separator, a slash stands for a dot in a name.
    key = "net.ipv6.conf.eth0/100.forwarding"
    a = args(proc, tmp_path, **{key: 1})
    result = run_module(sysctl_settings.main, a)
    assert not result["failed"], result
    assert result["live_changes"] == {key: {"before": "0", "after": "1"}}
    assert live(proc, "net/ipv6/conf/eth0.100/forwarding") == "1"
    assert f"{key} = 1" in open(a["path"], encoding="utf-8").read().splitlines()


def test_mode_argument_is_applied_and_reported(run_module, proc, tmp_path):
    a = dict(args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1}), apply=False)
    run_module(sysctl_settings.main, a)
    assert os.stat(a["path"]).st_mode & 0o777 == 0o644
    again = run_module(sysctl_settings.main, dict(a, mode="0600"), diff=True)
    assert again["changed"] and again["file_changed"]
    assert os.stat(a["path"]).st_mode & 0o777 == 0o600
    content, attributes = again["diff"]
    assert content["before"] == content["after"]
    assert attributes["before"]["mode"] == "0644" and attributes["after"]["mode"] == "0600"
    assert not run_module(sysctl_settings.main, dict(a, mode="0600"))["changed"]


def test_mode_change_in_check_mode_changes_nothing(run_module, proc, tmp_path):
    a = dict(args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1}), apply=False)
    run_module(sysctl_settings.main, a)
    result = run_module(sysctl_settings.main, dict(a, mode="0600"), check_mode=True)
    assert result["changed"] and os.stat(a["path"]).st_mode & 0o777 == 0o644


def test_write_failure_is_a_clean_message_and_leaves_no_temporary_file(run_module, proc, tmp_path, monkeypatch):
    a = dict(args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1}), apply=False)
    run_module(sysctl_settings.main, a)
    before = open(a["path"], encoding="utf-8").read()

    def atomic_move(self, src, dest, *rest, **kwargs):
        raise OSError(30, "Read-only file system", dest)

    monkeypatch.setattr(sysctl_settings.AnsibleModule, "atomic_move", atomic_move)
    result = run_module(sysctl_settings.main, dict(a, settings={"net.ipv6.conf.all.forwarding": 0}))
    assert result["failed"]
    assert result["msg"] == f"cannot write {a['path']}: Read-only file system ({a['path']})"
    assert open(a["path"], encoding="utf-8").read() == before
    assert os.listdir(os.path.dirname(a["path"])) == ["90-v6kube.conf"]


def test_unusable_directory_is_a_clean_message(run_module, proc, tmp_path):
    (tmp_path / "sysctl.d").write_text("")  # a file where the directory should be
    result = run_module(sysctl_settings.main, dict(args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1}),
                                                   apply=False))
    assert result["failed"] and result["msg"].startswith(f"cannot write {tmp_path}/sysctl.d/90-v6kube.conf: ")


def test_documentation_parses():
    for text in (sysctl_settings.DOCUMENTATION, sysctl_settings.EXAMPLES, sysctl_settings.RETURN):
        assert yaml.safe_load(text)


def test_return_documentation_matches_the_result(run_module, proc, tmp_path, return_documented):
    a = args(proc, tmp_path, **{"net.ipv6.conf.all.forwarding": 1})
    return_documented(sysctl_settings.RETURN, run_module(sysctl_settings.main, a, diff=True))
    return_documented(sysctl_settings.RETURN, run_module(sysctl_settings.main, a, check_mode=True), "check mode")
    refused = run_module(sysctl_settings.main, args(proc, tmp_path, **{"net.ipv6.conf.all.nope": 1}))
    assert refused["failed"] and refused["invalid"]
    return_documented(sysctl_settings.RETURN, refused, "failure")
