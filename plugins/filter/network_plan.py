# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: network_plan
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Validate a cluster address plan and return it resolved
description:
  - Checks a whole IPv6-only or dual-stack address plan against the rules kubeadm, kube-apiserver and
    kube-controller-manager enforce, and reports every problem at once, each naming the key and the fix.
  - Rejects malformed CIDRs, host bits, more than two subnets or two of one family, IPv4 in an IPv6-only
    stack, dual stack without one subnet per family, different primary families for pods and services,
    service subnets over 20 host bits, node masks shorter than the pod prefix or over 16 bits longer,
    O(_input.node_count) above capacity, any overlap between pod, service, host and load-balancer subnets,
    special ranges (link-local, multicast, loopback, unspecified, IPv4-mapped), and a malformed
    control-plane endpoint.
  - Each subnet list holds at most 10000 entries. At most 50 problems are listed; the last line counts the rest.
    The checks take time in proportion to the number of ranges (overlaps are found by sorting, not by comparing
    every pair).
  - The same validation runs as the M(v6kube.cluster.network_plan) action, which fails a play early.
options:
  _input:
    description: The plan.
    type: dict
    required: true
    suboptions:
      stack:
        description: V(ipv6) for IPv6-only, V(dual) for dual-stack.
        type: str
        default: ipv6
        choices: [ipv6, dual]
      pod_subnets:
        description: Pod CIDRs, primary family first. A comma-separated string is accepted.
        type: list
        elements: str
        required: true
      service_subnets:
        description: Service CIDRs, primary family first. A comma-separated string is accepted.
        type: list
        elements: str
        required: true
      node_mask_size_ipv6:
        description: Prefix length of each node's IPv6 pod range (kube-controller-manager C(--node-cidr-mask-size-ipv6)).
        type: int
        default: 64
      node_mask_size_ipv4:
        description: Prefix length of each node's IPv4 pod range (kube-controller-manager C(--node-cidr-mask-size-ipv4)).
        type: int
        default: 24
      node_count:
        description: Number of nodes planned; checked against the pod subnet capacity.
        type: int
      host_subnets:
        description: The node networks (at most 10000); pods and services must not overlap them. They may nest.
        type: list
        elements: str
        default: []
      lb_subnets:
        description: Load-balancer address pools (at most 10000); must not overlap any other range.
        type: list
        elements: str
        default: []
      control_plane_endpoint:
        description: The API endpoint as V(host:port), IPv6 in brackets (V([2001:db8:1::100]:6443)).
        type: str
      cluster_domain:
        description: The cluster DNS domain.
        type: str
        default: cluster.local
"""

EXAMPLES = r"""
- name: Resolve the plan of an IPv6-only HA cluster
  ansible.builtin.set_fact:
    plan: >-
      {{ {'pod_subnets': ['2001:db8:42::/56'],
          'service_subnets': ['2001:db8:43::/112'],
          'host_subnets': ['2001:db8:1::/64'],
          'control_plane_endpoint': '[2001:db8:1::100]:6443'} | v6kube.cluster.network_plan }}

- name: Use it in a kubeadm configuration
  ansible.builtin.debug:
    msg: "podSubnet {{ plan.kubeadm_pod_subnet }}, DNS at {{ plan.dns_service_ips[0] }}"
"""

RETURN = r"""
_value:
  description: The resolved plan, the same as the C(plan) that the M(v6kube.cluster.network_plan) action returns.
  type: dict
  contains:
    stack:
      description: V(ipv6) or V(dual).
      type: str
      sample: ipv6
    families:
      description: Families in the stack, primary first (V(ipv6), V(ipv4)).
      type: list
      elements: str
      sample: [ipv6]
    primary_family:
      description: The primary family.
      type: str
      sample: ipv6
    pod_subnets:
      description: Normalized pod CIDRs, primary first.
      type: list
      elements: str
      sample: ["2001:db8:42::/56"]
    service_subnets:
      description: Normalized service CIDRs, primary first.
      type: list
      elements: str
      sample: ["2001:db8:43::/112"]
    host_subnets:
      description: Normalized node networks.
      type: list
      elements: str
      sample: ["2001:db8:1::/64"]
    lb_subnets:
      description: Normalized load-balancer pools.
      type: list
      elements: str
      sample: []
    kubeadm_pod_subnet:
      description: Pod CIDRs joined with commas, for kubeadm C(networking.podSubnet).
      type: str
      sample: "2001:db8:42::/56"
    kubeadm_service_subnet:
      description: Service CIDRs joined with commas, for kubeadm C(networking.serviceSubnet).
      type: str
      sample: "2001:db8:43::/112"
    api_service_ips:
      description: The kubernetes Service IP of each family (the first address after the network address).
      type: list
      elements: str
      sample: ["2001:db8:43::1"]
    dns_service_ips:
      description: The cluster DNS Service IP of each family (the tenth address).
      type: list
      elements: str
      sample: ["2001:db8:43::a"]
    service_sizes:
      description: Addresses in the service subnet of each family.
      type: dict
      sample: {ipv6: 65536}
    node_mask_sizes:
      description: Node mask size per family in the stack.
      type: dict
      sample: {ipv6: 64}
    node_capacity:
      description: Number of node ranges the pod subnet of each family holds.
      type: dict
      sample: {ipv6: 256}
    max_nodes:
      description: The smallest node capacity over the families.
      type: int
      sample: 256
    pod_addresses_per_node:
      description: Addresses in each node's pod range, per family.
      type: dict
      sample: {ipv6: 18446744073709551616}
    node_count:
      description: The planned number of nodes, or null when not given.
      type: int
      sample: 200
    control_plane_endpoint:
      description: The normalized endpoint (V([host]:port)), or null.
      type: str
      sample: "[2001:db8:1::100]:6443"
    control_plane_host:
      description: The endpoint's host without brackets, or null.
      type: str
      sample: "2001:db8:1::100"
    control_plane_port:
      description: The endpoint's port, or null.
      type: int
      sample: 6443
    cluster_domain:
      description: The cluster DNS domain.
      type: str
      sample: cluster.local
    controller_manager_args:
      description: kube-controller-manager node mask flags for the stack.
      type: dict
      sample: {node-cidr-mask-size-ipv6: "64"}
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._plan import resolve_plan
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("network_plan", DOCUMENTATION, input_name="the plan")
def _network_plan(spec):
    return resolve_plan(spec)


class FilterModule:
    """v6kube.cluster.network_plan"""

    def filters(self):
        return {"network_plan": _network_plan}
