# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: node_reboot
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: Which nodes a rolling reboot takes, in which order and how, checked against the live cluster
description:
  - Checks a reboot request against the inventory and orders it (control planes first, one at a time, then the
    workers); given the cluster's Node objects and etcd's members, plans it; used by C(playbooks/reboot.yml).
  - Without O(api_nodes), checks the request only. With them, also names for each node the control plane the API is
    reached through while it reboots, the nodes cordoned before the run (they stay cordoned), those left cordoned by
    an earlier reboot run that did not finish (marked on the Node; uncordoned at the end), and those not Ready; it
    refuses a node that has not joined and a control plane whose reboot would leave etcd without quorum.
positional: hosts, control_planes
options:
  _input:
    description: >-
      The nodes to reboot (C(v6kube_reboot_nodes)): a list, one comma-separated string, or C(all) for every host of
      the cluster.
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
    description: etcd's C(member list -w json) output, parsed; needed when a control plane reboots.
    type: dict
  health:
    description: etcd's C(endpoint health --cluster -w json) output, parsed (a list of mappings).
    type: list
  addresses:
    description: Each control plane and its addresses (its etcd member is found by name or peer address).
    type: dict
"""

EXAMPLES = r"""
- name: Check the request before any host is contacted
  ansible.builtin.set_fact:
    reboot: "{{ v6kube_reboot_nodes | v6kube.cluster.node_reboot(groups['k8s_cluster'], groups['control_plane']) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    nodes:
      description: The nodes to reboot, in order.
      type: list
      elements: str
    control_planes:
      description: Those of them that are control planes (rebooted first, one at a time).
      type: list
      elements: str
    workers:
      description: The others (rebooted next, in batches).
      type: list
      elements: str
    via:
      description: Each node and the control plane the API is reached through while it reboots.
      type: dict
    cordoned:
      description: Nodes unschedulable before the run (left so).
      type: list
      elements: str
    resumed:
      description: Nodes an earlier reboot run cordoned and did not finish (uncordoned at the end).
      type: list
      elements: str
    not_ready:
      description: Nodes whose Node is not Ready now.
      type: list
      elements: str
    mark:
      description: The annotation a reboot run puts on the Nodes it cordons.
      type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._reboot import Plan, plan, request
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("node_reboot", DOCUMENTATION, input_name="nodes")
def _node_reboot(nodes, hosts, control_planes, api_nodes=None, members=None, health=None, addresses=None):
    req = request(nodes, hosts, control_planes)
    if api_nodes is None:
        return Plan(request=req).as_dict()
    return plan(req, api_nodes, control_planes, members, health, addresses).as_dict()


class FilterModule:
    """v6kube.cluster.node_reboot"""

    def filters(self):
        return {"node_reboot": _node_reboot}
