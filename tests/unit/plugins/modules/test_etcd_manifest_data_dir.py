"""etcd_manifest_data_dir through main(): the rewrite, idempotence, check and diff mode, and its failures."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.modules import etcd_manifest_data_dir

MANIFEST = """apiVersion: v1
kind: Pod
spec:
  containers:
  - command:
    - etcd
    - --data-dir=/var/lib/etcd
    name: etcd
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
  volumes:
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
"""
NEW = "/var/lib/etcd-restored-16a0eeb0791b"


@pytest.fixture()
def manifest(tmp_path):
    path = tmp_path / "etcd.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    path.chmod(0o644)
    return path


def test_points_the_manifest_at_the_new_directory(run_module, manifest, return_documented):
    result = run_module(etcd_manifest_data_dir.main, {"path": str(manifest), "data_dir": NEW + "/"}, diff=True)
    assert result["changed"] and not result["failed"]
    assert result["previous_data_dir"] == "/var/lib/etcd" and result["data_dir"] == NEW
    assert manifest.read_text(encoding="utf-8") == MANIFEST.replace("/var/lib/etcd\n", NEW + "\n")
    assert oct(os.stat(manifest).st_mode & 0o777) == "0o600"
    diff = result["diff"][0] if isinstance(result["diff"], list) else result["diff"]
    assert diff["before"] == MANIFEST and NEW in diff["after"]
    result.pop("diff")
    return_documented(etcd_manifest_data_dir.RETURN, {k: v for k, v in result.items() if k != "failed"})
    again = run_module(etcd_manifest_data_dir.main, {"path": str(manifest), "data_dir": NEW})
    assert not again["changed"] and again["previous_data_dir"] == NEW
    assert sorted(os.listdir(manifest.parent)) == ["etcd.yaml"]


def test_check_mode_changes_nothing(run_module, manifest):
    result = run_module(etcd_manifest_data_dir.main, {"path": str(manifest), "data_dir": NEW}, check_mode=True)
    assert result["changed"] and result["previous_data_dir"] == "/var/lib/etcd"
    assert manifest.read_text(encoding="utf-8") == MANIFEST


def test_missing_manifest(run_module, tmp_path):
    path = str(tmp_path / "etcd.yaml")
    result = run_module(etcd_manifest_data_dir.main, {"path": path, "data_dir": NEW})
    assert result["failed"] and result["msg"] == f"the etcd manifest {path} does not exist"


def test_manifest_without_the_host_path_is_left_alone(run_module, manifest):
    text = MANIFEST.replace("      path: /var/lib/etcd\n", "      path: /srv/etcd\n")
    manifest.write_text(text, encoding="utf-8")
    result = run_module(etcd_manifest_data_dir.main, {"path": str(manifest), "data_dir": NEW})
    assert result["failed"] and result["path"] == str(manifest)
    assert result["msg"].startswith(f"{manifest} has no hostPath volume with path /var/lib/etcd")
    assert manifest.read_text(encoding="utf-8") == text


def test_documentation_parses():
    for text in (etcd_manifest_data_dir.DOCUMENTATION, etcd_manifest_data_dir.EXAMPLES,
                 etcd_manifest_data_dir.RETURN):
        assert yaml.safe_load(text)
