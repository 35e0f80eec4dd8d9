# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeadm_cluster
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: The cluster's next kubeadm step, judged from what every control plane has
description:
  - Takes the node states the P(v6kube.cluster.kubeadm_state#module) module read (one per host) and decides
    whether a cluster exists, which control plane a run talks to, whether C(kubeadm init) runs (and where), and
    which hosts of a batch still have to join.
  - A cluster exists as soon as any control plane has C(admin.conf), an etcd or kube-apiserver static pod, or
    etcd member data; then C(kubeadm init) never runs, so a control plane whose C(admin.conf) was removed is not
    initialised (and wiped) again.
  - A join an earlier run left unfinished (the controller died or the connection dropped, so no rescue ran) is
    resumed, never skipped or reset - a node with this cluster's C(pki/ca.crt) (the one of RV(_value.bootstrap))
    and what a join writes, but no C(kubelet.conf), or a control plane whose Node the API does not show marked as
    a control plane (kubeadm marks it last). RV(_value.resume) gives the kubeadm join phases to skip.
  - Fails when a state is missing or malformed. A cluster that runs while none of its control planes has
    C(admin.conf) (nothing could be joined and nothing may be initialised) is reported in RV(_value.problems),
    for the caller to stop on.
  - Used by the P(v6kube.cluster.kubeadm#role) role.
options:
  _input:
    description: The node states by host name (the C(state) that P(v6kube.cluster.kubeadm_state#module) returns).
    type: dict
    required: true
  control_planes:
    description: The control planes, in order (the first initialises a new cluster).
    type: list
    elements: str
    required: true
  batch:
    description: The hosts about to join (the play batch); their states must be in the input too.
    type: list
    elements: str
    default: []
  unreachable:
    description:
      - Control planes that did not answer when their state was read; their state is unknown, not bare.
      - Workers of O(batch) still join through a control plane that answers. Nothing is initialised while one
        is silent and no answering control plane runs a cluster, and no control plane joins while one is silent
        (kubeadm adds an etcd member, which needs every member healthy); both are reported in
        RV(_value.problems).
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  nodes:
    description:
      - The API's answer for each control plane of RV(_value.unverified) of a first judgement - the registered
        result of C(kubectl get node NAME -o json) on the bootstrap control plane. Without it, such control planes
        are RV(_value.unverified); with it, one whose Node is not marked as a control plane (or is missing) is
        resumed, and an answer that tells nothing (the API not answering) is a problem.
    type: dict
    version_added: 0.3.0
"""

EXAMPLES = r"""
- name: Who initialises, who is the bootstrap control plane, who joins
  ansible.builtin.set_fact:
    cluster: >-
      {{ states | v6kube.cluster.kubeadm_cluster(control_planes=groups['control_plane'],
                                                 batch=ansible_play_batch) }}
"""

RETURN = r"""
_value:
  description: The judgement.
  type: dict
  contains:
    running:
      description: The control planes with a trace of the cluster, in the order of O(control_planes).
      type: list
      elements: str
    bootstrap:
      description: The control plane a run talks to (the first running one with C(admin.conf), preferably one
        outside O(batch)), or, when no
        cluster exists, the one to initialise (the first of O(control_planes)).
      type: str
    init:
      description: Whether C(kubeadm init) must run on RV(_value.bootstrap) (no control plane shows a cluster).
      type: bool
    pending:
      description: The hosts of O(batch) that join in this run (no C(kubelet.conf), or a join to resume).
      type: list
      elements: str
    resume:
      description: The hosts of RV(_value.pending) whose join an earlier run left unfinished, each with the kubeadm
        join phases to skip when resuming it (V(preflight), and V(kubelet-start) once C(kubelet.conf)
        exists). A failed resume is not reset (the node was not bare before the run).
      type: dict
      version_added: 0.3.0
    unverified:
      description: The control planes of O(batch) whose files look joined; judge again with O(nodes) to know
        whether kubeadm finished their join.
      type: list
      elements: str
      version_added: 0.3.0
    fresh:
      description: The hosts this run initialises or joins from a bare state (RV(_value.bootstrap) when
        RV(_value.init), and the hosts of RV(_value.pending) that are not resumed) - the only ones a failed
        C(kubeadm init) or C(join) may be undone on with C(kubeadm reset).
      type: list
      elements: str
      version_added: 0.3.0
    problems:
      description: Why a run must stop before it changes anything (empty when it may go on).
      type: list
      elements: str
    unreachable:
      description: The control planes of O(unreachable), in the order of O(control_planes).
      type: list
      elements: str
      version_added: 0.3.0
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._kubeadm_state import settle
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("kubeadm_cluster", DOCUMENTATION, input_name="states")
def _kubeadm_cluster(states, control_planes, batch=(), unreachable=(), nodes=None):
    return settle(states, control_planes, batch, unreachable, nodes).as_dict()


class FilterModule:
    """v6kube.cluster.kubeadm_cluster"""

    def filters(self):
        return {"kubeadm_cluster": _kubeadm_cluster}
