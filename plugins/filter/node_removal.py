# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: node_removal
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: Which nodes to remove and how, checked before any host is touched and against the live cluster
description:
  - Checks a removal request against the inventory (every node known, the confirmation repeating the names, at least
    one control plane left) and, given the cluster's Node objects and etcd's members, plans it; used by
    C(playbooks/remove_node.yml).
  - Without O(api_nodes), checks the request only. With them, also reports which nodes have a Node object, which
    are not Ready, which were cordoned already, and which etcd members to remove, in order (unhealthy ones first); it refuses a removal that would
    leave etcd without quorum at any step.
positional: confirm, hosts, control_planes
options:
  _input:
    description: The nodes to remove, a list or one comma-separated string (C(v6kube_remove_nodes)).
    type: list
    elements: str
    required: true
  confirm:
    description: The confirmation (C(v6kube_remove_confirm)); it must name the same nodes, in any order.
    type: list
    elements: str
    required: true
  hosts:
    description: The cluster's hosts in the inventory.
    type: list
    elements: str
    required: true
  control_planes:
    description: The control-plane group's hosts.
    type: list
    elements: str
    required: true
  api_nodes:
    description: The items of C(kubectl get nodes -o json) (mappings); unset checks the request only.
    type: list
  members:
    description: etcd's C(member list -w json) output, parsed; needed when a control plane is removed.
    type: dict
  health:
    description: etcd's C(endpoint health --cluster -w json) output, parsed (a list of mappings).
    type: list
  addresses:
    description: Each node to remove and its addresses (finds the etcd member of a join that never started etcd).
    type: dict
"""

EXAMPLES = r"""
- name: Check the request before any host is contacted
  ansible.builtin.set_fact:
    removal: >-
      {{ v6kube_remove_nodes | v6kube.cluster.node_removal(v6kube_remove_confirm | default(''),
         groups['k8s_cluster'], groups['control_plane']) }}
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    nodes: {description: The nodes to remove., type: list, elements: str}
    control_planes: {description: Those of them that are control planes., type: list, elements: str}
    workers: {description: The others., type: list, elements: str}
    remaining_control_planes: {description: The control planes that stay., type: list, elements: str}
    remaining: {description: The cluster's hosts that stay., type: list, elements: str}
    in_api: {description: The nodes that have a Node object., type: list, elements: str}
    not_ready: {description: Those whose Node is not Ready., type: list, elements: str}
    cordoned: {description: Those already unschedulable before the run., type: list, elements: str}
    etcd_members:
      description: The etcd members to remove, in order, each with C(node) and C(id) (hexadecimal).
      type: list
      elements: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._node_removal import Plan, plan, request
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("node_removal", DOCUMENTATION, input_name="nodes")
def _node_removal(nodes, confirm, hosts, control_planes, api_nodes=None, members=None, health=None, addresses=None):
    req = request(nodes, confirm, hosts, control_planes)
    if api_nodes is None:
        return Plan(request=req).as_dict()
    return plan(req, api_nodes, members, health, addresses).as_dict()


class FilterModule:
    """v6kube.cluster.node_removal"""

    def filters(self):
        return {"node_removal": _node_removal}
