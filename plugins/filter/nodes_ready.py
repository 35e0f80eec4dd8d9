# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: nodes_ready
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: The names of the Ready Nodes, optionally only those whose kubelet posted its status since a time
description:
  - Reads Node objects as C(kubectl get -o json) prints them and returns the names of those whose C(Ready) condition
    is C(True).
  - With O(since), only Nodes whose C(Ready) heartbeat is not older than that time count. After a reboot the condition
    stays C(True) for a while although the kubelet is down; a heartbeat after the reboot says the kubelet is back.
options:
  _input:
    description: A list of Nodes (the C(items) of C(kubectl get nodes -o json), or C([node]) for one).
    type: list
    required: true
  names:
    description: Only these Nodes are considered.
    type: list
    elements: str
  since:
    description: The time the heartbeat must not be older than, in seconds since the epoch (a node's C(date +%s)).
    type: int
"""

EXAMPLES = r"""
- name: Wait until every node of the play is Ready
  ansible.builtin.command: kubectl get nodes -o json
  register: nodes
  until: >-
    nodes.rc == 0
    and (nodes.stdout | from_json)['items'] | v6kube.cluster.nodes_ready(names=ansible_play_hosts) | length
        == ansible_play_hosts | length
  retries: 60
  delay: 5
"""

RETURN = r"""
_value:
  description: The names of the Ready Nodes, in the input's order.
  type: list
  elements: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._reboot import ready
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("nodes_ready", DOCUMENTATION, input_name="nodes")
def _nodes_ready(nodes, names=None, since=None):
    return ready(nodes, names, since)


class FilterModule:
    """v6kube.cluster.nodes_ready"""

    def filters(self):
        return {"nodes_ready": _nodes_ready}
