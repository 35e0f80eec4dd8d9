"""The etcd_backup role against real etcd servers with TLS client auth on [::1] (etcd of the lab toolchain, the
version kubeadm deploys; and Debian's etcd 3.4 from the lab mirror), run by ansible-playbook on this machine.

What needs no node: the verified snapshot and its metadata, the faults (etcd stopped, a wrong CA, a client
certificate from another CA, an address nobody answers on, a full disk, a failed trial restore) each failing with
its reason while leaving no partial file and not touching older snapshots, retention by count, the scheduled
program (the command the timer and the cron job run), and the restore refusals that come before anything stops.
The Molecule scenario etcd_backup keeps what needs hosts: systemd's timer, the copy to a backup host over SSH and
a restore of a three-member cluster run by systemd.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from ansible_run import playbook
from etcd_server import EtcdServer, etcd_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="tmpfs mounts and root-owned directories")


def _mirror_dir() -> Path:
    out = subprocess.run([str(ROOT / "scripts" / "lab-mirror.sh"), "dir"], capture_output=True, text=True,
                         check=True)
    return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def etcd(toolchain, tmp_path_factory) -> EtcdServer:
    with etcd_server(toolchain("etcd") / "etcd", tmp_path_factory.mktemp("etcd-3.7")) as server:
        for i in range(1, 201):
            server.etcdctl("put", f"/v6kube/test/k{i}", f"value-{i}")
        yield server


@pytest.fixture(scope="module")
def etcd34(tmp_path_factory) -> EtcdServer:
    """Debian's etcd 3.4 (the mirror carries it as a release-layout tarball)."""
    archive = _mirror_dir() / "etcd" / "v3.4.23" / "etcd-v3.4.23-linux-amd64.tar.gz"
    if not archive.exists():
        if os.environ.get("V6KUBE_REQUIRE_TOOLCHAIN") == "1":
            pytest.fail(f"{archive} is missing: scripts/lab-mirror.sh build")
        pytest.skip("the lab mirror is not built (scripts/lab-mirror.sh build)")
    work = tmp_path_factory.mktemp("etcd-3.4")
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    binary = work / "etcd-v3.4.23-linux-amd64" / "etcd"
    with etcd_server(binary, work / "server") as server:
        for i in range(1, 51):
            server.etcdctl("put", f"/v6kube/test/k{i}", f"value-{i}")
        yield server


def backup_vars(server: EtcdServer, tmp_path: Path, tools: Path, **extra) -> dict:
    values = {
        "etcd_backup_address": "::1",
        "etcd_backup_client_port": server.port,
        "etcd_backup_cacert": str(server.pki / "ca.crt"),
        "etcd_backup_cert": str(server.pki / "server.crt"),
        "etcd_backup_key": str(server.pki / "server.key"),
        "etcd_backup_dir": str(tmp_path / "backups"),
        "etcd_backup_install": False,
        "etcd_backup_schedule": False,
        "etcd_backup_remote": {},
        "etcd_backup_etcdctl": str(tools / "etcdctl"),
        "etcd_backup_etcdutl": str(tools / "etcdutl"),
        "etcd_backup_program_dir": str(tmp_path / "program"),
        "etcd_backup_config_file": str(tmp_path / "etc" / "etcd-backup.json"),
        "etcd_backup_dial_timeout": 2,
    }
    values.update(extra)
    return values


def run_backup(tmp_path: Path, values: dict, *args: str) -> subprocess.CompletedProcess[str]:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    m1:\n      ansible_connection: local\n"
                         f"      ansible_python_interpreter: {sys.executable}\n", encoding="utf-8")
    play = tmp_path / "backup.yml"
    play.write_text("- hosts: m1\n  gather_facts: false\n  roles:\n    - role: v6kube.cluster.etcd_backup\n"
                    "  post_tasks:\n    - name: Keep the result\n      ansible.builtin.copy:\n"
                    "        content: \"{{ etcd_backup_result | default({}) | to_json }}\"\n"
                    f"        dest: {tmp_path / 'result.json'}\n        mode: '0600'\n"
                    "      when: not ansible_check_mode\n", encoding="utf-8")
    extra = tmp_path / f"vars-{len(list(tmp_path.glob('vars-*')))}.json"
    extra.write_text(json.dumps(values), encoding="utf-8")
    return playbook("-i", str(inventory), str(play), "-e", f"@{extra}", *args,
                    env={"ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp")})


def result_of(run: subprocess.CompletedProcess[str], tmp_path: Path) -> dict:
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))


def snapshots(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.glob("*")) if p.suffix in (".db", ".json")}


@pytest.fixture()
def tmpfs(tmp_path):
    """small(name, size): a tmpfs of that size, unmounted afterwards."""
    mounts = []

    def small(name: str, size: str) -> Path:
        path = tmp_path / name
        path.mkdir(mode=0o700)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
        mounts.append(path)
        return path

    yield small
    for path in mounts:
        subprocess.run(["umount", str(path)], check=False)


def test_backup_is_verified_private_and_idempotent_in_check_mode(etcd, toolchain, tmp_path):
    tools = toolchain("etcd")
    values = backup_vars(etcd, tmp_path, tools)
    run = run_backup(tmp_path, values)
    assert run.returncode == 0, run.stdout + run.stderr
    result = result_of(run, tmp_path)
    snap = Path(result["path"])
    assert snap.parent == tmp_path / "backups" and oct(snap.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "backups").stat().st_mode & 0o777) == "0o700"
    assert result["sha256"] == hashlib.sha256(snap.read_bytes()).hexdigest()
    meta = json.loads(snap.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["sha256"] == result["sha256"] and meta["revision"] == result["revision"] >= 200
    assert meta["total_keys"] >= 200 and result["verified_with"] == "etcdutl status + restore"
    # The settings file holds the paths of the keys: private too.
    assert oct((tmp_path / "etc" / "etcd-backup.json").stat().st_mode & 0o777) == "0o600"
    before = snapshots(tmp_path / "backups")
    check = run_backup(tmp_path, dict(values, etcd_backup_run_now=False), "--check")
    assert check.returncode == 0 and "changed=0" in check.stdout, check.stdout + check.stderr
    assert snapshots(tmp_path / "backups") == before


def test_the_scheduled_program_takes_the_same_verified_snapshot(etcd, toolchain, tmp_path):
    """What the systemd timer's service and the cron job run: the installed program with its settings."""
    values = backup_vars(etcd, tmp_path, toolchain("etcd"), etcd_backup_run_now=False)
    assert run_backup(tmp_path, values).returncode == 0
    program = tmp_path / "program" / "etcd_backup.py"
    out = subprocess.run([sys.executable, str(program), "--config", str(tmp_path / "etc" / "etcd-backup.json")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["verified_with"] == "etcdutl status + restore"
    assert Path(report["path"]).exists() and Path(report["path"]).parent == tmp_path / "backups"


def test_etcd_34_is_verified_with_etcdctl(etcd34, tmp_path):
    tools = etcd34.binary.parent
    values = backup_vars(etcd34, tmp_path, tools, etcd_backup_etcd_version="3.4.23")
    run = run_backup(tmp_path, values)
    assert run.returncode == 0, run.stdout + run.stderr
    result = result_of(run, tmp_path)
    assert result["verified_with"] == "etcdctl status + restore" and result["total_keys"] >= 50
    program = tmp_path / "program" / "etcd_backup.py"
    out = subprocess.run([sys.executable, str(program), "--config", str(tmp_path / "etc" / "etcd-backup.json")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and json.loads(out.stdout)["verified_with"] == "etcdctl status + restore", out.stderr


def test_retention_keeps_the_newest(etcd, toolchain, tmp_path):
    values = backup_vars(etcd, tmp_path, toolchain("etcd"), etcd_backup_keep_count=2)
    paths = []
    for _round in range(3):
        run = run_backup(tmp_path, values)
        assert run.returncode == 0, run.stdout + run.stderr
        paths.append(result_of(run, tmp_path)["path"])
    left = sorted(str(p) for p in (tmp_path / "backups").glob("etcd-snapshot-*.db"))
    assert len(left) == 2 and paths[-1] in left and paths[0] not in left


FAULTS = {
    "etcd stopped": (
        {}, ["cannot reach etcd at https://[::1]:{port}", "Connection refused"]),
    "a CA that did not sign the server certificate": (
        {"etcd_backup_cacert": "{rogue}/ca.crt"}, ["presents a certificate that {rogue}/ca.crt does not verify"]),
    "a client certificate from another CA": (
        {"etcd_backup_cert": "{rogue}/client.crt", "etcd_backup_key": "{rogue}/client.key"},
        ["rejected the client certificate {rogue}/client.crt"]),
    "an address nobody answers on": (
        {"etcd_backup_address": "100::1"}, ["cannot reach etcd at https://[100::1]:{port}"]),
    "a full disk": (
        {"etcd_backup_dir": "{full}"}, ["etcdctl snapshot save from https://[::1]:{port} failed",
                                        "no space left on device"]),
    "a snapshot that fails verification (trial restore)": (
        {"etcd_backup_scratch_dir": "{tiny}"}, ["etcdutl snapshot restore (integrity check) failed"]),
}


@pytest.fixture(scope="module")
def protected(etcd, toolchain, tmp_path_factory) -> tuple[Path, dict]:
    """A backup directory holding two verified snapshots (one by the role, one by its scheduled program) that
    every fault below must leave as it is; and the role's variables that made them."""
    work = tmp_path_factory.mktemp("protected")
    good = backup_vars(etcd, work, toolchain("etcd"))
    assert result_of(run_backup(work, good), work)
    program = subprocess.run([sys.executable, str(work / "program" / "etcd_backup.py"), "--config",
                              str(work / "etc" / "etcd-backup.json")], capture_output=True, text=True, check=False)
    assert program.returncode == 0, program.stderr
    return work, good


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_fails_with_its_reason_and_loses_nothing(etcd, protected, tmp_path, tmpfs, fault):
    backups = protected[0] / "backups"
    good = dict(protected[1], etcd_backup_program_dir=str(tmp_path / "program"),
                etcd_backup_config_file=str(tmp_path / "etc" / "etcd-backup.json"))
    before = snapshots(backups)
    assert len(before) == 4
    full, tiny = tmpfs("full", "96k"), tmpfs("tiny", "64k")
    (full / "filler").write_bytes(b"\0" * 90 * 1024)
    overrides, expected = FAULTS[fault]
    where = {"port": etcd.port, "rogue": etcd.rogue, "full": full, "tiny": tiny}
    values = dict(good, **{k: v.format(**where) for k, v in overrides.items()})
    if fault == "etcd stopped":
        etcd.stop()
    try:
        run = run_backup(tmp_path, values)
    finally:
        if fault == "etcd stopped":
            etcd.start()
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    for text in expected:
        assert text.format(**where) in out, out
    assert "Traceback" not in out, out
    # A partial snapshot would be .inprogress-* or *.part anywhere, or a snapshot outside the backup directory.
    partial = [p for d in (backups, full, tiny) for p in d.iterdir()
               if p.name.startswith(".inprogress-") or p.name.endswith(".part")
               or (d != backups and p.name.startswith("etcd-snapshot-"))]
    assert partial == []
    assert snapshots(backups) == before


# ------------------------------------------------------------------ etcd_restore: refusals before anything stops
def restore_run(tmp_path: Path, snapshot: Path, **extra) -> subprocess.CompletedProcess[str]:
    inventory = tmp_path / "restore-hosts.yml"
    inventory.write_text("control_plane:\n  hosts:\n    m1:\n      ansible_connection: local\n"
                         f"      ansible_python_interpreter: {sys.executable}\n", encoding="utf-8")
    manifests = tmp_path / "manifests"
    manifests.mkdir(exist_ok=True)
    (manifests / "etcd.yaml").write_text("kind: Pod\n", encoding="utf-8")
    values = {"etcd_restore_snapshot": str(snapshot), "etcd_restore_mode": "static_pod",
              "etcd_restore_member_address": "::1", "etcd_restore_manifests_dir": str(manifests),
              "etcd_restore_hold_dir": str(tmp_path / "hold"), "__etcd_restore_stage": str(tmp_path / "stage"),
              "etcd_restore_data_dir_base": str(tmp_path / "etcd-restored")}
    values.update(extra)
    extra_file = tmp_path / "restore-vars.json"
    extra_file.write_text(json.dumps(values), encoding="utf-8")
    return playbook("-i", str(inventory), "playbooks/etcd_restore.yml", "-e", f"@{extra_file}")


def test_restore_refuses_without_confirmation_and_a_damaged_snapshot(etcd, toolchain, tmp_path):
    tools = toolchain("etcd")
    run = run_backup(tmp_path, backup_vars(etcd, tmp_path, tools))
    snap = Path(result_of(run, tmp_path)["path"])
    refused = restore_run(tmp_path, snap, etcd_restore_etcdutl=str(tools / "etcdutl"))
    assert refused.returncode != 0 and "Set etcd_restore_confirm: true" in refused.stdout, refused.stdout
    damaged = tmp_path / "controller" / snap.name
    damaged.parent.mkdir()
    shutil.copy(snap, damaged)
    shutil.copy(snap.with_suffix(".json"), damaged.with_suffix(".json"))
    with damaged.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"damaged")
    bad = restore_run(tmp_path, damaged, etcd_restore_confirm=True, etcd_restore_etcdutl=str(tools / "etcdutl"),
                      etcd_restore_etcdctl=str(tools / "etcdctl"))
    out = bad.stdout + bad.stderr
    assert bad.returncode != 0 and "fails verification" in out and "sha256" in out, out
    # Nothing stopped: the manifest is where it was, nothing was held back, etcd still answers.
    assert (tmp_path / "manifests" / "etcd.yaml").exists() and not (tmp_path / "hold").exists()
    assert etcd.etcdctl("endpoint", "health").returncode == 0
