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
      - The node networks, each a CIDR string - a subnet of that CIDR's family, named by it - or a mapping
        C({name, ipv6, ipv4}) whose stack follows from what it has (IPv4-only, dual-stack, IPv6-only).
      - Pod, service and load-balancer ranges must not overlap them. A named subnet overlaps no other range; CIDR
        strings may nest in one another (the longest holding an address is its subnet).
      - IPv4 subnets may stay in an IPv6-only cluster (a network on its way to IPv6-only; the plan lists them), but
        no node may sit in one.
      - With host subnets declared, every node of O(nodes) is checked against its subnet, and an IP
        O(control_plane_endpoint) (the API VIP) must lie in one of them.
      - At most 10000 entries.
    type: list
    elements: raw
    default: []
    suboptions:
      name:
        description: The subnet's name, unique (1 to 63 letters, digits, V(.), V(_), V(-)).
        type: str
        required: true
      ipv6:
        description:
          - The subnet's IPv6 prefix, exactly a /64 as clouds assign it, inside O(network.ipv6_prefix) when that
            is set.
          - V(auto) carves the lowest free /64 of O(network.ipv6_prefix), in the order of the list, away from every
            other range of the plan.
        type: str
      ipv4:
        description: The subnet's IPv4 CIDR, inside O(network.ipv4_cidr) when that is set.
        type: str
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
  network:
    description: The network the host subnets are taken from (a cloud's VCN or VPC); optional.
    type: dict
    suboptions:
      ipv6_prefix:
        description: The network's IPv6 prefix (clouds assign a /56), a /64 or shorter; every subnet's IPv6 /64 lies
          inside it, and the subnets with O(host_subnets[].ipv6=auto) are carved from it.
        type: str
      ipv4_cidr:
        description: The network's IPv4 CIDR; every subnet's IPv4 CIDR lies inside it.
        type: str
  nodes:
    description:
      - The nodes and their addresses, checked against O(host_subnets) when any are declared; without host subnets
        they are not checked.
      - Every address lies in a host subnet, and no two nodes share one. In an IPv6-only cluster a node has one IPv6
        address, in a subnet with IPv6; in a dual-stack cluster one address per family, primary first, in a
        dual-stack subnet - a named one holding both, or two CIDR strings of O(host_subnets), one per family, that
        pair up (the flat form cannot say more). A node with an address in a named subnet has its other one in
        that subnet too, never in another entry.
      - C(playbooks/plan.yml) takes them from the inventory (V(v6kube_node_addresses), else V(ansible_host), of the
        hosts of groups C(k8s_cluster) and C(control_plane)).
      - At most 10000 entries.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The node's inventory name.
        type: str
        required: true
      addresses:
        description: The node's addresses, one per family, primary first. A comma-separated string is accepted.
        type: list
        elements: str
        required: true
"""
