# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Prometheus and node metrics for an IPv6-only (or IPv6-primary dual-stack) cluster.

``monitoring_manifests(options)`` returns the Kubernetes objects of the monitoring stack and the Prometheus
configuration they carry:

- the ``prometheus`` Service is IPv6 SingleStack; Prometheus and node_exporter listen on ``[::]``;
- Kubernetes service discovery finds the API servers (EndpointSlices of ``default/kubernetes``), every kubelet
  and its cAdvisor (nodes), every node's node_exporter (nodes), CoreDNS (EndpointSlices of ``kube-system/kube-dns``)
  and the control-plane static pods (kube-scheduler, kube-controller-manager, etcd);
- where a target address is built from a discovered IP and a port, two relabel rules write it: an address with a
  colon (IPv6) as ``[ip]:port``, any other as ``ip:port``. The classic rule ``regex: ([^:]+)(?::\\d+)?`` /
  ``replacement: $1:PORT`` never matches an IPv6 address, and ``(.+):\\d+`` cuts one apart;
- RBAC: a ClusterRole for nodes, nodes/metrics and the ``/metrics`` paths, and Roles only in the namespaces the
  discovery watches.

All input problems are reported at once (``MonitoringError``), each naming the option.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Mapping

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import describe, show
from ansible_collections.v6kube.cluster.plugins.module_utils._k8sobj import name_of, node_ready
from ansible_collections.v6kube.cluster.plugins.module_utils._netpol import DNS1123_LABEL, labels
from ansible_collections.v6kube.cluster.plugins.module_utils._problems import ProblemsError
from ansible_collections.v6kube.cluster.plugins.module_utils._yaml import render_yaml

MANAGED_BY = {"app.kubernetes.io/managed-by": "v6kube.cluster"}
PART_OF = "v6kube-monitoring"
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
CONFIG_FILE = "prometheus.yml"
# Every scrape job the stack knows, in the order they are written.
TARGETS = ("apiserver", "kubelet", "cadvisor", "node", "coredns", "scheduler", "controller_manager", "etcd")
PULL_POLICIES = ("IfNotPresent", "Always", "Never")
STORAGE = ("emptyDir", "persistentVolumeClaim")
# The ports the kubeadm control plane serves its metrics on (the secure ports; etcd's plain metrics listener).
CONTROL_PLANE_PORTS = {"scheduler": 10259, "controller_manager": 10257}
DEFAULTS: dict[str, Any] = {
    "namespace": "monitoring",
    "prometheus_image": "quay.io/prometheus/prometheus:v3.16.0",
    "node_exporter_image": "quay.io/prometheus/node-exporter:v1.12.1",
    "image_pull_policy": "IfNotPresent",
    "retention": "15d",
    "retention_size": "",
    "storage": "emptyDir",
    "storage_class": "",
    "storage_size": "10Gi",
    "scrape_interval": "30s",
    "targets": list(TARGETS),
    "node_exporter": True,
    "prometheus_port": 9090,
    "node_exporter_port": 9100,
    "etcd_metrics_port": 2381,
    "kubelet_tls_verify": False,
    "control_plane_tls_verify": False,
    "cluster_dns_service": "kube-dns",
    "prometheus_resources": {},
    "node_selector": {},
    "tolerations": [],
    "extra_scrape_configs": [],
}
MAX_ITEMS = 200
MAX_TEXT = 512
_DURATION = re.compile(r"(?=\d)(\d{1,9}y)?(\d{1,9}w)?(\d{1,9}d)?(\d{1,9}h)?(\d{1,9}m)?(\d{1,9}s)?(\d{1,9}ms)?")
_SIZE = re.compile(r"\d{1,15}(B|KB|MB|GB|TB|PB|EB)")
_QUANTITY = re.compile(r"\d{1,15}(\.\d{1,6})?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}")


class MonitoringError(ProblemsError):
    """Every problem of the input at once."""

    subject = "the monitoring options"


def address_rules(source_label: str, port: int) -> list[dict[str, Any]]:
    """Relabel rules that set ``__address__`` from a discovered IP and a port, brackets around IPv6.

    Relabel regexes are anchored: the first rule matches only a value with a colon (an IPv6 address), the second
    only one without (IPv4). A label that is empty or absent matches neither and leaves ``__address__`` alone.
    """
    return [
        {"source_labels": [source_label], "regex": "(.+:.+)", "target_label": "__address__",
         "replacement": "[${1}]:" + str(port), "action": "replace"},
        {"source_labels": [source_label], "regex": "([^:]+)", "target_label": "__address__",
         "replacement": "${1}:" + str(port), "action": "replace"},
    ]


def _keep(sources: list[str], regex: str) -> dict[str, Any]:
    return {"source_labels": sources, "regex": regex, "action": "keep"}


def _copy(source_label: str, target_label: str) -> dict[str, Any]:
    return {"source_labels": [source_label], "target_label": target_label, "action": "replace"}


def _tls(verify: bool) -> dict[str, Any]:
    tls: dict[str, Any] = {"ca_file": f"{SA_DIR}/ca.crt"}
    if not verify:
        tls["insecure_skip_verify"] = True
    return tls


def _sd(role: str, namespace: str | None = None, label: str | None = None) -> list[dict[str, Any]]:
    config: dict[str, Any] = {"role": role}
    if namespace:
        config["namespaces"] = {"names": [namespace]}
    if label:
        config["selectors"] = [{"role": role, "label": label}]
    return [config]


def scrape_configs(opts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The scrape jobs of the enabled targets (checked options, see :func:`check_options`)."""
    token = {"credentials_file": f"{SA_DIR}/token"}
    node_name = _copy("__meta_kubernetes_node_name", "node")
    pod_node = _copy("__meta_kubernetes_pod_node_name", "node")
    jobs: dict[str, dict[str, Any]] = {}
    jobs["apiserver"] = {
        "job_name": "apiserver",
        "scheme": "https",
        "authorization": token,
        "tls_config": _tls(True),
        "kubernetes_sd_configs": _sd("endpointslice", "default"),
        "relabel_configs": [
            _keep(["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"], "kubernetes;https"),
        ],
    }
    for job, path in (("kubelet", "/metrics"), ("cadvisor", "/metrics/cadvisor")):
        # the node role's address is the kubelet's: [InternalIP]:10250, bracketed by Prometheus itself
        jobs[job] = {
            "job_name": job,
            "scheme": "https",
            "metrics_path": path,
            "authorization": token,
            "tls_config": _tls(opts["kubelet_tls_verify"]),
            "kubernetes_sd_configs": _sd("node"),
            "relabel_configs": [node_name],
        }
    jobs["node"] = {
        "job_name": "node",
        "kubernetes_sd_configs": _sd("node"),
        "relabel_configs": [*address_rules("__meta_kubernetes_node_address_InternalIP", opts["node_exporter_port"]),
                            node_name],
    }
    jobs["coredns"] = {
        "job_name": "coredns",
        "kubernetes_sd_configs": _sd("endpointslice", "kube-system"),
        "relabel_configs": [
            _keep(["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"],
                  opts["cluster_dns_service"] + ";metrics"),
            pod_node,
        ],
    }
    for job, component in (("scheduler", "kube-scheduler"), ("controller_manager", "kube-controller-manager")):
        jobs[job] = {
            "job_name": job.replace("_", "-"),
            "scheme": "https",
            "authorization": token,
            "tls_config": _tls(opts["control_plane_tls_verify"]),
            "kubernetes_sd_configs": _sd("pod", "kube-system", f"component={component}"),
            "relabel_configs": [*address_rules("__meta_kubernetes_pod_ip", CONTROL_PLANE_PORTS[job]), pod_node],
        }
    jobs["etcd"] = {
        "job_name": "etcd",
        "kubernetes_sd_configs": _sd("pod", "kube-system", "component=etcd"),
        "relabel_configs": [*address_rules("__meta_kubernetes_pod_ip", opts["etcd_metrics_port"]), pod_node],
    }
    return [jobs[name] for name in TARGETS if name in opts["targets"]] + list(opts["extra_scrape_configs"])


def prometheus_config(opts: Mapping[str, Any]) -> dict[str, Any]:
    """The whole prometheus.yml as a mapping."""
    return {
        "global": {"scrape_interval": opts["scrape_interval"], "evaluation_interval": opts["scrape_interval"]},
        "scrape_configs": scrape_configs(opts),
    }


def _namespaces_watched(opts: Mapping[str, Any]) -> list[str]:
    """The namespaces whose pods, Services and EndpointSlices the discovery lists."""
    names = []
    if "apiserver" in opts["targets"]:
        names.append("default")
    if {"coredns", "scheduler", "controller_manager", "etcd"} & set(opts["targets"]):
        names.append("kube-system")
    return names


PSA_ENFORCE = "pod-security.kubernetes.io/enforce"


def _meta(name: str, namespace: str | None, component: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = {"app.kubernetes.io/name": component, "app.kubernetes.io/part-of": PART_OF, **MANAGED_BY}
    return meta


def _rbac(opts: Mapping[str, Any]) -> list[dict[str, Any]]:
    ns = opts["namespace"]
    subject = [{"kind": "ServiceAccount", "name": "prometheus", "namespace": ns}]
    name = f"v6kube-prometheus-{ns}"
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("prometheus", ns, "prometheus")},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta(name, None, "prometheus"),
            "rules": [
                {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
                {"nonResourceURLs": ["/metrics", "/metrics/cadvisor"], "verbs": ["get"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _meta(name, None, "prometheus"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": subject,
        },
    ]
    for watched in _namespaces_watched(opts):
        objects.append({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta(name, watched, "prometheus"),
            "rules": [
                {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
            ],
        })
        objects.append({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta(name, watched, "prometheus"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": subject,
        })
    return objects


_RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
_NOBODY = {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534}


def _prometheus(opts: Mapping[str, Any], config_text: str) -> list[dict[str, Any]]:
    ns, port = opts["namespace"], opts["prometheus_port"]
    selector = {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": PART_OF}
    args = [
        f"--config.file=/etc/prometheus/{CONFIG_FILE}",
        "--storage.tsdb.path=/prometheus",
        f"--storage.tsdb.retention.time={opts['retention']}",
        f"--web.listen-address=[::]:{port}",
        # the mounted ConfigMap changes in place; Prometheus reloads it when its content changes
        "--config.auto-reload",
        "--config.auto-reload-interval=30s",
    ]
    if opts["retention_size"]:
        args.append(f"--storage.tsdb.retention.size={opts['retention_size']}")
    objects: list[dict[str, Any]] = [{
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("prometheus-config", ns, "prometheus"),
        "data": {CONFIG_FILE: config_text},
    }]
    if opts["storage"] == "persistentVolumeClaim":
        claim: dict[str, Any] = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": opts["storage_size"]}},
        }
        if opts["storage_class"]:
            claim["storageClassName"] = opts["storage_class"]
        objects.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                        "metadata": _meta("prometheus-data", ns, "prometheus"), "spec": claim})
        data_volume: dict[str, Any] = {"name": "data", "persistentVolumeClaim": {"claimName": "prometheus-data"}}
    else:
        data_volume = {"name": "data", "emptyDir": {"sizeLimit": opts["storage_size"]}}
    container: dict[str, Any] = {
        "name": "prometheus",
        "image": opts["prometheus_image"],
        "imagePullPolicy": opts["image_pull_policy"],
        "command": ["/bin/prometheus"],
        "args": args,
        "ports": [{"name": "web", "containerPort": port, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/-/ready", "port": "web"}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/-/healthy", "port": "web"}, "periodSeconds": 15,
                          "failureThreshold": 6},
        "securityContext": _RESTRICTED,
        "volumeMounts": [{"name": "config", "mountPath": "/etc/prometheus", "readOnly": True},
                         {"name": "data", "mountPath": "/prometheus"}],
    }
    if opts["prometheus_resources"]:
        container["resources"] = dict(opts["prometheus_resources"])
    pod: dict[str, Any] = {
        "serviceAccountName": "prometheus",
        "securityContext": {**_NOBODY, "fsGroup": 65534},
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": "prometheus-config"}}, data_volume],
    }
    if opts["node_selector"]:
        pod["nodeSelector"] = dict(opts["node_selector"])
    if opts["tolerations"]:
        pod["tolerations"] = list(opts["tolerations"])
    objects.append({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta("prometheus", ns, "prometheus"),
        "spec": {
            "replicas": 1,
            # one writer of the TSDB at a time
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": {**selector}}, "spec": pod},
        },
    })
    objects.append({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("prometheus", ns, "prometheus"),
        "spec": {
            "ipFamilyPolicy": "SingleStack",
            "ipFamilies": ["IPv6"],
            "selector": selector,
            "ports": [{"name": "web", "port": port, "targetPort": "web", "protocol": "TCP"}],
        },
    })
    return objects


def _node_exporter(opts: Mapping[str, Any]) -> dict[str, Any]:
    port = opts["node_exporter_port"]
    selector = {"app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/part-of": PART_OF}
    host_paths = (("proc", "/proc", "/host/proc"), ("sys", "/sys", "/host/sys"), ("root", "/", "/host/root"))
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _meta("node-exporter", opts["namespace"], "node-exporter"),
        "spec": {
            "selector": {"matchLabels": selector},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {**selector}},
                "spec": {
                    "hostNetwork": True,
                    "hostPID": True,
                    "automountServiceAccountToken": False,
                    "securityContext": _NOBODY,
                    # every node, control planes included
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [{
                        "name": "node-exporter",
                        "image": opts["node_exporter_image"],
                        "imagePullPolicy": opts["image_pull_policy"],
                        "command": ["/bin/node_exporter"],
                        "args": [
                            f"--web.listen-address=[::]:{port}",
                            "--path.procfs=/host/proc",
                            "--path.sysfs=/host/sys",
                            "--path.rootfs=/host/root",
                        ],
                        "ports": [{"name": "metrics", "containerPort": port, "hostPort": port, "protocol": "TCP"}],
                        "readinessProbe": {"httpGet": {"path": "/", "port": "metrics"}, "periodSeconds": 10},
                        "securityContext": _RESTRICTED,
                        "volumeMounts": [{"name": name, "mountPath": mount, "readOnly": True}
                                         for name, _path, mount in host_paths],
                    }],
                    "volumes": [{"name": name, "hostPath": {"path": path}} for name, path, _mount in host_paths],
                },
            },
        },
    }


def check_options(options: Any) -> dict[str, Any]:
    """The options with defaults filled in; MonitoringError lists every problem."""
    if not isinstance(options, Mapping):
        raise MonitoringError([f"the options must be a mapping, got {describe(options)}"])
    problems: list[str] = []
    unknown = sorted(str(k) for k in options if k not in DEFAULTS)
    if unknown:
        problems.append(f"unknown option(s) {', '.join(unknown)}; known options are {', '.join(sorted(DEFAULTS))}")
    opts = {key: (default if options.get(key) is None else options[key]) for key, default in DEFAULTS.items()}

    def text(key: str, pattern: re.Pattern[str] | None, what: str, empty: bool = False) -> None:
        value = opts[key]
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            problems.append(f"{key} must be {what}, got {describe(value)}")
        elif value == "" and empty:
            return
        elif pattern is not None and not pattern.fullmatch(value):
            problems.append(f"{key} {show(value)} is not {what}")

    text("namespace", DNS1123_LABEL, "a namespace name (a lowercase DNS label)")
    if isinstance(opts["namespace"], str) and opts["namespace"] in ("default", "kube-system", "kube-public"):
        problems.append(f"namespace {opts['namespace']} is refused: the stack gets a namespace of its own")
    for key in ("prometheus_image", "node_exporter_image"):
        text(key, _IMAGE, "an image reference (registry/name:tag or @sha256:digest)")
    text("retention", _DURATION, "a Prometheus duration such as 15d or 12h")
    text("scrape_interval", _DURATION, "a Prometheus duration such as 30s or 1m")
    text("retention_size", _SIZE, "a size such as 8GB (or empty for no size limit)", empty=True)
    text("storage_size", _QUANTITY, "a Kubernetes quantity such as 10Gi")
    text("storage_class", DNS1123_LABEL, "a StorageClass name (or empty for the cluster's default)", empty=True)
    text("cluster_dns_service", DNS1123_LABEL, "a Service name")
    for key, choices in (("image_pull_policy", PULL_POLICIES), ("storage", STORAGE)):
        if opts[key] not in choices:
            problems.append(f"{key} {show(opts[key])} is not one of {', '.join(choices)}")
    for key in ("node_exporter", "kubelet_tls_verify", "control_plane_tls_verify"):
        if not isinstance(opts[key], bool):
            problems.append(f"{key} must be true or false, got {describe(opts[key])}")
    for key in ("prometheus_port", "node_exporter_port", "etcd_metrics_port"):
        value = opts[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            problems.append(f"{key} must be a port number (1-65535), got {describe(value)}")
    targets = opts["targets"]
    if not isinstance(targets, (list, tuple)) or len(targets) > MAX_ITEMS:
        problems.append(f"targets must be a list of {', '.join(TARGETS)}, got {describe(targets)}")
    else:
        odd = [t for t in targets if t not in TARGETS]
        if odd:
            problems.append(f"targets: {', '.join(show(t) for t in odd[:5])} not one of {', '.join(TARGETS)}")
        if "node" in targets and opts["node_exporter"] is False:
            problems.append("targets has node but node_exporter is false: nothing would serve the node metrics")
        opts["targets"] = [t for t in TARGETS if t in targets]
    for key, kind in (("prometheus_resources", Mapping), ("node_selector", Mapping), ("tolerations", list),
                      ("extra_scrape_configs", list)):
        if not isinstance(opts[key], kind) or len(opts[key]) > MAX_ITEMS:
            problems.append(f"{key} must be a {'mapping' if kind is Mapping else 'list'}, got {describe(opts[key])}")
    if isinstance(opts["node_selector"], Mapping):
        opts["node_selector"] = labels(opts["node_selector"], "node_selector", problems)
    if isinstance(opts["tolerations"], list) and not all(isinstance(t, Mapping) for t in opts["tolerations"]):
        problems.append("tolerations must be a list of tolerations (mappings)")
    if isinstance(opts["extra_scrape_configs"], list):
        ours = {name.replace("_", "-") for name in TARGETS}
        seen: set[str] = set()
        for i, job in enumerate(opts["extra_scrape_configs"][:MAX_ITEMS]):
            name = job.get("job_name") if isinstance(job, Mapping) else None
            if not isinstance(name, str) or not name:
                problems.append(f"extra_scrape_configs[{i}] must be a scrape config with a job_name")
            elif name in ours or name in seen:
                problems.append(f"extra_scrape_configs[{i}] job_name {show(name)} is already used")
            else:
                seen.add(name)
    if problems:
        raise MonitoringError(problems)
    return opts


def monitoring_manifests(options: Any, state: str = "present") -> dict[str, Any]:
    """What the monitoring role applies: ``manifests`` (in apply order), ``config`` (prometheus.yml), ``jobs``
    (the scrape job names) and ``config_sha256``. With ``state=absent`` the same objects, to delete in reverse."""
    if state not in ("present", "absent"):
        raise MonitoringError([f"state {show(state)} is not present or absent"])
    opts = check_options(options)
    config = prometheus_config(opts)
    config_text = ("# Rendered by v6kube.cluster (monitoring_manifests); the role rewrites it.\n"
                   + render_yaml(config) + "\n")
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(opts["namespace"], None, "monitoring")}
    if opts["node_exporter"]:
        # node_exporter reads the host (its network, PIDs and root file system): Pod Security's baseline refuses
        # it, so this namespace is labelled privileged, deliberately, and nothing else of the collection runs here.
        namespace["metadata"]["labels"][PSA_ENFORCE] = "privileged"
    manifests = [namespace, *_rbac(opts), *_prometheus(opts, config_text)]
    if opts["node_exporter"]:
        manifests.append(_node_exporter(opts))
    return {
        "manifests": manifests if state == "present" else list(reversed(manifests)),
        "config": config_text,
        "config_sha256": hashlib.sha256(config_text.encode()).hexdigest(),
        "jobs": [job["job_name"] for job in config["scrape_configs"]],
        "namespace": opts["namespace"],
    }


def _count(status: Mapping[str, Any], key: str) -> int:
    value = status.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def rollout(daemonset: Any, nodes: Any) -> dict[str, Any]:
    """Whether node_exporter's DaemonSet has rolled out on every node that is Ready.

    node_exporter tolerates every taint and selects no nodes, so the DaemonSet wants a pod on every node, a dead
    one included (its pod can never be ready there). It is done when the controller has seen the current
    generation and at least ``desiredNumberScheduled`` minus the nodes that are not Ready pods are updated and
    ready. Returns ``done``, ``skipped`` (the nodes not waited for) and ``waiting`` (what is missing, one
    sentence) for the operator."""
    if not isinstance(daemonset, Mapping) or not isinstance(daemonset.get("metadata"), Mapping):
        raise MonitoringError(["daemonset must be the DaemonSet as the API returns it (a mapping with metadata)"])
    if not isinstance(nodes, list) or not all(isinstance(node, Mapping) for node in nodes):
        raise MonitoringError(["nodes must be the Nodes as the API returns them (a list of mappings)"])
    name = name_of(daemonset) or "the DaemonSet"
    skipped = sorted(n for n in (name_of(node) for node in nodes if not node_ready(node)) if n)
    status = daemonset.get("status") if isinstance(daemonset.get("status"), Mapping) else {}
    generation = daemonset["metadata"].get("generation", 0)
    seen = _count(status, "observedGeneration")
    desired = _count(status, "desiredNumberScheduled")
    needed = max(desired - len(skipped), 0)
    updated, ready = _count(status, "updatedNumberScheduled"), _count(status, "numberReady")
    if isinstance(generation, int) and seen < generation:
        waiting = f"{name}: the DaemonSet controller has not seen generation {generation} yet (it saw {seen})"
    elif desired == 0 and len(nodes) > len(skipped):
        waiting = f"{name}: no pod is scheduled yet"
    elif updated < needed or ready < needed:
        waiting = (f"{name}: {min(updated, ready)} of the {needed} pods on Ready nodes are updated and ready "
                   f"({updated} updated, {ready} ready)")
    else:
        waiting = ""
    return {"done": not waiting, "waiting": waiting, "skipped": skipped, "needed": needed}
