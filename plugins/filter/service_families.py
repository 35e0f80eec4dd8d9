# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: service_families
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: What each Service needs so that its ipFamilies and ipFamilyPolicy are the requested ones
description:
  - Compares the live Services (as C(kubernetes.core.k8s_info) lists them) with the requested families and policy
    and decides, per Service, what kube-apiserver allows - nothing, a patch in place, or a delete and create
    (recreate) - or refuses with the reason.
  - In place - adding the secondary family (the API allocates its ClusterIP), dropping it (C(ipFamilyPolicy)
    V(SingleStack) with C(ipFamilies) and C(clusterIPs) trimmed in the same update), a policy change, and any
    family change of a headless Service.
  - Recreate - a change of the primary family of a Service with a ClusterIP (C(spec.ipFamilies[0]) and
    C(spec.clusterIPs[0]) are immutable). The new Service keeps the addresses of every family it keeps; the cluster
    DNS Service (C(kube-system/kube-dns)) takes the plan's DNS address of its new primary family. Only with
    O(allow_recreate); refused when the cluster DNS Service would get a random address or a new address is held
    by another Service.
  - ExternalName Services are skipped (they have no families); C(default/kubernetes) is never changed (the API
    server reconciles it from its service range).
positional: services
options:
  _input:
    description: The live Service objects (C(resources) of C(kubernetes.core.k8s_info) with C(kind=Service)).
    type: list
    required: true
  services:
    description: The Services to manage besides the cluster DNS Service.
    type: list
    elements: dict
    default: []
    suboptions:
      namespace:
        description: Namespace of the Service.
        type: str
        required: true
      name:
        description: Name of the Service.
        type: str
        required: true
      families:
        description: V(IPv6) and/or V(IPv4), primary first; defaults to O(default_families).
        type: list
        elements: str
      policy:
        description: The C(ipFamilyPolicy); defaults to O(default_policy).
        type: str
        choices: [SingleStack, PreferDualStack, RequireDualStack]
      cluster_ip:
        description: The primary ClusterIP a recreated Service must get (of the primary family).
        type: str
  manage_kube_dns:
    description: Manage C(kube-system/kube-dns) with the default families and policy.
    type: bool
    default: true
  default_families:
    description: Families of Services that name none, primary first.
    type: list
    elements: str
    default: [IPv6]
  default_policy:
    description: Policy of Services that name none.
    type: str
    choices: [SingleStack, PreferDualStack, RequireDualStack]
    default: SingleStack
  dns_addresses:
    description: The plan's DNS Service addresses (kubelet's C(clusterDNS)); a recreated C(kube-dns) takes the one of its primary family.
    type: list
    elements: str
    default: []
  service_cidrs:
    description:
      - The cluster's ServiceCIDR objects (or CIDR strings), telling which families the cluster serves; empty when
        unknown (the API server then has the last word).
    type: list
    default: []
  allow_recreate:
    description: Allow deleting and creating a Service again where the API cannot change it in place.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Decide what each Service needs
  ansible.builtin.set_fact:
    service_plan: >-
      {{ live.resources | v6kube.cluster.service_families(
           [{'namespace': 'monitoring', 'name': 'prometheus', 'families': ['IPv6', 'IPv4'],
             'policy': 'RequireDualStack'}],
           dns_addresses=['2001:db8:43::a'], service_cidrs=cidrs.resources) }}
"""

RETURN = r"""
_value:
  description: The decisions, grouped.
  type: dict
  contains:
    families:
      description: The families the cluster serves (empty when unknown).
      type: list
      elements: str
    unchanged:
      description: C(namespace/name) of the Services that already match.
      type: list
      elements: str
    patch:
      description: Decisions to apply in place; C(patch) is the strategic-merge patch.
      type: list
      elements: dict
    recreate:
      description: Decisions to delete and create; C(definition) is the new Service, C(original) the old one.
      type: list
      elements: dict
    refused:
      description: One line per Service that cannot get the requested families, with the reason.
      type: list
      elements: str
    skipped:
      description: One line per Service left alone (ExternalName, no cluster DNS Service).
      type: list
      elements: str
    decisions:
      description: Every decision (namespace, name, action, reason, before, after).
      type: list
      elements: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._svcfamily import plan_services
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("service_families", DOCUMENTATION, input_name="the live Services")
def _service_families(live_services, services=(), manage_kube_dns=True, default_families=("IPv6",),
                      default_policy="SingleStack", dns_addresses=(), service_cidrs=(), allow_recreate=False):
    return plan_services(live_services, services or (), True if manage_kube_dns is None else manage_kube_dns,
                         default_families or ("IPv6",), default_policy or "SingleStack", dns_addresses or (),
                         service_cidrs or (), bool(allow_recreate))


class FilterModule:
    """v6kube.cluster.service_families"""

    def filters(self):
        return {"service_families": _service_families}
