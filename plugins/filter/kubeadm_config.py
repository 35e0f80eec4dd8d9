# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeadm_config
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: kubeadm configuration for one node of an IPv6-only or dual-stack cluster
description:
  - Renders the YAML that C(kubeadm init --config) or C(kubeadm join --config) reads, from the resolved address
    plan (P(v6kube.cluster.network_plan#filter)) and the node.
  - For V(init), InitConfiguration, ClusterConfiguration (pod and service subnets, DNS domain, control-plane
    endpoint, certSANs, node-mask flags for kube-controller-manager, C(bind-address=::) for an IPv6 primary),
    KubeletConfiguration (cluster DNS, cgroup driver) and KubeProxyConfiguration (cluster CIDR).
  - For V(join_control_plane) and V(join_worker), a JoinConfiguration that pins the cluster CA by hash.
  - The API is C(kubeadm.k8s.io/v1beta4) for Kubernetes v1.31 and later, C(v1beta3) for v1.22 to v1.30.
  - The result can hold a bootstrap token and a certificate key; write it with mode 0600 and C(no_log).
options:
  _input:
    description: What to render.
    type: dict
    required: true
    suboptions:
      kind:
        description: V(init), V(join_control_plane) or V(join_worker).
        type: str
        default: init
        choices: [init, join_control_plane, join_worker]
      kubernetes_version:
        description: Such as V(v1.37.2).
        type: str
        required: true
      plan:
        description: The resolved address plan.
        type: dict
        required: true
      node_name:
        description: The node name.
        type: str
        required: true
      node_addresses:
        description: The node's address of each family, primary first (kubelet C(node-ip)).
        type: list
        elements: str
        required: true
      sans:
        description: API server certSANs (init), for example the P(v6kube.cluster.cert_sans#filter) result.
        type: list
        elements: str
      image_repository:
        description: Where the control-plane images come from.
        type: str
        default: registry.k8s.io
      cri_socket:
        description: CRI endpoint.
        type: str
        default: unix:///run/containerd/containerd.sock
      cgroup_driver:
        description: kubelet cgroup driver; must match the container runtime's.
        type: str
        default: systemd
      fail_cgroup_v1:
        description: kubelet C(failCgroupV1); V(false) lets kubelet v1.35+ run on cgroup v1 hosts.
        type: bool
      proxy_mode:
        description: kube-proxy mode (V(iptables), V(nftables), V(ipvs)); unset keeps kube-proxy's default.
        type: str
        choices: [iptables, nftables, ipvs]
      bind_port:
        description: API server port on the node, 1 to 65535.
        type: int
        default: 6443
      token:
        description: Bootstrap token (joins; optional for init).
        type: str
      ca_cert_hashes:
        description: C(sha256:) hashes of the cluster CA public key (joins).
        type: list
        elements: str
      certificate_key:
        description: Key of the uploaded control-plane certificates (init with upload, join_control_plane).
        type: str
      api_server_endpoint:
        description: Where joins reach the API; defaults to the plan's control-plane endpoint.
        type: str
      etcd_data_dir:
        description: etcd data directory.
        type: str
        default: /var/lib/etcd
      etcd_extra_args:
        description:
          - Flags of the local etcd (init), without the leading C(--), mapped to their values; for example
            C(heartbeat-interval) V(250) and C(election-timeout) V(2500) on slow or loaded hosts.
        type: dict
      control_plane_metrics:
        description:
          - Serve the control plane's metrics to a Prometheus in the cluster (init) - kube-controller-manager and
            kube-scheduler bind their secure ports (authenticated and authorized) to V(::) (V(0.0.0.0) with an
            IPv4 primary) instead of 127.0.0.1, and etcd gets C(listen-metrics-urls) C(http://[::]:2381). kubeadm
            then points the probes at those addresses. A C(bind-address) in the plan's controller-manager
            arguments or a C(listen-metrics-urls) in O(_input.etcd_extra_args) wins.
        type: bool
        default: false
      apiserver:
        description:
          - The API server's hardening (init) - Secrets encrypted at rest, the audit log, Pod Security admission - as
            the P(v6kube.cluster.apiserver_files#module) module's O(v6kube.cluster.apiserver_files#module:settings)
            take it; the API server gets the flags and read-only host paths for the files that module writes, and
            a writable host path for the audit log. Null takes the defaults (everything on).
        type: dict
      cluster_name:
        description: Cluster name.
        type: str
        default: kubernetes
      certificates_dir:
        description: Where kubeadm keeps the cluster's certificates.
        type: str
        default: /etc/kubernetes/pki
"""

EXAMPLES = r"""
- name: kubeadm configuration of the first control plane
  ansible.builtin.copy:
    dest: /etc/kubernetes/kubeadm-init.yaml
    mode: "0600"
    content: >-
      {{ {'kind': 'init', 'kubernetes_version': 'v1.37.2', 'plan': v6kube_plan,
          'node_name': inventory_hostname, 'node_addresses': [ansible_host],
          'sans': v6kube_apiserver_sans} | v6kube.cluster.kubeadm_config }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The kubeadm configuration, several YAML documents.
  type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm import kubeadm_config
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("kubeadm_config", DOCUMENTATION, input_name="the input")
def _kubeadm_config(spec):
    return kubeadm_config(spec)


class FilterModule:
    """v6kube.cluster.kubeadm_config"""

    def filters(self):
        return {"kubeadm_config": _kubeadm_config}
