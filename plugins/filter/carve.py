# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: carve
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: Allocate named subnets out of a prefix
description:
  - Allocates each request in list order at the lowest address aligned to its length that overlaps
    neither an earlier allocation nor any O(exclude) range.
  - Fails, naming the request, when the prefix has no room left for it.
  - The cost depends on the number of requests and exclusions, never on the size of the address space.
positional: requests, exclude
options:
  _input:
    description: The prefix to carve, in CIDR form.
    type: str
    required: true
  requests:
    description: The subnets wanted, in allocation order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unique name of the allocation; the key in the result.
        type: str
        required: true
      prefix:
        description: Length of the wanted subnet (V(64) or V(/64)).
        type: int
        required: true
  exclude:
    description: CIDRs that must stay free (for example ranges already used elsewhere).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Pods, services and load balancers out of one /48
  ansible.builtin.set_fact:
    subnets: >-
      {{ '2001:db8:40::/48' | v6kube.cluster.carve([
           {'name': 'pods', 'prefix': 56},
           {'name': 'services', 'prefix': 112},
           {'name': 'load_balancers', 'prefix': 120}],
         exclude=['2001:db8:40::/64']) }}
  # {'pods': '2001:db8:40:100::/56', 'services': '2001:db8:40:1::/112',
  #  'load_balancers': '2001:db8:40:1::1:0/120'}
"""

RETURN = r"""
_value:
  description: Each request's name mapped to its subnet in CIDR form, in request order.
  type: dict
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import carve
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("carve", DOCUMENTATION, input_name="prefix")
def _carve(prefix, requests, exclude=None):
    return carve(prefix, requests, exclude)


class FilterModule:
    """v6kube.cluster.carve"""

    def filters(self):
        return {"carve": _carve}
