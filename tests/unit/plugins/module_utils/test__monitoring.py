"""The monitoring stack: the objects, the scrape configuration and its relabelling, validation."""

from __future__ import annotations

import re

import pytest
import yaml

from ansible_collections.v6kube.cluster.plugins.module_utils._monitoring import (
    DEFAULTS,
    TARGETS,
    MonitoringError,
    address_rules,
    monitoring_manifests,
    rollout,
)


def relabel(rules, labels):
    """Prometheus' replace/keep relabelling (anchored regex, ';'-joined sources, ${n} references); None = dropped.

    Real Prometheus runs the same rules in the cluster scenario and in tests/integration/test_monitoring.py.
    """
    labels = dict(labels)
    for rule in rules:
        value = ";".join(labels.get(name, "") for name in rule["source_labels"])
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if rule["action"] == "keep":
            if not match:
                return None
        elif rule["action"] == "replace" and match:
            replacement = rule.get("replacement", "${1}")
            labels[rule["target_label"]] = re.sub(r"\$\{(\d+)\}", lambda m: match.group(int(m.group(1))) or "",
                                                  replacement)
    return labels


def jobs(options=None):
    config = yaml.safe_load(monitoring_manifests(options or {})["config"])
    return {job["job_name"]: job for job in config["scrape_configs"]}


def objects(options=None, state="present"):
    return {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
            for o in monitoring_manifests(options or {}, state)["manifests"]}


@pytest.mark.parametrize(("address", "expected"), [
    ("fd00:40::151", "[fd00:40::151]:9100"),
    ("2001:db8::ffff:10.0.0.1", "[2001:db8::ffff:10.0.0.1]:9100"),
    ("::1", "[::1]:9100"),
    ("10.48.0.155", "10.48.0.155:9100"),
])
def test_address_rules_bracket_ipv6_only(address, expected):
    out = relabel(address_rules("ip", 9100), {"ip": address, "__address__": "kept-when-no-ip"})
    assert out["__address__"] == expected


def test_address_rules_leave_the_address_without_an_ip():
    assert relabel(address_rules("ip", 9100), {"__address__": "[fd00::1]:10250"})["__address__"] == "[fd00::1]:10250"


def test_the_classic_rule_would_have_broken_ipv6():
    # what the relabelling replaces: regex ([^:]+)(?::\d+)? never matches an IPv6 address, the address stays wrong
    classic = [{"source_labels": ["__address__"], "regex": r"([^:]+)(?::\d+)?", "target_label": "__address__",
                "replacement": "${1}:9100", "action": "replace"}]
    assert relabel(classic, {"__address__": "[fd00::1]:10250"})["__address__"] == "[fd00::1]:10250"


def test_every_job_targets_ipv6_addresses_in_brackets():
    job = jobs()
    node = {"__address__": "[fd00:40::151]:10250", "__meta_kubernetes_node_name": "cp1",
            "__meta_kubernetes_node_address_InternalIP": "fd00:40::151"}
    assert relabel(job["node"]["relabel_configs"], node)["__address__"] == "[fd00:40::151]:9100"
    assert relabel(job["node"]["relabel_configs"], node)["node"] == "cp1"
    for name in ("kubelet", "cadvisor"):
        assert relabel(job[name]["relabel_configs"], node)["__address__"] == "[fd00:40::151]:10250"
    pod = {"__address__": "fd00:40::151", "__meta_kubernetes_pod_ip": "fd00:40::151",
           "__meta_kubernetes_pod_node_name": "cp1"}
    for name, port in (("scheduler", 10259), ("controller-manager", 10257), ("etcd", 2381)):
        assert relabel(job[name]["relabel_configs"], pod)["__address__"] == f"[fd00:40::151]:{port}"
    api = {"__address__": "[fd00:40::151]:6443", "__meta_kubernetes_service_name": "kubernetes",
           "__meta_kubernetes_endpointslice_port_name": "https"}
    assert relabel(job["apiserver"]["relabel_configs"], api)["__address__"] == "[fd00:40::151]:6443"
    assert relabel(job["apiserver"]["relabel_configs"], dict(api, __meta_kubernetes_service_name="x")) is None
    dns = {"__address__": "[fd00:42::5]:9153", "__meta_kubernetes_service_name": "kube-dns",
           "__meta_kubernetes_endpointslice_port_name": "metrics"}
    assert relabel(job["coredns"]["relabel_configs"], dns)["__address__"] == "[fd00:42::5]:9153"
    assert relabel(job["coredns"]["relabel_configs"], dict(dns, __meta_kubernetes_endpointslice_port_name="dns")) \
        is None


def test_discovery_and_credentials():
    job = jobs()
    assert list(job) == ["apiserver", "kubelet", "cadvisor", "node", "coredns", "scheduler", "controller-manager",
                         "etcd"]
    assert job["apiserver"]["tls_config"] == {"ca_file": "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"}
    assert job["kubelet"]["tls_config"]["insecure_skip_verify"] is True
    assert "insecure_skip_verify" not in jobs({"kubelet_tls_verify": True})["kubelet"]["tls_config"]
    assert job["cadvisor"]["metrics_path"] == "/metrics/cadvisor"
    assert job["scheduler"]["kubernetes_sd_configs"] == [
        {"role": "pod", "namespaces": {"names": ["kube-system"]},
         "selectors": [{"role": "pod", "label": "component=kube-scheduler"}]}]
    assert "authorization" not in job["etcd"] and "scheme" not in job["etcd"]


def test_service_is_ipv6_single_stack_and_everything_listens_on_the_unspecified_address():
    o = objects()
    service = o[("Service", "monitoring", "prometheus")]["spec"]
    assert service["ipFamilyPolicy"] == "SingleStack" and service["ipFamilies"] == ["IPv6"]
    assert service["ports"] == [{"name": "web", "port": 9090, "targetPort": "web", "protocol": "TCP"}]
    prom = o[("Deployment", "monitoring", "prometheus")]["spec"]["template"]["spec"]
    assert "--web.listen-address=[::]:9090" in prom["containers"][0]["args"]
    assert "--storage.tsdb.retention.time=15d" in prom["containers"][0]["args"]
    exporter = o[("DaemonSet", "monitoring", "node-exporter")]["spec"]["template"]["spec"]
    assert exporter["hostNetwork"] is True and exporter["tolerations"] == [{"operator": "Exists"}]
    assert "--web.listen-address=[::]:9100" in exporter["containers"][0]["args"]
    for pod in (prom, exporter):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def test_rbac_only_where_discovery_looks():
    o = objects()
    assert {(kind, ns) for kind, ns, _name in o if kind in ("Role", "RoleBinding")} == {
        ("Role", "default"), ("Role", "kube-system"), ("RoleBinding", "default"), ("RoleBinding", "kube-system")}
    cluster_role = o[("ClusterRole", None, "v6kube-prometheus-monitoring")]
    assert {"nonResourceURLs": ["/metrics", "/metrics/cadvisor"], "verbs": ["get"]} in cluster_role["rules"]
    assert all("create" not in r["verbs"] and "*" not in r["verbs"] for r in cluster_role["rules"])
    only_nodes = objects({"targets": ["kubelet", "node"]})
    assert not [key for key in only_nodes if key[0] in ("Role", "RoleBinding")]


def test_storage_retention_and_the_config_in_the_configmap():
    o = objects({"storage": "persistentVolumeClaim", "storage_class": "fast", "storage_size": "50Gi",
                 "retention": "30d", "retention_size": "40GB"})
    claim = o[("PersistentVolumeClaim", "monitoring", "prometheus-data")]["spec"]
    assert claim["storageClassName"] == "fast" and claim["resources"] == {"requests": {"storage": "50Gi"}}
    pod = o[("Deployment", "monitoring", "prometheus")]["spec"]["template"]["spec"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "prometheus-data"}} in pod["volumes"]
    assert "--storage.tsdb.retention.size=40GB" in pod["containers"][0]["args"]
    assert ("PersistentVolumeClaim", "monitoring", "prometheus-data") not in objects()
    out = monitoring_manifests({})
    assert o[("ConfigMap", "monitoring", "prometheus-config")]["data"]["prometheus.yml"] == out["config"]
    assert out["jobs"] == list(jobs())


def test_absent_lists_the_same_objects_in_reverse():
    present = monitoring_manifests({})["manifests"]
    assert monitoring_manifests({}, "absent")["manifests"] == list(reversed(present))
    assert present[0]["kind"] == "Namespace"


def test_targets_and_extra_scrape_configs():
    assert list(jobs({"targets": ["etcd", "kubelet"]})) == ["kubelet", "etcd"]
    extra = {"job_name": "app", "static_configs": [{"targets": ["[2001:db8::5]:8080"]}]}
    assert jobs({"extra_scrape_configs": [extra]})["app"] == extra
    assert ("DaemonSet", "monitoring", "node-exporter") not in objects({"node_exporter": False, "targets": ["kubelet"]})


def test_every_problem_at_once_naming_the_option():
    with pytest.raises(MonitoringError) as info:
        monitoring_manifests({"namespace": "kube-system", "retention": "5 days", "targets": ["kubelet", "x"],
                              "prometheus_port": 70000, "storage": "hostPath", "retention_size": "8 GB",
                              "extra_scrape_configs": [{"job_name": "etcd"}, {}], "node_exporter": "yes",
                              "bogus": 1})
    text = str(info.value)
    for word in ("unknown option(s) bogus", "namespace kube-system is refused", "retention '5 days'",
                 "targets: 'x'", "prometheus_port", "storage 'hostPath'", "retention_size '8 GB'",
                 "extra_scrape_configs[0] job_name 'etcd' is already used", "extra_scrape_configs[1]",
                 "node_exporter must be true or false"):
        assert word in text, word
    assert len(info.value.problems) == 10


@pytest.mark.parametrize(("options", "match"), [
    ([], "must be a mapping"),
    ({"targets": ["node"], "node_exporter": False}, "nothing would serve the node metrics"),
    ({"storage_size": "9" * 300}, "storage_size"),
    ({"node_selector": {"bad key": "x"}}, "node_selector key 'bad key' is not a label key"),
    ({"prometheus_image": "quay.io/x y"}, "prometheus_image"),
    ({"prometheus_port": True}, "prometheus_port"),
    ({"targets": "kubelet"}, "targets must be a list"),
])
def test_rejects(options, match):
    with pytest.raises(MonitoringError, match=re.escape(match)):
        monitoring_manifests(options)


def test_state_is_checked():
    with pytest.raises(MonitoringError, match="state 'gone'"):
        monitoring_manifests({}, "gone")


def test_defaults_name_every_target():
    assert DEFAULTS["targets"] == list(TARGETS)


def test_hostile_sizes_stay_fast():
    many = [{"job_name": f"j{i}"} for i in range(10_000)]
    with pytest.raises(MonitoringError, match="extra_scrape_configs must be a list"):
        monitoring_manifests({"extra_scrape_configs": many})


def _node(name, ready="True"):
    conditions = [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}]
    return {"metadata": {"name": name}, "status": {"conditions": conditions}}


def _daemonset(generation=2, seen=2, desired=4, updated=4, ready=4):
    return {"metadata": {"name": "node-exporter", "generation": generation},
            "status": {"observedGeneration": seen, "desiredNumberScheduled": desired,
                       "updatedNumberScheduled": updated, "numberReady": ready}}


NODES = [_node("cp1"), _node("cp2"), _node("cp3"), _node("w1")]


def test_rollout_done_when_every_pod_is_updated_and_ready():
    assert rollout(_daemonset(), NODES) == {"done": True, "waiting": "", "skipped": [], "needed": 4}


def test_rollout_does_not_wait_for_the_pod_of_a_node_that_is_not_ready():
    nodes = [_node("cp1", "Unknown"), _node("cp2"), _node("cp3"), _node("w1"), _node("w2")]
    result = rollout(_daemonset(desired=5, updated=5, ready=4), nodes)
    assert result == {"done": True, "waiting": "", "skipped": ["cp1"], "needed": 4}
    # ...but it still waits for every Ready node: the new worker's pod is not ready yet
    result = rollout(_daemonset(desired=5, updated=5, ready=3), nodes)
    assert not result["done"] and result["skipped"] == ["cp1"]
    assert result["waiting"] == "node-exporter: 3 of the 4 pods on Ready nodes are updated and ready (5 updated, 3 ready)"


@pytest.mark.parametrize("status, waiting", [
    ({"seen": 1}, "node-exporter: the DaemonSet controller has not seen generation 2 yet (it saw 1)"),
    ({"updated": 3}, "node-exporter: 3 of the 4 pods on Ready nodes are updated and ready (3 updated, 4 ready)"),
    ({"desired": 0, "updated": 0, "ready": 0}, "node-exporter: no pod is scheduled yet"),
])
def test_rollout_waits_and_says_for_what(status, waiting):
    result = rollout(_daemonset(**status), NODES)
    assert not result["done"] and result["waiting"] == waiting


def test_rollout_of_a_daemonset_without_status_yet_waits():
    result = rollout({"metadata": {"name": "node-exporter", "generation": 1}}, NODES)
    assert not result["done"] and "not seen generation 1" in result["waiting"]


@pytest.mark.parametrize("daemonset, nodes, problem", [
    (None, NODES, "daemonset must be"),
    ({"status": {}}, NODES, "daemonset must be"),
    (_daemonset(), {"items": []}, "nodes must be"),
    (_daemonset(), ["cp1"], "nodes must be"),
])
def test_rollout_rejects_what_is_not_api_objects(daemonset, nodes, problem):
    with pytest.raises(MonitoringError, match=problem):
        rollout(daemonset, nodes)
