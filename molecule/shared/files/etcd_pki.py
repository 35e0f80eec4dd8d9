"""Test PKI for etcd, laid out like kubeadm's /etc/kubernetes/pki/etcd: a CA, and for each member a server
certificate (IP SANs for its IPv6 address, ::1 and 127.0.0.1), a peer certificate and a healthcheck client
certificate. Also a second, unrelated CA with a client certificate, for the wrong-CA and wrong-cert tests.

    python etcd_pki.py OUTDIR NAME=IPV6 [NAME=IPV6...]
"""

from __future__ import annotations

import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def write(path: Path, cert, private) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file = path.with_suffix(".key")
    key_file.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    key_file.chmod(0o600)


def ca(name: str):
    private = key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(private.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(minutes=5))
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(private, hashes.SHA256()))
    return cert, private


def leaf(issuer, issuer_key, cn: str, usages, names=(), ips=()):
    private = key()
    builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
               .issuer_name(issuer.subject).public_key(private.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(minutes=5))
               .not_valid_after(NOW + datetime.timedelta(days=30))
               .add_extension(x509.ExtendedKeyUsage(usages), critical=False))
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), private


def main() -> None:
    out = Path(sys.argv[1])
    members = dict(arg.split("=", 1) for arg in sys.argv[2:])
    server_client = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    ca_cert, ca_key = ca("etcd-ca")
    write(out / "ca", ca_cert, ca_key)
    for name, address in members.items():
        member = out / name
        write(member / "ca", ca_cert, ca_key)
        write(member / "server", *leaf(ca_cert, ca_key, name, server_client, [name, "localhost"],
                                       [address, "::1", "127.0.0.1"]))
        write(member / "peer", *leaf(ca_cert, ca_key, name, server_client, [name, "localhost"],
                                     [address, "::1", "127.0.0.1"]))
        write(member / "healthcheck-client", *leaf(ca_cert, ca_key, "kube-etcd-healthcheck-client",
                                                   [ExtendedKeyUsageOID.CLIENT_AUTH]))
    rogue_cert, rogue_key = ca("not-the-etcd-ca")
    write(out / "rogue" / "ca", rogue_cert, rogue_key)
    write(out / "rogue" / "client", *leaf(rogue_cert, rogue_key, "intruder", [ExtendedKeyUsageOID.CLIENT_AUTH]))


if __name__ == "__main__":
    main()
