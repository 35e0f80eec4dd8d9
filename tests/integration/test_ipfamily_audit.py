"""v6kube.cluster.ipfamily_audit and playbooks/audit.yml against real kube-apiservers (kube_api_factory).

Each test plants its objects in a namespace of its own (``audit-<flavour>``) and Nodes named after it, and
asserts on exactly those plus ``default/kubernetes`` (the servers are shared with other tests).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from base64 import b64decode
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from ansible_collections.v6kube.cluster.plugins.modules.ipfamily_audit import AuditError, api_client, run_audit
import ansible_run
from kube_api import make_ca, write_kubeconfig

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def playbook(*args: str) -> subprocess.CompletedProcess[str]:
    return ansible_run.playbook("-i", "localhost,", *args)


def adhoc(module_args: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ansible", "localhost", "-i", "localhost,", "-c", "local",
                           "-e", f"ansible_python_interpreter={sys.executable}", "-m",
                           "v6kube.cluster.ipfamily_audit", "-a", json.dumps(module_args)],
                          cwd=ROOT, env=ansible_run.ansible_env(), capture_output=True, text=True, timeout=120, check=False)


# ------------------------------------------------------------------ planting
def _service(ns, name, families=None, policy="SingleStack", kind="ClusterIP"):
    spec = {"type": kind, "ipFamilyPolicy": policy, "ports": [{"port": 80}]}
    if families:
        spec["ipFamilies"] = families
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def _slice(ns, name, family, address, service):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": family,
            "metadata": {"name": name, "namespace": ns,
                         "labels": {"kubernetes.io/service-name": service,
                                    "endpointslice.kubernetes.io/managed-by": "v6kube-test"}},
            "endpoints": [{"addresses": [address]}], "ports": [{"port": 80, "protocol": "TCP"}]}


def _pod(ns, name, node, host_network=False, env=None):
    container = {"name": "app", "image": "registry.invalid/app:1", "env": env or []}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": {"nodeName": node, "hostNetwork": host_network, "containers": [container]}}


def _node(name, addresses, pod_cidrs):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDR": pod_cidrs[0], "podCIDRs": pod_cidrs},
            "status": {"addresses": [{"type": "InternalIP", "address": a} for a in addresses]}}


def _apply(api, items):
    api.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


def _status(api, ns, resource, name, status):
    api.kubectl("patch", "-n", ns, resource, name, "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": status}))


def plant_ipv6_only(api, ns, node):
    """Objects an IPv6-only cluster has: nothing here may be a finding."""
    api.kubectl("create", "namespace", ns)
    _apply(api, [
        _node(node, ["fd00:40::31"], ["fd00:42:31::/64"]),
        _service(ns, "single-v6", ["IPv6"]),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "headless-v6", "namespace": ns},
         "spec": {"clusterIP": "None", "ipFamilies": ["IPv6"], "ipFamilyPolicy": "SingleStack",
                  "ports": [{"port": 80}]}},
        _slice(ns, "single-v6-a", "IPv6", "fd00:42:31::5", "single-v6"),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "upstream-v6", "namespace": ns},
         "data": {"nginx.conf": "upstream app { server [fd00:42:31::5]:8080; }\nlisten [::]:80;\n",
                  "release": "app v1.2.3.4, build 2.0.0.1.7", "VERSION": "1.2.3.4", "loopback": "127.0.0.1"}},
        _pod(ns, "app-v6", node, env=[{"name": "UPSTREAM", "value": "[fd00:42:31::5]:8080"},
                                      {"name": "APP_VERSION", "value": "10.1.2.3"}]),
        _pod(ns, "kube-proxy-v6", node, host_network=True),
    ])
    _status(api, ns, "pod", "app-v6", {"podIP": "fd00:42:31::9", "podIPs": [{"ip": "fd00:42:31::9"}]})
    _status(api, ns, "pod", "kube-proxy-v6", {"podIP": "fd00:40::31", "podIPs": [{"ip": "fd00:40::31"}]})


def plant_dual(api, ns, node4, node6):
    """One object per IPv4 dependency, each next to its IPv6 twin that must not be a finding."""
    api.kubectl("create", "namespace", ns)
    _apply(api, [
        _node(node4, ["192.0.2.41", "fd00:40::41"], ["fd00:42:41::/64", "10.244.41.0/24"]),
        _node(node6, ["fd00:40::42"], ["fd00:42:42::/64"]),
        _service(ns, "single-v6", ["IPv6"]),
        _service(ns, "single-v4", ["IPv4"]),
        _service(ns, "prefer-dual", policy="PreferDualStack"),
        _service(ns, "require-dual", policy="RequireDualStack"),
        _service(ns, "lb-v6", ["IPv6"], kind="LoadBalancer"),
        _slice(ns, "prefer-dual-v4", "IPv4", "10.244.41.5", "prefer-dual"),
        _slice(ns, "prefer-dual-v6", "IPv6", "fd00:42:41::5", "prefer-dual"),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "upstream-v4", "namespace": ns},
         "data": {"nginx.conf": "upstream app { server 10.244.41.5:8080; }\nlisten 0.0.0.0:80;\n"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "upstream-v6", "namespace": ns},
         "data": {"nginx.conf": "upstream app { server [fd00:42:41::5]:8080; }\n", "version": "1.2.3.4"}},
        _pod(ns, "app-dual", node4),
        _pod(ns, "app-v6", node6),
        _pod(ns, "agent", node4, host_network=True),
        _pod(ns, "agent-v6", node6, host_network=True),
        _pod(ns, "client", node6, env=[{"name": "DB_HOST", "value": "10.96.7.7"},
                                       {"name": "IMAGE_VERSION", "value": "1.2.3.4"}]),
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": ns},
         "spec": {"defaultBackend": {"service": {"name": "single-v6", "port": {"number": 80}}}}},
    ])
    _status(api, ns, "pod", "app-dual", {"podIP": "fd00:42:41::9",
                                         "podIPs": [{"ip": "fd00:42:41::9"}, {"ip": "10.244.41.9"}]})
    _status(api, ns, "pod", "app-v6", {"podIP": "fd00:42:42::9", "podIPs": [{"ip": "fd00:42:42::9"}]})
    _status(api, ns, "pod", "agent", {"podIP": "fd00:40::41", "podIPs": [{"ip": "fd00:40::41"}, {"ip": "192.0.2.41"}]})
    _status(api, ns, "pod", "agent-v6", {"podIP": "fd00:40::42", "podIPs": [{"ip": "fd00:40::42"}]})
    _status(api, ns, "service", "lb-v6", {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}})
    _status(api, ns, "ingress", "web", {"loadBalancer": {"ingress": [{"ip": "203.0.113.11"}]}})


def _mine(findings, namespaces, nodes):
    return sorted((f["kind"], f["namespace"], f["name"], f["what"], f["step"]) for f in findings
                  if f["namespace"] in namespaces or (f["kind"] == "Node" and f["name"] in nodes))


def _audit(api, **kwargs):
    with api_client(str(api.kubeconfig), None) as client:
        findings, scanned = run_audit(client, **kwargs)
    return [f.as_dict() for f in findings], scanned


# ------------------------------------------------------------------ proofs
def test_an_ipv6_only_cluster_audits_clean(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    ns, node = "audit-ipv6", "audit-ipv6-node"
    plant_ipv6_only(api, ns, node)
    findings, scanned = _audit(api, page_size=2)  # pages of 2: every kind is read in several pages
    assert _mine(findings, {ns, *SYSTEM_NAMESPACES}, {node}) == []
    assert scanned["services"] >= 3 and scanned["configmaps"] >= 1 and scanned["pods"] >= 1
    assert scanned["nodes"] >= 1 and scanned["endpointslices"] >= 2

    # The playbook, gate on, limited to namespaces that hold only IPv6 objects: clean, exit 0, report written.
    report = tmp_path / "report.md"
    result = playbook("playbooks/audit.yml", "-e", f"v6kube_audit_kubeconfig={api.kubeconfig}",
                      "-e", f"v6kube_audit_report={report}", "-e", "v6kube_audit_fail_on_ipv4=true",
                      "-e", f"v6kube_audit_namespaces={ns},default,kube-system,kube-public")
    assert result.returncode == 0, result.stdout + result.stderr
    text = report.read_text()
    assert "**Clean:**" in text and api.url in text
    assert report.stat().st_mode & 0o777 == 0o644


EXPECTED_DUAL = {
    # (kind, name, what) -> step, for the IPv6-primary server
    ("Service", "single-v4", "service-ipv4-family"): "services-recreate",
    ("Service", "prefer-dual", "service-ipv4-family"): "services-in-place",
    ("Service", "require-dual", "service-ipv4-family"): "services-in-place",
    ("Service", "lb-v6", "loadbalancer-ipv4"): "load-balancers",
    ("EndpointSlice", "prefer-dual-v4", "endpointslice-ipv4"): "endpointslices",
    ("ConfigMap", "upstream-v4", "configmap-ipv4-literal"): "config",
    ("Pod", "client", "container-ipv4-literal"): "config",
    ("Pod", "app-dual", "pod-ipv4-podip"): "pods",
    ("Pod", "agent", "pod-hostnetwork"): "host-network",
    ("Ingress", "web", "ingress-ipv4"): "load-balancers",
}


@pytest.mark.parametrize("flavour", ["dual-ipv6-primary", "dual-ipv4-primary"])
def test_a_dual_stack_cluster_shows_every_planted_ipv4_dependency_and_nothing_else(kube_api_factory, flavour):
    api = kube_api_factory(flavour)
    ns, node4, node6 = f"audit-{flavour}", f"audit-{flavour}-v4", f"audit-{flavour}-v6"
    plant_dual(api, ns, node4, node6)
    expected = {(kind, ns, name, what, step) for (kind, name, what), step in EXPECTED_DUAL.items()}
    expected |= {("Node", "", node4, "node-ipv4-internalip", "nodes"), ("Node", "", node4, "node-ipv4-podcidr", "nodes")}
    if flavour == "dual-ipv4-primary":
        # Dual-stack Services take the primary family of the cluster first: IPv4, immutable, so recreated.
        expected = {(k, n, name, w, "services-recreate" if name in {"prefer-dual", "require-dual"} else s)
                    for k, n, name, w, s in expected}
        # kube-apiserver's own Service and EndpointSlice are IPv4 there (advertise address of the primary family).
        expected |= {("Service", "default", "kubernetes", "service-ipv4-family", "services-recreate"),
                     ("EndpointSlice", "default", "kubernetes", "endpointslice-ipv4", "endpointslices")}
    api.kubectl("wait", "-n", "default", "endpointslice/kubernetes", "--for=create", "--timeout=30s")

    findings = _audit(api, page_size=3)[0]
    assert set(_mine(findings, {ns, *SYSTEM_NAMESPACES}, {node4, node6})) == expected
    assert len(_mine(findings, {ns, *SYSTEM_NAMESPACES}, {node4, node6})) == len(expected)
    by_name = {f["name"]: f for f in findings if f["namespace"] == ns}
    assert by_name["upstream-v4"]["heuristic"] is True and "10.244.41.5" in by_name["upstream-v4"]["detail"]
    assert "0.0.0.0" in by_name["upstream-v4"]["detail"]
    assert "DB_HOST=10.96.7.7" in by_name["client"]["detail"] and "1.2.3.4" not in by_name["client"]["detail"]

    # Without heuristics, only the facts; limited to the namespace, nothing of default/ or other tests.
    facts, scanned = _audit(api, namespaces=[ns], heuristics=False)
    assert scanned["configmaps"] == 0
    heuristic = {"configmap-ipv4-literal", "container-ipv4-literal"}
    assert {(f["kind"], f["name"], f["what"]) for f in facts if f["kind"] != "Node"} == {
        (k, name, w) for k, n, name, w, _step in expected if n == ns and w not in heuristic}


def test_the_plan_s_recreate_rule_is_the_api_server_s(kube_api_factory):
    """What the plan says about Services, tried on the apiserver: dropping the IPv4 secondary family works in
    place; changing an IPv4 primary family is refused, so such a Service must be deleted and created again."""
    api = kube_api_factory("dual-ipv6-primary")
    ns = "audit-recreate-rule"
    api.kubectl("create", "namespace", ns)
    _apply(api, [_service(ns, "secondary-v4", policy="PreferDualStack"), _service(ns, "primary-v4", ["IPv4"])])
    api.kubectl("patch", "-n", ns, "service", "secondary-v4", "--type=merge", "-p",
                json.dumps({"spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv6"], "clusterIPs": None}}))
    refused = api.kubectl("patch", "-n", ns, "service", "primary-v4", "--type=merge", "-p",
                          json.dumps({"spec": {"ipFamilies": ["IPv6"], "clusterIPs": None, "clusterIP": None}}),
                          check=False)
    assert refused.returncode != 0 and "invalid" in refused.stderr.lower(), refused.stderr
    findings = _audit(api, namespaces=[ns], kinds=["services"])[0]
    assert [(f["name"], f["step"]) for f in findings] == [("primary-v4", "services-recreate")]


def test_the_playbook_writes_the_report_and_the_gate_fails(kube_api_factory, tmp_path):
    api = kube_api_factory("dual-ipv6-primary")
    ns = "audit-dual-ipv6-primary"
    if api.kubectl("get", "namespace", ns, check=False).returncode != 0:
        plant_dual(api, ns, f"{ns}-v4", f"{ns}-v6")
    report = tmp_path / "sub" / "audit.md"
    report.parent.mkdir()
    result = playbook("playbooks/audit.yml", "-e", f"v6kube_audit_kubeconfig={api.kubeconfig}",
                      "-e", f"v6kube_audit_report={report}", "-e", "v6kube_audit_fail_on_ipv4=true",
                      "-e", f"v6kube_audit_namespaces={ns}")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "IPv4 dependencies remain" in out and "Traceback" not in out
    text = report.read_text()
    assert report.stat().st_mode & 0o777 == 0o644
    # The plan, in order: config first, pods last; heuristics marked. Nodes are cluster-scoped: namespaces do
    # not limit them.
    headings = [line for line in text.splitlines() if line.startswith("### ") and line[4].isdigit()]
    assert headings[0] == "### 1. IPv4 literals in configuration (heuristic, review each)", headings
    assert [h.split(". ", 1)[1].split(" (")[0] for h in headings] == [
        "IPv4 literals in configuration", "Services with an IPv4 primary family",
        "Services with an IPv4 secondary family or not IPv6 SingleStack", "EndpointSlices of addressType IPv4",
        "IPv4 load balancer and Ingress addresses", "hostNetwork Pods", "Nodes with IPv4 addresses or pod ranges",
        "Pods with IPv4 pod IPs"]
    assert f"- `Service {ns}/single-v4`" in text and "Delete and create again (1)" in text
    assert f"| {ns} | upstream-v4 | `configmap-ipv4-literal` (heuristic) |" in text
    assert "single-v6" not in text and "upstream-v6" not in text

    # The gate off: the same findings, exit 0.
    result = playbook("playbooks/audit.yml", "-e", f"v6kube_audit_kubeconfig={api.kubeconfig}",
                      "-e", f"v6kube_audit_report={report}", "-e", f"v6kube_audit_namespaces={ns}")
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ failures
def test_failures_name_what_failed_without_traceback(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    user = yaml.safe_load(api.kubeconfig.read_text())["users"][0]["user"]
    other_ca = make_ca("another-ca")[0]
    wrong_ca = write_kubeconfig(tmp_path / "wrong-ca", api.url, other_ca.public_bytes(serialization.Encoding.PEM),
                                b64decode(user["client-certificate-data"]), b64decode(user["client-key-data"]),
                                "v6kube-admin")
    garbage = tmp_path / "garbage"
    garbage.write_text("this: [is not a kubeconfig\n")
    scalar = tmp_path / "scalar"
    scalar.write_text("just some text\n")
    with socket.socket(socket.AF_INET6) as closed_port:  # bound, never listening: connections are refused
        closed_port.bind(("::1", 0))
        closed_url = f"https://[::1]:{closed_port.getsockname()[1]}"
        closed = tmp_path / "closed"
        closed.write_text(api.kubeconfig.read_text().replace(api.url, closed_url))
        cases = [
            ({"kubeconfig": str(closed)}, f"cannot reach the API server at {closed_url}: "),
            ({"kubeconfig": str(wrong_ca)},
             f"TLS with the API server at {api.url} failed: certificate verify failed"),
            ({"kubeconfig": str(garbage)}, f"kubeconfig {garbage} is not valid YAML (line 2, column 1): "),
            ({"kubeconfig": str(scalar)}, f"kubeconfig {scalar} is not a kubeconfig"),
            ({"kubeconfig": str(tmp_path / "absent")}, f"kubeconfig {tmp_path / 'absent'} does not exist"),
            ({"kubeconfig": str(api.kubeconfig), "context": "nope"}, "cannot load kubeconfig"),
            ({"kubeconfig": str(api.limited_kubeconfig)},
             f"forbidden to list services in all namespaces at {api.url} (403): services is forbidden: "
             'User \\"v6kube-nobody\\" cannot list resource \\"services\\"'),
        ]
        for args, message in cases:
            result = adhoc(args)
            out = result.stdout + result.stderr
            assert result.returncode != 0, out
            assert message in out, (args, out)
            assert "Traceback" not in out and "MaxRetryError" not in out, out
        # The core raises the same messages for callers other than Ansible.
        with pytest.raises(AuditError, match="Connection refused"):
            with api_client(str(closed), None) as client:
                run_audit(client, kinds=["nodes"])
