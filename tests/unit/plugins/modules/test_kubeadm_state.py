from __future__ import annotations

import hashlib
import os

from ansible_collections.v6kube.cluster.plugins.modules import kubeadm_state


def test_reads_a_node_and_changes_nothing(run_module, tmp_path, monkeypatch, return_documented):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubeadm").write_bytes(b"")
    (bin_dir / "kubeadm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    kube = tmp_path / "kubernetes"
    (kube / "manifests").mkdir(parents=True)
    (kube / "pki").mkdir()
    for name in ("kubelet.conf", "manifests/etcd.yaml", "manifests/kube-apiserver.yaml", "pki/ca.crt"):
        (kube / name).write_text("x")
    (tmp_path / "etcd" / "member").mkdir(parents=True)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run_module(kubeadm_state.main, {"kubernetes_dir": str(kube), "etcd_data_dir": str(tmp_path / "etcd")},
                        check_mode=True)
    assert not result["failed"] and result["changed"] is False
    assert result["state"] == {"kubeadm": str(bin_dir / "kubeadm"), "admin_conf": False, "kubelet_conf": True,
                               "manifests": ["etcd", "kube-apiserver"], "etcd_member": True,
                               "bootstrap_conf": False, "ca": hashlib.sha256(b"x").hexdigest(),
                               "runs_control_plane": True, "phase": "partial"}
    return_documented(kubeadm_state.RETURN, result)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_bare_node_without_kubeadm(run_module, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(kubeadm_state.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    result = run_module(kubeadm_state.main, {"kubernetes_dir": str(tmp_path), "etcd_data_dir": str(tmp_path / "e")})
    assert result["state"]["kubeadm"] is None and result["state"]["phase"] == "bare"
    assert result["state"]["ca"] is None


def test_an_unreadable_or_huge_ca_is_named(run_module, tmp_path):
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_bytes(b"x" * (kubeadm_state.MAX_CA + 1))
    result = run_module(kubeadm_state.main, {"kubernetes_dir": str(tmp_path), "etcd_data_dir": str(tmp_path / "e")})
    assert result["failed"] and result["msg"] == (
        f"kubeadm_state: {tmp_path}/pki/ca.crt is larger than 1048576 bytes, not a CA certificate")
    (tmp_path / "pki" / "ca.crt").unlink()
    (tmp_path / "pki" / "ca.crt").mkdir()
    result = run_module(kubeadm_state.main, {"kubernetes_dir": str(tmp_path), "etcd_data_dir": str(tmp_path / "e")})
    assert result["failed"] and result["msg"] == f"kubeadm_state: cannot read {tmp_path}/pki/ca.crt: Is a directory"


def test_relative_paths_are_refused(run_module, tmp_path):
    result = run_module(kubeadm_state.main, {"etcd_data_dir": "var/lib/etcd"})
    assert result["failed"] and "etcd_data_dir must be an absolute path" in result["msg"]
