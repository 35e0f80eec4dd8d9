"""The restore core without an etcd: checksums, the data directory's state, the command line, and every way a
restore fails (the Molecule etcd_backup scenario restores real snapshots)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_backup import BackupError
from ansible_collections.v6kube.cluster.plugins.module_utils._etcd_restore import (
    MARKER,
    NO_BUMP_WARNING,
    ClusterError,
    DataDirState,
    ManifestError,
    Member,
    Verified,
    check_member,
    data_dir_state,
    expected_sha256,
    initial_cluster,
    manifest_data_dir,
    metadata_path,
    occupied_message,
    parse_initial_cluster,
    restore,
    restore_argv,
    tool_for,
    set_manifest_data_dir,
    verify,
    work_dir,
)

CONTENT = b"not really an etcd snapshot"
SHA = hashlib.sha256(CONTENT).hexdigest()
MEMBER = Member(name="cp1", initial_cluster="cp1=https://[2001:db8:1::10]:2380,cp2=https://[2001:db8:1::20]:2380",
                initial_cluster_token="tok", initial_advertise_peer_urls=("https://[2001:db8:1::10]:2380",))


@pytest.fixture()
def snapshot(tmp_path):
    path = tmp_path / "etcd-snapshot-20261127T031700Z.db"
    path.write_bytes(CONTENT)
    return str(path)


@pytest.mark.parametrize(
    ("snapshot_name", "meta"),
    [("etcd-snapshot-20261127T031700Z.db", "etcd-snapshot-20261127T031700Z.json"), ("snap", "snap.json")],
)
def test_metadata_path(snapshot_name, meta):
    assert metadata_path(f"/b/{snapshot_name}") == f"/b/{meta}"


def test_expected_sha256_given_wins_and_is_lowercased(snapshot):
    assert expected_sha256(snapshot, SHA.upper()) == SHA


def test_expected_sha256_from_the_metadata(snapshot):
    with open(metadata_path(snapshot), "w", encoding="utf-8") as handle:
        json.dump({"sha256": SHA.upper()}, handle)
    assert expected_sha256(snapshot, None) == SHA
    assert expected_sha256(snapshot, "") == SHA


@pytest.mark.parametrize("meta", [None, "not json", "[1, 2]", '{"sha256": ""}', '{"sha256": 5}', "{}"])
def test_expected_sha256_missing(snapshot, meta):
    if meta is not None:
        with open(metadata_path(snapshot), "w", encoding="utf-8") as handle:
            handle.write(meta)
    with pytest.raises(BackupError, match=rf"^no sha256 to check {snapshot} against: give sha256, or keep the "
                                          r"\.json metadata"):
        expected_sha256(snapshot, None)


def test_verify_missing_snapshot(tmp_path):
    with pytest.raises(BackupError, match=r"^the snapshot .*/absent.db does not exist$"):
        verify(str(tmp_path / "absent.db"), SHA, "etcdutl")


def test_verify_wrong_checksum_names_both(snapshot):
    with pytest.raises(BackupError, match=rf"has sha256 {SHA}, expected {'0' * 64}: the file is damaged"):
        verify(snapshot, "0" * 64, "etcdutl")


def test_verify_needs_the_status_tool(snapshot, tmp_path):
    with pytest.raises(BackupError, match=rf"^etcdutl snapshot status: {tmp_path}/etcdutl is not installed$"):
        verify(snapshot, SHA, str(tmp_path / "etcdutl"))


def test_verify_reports_a_failing_status_tool(snapshot):
    false = shutil.which("false")
    with pytest.raises(BackupError, match=r"^false snapshot status failed: exit code 1$"):
        verify(snapshot, SHA, false)


@pytest.mark.parametrize(("version", "tool"), [((3, 4), "/ctl"), ((3, 5), "/utl"), ((3, 7), "/utl"), ((4, 0), "/utl")])
def test_tool_for(version, tool):
    assert tool_for(version, "/utl", "/ctl") == tool


def test_data_dir_state(tmp_path):
    data = tmp_path / "etcd-restored"
    assert data_dir_state(str(data), SHA) is DataDirState.ABSENT
    data.mkdir()
    assert data_dir_state(str(data), SHA) is DataDirState.OCCUPIED  # e.g. the live data directory
    (data / MARKER).write_text("0" * 64 + "\n")
    assert data_dir_state(str(data), SHA) is DataDirState.OCCUPIED  # a restore of another snapshot
    (data / MARKER).write_text(SHA + "\n")
    assert data_dir_state(str(data), SHA) is DataDirState.RESTORED


def test_occupied_message_names_the_fix():
    assert occupied_message("/var/lib/etcd", "/s.db") == (
        "/var/lib/etcd exists and is not a restore of /s.db; choose a new data directory (the current one is "
        "never overwritten)")


def test_work_dir_is_next_to_the_data_dir():
    assert work_dir("/var/lib/etcd-restored-abc") == "/var/lib/.inprogress-etcd-restored-abc"
    assert work_dir("data") == "/.inprogress-data"


def test_restore_argv_for_a_member_with_revision_bump():
    argv, warnings = restore_argv("/usr/local/bin/etcdutl", "/s.db", "/w", (3, 7), MEMBER, 1000000000)
    assert argv == ["/usr/local/bin/etcdutl", "snapshot", "restore", "/s.db", "--data-dir", "/w",
                    "--name", "cp1", "--initial-cluster", MEMBER.initial_cluster, "--initial-cluster-token", "tok",
                    "--initial-advertise-peer-urls", "https://[2001:db8:1::10]:2380",
                    "--bump-revision", "1000000000", "--mark-compacted"]
    assert warnings == []


def test_restore_argv_etcd_34_cannot_bump():
    argv, warnings = restore_argv("etcdctl", "/s.db", "/w", (3, 4), Member(), 5)
    assert argv == ["etcdctl", "snapshot", "restore", "/s.db", "--data-dir", "/w"]
    assert warnings == [NO_BUMP_WARNING]


def test_restore_argv_without_bump():
    argv, warnings = restore_argv("etcdutl", "/s.db", "/w", (3, 6), Member(name="cp1"), 0)
    assert argv[-2:] == ["--name", "cp1"] and warnings == []


def test_restore_with_a_missing_tool_leaves_nothing(snapshot, tmp_path):
    data = str(tmp_path / "etcd-restored")
    stale = work_dir(data)
    os.makedirs(os.path.join(stale, "member"))  # left by an interrupted earlier run
    tool = str(tmp_path / "etcdutl")
    argv = restore_argv(tool, snapshot, work_dir(data), (3, 7), MEMBER, 1)[0]
    with pytest.raises(BackupError, match=r"^etcdutl snapshot restore: .* is not installed$"):
        restore(argv, tool, data, SHA)
    assert not os.path.exists(data) and not os.path.exists(stale)


def test_restore_that_writes_no_data_is_not_trusted(snapshot, tmp_path):
    # A tool that exits 0 without restoring anything must not yield a marked data directory.
    data = str(tmp_path / "etcd-restored")
    tool = shutil.which("true")
    argv = restore_argv(tool, snapshot, work_dir(data), (3, 7), MEMBER, 1)[0]
    with pytest.raises(BackupError, match=r"reported success but wrote no .*/\.inprogress-etcd-restored$"):
        restore(argv, tool, data, SHA)
    assert not os.path.exists(data) and not os.path.exists(work_dir(data))


def test_restore_failure_of_the_tool_is_reported(snapshot, tmp_path):
    data = str(tmp_path / "etcd-restored")
    tool = shutil.which("false")
    argv = restore_argv(tool, snapshot, work_dir(data), (3, 7), MEMBER, 1)[0]
    with pytest.raises(BackupError, match=r"^false snapshot restore failed: exit code 1$"):
        restore(argv, tool, data, SHA)
    assert not os.path.exists(data)


def test_verified_result_keys():
    assert Verified(sha256=SHA, status={"revision": 1}).result("/d") == {
        "status": {"revision": 1}, "sha256": SHA, "data_dir": "/d"}


# ------------------------------------------------------------------ the initial cluster
MEMBERS = [{"name": "cp1", "peer_url": "https://[2001:db8:1::10]:2380"},
           {"name": "cp2", "peer_url": "https://[2001:db8:1::20]:2380"},
           {"name": "etcd.example", "peer_url": "https://etcd3.example:2380"}]


def test_initial_cluster_from_members():
    assert initial_cluster(MEMBERS) == ("cp1=https://[2001:db8:1::10]:2380,cp2=https://[2001:db8:1::20]:2380,"
                                        "etcd.example=https://etcd3.example:2380")


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ([], r"^the initial cluster has no members$"),
        ([{"name": "cp1", "peer_url": "https://2001:db8:1::10:2380"}],
         r"^members\[0\] \(cp1\) peer_url 'https://2001:db8:1::10:2380' has an IPv6 address without brackets; "
         r"write https://\[2001:db8:1::10\]:2380$"),
        ([{"name": "cp1", "peer_url": "https://[2001:db8:1::10]"}], r"has no port \(etcd's peer port is 2380\)$"),
        ([{"name": "cp1", "peer_url": "tcp://[2001:db8:1::10]:2380"}], r"must start with https://"),
        ([{"name": "cp1", "peer_url": "https://[2001:db8:1::10]:2380/x"}], r"must be scheme://host:port"),
        ([{"name": "cp1", "peer_url": "https://[2001:db8:1::10]:2380,cp9=https://[::1]:2380"}],
         r"holds a comma or a space"),
        ([{"name": "cp1", "peer_url": ""}], r"peer_url '' is empty$"),
        ([{"name": "cp=1", "peer_url": "https://[::1]:2380"}], r"^members\[0\] name 'cp=1' must be non-empty"),
        ([{"name": "", "peer_url": "https://[::1]:2380"}], r"^members\[0\] name '' must be non-empty"),
        (MEMBERS[:2] + [{"name": "cp1", "peer_url": "https://[2001:db8:1::30]:2380"}],
         r"^members\[2\] name 'cp1' is also members\[0\]'s; names must be unique$"),
        (["cp1=https://[::1]:2380"], r"members\[0\] must be a mapping with name and peer_url"),
    ],
)
def test_initial_cluster_rejects(members, match):
    with pytest.raises(ClusterError, match=match):
        initial_cluster(members)


def test_initial_cluster_lists_every_problem():
    with pytest.raises(ClusterError, match=r"members\[0\] .*; members\[1\] "):
        initial_cluster([{"name": "a b", "peer_url": "https://[::1]:2380"},
                         {"name": "cp2", "peer_url": "https://::2:2380"}])


def test_parse_initial_cluster_round_trip():
    assert parse_initial_cluster(initial_cluster(MEMBERS)) == MEMBERS


@pytest.mark.parametrize(("text", "match"), [("cp1", r"entry 0 'cp1' is not name=peer_url"),
                                             ("cp1=https://[::1]:2380,", r"entry 1 '' is not name=peer_url"),
                                             ("cp1=https://::1:2380", r"without brackets")])
def test_parse_initial_cluster_rejects(text, match):
    with pytest.raises(ClusterError, match=match):
        parse_initial_cluster(text)


def test_check_member():
    check_member(MEMBERS, "cp2", ["https://[2001:db8:1::20]:2380"])
    with pytest.raises(ClusterError, match=r"^member 'cp4' is not in the initial cluster \(cp1, cp2, etcd.example\)"):
        check_member(MEMBERS, "cp4", ["https://[2001:db8:1::40]:2380"])
    with pytest.raises(ClusterError, match=r"member 'cp2' has peer URL https://\[2001:db8:1::20\]:2380 in the "
                                           r"initial cluster but advertises https://\[2001:db8:1::10\]:2380"):
        check_member(MEMBERS, "cp2", ["https://[2001:db8:1::10]:2380"])
    with pytest.raises(ClusterError, match=r"initial_advertise_peer_urls 'https://2001:db8:1::20:2380' has an IPv6"):
        check_member(MEMBERS, "cp2", ["https://2001:db8:1::20:2380"])


# ------------------------------------------------------------------ the etcd static pod manifest
KUBEADM_ETCD = """apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://[2001:db8:1::10]:2379
  name: etcd
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://[2001:db8:1::10]:2379
    - --data-dir=/var/lib/etcd
    - --name=cp1
    - --snapshot-count=10000
    image: registry.k8s.io/etcd:3.7.0-0
    name: etcd
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
"""
NEW = "/var/lib/etcd-restored-16a0eeb0791b"


def test_manifest_data_dir():
    assert manifest_data_dir(KUBEADM_ETCD) == "/var/lib/etcd"
    assert manifest_data_dir("    - '--data-dir=/d'\n") == "/d"


@pytest.mark.parametrize(("text", "match"), [
    (KUBEADM_ETCD.replace("    - --data-dir=/var/lib/etcd\n", ""), r"^/m/etcd.yaml has no '- --data-dir=...' command"),
    (KUBEADM_ETCD.replace("    - --name=cp1", "    - --data-dir=/other"), r"has 2 '- --data-dir=...' command line"),
])
def test_manifest_data_dir_needs_exactly_one_flag(text, match):
    with pytest.raises(ManifestError, match=match):
        manifest_data_dir(text, "/m/etcd.yaml")


def test_set_manifest_data_dir_moves_flag_mount_and_host_path():
    text, old = set_manifest_data_dir(KUBEADM_ETCD, NEW)
    assert old == "/var/lib/etcd"
    assert text == KUBEADM_ETCD.replace("/var/lib/etcd\n", NEW + "\n")
    assert text.count(NEW) == 3 and "path: /etc/kubernetes/pki/etcd" in text
    assert set_manifest_data_dir(text, NEW) == (text, NEW)  # idempotent


def test_set_manifest_data_dir_leaves_longer_paths_and_keeps_quotes_and_line_ends():
    text = ("    - \"--data-dir=/var/lib/etcd\"\r\n"
            "    - --wal-dir=/var/lib/etcd/wal\r\n"
            "    - mountPath: '/var/lib/etcd'  # data\r\n"
            "    - mountPath: /var/lib/etcd-old\r\n"
            "      path: \"/var/lib/etcd\"\r\n")
    new, old = set_manifest_data_dir(text, "/data/etcd")
    assert old == "/var/lib/etcd"
    assert new == ("    - \"--data-dir=/data/etcd\"\r\n"
                   "    - --wal-dir=/var/lib/etcd/wal\r\n"
                   "    - mountPath: '/data/etcd'  # data\r\n"
                   "    - mountPath: /var/lib/etcd-old\r\n"
                   "      path: \"/data/etcd\"\r\n")


def test_set_manifest_data_dir_needs_the_host_path_volume():
    text = KUBEADM_ETCD.replace("      path: /var/lib/etcd\n", "      path: /srv/etcd\n")
    with pytest.raises(ManifestError, match=r"^/m/etcd.yaml has no hostPath volume with path /var/lib/etcd"):
        set_manifest_data_dir(text, NEW, "/m/etcd.yaml")


@pytest.mark.parametrize("data_dir", ["relative/etcd", "/var/lib/etcd new", "/var/lib/'etcd", "/a#b"])
def test_set_manifest_data_dir_rejects_unusable_directories(data_dir):
    with pytest.raises(ManifestError, match=r"must be an absolute path without spaces, quotes or '#'"):
        set_manifest_data_dir(KUBEADM_ETCD, data_dir)
