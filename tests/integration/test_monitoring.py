"""The monitoring stack against real components: the role against a real kube-apiserver (tests/integration/
kube_api.py, IPv6-only flavour), and the scrape configuration through real Prometheus service discovery
(`promtool check service-discovery`, built from the pinned Prometheus module) against the same API server.

There is no kubelet here: Prometheus itself runs, and scrapes, in the cluster scenario (molecule/cluster).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_run import changed, run_playbook
from kube_api import ADVERTISE, kube_dns

from ansible_collections.v6kube.cluster.plugins.module_utils._monitoring import monitoring_manifests

NODES = {"mon-cp1": "fd00:40::151", "mon-v4": "10.48.0.9"}


def run_role(api, tmp_path: Path, *args: str, **variables) -> subprocess.CompletedProcess:
    variables.setdefault("monitoring_kubeconfig", str(api.kubeconfig))
    # no kubelet runs the pods here: the role applies without waiting for them to be ready
    variables.setdefault("monitoring_wait", False)
    return run_playbook("monitoring", tmp_path, *args, variables=variables)


def get(api, *args: str) -> dict:
    return json.loads(api.kubectl(*args, "-o", "json").stdout)


def names(api, namespace: str) -> set[str]:
    items = get(api, "-n", namespace, "get", "serviceaccounts,configmaps,deployments,services,daemonsets,roles")
    return {f"{i['kind']}/{i['metadata']['name']}" for i in items["items"]
            if i["metadata"]["name"] not in ("default", "kube-root-ca.crt")}


def test_role_applies_the_stack_idempotently_checks_and_removes_it(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    wanted = {"monitoring_namespace": "mon-role", "monitoring_retention": "7d"}

    check = run_role(api, tmp_path, "--check", **wanted)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "namespace mon-role does not exist; a real run creates it" in check.stdout
    assert api.kubectl("get", "namespace", "mon-role", check=False).returncode != 0

    first = run_role(api, tmp_path, **wanted)
    assert first.returncode == 0 and changed(first) == 1, first.stdout + first.stderr
    assert names(api, "mon-role") == {"ServiceAccount/prometheus", "ConfigMap/prometheus-config",
                                      "Deployment/prometheus", "Service/prometheus", "DaemonSet/node-exporter"}
    service = get(api, "-n", "mon-role", "get", "service", "prometheus")["spec"]
    assert service["ipFamilyPolicy"] == "SingleStack" and service["ipFamilies"] == ["IPv6"]
    assert ":" in service["clusterIP"]
    args = get(api, "-n", "mon-role", "get", "deployment", "prometheus")["spec"]["template"]["spec"]["containers"][0]
    assert "--storage.tsdb.retention.time=7d" in args["args"] and "--web.listen-address=[::]:9090" in args["args"]
    config = get(api, "-n", "mon-role", "get", "configmap", "prometheus-config")["data"]["prometheus.yml"]
    assert config == monitoring_manifests({"namespace": "mon-role", "retention": "7d"})["config"]
    for namespace in ("default", "kube-system"):
        assert get(api, "-n", namespace, "get", "role", "v6kube-prometheus-mon-role")["rules"]

    second = run_role(api, tmp_path, **wanted)
    assert second.returncode == 0 and changed(second) == 0, second.stdout + second.stderr
    recheck = run_role(api, tmp_path, "--check", **wanted)
    assert recheck.returncode == 0 and changed(recheck) == 0, recheck.stdout + recheck.stderr

    # A changed option changes the objects in place.
    longer = run_role(api, tmp_path, monitoring_namespace="mon-role", monitoring_retention="30d")
    assert longer.returncode == 0 and changed(longer) == 1, longer.stdout + longer.stderr
    args = get(api, "-n", "mon-role", "get", "deployment", "prometheus")["spec"]["template"]["spec"]["containers"][0]
    assert "--storage.tsdb.retention.time=30d" in args["args"]

    gone = run_role(api, tmp_path, monitoring_state="absent", **wanted)
    assert gone.returncode == 0 and changed(gone) == 1, gone.stdout + gone.stderr
    # without kube-controller-manager the namespace stays Terminating; what the role deleted is gone
    assert api.kubectl("get", "clusterrole", "v6kube-prometheus-mon-role", check=False).returncode != 0
    assert api.kubectl("-n", "kube-system", "get", "role", "v6kube-prometheus-mon-role", check=False).returncode != 0
    assert names(api, "mon-role") == set()


def test_the_wait_skips_nodes_that_are_not_ready_and_says_what_it_waits_for(kube_api_factory, tmp_path):
    """The controllers' part is played by status patches: a Ready node and a node that is down (its Ready condition
    Unknown, as the node lifecycle controller writes it); node_exporter is ready only on the Ready one."""
    api = kube_api_factory("ipv6")
    wanted = {"monitoring_namespace": "mon-wait"}
    assert run_role(api, tmp_path, **wanted).returncode == 0
    for name, ready in (("wait-up", "True"), ("wait-down", "Unknown")):
        api.kubectl("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Node",
                                                          "metadata": {"name": name}}))
        api.kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(
            {"status": {"conditions": [{"type": "Ready", "status": ready, "reason": "Test"}]}}))
    nodes = len(get(api, "get", "nodes")["items"])  # the API server is shared: other tests' nodes are not Ready
    deployment = get(api, "-n", "mon-wait", "get", "deployment", "prometheus")
    api.kubectl("-n", "mon-wait", "patch", "deployment", "prometheus", "--subresource=status", "--type=merge", "-p",
                json.dumps({"status": {"observedGeneration": deployment["metadata"]["generation"], "replicas": 1,
                                       "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}}))

    def node_exporter(ready: int) -> None:
        generation = get(api, "-n", "mon-wait", "get", "daemonset", "node-exporter")["metadata"]["generation"]
        api.kubectl("-n", "mon-wait", "patch", "daemonset", "node-exporter", "--subresource=status", "--type=merge",
                    "-p", json.dumps({"status": {"observedGeneration": generation, "desiredNumberScheduled": nodes,
                                                 "currentNumberScheduled": nodes, "updatedNumberScheduled": nodes,
                                                 "numberReady": ready, "numberMisscheduled": 0}}))

    node_exporter(ready=1)
    done = run_role(api, tmp_path, monitoring_wait=True, monitoring_wait_timeout=20, **wanted)
    assert done.returncode == 0 and changed(done) == 0, done.stdout + done.stderr
    skipped = re.search(r"node_exporter is not waited for on ([^(]*) \(not Ready\)", done.stdout)
    assert skipped, done.stdout
    assert "wait-down" in skipped.group(1).split(", ") and "wait-up" not in skipped.group(1)

    node_exporter(ready=0)  # the Ready node's pod is not ready: the wait ends at its timeout, saying so
    late = run_role(api, tmp_path, monitoring_wait=True, monitoring_wait_timeout=5, **wanted)
    assert late.returncode != 0
    assert ("v6kube.cluster.monitoring: not ready after 5 s (monitoring_wait_timeout): node-exporter: 0 of the 1 pods "
            "on Ready nodes are updated and ready") in late.stdout, late.stdout
    assert "Traceback" not in late.stdout + late.stderr


def test_bad_options_fail_before_the_api_and_a_refusal_is_one_sentence(kube_api_factory, tmp_path):
    api = kube_api_factory("ipv6")
    bad = run_role(api, tmp_path, monitoring_namespace="mon-bad", monitoring_retention="5 days",
                   monitoring_prometheus_port="70000")
    assert bad.returncode != 0
    assert "retention '5 days' is not a Prometheus duration" in bad.stdout
    assert "prometheus_port must be a port number" in bad.stdout
    assert api.kubectl("get", "namespace", "mon-bad", check=False).returncode != 0

    forbidden = run_role(api, tmp_path, monitoring_namespace="mon-bad", monitoring_kubeconfig=str(api.limited_kubeconfig))
    assert forbidden.returncode != 0
    assert "forbidden" in forbidden.stdout.lower() and "look up the namespace" in forbidden.stdout.lower()


def sd_targets(promtool: Path, config: Path, job: str) -> list[dict]:
    result = subprocess.run([str(promtool), "check", "service-discovery", "--timeout=5s", str(config), job],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return [t for t in json.loads(result.stdout) if t.get("labels")]


def test_prometheus_discovery_and_relabelling_write_ipv6_targets_in_brackets(kube_api_factory, toolchain, tmp_path):
    api = kube_api_factory("ipv6")
    promtool = toolchain("prometheus") / "promtool"
    for name, address in NODES.items():
        api.kubectl("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Node",
                                                          "metadata": {"name": name}}))
        api.kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", json.dumps(
            {"status": {"addresses": [{"type": "InternalIP", "address": address}, {"type": "Hostname", "address": name}],
                        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}}))
    for component in ("kube-scheduler", "kube-controller-manager", "etcd"):
        pod = f"mon-{component}"
        api.kubectl("create", "-f", "-", input=json.dumps({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod, "namespace": "kube-system", "labels": {"component": component}},
            "spec": {"nodeName": "mon-cp1", "hostNetwork": True, "containers": [{"name": "c", "image": "x"}]}}))
        api.kubectl("-n", "kube-system", "patch", "pod", pod, "--subresource=status", "--type=merge", "-p",
                    json.dumps({"status": {"phase": "Running", "podIP": NODES["mon-cp1"],
                                           "podIPs": [{"ip": NODES["mon-cp1"]}]}}))
    kube_dns(api)  # kubeadm's Service (with its metrics port), shared with the other tests of the session
    api.kubectl("-n", "kube-system", "create", "-f", "-", input=json.dumps({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kube-dns-test", "namespace": "kube-system",
                     "labels": {"kubernetes.io/service-name": "kube-dns"}},
        "addressType": "IPv6", "endpoints": [{"addresses": ["fd00:42::5"]}],
        "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "metrics", "port": 9153, "protocol": "TCP"}]}))

    # The role's configuration, with the test API server's kubeconfig instead of the in-cluster account.
    config = yaml.safe_load(monitoring_manifests({})["config"])
    for job in config["scrape_configs"]:
        for sd in job["kubernetes_sd_configs"]:
            sd["kubeconfig_file"] = str(api.kubeconfig)
        job.pop("authorization", None)
        job.pop("tls_config", None)
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")

    def addresses(job: str) -> dict[str, str]:
        """node (or instance) -> address of the job's targets; the API server is shared with other tests of the
        session, so only the nodes and pods made here are asserted on (and every address is checked)."""
        found = {t["labels"].get("node", t["labels"]["instance"]): t["labels"]["__address__"]
                 for t in sd_targets(promtool, path, job)}
        for address in found.values():
            host = address.rsplit(":", 1)[0]
            assert (host.startswith("[") and ":" in host) or ":" not in host, address
        return {key: value for key, value in found.items() if key.startswith("mon-") or job in ("coredns", "apiserver")}

    assert addresses("node") == {"mon-cp1": "[fd00:40::151]:9100", "mon-v4": "10.48.0.9:9100"}
    assert addresses("kubelet") == {"mon-cp1": "[fd00:40::151]:10250", "mon-v4": "10.48.0.9:10250"}
    assert addresses("scheduler") == {"mon-cp1": "[fd00:40::151]:10259"}
    assert addresses("controller-manager") == {"mon-cp1": "[fd00:40::151]:10257"}
    assert addresses("etcd") == {"mon-cp1": "[fd00:40::151]:2381"}
    assert "[fd00:42::5]:9153" in addresses("coredns").values()
    advertised = ADVERTISE["ipv6"]
    assert list(addresses("apiserver").values()) == [f"[{advertised}]:{api.url.rsplit(':', 1)[1]}"]


@pytest.mark.parametrize("options", [{}, {"storage": "persistentVolumeClaim", "retention_size": "8GB",
                                          "kubelet_tls_verify": True, "scrape_interval": "1m",
                                          "extra_scrape_configs": [{"job_name": "app", "static_configs": [
                                              {"targets": ["[2001:db8::5]:8080"]}]}]}], ids=["defaults", "options"])
def test_promtool_accepts_the_configuration(toolchain, tmp_path, options):
    promtool = toolchain("prometheus") / "promtool"
    path = tmp_path / "prometheus.yml"
    path.write_text(monitoring_manifests(options)["config"], encoding="utf-8")
    result = subprocess.run([str(promtool), "check", "config", "--syntax-only", str(path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr
