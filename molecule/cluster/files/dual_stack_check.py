"""Checks of the dual-stack (IPv6 primary) single-node cluster, run on its node with python3 and kubectl.

Prints one line per check and exits non-zero when any fails:
node InternalIPs and podCIDRs IPv6 first; every pod-network pod has an IPv6 and an IPv4 address, IPv6 first;
a PreferDualStack Service gets IPv6 and IPv4 ClusterIPs, IPv6 first; DNS answers through both of them.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
import subprocess
import sys
import time

KUBECTL = ["kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf"]
PODS, SERVICES, NODE_ADDRESSES = sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3].split(",")
SERVICE = """{"apiVersion": "v1", "kind": "Service",
 "metadata": {"name": "dns-dual-stack", "namespace": "kube-system"},
 "spec": {"ipFamilyPolicy": "PreferDualStack", "selector": {"k8s-app": "kube-dns"},
          "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}}"""
failures = []


def check(what: str, ok: bool, detail: object) -> None:
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def kubectl(*args: str, stdin: str | None = None) -> dict:
    out = subprocess.run(KUBECTL + list(args), input=stdin, capture_output=True, text=True, check=True).stdout
    return json.loads(out) if out.strip().startswith("{") else {}


def inside(addresses: list[str], subnets: list[str]) -> bool:
    """addresses[i] is inside subnets[i], as many as subnets."""
    return len(addresses) == len(subnets) and all(
        ipaddress.ip_network(a, strict=False).subnet_of(ipaddress.ip_network(s)) if "/" in a
        else ipaddress.ip_address(a) in ipaddress.ip_network(s) for a, s in zip(addresses, subnets))


def aaaa_answers(server: str, name: str) -> int:
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    query = struct.pack(">HHHHHH", 0x5a5a, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    query += struct.pack(">HH", 28, 1)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(3)
        sock.sendto(query, (server, 53))
        return struct.unpack(">HHHHHH", sock.recv(512)[:12])[3]


node = kubectl("get", "nodes", "-o", "json")["items"][0]
internal = [a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"]
check("node InternalIPs, IPv6 first", internal == NODE_ADDRESSES, internal)
check("node podCIDRs, IPv6 first, inside the pod subnets", inside(node["spec"].get("podCIDRs", []), PODS),
      node["spec"].get("podCIDRs"))

pods = [p for p in kubectl("get", "pods", "-A", "-o", "json")["items"] if not p["spec"].get("hostNetwork")]
ips = {p["metadata"]["name"]: [i["ip"] for i in p["status"].get("podIPs", [])] for p in pods}
check("pods on the pod network exist", len(ips) >= 2, ips)
check("every pod has an IPv6 and an IPv4 address, IPv6 first", all(inside(v, PODS) for v in ips.values()), ips)

kubectl("apply", "-o", "json", "-f", "-", stdin=SERVICE)
spec = kubectl("-n", "kube-system", "get", "service", "dns-dual-stack", "-o", "json")["spec"]
check("PreferDualStack Service families IPv6 first", spec.get("ipFamilies") == ["IPv6", "IPv4"], spec)
check("its ClusterIPs, IPv6 first, inside the service subnets", inside(spec.get("clusterIPs", []), SERVICES), spec)

for address in spec.get("clusterIPs", []):
    answers, error = 0, None
    # kube-proxy programs the new Service, and CoreDNS on a node built moments ago may answer empty at first:
    # wait up to 30 s for an answer (a path that never answers still fails).
    for _ in range(30):
        try:
            answers, error = aaaa_answers(address, "kubernetes.default.svc.cluster.local"), None
            if answers >= 1:
                break
        except OSError as exc:
            error = exc
        time.sleep(1)
    check(f"DNS answers AAAA through the ClusterIP {address}", answers >= 1, error or answers)

kubectl("-n", "kube-system", "delete", "service", "dns-dual-stack")
sys.exit(1 if failures else 0)
