# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_rollout
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.3.0
short_description: Whether node_exporter has rolled out on every node that is Ready
description:
  - Judges the node_exporter DaemonSet of the monitoring stack from its status and the cluster's Nodes.
    node_exporter runs on every node (it tolerates every taint), a dead one included, where its pod can never be
    ready; so the rollout is done when the DaemonSet controller has seen the current generation and the pods of
    every Ready node are updated and ready. Nodes that are not Ready are named, not waited for.
  - The monitoring role waits on it, so that adding a node while another is down does not wait for the dead one.
positional: nodes
options:
  _input:
    description: The DaemonSet as the API returns it (C(kubernetes.core.k8s_info) resources item).
    type: dict
    required: true
  nodes:
    description: Every Node as the API returns them (mappings).
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Wait for node_exporter on every Ready node
  kubernetes.core.k8s_info:
    kind: DaemonSet
    namespace: monitoring
    name: node-exporter
  register: daemonset
  until: (daemonset.resources | first | v6kube.cluster.monitoring_rollout(nodes.resources)).done
  retries: 60
  delay: 5
"""

RETURN = r"""
_value:
  description: The judgement.
  type: dict
  contains:
    done:
      description: Whether every Ready node's pod is updated and ready.
      type: bool
    waiting:
      description: What is missing (one sentence); empty when done.
      type: str
    skipped:
      description: The nodes that are not Ready (not waited for).
      type: list
      elements: str
    needed:
      description: How many pods must be updated and ready.
      type: int
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._monitoring import rollout
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("monitoring_rollout", DOCUMENTATION, input_name="daemonset")
def _monitoring_rollout(daemonset, nodes):
    return rollout(daemonset, nodes)


class FilterModule:
    """v6kube.cluster.monitoring_rollout"""

    def filters(self):
        return {"monitoring_rollout": _monitoring_rollout}
