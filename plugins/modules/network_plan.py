#!/usr/bin/python
# Copyright: v6kube.cluster contributors
# Apache License 2.0 (see LICENSE) or, at your option, the GNU General Public License version 3
# or later (see LICENSES/GPL-3.0-or-later.txt)
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: network_plan
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Validate a cluster address plan before any host is touched
description:
  - Runs the address plan validation of the collection on the controller (an action plugin; nothing is
    sent to the target) and returns the resolved plan, so a play fails in its first task when the plan
    breaks a rule of kubeadm, kube-apiserver or kube-controller-manager.
  - Checks the host network as clouds model it too - a network (O(network)) with IPv4-only, dual-stack and
    IPv6-only subnets (O(host_subnets)) - and every node (O(nodes)) against the subnet it sits in.
  - Every problem is reported together, each naming the key and the fix.
  - The same checks back the P(v6kube.cluster.network_plan#filter) filter; M(v6kube.cluster.plan_report) prints
    the resolved plan.
extends_documentation_fragment:
  - v6kube.cluster.network_plan
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Validate the address plan of the inventory
  v6kube.cluster.network_plan:
    stack: ipv6
    pod_subnets: ["2001:db8:42::/56"]
    service_subnets: ["2001:db8:43::/112"]
    host_subnets: ["2001:db8:1::/64"]
    control_plane_endpoint: "[2001:db8:1::100]:6443"
    node_count: 200
  register: v6kube_plan_result
  run_once: true

- name: Validate a dual-stack plan in a cloud network, the nodes checked against their subnets
  v6kube.cluster.network_plan:
    stack: dual
    pod_subnets: ["2001:db8:42::/56", "10.244.0.0/16"]
    service_subnets: ["2001:db8:43::/112", "10.96.0.0/16"]
    network: {ipv6_prefix: "2001:db8:1::/56", ipv4_cidr: "10.0.0.0/16"}
    host_subnets:
      - {name: nodes, ipv6: auto, ipv4: "10.0.1.0/24"}  # dual-stack; its /64 carved from ipv6_prefix
      - "10.0.2.0/24"                                   # IPv4-only (a CIDR string is a subnet of its family)
    nodes:
      - {name: cp1, addresses: ["2001:db8:1::10", "10.0.1.10"]}
    control_plane_endpoint: "[2001:db8:1::100]:6443"
  register: v6kube_plan_result
  run_once: true
"""

RETURN = r"""
plan:
  description: The resolved plan, the same as the P(v6kube.cluster.network_plan#filter) filter returns.
  returned: success
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
table:
  description: The plan as lines of a readable table.
  returned: success
  type: list
  elements: str
problems:
  description: Every problem found, when the plan is rejected.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6kube.cluster.plugins.module_utils._plan import (
    PLAN_ARGUMENT_SPEC,
    PlanError,
    plan_table,
    resolve_plan,
)


def main():
    module = AnsibleModule(argument_spec=PLAN_ARGUMENT_SPEC, supports_check_mode=True)
    try:
        plan = resolve_plan(module.params)
    except PlanError as exc:
        module.fail_json(msg="v6kube.cluster.network_plan: " + "; ".join(exc.problems), problems=exc.problems)
    module.exit_json(changed=False, plan=plan, table=plan_table(plan))


if __name__ == "__main__":
    main()
