"""A real etcd with TLS client authentication on [::1], for the backup and restore tests.

The PKI is kubeadm's layout made by molecule/shared/files/etcd_pki.py (a CA; server, peer and healthcheck-client
certificates with the SANs ::1 and 127.0.0.1; an unrelated "rogue" CA with a client certificate). The server is
the etcd of the lab toolchain (the version kubeadm deploys) or any other etcd binary, e.g. Debian's 3.4 from the
lab mirror.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kube_api import KubeApiError, _spawn, _stop, _tail, free_port

ROOT = Path(__file__).resolve().parents[2]
PKI_SCRIPT = ROOT / "molecule" / "shared" / "files" / "etcd_pki.py"
MEMBER = "m1"
START_TIMEOUT = 60.0


@dataclass
class EtcdServer:
    binary: Path
    workdir: Path
    pki: Path             # the member's kubeadm-style etcd PKI directory (ca.crt, server.crt, ...)
    rogue: Path           # the unrelated CA and client certificate
    port: int
    peer_port: int
    proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"https://[::1]:{self.port}"

    def tls_args(self) -> list[str]:
        """etcdctl's TLS arguments with the healthcheck client certificate."""
        return [f"--cacert={self.pki / 'ca.crt'}", f"--cert={self.pki / 'healthcheck-client.crt'}",
                f"--key={self.pki / 'healthcheck-client.key'}"]

    def start(self) -> None:
        log = self.workdir / "etcd.log"
        peer = f"https://[::1]:{self.peer_port}"
        self.proc = _spawn([
            str(self.binary), "--name", MEMBER, "--data-dir", str(self.workdir / "data"),
            "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"{MEMBER}={peer}",
            "--cert-file", str(self.pki / "server.crt"), "--key-file", str(self.pki / "server.key"),
            "--trusted-ca-file", str(self.pki / "ca.crt"), "--client-cert-auth",
            "--peer-cert-file", str(self.pki / "peer.crt"), "--peer-key-file", str(self.pki / "peer.key"),
            "--peer-trusted-ca-file", str(self.pki / "ca.crt"), "--peer-client-cert-auth",
            "--unsafe-no-fsync",
        ], log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise KubeApiError(f"etcd exited with {self.proc.returncode}; {log}:\n{_tail(log)}")
            if self.etcdctl("endpoint", "health", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise KubeApiError(f"etcd was not healthy within {START_TIMEOUT:.0f} s; {log}:\n{_tail(log)}")

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def etcdctl(self, *args: str, check: bool = True, etcdctl: Path | None = None) -> subprocess.CompletedProcess:
        tool = etcdctl or self.binary.with_name("etcdctl")
        result = subprocess.run([str(tool), f"--endpoints={self.endpoint}", *self.tls_args(), "--dial-timeout=2s",
                                 *args], capture_output=True, text=True, timeout=60, check=False,
                                env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"})
        if check and result.returncode != 0:
            raise AssertionError(f"etcdctl {' '.join(args)} failed: {result.stderr.strip()}")
        return result


def make_pki(workdir: Path) -> tuple[Path, Path]:
    """kubeadm's etcd PKI for member m1 on ::1, and the rogue CA; returns (member pki dir, rogue dir)."""
    out = workdir / "pki"
    subprocess.run([sys.executable, str(PKI_SCRIPT), str(out), f"{MEMBER}=::1"], check=True, capture_output=True)
    return out / MEMBER, out / "rogue"


@contextlib.contextmanager
def etcd_server(binary: Path, workdir: Path) -> Iterator[EtcdServer]:
    """Start ``binary`` (etcd) with TLS client auth on [::1]; stopped when the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    pki, rogue = make_pki(workdir)
    server = EtcdServer(binary=binary, workdir=workdir, pki=pki, rogue=rogue, port=free_port(),
                        peer_port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
