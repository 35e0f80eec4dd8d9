from __future__ import annotations

import base64
import os

import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._apiserver_files import encryption_config
from ansible_collections.v6kube.cluster.plugins.modules import apiserver_files


def settings(tmp_path):
    return {"dir": str(tmp_path / "apiserver"), "audit_log_dir": str(tmp_path / "audit")}


def test_first_control_plane_files_are_private_the_key_never_shown_and_a_rerun_changes_nothing(
        run_module, tmp_path, return_documented):
    result = run_module(apiserver_files.main, {"settings": settings(tmp_path)}, diff=True)
    assert not result["failed"] and result["changed"]
    directory = tmp_path / "apiserver"
    assert sorted(os.listdir(directory)) == ["admission.yaml", "audit-policy.yaml", "encryption.yaml"]
    assert directory.stat().st_mode & 0o777 == 0o700
    assert {(directory / n).stat().st_mode & 0o777 for n in os.listdir(directory)} == {0o600}
    secret = yaml.safe_load((directory / "encryption.yaml").read_text())["resources"][0]["providers"][0]
    key = secret["secretbox"]["keys"][0]["secret"]
    assert len(base64.b64decode(key)) == 32
    assert key not in repr(result) and result["key_names"] == [secret["secretbox"]["keys"][0]["name"]]
    return_documented(apiserver_files.RETURN, result)
    again = run_module(apiserver_files.main, {"settings": settings(tmp_path)})
    assert again["changed"] is False and again["key_names"] == result["key_names"]
    assert yaml.safe_load((directory / "encryption.yaml").read_text())["resources"][0]["providers"][0] == secret


def test_check_mode_writes_nothing(run_module, tmp_path):
    result = run_module(apiserver_files.main, {"settings": settings(tmp_path)}, check_mode=True)
    assert result["changed"] and len(result["written"]) == 3 and not (tmp_path / "apiserver").exists()


def test_a_loose_mode_is_fixed(run_module, tmp_path):
    run_module(apiserver_files.main, {"settings": settings(tmp_path)})
    os.chmod(tmp_path / "apiserver" / "encryption.yaml", 0o644)
    result = run_module(apiserver_files.main, {"settings": settings(tmp_path)})
    assert result["changed"] and result["modes"] == [str(tmp_path / "apiserver" / "encryption.yaml")]
    assert (tmp_path / "apiserver" / "encryption.yaml").stat().st_mode & 0o777 == 0o600


def test_a_joining_control_plane_without_the_running_key_fails_and_writes_nothing(run_module, tmp_path):
    path = str(tmp_path / "apiserver" / "encryption.yaml")
    cluster = {"encryption": path, "audit_policy": None, "admission": None}
    result = run_module(apiserver_files.main, {"settings": settings(tmp_path), "cluster_files": cluster})
    assert result["failed"] and "cannot join without the cluster's keys" in result["msg"]
    assert not (tmp_path / "apiserver").exists()
    running = encryption_config([("v6kube-1", base64.b64encode(b"x" * 32).decode())])
    joined = run_module(apiserver_files.main, {"settings": settings(tmp_path), "cluster_files": cluster,
                                               "encryption_config": running}, diff=True)
    assert joined["changed"] and joined["written"] == [path] and joined["key_names"] == ["v6kube-1"]
    assert joined["created"] == [path]
    assert (tmp_path / "apiserver" / "encryption.yaml").read_text() == running
    assert "eHh4" not in repr(joined) and joined["diff"][0]["after"] == "# keys: v6kube-1\n"


def test_a_broken_existing_key_file_is_reported_and_kept(run_module, tmp_path):
    (tmp_path / "apiserver").mkdir()
    (tmp_path / "apiserver" / "encryption.yaml").write_text("kind: Policy\n")
    result = run_module(apiserver_files.main, {"settings": settings(tmp_path)})
    assert result["failed"] and "encryption.yaml is not an EncryptionConfiguration" in result["msg"]
    assert (tmp_path / "apiserver" / "encryption.yaml").read_text() == "kind: Policy\n"


def test_bad_settings_name_the_key(run_module, tmp_path):
    result = run_module(apiserver_files.main, {"settings": {"pod_security": {"enforce": "strict"}}})
    assert result["failed"] and "pod_security.enforce" in result["msg"]


def test_a_rerun_that_changes_a_policy_reports_it_written_not_created(run_module, tmp_path):
    first = run_module(apiserver_files.main, {"settings": settings(tmp_path)})
    assert len(first["created"]) == 3
    changed = run_module(apiserver_files.main, {"settings": dict(settings(tmp_path), audit_log_max_age=7,
                                                                 pod_security={"enforce": "restricted"})})
    assert changed["written"] == [str(tmp_path / "apiserver" / "admission.yaml")] and changed["created"] == []


def test_a_different_key_file_on_a_joining_control_plane_is_refused_and_kept(run_module, tmp_path):
    run_module(apiserver_files.main, {"settings": settings(tmp_path)})
    path = tmp_path / "apiserver" / "encryption.yaml"
    before = path.read_text()
    running = encryption_config([("v6kube-1", base64.b64encode(b"x" * 32).decode())])
    result = run_module(apiserver_files.main, {
        "settings": settings(tmp_path), "cluster_files": {"encryption": str(path)}, "encryption_config": running})
    assert result["failed"] and "not the cluster's (v6kube-1)" in result["msg"] and "eHh4" not in result["msg"]
    assert path.read_text() == before
