"""State after etcd_backup and etcd_restore on real etcd: permissions, metadata, copies, schedule, restored data."""

from __future__ import annotations

import json

import pytest

MEMBERS = ("v6k-etcd-1", "v6k-etcd-2", "v6k-etcd-3")
ETCD_HOSTS = MEMBERS + ("v6k-etcd-34",)


def snapshots(host):
    out = host.check_output("ls -1 /var/backups/etcd")
    return sorted(name for name in out.split() if name.startswith("etcd-snapshot-") and name.endswith(".db"))


@pytest.fixture()
def etcd_host(host, host_name):
    if host_name not in ETCD_HOSTS:
        pytest.skip("not an etcd host")
    return host


def test_backup_dir_and_snapshots_are_private(etcd_host):
    directory = etcd_host.file("/var/backups/etcd")
    assert directory.mode == 0o700 and directory.user == "root"
    names = snapshots(etcd_host)
    assert names
    for name in names:
        for path in (f"/var/backups/etcd/{name}", f"/var/backups/etcd/{name[:-3]}.json"):
            f = etcd_host.file(path)
            assert f.mode == 0o600 and f.user == "root", path


def test_metadata_matches_the_snapshot(etcd_host):
    for name in snapshots(etcd_host):
        meta = json.loads(etcd_host.file(f"/var/backups/etcd/{name[:-3]}.json").content_string)
        assert meta["snapshot"] == name
        assert meta["sha256"] == etcd_host.check_output(f"sha256sum /var/backups/etcd/{name}").split()[0]
        assert meta["size"] == etcd_host.file(f"/var/backups/etcd/{name}").size
        assert meta["revision"] > 0 and meta["total_keys"] >= 50 and isinstance(meta["hash"], int)
        assert meta["endpoint"].startswith("https://[fd00:40::")


def test_status_tool_matches_the_version(etcd_host, host_name):
    meta = json.loads(etcd_host.file(f"/var/backups/etcd/{snapshots(etcd_host)[-1][:-3]}.json").content_string)
    if host_name == "v6k-etcd-34":
        assert meta["etcd_server_version"].startswith("3.4.")
        assert meta["verified_with"] == "etcdctl status + restore"
        assert not etcd_host.file("/usr/local/bin/etcdutl").exists
    else:
        assert meta["etcd_server_version"] == "3.7.0"
        assert meta["verified_with"] == "etcdutl status + restore"
        assert "etcdutl version: 3.7.0" in etcd_host.check_output("/usr/local/bin/etcdutl version")


def test_no_partial_files(etcd_host):
    assert snapshots(etcd_host)  # the directory is there and holds the finished snapshots
    places = ["/var/backups/etcd"] + (["/srv"] if etcd_host.file("/srv").is_directory else [])
    assert etcd_host.check_output(f"find {' '.join(places)} -name '.inprogress-*'") == ""


def test_schedule(etcd_host, host_name):
    if host_name == "v6k-etcd-34":
        cron = etcd_host.file("/etc/cron.d/v6kube-etcd-backup").content_string
        assert "17 3 * * * root /usr/bin/python3 /usr/local/lib/v6kube/etcd_backup.py" in cron
    else:
        assert etcd_host.service("v6kube-etcd-backup.timer").is_enabled
        assert etcd_host.service("v6kube-etcd-backup.timer").is_running
        timer = etcd_host.file("/etc/systemd/system/v6kube-etcd-backup.timer").content_string
        assert "OnCalendar=*-*-* 03:17:00" in timer and "Persistent=true" in timer


def test_settings_file_is_private(etcd_host):
    f = etcd_host.file("/etc/v6kube/etcd-backup.json")
    assert f.mode == 0o600
    assert json.loads(f.content_string)["endpoint"].startswith("https://[fd00:40::")


def test_copies_on_the_backup_host_are_checked(host, host_name):
    if host_name != "v6k-etcd-store":
        pytest.skip("the backup host")
    for member in MEMBERS:
        out = host.check_output(f"ls -1 /srv/etcd-backups/{member}")
        dbs = [n for n in out.split() if n.endswith(".db")]
        assert dbs, member
        for name in dbs:
            meta = json.loads(host.file(f"/srv/etcd-backups/{member}/{name[:-3]}.json").content_string)
            actual = host.check_output(f"sha256sum /srv/etcd-backups/{member}/{name}").split()[0]
            assert actual == meta["sha256"]
        assert ".inprogress-" not in out


def test_restored_cluster_runs_on_new_data_dir(host, host_name):
    if host_name not in MEMBERS:
        pytest.skip("3.7 cluster member")
    env = host.file("/etc/default/etcd").content_string
    data_dir = [line.split("=", 1)[1] for line in env.splitlines() if line.startswith("ETCD_DATA_DIR=")][0]
    assert data_dir.startswith("/var/lib/etcd-restored-")
    assert host.file(data_dir).mode == 0o700
    assert host.file("/var/lib/etcd/member").is_directory  # the previous data is kept
    assert host.service("etcd").is_running
