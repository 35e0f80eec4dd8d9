from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import (
    BackupError,
    config_from,
    list_snapshots,
    minor_version,
    probe,
    prune,
    sha256_file,
    status_tool,
)

NOW = datetime.datetime(2026, 11, 27, 12, 0, 0, tzinfo=datetime.timezone.utc)


def make(tmp_path, days_ago, verified=True, prefix="etcd-snapshot"):
    when = NOW - datetime.timedelta(days=days_ago)
    name = f"{prefix}-{when.strftime('%Y%m%dT%H%M%SZ')}.db"
    (tmp_path / name).write_bytes(b"snapshot")
    if verified:
        (tmp_path / (name[:-3] + ".json")).write_text(json.dumps({"sha256": "x"}))
    return str(tmp_path / name)


def cfg(tmp_path, **changes):
    values = {"endpoint": "https://[2001:db8:1::10]:2379", "backup_dir": str(tmp_path)}
    values.update(changes)
    return config_from(values)


def test_config_defaults_follow_kubeadm(tmp_path):
    c = cfg(tmp_path)
    assert c["cacert"] == "/etc/kubernetes/pki/etcd/ca.crt" and c["keep_count"] == 7 and c["verify_restore"]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"endpoint": "http://[2001:db8:1::10]:2379"}, r"endpoint must be an https:// client URL"),
        ({"keep_count": 0}, r"keep_count must be at least 1"),
        ({"typo": 1}, r"unknown setting\(s\): typo"),
    ],
)
def test_config_rejects(tmp_path, changes, match):
    with pytest.raises(BackupError, match=match):
        cfg(tmp_path, **changes)


def test_retention_by_count(tmp_path):
    paths = [make(tmp_path, days) for days in (5, 4, 3, 2, 1)]
    removed = prune(cfg(tmp_path, keep_count=3), NOW)
    assert removed == paths[:2]
    assert [s["path"] for s in list_snapshots(cfg(tmp_path))] == paths[2:]
    assert not (tmp_path / (paths[0].rsplit("/", 1)[1][:-3] + ".json")).exists()


def test_retention_by_age_keeps_the_newest_verified(tmp_path):
    old = [make(tmp_path, days) for days in (40, 30, 20)]
    removed = prune(cfg(tmp_path, keep_count=7, keep_days=14), NOW)
    assert removed == old[:2]  # the newest verified one stays although it is older than 14 days
    assert [s["path"] for s in list_snapshots(cfg(tmp_path))] == [old[2]]


def test_unverified_snapshots_never_count(tmp_path):
    good = make(tmp_path, 3)
    bad = make(tmp_path, 1, verified=False)
    assert prune(cfg(tmp_path, keep_count=1), NOW) == [bad]
    assert [s["path"] for s in list_snapshots(cfg(tmp_path))] == [good]


def test_other_prefixes_are_left_alone(tmp_path):
    make(tmp_path, 30, prefix="other")
    make(tmp_path, 1)
    assert prune(cfg(tmp_path, keep_count=1, keep_days=1), NOW) == []
    assert len(list(tmp_path.iterdir())) == 4


@pytest.mark.parametrize(("text", "tool"), [("3.4.23", "etcdctl"), ("3.5.21", "etcdutl"), ("v3.7.0", "etcdutl")])
def test_status_tool_by_version(tmp_path, text, tool):
    assert status_tool(cfg(tmp_path), minor_version(text)) == tool


def test_sha256(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert sha256_file(str(tmp_path / "f")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_probe_names_missing_pki(tmp_path):
    with pytest.raises(BackupError, match=r"the CA certificate /nonexistent/ca.crt does not exist"):
        probe(cfg(tmp_path, cacert="/nonexistent/ca.crt"))


def test_probe_names_a_closed_port(tmp_path):
    for name in ("ca.crt", "c.crt", "c.key"):
        (tmp_path / name).write_text("x")
    c = cfg(tmp_path, endpoint="https://[::1]:1", cacert=str(tmp_path / "ca.crt"), cert=str(tmp_path / "c.crt"),
            key=str(tmp_path / "c.key"), dial_timeout=2)
    with pytest.raises(BackupError, match=r"cannot reach etcd at https://\[::1\]:1: Connection refused"):
        probe(c)


def test_metadata_write_is_atomic_and_cleans_up(tmp_path):
    from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import _write_json

    target = tmp_path / "etcd-snapshot-20261127T120000Z.json"
    _write_json(str(target), {"sha256": "ab"})
    assert json.loads(target.read_text()) == {"sha256": "ab"}
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(TypeError):
        _write_json(str(target), {"sha256": object()})  # not serialisable: fails half-way through the dump
    assert json.loads(target.read_text()) == {"sha256": "ab"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_snapshot_names_must_match_whole(tmp_path):
    good = make(tmp_path, 1)
    (tmp_path / (good.rsplit("/", 1)[1] + "\n")).write_bytes(b"not a snapshot")
    assert [s["path"] for s in list_snapshots(cfg(tmp_path))] == [good]
