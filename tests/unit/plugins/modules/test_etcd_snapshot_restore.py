"""etcd_snapshot_restore through main(): validation, check mode and error paths. Without an etcd here, nothing
is restored; the Molecule etcd_backup scenario restores real snapshots."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_restore import Verified
from ansible_collections.v6kube.cluster.plugins.modules import etcd_snapshot_restore

CONTENT = b"not really an etcd snapshot"
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture()
def snapshot(tmp_path):
    path = tmp_path / "etcd-snapshot-20261127T031700Z.db"
    path.write_bytes(CONTENT)
    return str(path)


def args(tmp_path, snapshot, **changes):
    values = {"snapshot": snapshot, "data_dir": str(tmp_path / "etcd-restored"), "etcd_version": "3.7",
              "etcdutl": str(tmp_path / "missing" / "etcdutl"), "etcdctl": str(tmp_path / "missing" / "etcdctl")}
    values.update(changes)
    return values


@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_snapshot(run_module, tmp_path, check_mode):
    missing = str(tmp_path / "absent.db")
    result = run_module(etcd_snapshot_restore.main, args(tmp_path, missing, sha256=SHA), check_mode=check_mode)
    assert result["failed"]
    assert result["msg"] == f"snapshot {missing} fails verification: the snapshot {missing} does not exist"


def test_no_checksum_to_compare_with(run_module, tmp_path, snapshot):
    result = run_module(etcd_snapshot_restore.main, args(tmp_path, snapshot))
    assert result["failed"]
    assert result["msg"] == (f"snapshot {snapshot} fails verification: no sha256 to check {snapshot} against: give "
                             "sha256, or keep the .json metadata written with the snapshot next to it")


@pytest.mark.parametrize("from_metadata", [False, True])
def test_damaged_snapshot_is_refused(run_module, tmp_path, snapshot, from_metadata):
    wrong = "0" * 64
    if from_metadata:
        (tmp_path / "etcd-snapshot-20261127T031700Z.json").write_text(json.dumps({"sha256": wrong}))
        a = args(tmp_path, snapshot)
    else:
        a = args(tmp_path, snapshot, sha256=wrong)
    result = run_module(etcd_snapshot_restore.main, a)
    assert result["failed"]
    assert f"{snapshot} has sha256 {SHA}, expected {wrong}: the file is damaged" in result["msg"]
    assert not os.path.exists(a["data_dir"])


def test_unreadable_etcd_version(run_module, tmp_path, snapshot):
    result = run_module(etcd_snapshot_restore.main, args(tmp_path, snapshot, sha256=SHA, etcd_version="latest"))
    assert result["failed"] and result["msg"].endswith("cannot read an etcd version from 'latest'")


@pytest.mark.parametrize(("version", "tool"), [("3.7.0", "etcdutl"), ("v3.4.34", "etcdctl")])
@pytest.mark.parametrize("check_mode", [False, True])
def test_status_tool_of_the_version_is_required(run_module, tmp_path, snapshot, version, tool, check_mode):
    # Check mode verifies too: the checksum matches, then the status tool of that etcd version must run.
    a = args(tmp_path, snapshot, sha256=SHA, etcd_version=version)
    result = run_module(etcd_snapshot_restore.main, a, check_mode=check_mode)
    assert result["failed"]
    assert result["msg"] == (f"snapshot {snapshot} fails verification: {tool} snapshot status: "
                             f"{tmp_path}/missing/{tool} is not installed")
    assert not os.path.exists(a["data_dir"])


def test_failing_status_tool_is_reported(run_module, tmp_path, snapshot):
    a = args(tmp_path, snapshot, sha256=SHA, etcdutl=shutil.which("false"), verify_only=True)
    result = run_module(etcd_snapshot_restore.main, a)
    assert result["failed"] and result["msg"].endswith("false snapshot status failed: exit code 1")


def test_initial_cluster_needs_name_and_peer_urls(run_module, tmp_path, snapshot):
    a = args(tmp_path, snapshot, sha256=SHA, initial_cluster="cp1=https://[2001:db8:1::10]:2380")
    result = run_module(etcd_snapshot_restore.main, a)
    assert result["failed"] and "initial_cluster" in result["msg"]
    assert "name" in result["msg"] and "initial_advertise_peer_urls" in result["msg"]


def test_documentation_parses():
    for text in (etcd_snapshot_restore.DOCUMENTATION, etcd_snapshot_restore.EXAMPLES, etcd_snapshot_restore.RETURN):
        assert yaml.safe_load(text)


def test_return_documentation_matches_the_result_keys(return_documented):
    # A successful run needs etcd; its result is built by Verified.result (plus changed).
    result = dict(Verified(sha256=SHA, status={"revision": 1}).result("/var/lib/etcd-restored"), changed=True)
    return_documented(etcd_snapshot_restore.RETURN, result)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"members": [{"name": "cp1", "peer_url": "https://2001:db8:1::10:2380"}]},
         "members[0] (cp1) peer_url 'https://2001:db8:1::10:2380' has an IPv6 address without brackets; write "
         "https://[2001:db8:1::10]:2380"),
        ({"initial_cluster": "cp1=https://2001:db8:1::10:2380"}, "has an IPv6 address without brackets"),
        ({"members": [{"name": "cp2", "peer_url": "https://[2001:db8:1::20]:2380"}]},
         "member 'cp1' is not in the initial cluster (cp2); add it, or fix its name"),
        ({"members": [{"name": "cp1", "peer_url": "https://[2001:db8:1::11]:2380"}]},
         "member 'cp1' has peer URL https://[2001:db8:1::11]:2380 in the initial cluster but advertises "
         "https://[2001:db8:1::10]:2380"),
    ],
)
def test_wrong_members_are_refused_before_anything_runs(run_module, tmp_path, snapshot, changes, message):
    a = args(tmp_path, snapshot, sha256=SHA, name="cp1", initial_advertise_peer_urls=["https://[2001:db8:1::10]:2380"],
             **changes)
    result = run_module(etcd_snapshot_restore.main, a)
    assert result["failed"]
    assert message in result["msg"]
    assert result["msg"].startswith("the restored cluster's members are wrong: ")
    assert not os.path.exists(a["data_dir"])


def test_members_and_initial_cluster_exclude_each_other(run_module, tmp_path, snapshot):
    a = args(tmp_path, snapshot, sha256=SHA, name="cp1", initial_advertise_peer_urls=["https://[::1]:2380"],
             initial_cluster="cp1=https://[::1]:2380", members=[{"name": "cp1", "peer_url": "https://[::1]:2380"}])
    result = run_module(etcd_snapshot_restore.main, a)
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_members_build_the_initial_cluster(run_module, tmp_path, snapshot, monkeypatch):
    seen = {}

    def fake_restore(argv, tool, data_dir, sha256):
        seen["argv"] = argv

    monkeypatch.setattr(etcd_snapshot_restore, "verify", lambda s, e, t: Verified(sha256=SHA, status={}))
    monkeypatch.setattr(etcd_snapshot_restore, "restore", fake_restore)
    members = [{"name": "cp1", "peer_url": "https://[2001:db8:1::10]:2380"},
               {"name": "cp2", "peer_url": "https://[2001:db8:1::20]:2380"}]
    a = args(tmp_path, snapshot, sha256=SHA, name="cp1", members=members,
             initial_advertise_peer_urls=["https://[2001:db8:1::10]:2380"])
    result = run_module(etcd_snapshot_restore.main, a)
    assert result["changed"] and not result["failed"]
    argv = seen["argv"]
    assert argv[argv.index("--initial-cluster") + 1] == (
        "cp1=https://[2001:db8:1::10]:2380,cp2=https://[2001:db8:1::20]:2380")
