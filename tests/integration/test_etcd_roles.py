"""etcd_backup and etcd_restore tasks run by ansible-playbook against this machine (connection local), in
temporary directories: what can be checked without an etcd. The Molecule etcd_backup scenario runs the roles on
a real etcd cluster."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def playbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
                ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
                ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_DISPLAY_ARGS_TO_STDOUT="0")
    full.update(env or {})
    return subprocess.run(["ansible-playbook", *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=300, check=False)


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
        "      v6kube_node_address: '2001:db8:1::10'\n",
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
