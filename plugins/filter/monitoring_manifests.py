# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_manifests
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Prometheus and node_exporter for an IPv6 cluster - the objects to apply and the scrape configuration
description:
  - The monitoring stack as Kubernetes objects, in apply order - the namespace, the C(prometheus) ServiceAccount,
    a ClusterRole (nodes, nodes/metrics, the C(/metrics) paths) and Roles only in the namespaces the discovery
    watches, the C(prometheus-config) ConfigMap, the Prometheus Deployment, the C(prometheus) Service (IPv6
    SingleStack) and the node_exporter DaemonSet (host network, every node).
  - Prometheus and node_exporter listen on C([::]). Kubernetes service discovery finds the API servers, kubelets,
    cAdvisor, node_exporter on every node, CoreDNS, kube-scheduler, kube-controller-manager and etcd. Where a
    target address is built from a discovered IP and a port, the relabelling writes an IPv6 address as
    C([ip]:port).
  - kube-scheduler, kube-controller-manager and etcd serve metrics only on 127.0.0.1 unless kubeadm was told
    otherwise - the kubeadm role's C(kubeadm_control_plane_metrics) (C(v6kube_monitoring)) does it at init.
  - Every option is checked, all problems reported at once, each naming the option.
positional: state
options:
  _input:
    description: The options (the monitoring role's variables without the C(monitoring_) prefix).
    type: dict
    required: true
    suboptions:
      namespace:
        description: The stack's own namespace (not C(default), C(kube-system) or C(kube-public)).
        type: str
        default: monitoring
      prometheus_image:
        description: The Prometheus image; its C(/bin/prometheus) is run.
        type: str
        default: quay.io/prometheus/prometheus:v3.16.0
      node_exporter_image:
        description: The node_exporter image; its C(/bin/node_exporter) is run.
        type: str
        default: quay.io/prometheus/node-exporter:v1.12.1
      image_pull_policy:
        description: The containers' imagePullPolicy.
        type: str
        choices: [IfNotPresent, Always, Never]
        default: IfNotPresent
      retention:
        description: How long samples are kept (C(--storage.tsdb.retention.time)).
        type: str
        default: 15d
      retention_size:
        description: The most the TSDB may use (C(--storage.tsdb.retention.size), such as V(8GB)); empty for no limit.
        type: str
        default: ""
      storage:
        description: V(emptyDir) (lost when the pod goes) or V(persistentVolumeClaim) (C(prometheus-data)).
        type: str
        choices: [emptyDir, persistentVolumeClaim]
        default: emptyDir
      storage_class:
        description: The claim's StorageClass; empty for the cluster's default.
        type: str
        default: ""
      storage_size:
        description: The claim's size, or the emptyDir's size limit.
        type: str
        default: 10Gi
      scrape_interval:
        description: The scrape and rule evaluation interval.
        type: str
        default: 30s
      targets:
        description: The scrape jobs to write.
        type: list
        elements: str
        choices: [apiserver, kubelet, cadvisor, node, coredns, scheduler, controller_manager, etcd]
        default: [apiserver, kubelet, cadvisor, node, coredns, scheduler, controller_manager, etcd]
      node_exporter:
        description: Deploy the node_exporter DaemonSet (the C(node) job needs it).
        type: bool
        default: true
      prometheus_port:
        description: Prometheus' port (container and Service).
        type: int
        default: 9090
      node_exporter_port:
        description: node_exporter's port on every node (host network).
        type: int
        default: 9100
      etcd_metrics_port:
        description: etcd's metrics port (C(listen-metrics-urls)).
        type: int
        default: 2381
      kubelet_tls_verify:
        description:
          - Verify the kubelets' serving certificates against the cluster CA. kubeadm's kubelets serve a
            self-signed certificate unless C(serverTLSBootstrap) is on, so the default does not verify.
        type: bool
        default: false
      control_plane_tls_verify:
        description:
          - Verify kube-scheduler's and kube-controller-manager's serving certificates (self-signed under kubeadm).
        type: bool
        default: false
      cluster_dns_service:
        description: The cluster DNS Service in kube-system whose C(metrics) port is scraped.
        type: str
        default: kube-dns
      prometheus_resources:
        description: The Prometheus container's resources (requests, limits).
        type: dict
        default: {}
      node_selector:
        description: Where Prometheus may run.
        type: dict
        default: {}
      tolerations:
        description: Prometheus' tolerations (Kubernetes toleration mappings, passed as given).
        type: list
        default: []
      extra_scrape_configs:
        description:
          - More scrape configs (mappings), appended as given (their C(job_name) must be new).
          - Kubernetes discovery in other namespaces needs RBAC of its own for the C(prometheus) ServiceAccount.
        type: list
        default: []
  state:
    description: V(present) lists the objects in apply order, V(absent) in delete order.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The monitoring stack's objects
  ansible.builtin.set_fact:
    stack: "{{ {'namespace': 'monitoring', 'retention': '30d'} | v6kube.cluster.monitoring_manifests }}"
"""

RETURN = r"""
_value:
  description: The stack.
  type: dict
  contains:
    manifests:
      description: The Kubernetes objects, in apply order (delete order with O(state=absent)).
      type: list
      elements: dict
    config:
      description: The prometheus.yml the ConfigMap carries.
      type: str
    config_sha256:
      description: The sha256 of RV(_value.config).
      type: str
    jobs:
      description: The scrape job names, in the order written.
      type: list
      elements: str
    namespace:
      description: The stack's namespace.
      type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._monitoring import monitoring_manifests
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("monitoring_manifests", DOCUMENTATION, input_name="options")
def _monitoring_manifests(options, state="present"):
    return monitoring_manifests(options, state or "present")


class FilterModule:
    """v6kube.cluster.monitoring_manifests"""

    def filters(self):
        return {"monitoring_manifests": _monitoring_manifests}
