# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: vrrp_priority
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.2.0
short_description: A control plane's VRRP priority for the API VIP, spread so elections never tie
description:
  - Returns O(override) when it is set (an integer from 1 to 254), else a priority from 250 (the first host of
    the group) down to 50 (the last), evenly spread.
  - Spread priorities give the backups' master-down timers hundreds of milliseconds between them, so one backup
    takes the VIP when its holder dies, not two at once.
positional: host, override
options:
  _input:
    description: The hosts of the group that shares the VIP, in inventory order.
    type: list
    elements: str
    required: true
  host:
    description: The host whose priority is wanted; one of the group.
    type: str
    required: true
  override:
    description: A priority set by the operator (C(api_vip_priority)), 1 to 254; V(0) computes one.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: This control plane's priority
  ansible.builtin.set_fact:
    priority: "{{ groups['control_plane'] | v6kube.cluster.vrrp_priority(inventory_hostname, api_vip_priority or 0) }}"
"""

RETURN = r"""
_value:
  description: The priority, an integer from 1 to 254.
  type: int
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._vrrp import priority
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("vrrp_priority", DOCUMENTATION, input_name="group")
def _vrrp_priority(group, host, override=0):
    return priority(group, host, override)


class FilterModule:
    """v6kube.cluster.vrrp_priority"""

    def filters(self):
        return {"vrrp_priority": _vrrp_priority}
