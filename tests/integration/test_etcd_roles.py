"""etcd_backup and etcd_restore tasks run by ansible-playbook against this machine (connection local), in
temporary directories: what can be checked without an etcd. The Molecule etcd_backup scenario runs the roles on
a real etcd cluster."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from ansible_run import playbook

ROOT = Path(__file__).resolve().parents[2]


def local_play(path: Path, tasks: str, play_vars: dict | None = None) -> Path:
    path.write_text(
        "- hosts: cp1\n"
        "  gather_facts: false\n"
        f"  vars: {json.dumps(play_vars or {})}\n"
        "  tasks:\n" + tasks,
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.yml"
    path.write_text(
        "all:\n"
        "  hosts:\n"
        "    cp1:\n"
        "      ansible_connection: local\n"
        f"      ansible_python_interpreter: {sys.executable}\n"
        "      v6kube_node_addresses: ['2001:db8:1::10']\n",
        encoding="utf-8",
    )
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ etcd_backup: the controller's copy
@pytest.fixture()
def snapshot_on_node(tmp_path: Path) -> dict[str, str]:
    node = tmp_path / "node"
    node.mkdir()
    snap = node / "etcd-snapshot-20261127T031700Z.db"
    snap.write_bytes(b"every Secret of the cluster")
    meta = node / "etcd-snapshot-20261127T031700Z.json"
    meta.write_text("{}", encoding="utf-8")
    return {"path": str(snap), "metadata": str(meta), "sha256": hashlib.sha256(snap.read_bytes()).hexdigest()}


FETCH_TASKS = (
    "    - name: Fetch like the role does\n"
    "      ansible.builtin.include_role:\n"
    "        name: v6kube.cluster.etcd_backup\n"
    "        tasks_from: fetch.yml\n"
)


def test_fetched_snapshot_is_private_from_the_start(tmp_path, inventory, snapshot_on_node):
    fetch_dir = tmp_path / "controller" / "etcd-backups"
    play = local_play(tmp_path / "fetch.yml", FETCH_TASKS,
                      {"etcd_backup_result": snapshot_on_node, "etcd_backup_fetch_dir": str(fetch_dir)})
    result = playbook("-i", str(inventory), str(play), env={"ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp")})
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert mode(fetch_dir) == 0o700 and mode(fetch_dir / "cp1") == 0o700
    assert sorted(p.name for p in (fetch_dir / "cp1").iterdir()) == [
        "etcd-snapshot-20261127T031700Z.db", "etcd-snapshot-20261127T031700Z.json"]
    for copy in (fetch_dir / "cp1").iterdir():
        assert mode(copy) == 0o600, copy


def test_fetched_copy_that_does_not_match_is_removed(tmp_path, inventory, snapshot_on_node):
    fetch_dir = tmp_path / "controller"
    wrong = dict(snapshot_on_node, sha256="0" * 64)
    play = local_play(tmp_path / "fetch.yml", FETCH_TASKS,
                      {"etcd_backup_result": wrong, "etcd_backup_fetch_dir": str(fetch_dir)})
    result = playbook("-i", str(inventory), str(play))
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert f"copying {snapshot_on_node['path']} to the controller ({fetch_dir}/cp1) failed" in out, out
    assert "what arrived was removed" in out and f"the snapshot has {'0' * 64}" in out, out
    assert list((fetch_dir / "cp1").iterdir()) == []


@pytest.mark.parametrize(("xdg", "expected"), [(None, "home/.local/share/v6kube/etcd-backups"),
                                               ("xdg", "xdg/v6kube/etcd-backups")])
def test_default_fetch_dir_is_outside_the_checkout(tmp_path, xdg, expected):
    play = tmp_path / "defaults.yml"
    play.write_text(
        "- hosts: localhost\n"
        "  connection: local\n"
        "  gather_facts: false\n"
        "  vars_files:\n"
        f"    - {ROOT}/roles/etcd_backup/defaults/main.yml\n"
        "  tasks:\n"
        "    - name: Show the default\n"
        "      ansible.builtin.debug:\n"
        "        msg: 'fetch_dir={{ etcd_backup_fetch_dir }}'\n",
        encoding="utf-8",
    )
    env = {"HOME": str(tmp_path / "home"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp")}
    if xdg:
        env["XDG_DATA_HOME"] = str(tmp_path / xdg)
    else:
        env["XDG_DATA_HOME"] = ""
    result = playbook("-i", "localhost,", str(play), env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert f"fetch_dir={tmp_path / expected}" in out, out
    assert str(ROOT) not in f"{tmp_path / expected}"


# ------------------------------------------------------------------ etcd_restore: a failure puts everything back
ETCD_MANIFEST = """apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --data-dir=/var/lib/etcd
    - --name=cp1
    image: registry.k8s.io/etcd:3.7.0-0
    name: etcd
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
  hostNetwork: true
  volumes:
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
"""
CONTROL_PLANE = ("kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml")
# etcdutl for the test: `snapshot status` reads any file, `snapshot restore` fails or writes a data directory.
FAKE_ETCDUTL = """#!/bin/sh
case "$1 $2" in
  "snapshot status") echo '{"hash": 1, "revision": 5, "totalKey": 3, "totalSize": 100, "version": "3.6.0"}' ;;
  "snapshot restore")
    [ "$RESTORE" = fail ] && { echo "Error: restore failed on purpose" >&2; exit 1; }
    [ -n "$RESTORE_ARGS" ] && echo "$@" > "$RESTORE_ARGS"
    while [ "$1" != --data-dir ]; do shift; done
    mkdir -p "$2/member/snap" ;;
  *) exit 2 ;;
esac
"""


FAKE_ETCDCTL_HEALTHY = """#!/bin/sh
echo '[{"endpoint": "https://[::1]:9", "health": true, "took": "1ms"}]'
"""


def restore_setup(tmp_path: Path, etcdctl: str) -> dict:
    """A static-pod member in temporary directories, with an etcdutl that restores nothing real."""
    manifests, hold = tmp_path / "manifests", tmp_path / "hold"
    manifests.mkdir()
    originals = {"etcd.yaml": ETCD_MANIFEST}
    originals.update({name: f"# {name}\nkind: Pod\n" for name in CONTROL_PLANE})
    for name, text in originals.items():
        (manifests / name).write_text(text, encoding="utf-8")
    snapshot = tmp_path / "etcd-snapshot-20261127T031700Z.db"
    snapshot.write_bytes(b"snapshot")
    etcdutl = tmp_path / "etcdutl"
    etcdutl.write_text(FAKE_ETCDUTL, encoding="utf-8")
    etcdutl.chmod(0o755)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "control_plane:\n"
        "  hosts:\n"
        "    cp1:\n"
        "      ansible_connection: local\n"
        f"      ansible_python_interpreter: {sys.executable}\n",
        encoding="utf-8",
    )
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({
        "etcd_restore_confirm": True,
        "etcd_restore_snapshot": str(snapshot),
        "etcd_restore_snapshot_on_node": True,
        "etcd_restore_sha256": hashlib.sha256(b"snapshot").hexdigest(),
        "etcd_restore_mode": "static_pod",
        "etcd_restore_member_address": "::1",
        "etcd_restore_client_port": 9,  # nothing listens: "etcd" is stopped at once
        "etcd_restore_data_dir_base": str(tmp_path / "etcd-restored"),
        "etcd_restore_etcd_version": "3.7.0",
        "etcd_restore_etcdutl": str(etcdutl),
        "etcd_restore_etcdctl": etcdctl,
        "etcd_restore_manifests_dir": str(manifests),
        "etcd_restore_hold_dir": str(hold),
        "etcd_restore_timeout": 5,
        "__etcd_restore_stage": str(tmp_path / "stage"),  # instead of /var/lib/v6kube/restore
    }), encoding="utf-8")
    return {"manifests": manifests, "hold": hold, "originals": originals, "args": ["-i", str(inventory),
            "playbooks/etcd_restore.yml", "-e", f"@{extra}"],
            "data_dir": f"{tmp_path}/etcd-restored-{hashlib.sha256(b'snapshot').hexdigest()[:12]}"}


@pytest.mark.skipif(os.geteuid() != 0, reason="the role makes its directories owned by root")
@pytest.mark.parametrize(
    ("fail_at", "restore_tool", "message"),
    [
        # The restore tool fails after the manifests were moved out: the etcd manifest was never edited.
        ("restore", "fail", '"Restore the snapshot as member cp1" failed: restoring'),
        # The restore worked and etcd's manifest was edited and put back, but the cluster never became healthy.
        ("health", "ok", '"Wait until every member of the restored cluster is healthy" failed'),
    ],
)
def test_failed_restore_puts_the_manifests_back(tmp_path, fail_at, restore_tool, message):
    member = restore_setup(tmp_path, "/bin/false")  # the health check never passes
    manifests, hold, originals = member["manifests"], member["hold"], member["originals"]
    result = playbook(*member["args"], env={"RESTORE": restore_tool})
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "Move the control-plane and etcd manifests out" in out, out  # it did get past the stop
    if fail_at == "health":
        assert "Replace the data directory (flag and hostPath volume)" in out, out
        assert "Put the etcd manifest back" in out, out
    assert message in out, out
    assert "The etcd restore did not complete on cp1" in out, out
    assert f"the original etcd and control-plane manifests are in {manifests}" in out, out
    assert sorted(p.name for p in manifests.iterdir()) == sorted(originals)
    for name, text in originals.items():
        assert (manifests / name).read_text(encoding="utf-8") == text, name
    assert list(hold.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the role makes its directories owned by root")
def test_restore_points_the_manifest_at_the_new_data_and_cleans_up(tmp_path):
    etcdctl = tmp_path / "etcdctl"
    etcdctl.write_text(FAKE_ETCDCTL_HEALTHY, encoding="utf-8")
    etcdctl.chmod(0o755)
    member = restore_setup(tmp_path, str(etcdctl))
    manifests, hold, originals = member["manifests"], member["hold"], member["originals"]
    result = playbook(*member["args"], env={"RESTORE": "ok", "RESTORE_ARGS": str(tmp_path / "restore-args")})
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    restore_args = (tmp_path / "restore-args").read_text(encoding="utf-8").split()
    assert restore_args[restore_args.index("--initial-cluster") + 1] == "cp1=https://[::1]:2380"
    assert restore_args[restore_args.index("--name") + 1] == "cp1"
    assert sorted(p.name for p in manifests.iterdir()) == sorted(originals)
    assert (manifests / "etcd.yaml").read_text(encoding="utf-8") == ETCD_MANIFEST.replace(
        "/var/lib/etcd", member["data_dir"])
    assert mode(manifests / "etcd.yaml") == 0o600
    assert list(hold.iterdir()) == []  # no copy of the original left behind


@pytest.mark.skipif(os.geteuid() != 0, reason="the role makes its directories owned by root")
@pytest.mark.parametrize("name", ["etcd-snapshot-20261127T031700Z.db", "cp1-before-upgrade"])
def test_restore_copies_the_snapshot_with_its_metadata(tmp_path, name):
    # From the controller, with the checksum from the metadata written next to the snapshot: x.db -> x.json,
    # any other name + .json (as etcd_snapshot_restore reads it on the node).
    etcdctl = tmp_path / "etcdctl"
    etcdctl.write_text(FAKE_ETCDCTL_HEALTHY, encoding="utf-8")
    etcdctl.chmod(0o755)
    member = restore_setup(tmp_path, str(etcdctl))
    controller = tmp_path / "controller"
    controller.mkdir()
    (controller / name).write_bytes(b"snapshot")
    meta = name[:-3] + ".json" if name.endswith(".db") else name + ".json"
    (controller / meta).write_text(json.dumps({"sha256": hashlib.sha256(b"snapshot").hexdigest()}), encoding="utf-8")
    extra = Path(member["args"][-1][1:])
    values = json.loads(extra.read_text(encoding="utf-8"))
    values.update(etcd_restore_snapshot=str(controller / name), etcd_restore_snapshot_on_node=False,
                  etcd_restore_sha256="")
    extra.write_text(json.dumps(values), encoding="utf-8")
    result = playbook(*member["args"], env={"RESTORE": "ok"})
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert sorted(p.name for p in (tmp_path / "stage").iterdir()) == sorted([name, meta])
