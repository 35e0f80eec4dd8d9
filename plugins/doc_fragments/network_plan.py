# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations


class ModuleDocFragment:
    """Options of a cluster address plan (module_utils/_plan.py PLAN_ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  stack:
    description: V(ipv6) for an IPv6-only cluster, V(dual) for dual-stack.
    type: str
    default: ipv6
    choices: [ipv6, dual]
  pod_subnets:
    description:
      - Pod CIDRs, primary family first (kubeadm C(networking.podSubnet)).
      - One IPv6 CIDR for O(stack=ipv6); one per family for O(stack=dual).
    type: list
    elements: str
    required: true
  service_subnets:
    description:
      - Service CIDRs, primary family first (kubeadm C(networking.serviceSubnet)).
      - At most 20 host bits each (IPv6 V(/108), IPv4 V(/12) are the largest).
    type: list
    elements: str
    required: true
  node_mask_size_ipv6:
    description:
      - Prefix length of each node's IPv6 pod range (kube-controller-manager C(--node-cidr-mask-size-ipv6)).
      - Not shorter than the IPv6 pod prefix and at most 16 bits longer.
    type: int
    default: 64
  node_mask_size_ipv4:
    description: Prefix length of each node's IPv4 pod range (C(--node-cidr-mask-size-ipv4)); used with O(stack=dual).
    type: int
    default: 24
  node_count:
    description: Number of nodes planned; must fit the capacity of every pod subnet.
    type: int
  host_subnets:
    description:
      - The node networks; pod, service and load-balancer ranges must not overlap them. They may nest.
      - At most 10000 entries.
    type: list
    elements: str
    default: []
  lb_subnets:
    description:
      - Load-balancer address pools; must not overlap any other range.
      - At most 10000 entries.
    type: list
    elements: str
    default: []
  control_plane_endpoint:
    description: The API endpoint as V(host:port) with IPv6 in brackets, for example V([2001:db8:1::100]:6443).
    type: str
  cluster_domain:
    description: The cluster DNS domain.
    type: str
    default: cluster.local
"""
