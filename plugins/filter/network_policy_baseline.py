# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: network_policy_baseline
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The NetworkPolicy baseline of the selected namespaces, and which of its policies to delete
description:
  - For every selected namespace - C(v6kube-default-deny) (all ingress and egress denied), C(v6kube-allow-dns)
    (egress to the cluster DNS pods on UDP and TCP port 53) and one C(v6kube-allow-NAME) per exception. Every
    policy is labelled C(app.kubernetes.io/managed-by=v6kube.cluster).
  - DNS is allowed to the DNS pods (namespaceSelector on C(kubernetes.io/metadata.name) plus a podSelector), not to
    the kube-dns ClusterIP - NetworkPolicy matches pod addresses, and a ClusterIP is translated before it applies.
  - Refuses C(kube-system) unless O(include_kube_system), and checks every name, label, CIDR (no host bits; an
    C(except) inside its C(cidr)) and port, all problems at once.
  - With O(state=absent), nothing is applied and every policy of ours in the selected namespaces is deleted; with
    O(state=present), ours that the baseline no longer has are deleted. Other namespaces are never named.
positional: exceptions
options:
  _input:
    description: The namespaces that get the baseline.
    type: list
    elements: str
    required: true
  exceptions:
    description: Allowed traffic beyond DNS, one policy C(v6kube-allow-NAME) each.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The policy is C(v6kube-allow-NAME); a lowercase DNS label.
        type: str
        required: true
      direction:
        description: V(ingress) or V(egress).
        type: str
        choices: [ingress, egress]
        required: true
      peers:
        description: Who may be reached or may reach; an empty list is refused (it would allow everyone).
        type: list
        elements: dict
        required: true
        suboptions:
          pod_selector:
            description: Labels of the peer pods (matchLabels).
            type: dict
          namespace_selector:
            description: Labels of the peer namespaces (matchLabels); with O(exceptions[].peers[].pod_selector), both must match.
            type: dict
          ip_block:
            description: An address range; not with a selector.
            type: dict
            suboptions:
              cidr:
                description: An IPv6 (or IPv4) CIDR without host bits.
                type: str
                required: true
              except:
                description: Ranges inside O(exceptions[].peers[].ip_block.cidr) left out.
                type: list
                elements: str
      ports:
        description:
          - Ports, each a number or a mapping with C(port) (number or name), C(protocol) (V(TCP), V(UDP), V(SCTP);
            default V(TCP)) and C(end_port); empty allows every port.
        type: list
        default: []
      namespaces:
        description: Only these of the selected namespaces; default all of them.
        type: list
        elements: str
      pod_selector:
        description: Only the pods with these labels get the exception; default all pods of the namespace.
        type: dict
  include_kube_system:
    description: Allow C(kube-system) among the namespaces.
    type: bool
    default: false
  dns_namespace:
    description: Namespace of the cluster DNS pods.
    type: str
    default: kube-system
  dns_pod_labels:
    description: Labels of the cluster DNS pods.
    type: dict
    default: {k8s-app: kube-dns}
  dns_port:
    description: Port of the cluster DNS pods (UDP and TCP).
    type: int
    default: 53
  existing:
    description: The registered result of C(kubernetes.core.k8s_info) (looped per namespace or not) listing the policies now there.
    type: dict
    default: {}
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The baseline for two namespaces, with one exception
  ansible.builtin.set_fact:
    baseline: >-
      {{ ['shop', 'blog'] | v6kube.cluster.network_policy_baseline(
           [{'name': 'web', 'direction': 'ingress', 'peers': [{'ip_block': {'cidr': '2001:db8::/32'}}],
             'ports': [{'port': 443}]}], existing=found) }}
"""

RETURN = r"""
_value:
  description: What to do.
  type: dict
  contains:
    namespaces:
      description: The selected namespaces, sorted.
      type: list
      elements: str
    apply:
      description: The NetworkPolicy manifests to apply (none for O(state=absent)).
      type: list
      elements: dict
    delete:
      description: References (C(apiVersion), C(kind), C(metadata.namespace), C(metadata.name)) of our policies to
        delete, usable as one C(kubernetes.core.k8s) O(ignore:definition) with O(ignore:state=absent).
      type: list
      elements: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._netpol import network_policy_baseline
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("network_policy_baseline", DOCUMENTATION, input_name="namespaces")
def _network_policy_baseline(namespaces, exceptions=(), include_kube_system=False, dns_namespace="kube-system",
                             dns_pod_labels=None, dns_port=53, existing=None, state="present"):
    return network_policy_baseline(namespaces, exceptions or (), bool(include_kube_system),
                                   dns_namespace or "kube-system", dns_pod_labels, 53 if dns_port is None else dns_port,
                                   existing or (), state or "present")


class FilterModule:
    """v6kube.cluster.network_policy_baseline"""

    def filters(self):
        return {"network_policy_baseline": _network_policy_baseline}
