from __future__ import annotations

import datetime
import fcntl
import json
import os

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


# ------------------------------------------------------------------ taking a snapshot: order and lock
from ansible_collections.v6kube.cluster.plugins.module_utils import _etcd_backup as core  # noqa: E402


@pytest.fixture()
def fake_tools(monkeypatch):
    """etcdctl snapshot save writes a file; status and the trial restore pass: enough for _take and backup."""

    def run_tool(argv, what, timeout):
        if argv[1:3] == ["snapshot", "save"]:
            with open(argv[3], "wb") as handle:
                handle.write(b"snapshot data")
        return ""

    monkeypatch.setattr(core, "run_tool", run_tool)
    monkeypatch.setattr(core, "snapshot_status",
                        lambda path, tool, timeout=600: {"revision": 5, "totalKey": 3, "hash": 1, "totalSize": 13})
    monkeypatch.setattr(core, "probe", lambda cfg: {"etcdserver": "3.7.0", "etcdcluster": "3.7.0"})


@pytest.mark.parametrize(
    ("snapshot", "meta"),
    [("/b/etcd-snapshot-20261127T031700Z.db", "/b/etcd-snapshot-20261127T031700Z.json"), ("/b/snap", "/b/snap.json")],
)
def test_metadata_path(snapshot, meta):
    assert core.metadata_path(snapshot) == meta


def test_a_prune_between_the_renames_keeps_the_new_snapshot(tmp_path, monkeypatch, fake_tools):
    # Another backup's retention (the timer and an on-demand run) may look at the directory at any moment: the
    # new snapshot must never be visible without the metadata that makes it count as verified.
    real_rename = os.rename
    pruned = []

    def rename_then_prune(src, dest):
        real_rename(src, dest)
        pruned.extend(prune(cfg(tmp_path, keep_count=1), NOW))

    monkeypatch.setattr(core.os, "rename", rename_then_prune)
    result = core._take(cfg(tmp_path, verify_restore=False), NOW, "etcdutl", {"etcdserver": "3.7.0"})
    monkeypatch.setattr(core.os, "rename", real_rename)
    assert pruned == []
    assert os.path.isfile(result["path"]) and os.path.isfile(result["metadata"])
    assert [s["path"] for s in list_snapshots(cfg(tmp_path)) if s["verified"]] == [result["path"]]


def test_a_failed_snapshot_rename_leaves_no_orphan_metadata(tmp_path, monkeypatch, fake_tools):
    real_rename = os.rename

    def fail_on_the_snapshot(src, dest):
        if dest.endswith(".db"):
            raise OSError(28, "No space left on device")
        real_rename(src, dest)

    monkeypatch.setattr(core.os, "rename", fail_on_the_snapshot)
    with pytest.raises(OSError, match="No space left"):
        core._take(cfg(tmp_path, verify_restore=False), NOW, "etcdutl", {"etcdserver": "3.7.0"})
    monkeypatch.setattr(core.os, "rename", real_rename)
    assert list(tmp_path.iterdir()) == []


def test_retention_runs_under_the_backup_lock(tmp_path, monkeypatch, fake_tools):
    seen = []

    def prune_checking_the_lock(config, now):
        with open(tmp_path / ".lock", "w", encoding="utf-8") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                seen.append("locked")
            else:
                seen.append("free")
        return []

    monkeypatch.setattr(core, "prune", prune_checking_the_lock)
    result = core.backup(cfg(tmp_path, verify_restore=False), NOW)
    assert seen == ["locked"]
    assert result["removed"] == [] and os.path.isfile(result["path"])


def test_backup_prunes_older_snapshots(tmp_path, fake_tools):
    old = [make(tmp_path, days) for days in (3, 2)]
    result = core.backup(cfg(tmp_path, verify_restore=False, keep_count=2), NOW)
    assert result["removed"] == old[:1]
    assert [s["path"] for s in list_snapshots(cfg(tmp_path))] == [old[1], result["path"]]


# ------------------------------------------------------------------ the copy on a backup host
def test_remote_commands_are_quoted_and_private(tmp_path, monkeypatch):
    calls = []
    snapshot = tmp_path / "etcd-snapshot-20261127T120000Z.db"
    snapshot.write_bytes(b"x")
    (tmp_path / "etcd-snapshot-20261127T120000Z.json").write_text("{}")

    def run_tool(argv, what, timeout):
        calls.append(argv)
        return "abc  file\n" if "sha256sum" in argv[-1] else ""

    monkeypatch.setattr(core, "run_tool", run_tool)
    c = cfg(tmp_path, remote={"host": "2001:db8:9::5", "user": "backup", "path": "/srv/etcd backups/cp1; rm -rf x/"})
    copied = core.copy_remote(c, str(snapshot), "abc")
    assert copied == "2001:db8:9::5:/srv/etcd backups/cp1; rm -rf x/etcd-snapshot-20261127T120000Z.db"
    remote_lines = [argv[-1] for argv in calls if argv[0] == "ssh"]
    assert remote_lines[0] == "umask 077 && mkdir -p -m 0700 -- '/srv/etcd backups/cp1; rm -rf x'"
    assert all(line.startswith("umask 077 && ") for line in remote_lines)
    assert "mv -f -- '/srv/etcd backups/cp1; rm -rf x/.inprogress-etcd-snapshot-20261127T120000Z.db'" \
        in remote_lines[-1]
    scp_metadata = [argv for argv in calls if argv[0] == "scp"][1]
    assert scp_metadata[-2:] == [str(tmp_path / "etcd-snapshot-20261127T120000Z.json"),
                                 "backup@[2001:db8:9::5]:/srv/etcd backups/cp1; rm -rf x/"
                                 "etcd-snapshot-20261127T120000Z.json"]


def test_a_bad_remote_copy_is_removed(tmp_path, monkeypatch):
    calls = []
    snapshot = tmp_path / "etcd-snapshot-20261127T120000Z.db"
    snapshot.write_bytes(b"x")

    def run_tool(argv, what, timeout):
        calls.append(argv)
        return "bad  file\n" if "sha256sum" in argv[-1] else ""

    monkeypatch.setattr(core, "run_tool", run_tool)
    c = cfg(tmp_path, remote={"host": "backup.example", "path": "/srv/etcd"})
    with pytest.raises(BackupError, match="has sha256 bad, expected abc"):
        core.copy_remote(c, str(snapshot), "abc")
    assert calls[-1][-1] == "umask 077 && rm -f -- /srv/etcd/.inprogress-etcd-snapshot-20261127T120000Z.db"
