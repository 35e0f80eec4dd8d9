# Copyright: v6kube.cluster contributors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: subnet_nth
author: v6kube.cluster maintainers (@v6kube)
version_added: 0.1.0
short_description: The N-th child subnet of a prefix, in constant time
description:
  - Returns the O(index)-th subnet of length O(new_prefix) inside the input prefix, computed
    arithmetically, so indexing the last /64 of a /32 costs the same as indexing the first.
  - A negative O(index) counts from the end (V(-1) is the last child).
  - Works for IPv6 and IPv4. The result is in RFC 5952 form.
positional: new_prefix, index
options:
  _input:
    description: The parent prefix in CIDR form, without host bits.
    type: str
    required: true
  new_prefix:
    description: Length of the child subnets; not shorter than the parent, not longer than the family allows.
    type: int
    required: true
  index:
    description: Position of the wanted child, from V(0); negative values count from the end.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: The last /64 of a /32
  ansible.builtin.debug:
    msg: "{{ '2001:db8::/32' | v6kube.cluster.subnet_nth(64, 4294967295) }}"  # 2001:db8:ffff:ffff::/64

- name: The second /112 of a site prefix, for services
  ansible.builtin.set_fact:
    service_subnet: "{{ '2001:db8:43::/64' | v6kube.cluster.subnet_nth(112, 1) }}"  # 2001:db8:43::1:0/112
"""

RETURN = r"""
_value:
  description: The child subnet in CIDR form.
  type: str
"""

from ansible_collections.v6kube.cluster.plugins.module_utils._ipv6 import subnet_nth
from ansible_collections.v6kube.cluster.plugins.plugin_utils._filters import filter_errors


@filter_errors("subnet_nth", DOCUMENTATION, input_name="prefix")
def _subnet_nth(prefix, new_prefix, index):
    return str(subnet_nth(prefix, new_prefix, index))


class FilterModule:
    """v6kube.cluster.subnet_nth"""

    def filters(self):
        return {"subnet_nth": _subnet_nth}
