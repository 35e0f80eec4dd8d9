# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: kubeadm_certs
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: Every control plane's certificates in one table, and which control planes to renew
description:
  - Reads the output of C(kubeadm certs check-expiration -o json) of every control plane and returns one table
    (soonest expiry first), the control planes to renew and warnings for what kubeadm cannot renew (an authority
    or an externally managed certificate running out); used by C(playbooks/certificates.yml).
  - A control plane is renewed when one of its renewable certificates (kubeadm's own, present, not an authority)
    has fewer than O(threshold_days) left (O(renew=auto)), always (V(force)) or never (V(never)).
positional: threshold_days, renew
options:
  _input:
    description: Each control plane and its report (the JSON text or the parsed mapping).
    type: dict
    required: true
  threshold_days:
    description: Renew when a certificate has fewer days left than this.
    type: int
    default: 30
  renew:
    description: V(auto) (under the threshold), V(force) or V(never).
    type: str
    choices: [auto, force, never]
    default: auto
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    certs: "{{ reports | v6kube.cluster.kubeadm_certs(30, 'auto') }}"
"""

RETURN = r"""
_value:
  description: The judgement.
  type: dict
  contains:
    renew: {description: The control planes to renew., type: list, elements: str}
    warnings: {description: What kubeadm cannot renew and runs out., type: list, elements: str}
    table: {description: "Every certificate, soonest expiry first, as text.", type: str}
    soonest_days: {description: Days left of the soonest leaf certificate., type: int}
    certificates:
      description: "Every certificate with its host, name, expiry and days left."
      type: list
      elements: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._certs import judge
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("kubeadm_certs", DOCUMENTATION, input_name="reports")
def _kubeadm_certs(reports, threshold_days=30, renew="auto"):
    return judge(reports, threshold_days, renew).as_dict()


class FilterModule:
    """v6kube.cluster.kubeadm_certs"""

    def filters(self):
        return {"kubeadm_certs": _kubeadm_certs}
