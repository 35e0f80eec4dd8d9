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
  - Rejects malformed CIDRs, host bits, more than two subnets or two of one family, IPv4 pod, service or
    load-balancer ranges in an IPv6-only stack, dual stack without one subnet per family, different primary
    families for pods and services, service subnets over 20 host bits, node masks shorter than the pod prefix or
    over 16 bits longer, O(_input.node_count) above capacity, any overlap between pod, service, host and
    load-balancer subnets, special ranges (link-local, multicast, loopback, unspecified, IPv4-mapped), and a
    malformed control-plane endpoint.
  - Models the host network as clouds do (O(_input.network), O(_input.host_subnets)) - a network with an IPv4
    CIDR and an IPv6 prefix, and subnets that are IPv4-only, dual-stack or IPv6-only - and checks every node of
    O(_input.nodes) against the subnet it sits in, and the API VIP against the subnets.
  - Each subnet list holds at most 10000 entries, and O(_input.nodes) too. At most 50 problems are listed; the
    last line counts the rest. The checks take time in proportion to the number of ranges and nodes (overlaps are
    found by sorting, addresses located by hashing, never by comparing every pair).
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
        description:
          - The node networks (at most 10000), each a CIDR string - a subnet of that CIDR's family, named by it - or
            a mapping C({name, ipv6, ipv4}) whose stack follows from what it has (IPv4-only, dual-stack, IPv6-only).
            A comma-separated string of CIDRs is accepted.
          - Pod, service and load-balancer ranges must not overlap them. A named subnet overlaps no other range;
            CIDR strings may nest in one another (the longest holding an address is its subnet).
          - IPv4 subnets may stay in an IPv6-only cluster (a network on its way to IPv6-only; the plan lists them),
            but no node may sit in one.
          - With host subnets declared, every node of O(_input.nodes) is checked against its subnet, and an IP
            O(_input.control_plane_endpoint) (the API VIP) must lie in one of them.
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
              - The subnet's IPv6 prefix, exactly a /64 as clouds assign it, inside O(_input.network.ipv6_prefix)
                when that is set.
              - V(auto) carves the lowest free /64 of O(_input.network.ipv6_prefix), in the order of the list, away
                from every other range of the plan.
            type: str
          ipv4:
            description: The subnet's IPv4 CIDR, inside O(_input.network.ipv4_cidr) when that is set.
            type: str
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
      network:
        description: The network the host subnets are taken from (a cloud's VCN or VPC); optional.
        type: dict
        suboptions:
          ipv6_prefix:
            description: The network's IPv6 prefix (clouds assign a /56), a /64 or shorter; every subnet's IPv6 /64
              lies inside it, and the subnets with O(_input.host_subnets[].ipv6=auto) are carved from it.
            type: str
          ipv4_cidr:
            description: The network's IPv4 CIDR; every subnet's IPv4 CIDR lies inside it.
            type: str
      nodes:
        description:
          - The nodes and their addresses (at most 10000), checked against O(_input.host_subnets) when any are
            declared; without host subnets they are not checked.
          - Every address lies in a host subnet, and no two nodes share one. In an IPv6-only cluster a node has one
            IPv6 address, in a subnet with IPv6; in a dual-stack cluster one address per family, primary first, in
            a dual-stack subnet - a named one holding both, or two CIDR strings of O(_input.host_subnets), one per
            family, that pair up (the flat form cannot say more). A node with an address in a named subnet has its
            other one in that subnet too, never in another entry.
          - C(playbooks/plan.yml) takes them from the inventory (V(v6kube_node_addresses), else V(ansible_host), of
            the hosts of groups C(k8s_cluster) and C(control_plane)).
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

EXAMPLES = r"""
- name: Resolve the plan of an IPv6-only HA cluster in a cloud network (subnets typed by stack, nodes checked)
  ansible.builtin.set_fact:
    plan: >-
      {{ {'pod_subnets': ['2001:db8:42::/56'],
          'service_subnets': ['2001:db8:43::/112'],
          'network': {'ipv6_prefix': '2001:db8:1::/56', 'ipv4_cidr': '10.0.0.0/16'},
          'host_subnets': [{'name': 'nodes-a', 'ipv6': 'auto'},
                           {'name': 'legacy', 'ipv6': 'auto', 'ipv4': '10.0.1.0/24'}],
          'nodes': [{'name': 'cp1', 'addresses': ['2001:db8:1::10']}],
          'control_plane_endpoint': '[2001:db8:1::100]:6443'} | v6kube.cluster.network_plan }}

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
      description: Every CIDR of the host subnets, normalized, in order (a subnet's IPv6 before its IPv4).
      type: list
      elements: str
      sample: ["2001:db8:1::/64"]
    host_network:
      description: The host network - its CIDRs, each subnet with its stack and nodes, and which still carry IPv4.
      type: dict
      contains:
        ipv6_prefix:
          description: The network's IPv6 prefix, or null.
          type: str
          sample: "2001:db8:1::/56"
        ipv4_cidr:
          description: The network's IPv4 CIDR, or null.
          type: str
          sample: "10.0.0.0/16"
        subnets:
          description:
            - The host subnets in order, each C({name, stack, ipv6, ipv4, carved, nodes}); a subnet written as a
              CIDR string is named by it.
            - V(stack) is V(ipv6) (IPv6-only), V(dual) (dual-stack) or V(ipv4) (IPv4-only); V(carved) tells an
              V(ipv6) taken from V(auto); V(nodes) lists the nodes that sit in it (a dual-stack node in two CIDR
              strings is listed in both).
          type: list
          elements: dict
          sample: [{name: nodes-a, stack: ipv6, ipv6: "2001:db8:1::/64", ipv4: null, carved: true, nodes: [cp1]}]
        ipv4_subnets:
          description: The names of the subnets that still carry IPv4 (IPv4-only and dual-stack ones), in order.
          type: list
          elements: str
          sample: [edge]
        node_subnets:
          description: Node name to the name of the subnet it sits in (for a dual-stack node in two CIDR strings, the
            one of its primary address; empty without host subnets).
          type: dict
          sample: {cp1: nodes-a}
        endpoint_subnet:
          description: The name of the subnet holding the API VIP, or null.
          type: str
          sample: nodes-a
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
