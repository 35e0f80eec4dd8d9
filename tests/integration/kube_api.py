"""A real kube-apiserver and etcd from the lab toolchain, on [::1], for controller-side tests.

No kubelet, no kube-controller-manager and no scheduler: the apiserver allocates Service ClusterIPs itself (so
the Service families are the apiserver's own answer), but nothing creates EndpointSlices for Services, nothing
schedules Pods and nothing creates a namespace's ``default`` ServiceAccount (the ServiceAccount admission plugin
is off, so Pods can be created in a fresh namespace). Objects a test needs (Nodes, EndpointSlices, Pod status)
it creates itself.

Flavours (the service ranges, primary first):

- ``ipv6``: fd00:10:96::/108
- ``dual-ipv6-primary``: fd00:10:96::/108, 10.96.0.0/16
- ``dual-ipv4-primary``: 10.96.0.0/16, fd00:10:96::/108 (``default/kubernetes`` is then an IPv4 Service)

TLS is real: a CA made per server signs the serving certificate (SANs ::1, localhost) and two client
certificates, ``v6kube-admin`` in ``system:masters`` (``kubeconfig``) and ``v6kube-nobody`` without any RBAC
binding (``limited_kubeconfig``; it can authenticate but is forbidden to list anything). ``ca_cert`` and
``ca_key`` stay in the workdir so a test can make a kubeconfig that trusts another CA.

A server is shared by the tests of a session: every test works in namespaces of its own and only asserts on
objects it made (plus the cluster-scoped objects it named itself).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FLAVOURS = ("ipv6", "dual-ipv6-primary", "dual-ipv4-primary")

SERVICE_CIDRS = {
    "ipv6": ["fd00:10:96::/108"],
    "dual-ipv6-primary": ["fd00:10:96::/108", "10.96.0.0/16"],
    "dual-ipv4-primary": ["10.96.0.0/16", "fd00:10:96::/108"],
}
# The address the apiserver advertises: the endpoint of default/kubernetes, of the primary family. The endpoint
# reconciler refuses loopback addresses, and nothing connects to it here (clients use ::1), so it is a
# documentation address (RFC 3849, RFC 5737).
ADVERTISE = {"ipv6": "2001:db8::10", "dual-ipv6-primary": "2001:db8::10", "dual-ipv4-primary": "192.0.2.10"}

START_TIMEOUT = 60.0


class KubeApiError(RuntimeError):
    """The test server could not be started; the message carries the log tail."""


@dataclass
class KubeApi:
    url: str                  # https://[::1]:PORT
    kubeconfig: Path          # admin: a user in system:masters
    limited_kubeconfig: Path  # an authenticated user with NO RBAC permissions (for "forbidden" tests)
    service_cidrs: list[str]  # in the apiserver's order (primary first)
    workdir: Path
    kubectl_bin: Path = Path("kubectl")
    ca_cert: Path = Path()
    ca_key: Path = Path()
    flavour: str = ""
    start_seconds: float = 0.0

    def kubectl(self, *args: str, input: str | None = None,  # pylint: disable=redefined-builtin
                check: bool = True) -> subprocess.CompletedProcess:
        """Run kubectl as the admin; text output. With ``check``, a non-zero exit raises with kubectl's stderr."""
        result = subprocess.run([str(self.kubectl_bin), "--kubeconfig", str(self.kubeconfig), *args], input=input,
                                capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return result


# ------------------------------------------------------------------ certificates
def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def make_ca(cn: str = "v6kube-test-ca") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed CA (one day)."""
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, subject: x509.Name, *, server: bool
          ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                     else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("::1")),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def write_kubeconfig(path: Path, url: str, ca_pem: bytes, cert_pem: bytes, key_pem: bytes, user: str) -> Path:
    """A kubeconfig with everything inline (one cluster, one user, one context ``v6kube-test``), mode 0600."""
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "v6kube-test", "preferences": {},
        "clusters": [{"name": "v6kube-test",
                      "cluster": {"server": url, "certificate-authority-data": b64encode(ca_pem).decode()}}],
        "users": [{"name": user, "user": {"client-certificate-data": b64encode(cert_pem).decode(),
                                          "client-key-data": b64encode(key_pem).decode()}}],
        "contexts": [{"name": "v6kube-test", "context": {"cluster": "v6kube-test", "user": user}}],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


# ------------------------------------------------------------------ processes
def free_port() -> int:
    """A TCP port on [::1] free right now (the kernel's choice for port 0)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: be killed when the test process dies, so a crashed session leaves no server behind."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent)  # pylint: disable=subprocess-popen-preexec-fn


def _stop(proc: subprocess.Popen | None) -> None:
    """SIGTERM to the process group, SIGKILL after a second (the data is thrown away anyway)."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 1), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait(proc: subprocess.Popen, log: Path, what: str, ready, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise KubeApiError(f"{what} exited with {proc.returncode} while starting; {log}:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.1)
    raise KubeApiError(f"{what} was not ready within {START_TIMEOUT:.0f} s; {log}:\n{_tail(log)}")


def _http_ok(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310 (test server)
            return response.status == 200
    except (urllib.error.URLError, OSError, ssl.SSLError):
        return False


def _start_etcd(etcd_bin: Path, workdir: Path, deadline: float) -> tuple[subprocess.Popen, str]:
    log = workdir / "etcd.log"
    for _attempt in range(3):
        client, peer = free_port(), free_port()
        url = f"http://[::1]:{client}"
        proc = _spawn([str(etcd_bin / "etcd"), "--name", "default", "--data-dir", str(workdir / "etcd"),
                       "--listen-client-urls", url, "--advertise-client-urls", url,
                       "--listen-peer-urls", f"http://[::1]:{peer}",
                       "--initial-advertise-peer-urls", f"http://[::1]:{peer}",
                       "--initial-cluster", f"default=http://[::1]:{peer}",
                       "--unsafe-no-fsync", "--log-level", "warn"], log)
        try:
            _wait(proc, log, "etcd", lambda u=url: _http_ok(f"{u}/health"), deadline)
            return proc, url
        except KubeApiError:
            _stop(proc)
            if "address already in use" not in _tail(log, 50):
                raise
    raise KubeApiError(f"etcd found no free port in 3 attempts; {log}:\n{_tail(log)}")


@contextlib.contextmanager
def start_kube_api(workdir: Path, flavour: str, bin_dirs: dict[str, Path]) -> Iterator[KubeApi]:
    """Start etcd and kube-apiserver of ``flavour`` under ``workdir``; yield once /readyz answers; stop both
    (process groups, even when the body raises). ``bin_dirs``: {"kubernetes": ..., "etcd": ...}."""
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour {flavour!r} is not one of {', '.join(FLAVOURS)}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + START_TIMEOUT
    pki = workdir / "pki"
    pki.mkdir(exist_ok=True)

    ca, ca_key = make_ca()
    serving, serving_key = _leaf(ca, ca_key, _name("kube-apiserver"), server=True)
    admin, admin_key = _leaf(ca, ca_key, _name("v6kube-admin", "system:masters"), server=False)
    nobody, nobody_key = _leaf(ca, ca_key, _name("v6kube-nobody"), server=False)
    sa_key = _key()
    files = {
        "ca.crt": _pem_cert(ca), "ca.key": _pem_key(ca_key),
        "apiserver.crt": _pem_cert(serving), "apiserver.key": _pem_key(serving_key),
        "sa.key": _pem_key(sa_key),
        "sa.pub": sa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo),
    }
    for name, data in files.items():
        (pki / name).write_bytes(data)
        (pki / name).chmod(0o600)

    etcd = apiserver = None
    try:
        etcd, etcd_url = _start_etcd(Path(bin_dirs["etcd"]), workdir, deadline)
        log = workdir / "kube-apiserver.log"
        tls = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        for _attempt in range(3):
            port = free_port()
            url = f"https://[::1]:{port}"
            apiserver = _spawn([
                str(Path(bin_dirs["kubernetes"]) / "kube-apiserver"),
                "--bind-address=::1", f"--secure-port={port}", f"--advertise-address={ADVERTISE[flavour]}",
                f"--etcd-servers={etcd_url}",
                f"--service-cluster-ip-range={','.join(SERVICE_CIDRS[flavour])}",
                f"--cert-dir={pki}",
                f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--client-ca-file={pki / 'ca.crt'}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--authorization-mode=Node,RBAC",
                "--disable-admission-plugins=ServiceAccount",
                "--profiling=false", "--v=1",
            ], log)
            try:
                _wait(apiserver, log, "kube-apiserver", lambda u=url: _http_ok(f"{u}/readyz", tls), deadline)
                break
            except KubeApiError:
                _stop(apiserver)
                if "address already in use" not in _tail(log, 50):
                    raise
        else:
            raise KubeApiError(f"kube-apiserver found no free port in 3 attempts; {log}:\n{_tail(log)}")
        ca_pem = files["ca.crt"]
        api = KubeApi(
            url=url,
            kubeconfig=write_kubeconfig(workdir / "admin.kubeconfig", url, ca_pem, _pem_cert(admin),
                                        _pem_key(admin_key), "v6kube-admin"),
            limited_kubeconfig=write_kubeconfig(workdir / "nobody.kubeconfig", url, ca_pem, _pem_cert(nobody),
                                                _pem_key(nobody_key), "v6kube-nobody"),
            service_cidrs=list(SERVICE_CIDRS[flavour]),
            workdir=workdir,
            kubectl_bin=Path(bin_dirs["kubernetes"]) / "kubectl",
            ca_cert=pki / "ca.crt",
            ca_key=pki / "ca.key",
            flavour=flavour,
        )
        api.start_seconds = time.monotonic() - started
        yield api
    finally:
        _stop(apiserver)
        _stop(etcd)


def kube_dns(api: KubeApi) -> dict:
    """kube-system/kube-dns as kubeadm creates it (the 10th address of the primary range), created by the first
    test of the session that needs it; the Service."""
    dns_ip = str(ipaddress.ip_network(api.service_cidrs[0])[10])
    existing = api.kubectl("-n", "kube-system", "get", "service", "kube-dns", "--ignore-not-found", "-o", "name")
    if not existing.stdout.strip():
        body = {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kube-dns", "namespace": "kube-system",
                             "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                        "kubernetes.io/name": "CoreDNS"}},
                "spec": {"selector": {"k8s-app": "kube-dns"}, "clusterIP": dns_ip,
                         "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                                   {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                                   {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}}
        api.kubectl("create", "-f", "-", input=json.dumps(body))
    return json.loads(api.kubectl("-n", "kube-system", "get", "service", "kube-dns", "-o", "json").stdout)
