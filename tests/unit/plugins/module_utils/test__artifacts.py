from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from ansible_collections.v6kube.cluster.plugins.module_utils._artifacts import (
    Artifact,
    ArtifactError,
    ArtifactSpecError,
    Run,
    install,
    load_receipt,
    parse_artifacts,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_tar(path: Path, members: dict[str, bytes], *, extra=None) -> bytes:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return path.read_bytes()


class Mirror:
    """A directory served through an opener that counts the downloads."""

    def __init__(self, root: Path):
        self.root = root
        self.opened: list[str] = []

    def put(self, name: str, data: bytes) -> str:
        (self.root / name).write_bytes(data)
        return f"http://[2001:db8:9::5]/{name}"

    def __call__(self, url: str):
        self.opened.append(url)
        path = self.root / url.rsplit("/", 1)[1]
        if not path.exists():
            raise OSError(f"HTTP Error 404: Not Found ({url})")
        return open(path, "rb")  # pylint: disable=consider-using-with


@pytest.fixture()
def mirror(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    return Mirror(root)


def node_run(tmp_path: Path, mirror: Mirror, check_mode: bool = False) -> Run:
    return Run(download_dir=str(tmp_path / "downloads"), receipt_path=str(tmp_path / "downloads" / "receipt.json"),
               opener=mirror, check_mode=check_mode)


def artifacts(tmp_path: Path, mirror: Mirror, kubeadm: bytes = b"kubeadm v1") -> list[Artifact]:
    tar = make_tar(tmp_path / "cni.tgz", {"./bridge": b"bridge", "./host-local": b"host-local"})
    (tmp_path / "cni.tgz").unlink()
    return parse_artifacts([
        {"name": "kubeadm", "url": mirror.put("kubeadm", kubeadm), "sha256": sha(kubeadm),
         "dest": str(tmp_path / "bin" / "kubeadm")},
        {"name": "cni_plugins", "url": mirror.put("cni.tgz", tar), "sha256": sha(tar), "kind": "tar",
         "dest": str(tmp_path / "cni")},
    ])


def test_installs_then_a_rerun_reads_no_download(tmp_path, mirror):
    wanted = artifacts(tmp_path, mirror)
    outcomes = node_run(tmp_path, mirror).apply(wanted)
    assert [o.action for o in outcomes] == ["install", "install"] and all(o.downloaded for o in outcomes)
    assert (tmp_path / "bin" / "kubeadm").read_bytes() == b"kubeadm v1"
    assert stat.S_IMODE((tmp_path / "bin" / "kubeadm").stat().st_mode) == 0o755
    assert (tmp_path / "cni" / "bridge").read_bytes() == b"bridge"
    assert sorted(outcomes[1].files) == [str(tmp_path / "cni" / "bridge"), str(tmp_path / "cni" / "host-local")]
    mirror.opened.clear()
    # The downloads may even be gone: the installed files and the receipt decide.
    for download in (tmp_path / "downloads").glob("*"):
        if download.name != "receipt.json":
            download.unlink()
    run = node_run(tmp_path, mirror)
    again = run.apply(wanted)
    assert [o.action for o in again] == ["none", "none"] and not any(o.changed for o in again)
    assert mirror.opened == [] and run.receipt_written is False


def test_a_changed_file_on_the_node_is_put_back(tmp_path, mirror):
    wanted = artifacts(tmp_path, mirror)
    node_run(tmp_path, mirror).apply(wanted)
    (tmp_path / "cni" / "bridge").write_bytes(b"tampered")
    outcomes = node_run(tmp_path, mirror).apply(wanted)
    assert outcomes[0].action == "none"
    assert outcomes[1].action == "install" and "differs" in outcomes[1].reason
    assert outcomes[1].written == [str(tmp_path / "cni" / "bridge")]  # host-local was right: not rewritten
    assert (tmp_path / "cni" / "bridge").read_bytes() == b"bridge"


def test_a_new_sha256_installs_the_new_release(tmp_path, mirror):
    node_run(tmp_path, mirror).apply(artifacts(tmp_path, mirror))
    newer = artifacts(tmp_path, mirror, kubeadm=b"kubeadm v2")
    outcomes = node_run(tmp_path, mirror).apply(newer)
    assert outcomes[0].action == "install" and outcomes[0].reason == "a new sha256"
    assert (tmp_path / "bin" / "kubeadm").read_bytes() == b"kubeadm v2"
    assert load_receipt(str(tmp_path / "downloads" / "receipt.json"))["kubeadm"]["sha256"] == sha(b"kubeadm v2")


def test_files_already_right_without_a_receipt_are_only_receipted(tmp_path, mirror):
    wanted = artifacts(tmp_path, mirror)
    node_run(tmp_path, mirror).apply(wanted)
    (tmp_path / "downloads" / "receipt.json").unlink()
    run = node_run(tmp_path, mirror)
    outcomes = run.apply(wanted)
    assert [o.action for o in outcomes] == ["none", "none"] and run.receipt_written
    assert not any(o.written for o in outcomes)


def test_a_wrong_checksum_installs_nothing_and_keeps_nothing(tmp_path, mirror):
    wanted = parse_artifacts([{"name": "kubelet", "url": mirror.put("kubelet", b"evil"), "sha256": sha(b"good"),
                               "dest": str(tmp_path / "bin" / "kubelet")}])
    with pytest.raises(ArtifactError, match=r"kubelet: .*kubelet has sha256 .* expected .*nothing was installed"):
        node_run(tmp_path, mirror).apply(wanted)
    assert not (tmp_path / "bin" / "kubelet").exists()
    assert os.listdir(tmp_path / "downloads") == []


def test_a_failed_download_names_the_url(tmp_path, mirror):
    wanted = parse_artifacts([{"name": "crictl", "url": "http://[2001:db8:9::5]/absent.tgz", "sha256": "a" * 64,
                               "kind": "tar", "dest": str(tmp_path / "bin")}])
    with pytest.raises(ArtifactError, match=r"crictl: cannot download http://\[2001:db8:9::5\]/absent.tgz: .*404"):
        node_run(tmp_path, mirror).apply(wanted)


def test_what_installed_before_a_failure_is_receipted(tmp_path, mirror):
    good = artifacts(tmp_path, mirror)[0]
    bad = Artifact(name="runc", url="http://[2001:db8:9::5]/runc", sha256="b" * 64, dest=str(tmp_path / "runc"))
    with pytest.raises(ArtifactError):
        node_run(tmp_path, mirror).apply([good, bad])
    assert set(load_receipt(str(tmp_path / "downloads" / "receipt.json"))) == {"kubeadm"}


def test_check_mode_changes_nothing(tmp_path, mirror):
    wanted = artifacts(tmp_path, mirror)
    run = node_run(tmp_path, mirror, check_mode=True)
    outcomes = run.apply(wanted)
    assert [o.action for o in outcomes] == ["install", "install"] and mirror.opened == []
    assert not (tmp_path / "bin").exists() and not (tmp_path / "downloads").exists()
    node_run(tmp_path, mirror).apply(wanted)
    (tmp_path / "bin" / "kubeadm").chmod(0o700)
    outcomes = node_run(tmp_path, mirror, check_mode=True).apply(wanted)
    assert outcomes[0].action == "install" and outcomes[0].written == [str(tmp_path / "bin" / "kubeadm")]
    assert stat.S_IMODE((tmp_path / "bin" / "kubeadm").stat().st_mode) == 0o700


@pytest.mark.parametrize("member, reason", [
    ("../etc/passwd", "outside"),
    ("/etc/passwd", "outside"),
])
def test_members_outside_the_destination_install_nothing(tmp_path, member, reason):
    archive = tmp_path / "evil.tgz"
    make_tar(archive, {"./ok": b"ok", member: b"root::0:0"})
    artifact = Artifact(name="evil", url="http://x/evil.tgz", sha256=sha(archive.read_bytes()), kind="tar",
                        dest=str(tmp_path / "out"))
    with pytest.raises(ArtifactError, match=reason):
        install(artifact, str(archive))
    assert not (tmp_path / "out").exists()


def test_links_in_an_archive_are_refused(tmp_path):
    archive = tmp_path / "links.tgz"
    link = tarfile.TarInfo("./sh")
    link.type = tarfile.SYMTYPE
    link.linkname = "/bin/sh"
    make_tar(archive, {"./ok": b"ok"}, extra=[link])
    artifact = Artifact(name="links", url="http://x/links.tgz", sha256=sha(archive.read_bytes()), kind="tar",
                        dest=str(tmp_path / "out"))
    with pytest.raises(ArtifactError, match="is a link or a device"):
        install(artifact, str(archive))
    assert not (tmp_path / "out").exists()


def test_strip_and_members_select_the_files(tmp_path):
    archive = tmp_path / "containerd.tgz"
    make_tar(archive, {"bin/containerd": b"c", "bin/ctr": b"ctr", "bin/other": b"o"})
    artifact = parse_artifacts([{"name": "containerd", "url": "http://x/containerd.tgz",
                                 "sha256": sha(archive.read_bytes()), "kind": "tar", "strip": 1,
                                 "members": ["containerd", "ctr"], "dest": str(tmp_path / "usr")}])[0]
    files, written = install(artifact, str(archive))
    assert sorted(written) == [str(tmp_path / "usr" / "containerd"), str(tmp_path / "usr" / "ctr")]
    assert sorted(os.listdir(tmp_path / "usr")) == ["containerd", "ctr"] and len(files) == 2
    missing = parse_artifacts([{"name": "c", "url": "http://x/c.tgz", "sha256": "0" * 64, "kind": "tar",
                                "members": ["runc"], "dest": str(tmp_path / "usr")}])[0]
    with pytest.raises(ArtifactError, match="has no member runc"):
        install(missing, str(archive))


def test_a_running_program_is_replaced_by_rename(tmp_path, mirror):
    """The installed file is renamed over, never written in place (a running kubelet's file is busy)."""
    wanted = artifacts(tmp_path, mirror)
    node_run(tmp_path, mirror).apply(wanted)
    inode = (tmp_path / "bin" / "kubeadm").stat().st_ino
    node_run(tmp_path, mirror).apply(artifacts(tmp_path, mirror, kubeadm=b"kubeadm v2"))
    assert (tmp_path / "bin" / "kubeadm").stat().st_ino != inode


def test_damaged_receipt_counts_as_none(tmp_path, mirror):
    wanted = artifacts(tmp_path, mirror)
    node_run(tmp_path, mirror).apply(wanted)
    (tmp_path / "downloads" / "receipt.json").write_text("{not json")
    outcomes = node_run(tmp_path, mirror).apply(wanted)
    assert [o.action for o in outcomes] == ["none", "none"]
    assert json.loads((tmp_path / "downloads" / "receipt.json").read_text())["version"] == 1


@pytest.mark.parametrize("items, message", [
    ("kubeadm", "artifacts must be a list"),
    ([{"name": "k", "url": "ftp://x/k", "sha256": "0" * 64, "dest": "/usr/bin/k"}], r"\(k\).url"),
    ([{"name": "k", "url": "http://x/k", "sha256": "xyz", "dest": "/usr/bin/k"}], r"\(k\).sha256 must be 64"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "bin/k"}], r"\(k\).dest .* absolute"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k", "kind": "zip"}], r"kind 'zip'"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k", "mode": "0777"}], "others than root"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k", "mode": "rwx"}], "octal mode"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k", "strip": 1}], "kind tar only"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k", "kind": "tar", "members": ["../x"]}],
     "without '..'"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k", "colour": "red"}], "unknown keys colour"),
    ([{"name": "k", "url": "http://x/k", "sha256": "0" * 64, "dest": "/k"}] * 2, "used twice"),
    ([{"name": "a", "url": "http://x/a", "sha256": "0" * 64, "dest": "/k"},
      {"name": "b", "url": "http://x/b", "sha256": "0" * 64, "dest": "/k"}], "also the destination of a"),
    (["kubeadm"], r"artifacts\[0\] must be a mapping"),
])
def test_bad_specs_name_the_key(items, message):
    with pytest.raises(ArtifactSpecError, match=message):
        parse_artifacts(items)


def test_every_problem_at_once():
    with pytest.raises(ArtifactSpecError) as info:
        parse_artifacts([{"name": "a", "url": "x", "sha256": "y", "dest": "z"}])
    assert len(info.value.problems) == 3


def test_hostile_sizes_stay_fast():
    items = [{"name": f"a{i}", "url": f"http://x/{i}", "sha256": "0" * 64, "dest": f"/opt/{i}"} for i in range(200)]
    assert len(parse_artifacts(items)) == 200
    with pytest.raises(ArtifactSpecError, match="at most 200"):
        parse_artifacts(items * 100)
