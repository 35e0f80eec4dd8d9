"""The cluster site.yml built, seen as its users see it: nodes, addresses, DNS, pod and Service traffic, the VIP.

Cluster-wide checks run once, through the first control plane's kubectl; per-node checks run on every node.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import shlex
import urllib.parse
import time
from pathlib import Path

import pytest
import testinfra
import yaml

NODES = {"v6k-cp1": "fd00:40::151", "v6k-cp2": "fd00:40::152", "v6k-cp3": "fd00:40::153",
         "v6k-worker1": "fd00:40::154"}
CONTROL_PLANES = ["v6k-cp1", "v6k-cp2", "v6k-cp3"]
VIP = "fd00:40::150"
HOSTS = ipaddress.ip_network("fd00:40::/64")
PODS = ipaddress.ip_network("fd00:42::/56")
SERVICES = ipaddress.ip_network("fd00:43::/112")
DOMAIN = "cluster.local"
KUBECTL = "kubectl --kubeconfig /etc/kubernetes/admin.conf"
NS = "v6k-test"


@pytest.fixture(autouse=True)
def _cluster_nodes_only(host):
    if host.backend.name not in NODES:
        pytest.skip(f"{host.backend.name} is not a node yet: it joins in the growth step (side_effect.yml)")


@pytest.fixture(scope="module")
def cp1():
    return testinfra.get_host("podman://v6k-cp1")


def kubectl_json(cp1, args: str) -> dict:
    return json.loads(cp1.check_output(f"{KUBECTL} {args} -o json"))


def v6(value: str) -> ipaddress.IPv6Address:
    address = ipaddress.ip_address(value)
    assert address.version == 6, f"{value} is not IPv6"
    return address


# --- once per cluster (the module's host parameter is only there because testinfra gives one) -------------------

def once(host) -> bool:
    return host.backend.name == "v6k-cp1"


def test_every_node_ready_with_ipv6_addresses_and_pod_ranges_of_the_plan(host, cp1):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    nodes = {n["metadata"]["name"]: n for n in kubectl_json(cp1, "get nodes")["items"]}
    assert set(nodes) == set(NODES)
    seen_ranges = set()
    for name, node in nodes.items():
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True", (name, ready)
        internal = [a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"]
        assert internal == [NODES[name]], (name, internal)  # node-ip set explicitly: never the VIP
        assert all(v6(a) in HOSTS for a in internal)
        ranges = [ipaddress.ip_network(c) for c in node["spec"]["podCIDRs"]]
        assert len(ranges) == 1 and ranges[0].version == 6 and ranges[0].prefixlen == 64 and ranges[0].subnet_of(PODS)
        seen_ranges.add(ranges[0])
    assert len(seen_ranges) == len(NODES)


def test_three_control_planes_run_their_static_pods(host, cp1):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    pods = kubectl_json(cp1, "-n kube-system get pods")["items"]
    running = {(p["metadata"]["labels"].get("component"), p["spec"]["nodeName"]) for p in pods
               if p["metadata"].get("labels", {}).get("tier") == "control-plane" and p["status"]["phase"] == "Running"}
    for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        for node in CONTROL_PLANES:
            assert (component, node) in running, (component, node)
    members = cp1.check_output(
        "crictl exec $(crictl ps --name etcd -q | head -1) etcdctl --endpoints=https://[fd00:40::151]:2379 "
        "--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt "
        "--key=/etc/kubernetes/pki/etcd/server.key member list -w json")
    peer_urls = sorted(u for m in json.loads(members)["members"] for u in m["peerURLs"])
    assert peer_urls == [f"https://[{NODES[n]}]:2380" for n in CONTROL_PLANES]


def test_services_are_ipv6_single_stack_in_the_plan(host, cp1):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s["spec"]
                for s in kubectl_json(cp1, "get services -A")["items"]}
    assert services[("default", "kubernetes")]["clusterIP"] == "fd00:43::1"
    assert services[("kube-system", "kube-dns")]["clusterIP"] == "fd00:43::a"
    for key, spec in services.items():
        assert spec["ipFamilies"] == ["IPv6"], key
        assert all(v6(ip) in SERVICES for ip in spec["clusterIPs"]), key


def test_admin_kubeconfig_uses_the_vip_and_one_control_plane_holds_it(host, cp1):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    assert f"server: https://[{VIP}]:6443" in cp1.file("/etc/kubernetes/admin.conf").content_string
    holders = []
    for name in CONTROL_PLANES:
        out = testinfra.get_host(f"podman://{name}").check_output(f"ip -6 -o addr show to {VIP}/128")
        if out:
            holders.append(name)
            assert f"{VIP}/128" in out and "eth0" in out
    assert len(holders) == 1, holders
    assert cp1.check_output(f"{KUBECTL} get --raw /readyz") == "ok"


@pytest.fixture(scope="module")
def workloads(cp1):
    """A server pod on the worker, a client pod on a control plane (another node), a Service for the server."""
    manifest = {
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
            {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "server", "namespace": NS, "labels": {"app": "server"}},
             "spec": {"nodeName": "v6k-worker1", "containers": [{
                 "name": "http", "image": "localhost/v6kube-toolbox:bookworm", "imagePullPolicy": "Never",
                 "command": ["python3", "-m", "http.server", "--bind", "::", "8080"],
                 "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1}}]}},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client", "namespace": NS},
             "spec": {"nodeName": "v6k-cp2", "containers": [{
                 "name": "client", "image": "localhost/v6kube-toolbox:bookworm", "imagePullPolicy": "Never",
                 "command": ["sleep", "infinity"]}]}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "server", "namespace": NS},
             "spec": {"selector": {"app": "server"}, "ports": [{"port": 80, "targetPort": 8080}]}},
        ]}
    cp1.check_output(f"echo {shlex.quote(json.dumps(manifest))} | {KUBECTL} apply -f -")
    cp1.check_output(f"{KUBECTL} -n {NS} wait --for=condition=Ready pod/server pod/client --timeout=180s")
    pods = {p["metadata"]["name"]: p for p in kubectl_json(cp1, f"-n {NS} get pods")["items"]}
    return pods


def in_client(cp1, code: str) -> str:
    return cp1.check_output(f"{KUBECTL} -n {NS} exec client -- python3 -c {shlex.quote(code)}")


def test_pods_get_ipv6_addresses_from_their_node_range(host, cp1, workloads):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    nodes = {n["metadata"]["name"]: n for n in kubectl_json(cp1, "get nodes")["items"]}
    for pod in workloads.values():
        ips = [p["ip"] for p in pod["status"]["podIPs"]]
        assert len(ips) == 1
        node_range = ipaddress.ip_network(nodes[pod["spec"]["nodeName"]]["spec"]["podCIDRs"][0])
        assert v6(ips[0]) in node_range and v6(ips[0]) in PODS


def test_dns_answers_aaaa_only_through_coredns_over_ipv6(host, cp1, workloads):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    resolv = in_client(cp1, "print(open('/etc/resolv.conf').read())")
    assert "nameserver fd00:43::a" in resolv
    out = in_client(cp1, f"""
import socket
name = "kubernetes.default.svc.{DOMAIN}"
print(sorted({{a[4][0] for a in socket.getaddrinfo(name, 443, socket.AF_INET6)}}))
try:
    socket.getaddrinfo(name, 443, socket.AF_INET)
    print("A")
except socket.gaierror:
    print("no A")
""")
    assert out.splitlines() == ["['fd00:43::1']", "no A"]


def test_pod_reaches_the_api_through_the_kubernetes_service_with_tls(host, cp1, workloads):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    out = in_client(cp1, f"""
import ssl, urllib.request
ctx = ssl.create_default_context(cafile="/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")
print(urllib.request.urlopen("https://kubernetes.default.svc.{DOMAIN}/readyz", context=ctx, timeout=10).read().decode())
""")
    assert out == "ok"


def test_pod_reaches_a_pod_on_another_node_and_a_service(host, cp1, workloads):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    server_ip = workloads["server"]["status"]["podIP"]
    assert workloads["server"]["spec"]["nodeName"] != workloads["client"]["spec"]["nodeName"]
    for url in (f"http://[{server_ip}]:8080/", f"http://server.{NS}.svc.{DOMAIN}/"):
        deadline = time.monotonic() + 60
        while True:
            result = cp1.run(f"{KUBECTL} -n {NS} exec client -- python3 -c "
                             + shlex.quote(f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=5).status)"))
            if result.rc == 0 or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert result.rc == 0 and result.stdout.strip() == "200", (url, result.stdout, result.stderr)
    service_ip = kubectl_json(cp1, f"-n {NS} get service server")["spec"]["clusterIP"]
    assert v6(service_ip) in SERVICES


# --- every node --------------------------------------------------------------------------------------------------

def test_routes_to_every_other_nodes_pod_range(host):
    name = host.backend.name
    cp1 = testinfra.get_host("podman://v6k-cp1")
    nodes = kubectl_json(cp1, "get nodes")["items"]
    want = sorted((n["spec"]["podCIDRs"][0], NODES[n["metadata"]["name"]]) for n in nodes if n["metadata"]["name"] != name)
    have = sorted((r["dst"], r["gateway"]) for r in json.loads(host.check_output("ip -j -6 route show proto 203")))
    assert have == want
    batch = host.file("/etc/v6kube/pod-routes.batch").content_string
    for dst, via in want:
        assert f"route replace {dst} via {via} proto 203" in batch
    assert host.service("v6kube-pod-routes").is_enabled
    conf = json.loads(host.file("/etc/cni/net.d/10-v6kube.conflist").content_string)
    own = next(n for n in nodes if n["metadata"]["name"] == name)["spec"]["podCIDRs"]
    assert conf["plugins"][0]["ipam"]["ranges"] == [[{"subnet": own[0]}]]


def test_kubelet_node_ip_is_explicit_and_no_rendered_secrets_remain(host):
    flags = host.file("/var/lib/kubelet/kubeadm-flags.env").content_string
    assert f"--node-ip={NODES[host.backend.name]}" in flags
    assert host.check_output("find /etc/kubernetes/v6kube -type f | wc -l") == "0"
    assert host.file("/etc/kubernetes/v6kube").mode == 0o700


def test_keepalived_from_the_mirror_repository_on_control_planes(host):
    if host.backend.name not in CONTROL_PLANES:
        assert not host.package("keepalived").is_installed
        return
    assert host.package("keepalived").is_installed
    assert "fd00:40::1" in host.file("/etc/apt/sources.list.d/v6kube-api-vip.list").content_string
    assert host.service("keepalived").is_enabled and host.service("keepalived").is_running
    conf = host.file("/etc/keepalived/keepalived.conf").content_string
    assert f"{VIP}/128 dev eth0" in conf and "vrrp_version 3" in conf
    assert f"unicast_src_ip {NODES[host.backend.name]}" in conf
    check = json.loads(host.file("/etc/keepalived/v6kube-check-apiserver.json").content_string)
    me = host.backend.name
    assert check["local"] == f"https://[{NODES[me]}]:6443"
    assert check["peers"] == [f"https://[{NODES[cp]}]:6443" for cp in CONTROL_PLANES if cp != me]
    verdict = host.run("python3 /etc/keepalived/v6kube-check-apiserver")
    assert verdict.rc == 0 and verdict.stdout.strip() == "the local API server is ready"


VERSION = "v1.37.2"
IMAGES = {"registry.k8s.io/pause:3.10.2", "registry.k8s.io/coredns/coredns:v1.14.6",
          f"registry.k8s.io/kube-proxy:{VERSION}", "localhost/v6kube-toolbox:bookworm"}
CONTROL_PLANE_IMAGES = {"registry.k8s.io/etcd:3.7.0-0", f"registry.k8s.io/kube-apiserver:{VERSION}",
                        f"registry.k8s.io/kube-controller-manager:{VERSION}", f"registry.k8s.io/kube-scheduler:{VERSION}"}


def test_node_runtime_and_tools_at_their_versions(host, host_name):
    assert host.check_output("kubeadm version -o short") == VERSION
    assert f"Kubernetes {VERSION}" in host.check_output("kubelet --version")
    assert "v2.4.2" in host.check_output("containerd --version")
    assert "v1.37.0" in host.check_output("crictl --version")
    assert "runc version 1.1.5" in host.check_output("/usr/local/sbin/runc --version")
    for plugin in ("bridge", "host-local", "loopback", "portmap"):
        assert host.file(f"/opt/cni/bin/{plugin}").mode & 0o111
    info = json.loads(host.check_output("crictl info"))
    runc = info["config"]["containerd"]["runtimes"]["runc"]["options"]
    assert runc["SystemdCgroup"] is True and runc["BinaryName"] == "/usr/local/sbin/runc"
    conditions = {c["type"]: c["status"] for c in info["status"]["conditions"]}
    assert conditions["RuntimeReady"] is True and conditions["NetworkReady"] is True  # the pod network's CNI
    tags = {t for image in json.loads(host.check_output("crictl images -o json"))["images"] for t in image["repoTags"]}
    assert IMAGES <= tags
    # The control-plane images only where kubeadm runs them (the lab gives workers what may run on them).
    assert (CONTROL_PLANE_IMAGES <= tags) if host_name in CONTROL_PLANES else not CONTROL_PLANE_IMAGES & tags
    assert host.service("kubelet").is_enabled and host.service("kubelet").is_running


def test_apiserver_certificate_names_the_vip_the_node_and_the_service(host):
    if host.backend.name not in CONTROL_PLANES:
        pytest.skip("control planes only")
    decoded = host.check_output(
        "python3 -c \"import json, ssl; print(json.dumps(ssl._ssl._test_decode_cert("
        "'/etc/kubernetes/pki/apiserver.crt')['subjectAltName']))\"")
    addresses = {ipaddress.ip_address(value) for kind, value in json.loads(decoded) if kind == "IP Address"}
    for address in (VIP, NODES[host.backend.name], "fd00:43::1"):
        assert ipaddress.ip_address(address) in addresses, (address, addresses)


# --- monitoring (v6kube_monitoring: the monitoring role, kubeadm_control_plane_metrics) --------------------------

PROMETHEUS_QUERY = """
import json, sys, urllib.parse, urllib.request
base, path = sys.argv[1], sys.argv[2]
print(urllib.request.urlopen(base + path, timeout=10).read().decode())
"""


def prometheus(cp1, base: str, path: str) -> dict:
    body = json.loads(cp1.check_output(f"python3 -c {shlex.quote(PROMETHEUS_QUERY)} {shlex.quote(base)} "
                                       f"{shlex.quote(path)}"))
    assert body["status"] == "success", body
    return body["data"]


def test_prometheus_scrapes_every_target_over_ipv6_through_its_ipv6_service(host, cp1):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    service = kubectl_json(cp1, "-n monitoring get service prometheus")["spec"]
    assert service["ipFamilyPolicy"] == "SingleStack" and service["ipFamilies"] == ["IPv6"]
    assert v6(service["clusterIP"]) in SERVICES and service["ports"][0]["port"] == 9090
    base = f"http://[{service['clusterIP']}]:9090"
    dns_pods = len(kubectl_json(cp1, "-n kube-system get pods -l k8s-app=kube-dns")["items"])
    expected = {"apiserver": 3, "kubelet": 4, "cadvisor": 4, "node": 4, "coredns": dns_pods, "scheduler": 3,
                "controller-manager": 3, "etcd": 3}
    deadline = time.monotonic() + 240
    while True:
        targets = prometheus(cp1, base, "/api/v1/targets?state=active")["activeTargets"]
        up = {}
        for target in targets:
            up.setdefault(target["labels"]["job"], []).append(target["health"])
        if all(up.get(job, []).count("up") == n for job, n in expected.items()) or time.monotonic() > deadline:
            break
        time.sleep(5)
    detail = {t["scrapeUrl"]: (t["health"], t["lastError"]) for t in targets if t["health"] != "up"}
    assert {job: len(up.get(job, [])) for job in expected} == expected, detail
    assert all(health == "up" for healths in up.values() for health in healths), detail
    # Every target is an IPv6 address, in brackets, of a node (host network) or of a pod.
    for target in targets:
        netloc = urllib.parse.urlsplit(target["scrapeUrl"]).netloc
        assert netloc.startswith("["), target["scrapeUrl"]
        address = v6(netloc[1:netloc.index("]")])
        assert address in HOSTS or address in PODS, target["scrapeUrl"]
    # The same seen by a query: up == 1 for every series of every job.
    series = prometheus(cp1, base, "/api/v1/query?query=" + urllib.parse.quote("up"))["result"]
    assert sorted({s["metric"]["job"] for s in series}) == sorted(expected)
    assert all(s["value"][1] == "1" for s in series), [s["metric"] for s in series if s["value"][1] != "1"]


def test_control_plane_metrics_listen_beyond_loopback(host):
    if host.backend.name not in CONTROL_PLANES:
        pytest.skip("control planes only")
    listening = host.check_output("ss -Htln")
    for port in (10257, 10259, 2381):
        assert f"*:{port} " in listening or f"[::]:{port} " in listening, (port, listening)


# --- hardening: Secrets at rest, the audit log, Pod Security admission ------------------------------------------

SECRET = "v6k-encrypted"
MARKER = "plain-text-marker-4b1d"
ETCDCTL = ("-n kube-system exec etcd-v6k-cp1 -- etcdctl --endpoints=https://[fd00:40::151]:2379 "
           "--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
           "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key")


@pytest.fixture(scope="module")
def secret(cp1, workloads):
    """A Secret in the test namespace (kept: the growth step reads it through the control plane that rejoins)."""
    cp1.check_output(f"{KUBECTL} -n {NS} create secret generic {SECRET} --from-literal=marker={MARKER} "
                     f"--dry-run=client -o yaml | {KUBECTL} apply -f -")
    return f"/registry/secrets/{NS}/{SECRET}"


def test_secrets_are_stored_encrypted_in_etcd(host, cp1, secret):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    kvs = json.loads(cp1.check_output(f"{KUBECTL} {ETCDCTL} get {secret} -w json"))["kvs"]
    stored = base64.b64decode(kvs[0]["value"])
    assert stored.startswith(b"k8s:enc:secretbox:v1:v6kube-"), stored[:40]
    assert MARKER.encode() not in stored and base64.b64encode(MARKER.encode()) not in stored
    # ... and the API gives it back in clear
    data = cp1.check_output(f"{KUBECTL} -n {NS} get secret {SECRET} -o jsonpath={{.data.marker}}")
    assert base64.b64decode(data).decode() == MARKER


def test_every_control_plane_holds_the_same_private_key_file(host):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    sums = set()
    for name in CONTROL_PLANES:
        node = testinfra.get_host(f"podman://{name}")
        assert node.file("/etc/kubernetes/apiserver").mode == 0o700
        for item in ("encryption.yaml", "audit-policy.yaml", "admission.yaml"):
            f = node.file(f"/etc/kubernetes/apiserver/{item}")
            assert (f.user, f.group, f.mode) == ("root", "root", 0o600), (name, item)
        sums.add(node.check_output("sha256sum < /etc/kubernetes/apiserver/encryption.yaml"))
    assert len(sums) == 1, sums


def test_the_audit_log_records_a_secret_read_without_its_data(host, cp1, secret):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")
    # Read through v6k-cp1's own API server, so that its log holds the event.
    cp1.check_output(f"{KUBECTL} --server https://[{NODES['v6k-cp1']}]:6443 -n {NS} get secret {SECRET} -o name")
    for _attempt in range(20):
        lines = cp1.check_output(f"grep -h '\"name\":\"{SECRET}\"' /var/log/kubernetes/audit/audit.log || true")
        events = [json.loads(line) for line in lines.splitlines()]
        reads = [e for e in events if e["verb"] == "get" and e["objectRef"]["resource"] == "secrets"]
        if reads:
            break
        time.sleep(1)
    assert reads, "no audit event for the Secret read"
    assert all(e["level"] == "Metadata" and "responseObject" not in e and "requestObject" not in e for e in events)
    assert reads[-1]["user"]["username"] == "kubernetes-admin"
    assert cp1.run(f"grep -c {MARKER} /var/log/kubernetes/audit/audit.log").stdout.strip() == "0"


def test_pod_security_refuses_a_privileged_pod_except_where_exempt(host, cp1):
    if not once(host):
        pytest.skip("cluster-wide check, run on v6k-cp1")

    def dry_run(namespace: str):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "psa-probe", "namespace": namespace},
               "spec": {"containers": [{"name": "c", "image": "localhost/v6kube-toolbox:bookworm",
                                        "securityContext": {"privileged": True}}]}}
        return cp1.run(f"echo {shlex.quote(json.dumps(pod))} | {KUBECTL} apply --dry-run=server -f -")

    refused = dry_run("default")
    assert refused.rc != 0 and 'violates PodSecurity "baseline:latest"' in refused.stderr, refused.stderr
    assert dry_run("kube-system").rc == 0
    labels = kubectl_json(cp1, "get namespace monitoring")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "privileged"


# --- the CIS Kubernetes Benchmark table in README: every row marked "met" checked on the live nodes ---------------

README = Path(__file__).resolve().parents[3] / "README.md"


def cis_rows() -> list[tuple[str, str, list[str]]]:
    """(item, status, [check, ...]) of each row of README's CIS table."""
    table = README.read_text().split("<!-- cis-table: begin -->")[1].split("<!-- cis-table: end -->")[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 5, line
        checks = [c.replace("\\|", "|") for c in re.findall(r"`([^`]*)`", cells[4])]
        rows.append((cells[0], cells[3], checks))
    return rows


def _yaml_file(host, path: str, cache: dict) -> dict:
    """A YAML file of the node, read once per test (each read is a round trip into the host)."""
    if path not in cache:
        cache[path] = yaml.safe_load(host.file(path).content_string)
    return cache[path]


def _manifest_flags(host, component: str, cache: dict) -> dict[str, str]:
    pod = _yaml_file(host, f"/etc/kubernetes/manifests/{component}.yaml", cache)
    command = pod["spec"]["containers"][0]["command"]
    return dict((arg[2:].split("=", 1) + [""])[:2] for arg in command if arg.startswith("--"))


def _compare(value, op: str, expected: str) -> bool:
    allow_unset = expected.endswith("|unset")
    expected = expected.removesuffix("|unset")
    if value is None:
        return op in ("unset", "lacks") or allow_unset
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return {
        "set": lambda: True,
        "unset": lambda: False,
        "=": lambda: text == expected,
        "!=": lambda: text != expected,
        ">=": lambda: float(text) >= float(expected),
        "has": lambda: expected in text.split(","),
        "lacks": lambda: expected not in text.split(","),
    }[op]()


def cis_check(host, check: str, cache: dict) -> str | None:
    """None when the node meets ``check``, else what it found."""
    kind, *words = check.split()
    if kind == "mode":
        pattern, most, owner = words
        found = host.run(f"bash -O globstar -O nullglob -c 'stat -c \"%a %U:%G %n\" {pattern}'")
        lines = found.stdout.splitlines()
        if found.rc != 0 or not lines:
            return f"nothing at {pattern} ({found.stderr.strip()})"
        wrong = [line for line in lines
                 if int(line.split()[0], 8) & ~int(most, 8) or line.split()[1] != owner]
        return "; ".join(wrong) or None
    if kind == "flag":
        component, flag, op, *expected = words
        value = _manifest_flags(host, component, cache).get(flag[2:])
        return None if _compare(value, op, " ".join(expected)) else f"{component} {flag}={value}"
    if kind == "kubelet":
        path, op, *expected = words
        value = _yaml_file(host, "/var/lib/kubelet/config.yaml", cache)
        for step in path.split("."):
            value = value.get(step) if isinstance(value, dict) else None
        return None if _compare(value, op, " ".join(expected)) else f"kubelet {path}: {value}"
    if kind == "process":
        name, flag, op = words
        args = host.check_output(f"tr '\\0' ' ' < /proc/$(pgrep -xo {name})/cmdline").split()
        value = next((a.split("=", 1)[1] if "=" in a else "" for a in args if a.split("=")[0] == flag), None)
        return None if _compare(value, op, "") else f"{name} {flag}={value}"
    if kind == "encryption":
        path = _manifest_flags(host, "kube-apiserver", cache)["encryption-provider-config"]
        config = _yaml_file(host, path, cache)
        first = next(iter(config["resources"][0]["providers"][0]))
        return None if first == words[0] else f"first provider {first}"
    raise AssertionError(f"README's CIS table: unknown check {check!r}")


def test_cis_table_rows_marked_met_hold_on_this_node(host):
    rows = cis_rows()
    assert rows and {row[1] for row in rows} <= {"met", "not met", "n/a"}
    assert all(row[2] for row in rows if row[1] == "met"), "a met row without a check"
    control_plane = host.backend.name in CONTROL_PLANES
    failures, cache = [], {}
    for item, status, checks in rows:
        if status != "met" or not (control_plane or item.startswith("4.")):
            continue
        failures += [f"{item}: {check} -> {found}" for check in checks
                     if (found := cis_check(host, check, cache)) is not None]
    assert not failures, "\n".join(failures)
