"""netplan_config file handling (the Molecule scenario covers netplan generate and apply on a real host)."""

from __future__ import annotations

import os

import yaml

from ansible_collections.v6kube.cluster.plugins.modules import netplan_config

IFACES = [{"name": "eth0", "addresses": ["2001:db8:1::10/64"], "gateway": "2001:db8:1::1"}]


def args(tmp_path, interfaces=None):
    return {"interfaces": interfaces or IFACES, "path": str(tmp_path / "netplan" / "60-v6kube.yaml"),
            "validate": False}


def test_writes_private_file_and_reports_gateways(run_module, tmp_path):
    a = args(tmp_path)
    result = run_module(netplan_config.main, a, diff=True)
    assert result["changed"] and result["previous"] is None
    assert result["gateways"] == [{"interface": "eth0", "address": "2001:db8:1::1"}]
    assert oct(os.stat(a["path"]).st_mode & 0o777) == "0o600"
    assert "via: \"2001:db8:1::1\"" in result["diff"]["after"]
    assert not run_module(netplan_config.main, a)["changed"]


def test_keeps_the_previous_version(run_module, tmp_path):
    a = args(tmp_path)
    run_module(netplan_config.main, a)
    first = open(a["path"], encoding="utf-8").read()
    b = args(tmp_path, [dict(IFACES[0], addresses=["2001:db8:1::11/64"])])
    result = run_module(netplan_config.main, b)
    assert result["previous"] == a["path"] + ".v6kube-previous"
    assert open(result["previous"], encoding="utf-8").read() == first
    assert "2001:db8:1::11/64" in open(a["path"], encoding="utf-8").read()


def test_check_mode_writes_nothing(run_module, tmp_path):
    a = args(tmp_path)
    result = run_module(netplan_config.main, a, check_mode=True)
    assert result["changed"] and not os.path.exists(a["path"])


def test_bad_input_writes_nothing(run_module, tmp_path):
    a = args(tmp_path, [{"name": "eth0", "addresses": ["2001:db8:1::10/64"], "gateway": "2001:db8:2::1"}])
    result = run_module(netplan_config.main, a)
    assert result["failed"] and "not on-link" in result["msg"]
    assert not os.path.exists(a["path"])


def test_mode_argument_is_applied(run_module, tmp_path):
    a = dict(args(tmp_path), mode="0640")
    result = run_module(netplan_config.main, a)
    assert result["changed"] and os.stat(a["path"]).st_mode & 0o777 == 0o640
    assert not run_module(netplan_config.main, a)["changed"]
    assert run_module(netplan_config.main, args(tmp_path))["changed"]  # back to the default 0600
    assert os.stat(a["path"]).st_mode & 0o777 == 0o600


def test_previous_version_is_private(run_module, tmp_path):
    a = dict(args(tmp_path), mode="0644")
    run_module(netplan_config.main, a)
    run_module(netplan_config.main, dict(args(tmp_path, [dict(IFACES[0], mtu=9000)]), mode="0644"))
    assert os.stat(a["path"] + ".v6kube-previous").st_mode & 0o777 == 0o600


def test_write_failure_is_a_clean_message_and_leaves_no_temporary_file(run_module, tmp_path, monkeypatch):
    a = args(tmp_path)

    def atomic_move(self, src, dest, *rest, **kwargs):
        raise OSError(28, "No space left on device", dest)

    monkeypatch.setattr(netplan_config.AnsibleModule, "atomic_move", atomic_move)
    result = run_module(netplan_config.main, a)
    assert result["failed"] and result["path"] == a["path"]
    assert result["msg"] == f"cannot write {a['path']}: No space left on device ({a['path']})"
    assert os.listdir(os.path.dirname(a["path"])) == []


def test_stage_leaves_the_live_file_alone(run_module, tmp_path):
    a = args(tmp_path)
    run_module(netplan_config.main, a)
    live = open(a["path"], encoding="utf-8").read()
    b = dict(args(tmp_path, [dict(IFACES[0], mtu=9000)]), stage=True)
    result = run_module(netplan_config.main, b, diff=True)
    staged = a["path"] + ".v6kube-staged"
    assert result["changed"] and result["pending"] and result["staged"] == staged
    assert open(a["path"], encoding="utf-8").read() == live
    assert "mtu: 9000" in open(staged, encoding="utf-8").read()
    assert os.stat(staged).st_mode & 0o777 == 0o600
    assert result["diff"]["before"] == live and "mtu: 9000" in result["diff"]["after"]
    assert not os.path.exists(a["path"] + ".v6kube-previous")
    # Staged again unchanged: nothing to write, still pending.
    again = run_module(netplan_config.main, b)
    assert not again["changed"] and again["pending"]


def test_stage_drops_a_stale_staged_file(run_module, tmp_path):
    a = args(tmp_path)
    run_module(netplan_config.main, a)
    run_module(netplan_config.main, dict(args(tmp_path, [dict(IFACES[0], mtu=9000)]), stage=True))
    staged = a["path"] + ".v6kube-staged"
    check = run_module(netplan_config.main, dict(a, stage=True), check_mode=True)
    assert check["changed"] and not check["pending"] and os.path.exists(staged)
    result = run_module(netplan_config.main, dict(a, stage=True))
    assert result["changed"] and not result["pending"] and result["staged"] is None
    assert not os.path.exists(staged)
    assert not run_module(netplan_config.main, dict(a, stage=True))["changed"]


def test_stage_in_check_mode_writes_nothing(run_module, tmp_path):
    a = dict(args(tmp_path), stage=True)
    result = run_module(netplan_config.main, a, check_mode=True)
    assert result["changed"] and result["pending"]
    assert not os.path.exists(os.path.dirname(a["path"])) or os.listdir(os.path.dirname(a["path"])) == []


def test_documentation_parses():
    for text in (netplan_config.DOCUMENTATION, netplan_config.EXAMPLES, netplan_config.RETURN):
        assert yaml.safe_load(text)


def test_return_documentation_matches_the_result(run_module, tmp_path, return_documented):
    a = args(tmp_path)
    return_documented(netplan_config.RETURN, run_module(netplan_config.main, a, check_mode=True), "check mode")
    return_documented(netplan_config.RETURN, run_module(netplan_config.main, a, diff=True))
    return_documented(netplan_config.RETURN, run_module(netplan_config.main, dict(a, stage=True), diff=True))
    bad = args(tmp_path, [{"name": "eth0", "addresses": ["10.0.0.1/24"]}])
    return_documented(netplan_config.RETURN, run_module(netplan_config.main, bad), "failure")


def test_rejected_by_netplan_generate(run_module, tmp_path, monkeypatch):
    # What netplan generate says reaches the operator together with the rendered file.
    monkeypatch.setattr(netplan_config, "netplan_generate", lambda module, path, content: (1, "Error in network "
                                                                                              "definition: bad"))
    a = dict(args(tmp_path), validate=True)
    result = run_module(netplan_config.main, a)
    assert result["failed"]
    assert result["msg"] == "netplan generate rejects the rendered configuration: Error in network definition: bad"
    assert "2001:db8:1::10/64" in result["rendered"]
    assert not os.path.exists(a["path"])


def test_return_documents_the_netplan_generate_failure(run_module, tmp_path, monkeypatch, return_documented):
    monkeypatch.setattr(netplan_config, "netplan_generate", lambda module, path, content: (1, "bad"))
    result = run_module(netplan_config.main, dict(args(tmp_path), validate=True))
    return_documented(netplan_config.RETURN, result, "failure")
